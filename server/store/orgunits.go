package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Normalize cleans the unit's text, folds its name for search and checks its fields.
func (u *OrgUnit) Normalize() error {
	u.Name = domain.CleanText(u.Name)
	u.Code = domain.CleanText(u.Code)
	u.Address = domain.CleanText(u.Address)
	u.NameFold = domain.Fold(u.Name)
	switch {
	case u.Name == "":
		return domain.Invalid("name", "error.required", "field", "name")
	case !u.Kind.Valid():
		return domain.Invalid("kind", "org.bad_kind")
	case !u.OpenedOn.IsZero() && !u.ClosedOn.IsZero() && u.ClosedOn.Before(u.OpenedOn):
		return domain.Invalid("closed_on", "org.closed_before_opened")
	}
	if err := checkLen("name", u.Name, 200); err != nil {
		return err
	}
	if err := checkLen("code", u.Code, 50); err != nil {
		return err
	}
	return checkLen("address", u.Address, 500)
}

// GetOrgUnit returns the live unit id.
func GetOrgUnit(ctx context.Context, db bun.IDB, id string) (*OrgUnit, error) {
	u := new(OrgUnit)
	if err := db.NewSelect().Model(u).Where("ou.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.org_unit")
	}
	return u, nil
}

// CreateOrgUnit inserts u under its parent (none for a root), computing its path and depth.
func CreateOrgUnit(ctx context.Context, db bun.IDB, u *OrgUnit) error {
	if err := u.Normalize(); err != nil {
		return err
	}
	if u.ID == "" {
		u.ID = domain.NewID()
	}
	u.Path, u.Depth = "/"+u.ID+"/", 0
	if u.ParentID != nil {
		parent, err := GetOrgUnit(ctx, db, *u.ParentID)
		if err != nil {
			return err
		}
		if err := checkPlace(ctx, db, u, parent, false); err != nil {
			return err
		}
		if err := checkParentOpen(u, parent); err != nil {
			return err
		}
		u.Path, u.Depth = parent.Path+u.ID+"/", parent.Depth+1
	}
	if err := Insert(ctx, db, u); err != nil {
		return uniqueOr(err, "@what.code")
	}
	return Audit(ctx, db, "create", "org_unit", u.ID, &u.ID, nil, u)
}

// UpdateOrgUnit writes the changed unit u. When its parent changed, the whole subtree moves: every descendant's
// path and depth are rewritten in one statement, the sync buckets follow, and a new sync epoch makes every
// client resync (a move is rare, and every row below the unit changed place).
func UpdateOrgUnit(ctx context.Context, db bun.IDB, u *OrgUnit) error {
	before, err := GetOrgUnit(ctx, db, u.ID)
	if err != nil {
		return err
	}
	if err := u.Normalize(); err != nil {
		return err
	}
	u.CreatedAt, u.Path, u.Depth = before.CreatedAt, before.Path, before.Depth
	if moved := deref(u.ParentID) != deref(before.ParentID); moved || u.Kind != before.Kind {
		var parent *OrgUnit
		if u.ParentID != nil {
			if parent, err = GetOrgUnit(ctx, db, *u.ParentID); err != nil {
				return err
			}
			if moved && domain.Under(parent.Path, before.Path) {
				return domain.Invalid("parent_id", "org.cycle")
			}
		}
		if err := checkPlace(ctx, db, u, parent, u.Kind != before.Kind); err != nil {
			return err
		}
		if moved && parent != nil {
			if err := checkParentOpen(u, parent); err != nil {
				return err
			}
		}
	}
	if !u.ClosedOn.IsZero() && (before.ClosedOn.IsZero() || u.ClosedOn.After(before.ClosedOn)) {
		if err := checkEmptyAfter(ctx, db, u); err != nil {
			return err
		}
	}
	if deref(u.ParentID) != deref(before.ParentID) {
		newPath, newDepth := "/"+u.ID+"/", 0
		if u.ParentID != nil {
			parent, err := GetOrgUnit(ctx, db, *u.ParentID)
			if err != nil {
				return err
			}
			if domain.Under(parent.Path, before.Path) {
				return domain.Invalid("parent_id", "org.cycle")
			}
			newPath, newDepth = parent.Path+u.ID+"/", parent.Depth+1
		}
		_, err := db.NewUpdate().Model((*OrgUnit)(nil)).
			Set("path = ? || substr(path, ?)", newPath, len(before.Path)+1).
			Set("depth = depth + ?", newDepth-before.Depth).
			Where("path >= ? AND path < ?", before.Path, domain.PathUpper(before.Path)).
			Exec(ctx)
		if err != nil {
			return domain.Internal(err)
		}
		if _, err := db.NewRaw(`UPDATE sync_buckets SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?`,
			newPath, len(before.Path)+1, before.Path, domain.PathUpper(before.Path)).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
		if err := NewEpoch(ctx, db, nil, "org unit moved"); err != nil {
			return domain.Internal(err)
		}
		u.Path, u.Depth = newPath, newDepth
	}
	if err := Update(ctx, db, before, u); err != nil {
		return uniqueOr(err, "@what.code")
	}
	return Audit(ctx, db, "update", "org_unit", u.ID, &u.ID, before, u)
}

