package changelog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Scope is the bucket a synced row belongs to. Class groups tables by who needs them; Scope is the id that owns
// the bucket (a cell or other unit, a user, a province or "default"); Path is the org path of unit-owned buckets
// (empty for users and reference data); Part splits the meeting classes by month ("2026-11") so that a moving
// 24-month window can drop old months.
type Scope struct {
	Class string
	Scope string
	Path  string
	Part  string
}

// The bucket classes.
const (
	ClassUnit     = "unit"     // org units and their annual ratings
	ClassRoster   = "roster"   // members of a cell
	ClassMeetings = "meetings" // meetings and attendance, by month
	ClassRecs     = "recs"     // recommendations, their answers and their history
	ClassAssign   = "assign"   // assignments of officials to a cell
	ClassUsers    = "users"    // user accounts, by home unit
	ClassReports  = "reports"  // an official's own visit reports, by month
	ClassInbox    = "inbox"    // a user's notifications
	ClassRef      = "ref"      // a province's reference data
)

// DefaultRefScope owns the reference rows every province inherits (province_id NULL).
const DefaultRefScope = "default"

// Scoper finds the bucket of rows by their tables' owner rules (Table.Owner), caching what one transaction or one
// pull page looks up: unit paths and the owner and part of parent rows (a meeting for its attendance). It reads
// through db and is not safe for concurrent use.
type Scoper struct {
	reg     *Registry
	db      bun.IDB
	paths   map[string]string
	parents map[string]map[string]ownerKey // parent table → row id → the row's owner and part
}

// ownerKey is what a row's owner rule yields: its owner's id (null when the owner column is NULL) and its part.
type ownerKey struct {
	owner string
	null  bool
	part  string
}

// NewScoper returns a Scoper of the tables of reg reading through db.
func NewScoper(reg *Registry, db bun.IDB) *Scoper {
	s := &Scoper{reg: reg, db: db, paths: map[string]string{}, parents: map[string]map[string]ownerKey{}}
	for _, t := range reg.list {
		if t.parent {
			s.parents[t.Name] = map[string]ownerKey{}
		}
	}
	return s
}

// ScopeOf returns the bucket of a synced row (of a table of reg) as stored in db.
func ScopeOf(ctx context.Context, reg *Registry, db bun.IDB, row Row) (Scope, error) {
	return NewScoper(reg, db).Scope(ctx, row)
}

func month(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()[:7]
}

// units returns the org tree's table, whose rows give unit-owned buckets their path.
func (s *Scoper) units() (*Table, error) {
	if t := s.reg.byName[UnitTable]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("scope: %s is not a synced table", UnitTable)
}

func (s *Scoper) unitPath(ctx context.Context, id string) (string, error) {
	if p, ok := s.paths[id]; ok {
		return p, nil
	}
	ut, err := s.units()
	if err != nil {
		return "", err
	}
	u := ut.New()
	if err := s.db.NewSelect().Model(u).WhereAllWithDeleted().Column("path").Where("id = ?", id).Scan(ctx); err != nil {
		return "", fmt.Errorf("scope: unit %s: %w", id, err)
	}
	p, _ := ut.str(u, "path")
	s.paths[id] = p
	return p, nil
}

func refScope(province string) string {
	if province == "" {
		return DefaultRefScope
	}
	return province
}

// keyOf applies t's owner rule to row, remembering the result for rows that are parents of others and the path
// of an org unit.
func (s *Scoper) keyOf(ctx context.Context, t *Table, row Row) (ownerKey, error) {
	id := row.SyncBase().ID
	if t.Name == UnitTable {
		if p, _ := t.str(row, "path"); p != "" {
			s.paths[id] = p
		}
	}
	o := t.Owner
	var k ownerKey
	if o.Via != nil {
		pk, err := s.parent(ctx, t, row, o.Via)
		if err != nil {
			return k, err
		}
		k = pk
	} else if o.Column != "" {
		v, ok := t.str(row, o.Column)
		k = ownerKey{owner: v, null: !ok}
	}
	if o.UnitVia != nil {
		if id, ok := t.str(row, o.UnitVia.Column); ok && id != "" {
			pk, err := s.parent(ctx, t, row, o.UnitVia)
			if err != nil {
				return k, err
			}
			k.owner, k.null = pk.owner, pk.null
		}
	}
	if o.Month != "" {
		k.part = month(t.value(row, o.Month).Interface().(domain.Date))
	}
	if o.MonthVia != nil {
		pk, err := s.parent(ctx, t, row, o.MonthVia)
		if err != nil {
			return k, err
		}
		k.part = pk.part
	}
	if t.parent {
		s.parents[t.Name][id] = k
	}
	return k, nil
}

// parent returns the owner and part of the row that column l of row refers to.
func (s *Scoper) parent(ctx context.Context, t *Table, row Row, l *Link) (ownerKey, error) {
	id, _ := t.str(row, l.Column)
	if k, ok := s.parents[l.Table][id]; ok {
		return k, nil
	}
	pt := s.reg.byName[l.Table]
	p := pt.New()
	err := s.db.NewSelect().Model(p).WhereAllWithDeleted().Column(pt.keyColumns()...).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return ownerKey{}, fmt.Errorf("scope: %s %s: %w", l.Table, id, err)
	}
	return s.keyOf(ctx, pt, p)
}

