package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// The coverage summary keeps each cell's figures month by month (coverage_months), so that coverage over a
// province sums one row per cell and month instead of reading every meeting, report and assignment.
//
// The months are computed by the same code as a direct computation (loadCells, visitOf), never by SQL, so they
// cannot drift from it. Every write a cell's figures depend on bumps the cell's stamp in coverage_cells in its own
// transaction (triggers of migration 0007); a cell's months are current while built_stamp = stamp and the code's
// coverageAlgo has not changed. CoverageOf rebuilds the cells that are not current before it sums.
//
// A rebuild reads the stamp first and the data after it, and stores the stamp it read: a write that commits in
// between bumps the stamp again, so the cell stays behind and is rebuilt on the next read, never left stale.

// coverageAlgo versions how the months are computed: raise it whenever the coverage definitions change, so the
// summaries built by an older server are rebuilt.
const coverageAlgo = 1

// coverageMaxSpan bounds, in months, the span a cell's summary grows to when a reader asks for months next to it.
const coverageMaxSpan = 36

// coverageBatch is how many cells one rebuild reads and writes at a time.
const coverageBatch = 500

// coverageMonth is one cell's figures in one month (a row of coverage_months). Visits, Weight, Visited, Reported
// and Timely are sums before rounding and capping (they add up over months); the M* fields are the month's own
// rounded and capped counts (what ByMonth shows).
type coverageMonth struct {
	bun.BaseModel `bun:"table:coverage_months"`
	CellID        string      `bun:"cell_id,pk"`
	Month         domain.Date `bun:"month,pk"`
	Visits        int         `bun:"visits"`
	Weight        float64     `bun:"weight"`
	Visited       int         `bun:"visited"`
	Reported      int         `bun:"reported"`
	Timely        int         `bun:"timely"`
	MExpected     int         `bun:"m_expected"`
	MVisited      int         `bun:"m_visited"`
	MReported     int         `bun:"m_reported"`
	MTimely       int         `bun:"m_timely"`
	Held          int         `bun:"held"`
	Members       int         `bun:"members"`
	Exempt        int         `bun:"exempt"`
	Present       int         `bun:"present"`
	Unexcused     int         `bun:"unexcused"`
	Tot           int         `bun:"tot"`
	Kha           int         `bun:"kha"`
	TrungBinh     int         `bun:"trung_binh"`
	Kem           int         `bun:"kem"`
}

// coverageCell is a cell with the state of its summary (a row of coverage_cells, when there is one).
type coverageCell struct {
	cellRow
	Stamp      int64       `bun:"stamp"`
	BuiltStamp int64       `bun:"built_stamp"`
	BuiltAlgo  int         `bun:"built_algo"`
	FromMonth  domain.Date `bun:"from_month"`
	ToMonth    domain.Date `bun:"to_month"`
}

// current reports whether the cell's summary holds the months from..to (first days) as of its stamp.
func (c *coverageCell) current(from, to domain.Date) bool {
	return c.BuiltStamp == c.Stamp && c.BuiltAlgo == coverageAlgo && !c.FromMonth.IsZero() &&
		!c.FromMonth.After(from) && !c.ToMonth.Before(to)
}

// span is the months a rebuild of the cell computes for a reader of from..to: those, grown to take in the months
// the cell already holds when it is only short of months, within coverageMaxSpan.
func (c *coverageCell) span(from, to domain.Date) (domain.Date, domain.Date) {
	if c.BuiltStamp != c.Stamp || c.BuiltAlgo != coverageAlgo || c.FromMonth.IsZero() {
		return from, to
	}
	f, t := from, to
	if c.FromMonth.Before(f) {
		f = c.FromMonth
	}
	if c.ToMonth.After(t) {
		t = c.ToMonth
	}
	if monthsBetween(f, t) >= coverageMaxSpan {
		return from, to
	}
	return f, t
}

