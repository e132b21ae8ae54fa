package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// The post-2025 structure took effect on this day.
var reorganisedOn = domain.NewDate(2025, time.July, 1)

// generator holds the plan of one run: the structure and users are planned first (they are small), then each
// commune's members, meetings and everything under them are generated and written before the next commune.
type generator struct {
	cfg  Config
	ref  *store.ReferenceData
	w    *writer
	hash string

	today       domain.Date
	now         time.Time     // 08:00 on Today: no generated timestamp is later
	setupAt     time.Time     // when the roll, the tree and the users were entered
	windowStart domain.Date   // first day of the first month of history
	months      []domain.Date // the regular meeting day (the 3rd) of each month of history, oldest first
	planned     domain.Date   // the next regular meeting, after the history

	fieldWeights []float64

	province    store.OrgUnit
	communes    []*commune
	officials   []*official
	supervisor  string // giamsat: the province supervisor's user id
	canbo       *official
	future      *assignment
	sum         Summary
	cards       int // membership cards issued so far
	overdueRecs int

	dir          map[string]string // the province-level bodies of the directory of addressees by key
	dirResponder string            // songnmt's user id

	// the cross-checks (checks.go): the evenings each official is at a meeting, the demo's one clash, and whether
	// the one disputed visit is written
	evenings   map[*official]map[domain.Date]bool
	clashOff   *official
	clashDate  domain.Date
	clashCells [2]*cell
	disputed   bool
}

type commune struct {
	idx        int
	unit       store.OrgUnit
	label      string // "xã Triệu Phong"
	lat, lon   float64
	cells      []*cell
	supervisor string            // user id of the supervisor who forwards this commune's recommendations
	responder  string            // user id of the responder who answers for the commune (ubnd, first commune), if any
	dir        map[string]string // the commune's bodies of the directory of addressees by key
}

type cell struct {
	com      *commune
	unit     store.OrgUnit
	village  string // "thôn An Lợi", "khu phố 2"
	size     int
	weak     bool    // attendance consistently under 85 %, rated "not completed"
	streak   bool    // holds the member absent with reason four months in a row
	quality  float64 // how well the cell runs its meetings, 0..1
	lat, lon float64
	groups   int

	secretary, deputy person
	secretaryUser     string // user id of the cell's secretary login, if any
	mergedInto        *cell  // for the closed cell
	assignments       []*assignment
	plannedMeeting    *store.Meeting
	lastTasks         []store.MinutesTask // the tasks of the last held meeting's resolutions, for the next evaluation
}

type person struct {
	name   string
	gender domain.Gender
	born   int
}

type official struct {
	user        *store.User
	provincial  bool
	com         *commune // home commune of a commune-level official
	assignments []*assignment
	lastDraft   *store.VisitReport
	lastDraftAt string // "Chi bộ thôn An Lợi ngày 03/10/2025": what the last draft is about
}

type assignment struct {
	row  store.Assignment
	off  *official
	cell *cell
}

func newGenerator(cfg Config, tx bun.IDB, hash string) *generator {
	g := &generator{cfg: cfg, w: newWriter(tx), hash: hash, today: cfg.Today}
	g.now = at(g.today, 8, 0)
	last := firstOfMonth(g.today)
	if g.today.Day() <= 3 {
		last = last.AddMonths(-1) // this month's meeting is still to come
	}
	for i := cfg.Months - 1; i >= 0; i-- {
		g.months = append(g.months, last.AddMonths(-i).AddDays(2))
	}
	g.windowStart = firstOfMonth(g.months[0])
	g.planned = last.AddMonths(1).AddDays(2)
	g.setupAt = at(g.windowStart.AddDays(-10), 8, 30)
	return g
}

