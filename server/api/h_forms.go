package api

// The commune's meetings of the other forms (issue #12): briefings of the cell secretaries (giao ban), dialogues,
// expanded party committee meetings; the commune's month of briefing reports; zones.

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// meetingFormFilter reads the list of meetings' form and unit filters into f, and the communes whose own meetings
// of the other forms the caller reads besides its read scope (a secretary's commune, an official's).
func (s *Server) meetingFormFilter(c echo.Context, f *store.MeetingFilter) error {
	var err error
	if f.Form, err = oneOf(c, "form", domain.MeetingForm.Valid); err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	communes, err := store.WorkCommunes(ctx, s.db.R, p)
	if err != nil {
		return err
	}
	f.Communes = store.CommunePaths(communes)
	id, err := queryID(c, "unit")
	if err != nil || id == "" {
		return err
	}
	u, err := s.formsUnit(c, id, communes)
	if err != nil {
		return err
	}
	f.UnitPath = u.Path
	return nil
}

// formsUnit loads the unit id if the caller reads it or it is one of its communes (else not found).
func (s *Server) formsUnit(c echo.Context, id string, communes []domain.UnitRef) (*store.OrgUnit, error) {
	u, err := store.GetOrgUnit(c.Request().Context(), s.db.R, id)
	if err != nil {
		return nil, err
	}
	if principal(c).CanRead(u.Path) {
		return u, nil
	}
	for _, cm := range communes {
		if cm.ID == u.ID {
			return u, nil
		}
	}
	return nil, domain.NotFound("@what.org_unit")
}

// readsFormMeeting reports whether the caller reads meeting m of another form through one of its communes.
func (s *Server) readsFormMeeting(c echo.Context, m *store.MeetingView) (bool, error) {
	if m.Form == domain.FormCell {
		return false, nil
	}
	communes, err := store.WorkCommunes(c.Request().Context(), s.db.R, principal(c))
	if err != nil {
		return false, err
	}
	for _, cm := range communes {
		if cm.ID == m.CellID {
			return true, nil
		}
	}
	return false, nil
}

// orNotFound returns err, or a not-found error for what when err is nil.
func orNotFound(err error, what string) error {
	if err != nil {
		return err
	}
	return domain.NotFound(what)
}

// formDetail fills a meeting's participants, briefing reports and dialogue questions.
func (s *Server) formDetail(ctx context.Context, d *MeetingDetail) error {
	var err error
	if d.Participants, err = store.MeetingParticipants(ctx, s.db.R, d.ID); err != nil {
		return err
	}
	if d.BriefingReports, err = store.MeetingBriefingReports(ctx, s.db.R, d.ID); err != nil {
		return err
	}
	d.Questions, err = store.MeetingDialogueQuestions(ctx, s.db.R, d.ID)
	return err
}
