package api

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// recExportRoles may export recommendations: those who follow them (admins, supervisors) and the responders who
// answer them. Officials and secretaries read theirs in the app.
var recExportRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor, domain.RoleResponder}

// defaultMaxExportRows caps an export when Config.MaxExportRows is not set: far above a province's year, well
// below what would strain the server.
const defaultMaxExportRows = 20000

// recExport is what a recommendations export holds: the rows the list gives for the filter, in its order, and
// what the sheets need to name them.
type recExport struct {
	rows    []store.RecommendationView
	answers map[string]store.RecommendationAnswer // the latest answer of each answered row
	parents map[string]string                     // the name of each cell's parent unit, by the parent's id
	fields  []store.RecommendationField           // the province's fields and those of the rows
}

// exportRecommendations answers the recommendations the list gives for the same filter, every page of them, as a
// workbook (the list, and the counts by field and status) or as CSV (the list).
func (s *Server) exportRecommendations(c echo.Context) error {
	p := principal(c)
	if len(p.Roots(recExportRoles...)) == 0 {
		return domain.E(domain.CodeForbidden, "error.rec_export_role")
	}
	f, err := s.recommendationFilter(c)
	if err != nil {
		return err
	}
	if !f.RaisedFrom.IsZero() && !f.RaisedTo.IsZero() && f.RaisedTo.Before(f.RaisedFrom) {
		return domain.Invalid("raised_to", "rec.bad_period")
	}
	ctx := c.Request().Context()
	// The title block names the unit asked for, so it must be one the caller sees.
	var unit *store.OrgUnit
	if f.UnitPath != "" {
		if unit, err = s.visibleUnit(ctx, p, c.QueryParam("unit")); err != nil {
			return err
		}
	}
	f.Today = domain.DateOf(time.Now()) // one day for every page
	x, err := s.collectRecommendations(ctx, f, p)
	if err != nil {
		return err
	}
	l := lang(c)
	info, scope, err := s.recExportInfo(ctx, c, p, f, unit, x.fields, l)
	if err != nil {
		return err
	}
	now := time.Now()
	list := recListSheet(x, info, l, now)
	name := "kien-nghi-" + domain.Slug(scope)
	if !f.RaisedFrom.IsZero() {
		name += "-tu-" + f.RaisedFrom.String()
	}
	if !f.RaisedTo.IsZero() {
		name += "-den-" + f.RaisedTo.String()
	}
	if exportFormat(c) == "csv" {
		return sendSheets(c, name+".csv", list)
	}
	ids := make([]string, len(x.rows))
	for i, v := range x.rows {
		ids[i] = v.ID
	}
	byAddr, err := store.RecommendationStatsByAddresseeOf(ctx, s.db.R, ids, f.Today)
	if err != nil {
		return err
	}
	return sendSheets(c, name+".xlsx", list, recCountsSheet(x, info, l, now), recAddresseeSheet(byAddr, info, l, now))
}

