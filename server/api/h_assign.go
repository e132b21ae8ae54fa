package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
)

// assignRoles may assign officials to the cells of their subtrees.
var assignRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor}

// maxAssignPairs caps one request's officials × cells.
const maxAssignPairs = 200

// AssignInput assigns each of OfficialIDs to each of CellIDs for a period.
type AssignInput struct {
	OfficialIDs []string         `json:"official_ids"`
	CellIDs     []string         `json:"cell_ids"`
	StartsOn    domain.Date      `json:"starts_on"`
	EndsOn      domain.Date      `json:"ends_on"`
	Frequency   domain.Frequency `json:"frequency"`
	// VisitsPerYear applies to the per_year frequency (e.g. 2 for provincial committee members).
	VisitsPerYear int    `json:"visits_per_year"`
	Note          string `json:"note"`
	// Form: cell (default) to attend the cells' meetings, or committee to attend the expanded party committee
	// meetings of the communes cell_ids.
	Form domain.MeetingForm `json:"form"`
}

// AssignResult lists the assignments one request created.
type AssignResult struct {
	Items []store.AssignmentView `json:"items"`
}

// AssignmentPatch changes an active assignment.
type AssignmentPatch struct {
	StartsOn      Opt[domain.Date]      `json:"starts_on"`
	EndsOn        Opt[domain.Date]      `json:"ends_on"`
	Frequency     Opt[domain.Frequency] `json:"frequency"`
	VisitsPerYear Opt[int]              `json:"visits_per_year"`
	Note          Opt[string]           `json:"note"`
}

// EndInput ends an assignment on a day (today when omitted).
type EndInput struct {
	EndsOn domain.Date `json:"ends_on"`
}

func ids(field string, in []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		id, ok := domain.ParseID(s)
		if !ok {
			return nil, domain.Invalid(field, "error.bad_id")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, domain.Invalid(field, "error.required", "field", field)
	}
	return out, nil
}

func (s *Server) createAssignments(c echo.Context) error {
	var in AssignInput
	if err := decode(c, &in); err != nil {
		return err
	}
	officials, err := ids("official_ids", in.OfficialIDs)
	if err != nil {
		return err
	}
	cells, err := ids("cell_ids", in.CellIDs)
	if err != nil {
		return err
	}
	if len(officials)*len(cells) > maxAssignPairs {
		return domain.Invalid("cell_ids", "error.too_many", "max", itoa(maxAssignPairs))
	}
	p := principal(c)
	var out []store.AssignmentView
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		now := time.Now()
		for _, cell := range cells {
			u, err := store.GetOrgUnit(ctx, tx, cell)
			if err != nil {
				return domain.Invalid("cell_ids", "error.not_found", "what", "@what.org_unit")
			}
			if !p.Can(u.Path, assignRoles...) {
				return domain.Forbidden()
			}
			for _, off := range officials {
				a := &store.Assignment{OfficialID: off, CellID: cell, StartsOn: in.StartsOn, EndsOn: in.EndsOn,
					Frequency: in.Frequency, VisitsPerYear: in.VisitsPerYear, Note: in.Note, CreatedBy: &p.UserID, Form: in.Form}
				v, err := store.CreateAssignment(ctx, tx, a)
				if err != nil {
					return err
				}
				note := notify.AssignmentNote(notify.KindAssignmentCreated, a, v.CellName, notify.Locale(ctx, tx, off))
				if _, err := notify.Send(ctx, tx, note, now); err != nil {
					return err
				}
				out = append(out, *v)
			}
		}
		return notify.PlanFor(ctx, tx, officials, now)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, AssignResult{Items: out})
}