func (g *generator) run(ctx context.Context) (*Summary, error) {
	rs := newRNG(g.cfg.Seed, streamStructure)
	g.province = store.OrgUnit{Kind: domain.KindProvince, Code: "QT", Name: "Đảng bộ tỉnh Quảng Trị",
		Address: "Tỉnh ủy Quảng Trị, phường Đông Hà, tỉnh Quảng Trị"}
	g.province.ID = rs.id()
	if !reorganisedOn.After(g.today) {
		g.province.OpenedOn = reorganisedOn
	}
	ref, err := store.Reference(ctx, g.w.db, g.province.ID)
	if err != nil {
		return nil, fmt.Errorf("demo: reference data: %w", err)
	}
	if ref.Rubric == nil || len(ref.Rubric.Criteria) == 0 || len(ref.Fields) == 0 {
		return nil, errors.New("demo: the default reference data (rubric, recommendation fields) is missing; run the migrations")
	}
	g.ref = ref
	for _, f := range ref.Fields {
		g.fieldWeights = append(g.fieldWeights, fieldWeight(f.Code))
	}
	g.sum.ProvinceID, g.sum.Today = g.province.ID, g.today

	if err := g.structure(ctx, rs); err != nil {
		return nil, err
	}
	if err := g.people(ctx, rs); err != nil {
		return nil, err
	}
	if err := g.assign(ctx, rs); err != nil {
		return nil, err
	}
	if err := g.directory(ctx); err != nil {
		return nil, err
	}
	g.planChecks()
	for _, c := range g.communes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cg := &communeGen{g: g, com: c, r: newRNG(g.cfg.Seed, streamCommune+uint64(c.idx))}
		if err := cg.run(ctx); err != nil {
			return nil, err
		}
	}
	official, err := g.formsLogin(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.forms(ctx, official); err != nil {
		return nil, err
	}
	if err := g.notifications(ctx, newRNG(g.cfg.Seed, streamFinal)); err != nil {
		return nil, err
	}
	if err := g.w.flushAll(ctx); err != nil {
		return nil, err
	}
	w := g.w
	g.sum.OrgUnits, g.sum.Members, g.sum.Users, g.sum.RoleGrants = w.orgUnits.total, w.members.total, w.users.total, w.grants.total
	g.sum.Assignments, g.sum.Meetings, g.sum.Attendance = w.assignments.total, w.meetings.total, w.attendance.total
	g.sum.VisitReports, g.sum.Recommendations, g.sum.RecommendationAnswers = w.reports.total, w.recs.total, w.answers.total
	g.sum.AnnualRatings, g.sum.Notifications, g.sum.RecommendationEvents = w.ratings.total, w.notes.total, w.events.total
	g.sum.Addressees = w.addressees.total
	g.sum.Zones, g.sum.MeetingParticipants, g.sum.BriefingReports = w.zones.total, w.participants.total, w.briefings.total
	g.sum.DialogueQuestions = w.questions.total
	g.sum.CellPositions, g.sum.VisitConfirmations = w.positions.total, w.confirmations.total
	if err := store.Audit(ctx, g.w.db, "seed", "demo", g.province.ID, &g.province.ID, nil, &g.sum); err != nil {
		return nil, err
	}
	return &g.sum, nil
}

// fieldWeight is the share of a recommendation field in the Gia Lộc count (seed 003): 1,002 recommendations.
func fieldWeight(code string) float64 {
	switch code {
	case "nong_nghiep":
		return 246
	case "cn_dv_hatang":
		return 194
	case "chinh_sach":
		return 234
	case "dat_dai":
		return 64
	case "van_hoa_xa_hoi":
		return 26
	case "an_ninh_quoc_phong":
		return 24
	case "xay_dung_dang":
		return 36
	case "khac":
		return 178
	}
	return 60 // a field the province added: an average share
}

// addUnit fills the derived columns of u under parent and queues it.
func (g *generator) addUnit(ctx context.Context, u *store.OrgUnit, parent *store.OrgUnit) error {
	if err := u.Normalize(); err != nil {
		return fmt.Errorf("demo: org unit %s: %w", u.Name, err)
	}
	u.Path, u.Depth = "/"+u.ID+"/", 0
	if parent != nil {
		u.ParentID = &parent.ID
		u.Path, u.Depth = parent.Path+u.ID+"/", parent.Depth+1
	}
	u.CreatedAt, u.UpdatedAt = g.setupAt, g.setupAt
	return put(ctx, g.w, &g.w.orgUnits, *u)
}

