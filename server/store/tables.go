package store

import (
	"fmt"
	"reflect"
	"strings"
)

// Table describes one synced table: everything the change log, the pull, the push and the API need to know about
// it. The registry (tables) holds one per synced table; adding a table means adding its model and one entry there.
type Table struct {
	// Name is the SQL table name (and the name in the wire protocol).
	Name string
	// New returns a zero model of the table.
	New func() SyncRow
	// Class is the bucket class of the table's rows ("" when the rows carry their bucket, as conflicts do).
	Class string
	// Owner is the rule that puts a row in its bucket. The Go computation (Scoper) and the snapshot SQL
	// (sync/engine) are both derived from it.
	Owner Owner
	// Write says what devices may change through a push; nil means the table changes through the API only.
	Write *WriteSpec

	typ    reflect.Type     // the model's struct type
	fields map[string][]int // bun column name → struct field index
	parent bool             // another table's owner rule links to this one
}

// OwnerKind says what owns the bucket of a synced row.
type OwnerKind int

// The owner kinds.
const (
	// OwnedByUnit rows belong to an org unit: the bucket's scope is the unit's id and its path the unit's path.
	// Devices with a cell or root scope over the path receive them.
	OwnedByUnit OwnerKind = iota + 1
	// OwnedByUser rows belong to one user (the bucket's scope is the user's id); its user scope receives them.
	OwnedByUser
	// OwnedByRef rows are a province's reference data (the scope is the province id, DefaultRefScope for NULL).
	OwnedByRef
	// OwnedByRow rows carry their bucket in their own class, scope, path and part columns.
	OwnedByRow
)

// Link is a column of one table that holds the id of a row of another synced table.
type Link struct {
	Column string // the referring column
	Table  string // the synced table referred to
}

// Owner is the declarative rule placing a row in its bucket.
type Owner struct {
	Kind OwnerKind
	// Column holds the owner's id (the unit, the user or the province) on the row itself.
	Column string
	// Via: the row has the owner and part of the parent row this column refers to (Column is then empty).
	Via *Link
	// Month is the date column whose month ("2026-11") is the bucket's part, so a moving window can drop old
	// months.
	Month string
	// MonthVia: the bucket's part is the part of the parent row this column refers to.
	MonthVia *Link
	// NullIsRoot puts a row whose Column is NULL in the root bucket (scope "", path "/"), seen by root scopes over
	// the whole tree, instead of failing.
	NullIsRoot bool
}

// WriteSpec says what devices may do to a table through a push. The row's data-level checks are the model's
// Normalize method, which the API calls too; who may write which row is checked by the engine (sync/engine).
type WriteSpec struct {
	// Fields may be set on create and update; CreateOnly only on create; Required must be set on create.
	Fields, CreateOnly, Required []string
	// Deletable says whether devices may delete rows.
	Deletable bool
}

// Normalizer is a synced model with data-level validation: Normalize cleans the row's text, fills defaults and
// checks lengths, enums, dates and required fields, returning an invalid error naming the field. The API and the
// push both call it before writing the row.
type Normalizer interface {
	Normalize() error
}

// UnitTable is the org tree; unit-owned buckets take their path from it.
const UnitTable = "org_units"

// own describes the synced table name whose model is T.
func own[T any, P interface {
	*T
	SyncRow
}](name, class string, owner Owner, write *WriteSpec) Table {
	return Table{Name: name, New: func() SyncRow { return P(new(T)) }, Class: class, Owner: owner, Write: write}
}

// byUnit and byRef are the common owner rules: the unit in a column, the province in province_id.
func byUnit(col string) Owner { return Owner{Kind: OwnedByUnit, Column: col} }
func byRef() Owner            { return Owner{Kind: OwnedByRef, Column: "province_id"} }

// tables are the synced tables, in the order a snapshot sends them and a transaction inserts them (parents first).
var tables = newRegistry(
	own[OrgUnit](UnitTable, ClassUnit, byUnit("id"), nil),
	own[AnnualRating]("annual_ratings", ClassUnit, byUnit("org_unit_id"), nil),
	own[User]("users", ClassUsers, Owner{Kind: OwnedByUnit, Column: "home_org_unit_id", NullIsRoot: true}, nil),
	own[Member]("members", ClassRoster, byUnit("cell_id"), &WriteSpec{
		Fields: []string{"full_name", "birth_year", "gender", "card_number", "membership", "status", "temp_exempt_until",
			"temporarily_attached", "cell_role", "joined_on", "official_on", "status_note"},
		CreateOnly: []string{"cell_id"}, Required: []string{"cell_id", "full_name"}, Deletable: true}),
	own[Assignment]("assignments", ClassAssign, byUnit("cell_id"), &WriteSpec{Fields: []string{"acknowledged_at"}}),
	own[Meeting]("meetings", ClassMeetings, Owner{Kind: OwnedByUnit, Column: "cell_id", Month: "meeting_date"}, &WriteSpec{
		Fields: []string{"meeting_date", "type", "mode", "status", "topic", "place", "starts_at", "ends_at",
			"chair_member_id", "secretary_member_id", "chair_name", "secretary_name", "members_total", "members_full",
			"members_probationary", "members_attached", "members_exempt", "notes", "resolution"},
		CreateOnly: []string{"cell_id"}, Required: []string{"cell_id", "meeting_date"}, Deletable: true}),
	own[Attendance]("attendance", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{"meeting_id", "meetings"}}, &WriteSpec{
		Fields: []string{"status", "reason"}, CreateOnly: []string{"meeting_id", "member_id"},
		Required: []string{"meeting_id", "member_id", "status"}, Deletable: true}),
	own[VisitReport]("visit_reports", ClassReports, Owner{Kind: OwnedByUser, Column: "official_id", MonthVia: &Link{"meeting_id", "meetings"}}, &WriteSpec{
		Fields:     []string{"status", "checked_in_at", "latitude", "longitude", "notes", "guidance", "rubric_id", "scores", "submitted_at"},
		CreateOnly: []string{"meeting_id"}, Required: []string{"meeting_id"}, Deletable: true}),
	own[RecommendationField]("recommendation_fields", ClassRef, byRef(), nil),
	own[Rubric]("rubrics", ClassRef, byRef(), nil),
	own[RubricCriterion]("rubric_criteria", ClassRef, Owner{Kind: OwnedByRef, Via: &Link{"rubric_id", "rubrics"}}, nil),
	own[RatingLabel]("rating_labels", ClassRef, byRef(), nil),
	own[Recommendation]("recommendations", ClassRecs, byUnit("cell_id"), &WriteSpec{
		Fields: []string{"field_id", "content", "addressee_org_unit_id", "addressee_text", "urgency", "due_on",
			"meeting_id", "visit_report_id", "raised_on"},
		CreateOnly: []string{"cell_id"}, Required: []string{"cell_id", "content"}, Deletable: true}),
	own[RecommendationAnswer]("recommendation_answers", ClassRecs, Owner{Kind: OwnedByUnit, Via: &Link{"recommendation_id", "recommendations"}}, nil),
	own[RecommendationEvent]("recommendation_events", ClassRecs, Owner{Kind: OwnedByUnit, Via: &Link{"recommendation_id", "recommendations"}}, nil),
	own[Notification]("notifications", ClassInbox, Owner{Kind: OwnedByUser, Column: "user_id"}, &WriteSpec{Fields: []string{"read_at"}}),
	own[Conflict]("sync_conflicts", "", Owner{Kind: OwnedByRow}, &WriteSpec{Fields: []string{"resolution", "resolved_at"}}),
)

