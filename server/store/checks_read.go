package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

// ProofPosition is a cell's position as the proof of a meeting shows it.
type ProofPosition struct {
	Latitude  float64    `json:"latitude"`
	Longitude float64    `json:"longitude"`
	AccuracyM *int       `json:"accuracy_m"`
	SetAt     *time.Time `json:"set_at"`
	SetByName string     `json:"set_by_name"`
}

// ProofConfirmation is the cell secretary's word on a visiting official.
type ProofConfirmation struct {
	Status          domain.ConfirmStatus `json:"status"`
	Reason          string               `json:"reason"`
	ConfirmedByName string               `json:"confirmed_by_name"`
	ConfirmedAt     *time.Time           `json:"confirmed_at"`
}

// ProofVisit is one official's visit of a meeting and its cross-checks (see checks.go).
type ProofVisit struct {
	OfficialID   string     `json:"official_id"`
	OfficialName string     `json:"official_name"`
	CheckedInAt  *time.Time `json:"checked_in_at"`
	Latitude     *float64   `json:"latitude"`
	Longitude    *float64   `json:"longitude"`
	// DistanceM is the check-in's distance from the cell's position (null when either is unknown); WithinRadius
	// whether it is within the rule's radius (null likewise).
	DistanceM    *int               `json:"distance_m"`
	WithinRadius *bool              `json:"within_radius"`
	Confirmation *ProofConfirmation `json:"confirmation"`
	Clashes      []Clash            `json:"clashes"`
	Verified     bool               `json:"verified"`
}

// MeetingProof is what a supervisor sees of a meeting's proof of attendance: the interval the checks use (the
// minutes' times, else the planned ones), the cell's position and the rule's location settings, and each visit.
type MeetingProof struct {
	MeetingID        string         `json:"meeting_id"`
	CellID           string         `json:"cell_id"`
	CellName         string         `json:"cell_name"`
	StartsAt         time.Time      `json:"starts_at"`
	EndsAt           time.Time      `json:"ends_at"`
	CellPosition     *ProofPosition `json:"cell_position"`
	RadiusM          int            `json:"radius_m"`
	LocationRequired bool           `json:"location_required"`
	// Visits lists every official with a visit report of the meeting, then the officials assigned to the cell on
	// that day who have only a confirmation row (a dispute with no report), by name.
	Visits []ProofVisit `json:"visits"`
}

// MeetingInterval is the interval the checks use for a meeting of day d: starts..ends from the minutes, else the
// rule's planned time.
func MeetingInterval(rule domain.ScheduleRule, d domain.Date, starts, ends *time.Time) (time.Time, time.Time) {
	rule = rule.WithCheckDefaults()
	if starts == nil {
		return rule.PlannedInterval(d)
	}
	end := starts.Add(time.Duration(rule.MeetingMinutes) * time.Minute)
	if ends != nil && ends.After(*starts) {
		end = *ends
	}
	return *starts, end
}

// GetCellPosition returns a cell's live position, or nil.
func GetCellPosition(ctx context.Context, db bun.IDB, cellID string) (*CellPosition, error) {
	p := new(CellPosition)
	if err := db.NewSelect().Model(p).Where("cell_id = ?", cellID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, domain.Internal(err)
	}
	return p, nil
}

// userNames returns the display names of the users ids.
func userNames(ctx context.Context, db bun.IDB, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, chunk := range chunks(ids, 500) {
		var got []struct {
			ID   string `bun:"id"`
			Name string `bun:"display_name"`
		}
		if err := db.NewSelect().TableExpr("users").Column("id", "display_name").Where("id IN (?)", bun.List(chunk)).
			Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, g := range got {
			out[g.ID] = g.Name
		}
	}
	return out, nil
}

