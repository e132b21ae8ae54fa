package api

import (
	"context"
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

// OrgUnitDetail is a unit with the ancestors the caller may see (for breadcrumbs).
type OrgUnitDetail struct {
	store.OrgUnit
	Ancestors []store.OrgUnit `json:"ancestors"`
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
	d := OrgUnitDetail{OrgUnit: *u, Ancestors: []store.OrgUnit{}}
	p := principal(c)
	for _, a := range anc {
		if p.CanRead(a.Path) {
			d.Ancestors = append(d.Ancestors, a)
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