// structure plans and writes the org tree: the province, its communes, their cells and the party groups of the
// biggest cells. It also decides the cells with a story: the weak ones, the new one, the closed one.
func (g *generator) structure(ctx context.Context, r *rng) error {
	if err := g.addUnit(ctx, &g.province, nil); err != nil {
		return err
	}
	usedCodes := map[string]bool{g.province.Code: true}
	for i := 0; i < g.cfg.Communes; i++ {
		cn := communeNames[i%len(communeNames)]
		round := i / len(communeNames)
		short := cn.name
		if round > 0 {
			short = fmt.Sprintf("%s %d", cn.name, round+1)
		}
		kind := "xã"
		if cn.ward {
			kind = "phường"
		}
		code := initials(cn.name)
		if round > 0 {
			code = fmt.Sprintf("%s%d", code, round+1)
		}
		for n := 2; usedCodes[code]; n++ {
			code = fmt.Sprintf("%s%d", initials(cn.name), n)
		}
		usedCodes[code] = true
		c := &commune{idx: i, label: kind + " " + short, lat: cn.lat, lon: cn.lon}
		c.unit = store.OrgUnit{Kind: domain.KindCommune, Code: g.province.Code + "." + code,
			Name: "Đảng bộ " + c.label, Address: c.label + ", tỉnh Quảng Trị"}
		c.unit.ID = r.id()
		if !reorganisedOn.After(g.today) {
			c.unit.OpenedOn = reorganisedOn
		}
		if err := g.addUnit(ctx, &c.unit, &g.province); err != nil {
			return err
		}
		g.communes = append(g.communes, c)
		g.planCells(r, c, cn, round)
	}
	g.markSpecialCells(r)
	// Party groups for the biggest cells; at least one cell has them.
	grouped := false
	for _, c := range g.communes {
		for _, cl := range c.cells {
			if cl.size >= 45 {
				cl.groups = min(6, max(2, cl.size/15))
				grouped = true
			}
		}
	}
	if !grouped {
		biggest := slices.MaxFunc(g.communes[0].cells, func(a, b *cell) int { return a.size - b.size })
		if biggest.size >= 10 {
			biggest.groups = 2
		}
	}
	for _, c := range g.communes {
		for _, cl := range c.cells {
			if err := g.addUnit(ctx, &cl.unit, &c.unit); err != nil {
				return err
			}
			g.sum.Cells++
			for k := 1; k <= cl.groups; k++ {
				pg := store.OrgUnit{Kind: domain.KindPartyGroup, Code: fmt.Sprintf("%s.T%d", cl.unit.Code, k),
					Name: fmt.Sprintf("Tổ đảng số %d", k), Address: cl.unit.Address, OpenedOn: cl.unit.OpenedOn}
				pg.ID = r.id()
				if err := g.addUnit(ctx, &pg, &cl.unit); err != nil {
					return err
				}
				g.sum.PartyGroups++
			}
		}
	}
	g.sum.Communes = len(g.communes)
	return nil
}

// planCells names a commune's cells and sizes their rolls: log-normal sizes scaled so the commune's average is
// MembersPerCell, with at least 3 members (the minimum for a cell).
func (g *generator) planCells(r *rng, c *commune, cn communeName, round int) {
	n := g.cfg.CellsPerCommune
	var villages []string
	switch {
	case cn.villages != nil && round == 0:
		villages = slices.Clone(cn.villages)
	case cn.ward:
		for k := 1; k <= n; k++ {
			villages = append(villages, fmt.Sprintf("khu phố %d", k))
		}
	default:
		pool := slices.Clone(villagePool)
		shuffle(r, pool)
		for _, v := range pool {
			villages = append(villages, "thôn "+v)
		}
	}
	for k := len(villages); k < n; k++ {
		villages = append(villages, fmt.Sprintf("thôn %d", k+1))
	}
	raw := make([]float64, n)
	total := 0.0
	for k := range raw {
		raw[k] = r.lognormal(1, 0.6)
		total += raw[k]
	}
	scale := float64(g.cfg.MembersPerCell*n) / total
	width := 2
	if n > 99 {
		width = 3
	}
	for k := 0; k < n; k++ {
		cl := &cell{com: c, village: villages[k], size: max(3, int(math.Round(raw[k]*scale)))}
		cl.unit = store.OrgUnit{Kind: domain.KindCell, Code: fmt.Sprintf("%s.%0*d", c.unit.Code, width, k+1),
			Name: "Chi bộ " + cl.village, Address: capitalize(cl.village) + ", " + c.label + ", tỉnh Quảng Trị"}
		cl.unit.ID = r.id()
		cl.unit.OpenedOn = domain.NewDate(1975, time.May, 1).AddDays(r.intn(35 * 365))
		cl.quality = r.uniform(0.74, 0.96)
		cl.lat, cl.lon = c.lat+r.normal(0, 0.012), c.lon+r.normal(0, 0.012)
		cl.secretary = person{gender: domain.GenderMale, born: r.between(1958, 1985)}
		if r.chance(0.15) {
			cl.secretary.gender = domain.GenderFemale
		}
		cl.secretary.name = personName(r, cl.secretary.gender, cl.secretary.born)
		cl.deputy = person{gender: domain.GenderMale, born: r.between(1962, 1992)}
		if r.chance(0.35) {
			cl.deputy.gender = domain.GenderFemale
		}
		cl.deputy.name = personName(r, cl.deputy.gender, cl.deputy.born)
		c.cells = append(c.cells, cl)
	}
}

