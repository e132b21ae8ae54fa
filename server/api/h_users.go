package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// UserInput is the body of POST /users.
type UserInput struct {
	ID            string  `json:"id,omitempty"`
	Username      string  `json:"username"`
	Password      string  `json:"password"`
	DisplayName   string  `json:"display_name"`
	Phone         string  `json:"phone"`
	Title         string  `json:"title"`
	Locale        string  `json:"locale"`
	HomeOrgUnitID *string `json:"home_org_unit_id"`
	Active        *bool   `json:"active"`
	// MustChangePassword makes the user choose a new password at the first login.
	MustChangePassword bool `json:"must_change_password"`
}

// UserPatch is the body of PATCH /users/{id}: only the fields present change. A password resets the user's
// password and ends all their sessions.
type UserPatch struct {
	Username      Opt[string] `json:"username"`
	Password      Opt[string] `json:"password"`
	DisplayName   Opt[string] `json:"display_name"`
	Phone         Opt[string] `json:"phone"`
	Title         Opt[string] `json:"title"`
	Locale        Opt[string] `json:"locale"`
	HomeOrgUnitID Opt[string] `json:"home_org_unit_id"`
	Active        Opt[bool]   `json:"active"`
	// MustChangePassword true makes the user choose a new password at the next login (and refuses every other
	// call of a session already open until then); false lifts it.
	MustChangePassword Opt[bool] `json:"must_change_password"`
}

// GrantInput is the body of POST /users/{id}/grants. No org unit means the whole installation (admins only).
type GrantInput struct {
	Role      domain.Role `json:"role"`
	OrgUnitID *string     `json:"org_unit_id"`
}

// userReadRoles may list users (supervisors pick officials to assign).
var userReadRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor}

func (s *Server) listUsers(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := store.UserFilter{Query: c.QueryParam("q")}
	if f.Role, err = oneOf(c, "role", domain.Role.Valid); err != nil {
		return err
	}
	if f.OrgUnitID, err = queryID(c, "org_unit_id"); err != nil {
		return err
	}
	if f.Active, err = queryBool(c, "active"); err != nil {
		return err
	}
	page, err := store.ListUsers(c.Request().Context(), s.db.R, f, principal(c).Roots(userReadRoles...), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) getUser(c echo.Context) error {
	id, err := idParam(c, "id", "@what.user")
	if err != nil {
		return err
	}
	u, err := store.GetUser(c.Request().Context(), s.db.R, id)
	if err != nil {
		return err
	}
	p := principal(c)
	if !p.Can(u.HomePath, userReadRoles...) && u.ID != p.UserID {
		return domain.NotFound("@what.user")
	}
	return c.JSON(http.StatusOK, u)
}

// homePath returns the path of a home unit id (nil: "/", the whole installation).
func homePath(ctx context.Context, db bun.IDB, id *string) (*string, string, error) {
	if id == nil {
		return nil, "/", nil
	}
	uid, ok := domain.ParseID(*id)
	if !ok {
		return nil, "", domain.Invalid("home_org_unit_id", "error.bad_id")
	}
	u, err := store.GetOrgUnit(ctx, db, uid)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return nil, "", domain.Invalid("home_org_unit_id", "error.not_found", "what", "@what.org_unit")
		}
		return nil, "", err
	}
	return &uid, u.Path, nil
}

func (s *Server) createUser(c echo.Context) error {
	var in UserInput
	if err := decode(c, &in); err != nil {
		return err
	}
	hash, err := s.hashNewPassword(in.Password, "password")
	if err != nil {
		return err
	}
	u := &store.User{Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone, Title: in.Title,
		Locale: in.Locale, PasswordHash: hash, Active: in.Active == nil || *in.Active, MustChangePassword: in.MustChangePassword}
	if err := clientID(in.ID, &u.ID); err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		home, path, err := homePath(ctx, tx, in.HomeOrgUnitID)
		if err != nil {
			return err
		}
		if !p.Can(path, domain.RoleAdmin) {
			return domain.Forbidden()
		}
		u.HomeOrgUnitID = home
		return store.CreateUser(ctx, tx, u)
	})
	if err != nil {
		return err
	}
	view, err := store.GetUser(c.Request().Context(), s.db.R, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, view)
}

