package store

// Annual ratings of cells (xếp loại chất lượng hằng năm, Quy định 366-QĐ/TW from 2025, the older labels before):
// one rating per cell and year, entered one by one or imported from a file. Ratings are synced rows (the cell's
// unit bucket), written through the change log and audited. The assignment suggestions read them ("rated weak
// last year", weakCells) and coverage shows each cell's latest.

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// MinRatingYear is the first year a rating may be entered for.
const MinRatingYear = 2000

// CellRating is a cell's rating of a year, with its label.
type CellRating struct {
	Year      int    `json:"year"`
	LabelID   string `json:"label_id"`
	LabelCode string `json:"label_code"`
	Scheme    string `json:"scheme"`
	NameVI    string `json:"name_vi"`
	NameEN    string `json:"name_en"`
	Weak      bool   `json:"weak"`
}

// RatingRow is a cell of a unit with its rating of a year (nil: not rated).
type RatingRow struct {
	CellID   string      `bun:"cell_id" json:"cell_id"`
	CellName string      `bun:"cell_name" json:"cell_name"`
	CellCode string      `bun:"cell_code" json:"cell_code"`
	Parent   string      `bun:"parent_name" json:"parent_name"`
	NameFold string      `bun:"name_fold" json:"-"`
	Rating   *CellRating `bun:"-" json:"rating"`
}

