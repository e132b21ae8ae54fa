package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// checkOverlap refuses a second live assignment of one official to one cell over overlapping periods.
func checkOverlap(ctx context.Context, db bun.IDB, a *Assignment) error {
	q := db.NewSelect().Model((*Assignment)(nil)).ColumnExpr("a.id").
		Where("a.official_id = ? AND a.cell_id = ? AND a.status = ?", a.OfficialID, a.CellID, domain.AssignmentActive).
		Where("a.id <> ?", a.ID).
		Where("a.ends_on IS NULL OR a.ends_on >= ?", a.StartsOn)
	if !a.EndsOn.IsZero() {
		q = q.Where("a.starts_on <= ?", a.EndsOn)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		var names struct {
			User string `bun:"u"`
			Cell string `bun:"c"`
		}
		_ = db.NewRaw(`SELECT (SELECT display_name FROM users WHERE id = ?) AS u, (SELECT name FROM org_units WHERE id = ?) AS c`,
			a.OfficialID, a.CellID).Scan(ctx, &names)
		return domain.E(domain.CodeConflict, "error.assignment_overlap", "name", names.User, "cell", names.Cell)
	}
	return nil
}

// CreateAssignment inserts a, checking its official, cell, period and that it does not repeat a live one.
func CreateAssignment(ctx context.Context, db bun.IDB, a *Assignment) (*AssignmentView, error) {
	if err := a.Normalize(); err != nil {
		return nil, err
	}
	cell, err := checkAssignedUnit(ctx, db, a)
	if err != nil {
		return nil, err
	}
	var u User
	if err := db.NewSelect().Model(&u).Column("id", "display_name", "active").Where("id = ?", a.OfficialID).Scan(ctx); err != nil {
		return nil, domain.Invalid("official_ids", "error.not_found", "what", "@what.user")
	}
	if !u.Active {
		return nil, domain.Invalid("official_ids", "error.not_official", "name", u.DisplayName)
	}
	a.Status = domain.AssignmentActive
	if a.ID == "" {
		a.ID = domain.NewID()
	}
	if err := checkOverlap(ctx, db, a); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, a); err != nil {
		return nil, err
	}
	if err := Audit(ctx, db, "create", "assignment", a.ID, &a.CellID, nil, a); err != nil {
		return nil, err
	}
	return &AssignmentView{Assignment: *a, OfficialName: u.DisplayName, CellName: cell.Name, CellPath: cell.Path}, nil
}

// UpdateAssignment writes the changed assignment a (period, frequency, note), as read in before.
func UpdateAssignment(ctx context.Context, db bun.IDB, before *AssignmentView, a *Assignment) error {
	if before.Status != domain.AssignmentActive {
		return domain.E(domain.CodeConflict, "error.assignment_ended")
	}
	if err := a.Normalize(); err != nil {
		return err
	}
	if err := checkOverlap(ctx, db, a); err != nil {
		return err
	}
	if err := Update(ctx, db, &before.Assignment, a); err != nil {
		return err
	}
	return Audit(ctx, db, "update", "assignment", a.ID, &a.CellID, &before.Assignment, a)
}

// EndAssignment ends an active assignment on day (today when zero): at once if the day has come, otherwise it
// stays active until then.
func EndAssignment(ctx context.Context, db bun.IDB, before *AssignmentView, day, today domain.Date) (*Assignment, error) {
	if before.Status != domain.AssignmentActive {
		return nil, domain.E(domain.CodeConflict, "error.assignment_ended")
	}
	if day.IsZero() {
		day = today
	}
	if day.Before(before.StartsOn) {
		return nil, domain.Invalid("ends_on", "error.ends_before_start")
	}
	a := before.Assignment
	a.EndsOn = day
	if !today.Before(day) {
		a.Status = domain.AssignmentEnded
	}
	if err := Update(ctx, db, &before.Assignment, &a); err != nil {
		return nil, err
	}
	return &a, Audit(ctx, db, "end", "assignment", a.ID, &a.CellID, &before.Assignment, &a)
}

