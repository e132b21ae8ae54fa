package demo

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// NotesDoc is the JSON shape of a demo visit report's notes (VisitReport.Notes): the agenda of the meeting as
// the official recorded it, one item per part, with who spoke:
//
//	{"items":[{"key":"opening","text":"…","speakers":["Nguyễn Văn An"]}, …]}
type NotesDoc struct {
	Items []NoteItem `json:"items"`
}

// NoteItem is one part of the meeting in NotesDoc.
type NoteItem struct {
	Key      string   `json:"key"`
	Text     string   `json:"text"`
	Speakers []string `json:"speakers,omitempty"`
}

// The keys of NoteItem, in meeting order.
const (
	NoteOpening  = "opening"  // khai mạc, attendance
	NoteReview   = "review"   // review of last month's resolution, discussion
	NoteNews     = "news"     // news and policy
	NoteTasks    = "tasks"    // tasks for the month
	NoteGuidance = "guidance" // the visiting official's guidance
)

// Visit report statuses used by the demo.
const (
	ReportDraft     = domain.ReportDraft
	ReportSubmitted = domain.ReportSubmitted
)

// Recommendation urgencies and answer verdicts used by the demo.
const (
	UrgencyNormal   = domain.UrgencyNormal
	UrgencyUrgent   = domain.UrgencyUrgent
	VerdictAccepted = domain.VerdictAccepted
	VerdictSentBack = domain.VerdictSentBack
)

// reports writes the visit reports of the officials assigned to the cell who attended this regular meeting, and
// returns the one recommendations link to (a submitted one if any), or nil, and the officials who came. Monthly officials come to most
// meetings, yearly ones to their quota; most report within three days, a few late, a few leave a draft, a few
// never report.
func (cg *communeGen) reports(ctx context.Context, c *cell, mt *store.Meeting, st stats, tasks []string) (*store.VisitReport, []*official, error) {
	g, r := cg.g, cg.r
	d := mt.MeetingDate
	var link *store.VisitReport
	var came []*official
	for _, a := range c.assignments {
		if a.row.StartsOn.After(d) || (!a.row.EndsOn.IsZero() && a.row.EndsOn.Before(d)) {
			continue
		}
		p := 0.92
		if a.row.Frequency == domain.FrequencyYearly {
			p = float64(a.row.VisitsPerYear) / 12
		}
		// the demo's clash (checks.go) is there whatever the draw
		clash := a.off == g.clashOff && d == g.clashDate && (c == g.clashCells[0] || c == g.clashCells[1])
		if !r.chance(p) && !clash {
			continue
		}
		// At one meeting an evening (checks.go); the report is drawn all the same, so the data set stays as it was.
		attends := cg.g.attends(a.off, c, d)
		if attends {
			came = append(came, a.off)
		}
		status, late := ReportSubmitted, false
		x := r.r.Float64()
		switch {
		case daysBetween(d, g.today) <= 6:
			if x < 0.55 {
				status = ReportDraft
			}
		case x < 0.06 && !clash:
			continue // attended but never reported
		case x < 0.11:
			status = ReportDraft
		case x < 0.23:
			late = true
		}
		vr := store.VisitReport{MeetingID: mt.ID, OfficialID: a.off.user.ID, Status: status, RubricID: ptr(g.ref.Rubric.ID)}
		_ = r.id() // keep the random sequence as it was
		vr.ID = wire.ReportID(mt.ID, a.off.user.ID)
		checkIn := mt.StartsAt.Add(-time.Duration(r.between(5, 25)) * time.Minute)
		vr.CheckedInAt = &checkIn
		if r.chance(0.8) {
			vr.Latitude, vr.Longitude = ptr(round6(c.lat+r.normal(0, 0.0008))), ptr(round6(c.lon+r.normal(0, 0.0008)))
		}
		scores, total := cg.score(c, st)
		vr.Scores, vr.ScoreTotal, vr.Grade = domain.JSONText(jsonString(scores)), ptr(total), g.ref.Rubric.GradeFor(total)
		guidance := cg.guidance(c, d, st)
		vr.Notes = domain.JSONText(cg.notes(c, mt, st, a.off, tasks, guidance))
		vr.Guidance = guidance
		checkInPosition(&vr, c)
		end := *mt.EndsAt
		vr.CreatedAt = checkIn
		if status == ReportSubmitted {
			var sub time.Time
			switch {
			case late:
				sub = at(d.AddDays(r.between(5, 10)), r.between(7, 21), r.between(0, 59))
			case r.chance(0.35):
				sub = end.Add(time.Duration(r.between(15, 100)) * time.Minute)
			default:
				sub = at(d.AddDays(r.between(1, 3)), r.between(7, 21), r.between(0, 59))
			}
			sub = g.clip(r, sub, end)
			vr.SubmittedAt, vr.UpdatedAt = &sub, sub
		} else {
			vr.UpdatedAt = g.clip(r, end.Add(time.Duration(r.between(1, 40))*time.Hour), end)
			if attends && a.off == g.canbo && (a.off.lastDraft == nil || !a.off.lastDraft.CreatedAt.After(vr.CreatedAt)) {
				draft := vr
				a.off.lastDraft, a.off.lastDraftAt = &draft, c.unit.Name+" ngày "+d.VN()
			}
		}
		if !attends {
			continue
		}
		if err := put(ctx, g.w, &g.w.reports, vr); err != nil {
			return nil, nil, err
		}
		if err := cg.confirm(ctx, c, mt, &vr); err != nil {
			return nil, nil, err
		}
		if link == nil || (link.Status != ReportSubmitted && vr.Status == ReportSubmitted) {
			link = &vr
		}
	}
	return link, came, nil
}