// LabelsForYear returns the rating labels a province gives for a year: its own (else the defaults), active or
// retired after the year began, valid on some day of the year; in scheme and display order.
func LabelsForYear(ctx context.Context, db bun.IDB, provinceID string, year int) ([]RatingLabel, error) {
	all, _, err := provinceLabels(ctx, db, provinceID)
	if err != nil {
		return nil, err
	}
	first, last := domain.NewDate(year, 1, 1), domain.NewDate(year, 12, 31)
	out := []RatingLabel{}
	for _, l := range all {
		if !l.Active && l.ValidTo.IsZero() {
			continue
		}
		if (!l.ValidFrom.IsZero() && l.ValidFrom.After(last)) || (!l.ValidTo.IsZero() && l.ValidTo.Before(first)) {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// checkYear refuses a year before MinRatingYear or after the current one.
func checkYear(year int, today domain.Date) error {
	if year < MinRatingYear || year > today.Year() {
		return domain.Invalid("year", "rating.bad_year", "min", itoa(MinRatingYear), "max", itoa(today.Year()))
	}
	return nil
}

// RatingOf returns a unit's rating of a year, or nil.
func RatingOf(ctx context.Context, db bun.IDB, unitID string, year int) (*CellRating, error) {
	m, err := ratingsOf(ctx, db, []string{unitID}, year, false)
	if err != nil {
		return nil, err
	}
	return m[unitID], nil
}

// LatestRatings returns each unit's latest rating up to year (inclusive).
func LatestRatings(ctx context.Context, db bun.IDB, unitIDs []string, year int) (map[string]*CellRating, error) {
	return ratingsOf(ctx, db, unitIDs, year, true)
}

// ratingsOf reads the ratings of units for a year, or (latest) their latest up to it.
func ratingsOf(ctx context.Context, db bun.IDB, unitIDs []string, year int, latest bool) (map[string]*CellRating, error) {
	out := map[string]*CellRating{}
	if len(unitIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		OrgUnitID string `bun:"org_unit_id"`
		Year      int    `bun:"year"`
		LabelID   string `bun:"label_id"`
		Code      string `bun:"code"`
		Scheme    string `bun:"scheme"`
		NameVI    string `bun:"name_vi"`
		NameEN    string `bun:"name_en"`
		Weak      bool   `bun:"weak"`
	}
	for start := 0; start < len(unitIDs); start += 500 {
		ids := unitIDs[start:min(start+500, len(unitIDs))]
		q := db.NewSelect().TableExpr("annual_ratings AS ar").
			ColumnExpr("ar.org_unit_id, ar.year, ar.label_id, rl.code, rl.scheme, rl.name_vi, rl.name_en, rl.weak").
			Join("JOIN rating_labels AS rl ON rl.id = ar.label_id").
			Where("ar.deleted_at IS NULL AND ar.org_unit_id IN (?)", bun.List(ids))
		if latest {
			q = q.Where("ar.year <= ?", year)
		} else {
			q = q.Where("ar.year = ?", year)
		}
		var part = rows[:0:0]
		if err := q.Scan(ctx, &part); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		rows = append(rows, part...)
	}
	for _, r := range rows {
		if have := out[r.OrgUnitID]; have != nil && have.Year >= r.Year {
			continue
		}
		out[r.OrgUnitID] = &CellRating{Year: r.Year, LabelID: r.LabelID, LabelCode: r.Code, Scheme: r.Scheme,
			NameVI: r.NameVI, NameEN: r.NameEN, Weak: r.Weak}
	}
	return out, nil
}

// Rating outcomes of PutRating and of an import's rows.
const (
	RatingCreate    = "create"
	RatingUpdate    = "update"
	RatingUnchanged = "unchanged"
	RatingError     = "error"
)

// PutRating sets a cell's rating of a year to labelID (one of LabelsForYear), creating or changing it, and
// reports which; an unchanged rating writes nothing.
func PutRating(ctx context.Context, db bun.IDB, cell *OrgUnit, year int, labelID string, today domain.Date) (string, error) {
	if err := checkYear(year, today); err != nil {
		return "", err
	}
	if cell.Kind != domain.KindCell {
		return "", domain.Invalid("org_unit_id", "rating.not_cell")
	}
	labels, err := LabelsForYear(ctx, db, ProvinceOf(cell), year)
	if err != nil {
		return "", err
	}
	ok := false
	for _, l := range labels {
		ok = ok || l.ID == labelID
	}
	if !ok {
		return "", domain.Invalid("label_id", "rating.bad_label_id", "year", itoa(year), "accepted", labelNames(labels))
	}
	return putRating(ctx, db, cell, year, labelID)
}

func putRating(ctx context.Context, db bun.IDB, cell *OrgUnit, year int, labelID string) (string, error) {
	var have []AnnualRating
	if err := db.NewSelect().Model(&have).Where("ar.org_unit_id = ? AND ar.year = ?", cell.ID, year).Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return "", domain.Internal(err)
	}
	if len(have) > 0 {
		before := have[0]
		if before.LabelID == labelID {
			return RatingUnchanged, nil
		}
		r := before
		r.LabelID = labelID
		if err := Update(ctx, db, &before, &r); err != nil {
			return "", domain.Internal(err)
		}
		return RatingUpdate, Audit(ctx, db, "update", "annual_rating", r.ID, &cell.ID, &before, &r)
	}
	r := &AnnualRating{OrgUnitID: cell.ID, Year: year, LabelID: labelID}
	if err := Insert(ctx, db, r); err != nil {
		return "", uniqueOr(err, "@what.rating")
	}
	return RatingCreate, Audit(ctx, db, "create", "annual_rating", r.ID, &cell.ID, nil, r)
}

// DeleteRating removes a cell's rating of a year entered by mistake.
func DeleteRating(ctx context.Context, db bun.IDB, cell *OrgUnit, year int) error {
	var have []AnnualRating
	if err := db.NewSelect().Model(&have).Where("ar.org_unit_id = ? AND ar.year = ?", cell.ID, year).Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	if len(have) == 0 {
		return domain.NotFound("@what.rating")
	}
	r := have[0]
	before := r
	if err := SoftDelete(ctx, db, &r); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "delete", "annual_rating", r.ID, &cell.ID, &before, nil)
}

// labelNames lists labels' Vietnamese names for a message: “A”, “B”, “C”.
func labelNames(ls []RatingLabel) string {
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += ", "
		}
		s += "“" + l.NameVI + "”"
	}
	return s
}