// markSpecialCells picks the cells the demo tells a story about: a weak cell in the first commune (and one in
// the last), the member absent with reason four months in a row (first cell), a cell opened during the history
// (last cell of the first commune) and one closed during it (last cell of the second commune), merged into the
// first cell of its commune.
func (g *generator) markSpecialCells(r *rng) {
	first := g.communes[0].cells
	first[min(3, len(first)-1)].weak = true
	if len(g.communes) > 1 {
		last := g.communes[len(g.communes)-1].cells
		last[min(4, len(last)-1)].weak = true
	}
	for _, c := range g.communes[min(3, len(g.communes)):] {
		for _, cl := range c.cells {
			cl.weak = cl.weak || r.chance(0.03)
		}
	}
	for _, c := range g.communes {
		for _, cl := range c.cells {
			if cl.weak {
				cl.quality = r.uniform(0.55, 0.68)
			}
		}
	}
	first[0].streak = true
	back := max(1, g.cfg.Months*5/12)
	if len(first) >= 2 {
		nc := first[len(first)-1]
		nc.unit.OpenedOn = firstOfMonth(g.today).AddMonths(-back + 1)
		if !nc.unit.OpenedOn.After(g.windowStart) {
			nc.unit.OpenedOn = g.windowStart.AddDays(daysBetween(g.windowStart, g.today) / 2)
		}
	}
	var closed []*cell
	switch {
	case len(g.communes) > 1 && len(g.communes[1].cells) >= 2:
		closed = g.communes[1].cells
	case len(first) >= 4:
		closed = first[:len(first)-1]
	}
	if closed != nil {
		cl := closed[len(closed)-1]
		cl.unit.ClosedOn = firstOfMonth(g.today).AddMonths(-max(1, g.cfg.Months/2)).AddDays(-1)
		if cl.unit.ClosedOn.Before(g.windowStart) { // a short history: close it a third of the way in
			cl.unit.ClosedOn = g.windowStart.AddDays(daysBetween(g.windowStart, g.today) / 3)
		}
		cl.mergedInto = closed[0]
		cl.weak, cl.streak = false, false
	}
}

