package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// Coverage rollups (migration 0031, issue #15). A unit's report over whole months used to sum its cells' months
// (coverage_months) on every read: a province-year is 120,000 rows, and on a server holding several provinces the
// planner scanned all of them. Now the figures of the cells of one parent unit (a commune, most often) over a
// period are kept as one row of coverage_rollups, computed here from those cells' months; a report sums its
// parents' rollups and computes, and keeps, only those that no longer hold. The cells right under the unit read
// (a commune's, whose report lists them one by one) are summed from their months as before.
//
// A rollup holds while its parent's generation (coverage_parents: bumped by every transaction that stores months of
// one of the parent's cells, by storeCoverage and by the trigger of migration 0031) and the parent's number of
// cells (a cell moved away or deleted drops its months without a rebuild, migration 0007) are those it was computed
// at, and it was computed by the current code (coverageRollupAlgo). The generation is read before the months are,
// so a rebuild that commits in between leaves the rollup behind. A rebuild carries the rollups that held over to
// the new generation, each rebuilt cell's old share taken out and its new one put in (carryRollups), so that after
// a few writes a read rebuilds their cells and still reads no months. Rollups are read only once every cell under
// the unit is current: figures from them are those the cells' months give, which a recomputation gives
// (TestCoverageSummaryEqualsRecomputation).

// coverageRollupAlgo versions how a rollup is computed from the months and stored: raise it when that changes.
const coverageRollupAlgo = 1

// coverageRollupRanges is how many parents (path ranges) a read recomputes one by one; with more, it reads the
// months of the whole unit.
const coverageRollupRanges = 32

// A path is made of canonical UUIDs (36 characters and a slash each), so a cell's parent path is its own less 37
// characters, in Go and in SQL alike.
const pathStep = 37

// parentPath returns the path of the parent of the unit at path ("/a/b/" → "/a/"), "" for a root.
func parentPath(path string) string {
	if len(path) <= pathStep {
		return ""
	}
	return path[:len(path)-pathStep]
}

// parentPathSQL is parentPath of coverage_months' path in SQL.
const parentPathSQL = "substr(cm.path, 1, length(cm.path) - 37)"

// coverageParent is a row of coverage_parents.
type coverageParent struct {
	bun.BaseModel `bun:"table:coverage_parents"`
	UnitID        string `bun:"unit_id,pk"`
	Gen           int64  `bun:"gen"`
}

// coverageRollup is a row of coverage_rollups: the figures of a parent's cells over the months from..to.
type coverageRollup struct {
	bun.BaseModel `bun:"table:coverage_rollups"`
	UnitID        string      `bun:"unit_id,pk"`
	FromMonth     domain.Date `bun:"from_month,pk"`
	ToMonth       domain.Date `bun:"to_month,pk"`
	Gen           int64       `bun:"gen"`
	Cells         int         `bun:"cells"`
	Algo          int         `bun:"algo"`
	Figures       string      `bun:"figures"`
}

// rollupFigures are a rollup's figures: T the sums of the cells' Coverage (open in the period, each rounded and
// capped), in the order of coverageInts; M each month's sums from the first (MonthCoverage's, in monthInts' order).
type rollupFigures struct {
	T [16]int  `json:"t"`
	M [][8]int `json:"m"`
}

func coverageInts(c *Coverage) [16]*int {
	return [16]*int{&c.Expected, &c.Visited, &c.Reported, &c.Timely, &c.Verified, &c.HeldMeetings, &c.Members, &c.Exempt,
		&c.Present, &c.Unexcused, &c.Cells, &c.CellsLowAttendance, &c.Grades.Tot, &c.Grades.Kha, &c.Grades.TrungBinh, &c.Grades.Kem}
}

func monthInts(m *MonthCoverage) [8]*int {
	return [8]*int{&m.Expected, &m.Visited, &m.Reported, &m.Timely, &m.Verified, &m.Members, &m.Exempt, &m.Present}
}

func (f *rollupFigures) add(c Coverage) {
	for i, v := range coverageInts(&c) {
		f.T[i] += *v
	}
}

func (f *rollupFigures) coverage() Coverage {
	var c Coverage
	for i, v := range coverageInts(&c) {
		*v = f.T[i]
	}
	return c
}