// ratingCells lists the cells of unit's subtree open at some time in year, by name.
func ratingCellsQuery(db bun.IDB, unit *OrgUnit, year int) *bun.SelectQuery {
	first, last := domain.NewDate(year, 1, 1), domain.NewDate(year, 12, 31)
	return db.NewSelect().TableExpr("org_units AS ou").
		ColumnExpr("ou.id AS cell_id, ou.name AS cell_name, ou.code AS cell_code, ou.name_fold, COALESCE(p.name, '') AS parent_name").
		Join("LEFT JOIN org_units AS p ON p.id = ou.parent_id").
		Where("ou.kind = ? AND ou.deleted_at IS NULL", domain.KindCell).
		Where("ou.path >= ? AND ou.path < ?", unit.Path, domain.PathUpper(unit.Path)).
		Where("ou.opened_on IS NULL OR ou.opened_on <= ?", last).
		Where("ou.closed_on IS NULL OR ou.closed_on >= ?", first)
}

// ListRatings lists the cells of unit's subtree (open in year) with their rating of the year, by name, a page at
// a time.
func ListRatings(ctx context.Context, db bun.IDB, unit *OrgUnit, year int, p PageRequest) (Page[RatingRow], error) {
	q := ratingCellsQuery(db, unit, year)
	page, err := keysetPage(ctx, q, p, "ou.name_fold", "ou.id", func(r RatingRow) (string, string) { return r.NameFold, r.CellID })
	if err != nil {
		return page, err
	}
	ids := make([]string, len(page.Items))
	for i, r := range page.Items {
		ids[i] = r.CellID
	}
	rs, err := ratingsOf(ctx, db, ids, year, false)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		page.Items[i].Rating = rs[page.Items[i].CellID]
	}
	return page, nil
}

// RatingCells returns every cell of unit's subtree open in year, by name (for the template and the import).
func RatingCells(ctx context.Context, db bun.IDB, unit *OrgUnit, year int) ([]RatingRow, error) {
	var rows []RatingRow
	if err := ratingCellsQuery(db, unit, year).OrderExpr("ou.name_fold, ou.id").Scan(ctx, &rows); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.CellID
	}
	rs, err := ratingsOf(ctx, db, ids, year, false)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Rating = rs[rows[i].CellID]
	}
	return rows, nil
}

// RatingChange is one rating an import sets. Outcome is what its plan found (read in the same transaction): an
// unchanged rating is not read again, a new one is inserted without a look first.
type RatingChange struct {
	Cell    *OrgUnit
	LabelID string
	Outcome string
}

// ApplyRatings writes an import's ratings (all of them in the caller's transaction) and counts the outcomes.
func ApplyRatings(ctx context.Context, db bun.IDB, year int, changes []RatingChange) (map[string]int, error) {
	counts := map[string]int{RatingCreate: 0, RatingUpdate: 0, RatingUnchanged: 0}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Cell.ID < changes[j].Cell.ID })
	for _, c := range changes {
		switch c.Outcome {
		case RatingUnchanged:
			counts[RatingUnchanged]++
			continue
		case RatingCreate:
			r := &AnnualRating{OrgUnitID: c.Cell.ID, Year: year, LabelID: c.LabelID}
			if err := Insert(ctx, db, r); err != nil {
				return nil, uniqueOr(err, "@what.rating")
			}
			if err := Audit(ctx, db, "create", "annual_rating", r.ID, &c.Cell.ID, nil, r); err != nil {
				return nil, err
			}
			counts[RatingCreate]++
			continue
		}
		out, err := putRating(ctx, db, c.Cell, year, c.LabelID)
		if err != nil {
			return nil, err
		}
		counts[out]++
	}
	return counts, nil
}

// AttachRatings adds to a coverage report the latest rating (up to the report's last year) of the cell it is about
// and of each cell among its children.
func AttachRatings(ctx context.Context, db bun.IDB, rep *CoverageReport) error {
	var ids []string
	if rep.Unit.Kind == domain.KindCell {
		ids = append(ids, rep.Unit.ID)
	}
	for _, ch := range rep.Children {
		if ch.Unit.Kind == domain.KindCell {
			ids = append(ids, ch.Unit.ID)
		}
	}
	rs, err := LatestRatings(ctx, db, ids, rep.To.Year())
	if err != nil {
		return err
	}
	if rep.Unit.Kind == domain.KindCell {
		rep.Rating = rs[rep.Unit.ID]
	}
	for i := range rep.Children {
		rep.Children[i].Rating = rs[rep.Children[i].Unit.ID]
	}
	return nil
}