// ProofOf returns the proof of attendance of meeting m (the caller checked the scope).
func ProofOf(ctx context.Context, db bun.IDB, m *MeetingView) (*MeetingProof, error) {
	rules, err := RulesFor(ctx, db, []string{m.CellPath})
	if err != nil {
		return nil, err
	}
	rule := rules[m.CellPath].Rule.WithCheckDefaults()
	out := &MeetingProof{MeetingID: m.ID, CellID: m.CellID, CellName: m.CellName, RadiusM: rule.LocationRadiusM,
		LocationRequired: rule.LocationRequired, Visits: []ProofVisit{}}
	out.StartsAt, out.EndsAt = MeetingInterval(rule, m.MeetingDate, m.StartsAt, m.EndsAt)
	pos, err := GetCellPosition(ctx, db, m.CellID)
	if err != nil {
		return nil, err
	}
	var reports []VisitReport
	if err := db.NewSelect().Model(&reports).Where("meeting_id = ?", m.ID).OrderExpr("official_id").Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	var confs []VisitConfirmation
	if err := db.NewSelect().Model(&confs).Where("meeting_id = ?", m.ID).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	var assigned []string
	if err := db.NewSelect().Model((*Assignment)(nil)).Column("official_id").
		Where("cell_id = ? AND status <> ? AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?)", m.CellID,
			domain.AssignmentCancelled, m.MeetingDate, m.MeetingDate).Scan(ctx, &assigned); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	keys := make([]CheckKey, len(reports))
	ids := []string{}
	for i, r := range reports {
		keys[i] = CheckKey{r.OfficialID, m.MeetingDate}
		ids = append(ids, r.OfficialID)
	}
	var checked []*checkedVisit
	if len(keys) > 0 {
		if checked, err = loadVisits(ctx, db, keys); err != nil {
			return nil, err
		}
	}
	byOfficial := map[string]*checkedVisit{}
	for _, v := range checked {
		if v.MeetingID == m.ID {
			byOfficial[v.OfficialID] = v
		}
	}
	confOf := map[string]*VisitConfirmation{}
	for i := range confs {
		confOf[confs[i].OfficialID] = &confs[i]
		if c := confs[i].ConfirmedBy; c != nil {
			ids = append(ids, *c)
		}
	}
	if pos != nil && pos.SetBy != nil {
		ids = append(ids, *pos.SetBy)
	}
	isAssigned := map[string]bool{}
	for _, a := range assigned {
		isAssigned[a] = true
	}
	for _, c := range confs {
		if isAssigned[c.OfficialID] {
			ids = append(ids, c.OfficialID)
		}
	}
	names, err := userNames(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	if pos != nil {
		out.CellPosition = &ProofPosition{Latitude: pos.Latitude, Longitude: pos.Longitude, AccuracyM: pos.AccuracyM, SetAt: pos.SetAt}
		if pos.SetBy != nil {
			out.CellPosition.SetByName = names[*pos.SetBy]
		}
	}
	confirmation := func(official string) *ProofConfirmation {
		c := confOf[official]
		if c == nil {
			return nil
		}
		pc := &ProofConfirmation{Status: c.Status, Reason: c.Reason, ConfirmedAt: c.ConfirmedAt}
		if c.ConfirmedBy != nil {
			pc.ConfirmedByName = names[*c.ConfirmedBy]
		}
		return pc
	}
	seen := map[string]bool{}
	for _, r := range reports {
		seen[r.OfficialID] = true
		pv := ProofVisit{OfficialID: r.OfficialID, OfficialName: names[r.OfficialID], CheckedInAt: r.CheckedInAt,
			Latitude: r.Latitude, Longitude: r.Longitude, Confirmation: confirmation(r.OfficialID), Clashes: []Clash{}}
		if v := byOfficial[r.OfficialID]; v != nil {
			pv.DistanceM, pv.WithinRadius, pv.Verified = v.distance, v.within, v.verified
			if v.clashes != nil {
				pv.Clashes = v.clashes
			}
		} else { // a cancelled meeting: no visit to check
			pv.DistanceM, pv.WithinRadius = distanceFrom(r.Latitude, r.Longitude, pos, rule.LocationRadiusM)
		}
		out.Visits = append(out.Visits, pv)
	}
	var extra []ProofVisit
	for _, c := range confs {
		if seen[c.OfficialID] || !isAssigned[c.OfficialID] {
			continue
		}
		extra = append(extra, ProofVisit{OfficialID: c.OfficialID, OfficialName: names[c.OfficialID],
			Confirmation: confirmation(c.OfficialID), Clashes: []Clash{}})
	}
	sort.SliceStable(out.Visits, func(i, j int) bool { return out.Visits[i].OfficialName < out.Visits[j].OfficialName })
	sort.SliceStable(extra, func(i, j int) bool { return extra[i].OfficialName < extra[j].OfficialName })
	out.Visits = append(out.Visits, extra...)
	return out, nil
}

// SetCellPosition sets where a cell meets (the caller checked it may): the cell's position row, created or
// revived under wire.PositionID, through the change log so devices pull it, and audited.
func SetCellPosition(ctx context.Context, db bun.IDB, cell *OrgUnit, by string, lat, lon float64, accuracy *int) (*CellPosition, error) {
	if cell.Kind != domain.KindCell {
		return nil, domain.Invalid("cell_id", "org.not_cell")
	}
	now := Now()
	p := &CellPosition{CellID: cell.ID, Latitude: lat, Longitude: lon, AccuracyM: accuracy, SetBy: &by, SetAt: &now}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	id := wire.PositionID(cell.ID)
	cur := new(CellPosition)
	err := db.NewSelect().Model(cur).WhereAllWithDeleted().Where("id = ?", id).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p.ID = id
		if err := Insert(ctx, db, p); err != nil {
			return nil, uniqueOr(err, "@what.cell_position")
		}
		return p, Audit(ctx, db, "create", "cell_position", p.ID, &cell.ID, nil, p)
	case err != nil:
		return nil, domain.Internal(err)
	}
	row := Clone(cur).(*CellPosition)
	row.Latitude, row.Longitude, row.AccuracyM, row.SetBy, row.SetAt, row.DeletedAt = lat, lon, accuracy, &by, &now, nil
	if err := Update(ctx, db, cur, row); err != nil {
		return nil, err
	}
	return row, Audit(ctx, db, "update", "cell_position", row.ID, &cell.ID, cur, row)
}

