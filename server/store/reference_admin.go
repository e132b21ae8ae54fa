package store

// Reference data administration (issue #11): a province's recommendation fields, rubric versions, minutes template
// versions and rating labels, with the days they are valid. Every write goes through the change log (Insert,
// Update, SoftDelete), so devices receive the province's reference data, and is audited.
//
// A province uses the defaults (province_id NULL) until it has rows of its own; its own rows then replace the
// defaults (Reference, and the app's fields() and weakLabel()). So the first change a province makes to its fields
// (or to its labels) first adopts the defaults: each default row is copied as the province's own, with the same
// code, and the province's recommendations (annual ratings) that named a default row are moved to its copy, so
// lists, statistics and ratings keep one row per field (label). Rubric and minutes template versions need no
// adoption: the version in force on a day is the province's latest valid that day, else the default's.

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// ReferenceAdmin is everything the reference data screen shows of a province: every field and label (retired ones
// too), every rubric and minutes template version, its own and the defaults it inherits. Inherited says the
// province has no fields (labels) of its own yet and shows the defaults.
type ReferenceAdmin struct {
	ProvinceID      string                `json:"province_id"`
	Today           domain.Date           `json:"today"`
	Fields          []RecommendationField `json:"fields"`
	FieldsInherited bool                  `json:"fields_inherited"`
	Rubrics         []*Rubric             `json:"rubrics"`
	RubricInForce   string                `json:"rubric_in_force"`
	Templates       []MinutesTemplate     `json:"minutes_templates"`
	TemplateInForce string                `json:"minutes_template_in_force"`
	Labels          []RatingLabel         `json:"rating_labels"`
	LabelsInherited bool                  `json:"rating_labels_inherited"`
	Schemes         []string              `json:"schemes"`
}

// ReferenceOf returns a province's reference data for administration.
func ReferenceOf(ctx context.Context, db bun.IDB, provinceID string, today domain.Date) (*ReferenceAdmin, error) {
	out := &ReferenceAdmin{ProvinceID: provinceID, Today: today}
	var err error
	if out.Fields, out.FieldsInherited, err = provinceFields(ctx, db, provinceID); err != nil {
		return nil, err
	}
	if out.Labels, out.LabelsInherited, err = provinceLabels(ctx, db, provinceID); err != nil {
		return nil, err
	}
	seen := map[string]bool{"qd366_2025": true, "legacy": true}
	for _, l := range out.Labels {
		seen[l.Scheme] = true
	}
	for s := range seen {
		out.Schemes = append(out.Schemes, s)
	}
	sort.Strings(out.Schemes)
	out.Rubrics = []*Rubric{}
	if err := db.NewSelect().Model(&out.Rubrics).
		Relation("Criteria", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("rc.sort_order") }).
		Where("rb.province_id = ? OR rb.province_id IS NULL", provinceID).
		OrderExpr("rb.province_id IS NULL, rb.valid_from DESC").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if r, err := RubricOn(ctx, db, provinceID, today); err != nil {
		return nil, err
	} else if r != nil {
		out.RubricInForce = r.ID
	}
	out.Templates = []MinutesTemplate{}
	if err := db.NewSelect().Model(&out.Templates).
		Where("mtp.province_id = ? OR mtp.province_id IS NULL", provinceID).
		OrderExpr("mtp.province_id IS NULL, mtp.valid_from DESC").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if t, _, err := MinutesTemplateOn(ctx, db, provinceID, today); err != nil {
		return nil, err
	} else if t != nil {
		out.TemplateInForce = t.ID
	}
	return out, nil
}

// provinceFields returns the province's own fields, or the defaults when it has none (inherited).
func provinceFields(ctx context.Context, db bun.IDB, provinceID string) ([]RecommendationField, bool, error) {
	var own []RecommendationField
	if err := db.NewSelect().Model(&own).Where("rf.province_id = ?", provinceID).
		OrderExpr("rf.sort_order, rf.code").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, domain.Internal(err)
	}
	if len(own) > 0 {
		return own, false, nil
	}
	var def []RecommendationField
	if err := db.NewSelect().Model(&def).Where("rf.province_id IS NULL").
		OrderExpr("rf.sort_order, rf.code").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, domain.Internal(err)
	}
	if def == nil {
		def = []RecommendationField{}
	}
	return def, true, nil
}