// checkParentOpen refuses to put unit u under a parent that closes before u does: a closed unit takes no new
// children after its closing day.
func checkParentOpen(u, parent *OrgUnit) error {
	if parent.ClosedOn.IsZero() || (!u.ClosedOn.IsZero() && !u.ClosedOn.After(parent.ClosedOn)) {
		return nil
	}
	return domain.Invalid("parent_id", "org.closed", "name", parent.Name, "date", parent.ClosedOn.VN())
}

// checkEmptyAfter refuses to close u on u.ClosedOn while a live child stays open after that day, or, for a cell,
// while members are still on its roll: they are moved (or the unit merged) first.
func checkEmptyAfter(ctx context.Context, db bun.IDB, u *OrgUnit) error {
	var open []OrgUnit
	if err := db.NewSelect().Model(&open).Column("ou.name").Where("ou.parent_id = ?", u.ID).
		Where("ou.closed_on IS NULL OR ou.closed_on > ?", u.ClosedOn).OrderExpr("ou.name_fold").Limit(1).Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	if len(open) > 0 {
		return domain.Invalid("closed_on", "org.close_open_children", "name", open[0].Name)
	}
	if u.Kind != domain.KindCell {
		return nil
	}
	n, err := db.NewSelect().Model((*Member)(nil)).Where("m.cell_id = ?", u.ID).Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		return domain.Invalid("closed_on", "org.close_members", "n", itoa(int(n)))
	}
	return nil
}

// checkPlace enforces the kind hierarchy (domain.OrgKind.CanBeUnder) for unit u under parent (nil: a root), and,
// when u's kind changes, between u and its live children. Creating and moving a unit both go through it.
func checkPlace(ctx context.Context, db bun.IDB, u, parent *OrgUnit, kindChanged bool) error {
	if parent != nil && !u.Kind.CanBeUnder(parent.Kind) {
		return domain.Invalid("parent_id", "org.bad_place", "kind", "@org.kind."+string(u.Kind), "parent", "@org.kind."+string(parent.Kind))
	}
	if !kindChanged {
		return nil
	}
	var kinds []domain.OrgKind
	if err := db.NewSelect().Model((*OrgUnit)(nil)).ColumnExpr("DISTINCT ou.kind").Where("ou.parent_id = ?", u.ID).
		Scan(ctx, &kinds); err != nil {
		return domain.Internal(err)
	}
	for _, k := range kinds {
		if !k.CanBeUnder(u.Kind) {
			return domain.Invalid("kind", "org.bad_place", "kind", "@org.kind."+string(k), "parent", "@org.kind."+string(u.Kind))
		}
	}
	return nil
}