// adminOfUser loads user id for a write and checks the caller administers it.
func adminOfUser(ctx context.Context, db bun.IDB, p *domain.Principal, id string) (*store.UserView, error) {
	u, err := store.GetUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !p.Can(u.HomePath, domain.RoleAdmin) {
		return nil, domain.Forbidden()
	}
	return u, nil
}

func (s *Server) updateUser(c echo.Context) error {
	id, err := idParam(c, "id", "@what.user")
	if err != nil {
		return err
	}
	var in UserPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	var hash string
	if in.Password.Set {
		if hash, err = s.hashNewPassword(in.Password.Value, "password"); err != nil {
			return err
		}
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		cur, err := adminOfUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		u := cur.User
		if in.Active.Set && !in.Active.Value && id == p.UserID {
			return domain.Invalid("active", "user.self_disable")
		}
		if in.HomeOrgUnitID.Set {
			var ref *string
			if !in.HomeOrgUnitID.Null {
				ref = &in.HomeOrgUnitID.Value
			}
			home, path, err := homePath(ctx, tx, ref)
			if err != nil {
				return err
			}
			if !p.Can(path, domain.RoleAdmin) {
				return domain.Forbidden()
			}
			u.HomeOrgUnitID = home
		}
		in.Username.apply(&u.Username)
		in.DisplayName.apply(&u.DisplayName)
		in.Phone.apply(&u.Phone)
		in.Title.apply(&u.Title)
		in.Locale.apply(&u.Locale)
		in.Active.apply(&u.Active)
		if err := store.UpdateUser(ctx, tx, &u); err != nil {
			return err
		}
		if hash != "" {
			if err := store.SetPassword(ctx, tx, id, hash); err != nil {
				return err
			}
		}
		if in.MustChangePassword.Set {
			return store.SetMustChangePassword(ctx, tx, id, in.MustChangePassword.Value)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	view, err := store.GetUser(c.Request().Context(), s.db.R, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

func (s *Server) deleteUser(c echo.Context) error {
	id, err := idParam(c, "id", "@what.user")
	if err != nil {
		return err
	}
	p := principal(c)
	if id == p.UserID {
		return domain.Invalid("id", "user.self_disable")
	}
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := adminOfUser(ctx, tx, p, id); err != nil {
			return err
		}
		return store.DeleteUser(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) createGrant(c echo.Context) error {
	id, err := idParam(c, "id", "@what.user")
	if err != nil {
		return err
	}
	var in GrantInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p := principal(c)
	g := &store.RoleGrant{UserID: id, Role: in.Role}
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := adminOfUser(ctx, tx, p, id); err != nil {
			return err
		}
		unit, path, err := homePath(ctx, tx, in.OrgUnitID)
		if err != nil {
			if e := domain.AsError(err); e.Field == "home_org_unit_id" {
				e.Field = "org_unit_id"
			}
			return err
		}
		if !p.Can(path, domain.RoleAdmin) {
			return domain.Forbidden()
		}
		g.OrgUnitID = unit
		return store.CreateGrant(ctx, tx, g)
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	view, err := store.GetGrant(c.Request().Context(), s.db.R, g.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, view)
}

func (s *Server) deleteGrant(c echo.Context) error {
	id, err := idParam(c, "id", "@what.grant")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		g, err := store.GetGrant(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := adminOfUser(ctx, tx, p, g.UserID); err != nil {
			return err
		}
		if g.OrgUnitPath != "" && !p.Can(g.OrgUnitPath, domain.RoleAdmin) {
			return domain.Forbidden()
		}
		return store.DeleteGrant(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	return c.NoContent(http.StatusNoContent)
}
