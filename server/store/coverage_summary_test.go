package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestCoverageSummaryEqualsRecomputation writes to everything coverage depends on, one kind of write at a time,
// and after each compares the coverage read from the summary with a recomputation from the data itself, for
// every unit above the cells and months, quarters and years around the fixture's period.
func TestCoverageSummaryEqualsRecomputation(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	db := f.DB
	d := func(y int, m time.Month, day int) domain.Date { return domain.NewDate(y, m, day) }
	periods := []store.Period{
		{From: d(2026, 10, 1), To: d(2026, 10, 31)},
		{From: d(2026, 11, 1), To: d(2026, 11, 30)},
		{From: d(2026, 12, 1), To: d(2026, 12, 31)},
		{From: d(2026, 10, 1), To: d(2026, 12, 31)},
		{From: d(2026, 7, 1), To: d(2026, 9, 30)},
		{From: d(2026, 1, 1), To: d(2026, 12, 31)},
		{From: d(2026, 9, 1), To: d(2027, 2, 28)},
	}
	check := func(t *testing.T, step string) {
		t.Helper()
		for _, u := range []*store.OrgUnit{f.Province, f.C1, f.C2} {
			var unit store.OrgUnit // re-read: a move changes paths
			if err := db.R.NewSelect().Model(&unit).Where("id = ?", u.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			for _, p := range periods {
				got, err := store.CoverageOf(ctx, db.R, db.W, &unit, p, testdb.CoverageToday)
				if err != nil {
					t.Fatal(err)
				}
				want, err := store.CoverageRecomputed(ctx, db.R, &unit, p, testdb.CoverageToday)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateComparable(domain.Date{})); diff != "" {
					t.Errorf("after %s, %s %s..%s: summary differs from a recomputation (-recomputed +summary):\n%s",
						step, unit.Name, p.From, p.To, diff)
				}
				// The officials' tallies, on the fixture's day and on days when fewer reports are overdue: the last day
				// a report on cell A's meeting of 3 December is timely (due 3 days after), the day after, and before.
				for _, today := range []domain.Date{testdb.CoverageToday, d(2026, 12, 6), d(2026, 12, 7), d(2026, 11, 1)} {
					got, err := store.OfficialTallies(ctx, db.R, db.W, &unit, p, today)
					if err != nil {
						t.Fatal(err)
					}
					want, err := store.OfficialTalliesRecomputed(ctx, db.R, &unit, p, today)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, got, cmpopts.EquateComparable(domain.Date{}), cmp.AllowUnexported(store.OfficialTally{})); diff != "" {
						t.Errorf("after %s, %s %s..%s, today %s: officials' tallies from the summary differ from a recomputation (-recomputed +summary):\n%s",
							step, unit.Name, p.From, p.To, today, diff)
					}
					gotOverdue, err := store.OverdueVisitReports(ctx, db.R, db.W, &unit, p, today)
					if err != nil {
						t.Fatal(err)
					}
					wantOverdue, err := store.OverdueVisitReportsRecomputed(ctx, db.R, &unit, p, today)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(wantOverdue, gotOverdue, cmpopts.EquateComparable(domain.Date{})); diff != "" {
						t.Errorf("after %s, %s %s..%s, today %s: overdue reports from the summary differ from a recomputation (-recomputed +summary):\n%s",
							step, unit.Name, p.From, p.To, today, diff)
					}
				}
			}
		}
	}
	exec := func(t *testing.T, query string, args ...any) {
		t.Helper()
		if _, err := db.W.NewRaw(query, args...).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	check(t, "the fixture")
	crossChecksSteps(t, f, check)
	// A rule for commune 1 once the summary exists: the 10th, reports due the next day, thematic every month.
	rule := domain.DefaultScheduleRule()
	rule.DayOfMonth, rule.ReportDueDays, rule.ThematicMonths = 10, 1, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	steps := []struct {
		name  string
		write func(t *testing.T)
	}{
		{"an attendance row changes status", func(t *testing.T) {
			exec(t, `UPDATE attendance SET status = 'unexcused' WHERE id = ?`, f.AttendanceA["2026-10"][0].ID)
		}},
		{"an attendance row is deleted", func(t *testing.T) {
			exec(t, `UPDATE attendance SET deleted_at = ? WHERE id = ?`, time.Now(), f.AttendanceA["2026-11"][1].ID)
		}},
		{"a draft report is submitted with a grade", func(t *testing.T) {
			exec(t, `UPDATE visit_reports SET status = 'submitted', submitted_at = ?, grade = 'kem'
				WHERE meeting_id = ? AND status <> 'submitted'`, time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC), f.MeetingA["2026-12"].ID)
		}},
		{"a report is deleted", func(t *testing.T) {
			exec(t, `UPDATE visit_reports SET deleted_at = ? WHERE id = ?`, time.Now(), f.ReportXN.ID)
		}},
		{"a meeting moves to the next month", func(t *testing.T) {
			exec(t, `UPDATE meetings SET meeting_date = ? WHERE id = ?`, d(2026, 11, 2), f.MeetingA["2026-10"].ID)
		}},
		{"a meeting's member totals change", func(t *testing.T) {
			exec(t, `UPDATE meetings SET members_total = 9, members_exempt = 3 WHERE id = ?`, f.MeetingA["2026-12"].ID)
		}},
		{"a meeting is cancelled", func(t *testing.T) {
			exec(t, `UPDATE meetings SET status = 'cancelled' WHERE id = ?`, f.MeetingA["2026-11"].ID)
		}},
		{"an assignment ends early", func(t *testing.T) {
			exec(t, `UPDATE assignments SET ends_on = ?, status = 'ended' WHERE cell_id = ? AND status = 'active'`, d(2026, 10, 20), f.X.ID)
		}},
		{"an ended assignment is cancelled", func(t *testing.T) {
			exec(t, `UPDATE assignments SET status = 'cancelled' WHERE id = ?`, f.AssignB1.ID)
		}},
		{"a new 6-a-year assignment", func(t *testing.T) {
			exec(t, `INSERT INTO assignments (id, official_id, cell_id, starts_on, frequency, visits_per_year, status, note,
				created_at, updated_at, version) SELECT ?, official_id, ?, ?, 'per_year', 6, 'active', '', created_at, updated_at, 1
				FROM assignments WHERE id = ?`, "0f0e0d0c-0000-4000-8000-000000000001", f.E.ID, d(2026, 9, 1), f.AssignB1.ID)
		}},
		{"a rule for a commune", func(t *testing.T) {
			if _, err := store.PutScheduleRule(ctx, db.W, f.C1, rule); err != nil {
				t.Fatal(err)
			}
		}},
		{"the rule changes", func(t *testing.T) {
			rule.ReportDueDays = 10
			if _, err := store.PutScheduleRule(ctx, db.W, f.C1, rule); err != nil {
				t.Fatal(err)
			}
		}},
		{"the rule is removed", func(t *testing.T) {
			if err := store.DeleteScheduleRule(ctx, db.W, f.C1); err != nil {
				t.Fatal(err)
			}
		}},
		{"a cell closes", func(t *testing.T) {
			exec(t, `UPDATE org_units SET closed_on = ? WHERE id = ?`, d(2026, 11, 10), f.B.ID)
		}},
		{"a cell opens later", func(t *testing.T) { exec(t, `UPDATE org_units SET opened_on = ? WHERE id = ?`, d(2026, 12, 5), f.E.ID) }},
		{"a cell moves to the other commune", func(t *testing.T) {
			exec(t, `UPDATE org_units SET parent_id = ?, path = ? WHERE id = ?`, f.C2.ID, f.C2.Path+f.A.ID+"/", f.A.ID)
		}},
		{"a cell is deleted", func(t *testing.T) { exec(t, `UPDATE org_units SET deleted_at = ? WHERE id = ?`, time.Now(), f.D.ID) }},
		{"a meeting is deleted", func(t *testing.T) {
			exec(t, `UPDATE meetings SET deleted_at = ? WHERE id = ?`, time.Now(), f.MeetingA["2026-12"].ID)
		}},
		{"a tally row goes", func(t *testing.T) {
			exec(t, `DELETE FROM meeting_tallies WHERE meeting_id = ?`, f.MeetingA["2026-11"].ID)
		}},
	}
	for i, s := range steps {
		t.Run(fmt.Sprintf("%02d %s", i, s.name), func(t *testing.T) {
			s.write(t)
			check(t, s.name)
		})
	}
}