// DeleteOrgUnit soft-deletes a unit that has no live children, members or users.
func DeleteOrgUnit(ctx context.Context, db bun.IDB, id string) error {
	u, err := GetOrgUnit(ctx, db, id)
	if err != nil {
		return err
	}
	for _, q := range []*bun.SelectQuery{
		db.NewSelect().Model((*OrgUnit)(nil)).Where("ou.parent_id = ?", id),
		db.NewSelect().Model((*Member)(nil)).Where("m.cell_id = ?", id),
		db.NewSelect().Model((*User)(nil)).Where("u.home_org_unit_id = ?", id),
	} {
		n, err := q.Count(ctx)
		if err != nil {
			return domain.Internal(err)
		}
		if n > 0 {
			return domain.E(domain.CodeConflict, "error.in_use", "what", "@what.org_unit")
		}
	}
	before := *u
	if err := SoftDelete(ctx, db, u); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "org_unit", id, &id, &before, nil)
}

// uniqueOr maps a unique violation to a conflict naming what, and other errors to internal ones.
func uniqueOr(err error, what string) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isUnique(err) {
		return domain.E(domain.CodeConflict, "error.duplicate", "what", what)
	}
	if isForeignKey(err) {
		return domain.Invalid("", "error.bad_value", "field", "id")
	}
	return domain.Internal(err)
}

// OrgUnitFilter selects org units.
type OrgUnitFilter struct {
	ParentID string         // direct children of this unit
	Under    string         // the whole subtree of this unit (not the unit itself)
	Kind     domain.OrgKind // only this kind
	Query    string         // name or code contains, ignoring diacritics and case
	Roots    bool           // only units without a parent
	Upper    bool           // only units above the cells: no cells, no party groups
}

// ListOrgUnits lists the units in the subtrees under roots that match f, by name.
func ListOrgUnits(ctx context.Context, db bun.IDB, f OrgUnitFilter, roots []string, p PageRequest) (Page[OrgUnit], error) {
	q := db.NewSelect().Model((*OrgUnit)(nil))
	q = inSubtrees(q, "ou.path", roots)
	if f.ParentID != "" {
		q = q.Where("ou.parent_id = ?", f.ParentID)
	}
	if f.Roots {
		q = q.Where("ou.parent_id IS NULL")
	}
	if f.Under != "" {
		parent, err := GetOrgUnit(ctx, db, f.Under)
		if err != nil {
			return Page[OrgUnit]{}, err
		}
		q = q.Where("ou.path > ? AND ou.path < ?", parent.Path, domain.PathUpper(parent.Path))
	}
	if f.Kind != "" {
		q = q.Where("ou.kind = ?", f.Kind)
	}
	if f.Upper {
		q = q.Where("ou.kind NOT IN (?)", bun.List([]domain.OrgKind{domain.KindCell, domain.KindPartyGroup}))
	}
	if f.Query != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = whereFold(q, "ou.name_fold", f.Query)
			return q.WhereOr("lower(ou.code) = lower(?)", domain.CleanText(f.Query))
		})
	}
	return keysetPage(ctx, q, p, "ou.name_fold", "ou.id", func(u OrgUnit) (string, string) { return u.NameFold, u.ID })
}

// Ancestors returns the units on the path of u from the root down, u excluded.
func Ancestors(ctx context.Context, db bun.IDB, u *OrgUnit) ([]OrgUnit, error) {
	var ids []string
	for _, s := range splitPath(u.Path) {
		if s != u.ID {
			ids = append(ids, s)
		}
	}
	out := []OrgUnit{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := db.NewSelect().Model(&out).Where("ou.id IN (?)", bun.List(ids)).OrderExpr("ou.depth").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

func splitPath(path string) []string {
	var ids []string
	start := 1
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			ids = append(ids, path[start:i])
			start = i + 1
		}
	}
	return ids
}

// ProvinceOf returns the id of the top unit of u's tree (the province whose reference data applies).
func ProvinceOf(u *OrgUnit) string {
	if ids := splitPath(u.Path); len(ids) > 0 {
		return ids[0]
	}
	return u.ID
}
