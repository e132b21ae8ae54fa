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

// writableUnit reads unit id for a change the caller must hold one of roles over: a unit out of reach is a 403,
// as for every write.
func writableUnit(ctx context.Context, tx bun.IDB, p *domain.Principal, id string, roles ...domain.Role) (*store.OrgUnit, error) {
	u, err := store.GetOrgUnit(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !p.Can(u.Path, roles...) {
		return nil, domain.Forbidden()
	}
	return u, nil
}

// scheduleRoles may set schedules: admins of the subtree; a cell's secretary moves its own meetings.
var scheduleRoles = []domain.Role{domain.RoleAdmin}

// ScheduleMove moves or cancels the scheduled meeting of a cell's month. Date (within the month) moves it;
// cancelled cancels it; neither puts it back on the rule's day.
type ScheduleMove struct {
	Date      domain.Date `json:"date"`
	Cancelled bool        `json:"cancelled"`
	Reason    string      `json:"reason"`
}

func (s *Server) getSchedule(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	u, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	v, err := store.GetScheduleRule(c.Request().Context(), s.db.R, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) putSchedule(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	var in store.ScheduleRuleJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	rule, err := in.Rule()
	if err != nil {
		return err
	}
	p := principal(c)
	var v *store.ScheduleRuleView
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableUnit(ctx, tx, p, id, scheduleRoles...)
		if err != nil {
			return err
		}
		if _, err := store.PutScheduleRule(ctx, tx, u, rule); err != nil {
			return err
		}
		v, err = store.GetScheduleRule(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteSchedule(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableUnit(ctx, tx, p, id, scheduleRoles...)
		if err != nil {
			return err
		}
		return store.DeleteScheduleRule(ctx, tx, u)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) moveScheduledMeeting(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	var in ScheduleMove
	if err := decode(c, &in); err != nil {
		return err
	}
	if len([]rune(in.Reason)) > 500 {
		return domain.Invalid("reason", "error.too_long", "field", "reason", "max", "500")
	}
	p := principal(c)
	var m *store.Meeting
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableUnit(ctx, tx, p, id, domain.RoleAdmin, domain.RoleSupervisor, domain.RoleSecretary)
		if err != nil {
			return err
		}
		if u.Kind != domain.KindCell {
			return domain.Invalid("id", "error.not_cell")
		}
		if m, err = store.MoveScheduledMeeting(ctx, tx, u, c.Param("month"), in.Date, in.Cancelled, in.Reason); err != nil {
			return err
		}
		// Reminders follow the meeting at once: the officials assigned to the cell.
		var officials []string
		if err := tx.NewSelect().Model((*store.Assignment)(nil)).Column("official_id").Where("cell_id = ?", u.ID).
			Where("status = ?", domain.AssignmentActive).Scan(ctx, &officials); err != nil {
			return domain.Internal(err)
		}
		return notify.PlanFor(ctx, tx, officials, time.Now())
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) expectedMeetings(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p := principal(c)
	roots := p.ReadRoots()
	if id, err := queryID(c, "org_unit_id"); err != nil {
		return err
	} else if id != "" {
		u, err := s.readableUnit(c, s.db.R, id)
		if err != nil {
			return err
		}
		roots = []string{u.Path}
	}
	from, err := queryMonth(c, "from")
	if err != nil {
		return err
	}
	to, err := queryMonth(c, "to")
	if err != nil {
		return err
	}
	today := domain.DateOf(time.Now())
	if from.IsZero() {
		from = domain.NewDate(today.Year(), today.Month(), 1)
	}
	if to.IsZero() {
		to = from
	}
	if to.Before(from) || from.AddMonths(24).Before(to) {
		return domain.Invalid("to", "error.bad_value", "field", "to")
	}
	form, err := oneOf(c, "form", domain.MeetingForm.Valid)
	if err != nil {
		return err
	}
	var rows []store.ExpectedMeeting
	if form == domain.FormBriefing || form == domain.FormCommittee {
		rows, err = store.ExpectedForms(c.Request().Context(), s.db.R, roots, "", form, from, to)
	} else {
		rows, err = store.Expected(c.Request().Context(), s.db.R, roots, nil, from, to)
	}
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}

// queryMonth reads an optional "2026-11" query parameter as the first day of the month.
func queryMonth(c echo.Context, name string) (domain.Date, error) {
	v := c.QueryParam(name)
	if v == "" {
		return domain.Date{}, nil
	}
	d, err := domain.ParseDate(v + "-01")
	if err != nil || len(v) != 7 {
		return domain.Date{}, domain.Invalid(name, "error.month")
	}
	return d, nil
}