// provinceLabels returns the province's own rating labels, or the defaults when it has none (inherited).
func provinceLabels(ctx context.Context, db bun.IDB, provinceID string) ([]RatingLabel, bool, error) {
	var own []RatingLabel
	if err := db.NewSelect().Model(&own).Where("rl.province_id = ?", provinceID).
		OrderExpr("rl.scheme, rl.sort_order, rl.code").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, domain.Internal(err)
	}
	if len(own) > 0 {
		return own, false, nil
	}
	var def []RatingLabel
	if err := db.NewSelect().Model(&def).Where("rl.province_id IS NULL").
		OrderExpr("rl.scheme, rl.sort_order, rl.code").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, domain.Internal(err)
	}
	if def == nil {
		def = []RatingLabel{}
	}
	return def, true, nil
}

// codeRE is the shape of a reference code: lower-case ASCII words joined by underscores.
var codeRE = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)

// codeOf makes a code from a Vietnamese name: "Giao thông, thủy lợi" → "giao_thong_thuy_loi".
func codeOf(name string) string {
	s := domain.ASCIIWords(name, '_')
	if len(s) > 60 {
		s = strings.TrimSuffix(s[:60], "_")
	}
	return s
}

// checkValidity checks a validity span: from (if set) not after to (if set), both within the accepted years.
func checkValidity(from, to domain.Date) error {
	if !from.IsZero() && !from.InRange() {
		return badValue("valid_from")
	}
	if !to.IsZero() && !to.InRange() {
		return badValue("valid_to")
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return domain.Invalid("valid_to", "ref.valid_order")
	}
	return nil
}

// FieldInput creates or changes a recommendation field. Active false retires it (ValidTo: the last day in use,
// today by default); true brings it back.
type FieldInput struct {
	Code      *string      `json:"code,omitempty"`
	NameVI    *string      `json:"name_vi,omitempty"`
	NameEN    *string      `json:"name_en,omitempty"`
	SortOrder *int         `json:"sort_order,omitempty"`
	Active    *bool        `json:"active,omitempty"`
	ValidFrom *domain.Date `json:"valid_from,omitempty"`
	ValidTo   *domain.Date `json:"valid_to,omitempty"`
}

// adoptFields copies the default fields as the province's own if it has none, and moves the province's
// recommendations from each default field to its copy. It returns the copies by default id.
func adoptFields(ctx context.Context, db bun.IDB, province *OrgUnit) (map[string]*RecommendationField, error) {
	fields, inherited, err := provinceFields(ctx, db, province.ID)
	if err != nil || !inherited {
		return nil, err
	}
	copies := map[string]*RecommendationField{}
	var ids []string
	for i := range fields {
		d := fields[i]
		c := d
		c.Base = Base{}
		c.ProvinceID = &province.ID
		if err := Insert(ctx, db, &c); err != nil {
			return nil, domain.Internal(err)
		}
		copies[d.ID] = &c
		ids = append(ids, d.ID)
	}
	if len(ids) > 0 {
		var recs []Recommendation
		if err := db.NewSelect().Model(&recs).Join("JOIN org_units AS ou ON ou.id = r.cell_id").
			Where("ou.path >= ? AND ou.path < ?", province.Path, domain.PathUpper(province.Path)).
			Where("r.field_id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for i := range recs {
			before := recs[i]
			r := recs[i]
			r.FieldID = &copies[*before.FieldID].ID
			if err := Update(ctx, db, &before, &r); err != nil {
				return nil, domain.Internal(err)
			}
		}
	}
	if err := Audit(ctx, db, "adopt_defaults", "recommendation_field", province.ID, &province.ID, nil,
		map[string]int{"fields": len(ids)}); err != nil {
		return nil, err
	}
	return copies, nil
}

