package engine

import (
	"context"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// The classes each scope kind covers. No caller gets a root scope any more (see scopesFor); the kind stays in the
// engine for the protocol's sake.
var (
	cellClasses = []string{changelog.ClassUnit, changelog.ClassRoster, changelog.ClassMeetings, changelog.ClassRecs, changelog.ClassAssign}
	userClasses = []string{changelog.ClassReports, changelog.ClassInbox}
	refClasses  = []string{changelog.ClassRef}
	// unitClasses: a commune's unit scope covers the unit class over its subtree (wire.SubtreeClasses) and, at
	// exactly its path, its own meetings of the other forms, its commune-level recommendations and its expanded
	// committee meetings' assignments.
	unitClasses = []string{changelog.ClassAssign, changelog.ClassMeetings, changelog.ClassRecs, changelog.ClassUnit}
)

// scopesFor returns the scopes of a caller: a cell scope for each cell it is assigned to (official) or keeps
// (secretary), a unit scope for each commune it works in (communes, from store.WorkCommunes), its own user scope, and the
// reference data of the provinces it works in.
//
// A supervisor's or admin's grant gives no scope of its subtree: its screens (coverage, recommendations, the
// monthly report, assignments) read the API and keep their last answer on the device, so a province's supervisor
// does not download the province's units, users, assignments and recommendations with their history (hundreds of
// thousands of rows) to a phone. The grant still brings the reference data of its province (the recommendation
// fields its screens filter by).
func scopesFor(p *domain.Principal, communes []domain.UnitRef) []wire.ScopeDef {
	var defs []wire.ScopeDef
	seen := map[string]bool{}
	provinces := map[string]bool{}
	province := func(path string) {
		if path != "" && path != "/" {
			provinces[strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]] = true
		}
	}
	add := func(d wire.ScopeDef) {
		if !seen[d.Key] {
			seen[d.Key] = true
			defs = append(defs, d)
		}
		province(d.Path)
	}
	for _, c := range p.Assigned {
		add(wire.ScopeDef{Key: wire.KindCell + ":" + c.ID, Kind: wire.KindCell, ID: c.ID, Path: c.Path, Classes: cellClasses})
	}
	global := false
	for _, g := range p.Grants {
		switch g.Role {
		case domain.RoleSecretary:
			add(wire.ScopeDef{Key: wire.KindCell + ":" + g.OrgUnitID, Kind: wire.KindCell, ID: g.OrgUnitID, Path: g.Path, Classes: cellClasses})
		case domain.RoleAdmin, domain.RoleSupervisor:
			if g.OrgUnitID == "" {
				global = true
			}
			province(g.Path)
		}
	}
	for _, c := range communes {
		add(wire.ScopeDef{Key: wire.KindUnit + ":" + c.ID, Kind: wire.KindUnit, ID: c.ID, Path: c.Path, Classes: unitClasses})
	}
	add(wire.ScopeDef{Key: wire.KindUser + ":" + p.UserID, Kind: wire.KindUser, ID: p.UserID, Classes: userClasses})
	refs := []string{changelog.DefaultRefScope}
	if global {
		refs = []string{"*"}
	} else {
		for id := range provinces {
			refs = append(refs, id)
		}
		sort.Strings(refs)
	}
	add(wire.ScopeDef{Key: wire.KindRef, Kind: wire.KindRef, ID: "", Classes: refClasses, Refs: refs})
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].Key < defs[j].Key })
	return defs
}

// scopesKey names a principal's scopes among its derived values (domain.Principal.Derived).
type scopesKey struct{}

// scopesOf returns the scopes of p (scopesFor). A principal that carries its communes (the API's, kept across
// the caller's requests) has them computed once and shared: they are read, never changed. A poll computed them
// anew each time, a kilobyte of garbage of about five a poll makes.
func (e *Engine) scopesOf(ctx context.Context, p *domain.Principal) ([]wire.ScopeDef, error) {
	if p.WorkCommunes != nil {
		return p.Derived(scopesKey{}, func() any { return scopesFor(p, p.WorkCommunes) }).([]wire.ScopeDef), nil
	}
	communes, err := store.WorkCommunes(ctx, e.db.R, p)
	if err != nil {
		return nil, err
	}
	return scopesFor(p, communes), nil
}

// where adds to q the condition "the row's bucket (columns class, scope, path, part) is covered by def".
func where(q bun.QueryBuilder, def wire.ScopeDef, window string) bun.QueryBuilder {
	return q.WhereGroup(" OR ", func(q bun.QueryBuilder) bun.QueryBuilder {
		q = q.Where("class IN (?)", bun.List(def.Classes))
		switch def.Kind {
		case wire.KindCell, wire.KindRoot:
			q = q.Where("path >= ? AND path < ?", def.Path, domain.PathUpper(def.Path))
		case wire.KindUnit:
			q = q.WhereGroup(" AND ", func(q bun.QueryBuilder) bun.QueryBuilder {
				return q.WhereOr("class IN (?) AND path >= ? AND path < ?", bun.List(wire.SubtreeClasses), def.Path, domain.PathUpper(def.Path)).
					WhereOr("class NOT IN (?) AND path = ?", bun.List(wire.SubtreeClasses), def.Path)
			})
		case wire.KindUser:
			q = q.Where("scope = ?", def.ID)
		case wire.KindRef:
			if !(len(def.Refs) == 1 && def.Refs[0] == "*") {
				q = q.Where("scope IN (?)", bun.List(def.Refs))
			}
		}
		return q.Where("(part = '' OR part >= ?)", window)
	})
}

// coverWhere adds to q the condition "covered by one of defs", where defs in fresh only count for transactions
// after since (their snapshot covers what came before).
func coverWhere(q bun.QueryBuilder, defs []wire.ScopeDef, window string, fresh map[string]bool, since int64) bun.QueryBuilder {
	return q.WhereGroup(" AND ", func(q bun.QueryBuilder) bun.QueryBuilder {
		if len(defs) == 0 {
			return q.Where("1 = 0")
		}
		for _, d := range defs {
			if fresh[d.Key] {
				q = q.WhereGroup(" OR ", func(q bun.QueryBuilder) bun.QueryBuilder {
					q = where(q, d, window)
					return q.Where("tx > ?", since)
				})
				continue
			}
			q = where(q, d, window)
		}
		return q
	})
}
