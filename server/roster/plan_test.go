package roster_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
)

// TestImport500Rows follows an import as an office lives it: a 500-member workbook with a dozen mistakes is
// refused as a whole with every mistake listed, the corrected workbook imports, importing it again changes
// nothing, and fixing one birth year updates exactly that member.
func TestImport500Rows(t *testing.T) {
	db, u := openDB(t)
	line := func(i int) int { return officeFirstLine + i }
	bad := manyMembers(500)
	bad[3].birth = "19x0"
	bad[40].birth = 1850
	bad[77].joined = "32/13/2020"
	bad[101].official = "2020"
	bad[150].membership = "Chờ kết nạp"
	bad[190].status = "Đi vắng"
	bad[230].status = "Tạm miễn sinh hoạt"
	bad[260].card = bad[10].card
	bad[300].name, bad[300].birth, bad[300].female, bad[300].joined, bad[300].official = bad[20].name, bad[20].birth, bad[20].female, bad[20].joined, bad[20].official
	bad[333].name = ""
	bad[370].name = strings.Repeat("Nguyễn ", 20)
	bad[410].card = strings.Repeat("7", 31)
	bad[450].bothGenders = true
	want := []lineCode{
		{line(3), "roster.bad_birth", "19x0"},
		{line(40), "roster.bad_birth", "1850"},
		{line(77), "roster.bad_date", "32/13/2020"},
		{line(101), "roster.bad_date", "2020"},
		{line(150), "roster.bad_membership", "Chờ kết nạp"},
		{line(190), "roster.bad_status", "Đi vắng"},
		{line(260), "roster.duplicate_card", strconv.Itoa(line(10))},
		{line(300), "roster.duplicate_person", strconv.Itoa(line(20))},
		{line(333), "roster.name_required", ""},
		{line(370), "roster.too_long", ""},
		{line(410), "roster.too_long", ""},
		{line(450), "roster.bad_gender", "1975 / 1975"},
	}

	plan, _, err := importFile(t, db, u.anLoi, officeWorkbook(t, bad), "bad.xlsx")
	if diff := cmp.Diff(want, lineCodes(plan.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	for _, is := range plan.Errors {
		for _, lang := range []i18n.Lang{i18n.VI, i18n.EN} {
			if msg := is.Message(lang); msg == is.Code || strings.Contains(msg, "{") {
				t.Errorf("line %d: message %q not rendered", is.Line, msg)
			}
		}
	}
	if plan.RowsTotal != 500 || plan.ErrorRows != len(want) || plan.Creates != 500-len(want) {
		t.Errorf("rows %d, error rows %d, creates %d", plan.RowsTotal, plan.ErrorRows, plan.Creates)
	}
	// A temporary exemption without an end date imports, with a warning on its row.
	if diff := cmp.Diff([]lineCode{{line(230), "roster.exempt_until_missing", ""}}, lineCodes(plan.Warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if errKey(err) != "roster.has_errors" || domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("apply: got %v, want invalid roster.has_errors", err)
	}
	if e := domain.AsError(err); e.Args["count"] != strconv.Itoa(len(want)) {
		t.Errorf("has_errors count %q", e.Args["count"])
	}
	if n := count(t, db, (*store.Member)(nil)); n != 0 {
		t.Fatalf("a refused import left %d members", n)
	}

	good := officeWorkbook(t, manyMembers(500))
	plan, res := mustImport(t, db, u.anLoi, good, "good.xlsx")
	if plan.Creates != 500 || res != (roster.Result{Created: 500}) {
		t.Fatalf("first import: plan %d creates, result %+v", plan.Creates, res)
	}
	if n := count(t, db, (*store.Member)(nil)); n != 500 {
		t.Fatalf("%d members after import, want 500", n)
	}
	before, audits := members(t, db), count(t, db, (*store.AuditEntry)(nil))

	plan, res = mustImport(t, db, u.anLoi, good, "good.xlsx")
	if plan.Creates != 0 || plan.Updates != 0 || plan.Unchanged != 500 || res != (roster.Result{Unchanged: 500}) {
		t.Fatalf("re-import: plan %+v, result %+v", plan, res)
	}
	if n := count(t, db, (*store.AuditEntry)(nil)); n != audits {
		t.Errorf("re-import wrote %d audit rows", n-audits)
	}
	if diff := cmp.Diff(before, members(t, db), dateCmp); diff != "" {
		t.Errorf("re-import changed members (-before +after):\n%s", diff)
	}

	edited := manyMembers(500)
	edited[5].birth = 1951 // was 1950
	plan, res = mustImport(t, db, u.anLoi, officeWorkbook(t, edited), "edited.xlsx")
	if plan.Updates != 1 || plan.Creates != 0 || res.Updated != 1 {
		t.Fatalf("edited import: plan %d updates %d creates, result %+v", plan.Updates, plan.Creates, res)
	}
	for _, c := range plan.Changes {
		if c.Action == roster.ActionUpdate && (c.Line != line(5) || !cmp.Equal(c.Fields, []string{"birth_year"})) {
			t.Errorf("update on line %d of %v, want line %d of [birth_year]", c.Line, c.Fields, line(5))
		}
	}
	if n := count(t, db, (*store.AuditEntry)(nil)); n != audits+1 {
		t.Errorf("edited import wrote %d audit rows, want 1", n-audits)
	}
}

// TestImportedValues checks what the members look like after an import of the office workbook.
func TestImportedValues(t *testing.T) {
	db, u := openDB(t)
	mustImport(t, db, u.anLoi, officeWorkbook(t, manyMembers(10)), "x.xlsx")
	got := map[string]store.Member{}
	for _, m := range members(t, db) {
		got[m.FullName] = m
	}
	an := got["Nguyễn Văn An"] // typed in NFD, stored in NFC
	if an.CardNumber == nil || *an.CardNumber != "79.100000" || an.BirthYear == nil || *an.BirthYear != 1945 ||
		an.Gender != domain.GenderMale || an.JoinedOn.String() != "1963-01-01" || an.OfficialOn.String() != "1964-01-01" ||
		an.Membership != domain.MembershipFull || an.CellID != u.anLoi.ID || an.StatusNote != "Đi làm ăn xa" || an.CellRole != "Chi ủy viên" {
		t.Errorf("Nguyễn Văn An: %+v", an)
	}
	if m := got["Huỳnh Văn An"]; m.Status != domain.StatusTempExempt || m.TempExemptUntil.String() != "2026-12-31" {
		t.Errorf("Huỳnh Văn An: status %s until %s", m.Status, m.TempExemptUntil)
	}
	if m := got["Vũ Văn An"]; m.Status != domain.StatusActive || !m.TemporarilyAttached {
		t.Errorf("Vũ Văn An: status %s attached %v", m.Status, m.TemporarilyAttached)
	}
	if m := got["Đặng Văn An"]; m.Status != domain.StatusDeceased {
		t.Errorf("Đặng Văn An: status %s", m.Status)
	}
}

func TestMatchByCardWhenNameChanges(t *testing.T) {
	db, u := openDB(t)
	mustImport(t, db, u.anLoi, []byte("Họ và tên,Năm sinh,Số thẻ đảng viên\nNguyễn Văn Thanh,1960,79.1\n"), "a.csv")
	id := members(t, db)[0].ID
	plan, res := mustImport(t, db, u.anLoi, []byte("Họ và tên,Năm sinh,Số thẻ đảng viên\nNguyễn Văn Thành,1961,79.1\n"), "b.csv")
	want := []roster.Change{{Line: 2, Action: roster.ActionUpdate, MemberID: id, FullName: "Nguyễn Văn Thành",
		CellID: u.anLoi.ID, Fields: []string{"full_name", "birth_year"}}}
	if diff := cmp.Diff(want, plan.Changes, cmp.AllowUnexported(roster.Change{}), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".member"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	ms := members(t, db)
	if res.Updated != 1 || len(ms) != 1 || ms[0].FullName != "Nguyễn Văn Thành" || ms[0].ID != id {
		t.Errorf("result %+v, members %+v", res, ms)
	}
}

// TestMatching covers how rows find existing members.
func TestMatching(t *testing.T) {
	type existing struct {
		name    string
		birth   int
		card    string
		cell    func(units) *store.OrgUnit
		deleted bool
	}
	anLoi := func(u units) *store.OrgUnit { return u.anLoi }
	tests := []struct {
		name     string
		existing []existing
		target   func(units) *store.OrgUnit
		csv      string
		creates  int
		updates  int
		fields   []string // of the update
		errors   []lineCode
	}{
		{
			name:     "card of a member of another province",
			existing: []existing{{"Lê Văn Tám", 1970, "79.9", func(u units) *store.OrgUnit { return u.farCell }, false}},
			csv:      "Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,1970,79.9\n",
			errors:   []lineCode{{2, "roster.card_elsewhere", "79.9"}},
		},
		{
			name:     "card of a member of another commune of the province: a transfer",
			existing: []existing{{"Lê Văn Tám", 1970, "79.9", func(u units) *store.OrgUnit { return u.khuPho1 }, false}},
			csv:      "Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,1970,79.9\n",
			updates:  1, fields: []string{"cell_id"},
		},
		{
			name:     "card of a member of another cell of the commune moves the member",
			existing: []existing{{"Lê Văn Tám", 1970, "79.8", func(u units) *store.OrgUnit { return u.dongBao }, false}},
			target:   func(u units) *store.OrgUnit { return u.commune },
			csv:      "Họ và tên,Năm sinh,Số thẻ,Chi bộ\nLê Văn Tám,1970,79.8,An Lợi\n",
			updates:  1, fields: []string{"cell_id"},
		},
		{
			name:     "two members with the name and birth year",
			existing: []existing{{"Lê Văn Tám", 1970, "", anLoi, false}, {"Lê Văn Tám", 1970, "", anLoi, false}},
			csv:      "Họ và tên,Năm sinh\nLê Văn Tám,1970\n",
			errors:   []lineCode{{2, "roster.ambiguous_match", ""}},
		},
		{
			name:     "two rows matching one member",
			existing: []existing{{"Lê Văn Tám", 1970, "79.8", anLoi, false}},
			csv:      "Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,1970,\nLê Văn Chín,1971,79.8\n",
			updates:  1, fields: []string{"card_number"}, // line 2 would clear the card
			errors: []lineCode{{3, "roster.same_member", "2"}},
		},
		{
			name:     "a birth year fixed in a file without cards",
			existing: []existing{{"Lê Văn Tám", 1970, "", anLoi, false}},
			csv:      "Họ và tên,Năm sinh\nLê Văn Tám,1971\n",
			updates:  1, fields: []string{"birth_year"},
		},
		{
			name:     "same name, other birth year and card: another person",
			existing: []existing{{"Lê Văn Tám", 1970, "79.8", anLoi, false}},
			csv:      "Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,1985,79.5\n",
			creates:  1,
		},
		{
			name:     "no birth column: name and cell",
			existing: []existing{{"Lê Văn Tám", 1970, "", anLoi, false}},
			csv:      "Họ và tên,Chức vụ\nLê Văn Tám,Bí thư\n",
			updates:  1, fields: []string{"cell_role"},
		},
		{
			name:     "name without diacritics, upper case",
			existing: []existing{{"Lê Văn Tám", 1970, "", anLoi, false}},
			csv:      "Họ và tên,Năm sinh\nLE VAN TAM,1970\n",
			updates:  1, fields: []string{"full_name"},
		},
		{
			name:     "a deleted member is not matched",
			existing: []existing{{"Lê Văn Tám", 1970, "79.8", anLoi, true}},
			csv:      "Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,1970,79.8\n",
			creates:  1,
		},
		{
			name:     "a member of another cell with the name is not matched",
			existing: []existing{{"Lê Văn Tám", 1970, "", func(u units) *store.OrgUnit { return u.dongBao }, false}},
			csv:      "Họ và tên,Năm sinh\nLê Văn Tám,1970\n",
			creates:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, u := openDB(t)
			ctx := context.Background()
			for _, e := range tc.existing {
				m := &store.Member{FullName: e.name, BirthYear: &e.birth, CellID: e.cell(u).ID}
				if e.card != "" {
					m.CardNumber = &e.card
				}
				if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateMember(ctx, tx, m) }); err != nil {
					t.Fatal(err)
				}
				if e.deleted {
					if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.DeleteMember(ctx, tx, m.ID) }); err != nil {
						t.Fatal(err)
					}
				}
			}
			target := u.anLoi
			if tc.target != nil {
				target = tc.target(u)
			}
			plan, res, err := importFile(t, db, target, []byte(tc.csv), "x.csv")
			if diff := cmp.Diff(tc.errors, lineCodes(plan.Errors), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if (err != nil) != (len(tc.errors) > 0) {
				t.Errorf("apply: %v", err)
			}
			if plan.Creates != tc.creates || plan.Updates != tc.updates {
				t.Errorf("plan: %d creates, %d updates; want %d, %d", plan.Creates, plan.Updates, tc.creates, tc.updates)
			}
			if err == nil && (res.Created != tc.creates || res.Updated != tc.updates) {
				t.Errorf("result %+v", res)
			}
			for _, c := range plan.Changes {
				if c.Action == roster.ActionUpdate && !cmp.Equal(c.Fields, tc.fields) {
					t.Errorf("update of %v, want %v", c.Fields, tc.fields)
				}
			}
		})
	}
}

