package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// OrgUnitInput is the body of POST /org-units.
type OrgUnitInput struct {
	ID       string         `json:"id,omitempty"`
	ParentID *string        `json:"parent_id"`
	Kind     domain.OrgKind `json:"kind"`
	Code     string         `json:"code"`
	Name     string         `json:"name"`
	OpenedOn domain.Date    `json:"opened_on"`
	ClosedOn domain.Date    `json:"closed_on"`
	Address  string         `json:"address"`
}

// OrgUnitPatch is the body of PATCH /org-units/{id}: only the fields present change.
type OrgUnitPatch struct {
	ParentID Opt[string]         `json:"parent_id"`
	Kind     Opt[domain.OrgKind] `json:"kind"`
	Code     Opt[string]         `json:"code"`
	Name     Opt[string]         `json:"name"`
	OpenedOn Opt[domain.Date]    `json:"opened_on"`
	ClosedOn Opt[domain.Date]    `json:"closed_on"`
	Address  Opt[string]         `json:"address"`
}

// OrgUnitDetail is a unit with the ancestors the caller may see (for breadcrumbs), and the units it came from
// and went into by a merge or split (those the caller may see).
type OrgUnitDetail struct {
	store.OrgUnit
	Ancestors    []store.OrgUnit    `json:"ancestors"`
	Predecessors []store.LinkedUnit `json:"predecessors"`
	Successors   []store.LinkedUnit `json:"successors"`
}

// MergeTarget is the successor of a merge: an existing unit (id) or a new one (name, code, and parent_id unless
// the merged units share their parent).
type MergeTarget struct {
	ID       string  `json:"id,omitempty"`
	Name     string  `json:"name,omitempty"`
	Code     string  `json:"code,omitempty"`
	ParentID *string `json:"parent_id,omitempty"`
	Address  string  `json:"address,omitempty"`
}

// UnmarshalJSON also takes the successor as a string: an existing unit's id, or else a new unit's name.
func (m *MergeTarget) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if id, ok := domain.ParseID(s); ok {
			*m = MergeTarget{ID: id}
		} else {
			*m = MergeTarget{Name: s}
		}
		return nil
	}
	type plain MergeTarget
	return json.Unmarshal(b, (*plain)(m))
}

// MergeInput is the body of POST /org-units/merge. With dry_run the merge is worked out and reported, then undone.
type MergeInput struct {
	Into   MergeTarget `json:"into"`
	From   []string    `json:"from"`
	On     domain.Date `json:"on"`
	DryRun bool        `json:"dry_run"`
}

// MergeOutput is what a merge did (or, with dry_run, would do).
type MergeOutput struct {
	store.MergeResult
	DryRun bool `json:"dry_run"`
}

// SplitInput is the body of POST /org-units/{id}/split. With dry_run the split is worked out and reported, then
// undone.
type SplitInput struct {
	On     domain.Date       `json:"on"`
	Parts  []store.SplitPart `json:"parts"`
	DryRun bool              `json:"dry_run"`
}

