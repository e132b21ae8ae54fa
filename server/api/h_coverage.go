package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// coverageRoles may read coverage reports of their subtrees.
var coverageRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor}

// maxPeriodMonths caps the months a custom period may span.
const maxPeriodMonths = 36

// Priority is one entry of a priority list: a cell (unvisited, weak, overdue_recs) or an overdue report.
type Priority struct {
	Kind   string                `json:"kind"`
	Cell   *store.CellSuggestion `json:"cell,omitempty"`
	Report *store.OverdueReport  `json:"report,omitempty"`
}

// coverageQuery is what every coverage endpoint reads from the query: the unit and the period.
type coverageQuery struct {
	unit   *store.OrgUnit
	period store.Period
	today  domain.Date
}

var coverageParams = []param{
	{name: "unit", typ: "uuid", desc: "the org unit (default: the caller's first supervised or administered unit)"},
	{name: "period", typ: "string", desc: "2026-11 (a month), 2026-Q4 (a quarter), 2026 (a year) or custom (with from and to); default: this month"},
	{name: "from", typ: "date", desc: "first day of a custom period"},
	{name: "to", typ: "date", desc: "last day of a custom period"},
}

// readCoverageQuery resolves the unit (404 outside the caller's reads, 403 without a supervisor or admin grant
// over it) and the period.
func (s *Server) readCoverageQuery(c echo.Context) (*coverageQuery, error) {
	today := domain.DateOf(time.Now())
	cq := &coverageQuery{today: today}
	p := principal(c)
	ctx := c.Request().Context()
	id, err := queryID(c, "unit")
	if err != nil {
		return nil, err
	}
	if id == "" {
		roots := p.Roots(coverageRoles...)
		if len(roots) == 0 {
			return nil, domain.E(domain.CodeForbidden, "error.coverage_role")
		}
		if ids := domain.PathIDs(roots[0]); len(ids) > 0 {
			id = ids[len(ids)-1]
		} else {
			// A grant over the whole installation: its first top unit.
			var top []string
			if err := s.db.R.NewSelect().Model((*store.OrgUnit)(nil)).Column("id").Where("parent_id IS NULL").
				OrderExpr("name_fold, id").Limit(1).Scan(ctx, &top); err != nil || len(top) == 0 {
				return nil, domain.NotFound("@what.org_unit")
			}
			id = top[0]
		}
	}
	u, err := store.GetOrgUnit(ctx, s.db.R, id)
	if err != nil || !p.CanRead(u.Path) {
		return nil, domain.NotFound("@what.org_unit")
	}
	if !p.Can(u.Path, coverageRoles...) {
		return nil, domain.E(domain.CodeForbidden, "error.coverage_role")
	}
	cq.unit = u
	cq.period, err = parsePeriod(c, today)
	return cq, err
}

// parsePeriod reads period, from and to.
func parsePeriod(c echo.Context, today domain.Date) (store.Period, error) {
	from, err := queryDate(c, "from")
	if err != nil {
		return store.Period{}, err
	}
	to, err := queryDate(c, "to")
	if err != nil {
		return store.Period{}, err
	}
	v := strings.TrimSpace(c.QueryParam("period"))
	if v == "" && (!from.IsZero() || !to.IsZero()) {
		v = "custom"
	}
	bad := domain.Invalid("period", "error.period")
	var p store.Period
	switch {
	case v == "":
		p.From = domain.NewDate(today.Year(), today.Month(), 1)
		p.To = p.From.AddMonths(1).AddDays(-1)
	case v == "custom":
		if from.IsZero() || to.IsZero() {
			return p, bad
		}
		p = store.Period{From: from, To: to}
	case len(v) == 4:
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return p, bad
		}
		p = store.Period{From: domain.NewDate(y, 1, 1), To: domain.NewDate(y, 12, 31)}
	case len(v) == 7 && (v[5] == 'Q' || v[5] == 'q') && v[4] == '-':
		y, err1 := strconv.Atoi(v[:4])
		qn, err2 := strconv.Atoi(v[6:])
		if err1 != nil || err2 != nil || y < 1900 || y > 2200 || qn < 1 || qn > 4 {
			return p, bad
		}
		p.From = domain.NewDate(y, time.Month(3*qn-2), 1)
		p.To = p.From.AddMonths(3).AddDays(-1)
	case len(v) == 7 && v[4] == '-':
		d, err := domain.ParseDate(v + "-01")
		if err != nil || d.Year() < 1900 || d.Year() > 2200 {
			return p, bad
		}
		p = store.Period{From: d, To: d.AddMonths(1).AddDays(-1)}
	default:
		return p, bad
	}
	if p.To.Before(p.From) || !p.To.Before(p.From.AddMonths(maxPeriodMonths)) {
		return p, domain.Invalid("to", "error.period_range", "max", itoa(maxPeriodMonths))
	}
	return p, nil
}