// registry indexes the synced tables by name and by model type.
type registry struct {
	list   []*Table
	byName map[string]*Table
	byType map[reflect.Type]*Table
}

func newRegistry(ts ...Table) *registry {
	r := &registry{byName: map[string]*Table{}, byType: map[reflect.Type]*Table{}}
	for i := range ts {
		t := &ts[i]
		t.typ = reflect.TypeOf(t.New()).Elem()
		t.fields = map[string][]int{}
		columns(t.typ, nil, t.fields)
		r.list = append(r.list, t)
		r.byName[t.Name] = t
		r.byType[t.typ] = t
	}
	for _, t := range r.list {
		for _, l := range []*Link{t.Owner.Via, t.Owner.MonthVia} {
			if l != nil && r.byName[l.Table] != nil {
				r.byName[l.Table].parent = true
			}
		}
	}
	return r
}

// columns maps the bun column names of struct type typ (and of its embedded structs) to field indexes.
func columns(typ reflect.Type, prefix []int, out map[string][]int) {
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		tag := f.Tag.Get("bun")
		if f.Anonymous && f.Type.Kind() == reflect.Struct && tag == "" {
			columns(f.Type, idx, out)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" && !strings.HasPrefix(tag, "table:") && !strings.Contains(tag, "rel:") {
			out[name] = idx
		}
	}
}

// Tables returns the synced tables in snapshot order.
func Tables() []*Table { return append([]*Table(nil), tables.list...) }

// TableNamed returns the synced table called name, or nil.
func TableNamed(name string) *Table { return tables.byName[name] }

// tableFor returns the descriptor of a synced model, or nil.
func tableFor(row SyncRow) *Table { return tables.byType[reflect.TypeOf(row).Elem()] }

// syncedTables lists the synced tables' names in snapshot order.
var syncedTables = func() []string {
	out := make([]string, len(tables.list))
	for i, t := range tables.list {
		out[i] = t.Name
	}
	return out
}()

// SyncedTables returns the replicated tables in snapshot order.
func SyncedTables() []string { return append([]string(nil), syncedTables...) }

// NewRow returns a new zero model of a synced table, or nil for an unknown table.
func NewRow(table string) SyncRow {
	if t := tables.byName[table]; t != nil {
		return t.New()
	}
	return nil
}

// TableOf returns the table name of a synced model.
func TableOf(row SyncRow) string {
	if t := tableFor(row); t != nil {
		return t.Name
	}
	return ""
}

// Validate runs the data-level checks of a synced row (its model's Normalize), if the model has any.
func (t *Table) Validate(row SyncRow) error {
	if n, ok := row.(Normalizer); ok {
		return n.Normalize()
	}
	return nil
}

// HasColumn reports whether the table's model has the column.
func (t *Table) HasColumn(col string) bool { _, ok := t.fields[col]; return ok }

// value returns the value of column col of row (a model of t).
func (t *Table) value(row SyncRow, col string) reflect.Value {
	idx, ok := t.fields[col]
	if !ok {
		panic(fmt.Sprintf("store: %s has no column %s", t.Name, col))
	}
	return reflect.ValueOf(row).Elem().FieldByIndex(idx)
}

// str returns a text column's value; ok is false for NULL.
func (t *Table) str(row SyncRow, col string) (string, bool) {
	v := t.value(row, col)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	return v.String(), true
}

// keyColumns are the columns the owner rule reads from a row.
func (t *Table) keyColumns() []string {
	cols := []string{"id"}
	o := t.Owner
	for _, c := range []string{o.Column, o.Month} {
		if c != "" {
			cols = append(cols, c)
		}
	}
	for _, l := range []*Link{o.Via, o.MonthVia} {
		if l != nil {
			cols = append(cols, l.Column)
		}
	}
	if t.Name == UnitTable {
		cols = append(cols, "path")
	}
	return cols
}
