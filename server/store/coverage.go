package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Coverage follows DHIS2's reporting-rate definitions, with an expected meeting in the place of an expected
// report. For an org unit's subtree and a period [From, To] (calendar days in Asia/Ho_Chi_Minh):
//
//   - Expected meeting: the regular or thematic meeting a cell's schedule rule puts in a month (moved as recorded;
//     cancelled ones are not expected), dated within the period, of a cell open on that day (opened_on ≤ day ≤
//     closed_on), and covered by an assignment (active or ended, not cancelled) whose starts_on ≤ day ≤ ends_on.
//     A monthly assignment expects every such meeting (weight 1); a per_year assignment expects visits_per_year/12
//     of a visit per covered meeting. A meeting covered by several assignments takes the largest weight. The
//     expected count of a cell (or of an official at a cell) is its weights summed and rounded half up (1/6 + 1/6
//   - 1/6 = 0.5 → 1), never more than the meetings; so a province's "2 visits a year" expects 0 in a month,
//     1 in a quarter (0.5) and 2 in a year. Each month of ByMonth rounds on its own.
//   - Visited: expected meetings an assigned official attended (a visit report of theirs exists, checked in or
//     not); Reported: with a report submitted (status "submitted", submitted_at set) by an assigned official;
//     Timely: submitted by the end of the day report_due_days (of the cell's rule, 3 by default) after the meeting.
//     Each is capped at the cell's expected count, so one cell's extra visits never make up for another's.
//   - Coverage = visited / expected, TimelyRate = timely / expected, ReportingRate = reported / expected (null
//     with nothing expected): at most 100 %.
//   - Attendance counts every held meeting of the period's open cells, assigned or not: Members and Exempt are the
//     meeting's recorded totals (members_total, members_exempt; with none recorded, the attendance rows and 0),
//     Present and Unexcused its attendance rows; AttendanceRate = present / (members − exempt).
//     CellsLowAttendance counts the cells whose rate over the period is under 85 %.
//   - Grades counts the held meetings of the period by the grade of their latest submitted visit report.
//   - Verified: expected meetings an assigned official attended with a verified visit (checks.go: not disputed by
//     the secretary, in no clash, and confirmed by the secretary or checked in within the radius of the cell's
//     position; with the rule's location_required, checked in within the radius), capped like Visited;
//     VerifiedRate = verified / expected.
//
// Figures of a unit are the sums over its cells, so children add up to their parent.
type Coverage struct {
	Expected      int      `json:"expected"`
	Visited       int      `json:"visited"`
	Reported      int      `json:"reported"`
	Timely        int      `json:"timely"`
	Coverage      *float64 `json:"coverage"`
	ReportingRate *float64 `json:"reporting_rate"`
	TimelyRate    *float64 `json:"timely_rate"`
	// Verified counts the visited meetings with a verified visit; VerifiedRate = verified / expected.
	Verified     int      `json:"verified"`
	VerifiedRate *float64 `json:"verified_rate"`
	// HeldMeetings counts the held meetings whose attendance the figures below sum.
	HeldMeetings       int         `json:"held_meetings"`
	Members            int         `json:"members"`
	Exempt             int         `json:"exempt"`
	Present            int         `json:"present"`
	AttendanceRate     *float64    `json:"attendance_rate"`
	Unexcused          int         `json:"unexcused"`
	Cells              int         `json:"cells"`
	CellsLowAttendance int         `json:"cells_low_attendance"`
	Grades             GradeCounts `json:"grades"`
}

// GradeCounts counts meetings by quality grade.
type GradeCounts struct {
	Tot       int `json:"tot"`
	Kha       int `json:"kha"`
	TrungBinh int `json:"trung_binh"`
	Kem       int `json:"kem"`
}

// LowAttendance is the attendance rate under which a cell is listed (the rubric's 85 %).
const LowAttendance = 0.85

// UnitSummary names an org unit in a report.
type UnitSummary struct {
	ID   string         `json:"id"`
	Name string         `json:"name"`
	Kind domain.OrgKind `json:"kind"`
}

// ChildCoverage is the coverage of one direct child of the unit.
type ChildCoverage struct {
	Unit UnitSummary `json:"unit"`
	Coverage
	// Rating is a cell's latest annual rating up to the period's year (AttachRatings; nil: none, or not a cell).
	Rating *CellRating `json:"rating,omitempty"`
}

// MonthCoverage is the coverage of one calendar month of the period (the period's first and last months cut to
// it).
type MonthCoverage struct {
	Month          string   `json:"month"`
	Expected       int      `json:"expected"`
	Visited        int      `json:"visited"`
	Reported       int      `json:"reported"`
	Timely         int      `json:"timely"`
	Verified       int      `json:"verified"`
	Coverage       *float64 `json:"coverage"`
	Members        int      `json:"members"`
	Exempt         int      `json:"exempt"`
	Present        int      `json:"present"`
	AttendanceRate *float64 `json:"attendance_rate"`
}

// MeetingCoverage is one meeting of a cell in the period: expected or held.
type MeetingCoverage struct {
	MeetingID string               `json:"meeting_id,omitempty"`
	Date      domain.Date          `json:"date"`
	Type      domain.MeetingType   `json:"type"`
	Status    domain.MeetingStatus `json:"status"`
	Moved     bool                 `json:"moved"`
	// Expected says an assignment expects a visit at this meeting (its weight is 1 or visits_per_year/12).
	Expected bool    `json:"expected"`
	Weight   float64 `json:"weight"`
	Visited  bool    `json:"visited"`
	Reported bool    `json:"reported"`
	Timely   bool    `json:"timely"`
	// Verified: a visit of an assigned official is verified; Confirmation: the secretary's word on the visits
	// ("disputed" if any is disputed, else "confirmed" if any is confirmed, else ""); Clash: a visit clashes with
	// another of its official's; DistanceM: the nearest check-in's distance from the cell's position (null: none).
	Verified     bool   `json:"verified"`
	Confirmation string `json:"confirmation"`
	Clash        bool   `json:"clash"`
	DistanceM    *int   `json:"distance_m"`
	// DueOn is the last day a timely report could be submitted.
	DueOn          domain.Date  `json:"due_on"`
	SubmittedAt    *time.Time   `json:"submitted_at"`
	Officials      []string     `json:"officials"`
	Members        *int         `json:"members"`
	Exempt         *int         `json:"exempt"`
	Present        *int         `json:"present"`
	Unexcused      *int         `json:"unexcused"`
	AttendanceRate *float64     `json:"attendance_rate"`
	Grade          domain.Grade `json:"grade"`
}

