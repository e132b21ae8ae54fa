package changelog

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// Table describes one synced table: everything the change log, the pull, the push and the API need to know about
// it. The registry (server/store's tables) holds one per synced table; adding a table means adding its model and
// one entry there.
type Table struct {
	// Name is the SQL table name (and the name in the wire protocol).
	Name string
	// New returns a zero model of the table.
	New func() Row
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
	// UnitVia: when this column refers to a row (it is not NULL), the row's owner is that parent row's owner
	// instead of Column's, its part staying its own. A recommendation raised at a commune's briefing sits with the
	// briefing, at the commune, where everyone who attends it syncs it, not at the cell it concerns.
	UnitVia *Link
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

// UnitTable is the org tree; unit-owned buckets take their path from it (its rows have a "path" column).
const UnitTable = "org_units"

// Own describes the synced table name whose model is T.
func Own[T any, P interface {
	*T
	Row
}](name, class string, owner Owner, write *WriteSpec) Table {
	return Table{Name: name, New: func() Row { return P(new(T)) }, Class: class, Owner: owner, Write: write}
}

// Registry indexes the synced tables by name and by model type. It is built once (NewRegistry) and never
// changes; the change log, the scope finder and the engine take it as a value.
type Registry struct {
	list   []*Table
	names  []string
	byName map[string]*Table
	byType map[reflect.Type]*Table
	// watch and onFlush: see OnFlush.
	watch   map[string]bool
	onFlush func(ctx context.Context, db bun.IDB, changes []Change) error
	// buffers are the buffers of write transactions' queued statements (later.go), used again.
	buffers sync.Pool
}

// Change is a synced row's change in a write transaction: Before is nil for an insert, After nil or soft-deleted
// for a delete (both are copies taken when the change was tracked).
type Change struct {
	Table         string
	Before, After Row
}

// OnFlush registers fn to run at the end of every write transaction (Write) that changed rows of the tables given,
// after its change log is written and before it commits, with those changes in order. fn keeps derived data that
// is not synced in step with them (store's cross-checks); it must not write synced rows. Call it once, at start.
func (r *Registry) OnFlush(tables []string, fn func(ctx context.Context, db bun.IDB, changes []Change) error) {
	r.watch = map[string]bool{}
	for _, t := range tables {
		r.watch[t] = true
	}
	r.onFlush = fn
}

// NewRegistry indexes the synced tables ts, given in the order a snapshot sends them and a transaction inserts
// them (parents first).
func NewRegistry(ts ...Table) *Registry {
	r := &Registry{byName: map[string]*Table{}, byType: map[reflect.Type]*Table{}}
	for i := range ts {
		t := &ts[i]
		t.typ = reflect.TypeOf(t.New()).Elem()
		t.fields = map[string][]int{}
		columns(t.typ, nil, t.fields)
		r.list = append(r.list, t)
		r.names = append(r.names, t.Name)
		r.byName[t.Name] = t
		r.byType[t.typ] = t
	}
	for _, t := range r.list {
		for _, l := range []*Link{t.Owner.Via, t.Owner.MonthVia, t.Owner.UnitVia} {
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
func (r *Registry) Tables() []*Table { return append([]*Table(nil), r.list...) }

// Named returns the synced table called name, or nil.
func (r *Registry) Named(name string) *Table { return r.byName[name] }

// For returns the descriptor of a synced model, or nil.
func (r *Registry) For(row Row) *Table { return r.byType[reflect.TypeOf(row).Elem()] }

// Names returns the synced tables' names in snapshot order.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// NewRow returns a new zero model of a synced table, or nil for an unknown table.
func (r *Registry) NewRow(table string) Row {
	if t := r.byName[table]; t != nil {
		return t.New()
	}
	return nil
}

// TableOf returns the table name of a synced model.
func (r *Registry) TableOf(row Row) string {
	if t := r.For(row); t != nil {
		return t.Name
	}
	return ""
}

// Validate runs the data-level checks of a synced row (its model's Normalize), if the model has any.
func (t *Table) Validate(row Row) error {
	if n, ok := row.(Normalizer); ok {
		return n.Normalize()
	}
	return nil
}

// Alias returns the alias bun gives the table in db's queries (mt for meetings).
func (t *Table) Alias(db bun.IDB) string { return db.Dialect().Tables().Get(t.typ).Alias }

// HasColumn reports whether the table's model has the column.
func (t *Table) HasColumn(col string) bool { _, ok := t.fields[col]; return ok }

// value returns the value of column col of row (a model of t).
func (t *Table) value(row Row, col string) reflect.Value {
	idx, ok := t.fields[col]
	if !ok {
		panic(fmt.Sprintf("changelog: %s has no column %s", t.Name, col))
	}
	return reflect.ValueOf(row).Elem().FieldByIndex(idx)
}

// str returns a text column's value; ok is false for NULL.
func (t *Table) str(row Row, col string) (string, bool) {
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
	for _, l := range []*Link{o.Via, o.MonthVia, o.UnitVia} {
		if l != nil {
			cols = append(cols, l.Column)
		}
	}
	if t.Name == UnitTable {
		cols = append(cols, "path")
	}
	return cols
}
