package store_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

func allowAll(*store.OrgUnit) error { return nil }

// mergeWorld is a province with one commune and two cells, A and B, each with members, held meetings in January
// and February 2026 visited and reported by the official assigned to both, and recommendations (one of A's
// resolved).
type mergeWorld struct {
	db                *store.DB
	province, c, a, b *store.OrgUnit
	official          *store.User
	members           []string            // every member's id
	meetings          map[string][]string // by cell id
	openRecs          []string
	resolvedRec       string
}

func newMergeWorld(t *testing.T) *mergeWorld {
	t.Helper()
	w := &mergeWorld{db: testdb.New(t), meetings: map[string][]string{}}
	ctx := context.Background()
	d := func(m time.Month, day int) domain.Date { return domain.NewDate(2026, m, day) }
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := store.Now()
		base := func() store.Base { return store.Base{ID: domain.NewID(), CreatedAt: now, UpdatedAt: now} }
		ins := func(row any) {
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				t.Fatalf("insert %T: %v", row, err)
			}
		}
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind, OpenedOn: domain.NewDate(2020, 1, 1)}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		w.province = unit("Đảng bộ tỉnh Sáp Nhập", domain.KindProvince, nil)
		w.c = unit("Đảng bộ xã Hòa Bình", domain.KindCommune, w.province)
		w.a = unit("Chi bộ thôn Đông", domain.KindCell, w.c)
		w.b = unit("Chi bộ thôn Tây", domain.KindCell, w.c)
		w.official = &store.User{Username: "canbo", DisplayName: "Cán bộ Một", PasswordHash: "x", Active: true}
		if err := store.CreateUser(ctx, tx, w.official); err != nil {
			t.Fatal(err)
		}
		for _, cell := range []*store.OrgUnit{w.a, w.b} {
			ins(&store.Assignment{Base: base(), OfficialID: w.official.ID, CellID: cell.ID, StartsOn: d(time.January, 1),
				Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: domain.AssignmentActive})
			for _, n := range []string{"Nguyễn Văn Một", "Trần Thị Hai"} {
				m := &store.Member{CellID: cell.ID, FullName: n + " " + cell.Name}
				if err := store.CreateMember(ctx, tx, m); err != nil {
					t.Fatal(err)
				}
				w.members = append(w.members, m.ID)
			}
			for _, mo := range []time.Month{time.January, time.February} {
				m := &store.Meeting{Base: base(), CellID: cell.ID, MeetingDate: d(mo, 3), Type: domain.MeetingRegular,
					Mode: domain.MeetingInPerson, Status: domain.MeetingHeld}
				ins(m)
				w.meetings[cell.ID] = append(w.meetings[cell.ID], m.ID)
				sub := time.Date(2026, mo, 4, 9, 0, 0, 0, time.UTC)
				ins(&store.VisitReport{Base: base(), MeetingID: m.ID, OfficialID: w.official.ID, Status: "submitted",
					SubmittedAt: &sub, Notes: domain.JSONText("{}"), Scores: domain.JSONText("{}"), History: domain.JSONText("[]")})
			}
			r := &store.Recommendation{Base: base(), CellID: cell.ID, Content: "Sửa đường " + cell.Name, ContentFold: "sua duong",
				Urgency: domain.UrgencyNormal, Status: domain.RecForwarded, RaisedOn: d(time.January, 3)}
			ins(r)
			w.openRecs = append(w.openRecs, r.ID)
		}
		r := &store.Recommendation{Base: base(), CellID: w.a.ID, Content: "Đèn đường", ContentFold: "den duong",
			Urgency: domain.UrgencyNormal, Status: domain.RecResolved, RaisedOn: d(time.January, 3)}
		ins(r)
		w.resolvedRec = r.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The rows inserted directly above bypassed the change log: bring the buckets in line with them.
	if err := w.db.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return store.RebuildBuckets(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	return w
}