// collectRecommendations reads every page of the list for f in p's scope, with the latest answers, the cells'
// parent units and the fields. More rows than the cap refuse the export (too_large) instead of cutting it short.
func (s *Server) collectRecommendations(ctx context.Context, f store.RecommendationFilter, p *domain.Principal) (*recExport, error) {
	maxRows := s.cfg.MaxExportRows
	if maxRows <= 0 {
		maxRows = defaultMaxExportRows
	}
	x := &recExport{rows: []store.RecommendationView{}, answers: map[string]store.RecommendationAnswer{}, parents: map[string]string{}}
	fieldIDs := map[string]bool{}
	pr := store.PageRequest{Limit: store.MaxLimit}
	for {
		page, err := store.ListRecommendations(ctx, s.db.R, f, p.ReadRoots(), pr)
		if err != nil {
			return nil, err
		}
		if len(x.rows)+len(page.Items) > maxRows {
			return nil, domain.E(domain.CodeTooLarge, "rec.export_too_large", "max", itoa(maxRows))
		}
		x.rows = append(x.rows, page.Items...)
		ids := make([]string, 0, len(page.Items))
		var parents []string
		for _, v := range page.Items {
			ids = append(ids, v.ID)
			if id := parentID(v.CellPath); id != "" {
				if _, ok := x.parents[id]; !ok {
					x.parents[id] = ""
					parents = append(parents, id)
				}
			}
			if v.FieldID != nil {
				fieldIDs[*v.FieldID] = true
			}
		}
		answers, err := store.LatestAnswers(ctx, s.db.R, ids)
		if err != nil {
			return nil, err
		}
		for id, a := range answers {
			x.answers[id] = a
		}
		names, err := store.OrgUnitNames(ctx, s.db.R, parents)
		if err != nil {
			return nil, err
		}
		for id, n := range names {
			x.parents[id] = n
		}
		if page.NextCursor == "" {
			break
		}
		pr.Cursor = page.NextCursor
	}
	// The province's fields give every field a row in the counts, as in the statistics.
	roots := append(p.ReadRoots(), f.ResponderRoots...)
	if f.UnitPath != "" {
		roots = []string{f.UnitPath}
	}
	var err error
	if x.fields, err = s.provinceFields(ctx, roots); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(fieldIDs))
	for id := range fieldIDs {
		ids = append(ids, id)
	}
	used, err := store.RecommendationFieldsByID(ctx, s.db.R, ids)
	if err != nil {
		return nil, err
	}
	x.fields = append(x.fields, used...)
	return x, nil
}

// parentID returns the id of the parent of the unit at path ("" for a top unit).
func parentID(path string) string {
	ids := domain.PathIDs(path)
	if len(ids) < 2 {
		return ""
	}
	return ids[len(ids)-2]
}

// visibleUnit returns the unit id when the caller reads it or answers for it, else not_found.
func (s *Server) visibleUnit(ctx context.Context, p *domain.Principal, id string) (*store.OrgUnit, error) {
	u, err := store.GetOrgUnit(ctx, s.db.R, id)
	if err != nil || !(p.CanRead(u.Path) || p.Can(u.Path, domain.RoleResponder)) {
		return nil, domain.NotFound("@what.org_unit")
	}
	return u, nil
}