func (f *rollupFigures) month(i int, m MonthCoverage) {
	for j, v := range monthInts(&m) {
		f.M[i][j] += *v
	}
}

// parentState is a parent unit of cells under the unit read: its cells, how many of them are not current for the
// months read, its generation, and its rollup for those months, if any.
type parentState struct {
	ParentID string  `bun:"parent_id"`
	Path     string  `bun:"-"`
	Cells    int     `bun:"cells"`
	Stale    int     `bun:"stale"`
	Gen      int64   `bun:"gen"`
	RGen     *int64  `bun:"r_gen"`
	RCells   *int    `bun:"r_cells"`
	RAlgo    *int    `bun:"r_algo"`
	Figures  *string `bun:"figures"`
}

// rollup returns the parent's rollup if it holds (n months from the first).
func (s *parentState) rollup(n int) (*rollupFigures, bool) {
	if s.RGen == nil || *s.RGen != s.Gen || s.RCells == nil || *s.RCells != s.Cells || s.RAlgo == nil ||
		*s.RAlgo != coverageRollupAlgo || s.Figures == nil {
		return nil, false
	}
	var f rollupFigures
	if err := json.Unmarshal([]byte(*s.Figures), &f); err != nil || len(f.M) != n {
		return nil, false
	}
	return &f, true
}

// unitState reads, in one statement (one moment), the state of the summaries under root for the months from..to:
// the parents of the cells, each with its cells, how many of them are stale, its generation and its rollup, and the
// stale cells themselves, as staleCells lists them. A parent's path is its cells' less their own id (parentPath), so
// no parent row is read.
func unitState(ctx context.Context, db bun.IDB, root string, from, to domain.Date) ([]parentState, []coverageCell, error) {
	var rows []struct {
		IsCell int `bun:"is_cell"`
		coverageCell
		parentState
	}
	err := db.NewRaw(`WITH c AS (
			SELECT ou.id, ou.name, ou.path, ou.opened_on, ou.closed_on, ou.parent_id,
				COALESCE(cc.stamp, 0) AS stamp, COALESCE(cc.built_stamp, -1) AS built_stamp, COALESCE(cc.built_algo, 0) AS built_algo,
				cc.from_month, cc.to_month, CASE WHEN cc.cell_id IS NULL THEN 0 ELSE 1 END AS known,
				CASE WHEN cc.cell_id IS NULL OR cc.built_stamp <> cc.stamp OR cc.built_algo <> ? OR cc.from_month IS NULL
					OR cc.from_month > ? OR cc.to_month < ? THEN 1 ELSE 0 END AS stale
			FROM org_units AS ou LEFT JOIN coverage_cells AS cc ON cc.cell_id = ou.id
			WHERE ou.kind = ? AND ou.deleted_at IS NULL AND ou.path >= ? AND ou.path < ?)
		SELECT 0 AS is_cell, q.parent_id AS id, q.path, '' AS name, NULL AS opened_on, NULL AS closed_on,
			0 AS stamp, 0 AS built_stamp, 0 AS built_algo, NULL AS from_month, NULL AS to_month, 0 AS known,
			q.parent_id, q.cells, q.stale, COALESCE(cp.gen, 0) AS gen, r.gen AS r_gen, r.cells AS r_cells, r.algo AS r_algo, r.figures
		FROM (SELECT c.parent_id, substr(c.path, 1, length(c.path) - 37) AS path, COUNT(*) AS cells, SUM(c.stale) AS stale
			FROM c GROUP BY c.parent_id, substr(c.path, 1, length(c.path) - 37)) AS q
		LEFT JOIN coverage_parents AS cp ON cp.unit_id = q.parent_id
		LEFT JOIN coverage_rollups AS r ON r.unit_id = q.parent_id AND r.from_month = ? AND r.to_month = ?
		UNION ALL
		SELECT 1, c.id, c.path, c.name, c.opened_on, c.closed_on, c.stamp, c.built_stamp, c.built_algo, c.from_month, c.to_month,
			c.known, NULL, 0, 0, 0, NULL, NULL, NULL, NULL
		FROM c WHERE c.stale = 1
		ORDER BY 1, 3`,
		coverageAlgo, from, to, domain.KindCell, root, domain.PathUpper(root), from, to).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, domain.Internal(err)
	}
	var parents []parentState
	var stale []coverageCell
	for _, r := range rows {
		if r.IsCell == 1 {
			stale = append(stale, r.coverageCell)
		} else {
			r.parentState.Path = r.coverageCell.Path
			parents = append(parents, r.parentState)
		}
	}
	return parents, stale, nil
}