// TestCoverageSummaryRebuildRacingAWrite rebuilds with stamps read before a write, as a rebuild does when a write
// commits while it reads: the cell must stay behind, so the next read rebuilds it and sees the write.
func TestCoverageSummaryRebuildRacingAWrite(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	db := f.DB
	q4 := store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}
	before, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	stamps, err := store.SummaryStamps(ctx, db.R, f.Province.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The write commits after the stamps were read...
	if _, err := db.W.NewRaw(`UPDATE attendance SET status = 'unexcused' WHERE id = ?`, f.AttendanceA["2026-10"][1].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// ...and the rebuild stores the stamps it read.
	if err := store.RebuildSummary(ctx, db.R, db.W, stamps, domain.NewDate(2026, 10, 1), domain.NewDate(2026, 12, 1)); err != nil {
		t.Fatal(err)
	}
	var behind int
	if err := db.R.NewRaw(`SELECT COUNT(*) FROM coverage_cells WHERE cell_id = ? AND built_stamp <> stamp`, f.A.ID).Scan(ctx, &behind); err != nil {
		t.Fatal(err)
	}
	if behind != 1 {
		t.Errorf("cell A is current after a rebuild that read its stamp before a write; want it behind")
	}
	after, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if after.Totals.Unexcused != before.Totals.Unexcused+1 || after.Totals.Present != before.Totals.Present-1 {
		t.Errorf("after the write: unexcused %d → %d, present %d → %d; want +1 and −1",
			before.Totals.Unexcused, after.Totals.Unexcused, before.Totals.Present, after.Totals.Present)
	}
	want, err := store.CoverageRecomputed(ctx, db.R, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, after, cmpopts.EquateComparable(domain.Date{})); diff != "" {
		t.Errorf("(-recomputed +summary):\n%s", diff)
	}
}

// TestCoverageReadWaitsForAHeldCell: a cell behind at the start of a read, and held by a write that commits a
// moment later, is rebuilt by the read once the write ends (it does not give up and compute the province directly,
// which is what made the province's reads slow under load), and the read shows the write.
func TestCoverageReadWaitsForAHeldCell(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	if f.DB.Dialect != "pg" {
		t.Skip("SQLite has one writer: a read never finds a cell held by a write")
	}
	ctx := context.Background()
	db := f.DB
	q4 := store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}
	if _, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday); err != nil {
		t.Fatal(err)
	}
	// Cell A falls behind (a write committed)...
	if _, err := db.W.NewRaw(`UPDATE meetings SET topic = 'x' WHERE id = ?`, f.MeetingA["2026-10"].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// ...and another write holds it for 300 ms, long past a read's first rounds.
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewRaw(`UPDATE attendance SET status = 'unexcused' WHERE id = ?`, f.AttendanceA["2026-10"][1].ID).Exec(ctx); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	time.AfterFunc(300*time.Millisecond, func() { close(release) })
	got, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var behind int
	if err := db.R.NewRaw(`SELECT COUNT(*) FROM coverage_cells WHERE built_stamp <> stamp`).Scan(ctx, &behind); err != nil {
		t.Fatal(err)
	}
	if behind != 0 {
		t.Errorf("%d cells behind after the read: it gave up on the held cell instead of waiting for the write", behind)
	}
	want, err := store.CoverageRecomputed(ctx, db.R, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(domain.Date{})); diff != "" {
		t.Errorf("the read after the write (-recomputed +summary):\n%s", diff)
	}
}