func (s *Server) getCoverage(c echo.Context) error {
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rep, err := store.CoverageOf(c.Request().Context(), s.db.R, s.db.W, cq.unit, cq.period, cq.today)
	if err != nil {
		return err
	}
	if err := store.AttachRatings(c.Request().Context(), s.db.R, rep); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (s *Server) coverageOfficials(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rows, err := store.OfficialTallies(c.Request().Context(), s.db.R, s.db.W, cq.unit, cq.period, cq.today)
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}

var priorityKinds = []string{store.PriorityUnvisited, store.PriorityWeak, store.PriorityOverdueReports, store.PriorityOverdueRecs}

func (s *Server) coveragePriorities(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	kind := c.QueryParam("kind")
	if kind == "" {
		kind = store.PriorityUnvisited
	}
	ok := false
	for _, k := range priorityKinds {
		ok = ok || k == kind
	}
	if !ok {
		return domain.Invalid("kind", "error.bad_value", "field", "kind")
	}
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	items := []Priority{}
	if kind == store.PriorityOverdueReports {
		// Reports are overdue now: without a period asked for, the 12 months up to today.
		if c.QueryParam("period") == "" && c.QueryParam("from") == "" && c.QueryParam("to") == "" {
			cq.period = store.Period{From: cq.today.AddMonths(-12).AddDays(1), To: cq.today}
		}
		rows, err := store.OverdueVisitReports(ctx, s.db.R, s.db.W, cq.unit, cq.period, cq.today)
		if err != nil {
			return err
		}
		for i := range rows {
			items = append(items, Priority{Kind: kind, Report: &rows[i]})
		}
	} else {
		rows, err := store.Priorities(ctx, s.db.R, cq.unit, kind, cq.today)
		if err != nil {
			return err
		}
		for i := range rows {
			items = append(items, Priority{Kind: kind, Cell: &rows[i]})
		}
	}
	return sendSlice(c, items, pr)
}

func (s *Server) coverageAbsentees(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rows, err := store.Absentees(c.Request().Context(), s.db.R, cq.unit, cq.period)
	if err != nil {
		return err
	}
	return sendSlice(c, rows, pr)
}

// periodText says a period as the title block does: "01/11/2026 – 30/11/2026".
func periodText(p store.Period) string { return p.From.VN() + " – " + p.To.VN() }

// coverageSheet lays out a coverage report: one row per child and a total row, or for a cell one row per meeting
// and a total row.
func coverageSheet(rep *store.CoverageReport, l i18n.Lang, now time.Time) *export.Sheet {
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: "Dự sinh hoạt", Title: t("export.coverage_title"),
		Info:           [][2]string{{t("export.org_unit"), rep.Unit.Name}, {t("export.period"), periodText(store.Period{From: rep.From, To: rep.To})}},
		GeneratedLabel: t("export.generated_at"), GeneratedAt: now}
	figures := []export.Column{
		{Header: t("export.col.expected"), Kind: export.Int}, {Header: t("export.col.visited"), Kind: export.Int},
		{Header: t("export.col.reported"), Kind: export.Int}, {Header: t("export.col.timely"), Kind: export.Int},
		{Header: t("export.col.verified"), Kind: export.Int},
		{Header: t("export.col.coverage"), Kind: export.Percent}, {Header: t("export.col.timely_rate"), Kind: export.Percent},
		{Header: t("export.col.verified_rate"), Kind: export.Percent},
		{Header: t("export.col.members"), Kind: export.Int}, {Header: t("export.col.exempt"), Kind: export.Int},
		{Header: t("export.col.present"), Kind: export.Int}, {Header: t("export.col.attendance"), Kind: export.Percent},
		{Header: t("export.col.unexcused"), Kind: export.Int},
	}
	if rep.Meetings != nil {
		sh.Columns = append([]export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6},
			{Header: t("export.col.date"), Kind: export.Date}, {Header: t("export.col.status"), Kind: export.Text},
			{Header: t("export.col.due_on"), Kind: export.Date}}, figures...)
		sh.Columns = append(sh.Columns, export.Column{Header: t("export.col.grade"), Kind: export.Text},
			export.Column{Header: t("export.col.officials"), Kind: export.Text, Width: 30})
		b2i := func(b bool) int {
			if b {
				return 1
			}
			return 0
		}
		intp := func(p *int) any {
			if p == nil {
				return nil
			}
			return *p
		}
		for i, m := range rep.Meetings {
			var exp, vis, rp, tm, ver any
			if m.Expected {
				exp, vis, rp, tm, ver = b2i(m.Expected), b2i(m.Visited), b2i(m.Reported), b2i(m.Timely), b2i(m.Verified)
			}
			grade := ""
			if m.Grade != "" {
				grade = t("export.grade." + string(m.Grade))
			}
			var cov, timely, verified any
			if m.Expected {
				cov, timely, verified = float64(b2i(m.Visited)), float64(b2i(m.Timely)), float64(b2i(m.Verified))
			}
			sh.Rows = append(sh.Rows, []any{i + 1, m.Date, t("export.status." + string(m.Status)), m.DueOn,
				exp, vis, rp, tm, ver, cov, timely, verified, intp(m.Members), intp(m.Exempt), intp(m.Present), m.AttendanceRate, intp(m.Unexcused),
				grade, strings.Join(m.Officials, ", ")})
		}
		tt := rep.Totals
		sh.Rows = append(sh.Rows, []any{nil, nil, t("export.total"), nil, tt.Expected, tt.Visited, tt.Reported, tt.Timely, tt.Verified,
			tt.Coverage, tt.TimelyRate, tt.VerifiedRate, tt.Members, tt.Exempt, tt.Present, tt.AttendanceRate, tt.Unexcused, nil, nil})
		sh.BoldRows = []int{len(sh.Rows) - 1}
		return sh
	}
	sh.Columns = append([]export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6}, {Header: t("export.col.unit"), Kind: export.Text, Width: 32}}, figures...)
	sh.Columns = append(sh.Columns, []export.Column{
		{Header: t("export.col.cells"), Kind: export.Int}, {Header: t("export.col.cells_low"), Kind: export.Int},
		{Header: t("export.col.tot"), Kind: export.Int, Width: 8}, {Header: t("export.col.kha"), Kind: export.Int, Width: 8},
		{Header: t("export.col.trung_binh"), Kind: export.Int, Width: 8}, {Header: t("export.col.kem"), Kind: export.Int, Width: 8},
	}...)
	row := func(n any, name string, f store.Coverage) []any {
		return []any{n, name, f.Expected, f.Visited, f.Reported, f.Timely, f.Verified, f.Coverage, f.TimelyRate, f.VerifiedRate, f.Members, f.Exempt,
			f.Present, f.AttendanceRate, f.Unexcused, f.Cells, f.CellsLowAttendance, f.Grades.Tot, f.Grades.Kha,
			f.Grades.TrungBinh, f.Grades.Kem}
	}
	for i, ch := range rep.Children {
		sh.Rows = append(sh.Rows, row(i+1, ch.Unit.Name, ch.Coverage))
	}
	sh.Rows = append(sh.Rows, row(nil, t("export.total"), rep.Totals))
	sh.BoldRows = []int{len(sh.Rows) - 1}
	return sh
}