func monthsBetween(a, b domain.Date) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// monthAligned reports whether the period is whole months, which the summary can answer.
func (p Period) monthAligned() bool {
	return p.From.Day() == 1 && p.To.AddDays(1).Day() == 1 && !p.To.Before(p.From)
}

// summaryCells lists the cells under root with the state of their summaries.
func summaryCells(ctx context.Context, db bun.IDB, root string) ([]coverageCell, error) {
	var out []coverageCell
	err := db.NewSelect().TableExpr("org_units AS ou").
		ColumnExpr("ou.id, ou.name, ou.path, ou.opened_on, ou.closed_on").
		ColumnExpr("COALESCE(cc.stamp, 0) AS stamp, COALESCE(cc.built_stamp, -1) AS built_stamp").
		ColumnExpr("COALESCE(cc.built_algo, 0) AS built_algo, cc.from_month, cc.to_month").
		Join("LEFT JOIN coverage_cells AS cc ON cc.cell_id = ou.id").
		Where("ou.kind = ? AND ou.path >= ? AND ou.path < ?", domain.KindCell, root, domain.PathUpper(root)).
		OrderExpr("ou.path").Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// refreshCoverage rebuilds, through w, the summaries of the cells that do not hold the months from..to as of
// their stamps, reading through r.
func refreshCoverage(ctx context.Context, r, w bun.IDB, cells []coverageCell, from, to domain.Date) error {
	type span struct{ from, to domain.Date }
	stale := map[span][]coverageCell{}
	for _, c := range cells {
		if !c.current(from, to) {
			f, t := c.span(from, to)
			stale[span{f, t}] = append(stale[span{f, t}], c)
		}
	}
	for sp, cs := range stale {
		for len(cs) > 0 {
			n := min(len(cs), coverageBatch)
			if err := rebuildCoverage(ctx, r, w, cs[:n], sp.from, sp.to); err != nil {
				return err
			}
			cs = cs[n:]
		}
	}
	return nil
}

// rebuildCoverage computes the months from..to of the cells, whose stamps were read before this call, and stores
// them with those stamps.
func rebuildCoverage(ctx context.Context, r, w bun.IDB, cells []coverageCell, from, to domain.Date) error {
	rows := make([]cellRow, len(cells))
	ids := make([]string, len(cells))
	for i, c := range cells {
		rows[i], ids[i] = c.cellRow, c.ID
	}
	d, err := loadCells(ctx, r, rows, "", Period{From: from, To: to.AddMonths(1).AddDays(-1)}, domain.Date{})
	if err != nil {
		return err
	}
	var months []coverageMonth
	for _, c := range rows {
		months = append(months, d.monthRows(c, from, to)...)
	}
	// Cells in id order, so that two rebuilds lock coverage_cells rows in the same order.
	sort.Slice(cells, func(i, j int) bool { return cells[i].ID < cells[j].ID })
	state := make([]map[string]any, len(cells))
	for i, c := range cells {
		state[i] = map[string]any{"cell_id": c.ID, "stamp": c.Stamp, "built_stamp": c.Stamp, "built_algo": coverageAlgo,
			"from_month": from, "to_month": to}
	}
	txer, ok := w.(interface {
		RunInTx(context.Context, *sql.TxOptions, func(context.Context, bun.Tx) error) error
	})
	if !ok {
		return domain.Internal(errors.New("coverage summary: the writer cannot start a transaction"))
	}
	return txer.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The stamp is left as it is: a write since it was read has bumped it past built_stamp.
		for _, c := range cells {
			if _, err := tx.NewRaw(`INSERT INTO coverage_cells (cell_id, stamp, built_stamp, built_algo, from_month, to_month)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (cell_id) DO UPDATE SET built_stamp = EXCLUDED.built_stamp, built_algo = EXCLUDED.built_algo,
					from_month = EXCLUDED.from_month, to_month = EXCLUDED.to_month`,
				c.ID, c.Stamp, c.Stamp, coverageAlgo, from, to).Exec(ctx); err != nil {
				return domain.Internal(err)
			}
		}
		if _, err := tx.NewDelete().TableExpr("coverage_months").Where("cell_id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
		for len(months) > 0 {
			n := min(len(months), 1000)
			batch := months[:n]
			if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
				return domain.Internal(err)
			}
			months = months[n:]
		}
		return nil
	})
}

