package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// communeGen generates and writes everything under one commune: members, meetings, attendance, visit reports,
// recommendations and annual ratings. Each commune has its own random stream.
type communeGen struct {
	g   *generator
	com *commune
	r   *rng
	// The first commune makes sure every recommendation field and status occurs, however small the demo.
	forceFields   int
	forceStatuses []domain.RecStatus
}

// member is a roster row with its history: the days it was on the roll and exempt, how reliably it attends.
type member struct {
	row         store.Member
	from, until domain.Date // on the roll from (zero: always) until, exclusive (zero: still)
	exempt      bool
	exemptFrom  domain.Date // zero: exempt for the whole history
	presence    float64     // probability of attending a meeting
	officer     bool        // secretary or deputy: chairs or keeps the minutes
	reasons     []string    // the reasons this member gives when absent
	streak      bool        // absent with reason for four meetings in a row
	run         int         // current run of absences with reason
}

func (m *member) onRoll(d domain.Date) bool {
	return (m.from.IsZero() || !d.Before(m.from)) && (m.until.IsZero() || d.Before(m.until))
}

func (m *member) exemptOn(d domain.Date) bool {
	return m.exempt && (m.exemptFrom.IsZero() || !d.Before(m.exemptFrom))
}

func (m *member) probationaryOn(d domain.Date) bool {
	return !m.row.JoinedOn.After(d) && (m.row.OfficialOn.IsZero() || d.Before(m.row.OfficialOn))
}

// snapshot is the membership header of the minutes on a day.
type snapshot struct{ total, full, probationary, attached, exempt int }

func snapshotOn(ms []*member, d domain.Date) snapshot {
	var s snapshot
	for _, m := range ms {
		if !m.onRoll(d) {
			continue
		}
		s.total++
		if m.probationaryOn(d) {
			s.probationary++
		} else {
			s.full++
		}
		if m.row.TemporarilyAttached {
			s.attached++
		}
		if m.exemptOn(d) {
			s.exempt++
		}
	}
	return s
}

// stats is how a held meeting's attendance went.
type stats struct {
	snap                                  snapshot
	eligible, present, excused, unexcused int
	maxRun                                int      // longest run of absences with reason of any member, this meeting included
	speakers                              []string // present members who are not officers
}

func (s stats) rate() float64 {
	if s.eligible == 0 {
		return 1
	}
	return float64(s.present) / float64(s.eligible)
}