// people writes the users and their role grants.
func (g *generator) people(ctx context.Context, r *rng) error {
	first := g.communes[0]
	var addUserWith func(r *rng, username, name, title, phone string, home *store.OrgUnit, role domain.Role, scope *store.OrgUnit) (*store.User, error)
	addUser := func(username, name, title, phone string, home *store.OrgUnit, role domain.Role, scope *store.OrgUnit) (*store.User, error) {
		return addUserWith(r, username, name, title, phone, home, role, scope)
	}
	addUserWith = func(r *rng, username, name, title, phone string, home *store.OrgUnit, role domain.Role, scope *store.OrgUnit) (*store.User, error) {
		u := &store.User{Username: username, DisplayName: name, Title: title, Phone: phone, PasswordHash: g.hash,
			Active: true, Locale: "vi", HomeOrgUnitID: &home.ID}
		u.ID = r.id()
		if err := u.Normalize(); err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", username, err)
		}
		u.CreatedAt, u.UpdatedAt = g.setupAt, g.setupAt
		if err := put(ctx, g.w, &g.w.users, *u); err != nil {
			return nil, err
		}
		gr := store.RoleGrant{UserID: u.ID, Role: role, OrgUnitID: &scope.ID}
		gr.ID = r.id()
		gr.CreatedAt, gr.UpdatedAt = g.setupAt, g.setupAt
		if err := put(ctx, g.w, &g.w.grants, gr); err != nil {
			return nil, err
		}
		g.sum.Logins = append(g.sum.Logins, Login{Username: u.Username, DisplayName: u.DisplayName, Title: u.Title,
			Role: role, Scope: scope.Name})
		return u, nil
	}
	phone := func() string {
		return fmt.Sprintf("0%d%08d", pick(r, []int{90, 91, 94, 96, 97, 98, 83, 85}), r.intn(100000000))
	}

	if _, err := addUser("admin", "Quản trị hệ thống", "Chuyên viên Văn phòng Tỉnh ủy", phone(), &g.province,
		domain.RoleAdmin, &g.province); err != nil {
		return err
	}
	sup, err := addUser("giamsat", "Trần Thị Thu Hà", "Phó Trưởng Ban Tổ chức Tỉnh ủy", phone(), &g.province,
		domain.RoleSupervisor, &g.province)
	if err != nil {
		return err
	}
	g.supervisor = sup.ID
	for _, c := range g.communes {
		c.supervisor = sup.ID
	}
	for k := 2; k <= g.cfg.Supervisors; k++ {
		c := g.communes[(k-2)%len(g.communes)]
		p := randomPerson(r, 1965, 1982)
		u, err := addUser(fmt.Sprintf("giamsat%d", k), p.name, fill(communeSupervisorTitle, map[string]string{"{xa}": c.label}),
			phone(), &c.unit, domain.RoleSupervisor, &c.unit)
		if err != nil {
			return err
		}
		if k-2 < len(g.communes) {
			c.supervisor = u.ID
		}
	}

	// Officials: canbo first (commune level, Triệu Phong), then every third one provincial, the others at
	// commune level, spread over the communes in turn.
	communeLevel := 0
	titles := make([]int, len(g.communes)) // titles handed out per commune
	for k := 0; k < g.cfg.Officials; k++ {
		o := &official{}
		var name, title, username string
		var home *store.OrgUnit
		switch {
		case k == 0:
			o.com, username, name = first, "canbo", "Lê Quang Vinh"
			title = "Ủy viên Ban Thường vụ Đảng ủy " + first.label
			communeLevel++
		case k%3 == 0:
			o.provincial = true
			username, name = fmt.Sprintf("canbo%d", k+1), randomPerson(r, 1966, 1985).name
			title = provincialTitles[(k/3-1)%len(provincialTitles)]
		default:
			o.com = g.communes[communeLevel%len(g.communes)]
			communeLevel++
			username, name = fmt.Sprintf("canbo%d", k+1), randomPerson(r, 1970, 1990).name
			title = fill(communeTitles[titles[o.com.idx]%len(communeTitles)], map[string]string{"{xa}": o.com.label})
			titles[o.com.idx]++
		}
		if o.provincial {
			home = &g.province
		} else {
			home = &o.com.unit
		}
		u, err := addUser(username, name, title, phone(), home, domain.RoleOfficial, home)
		if err != nil {
			return err
		}
		o.user = u
		g.officials = append(g.officials, o)
	}
	if len(g.officials) > 0 {
		g.canbo = g.officials[0]
	}

	// Secretaries: bithu of the first cell, bithu2 of the second, bithu3 of the first cell of the second commune.
	var secCells []*cell
	for _, cl := range []*cell{cellAt(g.communes, 0, 0), cellAt(g.communes, 0, 1), cellAt(g.communes, 1, 0), cellAt(g.communes, 0, 2)} {
		if cl != nil && cl.unit.ClosedOn.IsZero() && !slices.Contains(secCells, cl) && len(secCells) < 3 {
			secCells = append(secCells, cl)
		}
	}
	for k, cl := range secCells {
		username := "bithu"
		if k > 0 {
			username = fmt.Sprintf("bithu%d", k+1)
		}
		u, err := addUser(username, cl.secretary.name, "Bí thư "+cl.unit.Name, phone(), &cl.unit, domain.RoleSecretary, &cl.unit)
		if err != nil {
			return err
		}
		cl.secretaryUser = u.ID
	}

	// The responder of the first commune (UBND xã), who answers the recommendations forwarded to it. Its ids come
	// from a stream of their own, so the rows above and after it are the same as without it.
	u, err := addUserWith(newRNG(g.cfg.Seed, streamResponder), "ubnd", "UBND "+first.label,
		"Văn phòng HĐND và UBND "+first.label, "", &first.unit, domain.RoleResponder, &first.unit)
	if err != nil {
		return err
	}
	first.responder = u.ID
	// The responder of Sở Nông nghiệp và Môi trường, where matters beyond a commune's competence go (issue #12).
	u, err = addUserWith(newRNG(g.cfg.Seed, streamDirUser), DirectoryResponder, "Lê Văn Thành",
		"Chánh Văn phòng Sở Nông nghiệp và Môi trường", "", &g.province, domain.RoleResponder, &g.province)
	if err != nil {
		return err
	}
	g.dirResponder = u.ID
	return nil
}

