package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// The coverage summary keeps each cell's figures month by month (coverage_months), so that coverage over a
// province sums one row per cell and month instead of reading every meeting, report and assignment.
//
// The months are computed by the same code as a direct computation (loadCells, visitOf), never by SQL, so they
// cannot drift from it. Every write a cell's figures depend on bumps the cell's stamp in coverage_cells in its own
// transaction (triggers of migration 0007); a cell's months are current while built_stamp = stamp and the code's
// coverageAlgo has not changed. CoverageOf rebuilds the cells that are not current before it sums.
//
// A rebuild reads the stamp first and the data after it, and stores a cell's months only if its stamp is still the
// one read (checked under the row's lock): a write that commits in between leaves the cell behind, to be rebuilt
// on the next round, never stale.

// coverageAlgo versions how the months are computed: raise it whenever the coverage definitions change, so the
// summaries built by an older server are rebuilt.
const coverageAlgo = 3 // 2: the verified visits (issue #13); 3: the officials' visits (coverage_visits, issue #14)

// coverageMaxSpan bounds, in months, the span a cell's summary grows to when a reader asks for months next to it.
const coverageMaxSpan = 36

// coverageRounds is how many rebuilds a read tries before it computes its report directly: the pauses between
// them (20 ms, doubling) wait up to 1.3 s in all for the writes that hold its cells.
const coverageRounds = 7

// errBusy says the summary could not be brought up to date because its cells kept being written.
var errBusy = errors.New("coverage summary: cells kept changing")

// coverageAnalyze is how many cells a rebuild takes to be followed by ANALYZE on PostgreSQL.
const coverageAnalyze = 500

// coverageBatch is how many cells one rebuild reads at a time; coverageWriteBatch how many of them one transaction
// stores. A transaction writes about 12 rows a cell (a year of months): on PostgreSQL every write transaction holds
// back the horizon devices' pulls wait for, so it stays short (store.JobTxBudget), while the reads, which hold
// nothing back, go in larger batches.
const (
	coverageBatch      = 500
	coverageWriteBatch = 100
)

// coverageMonth is one cell's figures in one month (a row of coverage_months). The C* fields are running sums
// from the first month the cell's summary holds, before rounding and capping, so that the sums of any span of months
// are two rows' difference; the M* fields are the month's own figures, rounded and capped (what ByMonth adds up).
// Path, OpenedOn and ClosedOn are the cell's, as of its stamp, so that readers need no join.
type coverageMonth struct {
	bun.BaseModel `bun:"table:coverage_months"`
	CellID        string      `bun:"cell_id,pk"`
	Month         domain.Date `bun:"month,pk"`
	Path          string      `bun:"path"`
	OpenedOn      domain.Date `bun:"opened_on,nullzero"`
	ClosedOn      domain.Date `bun:"closed_on,nullzero"`
	cellSums
	MExpected int `bun:"m_expected"`
	MVisited  int `bun:"m_visited"`
	MReported int `bun:"m_reported"`
	MTimely   int `bun:"m_timely"`
	MVerified int `bun:"m_verified"`
	MMembers  int `bun:"m_members"`
	MExempt   int `bun:"m_exempt"`
	MPresent  int `bun:"m_present"`
}

// own is the month's own figures, as ByMonth adds them up.
func (m *coverageMonth) own() MonthCoverage {
	return MonthCoverage{Month: m.Month.String()[:7], Expected: m.MExpected, Visited: m.MVisited, Reported: m.MReported,
		Timely: m.MTimely, Verified: m.MVerified, Members: m.MMembers, Exempt: m.MExempt, Present: m.MPresent}
}

// cellSums are a cell's sums over some months, before rounding and capping.
type cellSums struct {
	Visits    int `bun:"c_visits"`
	W12       int `bun:"c_w12"`
	Visited   int `bun:"c_visited"`
	Reported  int `bun:"c_reported"`
	Timely    int `bun:"c_timely"`
	Verified  int `bun:"c_verified"`
	Held      int `bun:"c_held"`
	Members   int `bun:"c_members"`
	Exempt    int `bun:"c_exempt"`
	Present   int `bun:"c_present"`
	Unexcused int `bun:"c_unexcused"`
	Tot       int `bun:"c_tot"`
	Kha       int `bun:"c_kha"`
	TrungBinh int `bun:"c_trung_binh"`
	Kem       int `bun:"c_kem"`
}

