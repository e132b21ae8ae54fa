package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// inTx runs fn in a write transaction, as the server does for every write.
func inTx(db *store.DB, fn func(ctx context.Context, tx bun.IDB) error) error {
	return db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
}

// tree builds province > commune > two cells and returns them by name.
func tree(t *testing.T, db *store.DB) map[string]*store.OrgUnit {
	t.Helper()
	units := map[string]*store.OrgUnit{}
	add := func(name string, kind domain.OrgKind, parent string) {
		u := &store.OrgUnit{Name: name, Kind: kind}
		if parent != "" {
			u.ParentID = &units[parent].ID
		}
		if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.CreateOrgUnit(ctx, tx, u) }); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		units[name] = u
	}
	add("Tỉnh Quảng Trị", domain.KindProvince, "")
	add("Xã Triệu Phong", domain.KindCommune, "Tỉnh Quảng Trị")
	add("Chi bộ thôn An Lợi", domain.KindCell, "Xã Triệu Phong")
	add("Chi bộ thôn Đồng Bào", domain.KindCell, "Xã Triệu Phong")
	add("Xã Ái Tử", domain.KindCommune, "Tỉnh Quảng Trị")
	add("Chi bộ khu phố 1", domain.KindCell, "Xã Ái Tử")
	return units
}

func names(units []store.OrgUnit) []string {
	var out []string
	for _, u := range units {
		out = append(out, u.Name)
	}
	return out
}