func cellAt(communes []*commune, c, k int) *cell {
	if c < len(communes) && k < len(communes[c].cells) {
		return communes[c].cells[k]
	}
	return nil
}

func randomPerson(r *rng, from, to int) person {
	p := person{gender: domain.GenderMale, born: r.between(from, to)}
	if r.chance(0.3) {
		p.gender = domain.GenderFemale
	}
	p.name = personName(r, p.gender, p.born)
	return p
}

// assign writes the assignments: canbo to the first three cells of Triệu Phong, every other commune-level
// official to 2–4 cells of its commune (monthly; cells no one of the commune follows yet first), every provincial
// official to 2–4 cells anywhere (2 or 6 visits a year); plus one ended assignment (to the closed cell) and one
// starting next month.
func (g *generator) assign(ctx context.Context, r *rng) error {
	var open []*cell
	var closed *cell
	for _, c := range g.communes {
		for _, cl := range c.cells {
			if cl.unit.ClosedOn.IsZero() {
				open = append(open, cl)
			} else {
				closed = cl
			}
		}
	}
	ends := domain.NewDate(g.today.Year()+1, time.December, 31)
	for k, o := range g.officials {
		var cells []*cell
		switch {
		case k == 0:
			for _, cl := range o.com.cells[:min(3, len(o.com.cells))] {
				if cl.unit.ClosedOn.IsZero() {
					cells = append(cells, cl)
				}
			}
		case o.provincial:
			cells = pickCells(r, open, r.between(2, 4))
		default:
			// A commune's committee members share out its villages: cells nobody of the commune follows yet
			// come first.
			var free, taken []*cell
			for _, cl := range o.com.cells {
				switch {
				case !cl.unit.ClosedOn.IsZero():
				case slices.ContainsFunc(cl.assignments, func(a *assignment) bool { return !a.off.provincial }):
					taken = append(taken, cl)
				default:
					free = append(free, cl)
				}
			}
			n := r.between(2, 4)
			cells = pickCells(r, free, n)
			cells = append(cells, pickCells(r, taken, n-len(cells))...)
		}
		for _, cl := range cells {
			a := g.newAssignment(r, o, cl, ends)
			if err := g.addAssignment(ctx, r, a); err != nil {
				return err
			}
		}
	}
	// The ended assignment: an official of the closed cell's commune (else a provincial one) followed it until
	// it closed.
	if closed != nil {
		o := g.findOfficial(func(x *official) bool { return x.com == closed.com })
		if o == nil {
			o = g.findOfficial(func(x *official) bool { return x.provincial })
		}
		if o != nil {
			a := g.newAssignment(r, o, closed, closed.unit.ClosedOn)
			a.row.Status = domain.AssignmentEnded
			a.row.Note = "Chi bộ đã sáp nhập vào " + closed.mergedInto.unit.Name + ", kết thúc phân công"
			if err := g.addAssignment(ctx, r, a); err != nil {
				return err
			}
		}
	}
	// The future assignment: a provincial official (else any but canbo) takes one more cell from next month.
	o := g.findOfficial(func(x *official) bool { return x.provincial })
	if o == nil {
		o = g.findOfficial(func(*official) bool { return true })
	}
	if o != nil {
		var free []*cell
		for _, cl := range open {
			if !slices.ContainsFunc(o.assignments, func(a *assignment) bool { return a.cell == cl }) {
				free = append(free, cl)
			}
		}
		if len(free) > 0 {
			cl := pick(r, free)
			starts := firstOfMonth(g.today).AddMonths(1)
			a := g.newAssignment(r, o, cl, starts.AddMonths(12).AddDays(-1))
			a.row.StartsOn = starts
			a.row.Note = "Phân công bổ sung theo kết luận của Ban Thường vụ"
			created := g.now.Add(-time.Duration(r.between(50, 80)) * time.Hour)
			a.row.CreatedAt, a.row.UpdatedAt, a.row.AcknowledgedAt = created, created, nil
			g.future = a
			if err := g.addAssignment(ctx, r, a); err != nil {
				return err
			}
		}
	}
	cells := map[string][]string{}
	for _, o := range g.officials {
		for _, a := range o.assignments {
			if a.row.Status == domain.AssignmentActive && !a.row.StartsOn.After(g.today) {
				cells[o.user.Username] = append(cells[o.user.Username], a.cell.unit.Name)
			}
		}
	}
	for i := range g.sum.Logins {
		l := &g.sum.Logins[i]
		l.Cells = cells[l.Username]
		l.Description = l.DisplayName + " — " + roleNames[l.Role] + ", " + l.Scope
		if len(l.Cells) > 0 {
			l.Description = l.DisplayName + " — " + roleNames[l.Role] + ": " + strings.Join(l.Cells, ", ")
		}
	}
	return nil
}