// bumpParents bumps, in the transaction that stores them and before it marks them built, the generation of the
// parents (ids) of the cells whose months are stored, in the order of their ids, and returns the parents' new
// generations. Marking the cells built bumps it too (the trigger of migration 0031, which a rebuild by any version
// of the server fires), but in the order the rows come: taken here first, the parents' rows are locked in one order
// by every rebuild, so that two never wait for each other in a cycle; on PostgreSQL the trigger then finds them
// bumped in this transaction already.
func bumpParents(ctx context.Context, tx bun.IDB, ids []string) (map[string]int64, error) {
	sort.Strings(ids)
	row, set := "(?, 1, NULL), ", "gen = coverage_parents.gen + 1"
	if changelog.IsPG(tx) {
		row, set = "(?, 1, txid_current()), ", "gen = coverage_parents.gen + 1, bumped_tx = EXCLUDED.bumped_tx "+
			"WHERE coverage_parents.bumped_tx IS DISTINCT FROM EXCLUDED.bumped_tx"
	}
	gens := make(map[string]int64, len(ids))
	for _, batch := range chunks(ids, 1000) {
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		var rows []coverageParent
		if err := tx.NewRaw(`INSERT INTO coverage_parents (unit_id, gen, bumped_tx) VALUES `+
			strings.TrimSuffix(strings.Repeat(row, len(batch)), ", ")+` ON CONFLICT (unit_id) DO UPDATE SET `+set+
			` RETURNING unit_id, gen`, args...).Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, r := range rows {
			gens[r.UnitID] = r.Gen
		}
	}
	return gens, nil
}