func TestOrgUnitSearchAndScope(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	u := tree(t, db)
	commune := u["Xã Triệu Phong"].Path
	tests := []struct {
		name  string
		f     store.OrgUnitFilter
		roots []string
		want  []string
	}{
		{"no diacritics finds diacritics", store.OrgUnitFilter{Query: "trieu phong"}, []string{"/"}, []string{"Xã Triệu Phong"}},
		{"d finds đ", store.OrgUnitFilter{Query: "dong bao"}, []string{"/"}, []string{"Chi bộ thôn Đồng Bào"}},
		{"upper case and NFD input", store.OrgUnitFilter{Query: "TRIỆU"}, []string{"/"}, []string{"Xã Triệu Phong"}},
		{"scope limits to subtree", store.OrgUnitFilter{Kind: domain.KindCell}, []string{commune}, []string{"Chi bộ thôn An Lợi", "Chi bộ thôn Đồng Bào"}},
		{"no roots, nothing", store.OrgUnitFilter{}, nil, nil},
		{"children", store.OrgUnitFilter{ParentID: u["Tỉnh Quảng Trị"].ID}, []string{"/"}, []string{"Xã Ái Tử", "Xã Triệu Phong"}},
		{"above the cells", store.OrgUnitFilter{Upper: true}, []string{"/"}, []string{"Tỉnh Quảng Trị", "Xã Ái Tử", "Xã Triệu Phong"}},
		{"above the cells, by name", store.OrgUnitFilter{Upper: true, Query: "tu"}, []string{"/"}, []string{"Xã Ái Tử"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := store.ListOrgUnits(ctx, db.R, tc.f, tc.roots, store.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(page.Items)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrgUnitPaginationVisitsEveryRowOnce(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	tree(t, db)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := store.ListOrgUnits(ctx, db.R, store.OrgUnitFilter{}, []string{"/"}, store.PageRequest{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		cursor = page.NextCursor
	}
	if len(got) != 6 {
		t.Errorf("got %d units over all pages, want 6: %v", len(got), got)
	}
	if _, err := store.ListOrgUnits(ctx, db.R, store.OrgUnitFilter{}, []string{"/"}, store.PageRequest{Cursor: "garbage"}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("bad cursor: got %v, want invalid", err)
	}
}

func TestMoveSubtreeRewritesPaths(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	u := tree(t, db)
	district := &store.OrgUnit{Name: "Huyện Triệu Phong", Kind: domain.KindDistrict, ParentID: &u["Tỉnh Quảng Trị"].ID}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.CreateOrgUnit(ctx, tx, district) }); err != nil {
		t.Fatal(err)
	}
	u["Xã Ái Tử"] = district // the commune moves under the district
	commune := u["Xã Triệu Phong"]
	commune.ParentID = &district.ID
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.UpdateOrgUnit(ctx, tx, commune) }); err != nil {
		t.Fatal(err)
	}
	cell, err := store.GetOrgUnit(ctx, db.R, u["Chi bộ thôn An Lợi"].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := u["Xã Ái Tử"].Path + commune.ID + "/" + cell.ID + "/"
	if cell.Path != want || cell.Depth != 3 {
		t.Errorf("cell path %q depth %d, want %q depth 3", cell.Path, cell.Depth, want)
	}
	// Moving a unit under its own descendant is refused.
	prov := u["Tỉnh Quảng Trị"]
	prov.ParentID = &cell.ID
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.UpdateOrgUnit(ctx, tx, prov) }); domain.AsError(err).Key != "org.cycle" {
		t.Errorf("cycle: got %v, want org.cycle", err)
	}
}

func TestMembersAndDeleteInUse(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	u := tree(t, db)
	year := 1960
	card := "12.345678"
	m := &store.Member{CellID: u["Chi bộ thôn An Lợi"].ID, FullName: "  Nguyễn   Văn Đức ", BirthYear: &year, CardNumber: &card}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.CreateMember(ctx, tx, m) }); err != nil {
		t.Fatal(err)
	}
	if m.FullName != "Nguyễn Văn Đức" || m.Status != domain.StatusActive || m.Membership != domain.MembershipFull {
		t.Errorf("normalised member = %+v", m)
	}
	dup := &store.Member{CellID: u["Chi bộ khu phố 1"].ID, FullName: "Lê Thị Hoa", CardNumber: &card}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.CreateMember(ctx, tx, dup) }); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("duplicate card: got %v, want conflict", err)
	}
	notCell := &store.Member{CellID: u["Xã Ái Tử"].ID, FullName: "Lê Thị Hoa"}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.CreateMember(ctx, tx, notCell) }); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("member in a commune: got %v, want invalid", err)
	}
	page, err := store.ListMembers(ctx, db.R, store.MemberFilter{Query: "van duc"}, []string{u["Xã Triệu Phong"].Path}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].CellName != "Chi bộ thôn An Lợi" {
		t.Fatalf("search member: %+v, %v", page, err)
	}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error {
		return store.DeleteOrgUnit(ctx, tx, u["Chi bộ thôn An Lợi"].ID)
	}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("delete cell with members: got %v, want conflict", err)
	}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error { return store.DeleteMember(ctx, tx, m.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error {
		return store.DeleteOrgUnit(ctx, tx, u["Chi bộ thôn An Lợi"].ID)
	}); err != nil {
		t.Errorf("delete empty cell: %v", err)
	}
	entries, err := store.ListAudit(ctx, db.R, store.AuditFilter{Entity: "member"}, []string{"/"}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries.Items {
		actions = append(actions, e.Action)
	}
	if diff := cmp.Diff([]string{"delete", "create"}, actions); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}

func TestReferenceDefaults(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	u := tree(t, db)
	ref, err := store.Reference(ctx, db.R, u["Tỉnh Quảng Trị"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Fields) != 8 || ref.Rubric == nil || len(ref.Rubric.Criteria) != 11 || len(ref.RatingLabels) != 8 {
		t.Fatalf("reference = %d fields, rubric %v, %d labels", len(ref.Fields), ref.Rubric != nil, len(ref.RatingLabels))
	}
	total := 0
	for _, c := range ref.Rubric.Criteria {
		total += c.MaxPoints
	}
	if total != 100 {
		t.Errorf("rubric points sum to %d, want 100", total)
	}
	for score, want := range map[int]domain.Grade{95: domain.GradeGood, 90: domain.GradeGood, 89: domain.GradeFair, 50: domain.GradeAverage, 49: domain.GradeWeak} {
		if got := ref.Rubric.GradeFor(score); got != want {
			t.Errorf("GradeFor(%d) = %s, want %s", score, got, want)
		}
	}
}

// TestBucketsFollowWrites checks that the incrementally kept bucket checksums equal a recomputation after
// creates, updates, a move between cells and deletes, and that the change log records each write.
func TestBucketsFollowWrites(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	u := tree(t, db)
	year := 1970
	m := &store.Member{CellID: u["Chi bộ thôn An Lợi"].ID, FullName: "Đặng Thị Lụa", BirthYear: &year}
	steps := []func(ctx context.Context, tx bun.IDB) error{
		func(ctx context.Context, tx bun.IDB) error { return store.CreateMember(ctx, tx, m) },
		func(ctx context.Context, tx bun.IDB) error {
			m.Status = domain.StatusExempt
			return store.UpdateMember(ctx, tx, m)
		},
		func(ctx context.Context, tx bun.IDB) error {
			m.CellID = u["Chi bộ khu phố 1"].ID // moves to another commune's cell
			return store.UpdateMember(ctx, tx, m)
		},
		func(ctx context.Context, tx bun.IDB) error { return store.DeleteMember(ctx, tx, m.ID) },
	}
	for i, step := range steps {
		if err := inTx(db, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
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
			t.Fatalf("after step %d buckets differ from a recomputation (-computed +stored):\n%s", i, diff)
		}
	}
	var ops []string
	if err := db.R.NewRaw(`SELECT op || ' ' || class || ' ' || scope FROM sync_changes WHERE tbl = 'members' ORDER BY tx, seq`).Scan(ctx, &ops); err != nil {
		t.Fatal(err)
	}
	a, k := u["Chi bộ thôn An Lợi"].ID, u["Chi bộ khu phố 1"].ID
	want := []string{"put roster " + a, "put roster " + a, "del roster " + a, "put roster " + k, "del roster " + k}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("change log (-want +got):\n%s", diff)
	}
}

func TestSyncedWriteOutsideTransactionFails(t *testing.T) {
	db := testdb.New(t)
	err := store.CreateOrgUnit(context.Background(), db.W, &store.OrgUnit{Name: "X", Kind: domain.KindProvince})
	if domain.ErrorCode(err) != domain.CodeInternal {
		t.Errorf("got %v, want an internal error", err)
	}
}