func TestImportIntoCommune(t *testing.T) {
	db, u := openDB(t)
	plan, _, err := importFile(t, db, u.commune, []byte("STT,Họ và tên,Năm sinh,Chi bộ\n"+
		"1,Lê Văn Một,1960,Chi bộ thôn An Lợi\n"+
		"2,Lê Văn Hai,1961,AN LOI\n"+
		"3,Lê Văn Ba,1962,Thôn Đồng Bào\n"+
		"4,Lê Văn Bốn,1963,tp-t3\n"+
		"5,Lê Văn Năm,1964,Chi bộ khu phố 1\n"+
		"6,Lê Văn Sáu,1965,\n"), "x.csv")
	want := []lineCode{{6, "roster.unknown_cell", "Chi bộ khu phố 1"}, {7, "roster.cell_required", ""}}
	if diff := cmp.Diff(want, lineCodes(plan.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if err == nil || plan.Errors[0].Column != "Chi bộ" {
		t.Fatalf("apply: %v; column %q", err, plan.Errors[0].Column)
	}

	mustImport(t, db, u.commune, []byte("STT,Họ và tên,Năm sinh,Chi bộ\n"+
		"1,Lê Văn Một,1960,Chi bộ thôn An Lợi\n"+
		"2,Lê Văn Hai,1961,AN LOI\n"+
		"3,Lê Văn Ba,1962,Thôn Đồng Bào\n"+
		"4,Lê Văn Bốn,1963,tp-t3\n"), "x.csv")
	got := map[string]string{}
	for _, m := range members(t, db) {
		got[m.FullName] = m.CellID
	}
	wantCells := map[string]string{"Lê Văn Một": u.anLoi.ID, "Lê Văn Hai": u.anLoi.ID, "Lê Văn Ba": u.dongBao.ID, "Lê Văn Bốn": u.thon3.ID}
	if diff := cmp.Diff(wantCells, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}

	t.Run("no cell column", func(t *testing.T) {
		plan, _, err := importFile(t, db, u.commune, []byte("Họ và tên,Năm sinh\nLê Văn Bảy,1960\n"), "x.csv")
		if diff := cmp.Diff([]lineCode{{1, "roster.cell_required", ""}}, lineCodes(plan.Errors)); diff != "" || err == nil {
			t.Errorf("apply %v; errors (-want +got):\n%s", err, diff)
		}
	})
	t.Run("same cell name in two communes of the province", func(t *testing.T) {
		other := &store.OrgUnit{Name: "Chi bộ thôn 3", Code: "AT-T3", Kind: domain.KindCell, ParentID: &u.otherCommune.ID}
		if err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error { return store.CreateOrgUnit(ctx, tx, other) }); err != nil {
			t.Fatal(err)
		}
		plan, _, _ := importFile(t, db, u.province, []byte("Họ và tên,Năm sinh,Chi bộ,Mã chi bộ\nLê Văn Tám,1960,Thôn 3,\nLê Văn Chín,1960,Thôn 3,AT-T3\n"), "x.csv")
		if diff := cmp.Diff([]lineCode{{2, "roster.ambiguous_cell", "Thôn 3"}}, lineCodes(plan.Errors)); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if len(plan.Changes) != 1 || plan.Changes[0].CellID != other.ID {
			t.Errorf("changes %+v", plan.Changes)
		}
	})
	t.Run("a cell outside the target cell", func(t *testing.T) {
		plan, _, _ := importFile(t, db, u.anLoi, []byte("Họ và tên,Chi bộ\nLê Văn Mười,Thôn Đồng Bào\nLê Văn Một,An Lợi\n"), "x.csv")
		if diff := cmp.Diff([]lineCode{{2, "roster.unknown_cell", "Thôn Đồng Bào"}}, lineCodes(plan.Errors)); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	})
}

func TestMembershipInferred(t *testing.T) {
	db, u := openDB(t)
	today := domain.DateOf(time.Now())
	recent, old := today.AddMonths(-3).VN(), today.AddMonths(-30).VN()
	csv := "Họ và tên,Năm sinh,Ngày vào Đảng,Ngày chính thức\n" +
		"Mới Vào,1990," + recent + ",\n" +
		"Lâu Rồi,1980," + old + ",\n" +
		"Đã Chính Thức,1985," + recent + "," + today.VN() + "\n" +
		"Không Rõ,1970,,\n"
	mustImport(t, db, u.anLoi, []byte(csv), "x.csv")
	got := map[string]domain.Membership{}
	for _, m := range members(t, db) {
		got[m.FullName] = m.Membership
	}
	want := map[string]domain.Membership{"Mới Vào": "probationary", "Lâu Rồi": "full", "Đã Chính Thức": "full", "Không Rõ": "full"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFileColumnsOnly checks that an import changes only what its file has columns for, and leaves members absent
// from the file alone.
func TestFileColumnsOnly(t *testing.T) {
	db, u := openDB(t)
	mustImport(t, db, u.anLoi, []byte("Họ và tên,Năm sinh,Số thẻ,Chức vụ,Tình trạng,Loại đảng viên\n"+
		"Lê Văn Tám,1970,79.8,Bí thư,Miễn sinh hoạt,Dự bị\nLê Văn Chín,1971,79.9,,,\n"), "full.csv")
	before := members(t, db)
	plan, res := mustImport(t, db, u.anLoi, []byte("Họ và tên,Năm sinh\nLê Văn Tám,1970\n"), "names.csv")
	if plan.Unchanged != 1 || res != (roster.Result{Unchanged: 1}) {
		t.Errorf("plan %+v, result %+v", plan, res)
	}
	if diff := cmp.Diff(before, members(t, db), dateCmp); diff != "" {
		t.Errorf("members changed (-before +after):\n%s", diff)
	}
}

func TestPlanJSONAndDeterminism(t *testing.T) {
	db, u := openDB(t)
	data := []byte("Họ và tên,Năm sinh,Số thẻ\nLê Văn Tám,19a0,\nLê Văn Chín,1971,79.9\nLê Văn Mười,1972,79.9\n")
	f := parse(t, data, "x.csv")
	var first []byte
	for i := 0; i < 2; i++ {
		err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			plan, err := roster.PlanImport(ctx, tx, u.anLoi, f)
			if err != nil {
				return err
			}
			b, err := json.Marshal(plan)
			if err != nil {
				return err
			}
			if i == 0 {
				first = b
			} else if string(b) != string(first) {
				t.Errorf("plans differ:\n%s\n%s", first, b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got struct {
		RowsTotal int `json:"rows_total"`
		Creates   int `json:"creates"`
		ErrorRows int `json:"error_rows"`
		Errors    []struct {
			Line      int    `json:"line"`
			Column    string `json:"column"`
			Code      string `json:"code"`
			MessageVI string `json:"message_vi"`
			MessageEN string `json:"message_en"`
		} `json:"errors"`
		Changes []map[string]any `json:"changes"`
	}
	if err := json.Unmarshal(first, &got); err != nil {
		t.Fatal(err)
	}
	if got.RowsTotal != 3 || got.Creates != 1 || got.ErrorRows != 2 || len(got.Errors) != 2 || len(got.Changes) != 1 {
		t.Fatalf("plan JSON: %s", first)
	}
	e := got.Errors[0]
	if e.Line != 2 || e.Column != "Năm sinh" || e.Code != "roster.bad_birth" ||
		!strings.HasPrefix(e.MessageVI, `Dòng 2, cột "Năm sinh": Năm sinh / ngày sinh "19a0" không hợp lệ: ghi năm (1960), ngày (dd/mm/yyyy)`) ||
		!strings.HasPrefix(e.MessageEN, `Line 2, column "Năm sinh": Birth year or date "19a0" is not valid`) {
		t.Errorf("error JSON: %+v", e)
	}
	if got.Changes[0]["action"] != "create" || got.Changes[0]["full_name"] != "Lê Văn Chín" {
		t.Errorf("change JSON: %v", got.Changes[0])
	}
}

func TestApplyTwice(t *testing.T) {
	db, u := openDB(t)
	f := parse(t, []byte("Họ và tên\nLê Văn Tám\n"), "x.csv")
	err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		plan, err := roster.PlanImport(ctx, tx, u.anLoi, f)
		if err != nil {
			return err
		}
		if _, err := plan.Apply(ctx, tx); err != nil {
			return err
		}
		_, err = plan.Apply(ctx, tx)
		return err
	})
	if domain.ErrorCode(err) != domain.CodeInternal {
		t.Errorf("second apply: %v", err)
	}
	if n := count(t, db, (*store.Member)(nil)); n != 0 {
		t.Errorf("%d members after a failed transaction", n)
	}
}
