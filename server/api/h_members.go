package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// MemberInput is the body of POST /members.
type MemberInput struct {
	ID                  string              `json:"id,omitempty"`
	CellID              string              `json:"cell_id"`
	FullName            string              `json:"full_name"`
	BirthYear           *int                `json:"birth_year"`
	Gender              domain.Gender       `json:"gender"`
	CardNumber          *string             `json:"card_number"`
	Membership          domain.Membership   `json:"membership"`
	Status              domain.MemberStatus `json:"status"`
	TempExemptUntil     domain.Date         `json:"temp_exempt_until"`
	TemporarilyAttached bool                `json:"temporarily_attached"`
	CellRole            string              `json:"cell_role"`
	JoinedOn            domain.Date         `json:"joined_on"`
	OfficialOn          domain.Date         `json:"official_on"`
	StatusNote          string              `json:"status_note"`
}

// MemberPatch is the body of PATCH /members/{id}: only the fields present change.
type MemberPatch struct {
	CellID              Opt[string]              `json:"cell_id"`
	FullName            Opt[string]              `json:"full_name"`
	BirthYear           Opt[int]                 `json:"birth_year"`
	Gender              Opt[domain.Gender]       `json:"gender"`
	CardNumber          Opt[string]              `json:"card_number"`
	Membership          Opt[domain.Membership]   `json:"membership"`
	Status              Opt[domain.MemberStatus] `json:"status"`
	TempExemptUntil     Opt[domain.Date]         `json:"temp_exempt_until"`
	TemporarilyAttached Opt[bool]                `json:"temporarily_attached"`
	CellRole            Opt[string]              `json:"cell_role"`
	JoinedOn            Opt[domain.Date]         `json:"joined_on"`
	OfficialOn          Opt[domain.Date]         `json:"official_on"`
	StatusNote          Opt[string]              `json:"status_note"`
}

// rosterRoles may write members.
var rosterRoles = []domain.Role{domain.RoleAdmin, domain.RoleSecretary}

func (s *Server) listMembers(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := store.MemberFilter{Query: c.QueryParam("q")}
	if f.CellID, err = queryID(c, "cell_id"); err != nil {
		return err
	}
	if f.Under, err = queryID(c, "under"); err != nil {
		return err
	}
	if f.Status, err = oneOf(c, "status", domain.MemberStatus.Valid); err != nil {
		return err
	}
	if f.Membership, err = oneOf(c, "membership", domain.Membership.Valid); err != nil {
		return err
	}
	page, err := store.ListMembers(c.Request().Context(), s.db.R, f, principal(c).ReadRoots(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) getMember(c echo.Context) error {
	id, err := idParam(c, "id", "@what.member")
	if err != nil {
		return err
	}
	m, err := store.GetMember(c.Request().Context(), s.db.R, id)
	if err != nil {
		return err
	}
	if !principal(c).CanRead(m.CellPath) {
		return domain.NotFound("@what.member")
	}
	return c.JSON(http.StatusOK, m)
}

// writableCell checks that the caller may keep the roster of cell id.
func writableCell(ctx context.Context, db bun.IDB, p *domain.Principal, id string) error {
	cellID, ok := domain.ParseID(id)
	if !ok {
		return domain.Invalid("cell_id", "error.bad_id")
	}
	cell, err := store.GetOrgUnit(ctx, db, cellID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.Invalid("cell_id", "error.not_found", "what", "@what.org_unit")
		}
		return err
	}
	if !p.Can(cell.Path, rosterRoles...) {
		return domain.Forbidden()
	}
	return nil
}

func (s *Server) createMember(c echo.Context) error {
	var in MemberInput
	if err := decode(c, &in); err != nil {
		return err
	}
	m := &store.Member{CellID: in.CellID, FullName: in.FullName, BirthYear: in.BirthYear, Gender: in.Gender,
		CardNumber: in.CardNumber, Membership: in.Membership, Status: in.Status, TempExemptUntil: in.TempExemptUntil,
		TemporarilyAttached: in.TemporarilyAttached, CellRole: in.CellRole, JoinedOn: in.JoinedOn,
		OfficialOn: in.OfficialOn, StatusNote: in.StatusNote}
	if err := clientID(in.ID, &m.ID); err != nil {
		return err
	}
	p := principal(c)
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if err := writableCell(ctx, tx, p, m.CellID); err != nil {
			return err
		}
		m.CellID, _ = domain.ParseID(m.CellID)
		return store.CreateMember(ctx, tx, m)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

func (s *Server) updateMember(c echo.Context) error {
	id, err := idParam(c, "id", "@what.member")
	if err != nil {
		return err
	}
	var in MemberPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	p := principal(c)
	var m store.Member
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		cur, err := store.GetMember(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Can(cur.CellPath, rosterRoles...) {
			return domain.Forbidden()
		}
		m = cur.Member
		if in.CellID.Set && !in.CellID.Null {
			if err := writableCell(ctx, tx, p, in.CellID.Value); err != nil {
				return err
			}
			m.CellID, _ = domain.ParseID(in.CellID.Value)
		}
		in.FullName.apply(&m.FullName)
		in.BirthYear.applyPtr(&m.BirthYear)
		in.Gender.apply(&m.Gender)
		in.CardNumber.applyPtr(&m.CardNumber)
		in.Membership.apply(&m.Membership)
		in.Status.apply(&m.Status)
		in.TempExemptUntil.apply(&m.TempExemptUntil)
		in.TemporarilyAttached.apply(&m.TemporarilyAttached)
		in.CellRole.apply(&m.CellRole)
		in.JoinedOn.apply(&m.JoinedOn)
		in.OfficialOn.apply(&m.OfficialOn)
		in.StatusNote.apply(&m.StatusNote)
		return store.UpdateMember(ctx, tx, &m)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) deleteMember(c echo.Context) error {
	id, err := idParam(c, "id", "@what.member")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		cur, err := store.GetMember(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Can(cur.CellPath, rosterRoles...) {
			return domain.Forbidden()
		}
		return store.DeleteMember(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