// officialsSheet lays out the officials' tally.
func officialsSheet(unit *store.OrgUnit, p store.Period, rows []store.OfficialTally, l i18n.Lang, now time.Time) *export.Sheet {
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: "Cán bộ", Title: t("export.officials_title"),
		Info:           [][2]string{{t("export.org_unit"), unit.Name}, {t("export.period"), periodText(p)}},
		GeneratedLabel: t("export.generated_at"), GeneratedAt: now,
		Columns: []export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6}, {Header: t("export.col.name"), Kind: export.Text, Width: 28},
			{Header: t("export.col.title"), Kind: export.Text, Width: 28}, {Header: t("export.col.assigned"), Kind: export.Int},
			{Header: t("export.col.expected"), Kind: export.Int}, {Header: t("export.col.visited"), Kind: export.Int},
			{Header: t("export.col.reported"), Kind: export.Int}, {Header: t("export.col.timely"), Kind: export.Int},
			{Header: t("export.col.overdue"), Kind: export.Int}, {Header: t("export.col.coverage"), Kind: export.Percent},
			{Header: t("export.col.verified"), Kind: export.Int}, {Header: t("export.col.clashes"), Kind: export.Int},
			{Header: t("export.col.unconfirmed"), Kind: export.Int}}}
	for i, r := range rows {
		sh.Rows = append(sh.Rows, []any{i + 1, r.DisplayName, r.Title, r.Cells, r.Expected, r.Attended, r.Reported, r.OnTime, r.Overdue, r.Coverage,
			r.Verified, r.Clashes, r.Unconfirmed})
	}
	return sh
}