// SplitOutput is what a split did (or, with dry_run, would do).
type SplitOutput struct {
	store.SplitResult
	DryRun bool `json:"dry_run"`
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// adminOf is the store.Allow of the caller: admin of the unit's subtree.
func adminOf(p *domain.Principal) store.Allow {
	return func(u *store.OrgUnit) error {
		if !p.Can(u.Path, domain.RoleAdmin) {
			return domain.Forbidden()
		}
		return nil
	}
}

func (s *Server) mergeOrgUnits(c echo.Context) error {
	var in MergeInput
	if err := decode(c, &in); err != nil {
		return err
	}
	spec := store.MergeSpec{From: in.From, On: in.On,
		Into: store.OrgUnit{Name: in.Into.Name, Code: in.Into.Code, Address: in.Into.Address}}
	if in.Into.ID != "" {
		id, ok := domain.ParseID(in.Into.ID)
		if !ok {
			return domain.Invalid("into.id", "error.bad_id")
		}
		spec.Into.ID = id
	}
	if in.Into.ParentID != nil {
		pid, ok := domain.ParseID(*in.Into.ParentID)
		if !ok {
			return domain.Invalid("into.parent_id", "error.bad_id")
		}
		spec.Into.ParentID = &pid
	}
	var out MergeOutput
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		res, err := store.MergeOrgUnits(ctx, tx, spec, adminOf(principal(c)))
		if err != nil {
			return err
		}
		out.MergeResult = *res
		if in.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		out.DryRun = true
		return c.JSON(http.StatusOK, out)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) splitOrgUnit(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	var in SplitInput
	if err := decode(c, &in); err != nil {
		return err
	}
	var out SplitOutput
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		res, err := store.SplitOrgUnit(ctx, tx, id, in.On, in.Parts, adminOf(principal(c)))
		if err != nil {
			return err
		}
		out.SplitResult = *res
		if in.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		out.DryRun = true
		return c.JSON(http.StatusOK, out)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listOrgUnits(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := store.OrgUnitFilter{Query: c.QueryParam("q")}
	if f.ParentID, err = queryID(c, "parent_id"); err != nil {
		return err
	}
	if f.Under, err = queryID(c, "under"); err != nil {
		return err
	}
	if f.Kind, err = oneOf(c, "kind", domain.OrgKind.Valid); err != nil {
		return err
	}
	roots, err := queryBool(c, "roots")
	if err != nil {
		return err
	}
	f.Roots = roots != nil && *roots
	upper, err := queryBool(c, "upper")
	if err != nil {
		return err
	}
	f.Upper = upper != nil && *upper
	page, err := store.ListOrgUnits(c.Request().Context(), s.db.R, f, principal(c).ReadRoots(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// readableUnit loads unit id and answers 404 when the caller may not read it.
func (s *Server) readableUnit(c echo.Context, db bun.IDB, id string) (*store.OrgUnit, error) {
	u, err := store.GetOrgUnit(c.Request().Context(), db, id)
	if err != nil {
		return nil, err
	}
	if !principal(c).CanRead(u.Path) {
		return nil, domain.NotFound("@what.org_unit")
	}
	return u, nil
}

func (s *Server) getOrgUnit(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	u, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	anc, err := store.Ancestors(c.Request().Context(), s.db.R, u)
	if err != nil {
		return err
	}
	d := OrgUnitDetail{OrgUnit: *u, Ancestors: []store.OrgUnit{}, Predecessors: []store.LinkedUnit{}, Successors: []store.LinkedUnit{}}
	p := principal(c)
	for _, a := range anc {
		if p.CanRead(a.Path) {
			d.Ancestors = append(d.Ancestors, a)
		}
	}
	preds, succs, err := store.Lineage(c.Request().Context(), s.db.R, u.ID)
	if err != nil {
		return err
	}
	for _, l := range preds {
		if p.CanRead(l.Path) {
			d.Predecessors = append(d.Predecessors, l)
		}
	}
	for _, l := range succs {
		if p.CanRead(l.Path) {
			d.Successors = append(d.Successors, l)
		}
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) createOrgUnit(c echo.Context) error {
	var in OrgUnitInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u := &store.OrgUnit{ParentID: in.ParentID, Kind: in.Kind, Code: in.Code, Name: in.Name,
		OpenedOn: in.OpenedOn, ClosedOn: in.ClosedOn, Address: in.Address}
	if err := clientID(in.ID, &u.ID); err != nil {
		return err
	}
	p := principal(c)
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if u.ParentID == nil {
			if !p.Can("/", domain.RoleAdmin) {
				return domain.Forbidden()
			}
		} else {
			parentID, ok := domain.ParseID(*u.ParentID)
			if !ok {
				return domain.Invalid("parent_id", "error.bad_id")
			}
			u.ParentID = &parentID
			parent, err := store.GetOrgUnit(ctx, tx, parentID)
			if err != nil {
				return err
			}
			if !p.Can(parent.Path, domain.RoleAdmin) {
				return domain.Forbidden()
			}
		}
		return store.CreateOrgUnit(ctx, tx, u)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) updateOrgUnit(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	var in OrgUnitPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	p := principal(c)
	var u *store.OrgUnit
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err = store.GetOrgUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Can(u.Path, domain.RoleAdmin) {
			return domain.Forbidden()
		}
		in.ParentID.applyPtr(&u.ParentID)
		if in.ParentID.Set {
			// Moving: the admin must hold the destination too, and cannot move its own grant's root.
			if u.ParentID == nil {
				if !p.Can("/", domain.RoleAdmin) {
					return domain.Forbidden()
				}
			} else {
				pid, ok := domain.ParseID(*u.ParentID)
				if !ok {
					return domain.Invalid("parent_id", "error.bad_id")
				}
				u.ParentID = &pid
				dest, err := store.GetOrgUnit(ctx, tx, pid)
				if err != nil {
					return err
				}
				if !p.Can(dest.Path, domain.RoleAdmin) || !p.Can(parentPath(u.Path), domain.RoleAdmin) {
					return domain.Forbidden()
				}
			}
		}
		in.Kind.apply(&u.Kind)
		in.Code.apply(&u.Code)
		in.Name.apply(&u.Name)
		in.OpenedOn.apply(&u.OpenedOn)
		in.ClosedOn.apply(&u.ClosedOn)
		in.Address.apply(&u.Address)
		return store.UpdateOrgUnit(ctx, tx, u)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// parentPath returns the path of the parent of the unit at path ("/" for a root).
func parentPath(path string) string {
	trimmed := path[:len(path)-1]
	for i := len(trimmed) - 1; i >= 0; i-- {
		if trimmed[i] == '/' {
			return trimmed[:i+1]
		}
	}
	return "/"
}

func (s *Server) deleteOrgUnit(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := store.GetOrgUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		// An admin may delete units inside its subtree, not the root of its own grant.
		if !p.Can(parentPath(u.Path), domain.RoleAdmin) {
			return domain.Forbidden()
		}
		return store.DeleteOrgUnit(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