// CreateField adds a recommendation field to a province.
func CreateField(ctx context.Context, db bun.IDB, province *OrgUnit, in FieldInput, today domain.Date) (*RecommendationField, error) {
	if _, err := adoptFields(ctx, db, province); err != nil {
		return nil, err
	}
	f := &RecommendationField{ProvinceID: &province.ID, Active: true, ValidFrom: today}
	if in.SortOrder == nil {
		var maxSort sql.NullInt64
		if err := db.NewSelect().Model((*RecommendationField)(nil)).ColumnExpr("MAX(rf.sort_order)").
			Where("rf.province_id = ?", province.ID).Scan(ctx, &maxSort); err != nil {
			return nil, domain.Internal(err)
		}
		f.SortOrder = int(maxSort.Int64) + 10
	}
	if err := applyField(f, in, today); err != nil {
		return nil, err
	}
	if f.Code == "" {
		f.Code = codeOf(f.NameVI)
	}
	if err := checkFieldCode(ctx, db, province.ID, f); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, f); err != nil {
		return nil, uniqueOr(err, "@what.ref_code")
	}
	return f, Audit(ctx, db, "create", "recommendation_field", f.ID, &province.ID, nil, f)
}

// UpdateField renames, reorders, retires or restores a province's field (a default one is adopted first).
func UpdateField(ctx context.Context, db bun.IDB, province *OrgUnit, id string, in FieldInput, today domain.Date) (*RecommendationField, error) {
	copies, err := adoptFields(ctx, db, province)
	if err != nil {
		return nil, err
	}
	if c, ok := copies[id]; ok {
		id = c.ID
	} else if id, err = ownCopy(ctx, db, "recommendation_fields", province.ID, id); err != nil {
		return nil, err
	}
	before := new(RecommendationField)
	if err := db.NewSelect().Model(before).Where("rf.id = ? AND rf.province_id = ?", id, province.ID).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.field")
	}
	f := *before
	if err := applyField(&f, in, today); err != nil {
		return nil, err
	}
	if err := checkFieldCode(ctx, db, province.ID, &f); err != nil {
		return nil, err
	}
	if err := Update(ctx, db, before, &f); err != nil {
		return nil, uniqueOr(err, "@what.ref_code")
	}
	return &f, Audit(ctx, db, "update", "recommendation_field", f.ID, &province.ID, before, &f)
}

func applyField(f *RecommendationField, in FieldInput, today domain.Date) error {
	if in.Code != nil {
		f.Code = strings.TrimSpace(*in.Code)
	}
	if in.NameVI != nil {
		f.NameVI = domain.CleanText(*in.NameVI)
	}
	if in.NameEN != nil {
		f.NameEN = domain.CleanText(*in.NameEN)
	}
	if in.SortOrder != nil {
		f.SortOrder = *in.SortOrder
	}
	if in.ValidFrom != nil {
		f.ValidFrom = *in.ValidFrom
	}
	if in.ValidTo != nil {
		f.ValidTo = *in.ValidTo
	}
	if in.Active != nil && *in.Active != f.Active {
		f.Active = *in.Active
		if f.Active {
			f.ValidTo = domain.Date{}
		} else if in.ValidTo == nil || in.ValidTo.IsZero() {
			f.ValidTo = today
		}
	}
	if f.NameVI == "" {
		return domain.Invalid("name_vi", "error.required", "field", "name_vi")
	}
	if !f.ValidTo.IsZero() && f.Active {
		return domain.Invalid("valid_to", "ref.retire_active")
	}
	if !f.ValidTo.IsZero() && f.ValidTo.After(today) {
		// Devices show the fields marked active; a retirement takes effect the day it is made, never later.
		return domain.Invalid("valid_to", "ref.retire_future")
	}
	if err := checkValidity(f.ValidFrom, f.ValidTo); err != nil {
		return err
	}
	return checkLens(lenRule{"name_vi", f.NameVI, 200}, lenRule{"name_en", f.NameEN, 200})
}