// attachment names the response's download: name is ASCII (domain.Slug and ISO dates), and filename* says the same
// for the clients that read only that. The app saves every download under this name.
func attachment(c echo.Context, name string) {
	c.Response().Header().Set("Content-Disposition",
		fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(name)))
}

// sendSheets answers with a download named name: the sheets as a workbook when it ends in .xlsx, else the first
// as CSV.
func sendSheets(c echo.Context, name string, sheets ...*export.Sheet) error {
	var body []byte
	var err error
	ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if strings.HasSuffix(name, ".csv") {
		body, err = export.CSV(sheets[0])
		ctype = "text/csv; charset=utf-8"
	} else {
		body, err = export.XLSX(sheets...)
	}
	if err != nil {
		return err
	}
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, ctype, body)
}

func exportFormat(c echo.Context) string {
	if strings.HasSuffix(c.Path(), ".csv") {
		return "csv"
	}
	return "xlsx"
}

func (s *Server) exportCoverage(c echo.Context) error {
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rep, err := store.CoverageOf(c.Request().Context(), s.db.R, s.db.W, cq.unit, cq.period, cq.today)
	if err != nil {
		return err
	}
	sheets := []*export.Sheet{coverageSheet(rep, lang(c), time.Now())}
	if exportFormat(c) == "xlsx" { // the workbook also has the commune's other meetings (h_forms.go); the CSV is the cells'
		forms, err := s.formsSheet(c, cq)
		if err != nil {
			return err
		}
		sheets = append(sheets, forms)
	}
	return sendSheets(c, fmt.Sprintf("%s-%s-%s-%s.%s", "du-sinh-hoat", domain.Slug(cq.unit.Name), cq.period.From.String(), cq.period.To.String(), exportFormat(c)), sheets...)
}

func (s *Server) exportOfficials(c echo.Context) error {
	cq, err := s.readCoverageQuery(c)
	if err != nil {
		return err
	}
	rows, err := store.OfficialTallies(c.Request().Context(), s.db.R, s.db.W, cq.unit, cq.period, cq.today)
	if err != nil {
		return err
	}
	sheets := []*export.Sheet{officialsSheet(cq.unit, cq.period, rows, lang(c), time.Now())}
	if exportFormat(c) == "xlsx" { // and the officials assigned to expanded committee meetings (h_forms.go)
		committee, err := s.committeeSheet(c, cq)
		if err != nil {
			return err
		}
		sheets = append(sheets, committee)
	}
	return sendSheets(c, fmt.Sprintf("%s-%s-%s-%s.%s", "can-bo-du-sinh-hoat", domain.Slug(cq.unit.Name), cq.period.From.String(), cq.period.To.String(), exportFormat(c)), sheets...)
}
