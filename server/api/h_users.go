package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// UserInput is the body of POST /users. Without a password the server makes a one-time password, returns it
// once (UserCreated.OneTimePassword) and makes the user change it at the first sign-in.
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
// The grant holds from valid_from to valid_to (both included, both optional).
type GrantInput struct {
	Role      domain.Role `json:"role"`
	OrgUnitID *string     `json:"org_unit_id"`
	ValidFrom domain.Date `json:"valid_from"`
	ValidTo   domain.Date `json:"valid_to"`
}

// GrantPeriod is the body of PATCH /grants/{id}: the days the grant holds (null or absent: no bound). Ending a
// grant on a day keeps it in the user's history; DELETE revokes it outright.
type GrantPeriod struct {
	ValidFrom domain.Date `json:"valid_from"`
	ValidTo   domain.Date `json:"valid_to"`
}

// UserCreated is the answer to POST /users: the user and, when the server chose the password, that one-time
// password — shown this once, never stored in clear.
type UserCreated struct {
	store.UserView
	OneTimePassword string `json:"one_time_password,omitempty"`
}

// PasswordReset is the answer to POST /users/{id}/password-reset: a new one-time password, shown this once. The
// user's sessions are ended and the user must choose a new password at the next sign-in.
type PasswordReset struct {
	OneTimePassword string         `json:"one_time_password"`
	User            store.UserView `json:"user"`
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
	oneTime := ""
	if in.Password == "" {
		oneTime = auth.OneTimePassword()
		in.Password, in.MustChangePassword = oneTime, true
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
	return c.JSON(http.StatusCreated, UserCreated{UserView: *view, OneTimePassword: oneTime})
}

// resetPassword gives a user a new one-time password, ends its sessions and makes it choose a new password at the
// next sign-in.
func (s *Server) resetPassword(c echo.Context) error {
	id, err := idParam(c, "id", "@what.user")
	if err != nil {
		return err
	}
	p := principal(c)
	if id == p.UserID {
		return domain.Invalid("id", "user.self_reset")
	}
	pw := auth.OneTimePassword()
	hash, err := s.hashNewPassword(pw, "password")
	if err != nil {
		return err
	}
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := adminOfUser(ctx, tx, p, id); err != nil {
			return err
		}
		if err := store.SetPassword(ctx, tx, id, hash); err != nil {
			return err
		}
		return store.SetMustChangePassword(ctx, tx, id, true)
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	view, err := store.GetUser(c.Request().Context(), s.db.R, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, PasswordReset{OneTimePassword: pw, User: *view})
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
	g := &store.RoleGrant{UserID: id, Role: in.Role, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo}
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

// updateGrant changes the days a grant holds.
func (s *Server) updateGrant(c echo.Context) error {
	id, err := idParam(c, "id", "@what.grant")
	if err != nil {
		return err
	}
	var in GrantPeriod
	if err := decode(c, &in); err != nil {
		return err
	}
	p := principal(c)
	var out *store.GrantView
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
		out, err = store.UpdateGrantPeriod(ctx, tx, id, in.ValidFrom, in.ValidTo)
		return err
	})
	if err != nil {
		return err
	}
	s.cache.forget()
	return c.JSON(http.StatusOK, out)
}

// auditReadRoles may read the audit log of their subtrees: administrators, and supervisors (read only).
var auditReadRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor}

// listAudit lists the audit log of the caller's subtrees, filtered by unit (its subtree), user, table and period.
func (s *Server) listAudit(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Entity: c.QueryParam("entity"), EntityID: c.QueryParam("entity_id")}
	if t := c.QueryParam("table"); t != "" {
		f.Entity = t
	}
	if f.ActorID, err = queryID(c, "actor_id"); err != nil {
		return err
	}
	if u, err := queryID(c, "user"); err != nil {
		return err
	} else if u != "" {
		f.ActorID = u
	}
	if f.From, err = queryDate(c, "from"); err != nil {
		return err
	}
	if f.To, err = queryDate(c, "to"); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return domain.Invalid("to", "error.ends_before_start")
	}
	roots := principal(c).Roots(auditReadRoles...)
	if len(roots) == 0 {
		return domain.Forbidden()
	}
	unitID, err := queryID(c, "unit")
	if err != nil {
		return err
	}
	if unitID != "" {
		unit, err := s.readableUnit(c, s.db.R, unitID)
		if err != nil {
			return err
		}
		f.Unit = unit.Path
	}
	page, err := store.ListAudit(c.Request().Context(), s.db.R, f, roots, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