// checkFieldCode checks the code's shape and that no other field of the province has it.
func checkFieldCode(ctx context.Context, db bun.IDB, provinceID string, f *RecommendationField) error {
	if !codeRE.MatchString(f.Code) || len(f.Code) > 60 {
		return domain.Invalid("code", "ref.bad_code")
	}
	q := db.NewSelect().Model((*RecommendationField)(nil)).Where("rf.province_id = ? AND rf.code = ?", provinceID, f.Code)
	if f.ID != "" {
		q = q.Where("rf.id <> ?", f.ID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		return conflictOn("code", "ref.code_taken", "code", f.Code)
	}
	return nil
}

// LabelInput creates or changes a rating label of a scheme. Active false retires it.
type LabelInput struct {
	Scheme    *string      `json:"scheme,omitempty"`
	Code      *string      `json:"code,omitempty"`
	NameVI    *string      `json:"name_vi,omitempty"`
	NameEN    *string      `json:"name_en,omitempty"`
	MinScore  *int         `json:"min_score,omitempty"`
	Weak      *bool        `json:"weak,omitempty"`
	SortOrder *int         `json:"sort_order,omitempty"`
	Active    *bool        `json:"active,omitempty"`
	ValidFrom *domain.Date `json:"valid_from,omitempty"`
	ValidTo   *domain.Date `json:"valid_to,omitempty"`
}

// adoptLabels copies the default labels as the province's own if it has none, and moves the province's annual
// ratings from each default label to its copy.
func adoptLabels(ctx context.Context, db bun.IDB, province *OrgUnit) (map[string]*RatingLabel, error) {
	labels, inherited, err := provinceLabels(ctx, db, province.ID)
	if err != nil || !inherited {
		return nil, err
	}
	copies := map[string]*RatingLabel{}
	var ids []string
	for i := range labels {
		d := labels[i]
		c := d
		c.Base = Base{}
		c.ProvinceID = &province.ID
		if err := Insert(ctx, db, &c); err != nil {
			return nil, domain.Internal(err)
		}
		copies[d.ID] = &c
		ids = append(ids, d.ID)
	}
	if len(ids) > 0 {
		var rs []AnnualRating
		if err := db.NewSelect().Model(&rs).Join("JOIN org_units AS ou ON ou.id = ar.org_unit_id").
			Where("ou.path >= ? AND ou.path < ?", province.Path, domain.PathUpper(province.Path)).
			Where("ar.label_id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for i := range rs {
			before := rs[i]
			r := rs[i]
			r.LabelID = copies[before.LabelID].ID
			if err := Update(ctx, db, &before, &r); err != nil {
				return nil, domain.Internal(err)
			}
		}
	}
	if err := Audit(ctx, db, "adopt_defaults", "rating_label", province.ID, &province.ID, nil,
		map[string]int{"labels": len(ids)}); err != nil {
		return nil, err
	}
	return copies, nil
}

// CreateLabel adds a rating label to a scheme of a province.
func CreateLabel(ctx context.Context, db bun.IDB, province *OrgUnit, in LabelInput, today domain.Date) (*RatingLabel, error) {
	if _, err := adoptLabels(ctx, db, province); err != nil {
		return nil, err
	}
	l := &RatingLabel{ProvinceID: &province.ID, Active: true}
	if err := applyLabel(l, in, today); err != nil {
		return nil, err
	}
	if in.SortOrder == nil {
		var maxSort sql.NullInt64
		if err := db.NewSelect().Model((*RatingLabel)(nil)).ColumnExpr("MAX(rl.sort_order)").
			Where("rl.province_id = ? AND rl.scheme = ?", province.ID, l.Scheme).Scan(ctx, &maxSort); err != nil {
			return nil, domain.Internal(err)
		}
		l.SortOrder = int(maxSort.Int64) + 10
	}
	if l.Code == "" {
		l.Code = codeOf(l.NameVI)
	}
	if err := checkLabelCode(ctx, db, province.ID, l); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, l); err != nil {
		return nil, uniqueOr(err, "@what.ref_code")
	}
	return l, Audit(ctx, db, "create", "rating_label", l.ID, &province.ID, nil, l)
}

// UpdateLabel changes, retires or restores a province's rating label (a default one is adopted first).
func UpdateLabel(ctx context.Context, db bun.IDB, province *OrgUnit, id string, in LabelInput, today domain.Date) (*RatingLabel, error) {
	copies, err := adoptLabels(ctx, db, province)
	if err != nil {
		return nil, err
	}
	if c, ok := copies[id]; ok {
		id = c.ID
	} else if id, err = ownCopy(ctx, db, "rating_labels", province.ID, id); err != nil {
		return nil, err
	}
	before := new(RatingLabel)
	if err := db.NewSelect().Model(before).Where("rl.id = ? AND rl.province_id = ?", id, province.ID).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.rating_label")
	}
	l := *before
	if err := applyLabel(&l, in, today); err != nil {
		return nil, err
	}
	if err := checkLabelCode(ctx, db, province.ID, &l); err != nil {
		return nil, err
	}
	if err := Update(ctx, db, before, &l); err != nil {
		return nil, uniqueOr(err, "@what.ref_code")
	}
	return &l, Audit(ctx, db, "update", "rating_label", l.ID, &province.ID, before, &l)
}