// writableAssignment reads assignment id for a change by a supervisor or admin of its cell.
func writableAssignment(ctx context.Context, tx bun.IDB, p *domain.Principal, id string) (*store.AssignmentView, error) {
	a, err := store.GetAssignment(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !p.Can(a.CellPath, assignRoles...) {
		return nil, domain.Forbidden()
	}
	return a, nil
}

func (s *Server) changeAssignment(c echo.Context, change func(ctx context.Context, tx bun.Tx, a *store.AssignmentView) (*store.Assignment, string, error)) error {
	id, err := idParam(c, "id", "@what.assignment")
	if err != nil {
		return err
	}
	p := principal(c)
	var out *store.AssignmentView
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		before, err := writableAssignment(ctx, tx, p, id)
		if err != nil {
			return err
		}
		a, kind, err := change(ctx, tx, before)
		if err != nil {
			return err
		}
		now := time.Now()
		note := notify.AssignmentNote(kind, a, before.CellName, notify.Locale(ctx, tx, a.OfficialID))
		if _, err := notify.Send(ctx, tx, note, now); err != nil {
			return err
		}
		out = &store.AssignmentView{Assignment: *a, OfficialName: before.OfficialName, CellName: before.CellName}
		return notify.PlanFor(ctx, tx, []string{a.OfficialID}, now)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) updateAssignment(c echo.Context) error {
	var in AssignmentPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.changeAssignment(c, func(ctx context.Context, tx bun.Tx, before *store.AssignmentView) (*store.Assignment, string, error) {
		a := before.Assignment
		in.StartsOn.apply(&a.StartsOn)
		in.EndsOn.apply(&a.EndsOn)
		in.Frequency.apply(&a.Frequency)
		in.VisitsPerYear.apply(&a.VisitsPerYear)
		in.Note.apply(&a.Note)
		return &a, notify.KindAssignmentChanged, store.UpdateAssignment(ctx, tx, before, &a)
	})
}

func (s *Server) endAssignment(c echo.Context) error {
	var in EndInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.changeAssignment(c, func(ctx context.Context, tx bun.Tx, before *store.AssignmentView) (*store.Assignment, string, error) {
		a, err := store.EndAssignment(ctx, tx, before, in.EndsOn, domain.DateOf(time.Now()))
		return a, notify.KindAssignmentEnded, err
	})
}

func (s *Server) cancelAssignment(c echo.Context) error {
	return s.changeAssignment(c, func(ctx context.Context, tx bun.Tx, before *store.AssignmentView) (*store.Assignment, string, error) {
		a, err := store.CancelAssignment(ctx, tx, before)
		return a, notify.KindAssignmentCancelled, err
	})
}

func (s *Server) acknowledgeAssignment(c echo.Context) error {
	id, err := idParam(c, "id", "@what.assignment")
	if err != nil {
		return err
	}
	p := principal(c)
	var out *store.AssignmentView
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		before, err := store.GetAssignment(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.OfficialID != p.UserID {
			return domain.E(domain.CodeForbidden, "error.not_own_assignment")
		}
		a, err := store.AcknowledgeAssignment(ctx, tx, before, time.Now())
		if err != nil {
			return err
		}
		out = &store.AssignmentView{Assignment: *a, OfficialName: before.OfficialName, CellName: before.CellName}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// subtreeParam returns the roots a supervisor's report covers: the unit org_unit_id names (which the caller must
// supervise or administer), or all the caller's supervisor and admin roots.
func (s *Server) subtreeParam(c echo.Context) ([]string, error) {
	p := principal(c)
	roots := p.Roots(assignRoles...)
	id, err := queryID(c, "org_unit_id")
	if err != nil || id == "" {
		if len(roots) == 0 && err == nil {
			return nil, domain.Forbidden()
		}
		return roots, err
	}
	u, err := store.GetOrgUnit(c.Request().Context(), s.db.R, id)
	if err != nil || !p.CanRead(u.Path) {
		return nil, domain.NotFound("@what.org_unit")
	}
	if !p.Can(u.Path, assignRoles...) {
		return nil, domain.Forbidden()
	}
	return []string{u.Path}, nil
}

func (s *Server) suggestCells(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	roots, err := s.subtreeParam(c)
	if err != nil {
		return err
	}
	rows, err := store.SuggestCells(c.Request().Context(), s.db.R, roots, domain.DateOf(time.Now()))
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}

func (s *Server) officialLoads(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	roots, err := s.subtreeParam(c)
	if err != nil {
		return err
	}
	rows, err := store.OfficialLoads(c.Request().Context(), s.db.R, roots, domain.DateOf(time.Now()))
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}