// roleNames name the roles in Login.Description.
var roleNames = map[domain.Role]string{
	domain.RoleAdmin:      "quản trị / admin",
	domain.RoleSupervisor: "giám sát / supervisor",
	domain.RoleOfficial:   "cán bộ dự sinh hoạt / official",
	domain.RoleSecretary:  "bí thư chi bộ / cell secretary",
	domain.RoleResponder:  "trả lời kiến nghị / answers recommendations",
}

// findOfficial returns the first official but canbo for which ok is true, or nil.
func (g *generator) findOfficial(ok func(*official) bool) *official {
	for _, o := range g.officials {
		if o != g.canbo && ok(o) {
			return o
		}
	}
	return nil
}

func pickCells(r *rng, from []*cell, n int) []*cell {
	c := slices.Clone(from)
	shuffle(r, c)
	return c[:min(n, len(c))]
}

// newAssignment drafts an assignment of o to cl from the start of the history (or the cell's opening) to ends.
func (g *generator) newAssignment(r *rng, o *official, cl *cell, ends domain.Date) *assignment {
	a := &assignment{off: o, cell: cl}
	a.row.ID = r.id()
	a.row.OfficialID, a.row.CellID = o.user.ID, cl.unit.ID
	a.row.StartsOn = g.windowStart
	if cl.unit.OpenedOn.After(g.windowStart) {
		a.row.StartsOn = cl.unit.OpenedOn
	}
	a.row.EndsOn = ends
	a.row.Status = domain.AssignmentActive
	if o.provincial {
		a.row.Frequency, a.row.VisitsPerYear = domain.FrequencyYearly, 2
		a.row.Note = "Dự sinh hoạt chi bộ ít nhất 2 lần trong năm"
		if r.chance(0.4) {
			a.row.VisitsPerYear = 6
			a.row.Note = "Dự sinh hoạt chi bộ ít nhất 6 lần trong năm"
		}
	} else {
		a.row.Frequency, a.row.VisitsPerYear = domain.FrequencyMonthly, 12
		a.row.Note = "Dự sinh hoạt chi bộ định kỳ hằng tháng"
	}
	created := at(a.row.StartsOn.AddDays(-r.between(3, 7)), 9, r.between(0, 59))
	created = g.clip(r, created, g.setupAt)
	a.row.CreatedAt, a.row.UpdatedAt = created, created
	ack := g.clip(r, created.Add(time.Duration(r.between(20, 70))*time.Hour), created)
	a.row.AcknowledgedAt = &ack
	by := g.supervisor
	if o.com != nil {
		by = o.com.supervisor
	}
	a.row.CreatedBy = &by
	return a
}

func (g *generator) addAssignment(ctx context.Context, r *rng, a *assignment) error {
	if a.row.Status == domain.AssignmentEnded {
		if end := at(a.row.EndsOn.AddDays(1), 9, r.between(0, 59)); end.After(a.row.CreatedAt) {
			a.row.UpdatedAt = g.clip(r, end, a.row.CreatedAt)
		}
	}
	a.off.assignments = append(a.off.assignments, a)
	a.cell.assignments = append(a.cell.assignments, a)
	return put(ctx, g.w, &g.w.assignments, a.row)
}