// CancelAssignment cancels an assignment made in error or no longer wanted.
func CancelAssignment(ctx context.Context, db bun.IDB, before *AssignmentView) (*Assignment, error) {
	if before.Status == domain.AssignmentCancelled {
		return nil, domain.E(domain.CodeConflict, "error.assignment_ended")
	}
	a := before.Assignment
	a.Status = domain.AssignmentCancelled
	if err := Update(ctx, db, &before.Assignment, &a); err != nil {
		return nil, err
	}
	return &a, Audit(ctx, db, "cancel", "assignment", a.ID, &a.CellID, &before.Assignment, &a)
}

// AcknowledgeAssignment records that the official has seen the assignment (once; later calls keep the first time).
func AcknowledgeAssignment(ctx context.Context, db bun.IDB, before *AssignmentView, at time.Time) (*Assignment, error) {
	a := before.Assignment
	if a.AcknowledgedAt != nil {
		return &a, nil
	}
	at = at.UTC()
	a.AcknowledgedAt = &at
	if err := Update(ctx, db, &before.Assignment, &a); err != nil {
		return nil, err
	}
	return &a, Audit(ctx, db, "acknowledge", "assignment", a.ID, &a.CellID, &before.Assignment, &a)
}

// EndDueAssignments marks ended the active assignments whose end day has passed (the planner runs it), audited
// without an actor: at most limit of them (0: all), oldest end first, reporting whether more may be left. Ended
// assignments no longer match, so calling it again goes on where it stopped.
func EndDueAssignments(ctx context.Context, db bun.IDB, today domain.Date, limit int) (int, bool, error) {
	var due []Assignment
	q := db.NewSelect().Model(&due).Where("status = ? AND ends_on IS NOT NULL AND ends_on < ?", domain.AssignmentActive, today).
		OrderExpr("ends_on, id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, false, domain.Internal(err)
	}
	for i := range due {
		before := due[i]
		a := due[i]
		a.Status = domain.AssignmentEnded
		if err := Update(ctx, db, &before, &a); err != nil {
			return i, false, err
		}
		if err := Audit(ctx, db, "end", "assignment", a.ID, &a.CellID, &before, &a); err != nil {
			return i, false, err
		}
	}
	return len(due), limit > 0 && len(due) == limit, nil
}

// CellSuggestion is a cell worth assigning someone to, and why.
type CellSuggestion struct {
	CellID   string `bun:"cell_id" json:"cell_id"`
	CellName string `bun:"cell_name" json:"cell_name"`
	Parent   string `bun:"parent_name" json:"parent_name"`
	CellPath string `bun:"cell_path" json:"-"`
	// LastVisit is the date of the last meeting an official reported on (zero: none on record).
	LastVisit domain.Date `bun:"last_visit" json:"last_visit"`
	// Unvisited: no official's report in the last 12 months.
	Unvisited bool `json:"unvisited"`
	// Weak: last year's rating was the lowest (or a visit graded Kém).
	Weak       bool   `json:"weak"`
	WeakReason string `json:"weak_reason,omitempty"`
	// OverdueRecs counts open recommendations past their due date.
	OverdueRecs int `bun:"overdue_recs" json:"overdue_recs"`
	// Assigned counts the officials assigned now.
	Assigned int `bun:"assigned" json:"assigned"`
	Score    int `json:"score"`
}