// score marks the meeting against the rubric. The attendance criteria follow from the attendance itself (85 %,
// no unexcused absence, nobody absent with reason more than three times in a row); the others follow the cell's
// quality with some noise, which gives mostly Khá and Tốt, some Trung bình (the weak cells) and rarely Kém.
func (cg *communeGen) score(c *cell, st stats) (map[string]int, int) {
	r := cg.r
	q := c.quality + r.normal(0, 0.05)
	if r.chance(0.03) {
		q -= 0.25 // a badly prepared meeting
	}
	q = clamp(q, 0.3, 1)
	rate := st.rate()
	scores := make(map[string]int, len(cg.g.ref.Rubric.Criteria))
	total := 0
	for _, cr := range cg.g.ref.Rubric.Criteria {
		mx := float64(cr.MaxPoints)
		var p float64
		switch cr.Code {
		case "chuyen_can_ty_le":
			if rate >= 0.85 {
				p = mx
			} else {
				p = math.Floor(mx * 0.6 * clamp((rate-0.6)/0.25, 0, 1))
			}
		case "chuyen_can_khong_vang":
			if st.unexcused == 0 {
				p = mx
			}
		case "chuyen_can_lien_tiep":
			if st.maxRun <= 3 {
				p = mx
			}
		case "tien_hanh_quy_trinh": // 105 minutes: always long enough
			p = mx
			if !r.chance(q) {
				p--
			}
		default:
			p = math.Round(mx * clamp(q+r.normal(0, 0.08), 0, 1))
		}
		scores[cr.Code] = int(p)
		total += int(p)
	}
	return scores, total
}

func (cg *communeGen) guidance(c *cell, d domain.Date, st stats) string {
	r := cg.r
	s := guidanceSeasonal[d.Month()] + " " + pick(r, guidanceGeneric)
	if c.weak || st.rate() < 0.85 || st.maxRun > 3 {
		s += " " + pick(r, guidanceWeak)
	}
	return s
}