func (s *cellSums) plus(o cellSums) {
	s.Visits += o.Visits
	s.W12 += o.W12
	s.Visited += o.Visited
	s.Reported += o.Reported
	s.Timely += o.Timely
	s.Verified += o.Verified
	s.Held += o.Held
	s.Members += o.Members
	s.Exempt += o.Exempt
	s.Present += o.Present
	s.Unexcused += o.Unexcused
	s.Tot += o.Tot
	s.Kha += o.Kha
	s.TrungBinh += o.TrungBinh
	s.Kem += o.Kem
}

func (s *cellSums) minus(o cellSums) {
	s.Visits -= o.Visits
	s.W12 -= o.W12
	s.Visited -= o.Visited
	s.Reported -= o.Reported
	s.Timely -= o.Timely
	s.Verified -= o.Verified
	s.Held -= o.Held
	s.Members -= o.Members
	s.Exempt -= o.Exempt
	s.Present -= o.Present
	s.Unexcused -= o.Unexcused
	s.Tot -= o.Tot
	s.Kha -= o.Kha
	s.TrungBinh -= o.TrungBinh
	s.Kem -= o.Kem
}

// coverage turns a cell's sums over a period into its figures (rates left to the caller).
func (s cellSums) coverage() Coverage {
	c := (visitTotals{visits: s.Visits, w12: s.W12, visited: s.Visited, reported: s.Reported, timely: s.Timely, verified: s.Verified}).counts()
	out := Coverage{Expected: c.expected, Visited: c.visited, Reported: c.reported, Timely: c.timely, Verified: c.verified, HeldMeetings: s.Held,
		Members: s.Members, Exempt: s.Exempt, Present: s.Present, Unexcused: s.Unexcused, Cells: 1,
		Grades: GradeCounts{Tot: s.Tot, Kha: s.Kha, TrungBinh: s.TrungBinh, Kem: s.Kem}}
	if r := ratio(s.Present, s.Members-s.Exempt); r != nil && *r < LowAttendance {
		out.CellsLowAttendance = 1
	}
	return out
}

// summaryState is where a cell's summary stands: its stamp, the stamp and code its months were built at, and
// which months it holds.
type summaryState struct {
	Stamp      int64       `bun:"stamp"`
	BuiltStamp int64       `bun:"built_stamp"`
	BuiltAlgo  int         `bun:"built_algo"`
	FromMonth  domain.Date `bun:"from_month"`
	ToMonth    domain.Date `bun:"to_month"`
}

// coverageState is a row of coverage_cells.
type coverageState struct {
	bun.BaseModel `bun:"table:coverage_cells"`
	CellID        string `bun:"cell_id,pk"`
	summaryState
}

// coverageCell is a cell with the state of its summary (a row of coverage_cells, when there is one).
type coverageCell struct {
	cellRow
	summaryState
	// Known says the cell has its row in coverage_cells (every cell does, from migration 0007 and the triggers).
	Known bool `bun:"known"`
}