// monthRows are the summary rows of cell c for the months from..to (first days), one a month.
func (d *coverageData) monthRows(c cellRow, from, to domain.Date) []coverageMonth {
	byMonth := map[string]*coverageMonth{}
	var out []coverageMonth
	for m := from; !m.After(to); m = m.AddMonths(1) {
		out = append(out, coverageMonth{CellID: c.ID, Month: m})
	}
	for i := range out {
		byMonth[out[i].Month.String()[:7]] = &out[i]
	}
	totals := map[string]*visitTotals{}
	for _, v := range d.cellVisits(c, "") {
		if totals[v.month] == nil {
			totals[v.month] = &visitTotals{}
		}
		totals[v.month].add(v)
	}
	for k, t := range totals {
		row := byMonth[k]
		if row == nil {
			continue
		}
		row.Visits, row.Weight, row.Visited, row.Reported, row.Timely = t.visits, t.weight, t.visited, t.reported, t.timely
		mc := t.counts()
		row.MExpected, row.MVisited, row.MReported, row.MTimely = mc.expected, mc.visited, mc.reported, mc.timely
	}
	for _, m := range d.meetings[c.ID] {
		row := byMonth[m.MeetingDate.String()[:7]]
		if row == nil {
			continue
		}
		members, exempt := m.members()
		row.Held++
		row.Members += members
		row.Exempt += exempt
		row.Present += m.Present
		row.Unexcused += m.Unexcused
		switch d.grade(m.ID) {
		case domain.GradeGood:
			row.Tot++
		case domain.GradeFair:
			row.Kha++
		case domain.GradeAverage:
			row.TrungBinh++
		case domain.GradeWeak:
			row.Kem++
		}
	}
	return out
}

// summedCell is a cell's summary rows summed over a period.
type summedCell struct {
	CellID    string  `bun:"cell_id"`
	Visits    int     `bun:"visits"`
	Weight    float64 `bun:"weight"`
	Visited   int     `bun:"visited"`
	Reported  int     `bun:"reported"`
	Timely    int     `bun:"timely"`
	Held      int     `bun:"held"`
	Members   int     `bun:"members"`
	Exempt    int     `bun:"exempt"`
	Present   int     `bun:"present"`
	Unexcused int     `bun:"unexcused"`
	Tot       int     `bun:"tot"`
	Kha       int     `bun:"kha"`
	TrungBinh int     `bun:"trung_binh"`
	Kem       int     `bun:"kem"`
}

// coverage turns a cell's sums into its figures over the period (rates left to the caller).
func (s summedCell) coverage() Coverage {
	c := (visitTotals{visits: s.Visits, weight: s.Weight, visited: s.Visited, reported: s.Reported, timely: s.Timely}).counts()
	out := Coverage{Expected: c.expected, Visited: c.visited, Reported: c.reported, Timely: c.timely, HeldMeetings: s.Held,
		Members: s.Members, Exempt: s.Exempt, Present: s.Present, Unexcused: s.Unexcused, Cells: 1,
		Grades: GradeCounts{Tot: s.Tot, Kha: s.Kha, TrungBinh: s.TrungBinh, Kem: s.Kem}}
	if r := ratio(s.Present, s.Members-s.Exempt); r != nil && *r < LowAttendance {
		out.CellsLowAttendance = 1
	}
	return out
}