// notes writes the minutes of the meeting as the official recorded them (NotesDoc).
func (cg *communeGen) notes(c *cell, mt *store.Meeting, st stats, off *official, tasks []string, guidance string) string {
	r := cg.r
	d := mt.MeetingDate
	chair, deputy := mt.ChairName, mt.SecretaryName
	prev := d.AddMonths(-1)
	done := pickN(r, reviewDone, 2)
	review := NoteItem{Key: NoteReview, Speakers: []string{chair}, Text: fmt.Sprintf(
		"Đánh giá kết quả thực hiện nghị quyết tháng %d/%d: %s; %s. Tồn tại: %s.", prev.Month(), prev.Year(),
		done[0], done[1], pick(r, reviewUndone))}
	if len(st.speakers) > 0 {
		var parts []string
		names, lines := pickN(r, st.speakers, 2), pickN(r, discussionLines, 2)
		for k, name := range names {
			review.Speakers = append(review.Speakers, name)
			parts = append(parts, "đồng chí "+name+" "+lines[k])
		}
		review.Text += " Ý kiến thảo luận: " + strings.Join(parts, "; ") + "."
	}
	news := pickN(r, newsItems, 2)
	doc := NotesDoc{Items: []NoteItem{
		{Key: NoteOpening, Speakers: []string{chair}, Text: fmt.Sprintf(
			"Đồng chí %s, Bí thư chi bộ, khai mạc và giới thiệu đại biểu cấp trên dự sinh hoạt: đồng chí %s, %s. "+
				"Tổng số đảng viên %d; có mặt %d, vắng có lý do %d, vắng không lý do %d, miễn sinh hoạt %d.",
			chair, off.user.DisplayName, off.user.Title, st.snap.total, st.present, st.excused, st.unexcused, st.snap.exempt)},
		review,
		{Key: NoteNews, Speakers: []string{deputy}, Text: strings.Join(news, ". ") + "."},
		{Key: NoteTasks, Speakers: []string{chair}, Text: fmt.Sprintf("Nhiệm vụ tháng %d/%d: %s.", d.Month(), d.Year(),
			strings.Join(tasks, "; "))},
		{Key: NoteGuidance, Speakers: []string{off.user.DisplayName}, Text: guidance},
	}}
	return jsonString(doc)
}