// SuggestCells lists the cells under roots that most need a visit: unvisited for 12 months, rated weak last year,
// with overdue recommendations; the neediest first. Cells that need nothing are left out.
func SuggestCells(ctx context.Context, db bun.IDB, roots []string, today domain.Date) ([]CellSuggestion, error) {
	yearAgo := today.AddMonths(-12)
	var rows []CellSuggestion
	// The last visit walks the cell's meetings from the newest up to today (a report begun on a meeting still to come
	// is no visit) and stops at the first with a report (one or two index probes a cell, where a MAX read them all);
	// the open overdue recommendations and the assignments in force are counted below in one grouped read each over
	// the subtree.
	q := db.NewSelect().TableExpr("org_units AS ou").
		ColumnExpr("ou.id AS cell_id, ou.name AS cell_name, ou.path AS cell_path, COALESCE(p.name, '') AS parent_name").
		ColumnExpr(`(SELECT m.meeting_date FROM meetings AS m WHERE m.cell_id = ou.id AND m.deleted_at IS NULL
			AND m.meeting_date <= ?
			AND EXISTS (SELECT 1 FROM visit_reports AS vr WHERE vr.meeting_id = m.id AND vr.deleted_at IS NULL)
			ORDER BY m.meeting_date DESC LIMIT 1) AS last_visit`, today).
		Join("LEFT JOIN org_units AS p ON p.id = ou.parent_id").
		Where("ou.kind = ? AND ou.deleted_at IS NULL", domain.KindCell).
		Where("ou.closed_on IS NULL OR ou.closed_on >= ?", today)
	q = inSubtrees(q, "ou.path", roots)
	if err := q.OrderExpr("ou.path").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	overdue, err := countByCell(ctx, inSubtrees(db.NewSelect().TableExpr("recommendations AS r").
		Join("JOIN org_units AS ou ON ou.id = r.cell_id").
		Where("r.status IN ('new', 'forwarded', 'sent_back') AND r.due_on < ? AND r.deleted_at IS NULL", today),
		"ou.path", roots), "r.cell_id")
	if err != nil {
		return nil, err
	}
	assigned, err := countByCell(ctx, inSubtrees(db.NewSelect().TableExpr("assignments AS a").
		Join("JOIN org_units AS ou ON ou.id = a.cell_id").
		Where("a.deleted_at IS NULL AND a.status = 'active' AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", today, today),
		"ou.path", roots), "a.cell_id")
	if err != nil {
		return nil, err
	}
	weak, err := weakCells(ctx, db, roots, today.Year()-1)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		r.OverdueRecs, r.Assigned = overdue[r.CellID], assigned[r.CellID]
		r.Unvisited = r.LastVisit.IsZero() || r.LastVisit.Before(yearAgo)
		r.WeakReason, r.Weak = weak[r.CellID]
		r.Score = r.OverdueRecs
		if r.Unvisited {
			r.Score += 10
		}
		if r.Weak {
			r.Score += 8
		}
		if r.Assigned == 0 {
			r.Score += 3
		}
		if r.Unvisited || r.Weak || r.OverdueRecs > 0 {
			out = append(out, r)
		}
	}
	// Neediest first; equal needs in tree order.
	slices.SortStableFunc(out, func(a, b CellSuggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.CellPath, b.CellPath))
	})
	return out, nil
}

// countByCell runs q grouped by its cell column and returns the count of rows per cell.
func countByCell(ctx context.Context, q *bun.SelectQuery, cellCol string) (map[string]int, error) {
	var rows []struct {
		CellID string `bun:"cell_id"`
		N      int    `bun:"n"`
	}
	err := q.ColumnExpr("? AS cell_id, COUNT(*) AS n", bun.Safe(cellCol)).GroupExpr(cellCol).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.CellID] = r.N
	}
	return out, nil
}