// coverageFromSummary is CoverageOf for a unit above cells and a period of whole months: it brings the summaries
// of the unit's cells up to date, then sums them.
func coverageFromSummary(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, rep *CoverageReport, kids []OrgUnit) error {
	from := domain.NewDate(p.From.Year(), p.From.Month(), 1)
	to := domain.NewDate(p.To.Year(), p.To.Month(), 1)
	all, err := summaryCells(ctx, r, unit.Path)
	if err != nil {
		return err
	}
	if err := refreshCoverage(ctx, r, w, all, from, to); err != nil {
		return err
	}
	root, upper := unit.Path, domain.PathUpper(unit.Path)
	open := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Join("JOIN org_units AS ou ON ou.id = cm.cell_id").
			Where("ou.path >= ? AND ou.path < ?", root, upper).
			Where("(ou.opened_on IS NULL OR ou.opened_on <= ?) AND (ou.closed_on IS NULL OR ou.closed_on >= ?)", p.To, p.From).
			Where("cm.month >= ? AND cm.month <= ?", from, to)
	}
	var sums []summedCell
	if err := open(r.NewSelect().TableExpr("coverage_months AS cm").ColumnExpr("cm.cell_id").
		ColumnExpr("SUM(cm.visits) AS visits, SUM(cm.weight) AS weight, SUM(cm.visited) AS visited").
		ColumnExpr("SUM(cm.reported) AS reported, SUM(cm.timely) AS timely, SUM(cm.held) AS held").
		ColumnExpr("SUM(cm.members) AS members, SUM(cm.exempt) AS exempt, SUM(cm.present) AS present").
		ColumnExpr("SUM(cm.unexcused) AS unexcused, SUM(cm.tot) AS tot, SUM(cm.kha) AS kha").
		ColumnExpr("SUM(cm.trung_binh) AS trung_binh, SUM(cm.kem) AS kem")).
		GroupExpr("cm.cell_id").Scan(ctx, &sums); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	byCell := make(map[string]*summedCell, len(sums))
	for i := range sums {
		byCell[sums[i].CellID] = &sums[i]
	}
	kidAt := make(map[string]int, len(kids))
	for i := range kids {
		kidAt[kids[i].Path] = i
	}
	child := make([]Coverage, len(kids))
	used := make([]bool, len(kids))
	for _, c := range all {
		if !openIn(c.cellRow, p) {
			continue
		}
		s := byCell[c.ID]
		if s == nil {
			s = &summedCell{CellID: c.ID}
		}
		cov := s.coverage()
		rep.Totals.add(cov)
		// The child the cell is under: the unit's path and the next id of the cell's path.
		if rest := c.Path[len(root):]; rest != "" {
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				if i, ok := kidAt[root+rest[:j+1]]; ok {
					child[i].add(cov)
					used[i] = true
				}
			}
		}
	}
	var months []struct {
		Month    domain.Date `bun:"month"`
		Expected int         `bun:"expected"`
		Visited  int         `bun:"visited"`
		Reported int         `bun:"reported"`
		Timely   int         `bun:"timely"`
		Members  int         `bun:"members"`
		Exempt   int         `bun:"exempt"`
		Present  int         `bun:"present"`
	}
	if err := open(r.NewSelect().TableExpr("coverage_months AS cm").ColumnExpr("cm.month").
		ColumnExpr("SUM(cm.m_expected) AS expected, SUM(cm.m_visited) AS visited, SUM(cm.m_reported) AS reported").
		ColumnExpr("SUM(cm.m_timely) AS timely, SUM(cm.members) AS members, SUM(cm.exempt) AS exempt").
		ColumnExpr("SUM(cm.present) AS present")).
		GroupExpr("cm.month").Scan(ctx, &months); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	byMonth := map[string]*MonthCoverage{}
	for _, m := range months {
		byMonth[m.Month.String()[:7]] = &MonthCoverage{Month: m.Month.String()[:7], Expected: m.Expected, Visited: m.Visited,
			Reported: m.Reported, Timely: m.Timely, Members: m.Members, Exempt: m.Exempt, Present: m.Present}
	}
	rep.finish(p, kids, child, used, byMonth)
	return nil
}
