package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

func (s *Server) listAssignments(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	var f store.AssignmentFilter
	if f.OfficialID, err = queryID(c, "official_id"); err != nil {
		return err
	}
	if f.CellID, err = queryID(c, "cell_id"); err != nil {
		return err
	}
	if f.Status, err = oneOf(c, "status", domain.AssignmentStatus.Valid); err != nil {
		return err
	}
	if f.ActiveOn, err = queryDate(c, "active_on"); err != nil {
		return err
	}
	pr := principal(c)
	// Officials see their own assignments; supervisors and admins those to cells in their subtrees.
	roots := pr.Roots(domain.RoleAdmin, domain.RoleSupervisor, domain.RoleSecretary)
	page, err := store.ListAssignments(c.Request().Context(), s.db.R, f, roots, pr.UserID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) getAssignment(c echo.Context) error {
	id, err := idParam(c, "id", "@what.assignment")
	if err != nil {
		return err
	}
	a, err := store.GetAssignment(c.Request().Context(), s.db.R, id)
	if err != nil {
		return err
	}
	pr := principal(c)
	if a.OfficialID != pr.UserID && !pr.Can(a.CellPath, domain.RoleAdmin, domain.RoleSupervisor, domain.RoleSecretary) {
		return domain.NotFound("@what.assignment")
	}
	return c.JSON(http.StatusOK, a)
}

// MeetingDetail is a meeting with its attendance and visit reports.
type MeetingDetail struct {
	store.MeetingView
	Attendance []store.Attendance `json:"attendance"`
	Reports    []store.ReportView `json:"visit_reports"`
	// Participants, BriefingReports and Questions: a meeting of the other forms' (h_forms.go); empty for a cell's.
	Participants    []store.MeetingParticipant `json:"participants"`
	BriefingReports []store.BriefingReportView `json:"briefing_reports"`
	Questions       []store.DialogueQuestion   `json:"dialogue_questions"`
}

func (s *Server) listMeetings(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	var f store.MeetingFilter
	if f.CellID, err = queryID(c, "cell_id"); err != nil {
		return err
	}
	if f.From, err = queryDate(c, "from"); err != nil {
		return err
	}
	if f.To, err = queryDate(c, "to"); err != nil {
		return err
	}
	if f.Status, err = oneOf(c, "status", domain.MeetingStatus.Valid); err != nil {
		return err
	}
	if err := s.meetingFormFilter(c, &f); err != nil {
		return err
	}
	page, err := store.ListMeetings(c.Request().Context(), s.db.R, f, principal(c).ReadRoots(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// readableMeeting loads the meeting named by the path's id, if the caller reads its cell (else not found).
func (s *Server) readableMeeting(c echo.Context) (*store.MeetingView, error) {
	id, err := idParam(c, "id", "@what.meeting")
	if err != nil {
		return nil, err
	}
	return s.readableMeetingID(c, id)
}

// readableMeetingID loads meeting id, if the caller reads its cell (else not found).
func (s *Server) readableMeetingID(c echo.Context, id string) (*store.MeetingView, error) {
	m, err := store.GetMeeting(c.Request().Context(), s.db.R, id)
	if err != nil {
		return nil, err
	}
	if !principal(c).CanRead(m.CellPath) {
		if ok, err := s.readsFormMeeting(c, m); err != nil || !ok {
			return nil, orNotFound(err, "@what.meeting")
		}
	}
	return m, nil
}

func (s *Server) getMeeting(c echo.Context) error {
	m, err := s.readableMeeting(c)
	if err != nil {
		return err
	}
	ctx, id := c.Request().Context(), m.ID
	d := MeetingDetail{MeetingView: *m}
	if d.Attendance, err = store.MeetingAttendance(ctx, s.db.R, id); err != nil {
		return err
	}
	if d.Reports, err = store.MeetingReports(ctx, s.db.R, id); err != nil {
		return err
	}
	if err := s.formDetail(ctx, &d); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) getReference(c echo.Context) error {
	id, err := queryID(c, "org_unit_id")
	if err != nil {
		return err
	}
	if id == "" {
		return domain.Invalid("org_unit_id", "error.required", "field", "org_unit_id")
	}
	u, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	ref, err := store.Reference(c.Request().Context(), s.db.R, store.ProvinceOf(u))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ref)
}
