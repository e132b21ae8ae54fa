package api

// The commune's meetings of the other forms (issue #12): briefings of the cell secretaries (giao ban), dialogues,
// expanded party committee meetings; the commune's month of briefing reports; zones.

import (
	"context"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// meetingFormFilter reads the list of meetings' form and unit filters into f, and the communes whose own meetings
// of the other forms the caller reads besides its read scope (a secretary's commune, an official's).
func (s *Server) meetingFormFilter(c echo.Context, f *store.MeetingFilter) error {
	var err error
	switch c.QueryParam("form") {
	case "": // the cells' own meetings, as before the other forms
		f.Form = domain.FormCell
	case "all":
		f.Form = ""
	default:
		if f.Form, err = oneOf(c, "form", domain.MeetingForm.Valid); err != nil {
			return err
		}
	}
	id, err := queryID(c, "unit")
	if err != nil {
		return err
	}
	// The communes a caller reads through its work there matter only for the meetings of the other forms, or to
	// let it name its commune as the unit: the default list of cell meetings does without the lookup.
	var communes []domain.UnitRef
	if f.Form != domain.FormCell || id != "" {
		if communes, err = store.WorkCommunes(c.Request().Context(), s.db.R, principal(c)); err != nil {
			return err
		}
		f.Communes = store.CommunePaths(communes)
	}
	if id == "" {
		return nil
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

// ZoneInput creates a zone of a commune.
type ZoneInput struct {
	ID        string `json:"id,omitempty"`
	CommuneID string `json:"commune_id"`
	Name      string `json:"name"`
	SortOrder int    `json:"sort_order"`
}

// ZonePatch renames or reorders a zone.
type ZonePatch struct {
	Name      Opt[string] `json:"name"`
	SortOrder Opt[int]    `json:"sort_order"`
}

// ZoneCells sets a zone's cells.
type ZoneCells struct {
	CellIDs []string `json:"cell_ids"`
}

// briefingCommune reads the commune of the query parameter unit, which the caller reads or works in.
func (s *Server) briefingCommune(c echo.Context) (*store.OrgUnit, error) {
	id, err := queryID(c, "unit")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, domain.Invalid("unit", "error.required", "field", "unit")
	}
	communes, err := store.WorkCommunes(c.Request().Context(), s.db.R, principal(c))
	if err != nil {
		return nil, err
	}
	u, err := s.formsUnit(c, id, communes)
	if err != nil {
		return nil, err
	}
	if u.Kind != domain.KindCommune {
		return nil, domain.Invalid("unit", "error.not_commune")
	}
	return u, nil
}

func (s *Server) briefingMonth(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	u, err := s.briefingCommune(c)
	if err != nil {
		return err
	}
	month, err := queryMonth(c, "month")
	if err != nil {
		return err
	}
	if month.IsZero() {
		return domain.Invalid("month", "error.required", "field", "month")
	}
	page, err := store.BriefingMonth(c.Request().Context(), s.db.R, u, month, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) listZones(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	u, err := s.briefingCommune(c)
	if err != nil {
		return err
	}
	page, err := store.ListZones(c.Request().Context(), s.db.R, u.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) createZone(c echo.Context) error {
	var in ZoneInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cid, ok := domain.ParseID(in.CommuneID)
	if !ok {
		return domain.Invalid("commune_id", "error.bad_id")
	}
	z := &store.Zone{CommuneID: cid, Name: in.Name, SortOrder: in.SortOrder}
	if err := clientID(in.ID, &z.ID); err != nil {
		return err
	}
	p := principal(c)
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := writableUnit(ctx, tx, p, cid, domain.RoleAdmin); err != nil {
			return err
		}
		return store.CreateZone(ctx, tx, z)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, z)
}

// adminZone loads the zone named by the path's id in tx, checking the caller administers its commune.
func (s *Server) adminZone(ctx context.Context, c echo.Context, tx bun.IDB) (*store.Zone, error) {
	id, err := idParam(c, "id", "@what.zone")
	if err != nil {
		return nil, err
	}
	z, err := store.GetZone(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	u, err := store.GetOrgUnit(ctx, tx, z.CommuneID)
	if err != nil {
		return nil, err
	}
	p := principal(c)
	if !p.Can(u.Path, domain.RoleAdmin) {
		if p.CanRead(u.Path) {
			return nil, domain.Forbidden()
		}
		return nil, domain.NotFound("@what.zone")
	}
	return z, nil
}

func (s *Server) updateZone(c echo.Context) error {
	var in ZonePatch
	if err := decode(c, &in); err != nil {
		return err
	}
	var z *store.Zone
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		if z, err = s.adminZone(ctx, c, tx); err != nil {
			return err
		}
		before := store.Clone(z).(*store.Zone)
		in.Name.apply(&z.Name)
		in.SortOrder.apply(&z.SortOrder)
		return store.UpdateZone(ctx, tx, before, z)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, z)
}

func (s *Server) deleteZone(c echo.Context) error {
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		z, err := s.adminZone(ctx, c, tx)
		if err != nil {
			return err
		}
		return store.DeleteZone(ctx, tx, z)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) setZoneCells(c echo.Context) error {
	var in ZoneCells
	if err := decode(c, &in); err != nil {
		return err
	}
	ids := make([]string, 0, len(in.CellIDs))
	for _, v := range in.CellIDs {
		id, ok := domain.ParseID(v)
		if !ok {
			return domain.Invalid("cell_ids", "error.bad_id")
		}
		ids = append(ids, id)
	}
	var page store.Page[store.ZoneView]
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		z, err := s.adminZone(ctx, c, tx)
		if err != nil {
			return err
		}
		if err := store.SetZoneCells(ctx, tx, z, ids); err != nil {
			return err
		}
		page, err = store.ListZones(ctx, tx, z.CommuneID, store.PageRequest{Limit: store.MaxLimit})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) coverageForms(c echo.Context) error { return coverageRows(s, c, store.FormsCoverage) }

func (s *Server) coverageCommittee(c echo.Context) error {
	return coverageRows(s, c, store.CommitteeTallies)
}

// coverageRows answers a coverage list that read computes for the asked unit's subtree and period, a page of it.
func coverageRows[T any](s *Server, c echo.Context, read func(context.Context, bun.IDB, string, store.Period) ([]T, error)) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rows, err := read(c.Request().Context(), s.db.R, cq.unit.Path, cq.period)
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}

// formsSheet is the coverage workbook's sheet of the commune's other meetings, per commune and month.
func (s *Server) formsSheet(c echo.Context, cq *coverageQuery) (*export.Sheet, error) {
	rows, err := store.FormsCoverage(c.Request().Context(), s.db.R, cq.unit.Path, cq.period)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: t("export.forms_sheet"), Title: t("export.forms_title"),
		Info:           [][2]string{{t("export.org_unit"), cq.unit.Name}, {t("export.period"), periodText(cq.period)}},
		GeneratedLabel: t("export.generated_at"), GeneratedAt: time.Now(),
		Columns: []export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6}, {Header: t("export.col.commune"), Kind: export.Text, Width: 28},
			{Header: t("export.col.month"), Kind: export.Text, Width: 10}, {Header: t("export.col.briefings_expected"), Kind: export.Int},
			{Header: t("export.col.briefings_held"), Kind: export.Int}, {Header: t("export.col.cells_reported"), Kind: export.Int},
			{Header: t("export.col.cells"), Kind: export.Int}, {Header: t("export.col.dialogues"), Kind: export.Int},
			{Header: t("export.col.committee_held"), Kind: export.Int}, {Header: t("export.col.committee_attended"), Kind: export.Int}}}
	for i, r := range rows {
		month := r.Month[5:7] + "/" + r.Month[:4]
		sh.Rows = append(sh.Rows, []any{i + 1, r.CommuneName, month, r.BriefingsExpected, r.BriefingsHeld, r.CellsReported, r.Cells,
			r.DialoguesHeld, r.CommitteeHeld, r.CommitteeAttended})
	}
	return sh, nil
}

// committeeSheet is the officials' workbook's sheet of the officials assigned to expanded committee meetings.
func (s *Server) committeeSheet(c echo.Context, cq *coverageQuery) (*export.Sheet, error) {
	rows, err := store.CommitteeTallies(c.Request().Context(), s.db.R, cq.unit.Path, cq.period)
	if err != nil {
		return nil, err
	}
	l := lang(c)
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: t("export.committee_sheet"), Title: t("export.committee_title"),
		Info:           [][2]string{{t("export.org_unit"), cq.unit.Name}, {t("export.period"), periodText(cq.period)}},
		GeneratedLabel: t("export.generated_at"), GeneratedAt: time.Now(),
		Columns: []export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6}, {Header: t("export.col.name"), Kind: export.Text, Width: 28},
			{Header: t("export.col.commune"), Kind: export.Text, Width: 28}, {Header: t("export.col.committee_expected"), Kind: export.Int},
			{Header: t("export.col.committee_attended"), Kind: export.Int}}}
	for i, r := range rows {
		sh.Rows = append(sh.Rows, []any{i + 1, r.OfficialName, r.CommuneName, r.Expected, r.Attended})
	}
	return sh, nil
}