// CoverageReport is the coverage of a unit over a period, with its direct children, its months and, for a cell,
// its meetings.
type CoverageReport struct {
	Unit     UnitSummary       `json:"unit"`
	From     domain.Date       `json:"from"`
	To       domain.Date       `json:"to"`
	Totals   Coverage          `json:"totals"`
	Children []ChildCoverage   `json:"children"`
	ByMonth  []MonthCoverage   `json:"by_month"`
	Meetings []MeetingCoverage `json:"meetings,omitempty"`
	// Rating is the cell's latest annual rating up to the period's year (a cell only; AttachRatings).
	Rating *CellRating `json:"rating,omitempty"`
}

// OfficialTally is one official's record over a period, the tally used in the annual evaluation: the cells
// assigned, the visits expected (as in Coverage), attended, reported, reported on time, and overdue: meetings
// whose report was due (report_due_days after the meeting, before today) and not submitted, counted where the
// official was expected every month or did attend.
type OfficialTally struct {
	UserID      string   `json:"user_id"`
	DisplayName string   `json:"display_name"`
	Title       string   `json:"title"`
	Cells       int      `json:"cells"`
	Expected    int      `json:"expected"`
	Attended    int      `json:"attended"`
	Reported    int      `json:"reported"`
	OnTime      int      `json:"on_time"`
	Overdue     int      `json:"overdue"`
	Coverage    *float64 `json:"coverage"`
	// Verified: attended visits that are verified (capped like Attended); Clashes: attended visits in a clash;
	// Unconfirmed: attended visits the secretary has not confirmed (no word yet, or disputed).
	Verified    int `json:"verified"`
	Clashes     int `json:"clashes"`
	Unconfirmed int `json:"unconfirmed"`
	// CommitteeExpected and CommitteeAttended: the expanded committee meetings of communes the official is assigned
	// to attend (one a month per commune) and those it attended (coverage_forms.go); not in Expected or Coverage.
	CommitteeExpected int `json:"committee_expected"`
	CommitteeAttended int `json:"committee_attended"`
	nameFold          string
}

// OverdueReport is a visit report due and not submitted.
type OverdueReport struct {
	CellID       string      `json:"cell_id"`
	CellName     string      `json:"cell_name"`
	ParentName   string      `json:"parent_name"`
	MeetingID    string      `json:"meeting_id,omitempty"`
	MeetingDate  domain.Date `json:"meeting_date"`
	DueOn        domain.Date `json:"due_on"`
	DaysOverdue  int         `json:"days_overdue"`
	OfficialID   string      `json:"official_id"`
	OfficialName string      `json:"official_name"`
	// Attended says the official was there (a draft report or a check-in) but has not submitted.
	Attended bool `json:"attended"`
}

// Period is a span of calendar days, both ends included.
type Period struct{ From, To domain.Date }

// Months returns the first day of each month the period touches.
func (p Period) Months() []domain.Date {
	var out []domain.Date
	for d := domain.NewDate(p.From.Year(), p.From.Month(), 1); !d.After(p.To); d = d.AddMonths(1) {
		out = append(out, d)
	}
	return out
}

func (p Period) has(d domain.Date) bool { return !d.Before(p.From) && !d.After(p.To) }

// covAssignment is an assignment as coverage reads it.
type covAssignment struct {
	ID            string           `bun:"id"`
	OfficialID    string           `bun:"official_id"`
	CellID        string           `bun:"cell_id"`
	StartsOn      domain.Date      `bun:"starts_on"`
	EndsOn        domain.Date      `bun:"ends_on"`
	Frequency     domain.Frequency `bun:"frequency"`
	VisitsPerYear int              `bun:"visits_per_year"`
	Name          string           `bun:"display_name"`
	NameFold      string           `bun:"name_fold"`
	Title         string           `bun:"title"`
}

func (a *covAssignment) covers(d domain.Date) bool {
	return !d.Before(a.StartsOn) && (a.EndsOn.IsZero() || !d.After(a.EndsOn))
}

// weight12 is the assignment's weight per expected meeting in twelfths of a visit (12 when monthly), so that sums
// of weights are exact.
func (a *covAssignment) weight12() int {
	if a.Frequency == domain.FrequencyMonthly {
		return 12
	}
	return a.VisitsPerYear
}

// covReport is a visit report as coverage reads it.
type covReport struct {
	MeetingID   string       `bun:"meeting_id"`
	OfficialID  string       `bun:"official_id"`
	Status      string       `bun:"status"`
	CheckedInAt *time.Time   `bun:"checked_in_at"`
	SubmittedAt *time.Time   `bun:"submitted_at"`
	Grade       domain.Grade `bun:"grade"`
	// The cross-checks' outcome (visit_checks).
	Verified     bool   `bun:"verified"`
	Clash        bool   `bun:"clash"`
	Confirmation string `bun:"confirmation"`
	DistanceM    *int   `bun:"distance_m"`
}

func (r *covReport) submitted() bool {
	return r.Status == domain.ReportSubmitted && r.SubmittedAt != nil
}

// covMeeting is a meeting of the period with its attendance tally.
type covMeeting struct {
	ID            string               `bun:"id"`
	CellID        string               `bun:"cell_id"`
	MeetingDate   domain.Date          `bun:"meeting_date"`
	Type          domain.MeetingType   `bun:"type"`
	Status        domain.MeetingStatus `bun:"status"`
	MembersTotal  *int                 `bun:"members_total"`
	MembersExempt *int                 `bun:"members_exempt"`
	Present       int                  `bun:"present"`
	Unexcused     int                  `bun:"unexcused"`
	Recorded      int                  `bun:"recorded"`
}

func (m *covMeeting) members() (members, exempt int) {
	members, exempt = m.Recorded, 0
	if m.MembersTotal != nil {
		members = *m.MembersTotal
	}
	if m.MembersExempt != nil {
		exempt = *m.MembersExempt
	}
	return members, exempt
}

