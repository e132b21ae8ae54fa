package engine

import (
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// snapshotQuery returns the query selecting the live rows of table that def covers, or false when def covers none
// of the table. Its conditions mirror the buckets the store computes for each row, so a snapshot and the bucket
// checksums agree.
func snapshotQuery(db bun.IDB, table string, def wire.ScopeDef, win string) (*bun.SelectQuery, bool) {
	class := store.ClassOfTable(table)
	if class != "" && !contains(def.Classes, class) {
		return nil, false
	}
	q := db.NewSelect()
	lo, hi := def.Path, domain.PathUpper(def.Path)
	units := db.NewSelect().Table("org_units").Column("id").Where("path >= ? AND path < ?", lo, hi)
	start := win + "-01"
	unitKind := def.Kind == wire.KindCell || def.Kind == wire.KindRoot
	switch table {
	case "org_units":
		return q.Where("ou.path >= ? AND ou.path < ?", lo, hi), unitKind
	case "annual_ratings":
		return q.Where("ar.org_unit_id IN (?)", units), unitKind
	case "users":
		if def.Path == "/" {
			return q.Where("(u.home_org_unit_id IN (?) OR u.home_org_unit_id IS NULL)", units), unitKind
		}
		return q.Where("u.home_org_unit_id IN (?)", units), unitKind
	case "members":
		return q.Where("m.cell_id IN (?)", units), unitKind
	case "assignments":
		return q.Where("a.cell_id IN (?)", units), unitKind
	case "meetings":
		return q.Where("mt.cell_id IN (?) AND mt.meeting_date >= ?", units, start), unitKind
	case "attendance":
		meetings := db.NewSelect().Table("meetings").Column("id").Where("cell_id IN (?) AND meeting_date >= ?", units, start)
		return q.Where("at.meeting_id IN (?)", meetings), unitKind
	case "recommendations":
		return q.Where("r.cell_id IN (?)", units), unitKind
	case "recommendation_answers":
		recs := db.NewSelect().Table("recommendations").Column("id").Where("cell_id IN (?)", units)
		return q.Where("ra.recommendation_id IN (?)", recs), unitKind
	case "recommendation_events":
		recs := db.NewSelect().Table("recommendations").Column("id").Where("cell_id IN (?)", units)
		return q.Where("re.recommendation_id IN (?)", recs), unitKind
	case "visit_reports":
		meetings := db.NewSelect().Table("meetings").Column("id").Where("meeting_date >= ?", start)
		return q.Where("vr.official_id = ? AND vr.meeting_id IN (?)", def.ID, meetings), def.Kind == wire.KindUser
	case "notifications":
		return q.Where("n.user_id = ?", def.ID), def.Kind == wire.KindUser
	case "recommendation_fields", "rubrics", "rating_labels":
		return refWhere(q, bun.Ident(aliasOf(table)+".province_id"), def), def.Kind == wire.KindRef
	case "rubric_criteria":
		rubrics := refWhere(db.NewSelect().Table("rubrics").Column("id"), bun.Ident("province_id"), def)
		return q.Where("rc.rubric_id IN (?)", rubrics), def.Kind == wire.KindRef
	case "sync_conflicts":
		return q.ApplyQueryBuilder(func(qb bun.QueryBuilder) bun.QueryBuilder {
			return qb.WhereGroup(" AND ", func(qb bun.QueryBuilder) bun.QueryBuilder { return where(qb, def, win) })
		}), def.Kind != wire.KindRef
	}
	return nil, false
}

// attendancePerMeeting is the number of attendance rows a snapshot page expects per meeting when it picks how many
// meetings' attendance to send (a cell has 24 members on average).
const attendancePerMeeting = 30

// attendanceMeetings selects the ids of the meetings whose attendance def covers.
func attendanceMeetings(db bun.IDB, def wire.ScopeDef, win string) *bun.SelectQuery {
	units := db.NewSelect().Table("org_units").Column("id").Where("path >= ? AND path < ?", def.Path, domain.PathUpper(def.Path))
	return db.NewSelect().Table("meetings").Column("id").Where("cell_id IN (?) AND meeting_date >= ?", units, win+"-01")
}

func aliasOf(table string) string {
	switch table {
	case "recommendation_fields":
		return "rf"
	case "rubrics":
		return "rb"
	}
	return "rl"
}

// refWhere limits q to reference rows of the provinces def covers (NULL province: the defaults).
func refWhere(q *bun.SelectQuery, col bun.Ident, def wire.ScopeDef) *bun.SelectQuery {
	if len(def.Refs) == 1 && def.Refs[0] == "*" {
		return q
	}
	var provinces []string
	dflt := false
	for _, r := range def.Refs {
		if r == store.DefaultRefScope {
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
