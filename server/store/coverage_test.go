package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

func pct(x float64) *float64 { return &x }

var q4 = store.Period{From: testdb.CoverageFrom, To: testdb.CoverageTo}

// The figures below are worked out by hand from the fixture's story (testdb.CoverageFixture), meeting by meeting:
//
//	A: Oct, Nov (moved), Dec expected (o1 monthly) → 3; visited 3 (Dec a draft); reported Oct, Nov → 2; timely Oct
//	   → 1. Held 3 × (5 members, 1 exempt); present 3 + 3 + 2 = 8 → 8/12; 1 unexcused; grades Tốt, Khá.
//	B: Oct (o2 monthly, weight 1), Nov (o2 until Nov 15, weight 1; no meeting held), Dec (o3 only, 2/12) → 2.17 → 2;
//	   visited Oct, Dec → 2; reported 2; timely Oct (due day, 20:00) → 1. Held 2 × 4; present 4 + 3 = 7.
//	   Grades Trung bình, Kém.
//	D: opened Nov 20, so only Dec → 1, not visited. Held 1 × 3, all present.
//	E: nobody assigned → 0 expected. Held 1 × 2, all present.
//	X: Oct cancelled; Nov, Dec (planned, not held) → 2; visited, reported, timely Nov → 1. Held 1 × (7, 2 exempt),
//	   present 3, 1 unexcused → 3/5. Grade Tốt.
//
// Verified: A Oct (confirmed), A Nov (checked in 56 m from A's position), B Dec (confirmed); B Oct is disputed, A
// Dec and X Nov unconfirmed without a position. A 2, B 1 (capped at its 2 expected), D and X 0 → 3. By month:
// October A (B's disputed) → 1; November A → 1; December B's 2/12 rounds to 0 expected → 0.
func TestCoverageFigures(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	rep, err := store.CoverageOf(ctx, f.DB.R, f.DB.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	want := &store.CoverageReport{
		Unit: store.UnitSummary{ID: f.Province.ID, Name: f.Province.Name, Kind: domain.KindProvince},
		From: q4.From, To: q4.To,
		Totals: store.Coverage{Expected: 8, Visited: 6, Reported: 5, Timely: 3, Coverage: pct(0.75), ReportingRate: pct(0.625),
			TimelyRate: pct(0.375), Verified: 3, VerifiedRate: pct(0.375), HeldMeetings: 8, Members: 35, Exempt: 5, Present: 23, AttendanceRate: pct(0.7667), Unexcused: 2,
			Cells: 5, CellsLowAttendance: 2, Grades: store.GradeCounts{Tot: 2, Kha: 1, TrungBinh: 1, Kem: 1}},
		Children: []store.ChildCoverage{
			{Unit: store.UnitSummary{ID: f.C2.ID, Name: f.C2.Name, Kind: domain.KindCommune}, Coverage: store.Coverage{
				Expected: 2, Visited: 1, Reported: 1, Timely: 1, Coverage: pct(0.5), ReportingRate: pct(0.5), TimelyRate: pct(0.5),
				VerifiedRate: pct(0), HeldMeetings: 1, Members: 7, Exempt: 2, Present: 3, AttendanceRate: pct(0.6), Unexcused: 1, Cells: 1, CellsLowAttendance: 1,
				Grades: store.GradeCounts{Tot: 1}}},
			{Unit: store.UnitSummary{ID: f.C1.ID, Name: f.C1.Name, Kind: domain.KindCommune}, Coverage: store.Coverage{
				Expected: 6, Visited: 5, Reported: 4, Timely: 2, Coverage: pct(0.8333), ReportingRate: pct(0.6667), TimelyRate: pct(0.3333),
				Verified: 3, VerifiedRate: pct(0.5), HeldMeetings: 7, Members: 28, Exempt: 3, Present: 20, AttendanceRate: pct(0.8), Unexcused: 1, Cells: 4, CellsLowAttendance: 1,
				Grades: store.GradeCounts{Tot: 1, Kha: 1, TrungBinh: 1, Kem: 1}}},
		},
		ByMonth: []store.MonthCoverage{
			// October: A, B expected (X cancelled); attendance A 3/4, B 4/4, E 2/2.
			{Month: "2026-10", Expected: 2, Visited: 2, Reported: 2, Timely: 2, Verified: 1, Coverage: pct(1), Members: 11, Exempt: 1, Present: 9, AttendanceRate: pct(0.9)},
			// November: A, B, X expected (D not open yet); B had no meeting; A's report late.
			{Month: "2026-11", Expected: 3, Visited: 2, Reported: 2, Timely: 1, Verified: 1, Coverage: pct(0.6667), Members: 12, Exempt: 3, Present: 6, AttendanceRate: pct(0.6667)},
			// December: A, D, X expected; B's 2/12 rounds to 0 in a month of its own.
			{Month: "2026-12", Expected: 3, Visited: 1, Reported: 0, Timely: 0, Coverage: pct(0.3333), Members: 12, Exempt: 1, Present: 8, AttendanceRate: pct(0.7273)},
		},
	}
	if diff := cmp.Diff(want, rep, cmpopts.EquateComparable(domain.Date{})); diff != "" {
		t.Errorf("province coverage (-want +got):\n%s", diff)
	}

	// Drill down to cell A: its meetings.
	rep, err = store.CoverageOf(ctx, f.DB.R, f.DB.W, f.A, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	wantA := store.Coverage{Expected: 3, Visited: 3, Reported: 2, Timely: 1, Coverage: pct(1), ReportingRate: pct(0.6667), TimelyRate: pct(0.3333),
		Verified: 2, VerifiedRate: pct(0.6667), HeldMeetings: 3, Members: 15, Exempt: 3, Present: 8, AttendanceRate: pct(0.6667), Unexcused: 1, Cells: 1, CellsLowAttendance: 1,
		Grades: store.GradeCounts{Tot: 1, Kha: 1}}
	if diff := cmp.Diff(wantA, rep.Totals); diff != "" {
		t.Errorf("cell A (-want +got):\n%s", diff)
	}
	if len(rep.Children) != 0 {
		t.Errorf("a cell has children: %+v", rep.Children)
	}
	n := func(x int) *int { return &x }
	type row struct {
		Date                                       string
		Moved, Expected, Visited, Reported, Timely bool
		DueOn                                      string
		Members, Exempt, Present, Unexcused        *int
		Rate                                       *float64
		Grade                                      domain.Grade
		Officials                                  []string
		Verified                                   bool
		Confirmation                               string
		DistanceM                                  *int
	}
	var got []row
	for _, m := range rep.Meetings {
		got = append(got, row{m.Date.String(), m.Moved, m.Expected, m.Visited, m.Reported, m.Timely, m.DueOn.String(),
			m.Members, m.Exempt, m.Present, m.Unexcused, m.AttendanceRate, m.Grade, m.Officials, m.Verified, m.Confirmation, m.DistanceM})
		if m.Clash {
			t.Errorf("meeting %s: a clash", m.Date)
		}
	}
	wantRows := []row{
		{"2026-10-03", false, true, true, true, true, "2026-10-06", n(5), n(1), n(3), n(0), pct(0.75), domain.GradeGood, []string{"Cán bộ off1"}, true, "confirmed", nil},
		{"2026-11-07", true, true, true, true, false, "2026-11-10", n(5), n(1), n(3), n(0), pct(0.75), domain.GradeFair, []string{"Cán bộ off1"}, true, "", n(56)},
		{"2026-12-03", false, true, true, false, false, "2026-12-06", n(5), n(1), n(2), n(1), pct(0.5), "", []string{"Cán bộ off1"}, false, "", nil},
	}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("cell A meetings (-want +got):\n%s", diff)
	}

	// Cell B: the assignment that ended mid-period and the 2-a-year one; no meeting in November.
	rep, err = store.CoverageOf(ctx, f.DB.R, f.DB.W, f.B, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, m := range rep.Meetings {
		dates = append(dates, m.Date.String()+" "+string(m.Status)+" "+m.DueOn.String())
	}
	if diff := cmp.Diff([]string{"2026-10-10 held 2026-10-15", "2026-11-10 planned 2026-11-15", "2026-12-10 held 2026-12-15"}, dates); diff != "" {
		t.Errorf("cell B meetings (-want +got):\n%s", diff)
	}
	if rep.Totals.Expected != 2 || rep.Totals.Visited != 2 || rep.Totals.Timely != 1 {
		t.Errorf("cell B %+v", rep.Totals)
	}

	// One month, a quarter's worth of a 2-a-year assignment: B in December alone expects nothing.
	rep, err = store.CoverageOf(ctx, f.DB.R, f.DB.W, f.B, store.Period{From: domain.NewDate(2026, 12, 1), To: domain.NewDate(2026, 12, 31)}, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Expected != 0 || rep.Totals.Visited != 0 || rep.Totals.Coverage != nil || rep.Totals.HeldMeetings != 1 {
		t.Errorf("cell B in December %+v", rep.Totals)
	}
}

func TestOfficialTallies(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	tests := []struct {
		name string
		unit *store.OrgUnit
		want []store.OfficialTally
	}{
		{"province", f.Province, []store.OfficialTally{
			// o1: A (3 expected, 3 attended, Oct and Nov reported, Oct on time, Dec a draft → overdue) and D (Dec, overdue).
			{UserID: f.Users["off1"].ID, DisplayName: "Cán bộ off1", Title: "Ủy viên", Cells: 2, Expected: 4, Attended: 3, Reported: 2, OnTime: 1, Overdue: 2, Coverage: pct(0.75), Verified: 2, Unconfirmed: 2},
			// o2: B until Nov 15: Oct on time (disputed), Nov (no meeting, no report) overdue.
			{UserID: f.Users["off2"].ID, DisplayName: "Cán bộ off2", Title: "Ủy viên", Cells: 1, Expected: 2, Attended: 1, Reported: 1, OnTime: 1, Overdue: 1, Coverage: pct(0.5), Unconfirmed: 1},
			// o3: B 3 × 2/12 → 1, Dec reported late (confirmed); X Nov on time (unconfirmed), Dec overdue.
			{UserID: f.Users["off3"].ID, DisplayName: "Cán bộ off3", Title: "Ủy viên", Cells: 2, Expected: 3, Attended: 2, Reported: 2, OnTime: 1, Overdue: 1, Coverage: pct(0.6667), Verified: 1, Unconfirmed: 1},
		}},
		{"commune 1 leaves out o3's cell X", f.C1, []store.OfficialTally{
			{UserID: f.Users["off1"].ID, DisplayName: "Cán bộ off1", Title: "Ủy viên", Cells: 2, Expected: 4, Attended: 3, Reported: 2, OnTime: 1, Overdue: 2, Coverage: pct(0.75), Verified: 2, Unconfirmed: 2},
			{UserID: f.Users["off2"].ID, DisplayName: "Cán bộ off2", Title: "Ủy viên", Cells: 1, Expected: 2, Attended: 1, Reported: 1, OnTime: 1, Overdue: 1, Coverage: pct(0.5), Unconfirmed: 1},
			{UserID: f.Users["off3"].ID, DisplayName: "Cán bộ off3", Title: "Ủy viên", Cells: 1, Expected: 1, Attended: 1, Reported: 1, OnTime: 0, Overdue: 0, Coverage: pct(1), Verified: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.OfficialTallies(ctx, f.DB.R, f.DB.W, tt.unit, q4, testdb.CoverageToday)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(store.OfficialTally{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOverdueReportsAndAbsentees(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	rows, err := store.OverdueVisitReports(ctx, f.DB.R, f.DB.W, f.Province, q4, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.CellName+" "+r.MeetingDate.String()+" "+r.DueOn.String()+" "+r.OfficialName+" "+strconv.Itoa(r.DaysOverdue)+" "+map[bool]string{true: "attended", false: "absent"}[r.Attended])
	}
	want := []string{
		"Chi bộ thôn B 2026-11-10 2026-11-15 Cán bộ off2 56 absent",
		"Chi bộ khu phố X 2026-12-03 2026-12-06 Cán bộ off3 35 absent",
		"Chi bộ thôn A 2026-12-03 2026-12-06 Cán bộ off1 35 attended",
		"Chi bộ thôn D 2026-12-03 2026-12-06 Cán bộ off1 35 absent",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overdue reports (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		unit *store.OrgUnit
		want []string
	}{
		// Lê Văn Vắng: Aug–Dec (the period reaches back 12 months); Trần Thị Xa: Jul, Aug, Sep, Nov (October's
		// meeting was cancelled, so Nov follows Sep).
		{"province", f.Province, []string{"Lê Văn Vắng Chi bộ thôn A 5 2026-08-03 2026-12-03", "Trần Thị Xa Chi bộ khu phố X 4 2026-07-03 2026-11-03"}},
		{"commune 1", f.C1, []string{"Lê Văn Vắng Chi bộ thôn A 5 2026-08-03 2026-12-03"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			abs, err := store.Absentees(ctx, f.DB.R, tt.unit, q4)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range abs {
				got = append(got, a.FullName+" "+a.CellName+" "+strconv.Itoa(a.Streak)+" "+a.From.String()+" "+a.To.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestMeetingTalliesEqualRecomputation changes attendance every way a write can (insert, status change, soft
// delete, restore, hard delete, a row moved to another meeting) and checks that the summary kept by the triggers
// equals a recomputation from the rows, and that coverage reads the change.
func TestMeetingTalliesEqualRecomputation(t *testing.T) {
	f := testdb.NewCoverageFixture(t)
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		bad, err := store.CheckMeetingTallies(ctx, f.DB.R)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("%s: tallies differ from a recomputation: %+v", step, bad)
		}
	}
	check("fixture")
	oct, nov := f.AttendanceA["2026-10"], f.AttendanceA["2026-11"]
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"excused becomes present", "UPDATE attendance SET status = 'present' WHERE id = ?", []any{oct[0].ID}},
		{"present becomes unexcused", "UPDATE attendance SET status = 'unexcused' WHERE id = ?", []any{oct[1].ID}},
		{"soft delete", "UPDATE attendance SET deleted_at = ? WHERE id = ?", []any{store.Now(), oct[2].ID}},
		{"restore", "UPDATE attendance SET deleted_at = NULL WHERE id = ?", []any{oct[2].ID}},
		{"soft delete again", "UPDATE attendance SET deleted_at = ? WHERE id = ?", []any{store.Now(), oct[2].ID}},
		{"hard delete", "DELETE FROM attendance WHERE id = ?", []any{nov[1].ID}},
		{"moved to another meeting", "UPDATE attendance SET meeting_id = ? WHERE id = ?", []any{f.ReportXN.MeetingID, nov[2].ID}},
		{"a change that leaves the tally alone", "UPDATE attendance SET reason = 'Ốm' WHERE id = ?", []any{nov[0].ID}},
	}
	for _, s := range steps {
		if err := f.DB.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw(s.sql, s.args...).Exec(ctx)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
	// October at A was excused, present, present, present: now present, unexcused, (deleted), present.
	rep, err := store.CoverageOf(ctx, f.DB.R, f.DB.W, f.A, store.Period{From: domain.NewDate(2026, 10, 1), To: domain.NewDate(2026, 10, 31)}, testdb.CoverageToday)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Present != 2 || rep.Totals.Unexcused != 1 {
		t.Errorf("October at A after the changes: present %d unexcused %d, want 2 and 1", rep.Totals.Present, rep.Totals.Unexcused)
	}
	// Writes through bun models fire the same triggers.
	if err := f.DB.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		a := &store.Attendance{MeetingID: f.MeetingA["2026-10"].ID, MemberID: f.AbsentX.ID, Status: domain.AttendPresent}
		a.ID, a.CreatedAt, a.UpdatedAt = domain.NewID(), time.Now().UTC(), time.Now().UTC()
		_, err := tx.NewInsert().Model(a).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	check("model insert")
}