// coverageData is everything the figures of a subtree and period are computed from.
type coverageData struct {
	period   Period
	today    domain.Date
	cells    []cellRow
	expected map[string][]ExpectedMeeting // by cell, in date order
	rules    map[string]EffectiveRule     // by cell path
	assign   map[string][]covAssignment   // by cell
	reports  map[string][]covReport       // by meeting
	meetings map[string][]covMeeting      // held meetings by cell, in date order
	parents  map[string]string            // cell id → parent name
}

// loadCoverage reads the data of the cells under root that are open in the period.
func loadCoverage(ctx context.Context, db bun.IDB, root string, p Period, today domain.Date) (*coverageData, error) {
	all, err := cellsUnder(ctx, db, []string{root}, nil)
	if err != nil {
		return nil, err
	}
	var open []cellRow
	for _, c := range all {
		if openIn(c, p) {
			open = append(open, c)
		}
	}
	return loadCells(ctx, db, open, root, p, today)
}

// openIn reports whether cell c is open on some day of the period.
func openIn(c cellRow, p Period) bool {
	return (c.OpenedOn.IsZero() || !c.OpenedOn.After(p.To)) && (c.ClosedOn.IsZero() || !c.ClosedOn.Before(p.From))
}

// loadCells reads the data of the given cells for the period: all the cells under root when root is not empty,
// else a batch of at most a thousand cells.
func loadCells(ctx context.Context, db bun.IDB, cells []cellRow, root string, p Period, today domain.Date) (*coverageData, error) {
	d := &coverageData{period: p, today: today, cells: cells, expected: map[string][]ExpectedMeeting{}, assign: map[string][]covAssignment{},
		reports: map[string][]covReport{}, meetings: map[string][]covMeeting{}, parents: map[string]string{}}
	if len(d.cells) == 0 {
		return d, nil
	}
	// ofCells keeps the rows of q whose cell (column col) is one of d's: by path under root, or by id.
	ids := make([]string, len(cells))
	for i, c := range cells {
		ids[i] = c.ID
	}
	ofCells := func(q *bun.SelectQuery, col string) *bun.SelectQuery {
		if root == "" {
			return q.Where("? IN (?)", bun.Safe(col), bun.List(ids))
		}
		return q.Join("JOIN org_units AS ou ON ou.id = ?", bun.Safe(col)).Where("ou.path >= ? AND ou.path < ?", root, domain.PathUpper(root))
	}
	var asg []covAssignment
	q := db.NewSelect().TableExpr("assignments AS a").
		ColumnExpr("a.id, a.official_id, a.cell_id, a.starts_on, a.ends_on, a.frequency, a.visits_per_year").
		ColumnExpr("u.display_name, u.name_fold, u.title").
		Join("JOIN users AS u ON u.id = a.official_id")
	if err := ofCells(q, "a.cell_id").
		Where("a.deleted_at IS NULL AND a.status <> ?", domain.AssignmentCancelled).
		Where("a.form = ?", domain.FormCell).
		Where("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", p.To, p.From).
		OrderExpr("a.cell_id, a.starts_on, a.id").Scan(ctx, &asg); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, a := range asg {
		d.assign[a.CellID] = append(d.assign[a.CellID], a)
	}
	var reps []covReport
	q = db.NewSelect().TableExpr("visit_reports AS vr").
		ColumnExpr("vr.meeting_id, vr.official_id, vr.status, vr.checked_in_at, vr.submitted_at, vr.grade").
		ColumnExpr("COALESCE(vk.verified, FALSE) AS verified, COALESCE(vk.clash, FALSE) AS clash").
		ColumnExpr("COALESCE(vk.confirmation, '') AS confirmation, vk.distance_m").
		Join("JOIN meetings AS m ON m.id = vr.meeting_id").
		Join("LEFT JOIN visit_checks AS vk ON vk.meeting_id = vr.meeting_id AND vk.official_id = vr.official_id")
	if err := ofCells(q, "m.cell_id").
		Where("m.meeting_date >= ? AND m.meeting_date <= ?", p.From, p.To).
		Where("vr.deleted_at IS NULL AND m.deleted_at IS NULL AND m.form = ?", domain.FormCell).
		OrderExpr("vr.meeting_id, vr.submitted_at, vr.official_id").Scan(ctx, &reps); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, r := range reps {
		d.reports[r.MeetingID] = append(d.reports[r.MeetingID], r)
	}
	// Every meeting of the months the period touches, once: the regular and thematic ones decide what the schedules
	// expect, the held ones of the period carry the attendance.
	first := domain.NewDate(p.From.Year(), p.From.Month(), 1)
	end := domain.NewDate(p.To.Year(), p.To.Month(), 1).AddMonths(1)
	var meetings []covMeeting
	q = db.NewSelect().TableExpr("meetings AS m").
		ColumnExpr("m.id, m.cell_id, m.meeting_date, m.type, m.status, m.members_total, m.members_exempt")
	q = ofCells(q, "m.cell_id").
		Where("m.meeting_date >= ? AND m.meeting_date < ?", first, end).
		Where("m.deleted_at IS NULL AND m.form = ?", domain.FormCell)
	q = attendanceTally(q)
	if err := q.OrderExpr("m.cell_id, m.meeting_date, m.id").Scan(ctx, &meetings); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	scheduled := make([]scheduledMeeting, 0, len(meetings))
	for _, m := range meetings {
		if m.Type == domain.MeetingRegular || m.Type == domain.MeetingThematic {
			scheduled = append(scheduled, scheduledMeeting{ID: m.ID, CellID: m.CellID, MeetingDate: m.MeetingDate, Type: m.Type, Status: m.Status})
		}
		if m.Status == domain.MeetingHeld && p.has(m.MeetingDate) {
			d.meetings[m.CellID] = append(d.meetings[m.CellID], m)
		}
	}
	exp, rules, err := expectedFor(ctx, db, d.cells, root, p.From, p.To, &scheduled)
	if err != nil {
		return nil, err
	}
	d.rules = rules
	for _, e := range exp {
		d.expected[e.CellID] = append(d.expected[e.CellID], e)
	}
	return d, nil
}