// notifications fills a few inboxes: canbo's assignments and reminders, a draft report left unsent, the
// upcoming assignment, and overdue recommendations for giamsat.
func (g *generator) notifications(ctx context.Context, r *rng) error {
	add := func(userID, kind, title, body, link, data string, created time.Time, read bool) error {
		n := store.Notification{UserID: userID, Kind: kind, Title: title, Body: body, Link: link, Data: domain.JSONText(data)}
		n.ID = r.id()
		n.CreatedAt, n.UpdatedAt = created, created
		if read {
			t := g.clip(r, created.Add(time.Duration(r.between(2, 30))*time.Hour), created)
			n.ReadAt, n.UpdatedAt = &t, t
		}
		return put(ctx, g.w, &g.w.notes, n)
	}
	if o := g.canbo; o != nil {
		for _, a := range o.assignments {
			body := fmt.Sprintf("Đồng chí được phân công dự sinh hoạt %s, %s, từ ngày %s (%s).", a.cell.unit.Name,
				a.cell.com.label, a.row.StartsOn.VN(), frequencyVN(a.row))
			if err := add(o.user.ID, "assignment_created", "Phân công dự sinh hoạt chi bộ", body, "#/assignments",
				jsonString(map[string]string{"assignment_id": a.row.ID}), a.row.CreatedAt, true); err != nil {
				return err
			}
		}
		for _, a := range o.assignments {
			m := a.cell.plannedMeeting
			if m == nil {
				continue
			}
			body := fmt.Sprintf("%s sinh hoạt thường kỳ lúc 19 giờ 30 ngày %s tại %s.", a.cell.unit.Name, m.MeetingDate.VN(), m.Place)
			created := g.now.Add(-time.Duration(r.between(12, 40)) * time.Hour)
			if err := add(o.user.ID, "meeting_eve", "Nhắc lịch: sinh hoạt chi bộ ngày mai", body, "#/m/"+m.ID,
				jsonString(map[string]string{"meeting_id": m.ID}), created, false); err != nil {
				return err
			}
		}
		if d := o.lastDraft; d != nil {
			created := g.clip(r, d.UpdatedAt.Add(72*time.Hour), d.UpdatedAt)
			body := "Báo cáo dự sinh hoạt " + o.lastDraftAt + " còn ở dạng nháp. Đề nghị đồng chí hoàn thiện và gửi báo cáo."
			if err := add(o.user.ID, "report_overdue", "Báo cáo dự sinh hoạt chưa gửi", body, "#/m/"+d.MeetingID+"/review",
				jsonString(map[string]string{"meeting_id": d.MeetingID, "visit_report_id": d.ID}), created, false); err != nil {
				return err
			}
		}
	}
	if a := g.future; a != nil {
		body := fmt.Sprintf("Đồng chí được phân công dự sinh hoạt %s, %s, từ ngày %s (%s).", a.cell.unit.Name,
			a.cell.com.label, a.row.StartsOn.VN(), frequencyVN(a.row))
		if err := add(a.off.user.ID, "assignment_created", "Phân công dự sinh hoạt chi bộ", body, "#/assignments",
			jsonString(map[string]string{"assignment_id": a.row.ID}), a.row.CreatedAt, false); err != nil {
			return err
		}
	}
	if g.overdueRecs > 0 && g.supervisor != "" {
		body := fmt.Sprintf("Có %d kiến nghị đã quá hạn trả lời. Đề nghị đôn đốc các cơ quan liên quan.", g.overdueRecs)
		if err := add(g.supervisor, "recommendations_overdue", "Kiến nghị quá hạn trả lời", body, "#/supervise",
			jsonString(map[string]int{"count": g.overdueRecs}), g.now.Add(-90*time.Minute), false); err != nil {
			return err
		}
	}
	return nil
}

func frequencyVN(a store.Assignment) string {
	if a.Frequency == domain.FrequencyMonthly {
		return "hằng tháng"
	}
	return fmt.Sprintf("%d lần/năm", a.VisitsPerYear)
}