// carryRollups is the first half of storing the months of the cells fresh (months holds them, among others): before
// their old months are deleted, it bumps their parents' generations (bumpParents) and reads the parents' rollups
// that held until then, with the cells' old months. The function it returns, run once the new months are in,
// carries those rollups over to the parents' new generation: each cell's old share of a rollup taken out and its
// new one put in, exactly as rollupsFromMonths would sum them. A rollup it cannot carry (a cell's old or new months
// do not span its period: a cell whose months the org-unit trigger dropped, one rebuilt over other months) and the
// parents' rollups that no longer held are deleted. So a read after a few writes finds its communes' rollups
// current once it has rebuilt their cells, and reads no months.
func carryRollups(ctx context.Context, tx bun.IDB, months []coverageMonth, fresh map[string]bool) (func(context.Context, bun.IDB) error, error) {
	parentOf := map[string]string{} // fresh cell → parent id
	cellsOf := map[string][]string{}
	newRows := map[string][]coverageMonth{}
	for _, m := range months {
		if !fresh[m.CellID] {
			continue
		}
		if _, ok := parentOf[m.CellID]; !ok {
			ids := domain.PathIDs(parentPath(m.Path))
			if len(ids) == 0 {
				parentOf[m.CellID] = ""
				continue
			}
			parentOf[m.CellID] = ids[len(ids)-1]
			cellsOf[ids[len(ids)-1]] = append(cellsOf[ids[len(ids)-1]], m.CellID)
		}
		newRows[m.CellID] = append(newRows[m.CellID], m)
	}
	nothing := func(context.Context, bun.IDB) error { return nil }
	if len(cellsOf) == 0 {
		return nothing, nil
	}
	parents := make([]string, 0, len(cellsOf))
	for p := range cellsOf {
		parents = append(parents, p)
	}
	gens, err := bumpParents(ctx, tx, parents)
	if err != nil {
		return nil, err
	}
	var rollups []coverageRollup
	q := tx.NewSelect().Model(&rollups).Where("unit_id IN (?)", bun.List(parents)).OrderExpr("unit_id, from_month, to_month")
	if changelog.IsPG(tx) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if len(rollups) == 0 {
		return nothing, nil
	}
	var cells []string // the cells of parents with a rollup that held
	held := map[string]bool{}
	for _, r := range rollups {
		if g, ok := gens[r.UnitID]; ok && r.Gen == g-1 && r.Algo == coverageRollupAlgo && !held[r.UnitID] {
			held[r.UnitID] = true
			cells = append(cells, cellsOf[r.UnitID]...)
		}
	}
	oldRows := map[string][]coverageMonth{}
	if len(cells) > 0 {
		var old []coverageMonth
		if err := tx.NewSelect().Model(&old).Where("cell_id IN (?)", bun.List(cells)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, m := range old {
			oldRows[m.CellID] = append(oldRows[m.CellID], m)
		}
	}
	return func(ctx context.Context, tx bun.IDB) error {
		// The parents' generations now (SQLite's trigger bumped them once a cell).
		var now []coverageParent
		if err := tx.NewSelect().Model(&now).Where("unit_id IN (?)", bun.List(parents)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		gen := make(map[string]int64, len(now))
		for _, p := range now {
			gen[p.UnitID] = p.Gen
		}
		for _, r := range rollups {
			key := "unit_id = ? AND from_month = ? AND to_month = ?"
			var err error
			if f, ok := carried(r, gens, cellsOf[r.UnitID], oldRows, newRows); ok {
				b, jerr := json.Marshal(f)
				if jerr != nil {
					return domain.Internal(jerr)
				}
				_, err = tx.NewUpdate().TableExpr("coverage_rollups").Set("gen = ?, figures = ?", gen[r.UnitID], string(b)).
					Where(key, r.UnitID, r.FromMonth, r.ToMonth).Exec(ctx)
			} else {
				_, err = tx.NewDelete().TableExpr("coverage_rollups").Where(key, r.UnitID, r.FromMonth, r.ToMonth).Exec(ctx)
			}
			if err != nil {
				return domain.Internal(err)
			}
		}
		return nil
	}, nil
}

// carried returns rollup r carried over to its parent's new generation (gens: the generation bumpParents gave it,
// one after the rollup's if it held), the old months of the parent's rebuilt cells replaced by their new ones.
func carried(r coverageRollup, gens map[string]int64, cells []string, oldRows, newRows map[string][]coverageMonth) (*rollupFigures, bool) {
	if g, ok := gens[r.UnitID]; !ok || r.Gen != g-1 || r.Algo != coverageRollupAlgo {
		return nil, false
	}
	var f rollupFigures
	n := monthsBetween(r.FromMonth, r.ToMonth) + 1
	if err := json.Unmarshal([]byte(r.Figures), &f); err != nil || len(f.M) != n {
		return nil, false
	}
	for _, c := range cells {
		before, ok1 := cellShare(oldRows[c], r.FromMonth, r.ToMonth)
		after, ok2 := cellShare(newRows[c], r.FromMonth, r.ToMonth)
		if !ok1 || !ok2 {
			return nil, false
		}
		for i := range f.T {
			f.T[i] += after.T[i] - before.T[i]
		}
		for i := range f.M {
			for j := range f.M[i] {
				f.M[i][j] += after.M[i][j] - before.M[i][j]
			}
		}
	}
	return &f, true
}

// cellShare is a cell's share of a rollup over the months from..to, from its months rows (as rollupsFromMonths
// sums them: nothing when the cell is not open in the period); false when the rows do not span the period.
func cellShare(rows []coverageMonth, from, to domain.Date) (rollupFigures, bool) {
	f := rollupFigures{M: make([][8]int, monthsBetween(from, to)+1)}
	at := make(map[domain.Date]*coverageMonth, len(rows))
	for i := range rows {
		at[rows[i].Month] = &rows[i]
	}
	last := at[to]
	if last == nil {
		return f, false
	}
	for m := from; !m.After(to); m = m.AddMonths(1) {
		if at[m] == nil {
			return f, false
		}
	}
	pFrom, pTo := from, to.AddMonths(1).AddDays(-1)
	if (!last.OpenedOn.IsZero() && last.OpenedOn.After(pTo)) || (!last.ClosedOn.IsZero() && last.ClosedOn.Before(pFrom)) {
		return f, true
	}
	sums := last.cellSums
	if prev := at[from.AddMonths(-1)]; prev != nil {
		sums.minus(prev.cellSums)
	}
	f.add(sums.coverage())
	for i, m := 0, from; !m.After(to); i, m = i+1, m.AddMonths(1) {
		own := at[m].own()
		for j, v := range monthInts(&own) {
			f.M[i][j] = *v
		}
	}
	return f, true
}

// coverageFromSummary is CoverageOf for a unit above cells and a period of whole months: it brings the summaries
// of the unit's cells up to date, then sums the rollups of their parents (recomputing, and keeping, those that no
// longer hold) and the months of the cells right under the unit.
func coverageFromSummary(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, rep *CoverageReport, kids []OrgUnit) error {
	from := domain.NewDate(p.From.Year(), p.From.Month(), 1)
	to := domain.NewDate(p.To.Year(), p.To.Month(), 1)
	// The cells stale when the read starts are rebuilt (as summaryCurrent does), and the parents' state is that of
	// the last look at the cells, when none of them was behind.
	var states []parentState
	check := func() ([]coverageCell, error) {
		var stale []coverageCell
		var err error
		states, stale, err = unitState(ctx, r, unit.Path, from, to)
		return stale, err
	}
	stale, err := check()
	if err != nil {
		return err
	}
	if err := bringCurrent(ctx, r, w, from, to, stale, check); err != nil {
		return err
	}
	n := monthsBetween(from, to) + 1
	t := newCoverageTally(rep, unit.Path, kids)
	redo := map[string]*parentState{} // by path
	direct := false
	for i := range states {
		s := &states[i]
		if s.ParentID == unit.ID {
			direct = true
		} else if f, ok := s.rollup(n); ok {
			t.rollup(s.Path, f, from)
		} else {
			redo[s.Path] = s
		}
	}
	if len(redo) > 0 || direct {
		figs, err := rollupsFromMonths(ctx, r, unit, p, from, to, redo, direct, t)
		if err != nil {
			return err
		}
		for path, f := range figs {
			t.rollup(path, f, from)
		}
		if err := keepRollups(ctx, w, redo, figs, from, to); err != nil {
			return err
		}
	}
	t.finish(p)
	return nil
}

// rollup adds the figures of a parent's cells (the unit at path) over the months from from.
func (t *coverageTally) rollup(path string, f *rollupFigures, from domain.Date) {
	t.add(path, f.coverage())
	for i, m := range f.M {
		mc := MonthCoverage{Month: from.AddMonths(i).String()[:7]}
		for j, v := range monthInts(&mc) {
			*v = m[j]
		}
		t.month(mc)
	}
}

// rollupsFromMonths reads the months of the cells of the parents redo (by path) and, when direct, of the cells
// right under the unit, over the period's months from..to: it adds the latter to t cell by cell, and returns the
// rollups of the former. The sums per cell (for the caps and the cells under 85 %) and per month and parent are
// read at the same time, on two connections.
func rollupsFromMonths(ctx context.Context, r bun.IDB, unit *OrgUnit, p Period, from, to domain.Date, redo map[string]*parentState,
	direct bool, t *coverageTally) (map[string]*rollupFigures, error) {
	root, upper := unit.Path, domain.PathUpper(unit.Path)
	// where keeps the rows of the cells wanted, open in the period: those of the parents' ranges and the unit's own
	// cells, or all the unit's when they are many.
	where := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("cm.path >= ? AND cm.path < ?", root, upper).
			Where("(cm.opened_on IS NULL OR cm.opened_on <= ?) AND (cm.closed_on IS NULL OR cm.closed_on >= ?)", p.To, p.From)
		if len(redo)+b2i(direct) > coverageRollupRanges {
			return q
		}
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			for path := range redo {
				q = q.WhereOr("cm.path >= ? AND cm.path < ?", path, domain.PathUpper(path))
			}
			if direct {
				q = q.WhereOr("length(cm.path) = ?", len(root)+pathStep)
			}
			return q
		})
	}
	type cellRowSums struct {
		CellID string `bun:"cell_id"`
		Path   string `bun:"path"`
		cellSums
	}
	var sums []cellRowSums
	var months []struct {
		Month    domain.Date `bun:"month"`
		Parent   string      `bun:"parent"`
		Expected int         `bun:"expected"`
		Visited  int         `bun:"visited"`
		Reported int         `bun:"reported"`
		Timely   int         `bun:"timely"`
		Verified int         `bun:"verified"`
		Members  int         `bun:"members"`
		Exempt   int         `bun:"exempt"`
		Present  int         `bun:"present"`
	}
	months12 := make([]domain.Date, 0, 13)
	for m := from; !m.After(to); m = m.AddMonths(1) {
		months12 = append(months12, m)
	}
	err := bothReads(func() error {
		// A cell's sums over the period: its running sums at the period's last month, less those at the month before
		// the period (a row the cell has only when its summary starts earlier).
		q := r.NewSelect().TableExpr("coverage_months AS cm").ColumnExpr("cm.cell_id, cm.path")
		prev, last := from.AddMonths(-1), to
		for _, c := range []string{"visits", "w12", "visited", "reported", "timely", "verified", "held", "members", "exempt", "present",
			"unexcused", "tot", "kha", "trung_binh", "kem"} {
			q = q.ColumnExpr("SUM(CASE WHEN cm.month = ? THEN cm.? ELSE -cm.? END) AS ?", last,
				bun.Ident("c_"+c), bun.Ident("c_"+c), bun.Ident("c_"+c))
		}
		return where(q.Where("cm.month IN (?, ?)", prev, last)).GroupExpr("cm.cell_id, cm.path").Scan(ctx, &sums)
	}, func() error {
		// The months one by one, so that the index (month, path) finds the unit's rows of each.
		return where(r.NewSelect().TableExpr("coverage_months AS cm").ColumnExpr("cm.month").
			ColumnExpr(parentPathSQL+" AS parent").
			ColumnExpr("SUM(cm.m_expected) AS expected, SUM(cm.m_visited) AS visited, SUM(cm.m_reported) AS reported").
			ColumnExpr("SUM(cm.m_timely) AS timely, SUM(cm.m_members) AS members, SUM(cm.m_exempt) AS exempt").
			ColumnExpr("SUM(cm.m_present) AS present, SUM(cm.m_verified) AS verified").
			Where("cm.month IN (?)", bun.List(months12))).
			GroupExpr("cm.month, "+parentPathSQL).Scan(ctx, &months)
	})
	if err != nil {
		return nil, domain.Internal(err)
	}
	figs := make(map[string]*rollupFigures, len(redo))
	for path := range redo {
		figs[path] = &rollupFigures{M: make([][8]int, len(months12))}
	}
	for _, c := range sums {
		if pp := parentPath(c.Path); pp == root {
			t.cell(c.Path, c.cellSums)
		} else if f := figs[pp]; f != nil {
			f.add(c.cellSums.coverage())
		}
	}
	for _, m := range months {
		mc := MonthCoverage{Month: m.Month.String()[:7], Expected: m.Expected, Visited: m.Visited, Reported: m.Reported,
			Timely: m.Timely, Verified: m.Verified, Members: m.Members, Exempt: m.Exempt, Present: m.Present}
		if m.Parent == root {
			t.month(mc)
		} else if f := figs[m.Parent]; f != nil {
			f.month(monthsBetween(from, m.Month), mc)
		}
	}
	return figs, nil
}