// loadParents reads the name of each cell's parent (only the lists that show it need them).
func (d *coverageData) loadParents(ctx context.Context, db bun.IDB, root string) error {
	var parents []struct {
		ID   string `bun:"id"`
		Name string `bun:"name"`
	}
	if err := db.NewSelect().TableExpr("org_units AS ou").ColumnExpr("ou.id, p.name").
		Join("JOIN org_units AS p ON p.id = ou.parent_id").
		Where("ou.path >= ? AND ou.path < ? AND ou.kind = ?", root, domain.PathUpper(root), domain.KindCell).Scan(ctx, &parents); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	for _, r := range parents {
		d.parents[r.ID] = r.Name
	}
	return nil
}

// attendanceTally adds each meeting's attendance counts (present, unexcused, recorded rows) to q over meetings m.
func attendanceTally(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("COALESCE(t.present, 0) AS present, COALESCE(t.unexcused, 0) AS unexcused, COALESCE(t.recorded, 0) AS recorded").
		Join(`LEFT JOIN meeting_tallies AS t ON t.meeting_id = m.id`)
}

// visit is one expected meeting of a subject (a cell, or an official at a cell) with its weight and outcome.
type visit struct {
	month    string
	w12      int // weight in twelfths
	visited  bool
	reported bool
	timely   bool
	verified bool
	// clash and unconfirmed (an official's visits only): its visit clashes; the secretary has not confirmed it.
	clash, unconfirmed bool
	// pending (an official's visits only): the report is not submitted, and the official was expected every month
	// or attended; overdue: pending, and due (the last day of a timely report) is before today.
	pending, overdue bool
	due              domain.Date
}

// visitCounts are the visit figures of a list of visits.
type visitCounts struct{ expected, visited, reported, timely, verified, overdue, clashes, unconfirmed int }

// roundHalfUp rounds a sum of weights given in twelfths to whole visits, half up.
func roundHalfUp(w12 int) int { return (w12 + 6) / 12 }

// countVisits applies the rounding and caps of Coverage to the visits of one subject.
func countVisits(vs []visit) visitCounts {
	var t visitTotals
	for _, v := range vs {
		t.add(v)
	}
	return t.counts()
}

// visitTotals are the sums the counts of a subject's visits are made of, before rounding and capping; the sums of
// two spans add up to the sums of both (the counts do not).
type visitTotals struct {
	visits                    int
	w12                       int
	visited, reported, timely int
	verified                  int
	overdue                   int
	clashes, unconfirmed      int
}

func (t *visitTotals) add(v visit) {
	t.visits++
	t.w12 += v.w12
	t.visited += b2i(v.visited)
	t.reported += b2i(v.reported)
	t.timely += b2i(v.timely)
	t.verified += b2i(v.verified)
	t.overdue += b2i(v.overdue)
	t.clashes += b2i(v.clash)
	t.unconfirmed += b2i(v.unconfirmed)
}