// DeleteCellPosition removes a cell's position (the caller checked it may).
func DeleteCellPosition(ctx context.Context, db bun.IDB, cell *OrgUnit) error {
	cur := new(CellPosition)
	if err := db.NewSelect().Model(cur).Where("cell_id = ?", cell.ID).Scan(ctx); err != nil {
		return notFound(err, "@what.cell_position")
	}
	before := Clone(cur)
	if err := SoftDelete(ctx, db, cur); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "cell_position", cur.ID, &cell.ID, before, nil)
}

// AssignmentClash is another cell an official is assigned to that meets on the same planned day at an
// overlapping time.
type AssignmentClash struct {
	CellID       string `json:"cell_id"`
	CellName     string `json:"cell_name"`
	DayOfMonth   int    `json:"day_of_month"`
	MeetsAt      string `json:"meets_at"`
	AssignmentID string `json:"assignment_id"`
}

// AssignmentClashes lists the official's other live cell assignments overlapping from..to (zero: open) whose
// cells meet on the same planned day as cell at an overlapping time (their rules' day_of_month, meets_at and
// meeting_minutes), by cell name. Only cells readable returns true for are listed.
func AssignmentClashes(ctx context.Context, db bun.IDB, official string, cell *OrgUnit, from, to domain.Date,
	readable func(path string) bool) ([]AssignmentClash, error) {
	var rows []struct {
		ID       string `bun:"id"`
		CellID   string `bun:"cell_id"`
		CellName string `bun:"cell_name"`
		NameFold string `bun:"name_fold"`
		Path     string `bun:"path"`
	}
	q := db.NewSelect().TableExpr("assignments AS a").ColumnExpr("a.id, a.cell_id, ou.name AS cell_name, ou.name_fold, ou.path").
		Join("JOIN org_units AS ou ON ou.id = a.cell_id").
		Where("a.official_id = ? AND a.cell_id <> ? AND a.deleted_at IS NULL AND a.status <> ? AND a.form = ?",
			official, cell.ID, domain.AssignmentCancelled, domain.FormCell).
		Where("ou.deleted_at IS NULL")
	if !to.IsZero() {
		q = q.Where("a.starts_on <= ?", to)
	}
	if !from.IsZero() {
		q = q.Where("(a.ends_on IS NULL OR a.ends_on >= ?)", from)
	}
	if err := q.OrderExpr("ou.name_fold, a.id").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	paths := []string{cell.Path}
	for _, r := range rows {
		paths = append(paths, r.Path)
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return nil, err
	}
	mine := rules[cell.Path].Rule.WithCheckDefaults()
	span := func(r domain.ScheduleRule) (int, int) {
		s := r.MeetsAt.Hour*60 + r.MeetsAt.Minute
		return s, s + r.MeetingMinutes
	}
	s1, e1 := span(mine)
	out := []AssignmentClash{}
	for _, r := range rows {
		other := rules[r.Path].Rule.WithCheckDefaults()
		s2, e2 := span(other)
		if other.DayOfMonth != mine.DayOfMonth || s1 >= e2 || s2 >= e1 || !readable(r.Path) {
			continue
		}
		out = append(out, AssignmentClash{CellID: r.CellID, CellName: r.CellName, DayOfMonth: other.DayOfMonth,
			MeetsAt: other.MeetsAt.String(), AssignmentID: r.ID})
	}
	return out, nil
}