// TestWarmCoverage: the planner's warming leaves nothing for a read of those months to rebuild, and a second
// warming with no write in between rebuilds nothing.
func TestWarmCoverage(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	db := f.DB
	from, to := domain.NewDate(2026, 1, 1), domain.NewDate(2026, 12, 1)
	n, err := store.WarmCoverage(ctx, db.R, db.W, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("first warming rebuilt %d cells, want the fixture's 5", n)
	}
	if n, err = store.WarmCoverage(ctx, db.R, db.W, from, to); err != nil || n != 0 {
		t.Errorf("second warming rebuilt %d cells (%v), want 0", n, err)
	}
	if _, err := db.W.NewRaw(`UPDATE meetings SET topic = 'x' WHERE id = ?`, f.MeetingA["2026-10"].ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err = store.WarmCoverage(ctx, db.R, db.W, from, to); err != nil || n != 1 {
		t.Errorf("after a write to cell A, warming rebuilt %d cells (%v), want 1", n, err)
	}
}

// TestCoverageRollupsFollowEveryRebuild: a province's report sums its communes' rollups (migration 0031), and a
// cell's months stored again drop its commune's rollup whoever stores them: here as a server without rollups would,
// marking the cell built with no word about its parent (the trigger on coverage_cells bumps the parent). The months
// are changed by hand so that a rollup kept by mistake would show.
func TestCoverageRollupsFollowEveryRebuild(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	db := f.DB
	q4 := store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}
	before, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	var rollups int
	if err := db.R.NewRaw(`SELECT COUNT(*) FROM coverage_rollups`).Scan(ctx, &rollups); err != nil || rollups != 2 {
		t.Fatalf("%d rollups after the province's read (%v), want its 2 communes'", rollups, err)
	}
	for _, q := range []string{`UPDATE coverage_months SET m_present = m_present + 1000 WHERE cell_id = ?`,
		`UPDATE coverage_cells SET built_stamp = stamp WHERE cell_id = ?`} {
		if _, err := db.W.NewRaw(q, f.A.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range after.ByMonth {
		if m.Present != before.ByMonth[i].Present+1000 {
			t.Errorf("%s: %d present, want %d: the commune's rollup outlived the cell's new months", m.Month, m.Present,
				before.ByMonth[i].Present+1000)
		}
	}
}

// TestCoverageSummaryUnderConcurrentWrites reads coverage while writers change attendance, holding their locks a
// moment: no read fails or waits on a writer's locks (a rebuild skips locked
// cells, and falls back to a direct computation when cells keep changing), and once the writers stop the summary
// equals a recomputation.
func TestCoverageSummaryUnderConcurrentWrites(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	db := f.DB
	q4 := store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}
	var rows []struct {
		ID     string `bun:"id"`
		CellID string `bun:"cell_id"`
	}
	if err := db.R.NewRaw(`SELECT a.id, m.cell_id FROM attendance AS a JOIN meetings AS m ON m.id = a.meeting_id
		WHERE a.deleted_at IS NULL ORDER BY m.cell_id, a.id`).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 {
		t.Fatalf("the fixture has %d attendance rows", len(rows))
	}
	const writers, readers, txs, reads = 3, 2, 40, 12
	errs := make(chan error, writers+readers)
	for w := 0; w < writers; w++ {
		go func(w int) {
			for i := 0; i < txs; i++ {
				// One row a transaction, holding its locks (the row, its meeting's tally, its cell's stamp) a moment:
				// writers then queue for a cell in one order and never deadlock among themselves.
				row := rows[(w*7+i*3)%len(rows)]
				err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
					if _, err := tx.NewRaw(`UPDATE attendance SET status = CASE status WHEN 'present' THEN 'unexcused' ELSE 'present' END
						WHERE id = ?`, row.ID).Exec(ctx); err != nil {
						return err
					}
					time.Sleep(5 * time.Millisecond)
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
			errs <- nil
		}(w)
	}
	for r := 0; r < readers; r++ {
		go func(r int) {
			for i := 0; i < reads; i++ {
				if _, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday); err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
			errs <- nil
		}(r)
	}
	for range writers + readers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	got, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.CoverageRecomputed(ctx, db.R, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(domain.Date{})); diff != "" {
		t.Errorf("after the writes (-recomputed +summary):\n%s", diff)
	}
}

// crossChecksSteps writes, through the store's tracked writes (the paths of the sync push and the API), each kind
// of write the cross-checks depend on, and after each checks the summary against a recomputation (check), the
// visit_checks table against a recomputation of the checks, and the province's verified visits over the fourth
// quarter against the figure worked out from the fixture's story.
func crossChecksSteps(t *testing.T, f *testdb.CoverageFixture, check func(t *testing.T, step string)) {
	ctx := context.Background()
	db := f.DB
	q4 := store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}
	o1, o3 := f.Users["off1"], f.Users["off3"]
	local := func(day domain.Date, h, m int) *time.Time {
		x := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, domain.Zone).UTC()
		return &x
	}
	var dDec store.Meeting
	if err := db.R.NewSelect().Model(&dDec).Where("cell_id = ?", f.D.ID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, fn func(ctx context.Context, tx bun.Tx) error) {
		t.Helper()
		if err := db.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	confirm := func(m string, o *store.User, st domain.ConfirmStatus, reason string) func(ctx context.Context, tx bun.Tx) error {
		return func(ctx context.Context, tx bun.Tx) error {
			c := &store.VisitConfirmation{MeetingID: m, OfficialID: o.ID, Status: st, Reason: reason}
			c.ID = wire.ConfirmationID(m, o.ID)
			return store.Insert(ctx, tx, c)
		}
	}
	update := func(row store.SyncRow, change func()) func(ctx context.Context, tx bun.Tx) error {
		return func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewSelect().Model(row).WherePK().Scan(ctx); err != nil {
				return err
			}
			before := store.Clone(row)
			change()
			return store.Update(ctx, tx, before, row)
		}
	}
	reportANov, confXN, confBDec := &store.VisitReport{}, &store.VisitConfirmation{}, &store.VisitConfirmation{}
	reportANov.ID = f.ReportANov.ID
	confXN.ID = wire.ConfirmationID(f.ReportXN.MeetingID, o3.ID)
	dMeeting := &store.Meeting{}
	dMeeting.ID = dDec.ID
	reportADec := &store.VisitReport{}
	if err := db.R.NewSelect().Model(reportADec).Where("meeting_id = ? AND official_id = ?", f.MeetingA["2026-12"].ID, o1.ID).
		Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var bDec string
	if err := db.R.NewSelect().Model((*store.Meeting)(nil)).Column("id").Where("cell_id = ? AND meeting_date = ?", f.B.ID,
		domain.NewDate(2026, 12, 10)).Scan(ctx, &bDec); err != nil {
		t.Fatal(err)
	}
	confBDec.ID = wire.ConfirmationID(bDec, o3.ID)
	rule := domain.DefaultScheduleRule()
	rule.LocationRequired = true
	steps := []struct {
		name     string
		write    func(ctx context.Context, tx bun.Tx) error
		verified int
	}{
		{"the secretary confirms o3 at X in November", confirm(f.ReportXN.MeetingID, o3, domain.ConfirmConfirmed, ""), 4},
		{"A's position moves 2.2 km from o1's November check-in", func(ctx context.Context, tx bun.Tx) error {
			_, err := store.SetCellPosition(ctx, tx, f.A, f.Users["sec1"].ID, 16.77, 107.19, nil)
			return err
		}, 3},
		{"o1's November check-in moves next to it", update(reportANov, func() {
			lat, lon := 16.7702, 107.19
			reportANov.Latitude, reportANov.Longitude = &lat, &lon
		}), 4},
		{"o1 visits D on the evening it visits A", func(ctx context.Context, tx bun.Tx) error {
			r := &store.VisitReport{MeetingID: dDec.ID, OfficialID: o1.ID, Status: "draft"}
			r.ID = wire.ReportID(dDec.ID, o1.ID)
			return store.Insert(ctx, tx, r)
		}, 4},
		{"o1's December check-in at A is corrected from 08:00 to 19:35", update(reportADec, func() {
			reportADec.CheckedInAt = local(dDec.MeetingDate, 19, 35)
		}), 4},
		{"D's minutes record 18:00 to 19:20", update(dMeeting, func() {
			dMeeting.StartsAt, dMeeting.EndsAt = local(dDec.MeetingDate, 18, 0), local(dDec.MeetingDate, 19, 20)
		}), 4},
		{"the secretary confirms o1 at D", confirm(dDec.ID, o1, domain.ConfirmConfirmed, ""), 5},
		{"D's position is set 11 km from A: too far for the 10 minutes between", func(ctx context.Context, tx bun.Tx) error {
			_, err := store.SetCellPosition(ctx, tx, f.D, f.Users["root"].ID, 16.87, 107.19, nil)
			return err
		}, 4},
		{"B's December confirmation becomes a dispute", update(confBDec, func() {
			confBDec.Status, confBDec.Reason = domain.ConfirmDisputed, "Không có mặt"
		}), 3},
		{"commune 1 requires the location", func(ctx context.Context, tx bun.Tx) error {
			_, err := store.PutScheduleRule(ctx, tx, f.C1, rule)
			return err
		}, 2},
		{"X's confirmation is withdrawn", func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewSelect().Model(confXN).WherePK().Scan(ctx); err != nil {
				return err
			}
			return store.SoftDelete(ctx, tx, confXN)
		}, 1},
		{"A's position is removed", func(ctx context.Context, tx bun.Tx) error { return store.DeleteCellPosition(ctx, tx, f.A) }, 0},
		// A Oct (confirmed) again, and D Dec: with A's position gone, its distance from A is unknown, so no travel clash.
		{"commune 1's rule is removed", func(ctx context.Context, tx bun.Tx) error { return store.DeleteScheduleRule(ctx, tx, f.C1) }, 2},
		{"commune 2 requires the location", func(ctx context.Context, tx bun.Tx) error {
			_, err := store.PutScheduleRule(ctx, tx, f.C2, rule)
			return err
		}, 2},
		// D Dec, confirmed but without a check-in position, is no longer verified under commune 2's rule.
		{"cell D moves to commune 2", func(ctx context.Context, tx bun.Tx) error {
			u, err := store.GetOrgUnit(ctx, tx, f.D.ID)
			if err != nil {
				return err
			}
			u.ParentID = &f.C2.ID
			return store.UpdateOrgUnit(ctx, tx, u)
		}, 1},
	}
	for i, s := range steps {
		t.Run(fmt.Sprintf("checks %02d %s", i, s.name), func(t *testing.T) {
			write(t, s.write)
			check(t, s.name)
			if bad, err := store.CheckVisitChecks(ctx, db.R); err != nil || len(bad) > 0 {
				t.Errorf("after %s, visit_checks differ from a recomputation: %v %v", s.name, bad, err)
			}
			rep, err := store.CoverageOf(ctx, db.R, db.W, f.Province, q4, testdb.CoverageToday)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Totals.Verified != s.verified {
				t.Errorf("after %s, %d verified visits, want %d", s.name, rep.Totals.Verified, s.verified)
			}
		})
	}
}