// counts rounds the weights and caps the counts at the expected meetings.
func (t visitTotals) counts() visitCounts {
	c := visitCounts{expected: min(t.visits, roundHalfUp(t.w12)), overdue: t.overdue, clashes: t.clashes, unconfirmed: t.unconfirmed}
	c.visited = min(t.visited, c.expected)
	c.verified = min(t.verified, c.expected)
	c.reported = min(t.reported, c.expected)
	c.timely = min(t.timely, c.expected)
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dueOn is the last day a timely report on a meeting of day d can be submitted.
func dueOn(d domain.Date, rule domain.ScheduleRule) domain.Date {
	n := rule.ReportDueDays
	if n <= 0 {
		n = domain.DefaultScheduleRule().ReportDueDays
	}
	return d.AddDays(n)
}

// onTime reports whether a report submitted at t is in by the end of day due (Asia/Ho_Chi_Minh).
func onTime(t *time.Time, due domain.Date) bool {
	return t != nil && t.Before(due.AddDays(1).Time())
}

// cellVisits returns the expected meetings of a cell as visits: of the cell (official "") or of one official.
func (d *coverageData) cellVisits(c cellRow, official string) []visit {
	var out []visit
	rule := d.rules[c.Path].Rule
	for _, e := range d.expected[c.ID] {
		v, ok := d.visitOf(c, e, rule, official)
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// visitOf decides whether meeting e of cell c is expected of the subject (the cell, or official), and its outcome.
func (d *coverageData) visitOf(c cellRow, e ExpectedMeeting, rule domain.ScheduleRule, official string) (visit, bool) {
	if e.Status == domain.MeetingCancelled || !d.period.has(e.Date) ||
		(!c.OpenedOn.IsZero() && c.OpenedOn.After(e.Date)) || (!c.ClosedOn.IsZero() && c.ClosedOn.Before(e.Date)) {
		return visit{}, false
	}
	v := visit{month: e.Date.String()[:7]}
	monthly := false
	covering := map[string]bool{}
	for i := range d.assign[c.ID] {
		a := &d.assign[c.ID][i]
		if !a.covers(e.Date) || (official != "" && a.OfficialID != official) {
			continue
		}
		covering[a.OfficialID] = true
		v.w12 = max(v.w12, a.weight12())
		monthly = monthly || a.Frequency == domain.FrequencyMonthly
	}
	if len(covering) == 0 {
		return visit{}, false
	}
	due := dueOn(e.Date, rule)
	attended := false
	if e.MeetingID != "" {
		for _, r := range d.reports[e.MeetingID] {
			if !covering[r.OfficialID] {
				continue
			}
			v.visited = true
			attended = true
			v.verified = v.verified || r.Verified
			v.clash = v.clash || r.Clash
			v.unconfirmed = v.unconfirmed || r.Confirmation != string(domain.ConfirmConfirmed)
			if r.submitted() {
				v.reported = true
				v.timely = v.timely || onTime(r.SubmittedAt, due)
			}
		}
	}
	v.due = due
	v.pending = official != "" && !v.reported && (monthly || attended)
	v.overdue = v.pending && due.Before(d.today)
	return v, true
}

// grade is a meeting's grade: that of its latest submitted visit report.
func (d *coverageData) grade(meetingID string) domain.Grade {
	var g domain.Grade
	var at time.Time
	for _, r := range d.reports[meetingID] {
		if r.submitted() && r.Grade != "" && !r.SubmittedAt.Before(at) {
			g, at = r.Grade, *r.SubmittedAt
		}
	}
	return g
}

func (c *Coverage) add(o Coverage) {
	c.Expected += o.Expected
	c.Visited += o.Visited
	c.Reported += o.Reported
	c.Timely += o.Timely
	c.Verified += o.Verified
	c.HeldMeetings += o.HeldMeetings
	c.Members += o.Members
	c.Exempt += o.Exempt
	c.Present += o.Present
	c.Unexcused += o.Unexcused
	c.Cells += o.Cells
	c.CellsLowAttendance += o.CellsLowAttendance
	c.Grades.Tot += o.Grades.Tot
	c.Grades.Kha += o.Grades.Kha
	c.Grades.TrungBinh += o.Grades.TrungBinh
	c.Grades.Kem += o.Grades.Kem
}

func (c *Coverage) rates() {
	c.Coverage = ratio(c.Visited, c.Expected)
	c.ReportingRate = ratio(c.Reported, c.Expected)
	c.TimelyRate = ratio(c.Timely, c.Expected)
	c.VerifiedRate = ratio(c.Verified, c.Expected)
	c.AttendanceRate = ratio(c.Present, c.Members-c.Exempt)
}

// ratio is n/d capped at 1, rounded to 4 decimals; nil when d is not positive.
func ratio(n, d int) *float64 {
	if d <= 0 {
		return nil
	}
	r := math.Round(min(1, float64(n)/float64(d))*10000) / 10000
	return &r
}

// CoverageOf computes the coverage report of unit over the period (see Coverage for the definitions); today
// decides which reports are overdue. Above a cell and over whole months it sums the coverage summary, bringing it
// up to date through w first (see coverageMonth); otherwise, and in CoverageRecomputed, it computes from the
// meetings, reports and assignments themselves. Both give the same report.
func CoverageOf(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, today domain.Date) (*CoverageReport, error) {
	if unit.Kind == domain.KindCell || !p.monthAligned() {
		return CoverageRecomputed(ctx, r, unit, p, today)
	}
	rep, kids, err := newCoverageReport(ctx, r, unit, p)
	if err != nil {
		return nil, err
	}
	if err := coverageFromSummary(ctx, r, w, unit, p, rep, kids); errors.Is(err, errBusy) {
		return CoverageRecomputed(ctx, r, unit, p, today)
	} else if err != nil {
		return nil, err
	}
	return rep, nil
}

// newCoverageReport starts the report of unit over the period, and lists the unit's children.
func newCoverageReport(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period) (*CoverageReport, []OrgUnit, error) {
	rep := &CoverageReport{Unit: UnitSummary{unit.ID, unit.Name, unit.Kind}, From: p.From, To: p.To,
		Children: []ChildCoverage{}, ByMonth: []MonthCoverage{}}
	var kids []OrgUnit
	if unit.Kind != domain.KindCell {
		if err := db.NewSelect().Model(&kids).Where("parent_id = ?", unit.ID).OrderExpr("name_fold, id").Scan(ctx); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return nil, nil, domain.Internal(err)
		}
	}
	return rep, kids, nil
}

// coverageTally adds cells' figures up into a report: the totals, the unit's direct children (kids, under root)
// and the months.
type coverageTally struct {
	rep    *CoverageReport
	root   string
	kids   []OrgUnit
	kidAt  map[string]int // by path
	child  []Coverage
	used   []bool // a cell of the child's is open in the period
	months map[string]*MonthCoverage
}

func newCoverageTally(rep *CoverageReport, root string, kids []OrgUnit) *coverageTally {
	t := &coverageTally{rep: rep, root: root, kids: kids, kidAt: make(map[string]int, len(kids)),
		child: make([]Coverage, len(kids)), used: make([]bool, len(kids)), months: map[string]*MonthCoverage{}}
	for i := range kids {
		t.kidAt[kids[i].Path] = i
	}
	return t
}

// cell adds the sums over the period of the cell at path, to the totals and to the child it is under.
func (t *coverageTally) cell(path string, s cellSums) { t.add(path, s.coverage()) }

// add adds the figures of the cell, or of the cells of the unit, at path to the totals and to the child it is under
// (marked used when the figures count a cell).
func (t *coverageTally) add(path string, cov Coverage) {
	t.rep.Totals.add(cov)
	// The child: the unit's path and the next id of the path.
	if rest := path[len(t.root):]; rest != "" {
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			if i, ok := t.kidAt[t.root+rest[:j+1]]; ok {
				t.child[i].add(cov)
				t.used[i] = t.used[i] || cov.Cells > 0
			}
		}
	}
}

// month adds a month's figures ("2026-01" in m.Month).
func (t *coverageTally) month(m MonthCoverage) {
	mo := t.months[m.Month]
	if mo == nil {
		mo = &MonthCoverage{Month: m.Month}
		t.months[m.Month] = mo
	}
	mo.Expected += m.Expected
	mo.Visited += m.Visited
	mo.Reported += m.Reported
	mo.Timely += m.Timely
	mo.Verified += m.Verified
	mo.Members += m.Members
	mo.Exempt += m.Exempt
	mo.Present += m.Present
}

// finish computes the rates of the totals, lists the children (with their rates) and the period's months (those
// without figures empty).
func (t *coverageTally) finish(p Period) {
	rep := t.rep
	rep.Totals.rates()
	for i, k := range t.kids {
		// A child with no cell open in the period is listed only if it is a cell itself or still open.
		if !t.used[i] && !k.ClosedOn.IsZero() && k.ClosedOn.Before(p.From) {
			continue
		}
		t.child[i].rates()
		rep.Children = append(rep.Children, ChildCoverage{Unit: UnitSummary{k.ID, k.Name, k.Kind}, Coverage: t.child[i]})
	}
	for _, m := range p.Months() {
		k := m.String()[:7]
		mo := t.months[k]
		if mo == nil {
			mo = &MonthCoverage{Month: k}
		}
		mo.Coverage = ratio(mo.Visited, mo.Expected)
		mo.AttendanceRate = ratio(mo.Present, mo.Members-mo.Exempt)
		rep.ByMonth = append(rep.ByMonth, *mo)
	}
}

// CoverageRecomputed is CoverageOf computed from the meetings, reports and assignments themselves, without the
// summary: each cell's months as the summary would hold them (for this period only), summed the same way.
func CoverageRecomputed(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period, today domain.Date) (*CoverageReport, error) {
	d, err := loadCoverage(ctx, db, unit.Path, p, today)
	if err != nil {
		return nil, err
	}
	rep, kids, err := newCoverageReport(ctx, db, unit, p)
	if err != nil {
		return nil, err
	}
	t := newCoverageTally(rep, unit.Path, kids)
	first, last := p.Months()[0], p.Months()[len(p.Months())-1]
	for _, c := range d.cells {
		rows := d.monthRows(c, first, last)
		t.cell(c.Path, rows[len(rows)-1].cellSums)
		for _, r := range rows {
			t.month(r.own())
		}
	}
	t.finish(p)
	if unit.Kind == domain.KindCell && len(d.cells) == 1 {
		rep.Meetings = d.cellMeetings(d.cells[0])
	}
	return rep, nil
}

// cellMeetings lists a cell's meetings of the period: the expected ones and every other held one, by date.
func (d *coverageData) cellMeetings(c cellRow) []MeetingCoverage {
	out := []MeetingCoverage{}
	rule := d.rules[c.Path].Rule
	held := map[string]*covMeeting{}
	for i := range d.meetings[c.ID] {
		held[d.meetings[c.ID][i].ID] = &d.meetings[c.ID][i]
	}
	names := map[string]string{}
	for _, a := range d.assign[c.ID] {
		names[a.OfficialID] = a.Name
	}
	seen := map[string]bool{}
	add := func(mc MeetingCoverage) {
		mc.DueOn = dueOn(mc.Date, rule)
		mc.Officials = []string{}
		if m := held[mc.MeetingID]; m != nil {
			members, exempt := m.members()
			mc.Members, mc.Exempt, mc.Present, mc.Unexcused = &members, &exempt, &m.Present, &m.Unexcused
			mc.AttendanceRate = ratio(m.Present, members-exempt)
			mc.Grade = d.grade(m.ID)
		}
		for _, r := range d.reports[mc.MeetingID] {
			if n := names[r.OfficialID]; n != "" {
				mc.Officials = append(mc.Officials, n)
			}
			mc.Clash = mc.Clash || r.Clash
			switch {
			case r.Confirmation == string(domain.ConfirmDisputed):
				mc.Confirmation = r.Confirmation
			case r.Confirmation == string(domain.ConfirmConfirmed) && mc.Confirmation == "":
				mc.Confirmation = r.Confirmation
			}
			if r.DistanceM != nil && (mc.DistanceM == nil || *r.DistanceM < *mc.DistanceM) {
				mc.DistanceM = r.DistanceM
			}
			if r.submitted() && (mc.SubmittedAt == nil || r.SubmittedAt.Before(*mc.SubmittedAt)) {
				mc.SubmittedAt = r.SubmittedAt
			}
		}
		out = append(out, mc)
	}
	for _, e := range d.expected[c.ID] {
		if !d.period.has(e.Date) {
			continue
		}
		mc := MeetingCoverage{MeetingID: e.MeetingID, Date: e.Date, Type: e.Type, Status: e.Status, Moved: e.Moved}
		if v, ok := d.visitOf(c, e, rule, ""); ok {
			mc.Expected, mc.Weight, mc.Visited, mc.Reported, mc.Timely = true, float64(v.w12)/12, v.visited, v.reported, v.timely
			mc.Verified = v.verified
		}
		seen[e.MeetingID] = true
		add(mc)
	}
	for _, m := range d.meetings[c.ID] {
		if !seen[m.ID] {
			add(MeetingCoverage{MeetingID: m.ID, Date: m.MeetingDate, Type: m.Type, Status: m.Status})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// OfficialTallies lists the officials assigned to cells under unit in the period with their tally, by name; today
// decides which reports are overdue. Like CoverageOf, above a cell and over whole months it sums the coverage
// summary (coverage_visits), bringing it up to date through w first; otherwise, and in OfficialTalliesRecomputed,
// it computes from the meetings, reports and assignments themselves. Both give the same tallies.
func OfficialTallies(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, today domain.Date) ([]OfficialTally, error) {
	if unit.Kind == domain.KindCell || !p.monthAligned() {
		return OfficialTalliesRecomputed(ctx, r, unit, p, today)
	}
	byID := map[string]*OfficialTally{}
	if err := officialTalliesFromSummary(ctx, r, w, unit, p, today, byID); errors.Is(err, errBusy) {
		return OfficialTalliesRecomputed(ctx, r, unit, p, today)
	} else if err != nil {
		return nil, err
	}
	return finishOfficialTallies(ctx, r, unit, p, byID)
}

// OfficialTalliesRecomputed is OfficialTallies computed from the meetings, reports and assignments themselves.
func OfficialTalliesRecomputed(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period, today domain.Date) ([]OfficialTally, error) {
	d, err := loadCoverage(ctx, db, unit.Path, p, today)
	if err != nil {
		return nil, err
	}
	byID := map[string]*OfficialTally{}
	cells := map[string]map[string]bool{}
	for _, c := range d.cells {
		for _, a := range d.assign[c.ID] {
			t := byID[a.OfficialID]
			if t == nil {
				t = &OfficialTally{UserID: a.OfficialID, DisplayName: a.Name, Title: a.Title, nameFold: a.NameFold}
				byID[a.OfficialID] = t
				cells[a.OfficialID] = map[string]bool{}
			}
			if cells[a.OfficialID][c.ID] {
				continue
			}
			cells[a.OfficialID][c.ID] = true
			t.Cells++
			t.addVisits(countVisits(d.cellVisits(c, a.OfficialID)))
		}
	}
	return finishOfficialTallies(ctx, db, unit, p, byID)
}

// finishOfficialTallies adds the expanded committee meetings to the officials' tallies byID and lists them by name.
func finishOfficialTallies(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period, byID map[string]*OfficialTally) ([]OfficialTally, error) {
	if err := addCommitteeTallies(ctx, db, unit, p, byID); err != nil {
		return nil, err
	}
	out := make([]OfficialTally, 0, len(byID))
	for _, t := range byID {
		t.Coverage = ratio(t.Attended, t.Expected)
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].nameFold != out[j].nameFold {
			return out[i].nameFold < out[j].nameFold
		}
		return out[i].UserID < out[j].UserID
	})
	return out, nil
}

// OverdueVisitReports lists the visit reports due before today and not submitted, for meetings of the period under
// unit (as counted in OfficialTally.Overdue), the longest overdue first. Like OfficialTallies, above a cell and over
// whole months it reads the coverage summary; OverdueVisitReportsRecomputed gives the same list from the data.
func OverdueVisitReports(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, today domain.Date) ([]OverdueReport, error) {
	if unit.Kind == domain.KindCell || !p.monthAligned() {
		return OverdueVisitReportsRecomputed(ctx, r, unit, p, today)
	}
	out, err := overdueFromSummary(ctx, r, w, unit, p, today)
	if errors.Is(err, errBusy) {
		return OverdueVisitReportsRecomputed(ctx, r, unit, p, today)
	}
	return out, err
}

// OverdueVisitReportsRecomputed is OverdueVisitReports computed from the meetings, reports and assignments.
func OverdueVisitReportsRecomputed(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period, today domain.Date) ([]OverdueReport, error) {
	d, err := loadCoverage(ctx, db, unit.Path, p, today)
	if err != nil {
		return nil, err
	}
	if err := d.loadParents(ctx, db, unit.Path); err != nil {
		return nil, err
	}
	var out []OverdueReport
	for _, c := range d.cells {
		rule := d.rules[c.Path].Rule
		done := map[string]bool{}
		for _, a := range d.assign[c.ID] {
			if done[a.OfficialID] {
				continue
			}
			done[a.OfficialID] = true
			for _, e := range d.expected[c.ID] {
				v, ok := d.visitOf(c, e, rule, a.OfficialID)
				if !ok || !v.overdue {
					continue
				}
				due := dueOn(e.Date, rule)
				out = append(out, OverdueReport{CellID: c.ID, CellName: c.Name, ParentName: d.parents[c.ID], MeetingID: e.MeetingID,
					MeetingDate: e.Date, DueOn: due, DaysOverdue: domain.DaysBetween(due, today), OfficialID: a.OfficialID,
					OfficialName: a.Name, Attended: v.visited})
			}
		}
	}
	sortOverdue(out)
	if out == nil {
		out = []OverdueReport{}
	}
	return out, nil
}

// Absentee is a member absent with reason at more than 3 meetings in a row.
type Absentee struct {
	MemberID   string      `bun:"member_id" json:"member_id"`
	FullName   string      `bun:"full_name" json:"full_name"`
	CellID     string      `bun:"cell_id" json:"cell_id"`
	CellName   string      `bun:"cell_name" json:"cell_name"`
	ParentName string      `json:"parent_name"`
	Streak     int         `json:"streak"`
	From       domain.Date `json:"from"`
	To         domain.Date `json:"to"`
	Reasons    []string    `json:"reasons"`
	nameFold   string
}

// MaxExcusedInARow is how many absences with reason in a row are allowed (the rubric's "not more than 3").
const MaxExcusedInARow = 3

// Absentees lists the members of cells under unit whose longest run of absences with reason, over the held
// meetings of their cell they have an attendance row at, exceeds MaxExcusedInARow. The runs are counted over the
// period, reaching back to 12 months before its end when it is shorter (the rubric counts "in a year").
func Absentees(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period) ([]Absentee, error) {
	from := p.From
	if y := p.To.AddMonths(-12).AddDays(1); y.Before(from) {
		from = y
	}
	// Only members with more than MaxExcusedInARow absences with reason in the window can have a run that long (a
	// few percent of them, found in the partial index attendance_excused); only their rows are read, a slice of
	// members at a time.
	var ids []string
	err := db.NewSelect().TableExpr("attendance AS a2").ColumnExpr("a2.member_id").
		Join("JOIN meetings AS m2 ON m2.id = a2.meeting_id").
		Join("JOIN org_units AS ou ON ou.id = m2.cell_id").
		Where("a2.status = ? AND a2.deleted_at IS NULL", domain.AttendExcused).
		Where("m2.deleted_at IS NULL AND m2.status = ? AND m2.form = ?", domain.MeetingHeld, domain.FormCell).
		Where("m2.meeting_date >= ? AND m2.meeting_date <= ?", from, p.To).
		Where("ou.path >= ? AND ou.path < ?", unit.Path, domain.PathUpper(unit.Path)).
		GroupExpr("a2.member_id").Having("count(*) > ?", MaxExcusedInARow).
		OrderExpr("a2.member_id").Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	type row struct {
		MemberID  string                  `bun:"member_id"`
		CellID    string                  `bun:"cell_id"`
		MeetingID string                  `bun:"meeting_id"`
		Date      domain.Date             `bun:"meeting_date"`
		Status    domain.AttendanceStatus `bun:"status"`
		Reason    string                  `bun:"reason"`
	}
	var rows []row
	for len(ids) > 0 {
		slice := ids[:min(len(ids), 2000)]
		ids = ids[len(slice):]
		var part []row
		err := db.NewSelect().TableExpr("attendance AS at").
			ColumnExpr("at.member_id, m.cell_id, m.id AS meeting_id, m.meeting_date, at.status, at.reason").
			Join("JOIN meetings AS m ON m.id = at.meeting_id").
			Join("JOIN org_units AS ou ON ou.id = m.cell_id").
			Where("at.member_id IN (?)", bun.List(slice)).
			Where("ou.path >= ? AND ou.path < ?", unit.Path, domain.PathUpper(unit.Path)).
			Where("m.meeting_date >= ? AND m.meeting_date <= ? AND m.status = ?", from, p.To, domain.MeetingHeld).
			Where("at.deleted_at IS NULL AND m.deleted_at IS NULL AND m.form = ?", domain.FormCell).
			Scan(ctx, &part) // sorted here: cheaper than by the database, which the whole province shares
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		rows = append(rows, part...)
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(strings.Compare(a.MemberID, b.MemberID), a.Date.Time().Compare(b.Date.Time()), strings.Compare(a.MeetingID, b.MeetingID))
	})
	out := []Absentee{}
	var best, cur *Absentee
	flush := func() {
		if best != nil && best.Streak > MaxExcusedInARow {
			out = append(out, *best)
		}
		best, cur = nil, nil
	}
	for i, r := range rows {
		if i > 0 && rows[i-1].MemberID != r.MemberID {
			flush()
		}
		if r.Status != domain.AttendExcused {
			cur = nil
			continue
		}
		if cur == nil {
			cur = &Absentee{MemberID: r.MemberID, CellID: r.CellID, From: r.Date, Reasons: []string{}}
		}
		cur.Streak++
		cur.To = r.Date
		if r.Reason != "" && (len(cur.Reasons) == 0 || cur.Reasons[len(cur.Reasons)-1] != r.Reason) {
			cur.Reasons = append(cur.Reasons, r.Reason)
		}
		if best == nil || cur.Streak > best.Streak {
			c := *cur
			c.Reasons = append([]string(nil), cur.Reasons...)
			best = &c
		}
	}
	flush()
	out, err = absenteeNames(ctx, db, out)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Streak != out[j].Streak {
			return out[i].Streak > out[j].Streak
		}
		return out[i].nameFold < out[j].nameFold
	})
	return out, nil
}