// recExportInfo returns the title block's lines (the units, the period raised in, the other filters) and the name
// of the units for the file name.
func (s *Server) recExportInfo(ctx context.Context, c echo.Context, p *domain.Principal, f store.RecommendationFilter,
	unit *store.OrgUnit, fields []store.RecommendationField, l i18n.Lang) ([][2]string, string, error) {
	t := func(k string, kv ...string) string {
		args := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i]] = kv[i+1]
		}
		return i18n.T(l, k, args)
	}
	scope := ""
	if unit != nil {
		scope = unit.Name
	} else {
		var err error
		if scope, err = s.rootNames(ctx, append(p.ReadRoots(), f.ResponderRoots...), l); err != nil {
			return nil, "", err
		}
	}
	period := t("export.period_all")
	switch {
	case !f.RaisedFrom.IsZero() && !f.RaisedTo.IsZero():
		period = periodText(store.Period{From: f.RaisedFrom, To: f.RaisedTo})
	case !f.RaisedFrom.IsZero():
		period = t("export.period_from", "from", f.RaisedFrom.VN())
	case !f.RaisedTo.IsZero():
		period = t("export.period_to", "to", f.RaisedTo.VN())
	}
	info := [][2]string{{t("export.org_unit"), scope}, {t("export.rec_period"), period}}

	var filters []string
	if len(f.Statuses) > 0 {
		labels := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			labels[i] = t("rec.status." + string(st))
		}
		filters = append(filters, t("export.filter.status", "v", strings.Join(labels, ", ")))
	}
	if f.FieldID != "" {
		name := t("export.filter.selected")
		for _, fl := range fields {
			if fl.ID == f.FieldID {
				name = langName(l, fl.NameVI, fl.NameEN)
			}
		}
		filters = append(filters, t("export.filter.field", "v", name))
	}
	for _, u := range []struct{ param, key string }{{"cell_id", "export.filter.cell"}, {"addressee_id", "export.filter.addressee"}} {
		if id := c.QueryParam(u.param); id != "" {
			name := t("export.filter.selected")
			if v, err := s.visibleUnit(ctx, p, id); err == nil {
				name = v.Name
			}
			filters = append(filters, t(u.key, "v", name))
		}
	}
	if f.MeetingID != "" {
		filters = append(filters, t("export.filter.meeting"))
	}
	if f.Overdue {
		filters = append(filters, t("export.filter.overdue"))
	}
	if f.OlderThan > 0 {
		filters = append(filters, t("export.filter.older_than", "n", itoa(f.OlderThan)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		filters = append(filters, t("export.filter.q", "q", q))
	}
	if len(filters) > 0 {
		info = append(info, [2]string{t("export.filters"), strings.Join(filters, "; ")})
	}
	return info, scope, nil
}

// rootNames names the units whose subtrees roots cover ("all units" for the whole installation), leaving out
// those inside another.
func (s *Server) rootNames(ctx context.Context, roots []string, l i18n.Lang) (string, error) {
	var ids []string
	for i, r := range roots {
		if r == "/" {
			return i18n.T(l, "export.all_units", nil), nil
		}
		inner := false
		for j, o := range roots {
			inner = inner || (j != i && domain.Under(r, o) && (r != o || j < i))
		}
		if seg := domain.PathIDs(r); !inner && len(seg) > 0 {
			ids = append(ids, seg[len(seg)-1])
		}
	}
	names, err := store.OrgUnitNames(ctx, s.db.R, ids)
	if err != nil {
		return "", err
	}
	var out []string
	for _, id := range ids {
		if n := names[id]; n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", "), nil
}

// recListSheet lays out the recommendations, one a row, in the list's order.
func recListSheet(x *recExport, info [][2]string, l i18n.Lang, now time.Time) *export.Sheet {
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: "Kiến nghị", Title: t("export.recs_title"), Info: info,
		GeneratedLabel: t("export.generated_at"), GeneratedAt: now,
		Columns: []export.Column{
			{Header: t("export.col.stt"), Kind: export.Int, Width: 6},
			{Header: t("export.col.raised_on"), Kind: export.Date, Width: 12},
			{Header: t("export.col.cell"), Kind: export.Text, Width: 24},
			{Header: t("export.col.parent"), Kind: export.Text, Width: 24},
			{Header: t("export.col.field"), Kind: export.Text, Width: 22},
			{Header: t("export.col.content"), Kind: export.Text, Width: 50},
			{Header: t("export.col.addressee"), Kind: export.Text, Width: 24},
			{Header: t("export.col.status"), Kind: export.Text, Width: 16},
			{Header: t("export.col.answer_due"), Kind: export.Date, Width: 12},
			{Header: t("export.col.answered_on"), Kind: export.Date, Width: 12},
			{Header: t("export.col.answer"), Kind: export.Text, Width: 50},
			{Header: t("export.col.days_open"), Kind: export.Int, Width: 10},
			{Header: t("export.col.rec_overdue"), Kind: export.Text, Width: 10},
			{Header: t("export.col.resolved_on"), Kind: export.Date, Width: 12},
		}}
	fieldName := map[string]string{}
	for _, f := range x.fields {
		fieldName[f.ID] = langName(l, f.NameVI, f.NameEN)
	}
	for i, v := range x.rows {
		field := t("rec.no_field")
		if v.FieldID != nil {
			field = fieldName[*v.FieldID]
		}
		addressee := v.AddresseeName
		if addressee == "" {
			addressee = v.AddresseeText
		}
		var answeredOn, resolvedOn domain.Date
		answer := ""
		if a, ok := x.answers[v.ID]; ok {
			answeredOn, answer = domain.DateOf(a.AnsweredAt), a.Body
		}
		if v.ResolvedAt != nil {
			resolvedOn = domain.DateOf(*v.ResolvedAt)
		}
		overdue := t("export.no")
		if v.Overdue {
			overdue = t("export.yes")
		}
		sh.Rows = append(sh.Rows, []any{i + 1, v.RaisedOn, v.CellName, x.parents[parentID(v.CellPath)], field, v.Content,
			addressee, capitalize(t("rec.status." + string(v.Status))), v.DueOn, answeredOn, answer, v.DaysOpen, overdue, resolvedOn})
	}
	return sh
}