// weakCells returns the cells rated weak (the lowest label) for year, or whose visits that year were graded Kém,
// with the reason ("rating" or "grade").
func weakCells(ctx context.Context, db bun.IDB, roots []string, year int) (map[string]string, error) {
	out := map[string]string{}
	var rated []string
	q := db.NewSelect().TableExpr("annual_ratings AS ar").ColumnExpr("ar.org_unit_id").
		Join("JOIN rating_labels AS rl ON rl.id = ar.label_id").
		Join("JOIN org_units AS ou ON ou.id = ar.org_unit_id").
		Where("ar.year = ? AND rl.weak AND ar.deleted_at IS NULL", year)
	q = inSubtrees(q, "ou.path", roots)
	if err := q.Scan(ctx, &rated); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, id := range rated {
		out[id] = "rating"
	}
	var graded []string
	from, to := domain.NewDate(year, 1, 1), domain.NewDate(year+1, 1, 1)
	q = db.NewSelect().TableExpr("visit_reports AS vr").ColumnExpr("DISTINCT m.cell_id").
		Join("JOIN meetings AS m ON m.id = vr.meeting_id").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id").
		Where("vr.grade = 'kem' AND vr.deleted_at IS NULL AND m.meeting_date >= ? AND m.meeting_date < ?", from, to)
	q = inSubtrees(q, "ou.path", roots)
	if err := q.Scan(ctx, &graded); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, id := range graded {
		if _, ok := out[id]; !ok {
			out[id] = "grade"
		}
	}
	return out, nil
}

// OfficialLoad is an official's current workload.
type OfficialLoad struct {
	UserID      string `bun:"user_id" json:"user_id"`
	DisplayName string `bun:"display_name" json:"display_name"`
	Title       string `bun:"title" json:"title"`
	// Cells is how many cells the official is assigned to now; Monthly how many of them every month.
	Cells   int `bun:"cells" json:"cells"`
	Monthly int `bun:"monthly" json:"monthly"`
	// VisitsThisYear counts the visit reports of this year; ExpectedThisYear what the assignments ask for.
	VisitsThisYear   int `bun:"visits" json:"visits_this_year"`
	ExpectedThisYear int `json:"expected_this_year"`
}

// OfficialLoads lists the officials with an official grant under roots, or assigned to a cell under roots, with
// their load; the least loaded first.
func OfficialLoads(ctx context.Context, db bun.IDB, roots []string, today domain.Date) ([]OfficialLoad, error) {
	yearStart := domain.NewDate(today.Year(), 1, 1)
	var rows []OfficialLoad
	sub := db.NewSelect().TableExpr("role_grants AS g").ColumnExpr("g.user_id").
		Join("LEFT JOIN org_units AS gou ON gou.id = g.org_unit_id").
		Where("g.role = ? AND g.deleted_at IS NULL", domain.RoleOfficial).Where(grantInForce, today, today)
	sub = inSubtrees(sub, "COALESCE(gou.path, '/')", roots)
	q := db.NewSelect().TableExpr("users AS u").
		ColumnExpr("u.id AS user_id, u.display_name, u.title").
		ColumnExpr(`(SELECT COUNT(*) FROM assignments AS a WHERE a.official_id = u.id AND a.deleted_at IS NULL AND a.form = 'cell'
			AND a.status = 'active' AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)) AS cells`, today, today).
		ColumnExpr(`(SELECT COUNT(*) FROM assignments AS a WHERE a.official_id = u.id AND a.deleted_at IS NULL AND a.form = 'cell'
			AND a.status = 'active' AND a.frequency = 'monthly' AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)) AS monthly`, today, today).
		ColumnExpr(`(SELECT COUNT(*) FROM visit_reports AS vr JOIN meetings AS m ON m.id = vr.meeting_id
			WHERE vr.official_id = u.id AND vr.deleted_at IS NULL AND m.meeting_date >= ? AND m.meeting_date <= ?) AS visits`, yearStart, today).
		Where("u.deleted_at IS NULL AND u.active").
		Where("u.id IN (?)", sub)
	if err := q.OrderExpr("u.name_fold, u.id").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	// What the assignments ask for this year: 12 a year prorated for monthly, visits_per_year otherwise.
	var asg []Assignment
	if err := db.NewSelect().Model(&asg).Where("status = ? AND form = ?", domain.AssignmentActive, domain.FormCell).
		Where("starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?)", today, today).Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	expected := map[string]int{}
	for _, a := range asg {
		expected[a.OfficialID] += a.VisitsPerYear
	}
	for i := range rows {
		rows[i].ExpectedThisYear = expected[rows[i].UserID]
	}
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Cells < rows[j-1].Cells; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	return rows, nil
}