// absenteeNames fills in the names of the absentees' members (leaving out deleted members), cells and the cells'
// parents, read for them alone.
func absenteeNames(ctx context.Context, db bun.IDB, out []Absentee) ([]Absentee, error) {
	if len(out) == 0 {
		return out, nil
	}
	var members, cells []string
	for _, a := range out {
		members = append(members, a.MemberID)
		cells = append(cells, a.CellID)
	}
	var mb []struct {
		ID       string `bun:"id"`
		FullName string `bun:"full_name"`
		NameFold string `bun:"name_fold"`
	}
	if err := db.NewSelect().TableExpr("members").Column("id", "full_name", "name_fold").
		Where("id IN (?) AND deleted_at IS NULL", bun.List(members)).Scan(ctx, &mb); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	var ou []struct {
		ID     string `bun:"id"`
		Name   string `bun:"name"`
		Parent string `bun:"parent_name"`
	}
	if err := db.NewSelect().TableExpr("org_units AS ou").ColumnExpr("ou.id, ou.name, COALESCE(p.name, '') AS parent_name").
		Join("LEFT JOIN org_units AS p ON p.id = ou.parent_id").
		Where("ou.id IN (?)", bun.List(cells)).Scan(ctx, &ou); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	names := make(map[string]int, len(mb))
	for i, m := range mb {
		names[m.ID] = i
	}
	units := make(map[string]int, len(ou))
	for i, u := range ou {
		units[u.ID] = i
	}
	kept := out[:0]
	for _, a := range out {
		i, ok := names[a.MemberID]
		if !ok {
			continue // deleted
		}
		a.FullName, a.nameFold = mb[i].FullName, mb[i].NameFold
		if j, ok := units[a.CellID]; ok {
			a.CellName, a.ParentName = ou[j].Name, ou[j].Parent
		}
		kept = append(kept, a)
	}
	return kept, nil
}