// keepRollups stores the rollups figs of the parents redo (by path) at the generation and number of cells read
// before their months, in the order of their keys (as carryRollups locks them). It is a cache: a write that fails
// for a conflict with another is left for the next read; the rollups that no longer hold are deleted by the next
// rebuild of one of their cells (carryRollups).
func keepRollups(ctx context.Context, w bun.IDB, redo map[string]*parentState, figs map[string]*rollupFigures, from, to domain.Date) error {
	if len(figs) == 0 {
		return nil
	}
	rows := make([]coverageRollup, 0, len(figs))
	for path, f := range figs {
		s := redo[path]
		b, err := json.Marshal(f)
		if err != nil {
			return domain.Internal(err)
		}
		rows = append(rows, coverageRollup{UnitID: s.ParentID, FromMonth: from, ToMonth: to, Gen: s.Gen, Cells: s.Cells,
			Algo: coverageRollupAlgo, Figures: string(b)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].UnitID < rows[j].UnitID })
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].UnitID
	}
	err := w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, batch := range chunks(rows, 500) {
			if _, err := tx.NewInsert().Model(&batch).On("CONFLICT (unit_id, from_month, to_month) DO UPDATE").
				Set("gen = EXCLUDED.gen, cells = EXCLUDED.cells, algo = EXCLUDED.algo, figures = EXCLUDED.figures").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !changelog.Retryable(err) {
		return domain.Internal(err)
	}
	return nil
}