func applyLabel(l *RatingLabel, in LabelInput, today domain.Date) error {
	if in.Scheme != nil {
		l.Scheme = strings.TrimSpace(*in.Scheme)
	}
	if in.Code != nil {
		l.Code = strings.TrimSpace(*in.Code)
	}
	if in.NameVI != nil {
		l.NameVI = domain.CleanText(*in.NameVI)
	}
	if in.NameEN != nil {
		l.NameEN = domain.CleanText(*in.NameEN)
	}
	if in.MinScore != nil {
		v := *in.MinScore
		l.MinScore = &v
	}
	if in.Weak != nil {
		l.Weak = *in.Weak
	}
	if in.SortOrder != nil {
		l.SortOrder = *in.SortOrder
	}
	if in.ValidFrom != nil {
		l.ValidFrom = *in.ValidFrom
	}
	if in.ValidTo != nil {
		l.ValidTo = *in.ValidTo
	}
	if in.Active != nil && *in.Active != l.Active {
		l.Active = *in.Active
		if l.Active {
			if in.ValidTo == nil {
				l.ValidTo = domain.Date{}
			}
		} else if l.ValidTo.IsZero() {
			l.ValidTo = today
		}
	}
	if l.NameVI == "" {
		return domain.Invalid("name_vi", "error.required", "field", "name_vi")
	}
	if !codeRE.MatchString(l.Scheme) || len(l.Scheme) > 40 {
		return domain.Invalid("scheme", "ref.bad_scheme")
	}
	if l.MinScore != nil && (*l.MinScore < 0 || *l.MinScore > 1000) {
		return badValue("min_score")
	}
	if err := checkValidity(l.ValidFrom, l.ValidTo); err != nil {
		return err
	}
	return checkLens(lenRule{"name_vi", l.NameVI, 200}, lenRule{"name_en", l.NameEN, 200})
}