// recommendations writes the recommendations raised at a regular meeting (none at most), their state and their
// answers. Fields follow the Gia Lộc proportions; the state follows the age of the recommendation.
func (cg *communeGen) recommendations(ctx context.Context, c *cell, mt *store.Meeting, vr *store.VisitReport) error {
	g, r := cg.g, cg.r
	d := mt.MeetingDate
	n := r.weighted([]float64{0.55, 0.33, 0.09, 0.03})
	for k := 0; k < n; k++ {
		fi := 0
		if cg.com.idx == 0 && cg.forceFields < len(g.ref.Fields) {
			fi = cg.forceFields
			cg.forceFields++
		} else {
			fi = r.weighted(g.fieldWeights)
		}
		f := g.ref.Fields[fi]
		tpls := recTemplates[f.Code]
		if len(tpls) == 0 {
			tpls = recTemplates["khac"]
		}
		t := pick(r, tpls)
		vars := cg.vars(c, d)
		to := addressees[t.to]
		rec := store.Recommendation{CellID: c.unit.ID, MeetingID: ptr(mt.ID), FieldID: ptr(f.ID),
			Content: domain.CleanText(fill(t.text, vars)), AddresseeText: fill(to.text, vars), RaisedOn: d,
			Urgency: UrgencyNormal}
		rec.ID = r.id()
		rec.ContentFold = domain.Fold(rec.Content)
		rec.AddresseeID = g.addresseeOf(c.com, t.to)
		if to.commune {
			rec.AddresseeOrgUnitID = ptr(c.com.unit.ID)
		}
		if (t.urgent && r.chance(0.8)) || r.chance(0.04) {
			rec.Urgency = UrgencyUrgent
		}
		switch {
		case vr != nil:
			rec.VisitReportID, rec.RaisedBy = ptr(vr.ID), ptr(vr.OfficialID)
		case c.secretaryUser != "":
			rec.RaisedBy = ptr(c.secretaryUser)
		}
		age := daysBetween(d, g.today)
		status := cg.recStatus(age)
		if age >= 45 && len(cg.forceStatuses) > 0 {
			status, cg.forceStatuses = cg.forceStatuses[0], cg.forceStatuses[1:]
		}
		answers := cg.lifecycle(&rec, status, *mt.EndsAt, c, vars)
		if err := put(ctx, g.w, &g.w.recs, rec); err != nil {
			return err
		}
		for _, a := range answers {
			if err := put(ctx, g.w, &g.w.answers, a); err != nil {
				return err
			}
		}
		for _, e := range recEvents(&rec, answers, c.com.supervisor) {
			if err := put(ctx, g.w, &g.w.events, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// vars are the placeholder values of the text templates for a cell on a day.
func (cg *communeGen) vars(c *cell, d domain.Date) map[string]string {
	r := cg.r
	other := c
	if len(c.com.cells) > 1 {
		for other == c {
			other = pick(r, c.com.cells)
		}
	}
	vu := fmt.Sprintf("Hè Thu %d", d.Year())
	switch m := d.Month(); {
	case m >= time.October:
		vu = fmt.Sprintf("Đông Xuân %d–%d", d.Year(), d.Year()+1)
	case m <= time.April:
		vu = fmt.Sprintf("Đông Xuân %d–%d", d.Year()-1, d.Year())
	}
	flood := d.Year() - 1 // the last flood season (October, November)
	if d.Month() >= time.October {
		flood = d.Year()
	}
	return map[string]string{
		"{thon}": c.village, "{thon2}": other.village, "{ten}": bareVillage(c.village), "{ten2}": bareVillage(other.village),
		"{namlu}": fmt.Sprint(flood), "{xa}": c.com.label, "{vu}": vu,
		"{nam}": fmt.Sprint(d.Year()), "{nam0}": fmt.Sprint(d.Year() - r.between(2, 6)),
		"{ong}": personName(r, domain.GenderMale, r.between(1940, 1955)),
		"{ba}":  personName(r, domain.GenderFemale, r.between(1940, 1960)),
		"{xom}": pick(r, hamlets), "{song}": pick(r, rivers), "{n}": fmt.Sprint(r.between(3, 16) * 50),
	}
}

// recStatus draws where a recommendation raised age days ago stands: recent ones are new or forwarded, old ones
// mostly accepted or resolved, with a tail still waiting.
func (cg *communeGen) recStatus(age int) domain.RecStatus {
	var w []float64 // new, forwarded, answered, sent_back, accepted, resolved
	switch {
	case age < 10:
		w = []float64{0.7, 0.3, 0, 0, 0, 0}
	case age < 40:
		w = []float64{0.1, 0.5, 0.25, 0.1, 0.05, 0}
	case age < 120:
		w = []float64{0.03, 0.17, 0.15, 0.1, 0.3, 0.25}
	default:
		w = []float64{0.02, 0.06, 0.07, 0.05, 0.3, 0.5}
	}
	return domain.RecStatuses[cg.r.weighted(w)]
}

// workTime returns a working-hours time between minDays and maxDays days after t.
func workTime(r *rng, t time.Time, minDays, maxDays int) time.Time {
	return at(domain.DateOf(t).AddDays(r.between(minDays, maxDays)), r.between(7, 16), r.between(0, 59))
}

// lifecycle sets the timestamps of a recommendation raised at raised so it has reached status, and returns its
// answers: forwarded to the addressee with a due date (15 days when urgent, else 30), answered in writing,
// sent back for a new answer or accepted, resolved, and announced at the next monthly briefing (5th–10th).
func (cg *communeGen) lifecycle(rec *store.Recommendation, status domain.RecStatus, raised time.Time, c *cell, vars map[string]string) []store.RecommendationAnswer {
	g, r := cg.g, cg.r
	rec.Status = status
	rec.CreatedAt, rec.UpdatedAt = raised, raised
	if status == domain.RecNew {
		return nil
	}
	sup := c.com.supervisor
	last := g.clip(r, workTime(r, raised, 1, 6), raised)
	rec.ForwardedAt, rec.ForwardedBy = ptr(last), ptr(sup)
	due := 30
	if rec.Urgency == UrgencyUrgent {
		due = 15
	}
	rec.DueOn = domain.DateOf(last).AddDays(due)
	var answers []store.RecommendationAnswer
	answer := func(verdict string) {
		when := g.clip(r, workTime(r, last, 4, 20), last)
		v := map[string]string{"{to}": rec.AddresseeText, "{thon}": vars["{thon}"], "{nam1}": fmt.Sprint(when.In(domain.Zone).Year() + r.intn(2)),
			"{date}": domain.DateOf(when).AddDays(r.between(30, 90)).VN(), "{month}": fmt.Sprintf("%d/%d", domain.DateOf(when).AddMonths(1).Month(), domain.DateOf(when).AddMonths(1).Year())}
		a := store.RecommendationAnswer{RecommendationID: rec.ID, Body: capitalize(fill(pick(r, answerBodies), v)),
			AnsweredBy: ptr(sup), AnsweredAt: when}
		if rec.AddresseeOrgUnitID != nil && c.com.responder != "" {
			a.AnsweredBy = ptr(c.com.responder) // UBND xã answers for itself
		}
		if rec.AddresseeOrgUnitID != nil {
			a.AnsweredForID = ptr(*rec.AddresseeOrgUnitID)
		}
		a.AddresseeID = rec.AddresseeID
		a.ID = r.id()
		a.CreatedAt, a.UpdatedAt = when, when
		last = when
		if verdict != "" {
			vt := g.clip(r, workTime(r, last, 1, 5), last)
			a.Verdict, a.VerdictBy, a.VerdictAt, a.UpdatedAt = verdict, ptr(sup), &vt, vt
			if verdict == VerdictSentBack {
				a.VerdictReason = pick(r, sentBackReasons)
				rec.DueOn = domain.DateOf(vt).AddDays(15)
			}
			last = vt
		}
		answers = append(answers, a)
	}
	switch status {
	case domain.RecAnswered:
		if r.chance(0.15) {
			answer(VerdictSentBack)
		}
		answer("")
	case domain.RecSentBack:
		answer(VerdictSentBack)
	case domain.RecAccepted, domain.RecResolved:
		if r.chance(0.2) {
			answer(VerdictSentBack)
		}
		answer(VerdictAccepted)
		if status == domain.RecResolved {
			res := g.clip(r, workTime(r, last, 7, 45), last)
			rec.ResolvedAt, last = &res, res
		}
		// Announced at the next monthly briefing (giao ban), if it has been held.
		next := firstOfMonth(domain.DateOf(last)).AddMonths(1).AddDays(r.between(4, 9))
		if b := at(next, 8, 0); b.Before(g.now) && r.chance(0.75) {
			rec.AnnouncedAt, last = &b, b
		}
	}
	rec.UpdatedAt = last
	if (status == domain.RecForwarded || status == domain.RecSentBack) && rec.DueOn.Before(g.today) {
		g.overdueRecs++
	}
	return answers
}

// eventNS is the namespace of the demo's history ids, derived from the recommendation's id and the step's number
// so that they draw nothing from the random streams.
var eventNS = uuid.MustParse("6b1f3c2e-9a47-5d08-b3e1-4c7d2f905a61")

// recEvents returns the history of a recommendation whose timestamps and answers lifecycle set: forwarded, each
// answer and its verdict, resolved, announced.
func recEvents(rec *store.Recommendation, answers []store.RecommendationAnswer, sup string) []store.RecommendationEvent {
	var out []store.RecommendationEvent
	status := domain.RecNew
	add := func(action string, to domain.RecStatus, at time.Time, by *string) *store.RecommendationEvent {
		e := store.RecommendationEvent{RecommendationID: rec.ID, Action: action, FromStatus: status, ToStatus: to, At: at,
			ActorUserID: by}
		e.ID = uuid.NewSHA1(eventNS, []byte(fmt.Sprintf("%s:%d", rec.ID, len(out)))).String()
		e.CreatedAt, e.UpdatedAt = at, at
		status = to
		out = append(out, e)
		return &out[len(out)-1]
	}
	if rec.ForwardedAt == nil {
		return nil
	}
	e := add(domain.RecActionForward, domain.RecForwarded, *rec.ForwardedAt, rec.ForwardedBy)
	e.AddresseeOrgUnitID, e.DueOn, e.AddresseeID = rec.AddresseeOrgUnitID, domain.DateOf(*rec.ForwardedAt).AddDays(30), rec.AddresseeID
	if rec.Urgency == UrgencyUrgent {
		e.DueOn = domain.DateOf(*rec.ForwardedAt).AddDays(15)
	}
	for i := range answers {
		a := &answers[i]
		e := add(domain.RecActionAnswer, domain.RecAnswered, a.AnsweredAt, a.AnsweredBy)
		e.AnswerID, e.AddresseeOrgUnitID, e.AddresseeID = &a.ID, a.AnsweredForID, a.AddresseeID
		switch a.Verdict {
		case VerdictAccepted:
			add(domain.RecActionAccept, domain.RecAccepted, *a.VerdictAt, a.VerdictBy).AnswerID = &a.ID
		case VerdictSentBack:
			e := add(domain.RecActionSendBack, domain.RecSentBack, *a.VerdictAt, a.VerdictBy)
			e.AnswerID, e.Note, e.DueOn = &a.ID, a.VerdictReason, domain.DateOf(*a.VerdictAt).AddDays(15)
		}
	}
	if rec.ResolvedAt != nil {
		add(domain.RecActionResolve, domain.RecResolved, *rec.ResolvedAt, &sup)
	}
	if rec.AnnouncedAt != nil {
		add(domain.RecActionAnnounce, status, *rec.AnnouncedAt, &sup)
	}
	return out
}