// The kinds of priority lists.
const (
	PriorityUnvisited      = "unvisited"
	PriorityWeak           = "weak"
	PriorityOverdueReports = "overdue_reports"
	PriorityOverdueRecs    = "overdue_recs"
)

// Priorities lists the cells under unit that need attention of one kind: unvisited (no visit report in the 12
// months before today), weak (rated weak last year, or a visit graded Kém), overdue_recs (open recommendations
// past their due date) — SuggestCells' findings, filtered — in SuggestCells' order.
func Priorities(ctx context.Context, db bun.IDB, unit *OrgUnit, kind string, today domain.Date) ([]CellSuggestion, error) {
	all, err := SuggestCells(ctx, db, []string{unit.Path}, today)
	if err != nil {
		return nil, err
	}
	out := []CellSuggestion{}
	for _, s := range all {
		if kind == PriorityUnvisited && s.Unvisited || kind == PriorityWeak && s.Weak || kind == PriorityOverdueRecs && s.OverdueRecs > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// TallyMismatch is a meeting whose stored attendance tally differs from a recomputation.
type TallyMismatch struct {
	MeetingID          string
	Stored, Recomputed [4]int // present, excused, unexcused, recorded
}

// CheckMeetingTallies recomputes every meeting's attendance tally from the attendance rows and returns the
// meetings whose stored tally (meeting_tallies, kept by triggers) differs; none when the summary is true.
func CheckMeetingTallies(ctx context.Context, db bun.IDB) ([]TallyMismatch, error) {
	type tally struct {
		MeetingID string `bun:"meeting_id"`
		Present   int    `bun:"present"`
		Excused   int    `bun:"excused"`
		Unexcused int    `bun:"unexcused"`
		Recorded  int    `bun:"recorded"`
	}
	var stored, fresh []tally
	if err := db.NewSelect().TableExpr("meeting_tallies").Column("meeting_id", "present", "excused", "unexcused", "recorded").
		Where("recorded <> 0 OR present <> 0 OR excused <> 0 OR unexcused <> 0").Scan(ctx, &stored); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if err := db.NewSelect().TableExpr("attendance").ColumnExpr("meeting_id").
		ColumnExpr("SUM(CASE WHEN status = 'present' THEN 1 ELSE 0 END) AS present").
		ColumnExpr("SUM(CASE WHEN status = 'excused' THEN 1 ELSE 0 END) AS excused").
		ColumnExpr("SUM(CASE WHEN status = 'unexcused' THEN 1 ELSE 0 END) AS unexcused").
		ColumnExpr("COUNT(*) AS recorded").
		Where("deleted_at IS NULL").GroupExpr("meeting_id").Scan(ctx, &fresh); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	vals := func(t tally) [4]int { return [4]int{t.Present, t.Excused, t.Unexcused, t.Recorded} }
	got := map[string][4]int{}
	for _, t := range stored {
		got[t.MeetingID] = vals(t)
	}
	var out []TallyMismatch
	for _, t := range fresh {
		if got[t.MeetingID] != vals(t) {
			out = append(out, TallyMismatch{MeetingID: t.MeetingID, Stored: got[t.MeetingID], Recomputed: vals(t)})
		}
		delete(got, t.MeetingID)
	}
	for id, v := range got {
		out = append(out, TallyMismatch{MeetingID: id, Stored: v})
	}
	return out, nil
}