// heldAndVisited records a held meeting of cell on day, visited and reported by the official the next day.
func (w *mergeWorld) heldAndVisited(t *testing.T, cell *store.OrgUnit, day domain.Date) {
	t.Helper()
	ctx := context.Background()
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := store.Now()
		m := &store.Meeting{Base: store.Base{ID: domain.NewID(), CreatedAt: now, UpdatedAt: now}, CellID: cell.ID, MeetingDate: day,
			Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingHeld}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		sub := day.AddDays(1).Time().Add(9 * time.Hour)
		_, err := tx.NewInsert().Model(&store.VisitReport{Base: store.Base{ID: domain.NewID(), CreatedAt: now, UpdatedAt: now},
			MeetingID: m.ID, OfficialID: w.official.ID, Status: "submitted", SubmittedAt: &sub, Notes: domain.JSONText("{}"),
			Scores: domain.JSONText("{}"), History: domain.JSONText("[]")}).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A merge of two cells keeps every member, meeting and recommendation reachable and the coverage of months before
// and after the merge correct.
func TestMergeKeepsEverythingReachableAndCoverageRight(t *testing.T) {
	w := newMergeWorld(t)
	ctx := context.Background()
	on := domain.NewDate(2026, 3, 1)
	var res *store.MergeResult
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = store.MergeOrgUnits(ctx, tx, store.MergeSpec{Into: store.OrgUnit{Name: "Chi bộ thôn Đông Tây"},
			From: []string{w.a.ID, w.b.ID}, On: on}, allowAll)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Successor
	checkBuckets(t, w.db, "after the merge")
	// Devices hear of every moved member: out of the old cell's roster bucket, into the successor's.
	for _, id := range w.members {
		var ops []string
		if err := w.db.R.NewRaw(`SELECT op || ' ' || scope FROM sync_changes WHERE tbl = 'members' AND row_id = ? ORDER BY seq`, id).
			Scan(ctx, &ops); err != nil {
			t.Fatal(err)
		}
		if len(ops) < 3 || ops[len(ops)-1] != "put "+s.ID || !strings.HasPrefix(ops[len(ops)-2], "del ") {
			t.Errorf("change log of member %s: %v", id, ops)
		}
	}
	if diff := cmp.Diff(store.Carried{Members: 4, Recommendations: 2, Assignments: 1, Meetings: 4}, res.Carried); diff != "" {
		t.Errorf("carried (-want +got):\n%s", diff)
	}
	if s.OpenedOn != on || deref(s.ParentID) != w.c.ID || s.Kind != domain.KindCell {
		t.Errorf("successor %+v", s)
	}
	for _, id := range []string{w.a.ID, w.b.ID} {
		u, err := store.GetOrgUnit(ctx, w.db.R, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.ClosedOn != domain.NewDate(2026, 2, 28) {
			t.Errorf("%s closed on %s, want 2026-02-28", u.Name, u.ClosedOn)
		}
	}

	// Every member is on the successor's roll.
	var cells []string
	if err := w.db.R.NewSelect().Model((*store.Member)(nil)).Column("m.cell_id").Where("m.id IN (?)", bun.List(w.members)).
		Scan(ctx, &cells); err != nil {
		t.Fatal(err)
	}
	if len(cells) != 4 {
		t.Fatalf("members found: %d, want 4", len(cells))
	}
	for _, c := range cells {
		if c != s.ID {
			t.Errorf("a member is still in %s", c)
		}
	}
	// Open recommendations moved; the resolved one stays with its cell.
	recCell := func(id string) string {
		var r store.Recommendation
		if err := w.db.R.NewSelect().Model(&r).Where("r.id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		return r.CellID
	}
	for _, id := range w.openRecs {
		if got := recCell(id); got != s.ID {
			t.Errorf("open recommendation %s in %s, want the successor", id, got)
		}
	}
	if got := recCell(w.resolvedRec); got != w.a.ID {
		t.Errorf("resolved recommendation moved to %s", got)
	}
	// Meetings stay where they were held and are reached through the successor's predecessors.
	preds, succs, err := store.Lineage(ctx, w.db.R, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(succs) != 0 || len(preds) != 2 {
		t.Fatalf("lineage of the successor: %+v / %+v", preds, succs)
	}
	var reached, want []string
	for _, p := range preds {
		if p.Kind != store.LinkMerge || p.On != on {
			t.Errorf("link %+v", p)
		}
		var ids []string
		if err := w.db.R.NewSelect().Model((*store.Meeting)(nil)).Column("mt.id").Where("mt.cell_id = ?", p.ID).Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		reached = append(reached, ids...)
		want = append(want, w.meetings[p.ID]...)
	}
	sort.Strings(reached)
	sort.Strings(want)
	if diff := cmp.Diff(want, reached); diff != "" {
		t.Errorf("meetings reached from the successor (-want +got):\n%s", diff)
	}
	_, succA, err := store.Lineage(ctx, w.db.R, w.a.ID)
	if err != nil || len(succA) != 1 || succA[0].ID != s.ID {
		t.Errorf("successors of A: %+v %v", succA, err)
	}

	// Coverage: January and February count A and B (2 expected, 2 visited), March and April the successor alone.
	succ, _ := store.GetOrgUnit(ctx, w.db.R, s.ID)
	w.heldAndVisited(t, succ, domain.NewDate(2026, 3, 3))
	w.heldAndVisited(t, succ, domain.NewDate(2026, 4, 3))
	today := domain.NewDate(2026, 5, 20)
	wantMonths := []store.MonthCoverage{
		{Month: "2026-01", Expected: 2, Visited: 2, Reported: 2, Timely: 2},
		{Month: "2026-02", Expected: 2, Visited: 2, Reported: 2, Timely: 2},
		{Month: "2026-03", Expected: 1, Visited: 1, Reported: 1, Timely: 1},
		{Month: "2026-04", Expected: 1, Visited: 1, Reported: 1, Timely: 1},
	}
	type month struct {
		Month                               string
		Expected, Visited, Reported, Timely int
	}
	strip := func(ms []store.MonthCoverage) []month {
		var out []month
		for _, m := range ms {
			out = append(out, month{m.Month, m.Expected, m.Visited, m.Reported, m.Timely})
		}
		return out
	}
	p := store.Period{From: domain.NewDate(2026, 1, 1), To: domain.NewDate(2026, 4, 30)}
	for _, unit := range []*store.OrgUnit{w.province, w.c} {
		got, err := store.CoverageOf(ctx, w.db.R, w.db.W, unit, p, today)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(strip(wantMonths), strip(got.ByMonth)); diff != "" {
			t.Errorf("%s by month (-want +got):\n%s", unit.Name, diff)
		}
		if got.Totals.Expected != 6 || got.Totals.Visited != 6 {
			t.Errorf("%s totals %+v, want 6 expected and visited", unit.Name, got.Totals)
		}
		re, err := store.CoverageRecomputed(ctx, w.db.R, unit, p, today)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(re, got, cmpopts.EquateComparable(domain.Date{})); diff != "" {
			t.Errorf("%s: summary differs from a recomputation:\n%s", unit.Name, diff)
		}
	}
	// Each month on its own, and the cells: a closed cell expects nothing after closing, the successor nothing
	// before opening.
	for _, tc := range []struct {
		cell     *store.OrgUnit
		from, to domain.Date
		expected int
	}{
		{w.a, domain.NewDate(2026, 1, 1), domain.NewDate(2026, 2, 28), 2},
		{w.a, domain.NewDate(2026, 3, 1), domain.NewDate(2026, 4, 30), 0},
		{succ, domain.NewDate(2026, 1, 1), domain.NewDate(2026, 2, 28), 0},
		{succ, domain.NewDate(2026, 3, 1), domain.NewDate(2026, 4, 30), 2},
		{w.c, domain.NewDate(2026, 2, 1), domain.NewDate(2026, 2, 28), 2},
		{w.c, domain.NewDate(2026, 3, 1), domain.NewDate(2026, 3, 31), 1},
	} {
		got, err := store.CoverageOf(ctx, w.db.R, w.db.W, tc.cell, store.Period{From: tc.from, To: tc.to}, today)
		if err != nil {
			t.Fatal(err)
		}
		if got.Totals.Expected != tc.expected || got.Totals.Visited != tc.expected {
			t.Errorf("%s %s..%s: %+v, want %d expected and visited", tc.cell.Name, tc.from, tc.to, got.Totals, tc.expected)
		}
	}
}

// checkBuckets compares the sync buckets as kept with a recomputation from the rows: a merge's moves reached the
// change log like any other write.
func checkBuckets(t *testing.T, db *store.DB, step string) {
	t.Helper()
	ctx := context.Background()
	stored, err := store.StoredBuckets(ctx, db.R)
	if err != nil {
		t.Fatal(err)
	}
	computed, err := store.ComputeBuckets(ctx, db.R)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range computed {
		b.Tx = 0
	}
	for _, b := range stored {
		b.Tx = 0
	}
	if diff := cmp.Diff(computed, stored); diff != "" {
		t.Errorf("%s the buckets differ from a recomputation (-computed +stored):\n%s", step, diff)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestMergeIntoExistingAndSplit(t *testing.T) {
	w := newMergeWorld(t)
	ctx := context.Background()
	on := domain.NewDate(2026, 3, 1)
	write := func(fn func(ctx context.Context, tx bun.Tx) error) error { return w.db.Write(ctx, fn) }
	// A into B: B keeps its identity and now has A's members.
	err := write(func(ctx context.Context, tx bun.Tx) error {
		res, err := store.MergeOrgUnits(ctx, tx, store.MergeSpec{Into: store.OrgUnit{Base: store.Base{ID: w.b.ID}}, From: []string{w.a.ID}, On: on}, allowAll)
		if err == nil && (res.Successor.ID != w.b.ID || res.Carried.Members != 2) {
			t.Errorf("merge into B: %+v", res)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := w.db.R.NewSelect().Model((*store.Member)(nil)).Column("m.id").Where("m.cell_id = ?", w.b.ID).OrderExpr("m.name_fold").Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 {
		t.Fatalf("B has %d members, want 4", len(ids))
	}
	// B splits in two: the parts must share out every member.
	split := func(parts []store.SplitPart) (*store.SplitResult, error) {
		var res *store.SplitResult
		err := write(func(ctx context.Context, tx bun.Tx) error {
			var err error
			res, err = store.SplitOrgUnit(ctx, tx, w.b.ID, domain.NewDate(2026, 6, 1), parts, allowAll)
			return err
		})
		return res, err
	}
	for _, tc := range []struct {
		name  string
		parts []store.SplitPart
		field string
	}{
		{"one part", []store.SplitPart{{Name: "Một", MemberIDs: ids}}, "parts"},
		{"a member left over", []store.SplitPart{{Name: "Một", MemberIDs: ids[:1]}, {Name: "Hai", MemberIDs: ids[1:3]}}, "member_ids"},
		{"a member twice", []store.SplitPart{{Name: "Một", MemberIDs: ids[:2]}, {Name: "Hai", MemberIDs: ids[1:]}}, "member_ids"},
		{"a stranger", []store.SplitPart{{Name: "Một", MemberIDs: ids[:2]}, {Name: "Hai", MemberIDs: append([]string{w.a.ID}, ids[2:]...)}}, "member_ids"},
		{"a nameless part", []store.SplitPart{{Name: "Một", MemberIDs: ids[:2]}, {Name: " ", MemberIDs: ids[2:]}}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := split(tc.parts)
			if de, ok := err.(*domain.Error); !ok || de.Field != tc.field {
				t.Errorf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
	// Nothing of the refused splits stayed.
	if n, _ := w.db.R.NewSelect().Model((*store.OrgUnit)(nil)).Where("ou.parent_id = ?", w.c.ID).Count(ctx); n != 2 {
		t.Errorf("the commune has %d units after refused splits, want 2", n)
	}
	res, err := split([]store.SplitPart{{Name: "Chi bộ Bắc", MemberIDs: ids[:3]}, {Name: "Chi bộ Nam", MemberIDs: ids[3:]}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Carried.Members != 4 || len(res.Parts) != 2 || res.Carried.Assignments != 2 {
		t.Errorf("split: %+v", res)
	}
	preds, succs, err := store.Lineage(ctx, w.db.R, w.b.ID)
	if err != nil || len(preds) != 1 || len(succs) != 2 || succs[0].Kind != store.LinkSplit {
		t.Errorf("lineage of B: %+v %+v %v", preds, succs, err)
	}
}

func TestMergeRefusals(t *testing.T) {
	w := newMergeWorld(t)
	ctx := context.Background()
	on := domain.NewDate(2026, 3, 1)
	for _, tc := range []struct {
		name  string
		spec  store.MergeSpec
		field string
	}{
		{"no day", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{w.a.ID, w.b.ID}}, "on"},
		{"one unit into a new one", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{w.a.ID}, On: on}, "from"},
		{"into itself", store.MergeSpec{Into: store.OrgUnit{Base: store.Base{ID: w.a.ID}}, From: []string{w.a.ID, w.b.ID}, On: on}, "from"},
		{"kinds differ", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{w.a.ID, w.c.ID}, On: on}, "from"},
		{"before opening", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{w.a.ID, w.b.ID}, On: domain.NewDate(2019, 1, 1)}, "on"},
		{"a bad id", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{"nope", w.b.ID}, On: on}, "from"},
		{"a nameless successor", store.MergeSpec{Into: store.OrgUnit{Name: ""}, From: []string{w.a.ID, w.b.ID}, On: on}, "name"},
		{"the province", store.MergeSpec{Into: store.OrgUnit{Name: "X"}, From: []string{w.province.ID, w.b.ID}, On: on}, "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := store.MergeOrgUnits(ctx, tx, tc.spec, allowAll)
				return err
			})
			if de, ok := err.(*domain.Error); !ok || de.Field != tc.field {
				t.Errorf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
	// A cell with members cannot just close, and a closed unit takes no new child.
	a, _ := store.GetOrgUnit(ctx, w.db.R, w.a.ID)
	a.ClosedOn = domain.NewDate(2026, 1, 31)
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.UpdateOrgUnit(ctx, tx, a) })
	if de, ok := err.(*domain.Error); !ok || de.Key != "org.close_members" {
		t.Errorf("closing a cell with members: %v", err)
	}
	c, _ := store.GetOrgUnit(ctx, w.db.R, w.c.ID)
	c.ClosedOn = domain.NewDate(2026, 1, 31)
	err = w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.UpdateOrgUnit(ctx, tx, c) })
	if de, ok := err.(*domain.Error); !ok || de.Key != "org.close_open_children" {
		t.Errorf("closing a commune with open cells: %v", err)
	}
	// Merge both cells away, then the commune closes, and takes no new cell afterwards.
	err = w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		other := &store.OrgUnit{Name: "Đảng bộ xã Khác", Kind: domain.KindCommune, ParentID: &w.province.ID}
		if err := store.CreateOrgUnit(ctx, tx, other); err != nil {
			return err
		}
		_, err := store.MergeOrgUnits(ctx, tx, store.MergeSpec{Into: store.OrgUnit{Base: store.Base{ID: other.ID}}, From: []string{w.c.ID}, On: on}, allowAll)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkBuckets(t, w.db, "after a commune's merge")
	c, _ = store.GetOrgUnit(ctx, w.db.R, w.c.ID)
	if c.ClosedOn != domain.NewDate(2026, 2, 28) {
		t.Errorf("the merged commune closed on %s", c.ClosedOn)
	}
	err = w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: "Chi bộ mới", Kind: domain.KindCell, ParentID: &w.c.ID})
	})
	if de, ok := err.(*domain.Error); !ok || de.Key != "org.closed" {
		t.Errorf("a new cell in a closed commune: %v", err)
	}
	// Its cells moved under the successor with their meetings.
	a, _ = store.GetOrgUnit(ctx, w.db.R, w.a.ID)
	if a.ParentID == nil || *a.ParentID == w.c.ID {
		t.Errorf("cell A stayed under the closed commune")
	}
}

// A unit moved under another parent keeps its own bucket, under its new path (the change log once kept the old one).
func TestMoveKeepsBucketPaths(t *testing.T) {
	w := newMergeWorld(t)
	ctx := context.Background()
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := store.GetOrgUnit(ctx, tx, w.a.ID)
		if err != nil {
			return err
		}
		a.ParentID = &w.province.ID
		return store.UpdateOrgUnit(ctx, tx, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkBuckets(t, w.db, "after a move")
}
