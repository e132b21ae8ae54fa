package engine

import (
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// snapshotQuery returns the query selecting the live rows of table that def covers, or false when def covers none
// of the table. Its conditions are derived from the table's owner rule (changelog.Table.Owner), the rule
// changelog.Scoper computes each row's bucket from, so a snapshot and the bucket checksums agree
// (TestSnapshotsMatchBuckets).
func snapshotQuery(db bun.IDB, table string, def wire.ScopeDef, win string) (*bun.SelectQuery, bool) {
	t := store.TableNamed(table)
	if t == nil || !covers(t, def) {
		return nil, false
	}
	q := db.NewSelect()
	if t.Owner.Kind == changelog.OwnedByRow {
		return q.ApplyQueryBuilder(func(qb bun.QueryBuilder) bun.QueryBuilder {
			return qb.WhereGroup(" AND ", func(qb bun.QueryBuilder) bun.QueryBuilder { return where(qb, def, win) })
		}), true
	}
	return ownerWhere(db, q, t, t.Alias(db), def, win), true
}

// covers reports whether scopes like def can receive rows of t at all: the class must be one of def's and the
// kind of owner must match the kind of scope.
func covers(t *changelog.Table, def wire.ScopeDef) bool {
	if t.Class != "" && !contains(def.Classes, t.Class) {
		return false
	}
	switch t.Owner.Kind {
	case changelog.OwnedByUnit:
		return def.Kind == wire.KindCell || def.Kind == wire.KindRoot || def.Kind == wire.KindUnit
	case changelog.OwnedByUser:
		return def.Kind == wire.KindUser
	case changelog.OwnedByRef:
		return def.Kind == wire.KindRef
	case changelog.OwnedByRow:
		return def.Kind != wire.KindRef
	}
	return false
}

// ownerWhere limits q (over t, its columns qualified by alias, or unqualified when alias is "") to the rows whose
// bucket def covers, within the window starting at month win.
func ownerWhere(db bun.IDB, q *bun.SelectQuery, t *changelog.Table, alias string, def wire.ScopeDef, win string) *bun.SelectQuery {
	col := func(c string) bun.Ident {
		if alias == "" {
			return bun.Ident(c)
		}
		return bun.Ident(alias + "." + c)
	}
	o := t.Owner
	// owner is the unit owning a unit-owned row: its column's, or, with UnitVia, the linked parent row's when the
	// link is set (the Scoper's rule, changelog.Owner.UnitVia).
	var owner any = col(o.Column)
	if o.UnitVia != nil {
		pt := store.TableNamed(o.UnitVia.Table)
		owner = bun.SafeQuery("COALESCE((SELECT ? FROM ? AS uv WHERE uv.id = ?), ?)",
			bun.Ident("uv."+pt.Owner.Column), bun.Ident(pt.Name), col(o.UnitVia.Column), col(o.Column))
	}
	switch {
	case o.Via != nil:
		q = q.Where("? IN (?)", col(o.Via.Column), parentIDs(db, o.Via, def, win, false))
	case o.Kind == changelog.OwnedByUnit && def.Kind == wire.KindUnit && !contains(wire.SubtreeClasses, t.Class):
		// A unit scope's meetings and recommendations: the commune's own, at exactly its path.
		q = q.Where("? = ?", owner, def.ID)
	case o.Kind == changelog.OwnedByUnit && t.Name == changelog.UnitTable && o.Column == "id":
		q = q.Where("? >= ? AND ? < ?", col("path"), def.Path, col("path"), domain.PathUpper(def.Path))
	case o.Kind == changelog.OwnedByUnit:
		units := db.NewSelect().Table(changelog.UnitTable).Column("id").Where("path >= ? AND path < ?", def.Path, domain.PathUpper(def.Path))
		if o.NullIsRoot && def.Path == "/" {
			q = q.Where("(? IN (?) OR ? IS NULL)", owner, units, owner)
		} else {
			q = q.Where("? IN (?)", owner, units)
		}
	case o.Kind == changelog.OwnedByUser:
		q = q.Where("? = ?", col(o.Column), def.ID)
	case o.Kind == changelog.OwnedByRef:
		q = refWhere(q, col(o.Column), def)
	}
	return partWhere(db, q, t, col, def, win)
}

// partWhere limits q to the rows of t whose part is within the window starting at month win.
func partWhere(db bun.IDB, q *bun.SelectQuery, t *changelog.Table, col func(string) bun.Ident, def wire.ScopeDef, win string) *bun.SelectQuery {
	o := t.Owner
	if o.Month != "" {
		q = q.Where("? >= ?", col(o.Month), win+"-01")
	}
	if o.MonthVia != nil {
		q = q.Where("? IN (?)", col(o.MonthVia.Column), parentIDs(db, o.MonthVia, def, win, true))
	}
	return q
}

// parentIDs selects the ids of the rows of l's table that def covers (with partOnly, those within the window,
// whoever owns them).
func parentIDs(db bun.IDB, l *changelog.Link, def wire.ScopeDef, win string, partOnly bool) *bun.SelectQuery {
	pt := store.TableNamed(l.Table)
	q := db.NewSelect().Table(pt.Name).Column("id")
	if partOnly {
		return partWhere(db, q, pt, func(c string) bun.Ident { return bun.Ident(c) }, def, win)
	}
	return ownerWhere(db, q, pt, "", def, win)
}

// attendancePerMeeting is the number of attendance rows a snapshot page expects per meeting when it picks how many
// meetings to weigh by their tallies (twice limit over it; a cell has 24 members on average).
const attendancePerMeeting = 30

// attendanceRowBytes is about the size of an attendance row's data as a page sends it (ids, times, status; with
// no reason given): a snapshot page takes no more whole meetings than wire.MaxPageBytes holds at this size.
const attendanceRowBytes = 270

// attendanceMeetings selects the ids of the meetings whose attendance def covers.
func attendanceMeetings(db bun.IDB, def wire.ScopeDef, win string) *bun.SelectQuery {
	return parentIDs(db, store.TableNamed("attendance").Owner.Via, def, win, false)
}

// refWhere limits q to reference rows of the provinces def covers (NULL province: the defaults).
func refWhere(q *bun.SelectQuery, col bun.Ident, def wire.ScopeDef) *bun.SelectQuery {
	if len(def.Refs) == 1 && def.Refs[0] == "*" {
		return q
	}
	var provinces []string
	dflt := false
	for _, r := range def.Refs {
		if r == changelog.DefaultRefScope {
			dflt = true
		} else {
			provinces = append(provinces, r)
		}
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		if dflt {
			q = q.WhereOr("? IS NULL", col)
		}
		if len(provinces) > 0 {
			q = q.WhereOr("? IN (?)", col, bun.List(provinces))
		}
		if !dflt && len(provinces) == 0 {
			q = q.Where("1 = 0")
		}
		return q
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