// checkLabelCode checks the code's shape and that no other label of the province's scheme has it.
func checkLabelCode(ctx context.Context, db bun.IDB, provinceID string, l *RatingLabel) error {
	if !codeRE.MatchString(l.Code) || len(l.Code) > 60 {
		return domain.Invalid("code", "ref.bad_code")
	}
	q := db.NewSelect().Model((*RatingLabel)(nil)).Where("rl.province_id = ? AND rl.scheme = ? AND rl.code = ?", provinceID, l.Scheme, l.Code)
	if l.ID != "" {
		q = q.Where("rl.id <> ?", l.ID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		return conflictOn("code", "ref.code_taken", "code", l.Code)
	}
	return nil
}

// RubricInput is a rubric version: its name, first day, grade thresholds and criteria (in order).
type RubricInput struct {
	Name       string           `json:"name"`
	ValidFrom  domain.Date      `json:"valid_from"`
	GoodMin    int              `json:"good_min"`
	FairMin    int              `json:"fair_min"`
	AverageMin int              `json:"average_min"`
	Criteria   []CriterionInput `json:"criteria"`
}

// CriterionInput is one criterion of a rubric version.
type CriterionInput struct {
	Code      string `json:"code"`
	GroupVI   string `json:"group_vi"`
	GroupEN   string `json:"group_en"`
	NameVI    string `json:"name_vi"`
	NameEN    string `json:"name_en"`
	MaxPoints int    `json:"max_points"`
	// Computed: attendance_rate, no_unexcused, no_streak (follows the attendance), or empty (scored by hand).
	Computed string `json:"computed"`
}

// computedKinds are the criteria the app computes from the attendance.
var computedKinds = map[string]bool{"": true, "attendance_rate": true, "no_unexcused": true, "no_streak": true}

// check validates a rubric version: a first day from today on (meetings already held keep the version of their
// day), at least one criterion, points above zero, and thresholds 0 ≤ average < fair < good ≤ the total.
func (in *RubricInput) check(today domain.Date) error {
	in.Name = domain.CleanText(in.Name)
	if in.Name == "" {
		return domain.Invalid("name", "error.required", "field", "name")
	}
	if in.ValidFrom.IsZero() {
		return domain.Invalid("valid_from", "error.required", "field", "valid_from")
	}
	if !in.ValidFrom.InRange() {
		return badValue("valid_from")
	}
	if in.ValidFrom.Before(today) {
		return domain.Invalid("valid_from", "ref.version_past", "today", today.VN())
	}
	if len(in.Criteria) == 0 || len(in.Criteria) > 100 {
		return domain.Invalid("criteria", "ref.no_criteria")
	}
	total := 0
	codes := map[string]bool{}
	for i := range in.Criteria {
		c := &in.Criteria[i]
		c.NameVI, c.NameEN = domain.CleanText(c.NameVI), domain.CleanText(c.NameEN)
		c.GroupVI, c.GroupEN = domain.CleanText(c.GroupVI), domain.CleanText(c.GroupEN)
		line := itoa(i + 1)
		if c.NameVI == "" {
			return domain.Invalid("criteria", "ref.criterion_name", "n", line)
		}
		if c.MaxPoints <= 0 || c.MaxPoints > 1000 {
			return domain.Invalid("criteria", "ref.criterion_points", "n", line)
		}
		if !computedKinds[c.Computed] {
			return domain.Invalid("criteria", "ref.criterion_computed", "n", line)
		}
		if c.Code == "" {
			c.Code = codeOf(c.NameVI)
		}
		if !codeRE.MatchString(c.Code) || len(c.Code) > 60 {
			return domain.Invalid("criteria", "ref.bad_code")
		}
		for base, k := c.Code, 2; codes[c.Code]; k++ {
			c.Code = base + "_" + itoa(k)
		}
		codes[c.Code] = true
		if err := checkLens(lenRule{"criteria", c.NameVI, 500}, lenRule{"criteria", c.NameEN, 500},
			lenRule{"criteria", c.GroupVI, 200}, lenRule{"criteria", c.GroupEN, 200}); err != nil {
			return err
		}
		total += c.MaxPoints
	}
	if !(0 <= in.AverageMin && in.AverageMin < in.FairMin && in.FairMin < in.GoodMin && in.GoodMin <= total) {
		return domain.Invalid("good_min", "ref.thresholds", "total", itoa(total))
	}
	return checkLen("name", in.Name, 200)
}

// CreateRubric adds a rubric version valid from in.ValidFrom to a province. Meetings before that day keep being
// graded by the version in force on their day.
func CreateRubric(ctx context.Context, db bun.IDB, province *OrgUnit, in RubricInput, today domain.Date) (*Rubric, error) {
	if err := in.check(today); err != nil {
		return nil, err
	}
	if err := rubricDayFree(ctx, db, province.ID, in.ValidFrom, ""); err != nil {
		return nil, err
	}
	r := &Rubric{ProvinceID: &province.ID}
	if err := writeRubric(ctx, db, r, in); err != nil {
		return nil, err
	}
	return r, Audit(ctx, db, "create", "rubric", r.ID, &province.ID, nil, r)
}

// UpdateRubric replaces a version of a province's rubric that is not yet in force.
func UpdateRubric(ctx context.Context, db bun.IDB, province *OrgUnit, id string, in RubricInput, today domain.Date) (*Rubric, error) {
	before, err := changeableRubric(ctx, db, province, id, today)
	if err != nil {
		return nil, err
	}
	if err := in.check(today); err != nil {
		return nil, err
	}
	if err := rubricDayFree(ctx, db, province.ID, in.ValidFrom, id); err != nil {
		return nil, err
	}
	for _, c := range before.Criteria {
		if err := SoftDelete(ctx, db, c); err != nil {
			return nil, domain.Internal(err)
		}
	}
	r := &Rubric{Base: before.Base, ProvinceID: before.ProvinceID}
	if err := writeRubric(ctx, db, r, in); err != nil {
		return nil, err
	}
	return r, Audit(ctx, db, "update", "rubric", r.ID, &province.ID, before, r)
}

// DeleteRubric removes a version of a province's rubric that is not yet in force.
func DeleteRubric(ctx context.Context, db bun.IDB, province *OrgUnit, id string, today domain.Date) error {
	before, err := changeableRubric(ctx, db, province, id, today)
	if err != nil {
		return err
	}
	for _, c := range before.Criteria {
		if err := SoftDelete(ctx, db, c); err != nil {
			return domain.Internal(err)
		}
	}
	r := *before
	r.Criteria = nil
	if err := SoftDelete(ctx, db, &r); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "delete", "rubric", id, &province.ID, before, nil)
}