func (cg *communeGen) run(ctx context.Context) error {
	if cg.com.idx == 0 {
		cg.forceStatuses = slices.Clone(domain.RecStatuses)
	}
	for _, c := range cg.com.cells {
		if err := cg.cell(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// plan is a meeting to generate.
type plan struct {
	date   domain.Date
	typ    domain.MeetingType
	status domain.MeetingStatus
	topic  string
}

func (cg *communeGen) cell(ctx context.Context, c *cell) error {
	g, r := cg.g, cg.r
	ms, err := cg.members(ctx, c)
	if err != nil {
		return err
	}
	if err := cg.cellPosition(ctx, c); err != nil {
		return err
	}
	plans := cg.planMeetings(c)
	var held []domain.Date
	for _, p := range plans {
		if p.typ == domain.MeetingRegular && p.status == domain.MeetingHeld {
			held = append(held, p.date)
		}
	}
	// The streak member is absent with reason at four regular meetings in a row (and any thematic one between).
	var streakFrom, streakTo domain.Date
	switch n := len(held); {
	case n >= 6:
		streakFrom, streakTo = held[n-6], held[n-3]
	case n >= 4:
		streakFrom, streakTo = held[0], held[3]
	}
	secretary, deputy := ms[0], ms[1]
	for _, p := range plans {
		d := p.date
		mt := store.Meeting{CellID: c.unit.ID, MeetingDate: d, Type: p.typ, Mode: domain.MeetingInPerson, Status: p.status,
			Topic: p.topic, Place: "Nhà văn hóa " + c.village,
			ChairMemberID: ptr(secretary.row.ID), SecretaryMemberID: ptr(deputy.row.ID),
			ChairName: secretary.row.FullName, SecretaryName: deputy.row.FullName}
		mt.ID = r.id() // drawn even when not used, so the rest of the data set stays as it was
		if p.typ == domain.MeetingRegular {
			// A cell's regular meeting of a month is its scheduled meeting: it has the id the protocol prescribes,
			// so a device that starts the month's meeting under that id updates this one rather than adding a second.
			mt.ID = wire.ScheduledMeetingID(c.unit.ID, d.String()[:7])
		}
		var tasks []string
		if p.status != domain.MeetingCancelled {
			start, end := at(d, 19, 30), at(d, 21, 15)
			if p.typ == domain.MeetingThematic {
				end = at(d, 21, 30)
			}
			mt.StartsAt, mt.EndsAt = &start, &end
		}
		switch p.status {
		case domain.MeetingPlanned:
			created := g.now.Add(-time.Duration(r.between(30, 150)) * time.Hour)
			mt.CreatedAt, mt.UpdatedAt = created, created
		default:
			created := g.clip(r, at(d.AddDays(-r.between(5, 9)), 8, r.between(0, 59)), g.setupAt)
			mt.CreatedAt = created
			mt.UpdatedAt = g.clip(r, at(d.AddDays(1), r.between(7, 21), r.between(0, 59)), created)
		}
		var snap snapshot
		if p.status == domain.MeetingHeld {
			snap = snapshotOn(ms, d)
			mt.MembersTotal, mt.MembersFull, mt.MembersProbationary = ptr(snap.total), ptr(snap.full), ptr(snap.probationary)
			mt.MembersAttached, mt.MembersExempt = ptr(snap.attached), ptr(snap.exempt)
			if p.typ == domain.MeetingRegular {
				tasks = slices.Clone(seasonTasks[d.Month()])
				shuffle(r, tasks)
				tasks = tasks[:3]
				mt.Resolution = fmt.Sprintf("Nghị quyết tháng %d/%d: 1. %s. 2. %s. 3. %s.", d.Month(), d.Year(), tasks[0], tasks[1], tasks[2])
			} else {
				mt.Resolution = "Chi bộ thống nhất nội dung chuyên đề, phân công đảng viên tuyên truyền, vận động nhân dân cùng thực hiện."
			}
		}
		if err := put(ctx, g.w, &g.w.meetings, mt); err != nil {
			return err
		}
		switch {
		case p.status == domain.MeetingPlanned:
			c.plannedMeeting = &mt
		case p.status == domain.MeetingHeld:
			inStreak := !streakFrom.IsZero() && !d.Before(streakFrom) && !d.After(streakTo)
			st, err := cg.attend(ctx, c, ms, &mt, inStreak)
			if err != nil {
				return err
			}
			st.snap = snap
			if p.typ != domain.MeetingRegular {
				if err := cg.minutes(ctx, c, &mt, st, nil, nil, ""); err != nil {
					return err
				}
				continue
			}
			vr, came, err := cg.reports(ctx, c, &mt, st, tasks)
			if err != nil {
				return err
			}
			guidance := ""
			if vr != nil {
				guidance = vr.Guidance
			}
			if err := cg.minutes(ctx, c, &mt, st, tasks, came, guidance); err != nil {
				return err
			}
			if err := cg.recommendations(ctx, c, &mt, vr); err != nil {
				return err
			}
		}
	}
	return cg.rating(ctx, c)
}

// members generates and writes a cell's roll. The first member is the secretary, the second the deputy.
func (cg *communeGen) members(ctx context.Context, c *cell) ([]*member, error) {
	g, r := cg.g, cg.r
	used := map[string]bool{}
	ms := make([]*member, 0, c.size)
	// Members leave (die, transfer out) on a day of the history, after the cell opened.
	firstDay := g.windowStart
	if c.unit.OpenedOn.After(firstDay) {
		firstDay = c.unit.OpenedOn
	}
	span := daysBetween(firstDay, g.today)
	leaveDay := func() domain.Date {
		lo := min(15, span/2)
		return firstDay.AddDays(r.between(lo, max(lo, span-1)))
	}
	for i := 0; i < c.size; i++ {
		m := &member{}
		var p person
		switch i {
		case 0:
			p, m.officer, m.row.CellRole = c.secretary, true, "Bí thư"
		case 1:
			p, m.officer, m.row.CellRole = c.deputy, true, "Phó Bí thư"
		default:
			p = person{gender: domain.GenderMale, born: cg.birthYear()}
			if r.chance(0.35) {
				p.gender = domain.GenderFemale
			}
			p.name = personName(r, p.gender, p.born)
			for k := 0; used[p.name] && k < 5; k++ {
				p.name = personName(r, p.gender, p.born)
			}
		}
		used[p.name] = true
		m.row.ID = r.id()
		m.row.CellID, m.row.FullName, m.row.Gender, m.row.BirthYear = c.unit.ID, p.name, p.gender, ptr(p.born)
		m.row.Membership, m.row.Status = domain.MembershipFull, domain.StatusActive
		m.row.JoinedOn = cg.joinedOn(p.born)
		m.row.OfficialOn = m.row.JoinedOn.AddMonths(12)
		created, changed := g.setupAt, g.setupAt
		if !m.officer {
			switch {
			case p.born < 1955 && r.chance(0.03):
				m.row.Status = domain.StatusDeceased
				m.until = leaveDay()
				m.row.StatusNote = "Từ trần ngày " + m.until.AddDays(-1).VN()
				changed = at(m.until, 9, r.between(0, 59))
			case r.chance(exemptChance(p.born)):
				m.row.Status, m.exempt = domain.StatusExempt, true
				m.row.StatusNote = pick(r, exemptNotes[:2]) // old age
				if p.born >= 1952 {
					m.row.StatusNote = exemptNotes[2] // illness
				}
			case p.born >= 1970 && p.born <= 2000 && r.chance(0.06):
				m.row.Status, m.exempt = domain.StatusTempExempt, true
				m.exemptFrom = g.today.AddDays(-r.between(30, 240))
				m.row.TempExemptUntil = m.exemptFrom.AddDays(r.between(200, 360))
				if !m.row.TempExemptUntil.After(g.today) {
					m.row.TempExemptUntil = g.today.AddDays(r.between(30, 120))
				}
				m.row.StatusNote = pick(r, tempExemptNotes)
				changed = at(m.exemptFrom, 9, r.between(0, 59))
			case r.chance(0.01):
				m.row.Status = domain.StatusTransferred
				m.until = leaveDay()
				m.row.StatusNote = "Chuyển sinh hoạt đảng chính thức đến " + pick(r, transferPlaces) + " ngày " + m.until.VN()
				changed = at(m.until, 9, r.between(0, 59))
			case p.born >= 1960 && r.chance(0.035):
				m.row.TemporarilyAttached = true
				m.from = g.today.AddDays(-r.between(60, 900))
				m.row.StatusNote = pick(r, attachedNotes)
			case p.born >= 1980 && r.chance(0.22):
				m.row.Membership = domain.MembershipProbationary
				m.row.JoinedOn = g.today.AddDays(-r.between(20, 350))
				m.row.OfficialOn = domain.Date{}
				m.from = m.row.JoinedOn
			}
		}
		if !c.unit.ClosedOn.IsZero() {
			m.row.Status = domain.StatusTransferred // exempt members stay exempt in the meetings before
			m.row.TempExemptUntil = domain.Date{}
			m.until = c.unit.ClosedOn.AddDays(1)
			m.row.StatusNote = "Chuyển sinh hoạt về " + c.mergedInto.unit.Name + " do sáp nhập thôn, ngày " + m.until.VN()
			changed = at(m.until, 9, r.between(0, 59))
		}
		if c.unit.OpenedOn.After(g.windowStart) && m.from.Before(c.unit.OpenedOn) {
			m.from = c.unit.OpenedOn // moved in when the cell was founded
		}
		if !m.from.IsZero() {
			if t := at(m.from, 9, r.between(0, 59)); t.After(created) {
				created = g.clip(r, t, g.setupAt)
			}
		}
		if m.row.Membership == domain.MembershipFull && r.chance(0.97) {
			m.row.CardNumber = ptr(g.cardNumber())
		}
		m.row.CreatedAt, m.row.UpdatedAt = created, created
		if changed.After(created) {
			m.row.UpdatedAt = g.clip(r, changed, created)
		}
		m.setHabits(r, c, p)
		if err := m.row.Normalize(); err != nil {
			return nil, fmt.Errorf("demo: member %s: %w", m.row.FullName, err)
		}
		if err := put(ctx, g.w, &g.w.members, m.row); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if c.streak {
		var pickM *member
		for _, m := range ms[2:] {
			if m.row.Status == domain.StatusActive && !m.row.TemporarilyAttached && m.from.IsZero() &&
				m.row.Membership == domain.MembershipFull {
				if pickM == nil || (*m.row.BirthYear >= 1965 && *pickM.row.BirthYear < 1965) {
					pickM = m
				}
			}
		}
		if pickM != nil {
			pickM.streak = true
		}
	}
	return ms, nil
}

// setHabits sets how reliably the member attends and which absence reasons it gives.
func (m *member) setHabits(r *rng, c *cell, p person) {
	switch {
	case p.born < 1955:
		m.reasons = reasonsOld
	case p.born >= 1965 && r.chance(0.6):
		m.reasons = reasonsWorking
	default:
		m.reasons = reasonsOther
	}
	if m.officer { // they chair and keep the minutes
		m.presence = 1
		return
	}
	base := 0.89
	if c.weak {
		base = 0.74
	}
	if p.born < 1950 {
		base -= 0.03
	}
	m.presence = clamp(base+r.normal(0, 0.045), 0.45, 0.99)
}

// birthYear draws a birth year skewed old, as village cells are: many born 1940–1965, some young.
func (cg *communeGen) birthYear() int {
	buckets := [][2]int{{1935, 1944}, {1945, 1954}, {1955, 1964}, {1965, 1974}, {1975, 1984}, {1985, 1994}, {1995, cg.g.today.Year() - 21}}
	b := buckets[cg.r.weighted([]float64{7, 24, 25, 17, 14, 9, 4})]
	return cg.r.between(b[0], b[1])
}

func exemptChance(born int) float64 {
	switch {
	case born < 1945:
		return 0.45
	case born < 1952:
		return 0.22
	case born < 1958:
		return 0.04
	}
	return 0.005
}

// joinedOn draws the day a member joined the party: mostly between 19 and 35, often on an anniversary
// (admissions are held on 3/2, 19/5, 2/9, 7/11, 22/12), and at least 14 months ago for a full member.
func (cg *communeGen) joinedOn(born int) domain.Date {
	r := cg.r
	age := 19 + r.intn(16)
	if r.chance(0.25) {
		age += r.intn(18)
	}
	y := born + age
	var d domain.Date
	if r.chance(0.3) {
		s := pick(r, [][2]int{{2, 3}, {5, 19}, {9, 2}, {11, 7}, {12, 22}})
		d = domain.NewDate(y, time.Month(s[0]), s[1])
	} else {
		d = domain.NewDate(y, time.Month(r.between(1, 12)), r.between(1, 28))
	}
	if latest := cg.g.today.AddMonths(-14); d.After(latest) {
		d = latest.AddDays(-r.intn(400))
	}
	if earliest := domain.NewDate(born+18, time.January, 1); d.Before(earliest) {
		d = earliest
	}
	return d
}

// cardNumber issues the next membership card number: "34." and six digits, a bijective shuffle of a counter so
// numbers look scattered but never repeat (seven digits past a million cards).
func (g *generator) cardNumber() string {
	k := g.cards
	g.cards++
	if k < 1_000_000 {
		return fmt.Sprintf("34.%06d", (k*387_641+int(g.cfg.Seed%1_000_000)*7_919+123_457)%1_000_000)
	}
	return fmt.Sprintf("34.%07d", k)
}

// planMeetings lists a cell's meetings: the regular one on the 3rd of each month of history (now and then
// skipped, put off by floods or moved to the 5th), a thematic one each quarter, and next month's, planned.
func (cg *communeGen) planMeetings(c *cell) []plan {
	g, r := cg.g, cg.r
	open := func(d domain.Date) bool {
		return !d.Before(c.unit.OpenedOn) && (c.unit.ClosedOn.IsZero() || !d.After(c.unit.ClosedOn))
	}
	var plans []plan
	for i, d := range g.months {
		if !open(d) {
			continue
		}
		p := plan{date: d, typ: domain.MeetingRegular, status: domain.MeetingHeld,
			topic: fmt.Sprintf("Sinh hoạt thường kỳ tháng %d/%d", d.Month(), d.Year())}
		x := r.r.Float64()
		last := i == len(g.months)-1
		switch {
		case x < 0.02 && !last && !c.streak:
			continue // no meeting that month
		case (d.Month() == time.October || d.Month() == time.November) && x < 0.08 && !c.streak:
			p.status = domain.MeetingCancelled
			p.topic += " (hoãn do mưa lũ)"
		case x > 0.955 && d.AddDays(2).Before(g.today):
			p.date = d.AddDays(2)
		}
		plans = append(plans, p)
	}
	// One thematic meeting a quarter, mid-month.
	for i := 0; i < len(g.months); {
		q := quarter(g.months[i])
		var cands []domain.Date
		for ; i < len(g.months) && quarter(g.months[i]) == q; i++ {
			cands = append(cands, g.months[i])
		}
		shuffle(r, cands)
		for _, m := range cands {
			d := domain.NewDate(m.Year(), m.Month(), r.between(12, 20))
			if d.Before(g.today) && open(d) {
				plans = append(plans, plan{date: d, typ: domain.MeetingThematic, status: domain.MeetingHeld,
					topic: pick(r, thematicTopics)})
				break
			}
		}
	}
	if c.unit.ClosedOn.IsZero() {
		plans = append(plans, plan{date: g.planned, typ: domain.MeetingRegular, status: domain.MeetingPlanned,
			topic: fmt.Sprintf("Sinh hoạt thường kỳ tháng %d/%d", g.planned.Month(), g.planned.Year())})
	}
	slices.SortStableFunc(plans, func(a, b plan) int { return daysBetween(b.date, a.date) })
	return plans
}

func quarter(d domain.Date) int { return d.Year()*4 + (int(d.Month())-1)/3 }

// attend writes the attendance of a held meeting: every member on the roll and not exempt that day.
func (cg *communeGen) attend(ctx context.Context, c *cell, ms []*member, mt *store.Meeting, inStreak bool) (stats, error) {
	r := cg.r
	d := mt.MeetingDate
	type mark struct {
		m      *member
		status domain.AttendanceStatus
		reason string
	}
	var marks []mark
	var st stats
	for _, m := range ms {
		if !m.onRoll(d) || m.exemptOn(d) {
			continue
		}
		k := mark{m: m, status: domain.AttendPresent}
		switch {
		case m.streak && inStreak:
			k.status, k.reason = domain.AttendExcused, "Đi làm ăn xa"
		case r.chance(m.presence):
		case r.chance(0.77):
			k.status, k.reason = domain.AttendExcused, pick(r, m.reasons)
		default:
			k.status = domain.AttendUnexcused
		}
		marks = append(marks, k)
	}
	present := func() int {
		n := 0
		for _, k := range marks {
			if k.status == domain.AttendPresent {
				n++
			}
		}
		return n
	}
	// A weak cell stays under 85 % at every meeting.
	for c.weak && len(marks) > 0 && float64(present()) >= 0.85*float64(len(marks)) {
		var cands []int
		for i, k := range marks {
			if k.status == domain.AttendPresent && !k.m.officer {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			break
		}
		i := pick(r, cands)
		if r.chance(0.7) {
			marks[i].status, marks[i].reason = domain.AttendExcused, pick(r, marks[i].m.reasons)
		} else {
			marks[i].status = domain.AttendUnexcused
		}
	}
	for _, k := range marks {
		st.eligible++
		switch k.status {
		case domain.AttendPresent:
			st.present++
			if !k.m.officer {
				st.speakers = append(st.speakers, k.m.row.FullName)
			}
		case domain.AttendExcused:
			st.excused++
		default:
			st.unexcused++
		}
		if k.status == domain.AttendExcused {
			k.m.run++
		} else {
			k.m.run = 0
		}
		st.maxRun = max(st.maxRun, k.m.run)
		a := store.Attendance{MeetingID: mt.ID, MemberID: k.m.row.ID, Status: k.status, Reason: k.reason}
		_ = r.id() // keep the random sequence as it was
		a.ID = wire.AttendanceID(mt.ID, k.m.row.ID)
		a.CreatedAt, a.UpdatedAt = *mt.EndsAt, *mt.EndsAt
		if err := put(ctx, cg.g.w, &cg.g.w.attendance, a); err != nil {
			return st, err
		}
	}
	return st, nil
}

// rating writes the cell's annual rating for last year, on the 2025 scheme (the older labels before 2025). Cells
// founded in the second half of that year or closed before its end are not rated.
func (cg *communeGen) rating(ctx context.Context, c *cell) error {
	g, r := cg.g, cg.r
	year := g.today.Year() - 1
	scheme := "qd366_2025"
	if year < 2025 {
		scheme = "legacy"
	}
	var good, weak []store.RatingLabel
	for _, l := range g.ref.RatingLabels {
		switch {
		case l.Scheme != scheme:
		case l.Weak:
			weak = append(weak, l)
		default:
			good = append(good, l)
		}
	}
	if len(good) == 0 || c.unit.OpenedOn.After(domain.NewDate(year, time.June, 30)) ||
		(!c.unit.ClosedOn.IsZero() && c.unit.ClosedOn.Before(domain.NewDate(year, time.December, 31))) {
		return nil
	}
	var label store.RatingLabel
	if c.weak && len(weak) > 0 {
		label = weak[0]
	} else {
		w := []float64{0.05, 0.55, 0.4}
		switch {
		case c.quality >= 0.88:
			w = []float64{0.45, 0.5, 0.05}
		case c.quality >= 0.8:
			w = []float64{0.15, 0.7, 0.15}
		}
		for len(w) < len(good) {
			w = append(w, 0.05)
		}
		label = good[r.weighted(w[:len(good)])]
	}
	ar := store.AnnualRating{OrgUnitID: c.unit.ID, Year: year, LabelID: label.ID}
	ar.ID = r.id()
	created := g.clip(r, at(domain.NewDate(year+1, time.January, r.between(8, 20)), 9, r.between(0, 59)), g.setupAt)
	ar.CreatedAt, ar.UpdatedAt = created, created
	return put(ctx, g.w, &g.w.ratings, ar)
}
