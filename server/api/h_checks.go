package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// PositionInput is where a cell meets: WGS 84 degrees, and the device's accuracy in metres when known.
type PositionInput struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	AccuracyM *int     `json:"accuracy_m"`
}

// positionRoles may set a cell's position: its secretary, or an admin over it.
var positionRoles = []domain.Role{domain.RoleAdmin, domain.RoleSecretary}

func (s *Server) getMeetingProof(c echo.Context) error {
	m, err := s.readableMeeting(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	proof, err := store.ProofOf(ctx, s.db.R, m)
	if err != nil {
		return err
	}
	if err := hideUnreadableClashes(ctx, s.db.R, principal(c), proof); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, proof)
}

// hideUnreadableClashes keeps a clash with a meeting of a cell out of the caller's reading scope (a secretary's
// own cell clashing with another commune's) as a warning only: its kind, day and distance, not which meeting or cell.
func hideUnreadableClashes(ctx context.Context, db bun.IDB, p *domain.Principal, proof *store.MeetingProof) error {
	var ids []string
	for _, v := range proof.Visits {
		for _, k := range v.Clashes {
			ids = append(ids, k.CellID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var units []store.OrgUnit
	if err := db.NewSelect().Model(&units).Column("id", "path").Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return domain.Internal(err)
	}
	readable := map[string]bool{}
	for _, u := range units {
		readable[u.ID] = p.CanRead(u.Path)
	}
	for i := range proof.Visits {
		for j := range proof.Visits[i].Clashes {
			if k := &proof.Visits[i].Clashes[j]; !readable[k.CellID] {
				k.MeetingID, k.CellID, k.CellName = "", "", ""
			}
		}
	}
	return nil
}

// writableCellForPosition reads cell id for a change of its position: out of the caller's reading scope it is not
// found; readable but not the caller's to change, forbidden.
func writableCellForPosition(ctx context.Context, tx bun.IDB, p *domain.Principal, id string) (*store.OrgUnit, error) {
	u, err := store.GetOrgUnit(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !p.CanRead(u.Path) {
		return nil, domain.NotFound("@what.org_unit")
	}
	if u.Kind != domain.KindCell {
		return nil, domain.Invalid("id", "org.not_cell")
	}
	if !p.Can(u.Path, positionRoles...) {
		return nil, domain.E(domain.CodeForbidden, "position.not_secretary")
	}
	return u, nil
}

func (s *Server) putCellPosition(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	var in PositionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	switch {
	case in.Latitude == nil:
		return domain.Invalid("latitude", "error.required", "field", "latitude")
	case in.Longitude == nil:
		return domain.Invalid("longitude", "error.required", "field", "longitude")
	case *in.Latitude < -90 || *in.Latitude > 90 || (*in.Latitude == 0 && *in.Longitude == 0):
		return domain.Invalid("latitude", "error.coordinates")
	case *in.Longitude < -180 || *in.Longitude > 180:
		return domain.Invalid("longitude", "error.coordinates")
	case in.AccuracyM != nil && (*in.AccuracyM < 0 || *in.AccuracyM > 100000):
		return domain.Invalid("accuracy_m", "error.accuracy")
	}
	p := principal(c)
	var out *store.CellPosition
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableCellForPosition(ctx, tx, p, id)
		if err != nil {
			return err
		}
		out, err = store.SetCellPosition(ctx, tx, u, p.UserID, *in.Latitude, *in.Longitude, in.AccuracyM)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteCellPosition(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableCellForPosition(ctx, tx, p, id)
		if err != nil {
			return err
		}
		return store.DeleteCellPosition(ctx, tx, u)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) assignmentClashes(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	official, err := queryID(c, "official_id")
	if err != nil {
		return err
	}
	cellID, err := queryID(c, "cell_id")
	if err != nil {
		return err
	}
	if official == "" {
		return domain.Invalid("official_id", "error.required", "field", "official_id")
	}
	if cellID == "" {
		return domain.Invalid("cell_id", "error.required", "field", "cell_id")
	}
	from, err := queryDate(c, "starts_on")
	if err != nil {
		return err
	}
	to, err := queryDate(c, "ends_on")
	if err != nil {
		return err
	}
	cell, err := s.readableUnit(c, s.db.R, cellID)
	if err != nil {
		return err
	}
	if cell.Kind != domain.KindCell {
		return domain.Invalid("cell_id", "org.not_cell")
	}
	p := principal(c)
	rows, err := store.AssignmentClashes(c.Request().Context(), s.db.R, official, cell, from, to, p.CanRead)
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}