// changeableRubric reads a province's own rubric version that may still change: not in force yet and used by no
// visit report.
func changeableRubric(ctx context.Context, db bun.IDB, province *OrgUnit, id string, today domain.Date) (*Rubric, error) {
	r := new(Rubric)
	if err := db.NewSelect().Model(r).Relation("Criteria").Where("rb.id = ? AND rb.province_id = ?", id, province.ID).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.rubric")
	}
	used, err := db.NewSelect().TableExpr("visit_reports AS vr").Where("vr.rubric_id = ? AND vr.deleted_at IS NULL", id).Exists(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	if used || !r.ValidFrom.After(today) {
		return nil, domain.E(domain.CodeConflict, "ref.rubric_in_force", "day", r.ValidFrom.VN())
	}
	return r, nil
}

// rubricDayFree refuses a second version of a province's rubric from the same day.
func rubricDayFree(ctx context.Context, db bun.IDB, provinceID string, day domain.Date, except string) error {
	q := db.NewSelect().Model((*Rubric)(nil)).Where("rb.province_id = ? AND rb.valid_from = ?", provinceID, day)
	if except != "" {
		q = q.Where("rb.id <> ?", except)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		return conflictOn("valid_from", "ref.version_day_taken", "day", day.VN())
	}
	return nil
}

// writeRubric inserts or updates r from in and inserts its criteria.
func writeRubric(ctx context.Context, db bun.IDB, r *Rubric, in RubricInput) error {
	before := *r
	r.Name, r.ValidFrom, r.GoodMin, r.FairMin, r.AverageMin = in.Name, in.ValidFrom, in.GoodMin, in.FairMin, in.AverageMin
	r.Criteria = nil
	var err error
	if r.ID == "" {
		err = Insert(ctx, db, r)
	} else {
		before.Criteria = nil
		err = Update(ctx, db, &before, r)
	}
	if err != nil {
		return domain.Internal(err)
	}
	for i, c := range in.Criteria {
		rc := &RubricCriterion{RubricID: r.ID, Code: c.Code, GroupVI: c.GroupVI, GroupEN: c.GroupEN, NameVI: c.NameVI,
			NameEN: c.NameEN, MaxPoints: c.MaxPoints, SortOrder: (i + 1) * 10, Computed: c.Computed}
		if err := Insert(ctx, db, rc); err != nil {
			return domain.Internal(err)
		}
		r.Criteria = append(r.Criteria, rc)
	}
	return nil
}

// TemplateInput is a minutes template version: its name, first day and agenda items.
type TemplateInput struct {
	Name      string           `json:"name"`
	ValidFrom domain.Date      `json:"valid_from"`
	Items     []MinutesItemDef `json:"items"`
}

var itemKinds = map[string]bool{ItemText: true, ItemReview: true, ItemDiscussion: true, ItemResolution: true}