// recCountsSheet counts the exported recommendations by field and status, as GET /recommendations/stats does.
func recCountsSheet(x *recExport, info [][2]string, l i18n.Lang, now time.Time) *export.Sheet {
	t := func(k string) string { return i18n.T(l, k, nil) }
	recs := make([]store.Recommendation, len(x.rows))
	for i, v := range x.rows {
		recs[i] = v.Recommendation
	}
	st := store.CountRecommendations(recs, x.fields)
	nameFields(st, l)
	sh := &export.Sheet{Name: "Thống kê", Title: t("export.recs_stats_title"), Info: info,
		GeneratedLabel: t("export.generated_at"), GeneratedAt: now,
		Columns: []export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6},
			{Header: t("export.col.field"), Kind: export.Text, Width: 32}, {Header: t("export.col.total_recs"), Kind: export.Int, Width: 10}}}
	for _, s := range domain.RecStatuses {
		sh.Columns = append(sh.Columns, export.Column{Header: capitalize(t("rec.status." + string(s))), Kind: export.Int, Width: 12})
	}
	row := func(n any, name string, c store.RecCounts) []any {
		b := c.ByStatus
		return []any{n, name, c.Total, b.New, b.Forwarded, b.Answered, b.SentBack, b.Accepted, b.Resolved}
	}
	for i, f := range st.ByField {
		sh.Rows = append(sh.Rows, row(i+1, f.FieldName, f.RecCounts))
	}
	sh.Rows = append(sh.Rows, row(nil, t("export.total"), st.Totals))
	sh.BoldRows = []int{len(sh.Rows) - 1}
	return sh
}

// capitalize upper-cases the first letter: a status label heads a column or fills a cell of its own.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// recAddresseeSheet lays out the statistics by addressee of the exported recommendations, as GET
// /recommendations/stats gives them in by_addressee, with a total line.
func recAddresseeSheet(rows []store.RecAddresseeStats, info [][2]string, l i18n.Lang, now time.Time) *export.Sheet {
	t := func(k string) string { return i18n.T(l, k, nil) }
	sh := &export.Sheet{Name: t("loop.sheet.by_addressee"), Title: t("export.recs_body_title"), Info: info,
		GeneratedLabel: t("export.generated_at"), GeneratedAt: now,
		Columns: []export.Column{{Header: t("export.col.stt"), Kind: export.Int, Width: 6},
			{Header: t("loop.col.addressee"), Kind: export.Text, Width: 36}}}
	for _, k := range []string{"received", "answered", "on_time", "overdue", "sent_back", "escalated"} {
		sh.Columns = append(sh.Columns, export.Column{Header: t("loop.col." + k), Kind: export.Int, Width: 12})
	}
	var tot store.RecAddresseeStats
	for i, r := range rows {
		sh.Rows = append(sh.Rows, []any{i + 1, r.Name, r.Received, r.Answered, r.AnsweredOnTime, r.Overdue, r.SentBack, r.Escalated})
		tot.Received, tot.Answered, tot.AnsweredOnTime = tot.Received+r.Received, tot.Answered+r.Answered, tot.AnsweredOnTime+r.AnsweredOnTime
		tot.Overdue, tot.SentBack, tot.Escalated = tot.Overdue+r.Overdue, tot.SentBack+r.SentBack, tot.Escalated+r.Escalated
	}
	sh.Rows = append(sh.Rows, []any{nil, t("export.total"), tot.Received, tot.Answered, tot.AnsweredOnTime, tot.Overdue, tot.SentBack, tot.Escalated})
	sh.BoldRows = []int{len(sh.Rows) - 1}
	return sh
}