// span is the months a rebuild of the cell computes for a reader of from..to: those, grown to take in the months
// the cell held (whether it is short of months or written since), within coverageMaxSpan. A written cell keeps its
// months: rebuilt for a month's read alone, it would leave the worker's twelve months (WarmCoverage) for the next
// year's read to rebuild, and the worker would grow it back.
func (c *coverageCell) span(from, to domain.Date) (domain.Date, domain.Date) {
	if c.FromMonth.IsZero() || c.ToMonth.IsZero() {
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

// staleCells lists the cells under root whose summaries do not hold the months from..to as of their stamps, with
// the state of their summaries (when root is "", the state of every cell's summary).
func staleCells(ctx context.Context, db bun.IDB, root string, from, to domain.Date) ([]coverageCell, error) {
	var out []coverageCell
	q := db.NewSelect().TableExpr("org_units AS ou").
		ColumnExpr("ou.id, ou.name, ou.path, ou.opened_on, ou.closed_on").
		ColumnExpr("COALESCE(cc.stamp, 0) AS stamp, COALESCE(cc.built_stamp, -1) AS built_stamp").
		ColumnExpr("COALESCE(cc.built_algo, 0) AS built_algo, cc.from_month, cc.to_month, cc.cell_id IS NOT NULL AS known").
		Join("LEFT JOIN coverage_cells AS cc ON cc.cell_id = ou.id").
		Where("ou.kind = ? AND ou.path >= ? AND ou.path < ? AND ou.deleted_at IS NULL", domain.KindCell, root, domain.PathUpper(root)).
		Where("cc.cell_id IS NULL OR cc.built_stamp <> cc.stamp OR cc.built_algo <> ? OR cc.from_month IS NULL "+
			"OR cc.from_month > ? OR cc.to_month < ?", coverageAlgo, from, to)
	if err := q.OrderExpr("ou.path").Scan(ctx, &out); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// WarmCoverage rebuilds the summaries of every cell that does not hold the months from..to (first days) as of
// its stamp, so that supervisors' reads find them current; the planner calls it for the last twelve months. It
// returns how many cells it rebuilt.
func WarmCoverage(ctx context.Context, r, w bun.IDB, from, to domain.Date) (int, error) {
	stale, err := staleCells(ctx, r, "/", from, to)
	if err != nil {
		return 0, err
	}
	return refreshCoverage(ctx, r, w, stale, from, to)
}

// refreshCoverage rebuilds, through w, the summaries of the cells (stale ones, from staleCells) so that they hold
// the months from..to, reading through r. It returns how many it rebuilt: a cell written while it was being rebuilt,
// or locked by a write, is left for the next round.
func refreshCoverage(ctx context.Context, r, w bun.IDB, cells []coverageCell, from, to domain.Date) (int, error) {
	type span struct{ from, to domain.Date }
	stale := map[span][]coverageCell{}
	var unknown []coverageState
	for _, c := range cells {
		f, t := c.span(from, to)
		stale[span{f, t}] = append(stale[span{f, t}], c)
		if !c.Known {
			unknown = append(unknown, coverageState{CellID: c.ID, summaryState: summaryState{Stamp: 1}})
		}
	}
	// A cell without its state row (none should be) gets one, to be rebuilt on the next round.
	if len(unknown) > 0 {
		if _, err := w.NewInsert().Model(&unknown).On("CONFLICT (cell_id) DO NOTHING").Exec(ctx); err != nil {
			return 0, domain.Internal(err)
		}
	}
	built := 0
	for sp, cs := range stale {
		for len(cs) > 0 {
			n := min(len(cs), coverageBatch)
			k, err := rebuildCoverage(ctx, r, w, cs[:n], sp.from, sp.to)
			if err != nil && !changelog.Retryable(err) {
				return built, err
			}
			built += k
			cs = cs[n:]
		}
	}
	// After a large rebuild (a first read of a province, a rule changed for it) PostgreSQL's planner needs to know
	// the summary's new size at once, not when autovacuum next gets to it.
	if built >= coverageAnalyze && changelog.IsPG(w) {
		if _, err := w.NewRaw("ANALYZE coverage_months, coverage_visits, coverage_cells").Exec(ctx); err != nil {
			return built, domain.Internal(err)
		}
	}
	return built, nil
}

// rebuildCoverage computes the months from..to of the cells, whose stamps were read before this call, and stores
// those of the cells whose stamps have not moved since. It returns how many it stored.
func rebuildCoverage(ctx context.Context, r, w bun.IDB, cells []coverageCell, from, to domain.Date) (int, error) {
	rows := make([]cellRow, len(cells))
	ids := make([]string, len(cells))
	for i, c := range cells {
		rows[i], ids[i] = c.cellRow, c.ID
	}
	d, err := loadCells(ctx, r, rows, "", Period{From: from, To: to.AddMonths(1).AddDays(-1)}, domain.Date{})
	if err != nil {
		return 0, err
	}
	var months []coverageMonth
	var visits []coverageVisit
	for _, c := range rows {
		months = append(months, d.monthRows(c, from, to)...)
		visits = append(visits, d.visitRows(c)...)
	}
	// Rows in month and path order: a month's rows of the cells of one rebuild sit together on disk, which is how the
	// month figures read them.
	sort.Slice(months, func(i, j int) bool {
		if !months[i].Month.Time().Equal(months[j].Month.Time()) {
			return months[i].Month.Before(months[j].Month)
		}
		return months[i].Path < months[j].Path
	})
	read := make(map[string]int64, len(cells))
	for _, c := range cells {
		read[c.ID] = c.Stamp
	}
	stored := 0
	for len(ids) > 0 {
		n := min(len(ids), coverageWriteBatch)
		k, err := storeCoverage(ctx, w, ids[:n], read, months, visits, from, to)
		if err != nil {
			return stored, err
		}
		stored += k
		ids = ids[n:]
	}
	return stored, nil
}

// storeCoverage stores, in one transaction, the months and the officials' visits of the cells ids whose stamps are
// still those read before their data was (read), and returns how many it stored.
func storeCoverage(ctx context.Context, w bun.IDB, ids []string, read map[string]int64, months []coverageMonth, visits []coverageVisit,
	from, to domain.Date) (int, error) {
	var built []string
	err := w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Lock the cells' state rows and keep the cells whose stamp is still the one read before their data. On
		// PostgreSQL a row a write holds is skipped, never waited for (a rebuild and a write could otherwise wait
		// for each other): that cell is left for the next round, like one written since.
		var now []coverageState
		q := tx.NewSelect().Model(&now).Column("cell_id", "stamp").Where("cell_id IN (?)", bun.List(ids)).OrderExpr("cell_id")
		if changelog.IsPG(tx) {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		fresh := map[string]bool{}
		for _, c := range now {
			if c.Stamp == read[c.CellID] {
				fresh[c.CellID] = true
				built = append(built, c.CellID)
			}
		}
		if len(built) == 0 {
			return nil
		}
		// The cells' parents get a new generation, and their rollups are carried over to it (coverage_rollup.go).
		carry, err := carryRollups(ctx, tx, months, fresh)
		if err != nil {
			return err
		}
		for _, table := range []string{"coverage_months", "coverage_visits"} {
			if _, err := tx.NewDelete().TableExpr(table).Where("cell_id IN (?)", bun.List(built)).Exec(ctx); err != nil {
				return domain.Internal(err)
			}
		}
		if _, err := tx.NewUpdate().TableExpr("coverage_cells").Set("built_stamp = stamp, built_algo = ?", coverageAlgo).
			Set("from_month = ?, to_month = ?", from, to).Where("cell_id IN (?)", bun.List(built)).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
		if err := insertKept(ctx, tx, months, func(m *coverageMonth) bool { return fresh[m.CellID] }); err != nil {
			return err
		}
		if err := insertKept(ctx, tx, visits, func(v *coverageVisit) bool { return fresh[v.CellID] }); err != nil {
			return err
		}
		return carry(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return len(built), nil
}

// monthRows are the summary rows of cell c for the months from..to (first days), one a month.
func (d *coverageData) monthRows(c cellRow, from, to domain.Date) []coverageMonth {
	var out []coverageMonth
	at := map[string]int{}
	for m := from; !m.After(to); m = m.AddMonths(1) {
		at[m.String()[:7]] = len(out)
		out = append(out, coverageMonth{CellID: c.ID, Month: m, Path: c.Path, OpenedOn: c.OpenedOn, ClosedOn: c.ClosedOn})
	}
	own := make([]cellSums, len(out)) // each month's own sums
	totals := make([]visitTotals, len(out))
	for _, v := range d.cellVisits(c, "") {
		if i, ok := at[v.month]; ok {
			totals[i].add(v)
		}
	}
	for i, t := range totals {
		own[i].Visits, own[i].W12, own[i].Visited, own[i].Reported, own[i].Timely = t.visits, t.w12, t.visited, t.reported, t.timely
		own[i].Verified = t.verified
		mc := t.counts()
		out[i].MExpected, out[i].MVisited, out[i].MReported, out[i].MTimely = mc.expected, mc.visited, mc.reported, mc.timely
		out[i].MVerified = mc.verified
	}
	for _, m := range d.meetings[c.ID] {
		i, ok := at[m.MeetingDate.String()[:7]]
		if !ok {
			continue
		}
		members, exempt := m.members()
		o := &own[i]
		o.Held++
		o.Members += members
		o.Exempt += exempt
		o.Present += m.Present
		o.Unexcused += m.Unexcused
		switch d.grade(m.ID) {
		case domain.GradeGood:
			o.Tot++
		case domain.GradeFair:
			o.Kha++
		case domain.GradeAverage:
			o.TrungBinh++
		case domain.GradeWeak:
			o.Kem++
		}
	}
	var run cellSums
	for i := range out {
		out[i].MMembers, out[i].MExempt, out[i].MPresent = own[i].Members, own[i].Exempt, own[i].Present
		run.plus(own[i])
		out[i].cellSums = run
	}
	return out
}

// summaryCurrent brings the summaries of the cells under unit up to date for the months of the period p, and
// returns the first and last of those months (first days). A read must see every write committed before it
// started, not those that commit while it runs: a cell stale at the start is current once its summary was built
// at the stamp it had then or a later one, whatever was written since. A cell a write holds (skipped by the
// rebuild) is tried again after a growing pause, for as long as such a write lasts; one still held after
// coverageRounds rounds makes it give up with errBusy, and the reader compute directly instead.
func summaryCurrent(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period) (from, to domain.Date, err error) {
	from = domain.NewDate(p.From.Year(), p.From.Month(), 1)
	to = domain.NewDate(p.To.Year(), p.To.Month(), 1)
	check := func() ([]coverageCell, error) { return staleCells(ctx, r, unit.Path, from, to) }
	stale, err := check()
	if err != nil {
		return from, to, err
	}
	return from, to, bringCurrent(ctx, r, w, from, to, stale, check)
}

// bringCurrent is summaryCurrent from the cells stale when the read started (stale, as staleCells lists them), check
// listing the unit's stale cells again after each round.
func bringCurrent(ctx context.Context, r, w bun.IDB, from, to domain.Date, stale []coverageCell, check func() ([]coverageCell, error)) error {
	seen := make(map[string]int64, len(stale)) // the stamps the stale cells had when the read started
	for _, c := range stale {
		seen[c.ID] = c.Stamp
	}
	pause := 20 * time.Millisecond
	for round := 0; len(stale) > 0; round++ {
		if round == coverageRounds {
			return errBusy
		}
		if round > 0 {
			select {
			case <-ctx.Done():
				return domain.Internal(ctx.Err())
			case <-time.After(pause):
			}
			pause *= 2
		}
		if _, err := refreshCoverage(ctx, r, w, stale, from, to); err != nil {
			return err
		}
		var err error
		if stale, err = check(); err != nil {
			return err
		}
		behind := stale[:0]
		for _, c := range stale {
			if s, ok := seen[c.ID]; ok && (c.BuiltStamp < s || !c.holds(from, to)) {
				behind = append(behind, c)
			}
		}
		stale = behind
	}
	return nil
}

// holds says whether the cell's summary, as last built, holds the months from..to under the current code.
func (c *coverageCell) holds(from, to domain.Date) bool {
	return c.Known && c.BuiltAlgo == coverageAlgo && !c.FromMonth.IsZero() && !c.FromMonth.After(from) &&
		!c.ToMonth.IsZero() && !c.ToMonth.Before(to)
}

// insertKept inserts the rows keep selects, a thousand a statement.
func insertKept[T any](ctx context.Context, tx bun.IDB, rows []T, keep func(*T) bool) error {
	var kept []T
	for i := range rows {
		if keep(&rows[i]) {
			kept = append(kept, rows[i])
		}
	}
	for _, batch := range chunks(kept, 1000) {
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
	}
	return nil
}

// bothReads runs two reads at once (on two connections) and returns the first error, no rows being none.
func bothReads(a, b func() error) error {
	errs := make(chan error, 2)
	for _, f := range []func() error{a, b} {
		go func() {
			err := f()
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
			errs <- err
		}()
	}
	var err error
	for range 2 {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return err
}