func (in *TemplateInput) check(today domain.Date) error {
	in.Name = domain.CleanText(in.Name)
	if in.Name == "" {
		return domain.Invalid("name", "error.required", "field", "name")
	}
	if in.ValidFrom.IsZero() {
		return domain.Invalid("valid_from", "error.required", "field", "valid_from")
	}
	if !in.ValidFrom.InRange() {
		return badValue("valid_from")
	}
	if in.ValidFrom.Before(today) {
		return domain.Invalid("valid_from", "ref.version_past", "today", today.VN())
	}
	if len(in.Items) == 0 || len(in.Items) > 60 {
		return domain.Invalid("items", "ref.no_items")
	}
	keys := map[string]bool{}
	for i := range in.Items {
		it := &in.Items[i]
		line := itoa(i + 1)
		it.LabelVI, it.LabelEN = domain.CleanText(it.LabelVI), domain.CleanText(it.LabelEN)
		if it.LabelVI == "" {
			return domain.Invalid("items", "ref.item_label", "n", line)
		}
		if it.Key == "" {
			it.Key = codeOf(it.LabelVI)
		}
		if !codeRE.MatchString(it.Key) || keys[it.Key] {
			return domain.Invalid("items", "ref.item_key", "n", line)
		}
		keys[it.Key] = true
		if it.Kind == "" {
			it.Kind = ItemText
		}
		if !itemKinds[it.Kind] {
			return domain.Invalid("items", "ref.item_kind", "n", line)
		}
		if it.Types == nil {
			it.Types = []string{}
		}
		for _, t := range it.Types {
			if t != string(domain.MeetingRegular) && t != string(domain.MeetingThematic) {
				return domain.Invalid("items", "ref.item_kind", "n", line)
			}
		}
		if err := checkLens(lenRule{"items", it.LabelVI, 300}, lenRule{"items", it.LabelEN, 300}); err != nil {
			return err
		}
	}
	return checkLen("name", in.Name, 200)
}

// CreateMinutesTemplate adds a minutes template version valid from in.ValidFrom to a province.
func CreateMinutesTemplate(ctx context.Context, db bun.IDB, province *OrgUnit, in TemplateInput, today domain.Date) (*MinutesTemplate, error) {
	if err := in.check(today); err != nil {
		return nil, err
	}
	n, err := db.NewSelect().Model((*MinutesTemplate)(nil)).Where("mtp.province_id = ? AND mtp.valid_from = ?", province.ID, in.ValidFrom).Count(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	if n > 0 {
		return nil, conflictOn("valid_from", "ref.version_day_taken", "day", in.ValidFrom.VN())
	}
	items, err := jsonText(in.Items)
	if err != nil {
		return nil, err
	}
	t := &MinutesTemplate{ProvinceID: &province.ID, Name: in.Name, ValidFrom: in.ValidFrom, Items: items}
	if err := Insert(ctx, db, t); err != nil {
		return nil, domain.Internal(err)
	}
	return t, Audit(ctx, db, "create", "minutes_template", t.ID, &province.ID, nil, t)
}

// DeleteMinutesTemplate removes a province's minutes template version that is not yet in force.
func DeleteMinutesTemplate(ctx context.Context, db bun.IDB, province *OrgUnit, id string, today domain.Date) error {
	t := new(MinutesTemplate)
	if err := db.NewSelect().Model(t).Where("mtp.id = ? AND mtp.province_id = ?", id, province.ID).Scan(ctx); err != nil {
		return notFound(err, "@what.minutes_template")
	}
	if !t.ValidFrom.After(today) {
		return domain.E(domain.CodeConflict, "ref.template_in_force", "day", t.ValidFrom.VN())
	}
	before := *t
	if err := SoftDelete(ctx, db, t); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "delete", "minutes_template", id, &province.ID, &before, nil)
}

func jsonText(v any) (domain.JSONText, error) {
	b, err := jsonOrNil(v)
	if err != nil {
		return "", domain.Internal(err)
	}
	return domain.JSONText(*b), nil
}

// conflictOn is a conflict about one input field.
func conflictOn(field, key string, kv ...string) *domain.Error {
	e := domain.E(domain.CodeConflict, key, kv...)
	e.Field = field
	return e
}

// ownCopy returns the id of the province's copy of a default row (same code, and scheme for labels) adopted
// earlier, or id itself when it is not a default row.
func ownCopy(ctx context.Context, db bun.IDB, table, provinceID, id string) (string, error) {
	extra := ""
	if table == "rating_labels" {
		extra = " AND o.scheme = d.scheme"
	}
	var ids []string
	err := db.NewRaw("SELECT o.id FROM ? AS d JOIN ? AS o ON o.code = d.code AND o.province_id = ?"+extra+
		" AND o.deleted_at IS NULL WHERE d.id = ? AND d.province_id IS NULL", bun.Ident(table), bun.Ident(table), provinceID, id).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", domain.Internal(err)
	}
	if len(ids) == 1 {
		return ids[0], nil
	}
	return id, nil
}