// Know tells the Scoper the current state of rows its database cannot show yet (written by a transaction that has
// not committed, which the caller knows will commit before its own), so the buckets of their children are found
// without reading them.
func (s *Scoper) Know(ctx context.Context, rows []Row) error {
	for _, row := range rows {
		t := s.reg.For(row)
		if t == nil || !t.parent {
			continue
		}
		if _, err := s.keyOf(ctx, t, row); err != nil {
			return err
		}
	}
	return nil
}

// forget drops cached facts about a row that this transaction changed (a meeting moved to another month).
func (s *Scoper) forget(row Row) {
	t := s.reg.For(row)
	if t == nil {
		return
	}
	if t.parent {
		delete(s.parents[t.Name], row.SyncBase().ID)
	}
	if t.Name == UnitTable {
		delete(s.paths, row.SyncBase().ID)
	}
}

func (s *Scoper) unitScope(ctx context.Context, class, unitID, part string) (Scope, error) {
	p, err := s.unitPath(ctx, unitID)
	return Scope{Class: class, Scope: unitID, Path: p, Part: part}, err
}

// Scope returns the bucket of row.
func (s *Scoper) Scope(ctx context.Context, row Row) (Scope, error) {
	t := s.reg.For(row)
	if t == nil {
		return Scope{}, fmt.Errorf("scope: %T is not synced", row)
	}
	if t.Owner.Kind == OwnedByRow {
		col := func(c string) string { v, _ := t.str(row, c); return v }
		return Scope{Class: col("class"), Scope: col("scope"), Path: col("path"), Part: col("part")}, nil
	}
	k, err := s.keyOf(ctx, t, row)
	if err != nil {
		return Scope{}, err
	}
	switch t.Owner.Kind {
	case OwnedByUnit:
		if k.null && t.Owner.NullIsRoot {
			return Scope{Class: t.Class, Path: "/", Part: k.part}, nil
		}
		return s.unitScope(ctx, t.Class, k.owner, k.part)
	case OwnedByUser:
		return Scope{Class: t.Class, Scope: k.owner, Part: k.part}, nil
	case OwnedByRef:
		return Scope{Class: t.Class, Scope: refScope(k.owner), Part: k.part}, nil
	}
	return Scope{}, fmt.Errorf("scope: %s has no owner rule", t.Name)
}

// Preload fills the Scoper's caches for many rows at once (a push batch or a snapshot page), so scope lookups
// take one query per table and one for the units instead of one per row.
func (s *Scoper) Preload(ctx context.Context, rows []Row) error {
	var units []string
	parentIDs := map[string][]string{}
	for _, row := range rows {
		t := s.reg.For(row)
		if t == nil {
			continue
		}
		if t.Name == UnitTable {
			if p, _ := t.str(row, "path"); p != "" {
				s.paths[row.SyncBase().ID] = p
			}
		}
		o := t.Owner
		for _, l := range []*Link{o.Via, o.MonthVia, o.UnitVia} {
			if l != nil {
				id, _ := t.str(row, l.Column)
				parentIDs[l.Table] = append(parentIDs[l.Table], id)
			}
		}
		if o.Kind == OwnedByUnit && o.Via == nil {
			if id, ok := t.str(row, o.Column); ok {
				units = append(units, id)
			}
		}
	}
	for _, pt := range s.reg.list {
		cache := s.parents[pt.Name]
		ids := s.missing(parentIDs[pt.Name], func(id string) bool { _, ok := cache[id]; return ok })
		if len(ids) == 0 {
			continue
		}
		parents, err := s.load(ctx, pt, pt.keyColumns(), ids)
		if err != nil {
			return err
		}
		if err := s.Preload(ctx, parents); err != nil {
			return err
		}
		for _, p := range parents {
			k, err := s.keyOf(ctx, pt, p)
			if err != nil {
				return err
			}
			if pt.Owner.Kind == OwnedByUnit && !k.null {
				units = append(units, k.owner)
			}
		}
	}
	if ids := s.missing(units, func(id string) bool { _, ok := s.paths[id]; return ok }); len(ids) > 0 {
		ut, err := s.units()
		if err != nil {
			return err
		}
		us, err := s.load(ctx, ut, []string{"id", "path"}, ids)
		if err != nil {
			return err
		}
		for _, u := range us {
			s.paths[u.SyncBase().ID], _ = ut.str(u, "path")
		}
	}
	return nil
}

// load reads the columns cols of the rows of t with the given ids, deleted ones included.
func (s *Scoper) load(ctx context.Context, t *Table, cols, ids []string) ([]Row, error) {
	slice := reflect.New(reflect.SliceOf(reflect.TypeOf(t.New())))
	if err := s.db.NewSelect().Model(slice.Interface()).WhereAllWithDeleted().Column(cols...).
		Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	list := slice.Elem()
	out := make([]Row, list.Len())
	for i := range out {
		out[i] = list.Index(i).Interface().(Row)
	}
	return out, nil
}

func (s *Scoper) missing(ids []string, have func(string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] && !have(id) {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
