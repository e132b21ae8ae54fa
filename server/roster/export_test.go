package roster_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
)

// exportNow is 07:30 UTC, 14:30 in Hanoi.
var exportNow = time.Date(2025, 3, 5, 7, 30, 0, 0, time.UTC)

// seedMembers puts members with every kind of value into the commune's cells, and one into another commune.
func seedMembers(t *testing.T, db *store.DB, u units) {
	t.Helper()
	ctx := context.Background()
	y := func(n int) *int { return &n }
	s := func(v string) *string { return &v }
	recent := domain.DateOf(time.Now()).AddMonths(-2)
	for _, m := range []*store.Member{
		{CellID: u.anLoi.ID, FullName: "Nguyễn Văn An", BirthYear: y(1960), Gender: domain.GenderMale, CardNumber: s("79.000001"),
			JoinedOn: domain.NewDate(1985, 5, 12), OfficialOn: domain.NewDate(1986, 5, 12), CellRole: "Bí thư"},
		{CellID: u.anLoi.ID, FullName: "Lê Thị Hoa", BirthYear: y(1972), Gender: domain.GenderFemale, Status: domain.StatusExempt,
			StatusNote: "Tuổi cao, sức yếu"},
		{CellID: u.anLoi.ID, FullName: "Trần Văn Bình", BirthYear: y(1980), Status: domain.StatusTempExempt,
			TempExemptUntil: domain.NewDate(2026, 12, 31), TemporarilyAttached: true, CardNumber: s("012345")},
		{CellID: u.anLoi.ID, FullName: "Phạm Thị Cúc", BirthYear: y(1995), Gender: domain.GenderFemale,
			Membership: domain.MembershipProbationary, JoinedOn: recent, TemporarilyAttached: true},
		{CellID: u.anLoi.ID, FullName: "Võ Văn Dũng", BirthYear: y(1950), Status: domain.StatusTransferred},
		{CellID: u.dongBao.ID, FullName: "Hoàng Văn Em", Status: domain.StatusDeceased},
		{CellID: u.dongBao.ID, FullName: "Đặng Thị Gấm", BirthYear: y(1940), Status: domain.StatusExempt, TemporarilyAttached: true},
		{CellID: u.dongBao.ID, FullName: "Bùi Văn Hưng", BirthYear: y(1966), Membership: domain.MembershipProbationary,
			JoinedOn: domain.NewDate(2001, 2, 3)},
		{CellID: u.khuPho1.ID, FullName: "Ngoài Phạm Vi", BirthYear: y(1970)},
	} {
		if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateMember(ctx, tx, m) }); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExportReimportsUnchanged(t *testing.T) {
	db, u := openDB(t)
	seedMembers(t, db, u)
	ctx := context.Background()
	tests := []struct {
		name    string
		export  func(context.Context, bun.IDB, *store.OrgUnit, i18n.Lang, time.Time) ([]byte, error)
		file    string
		unit    *store.OrgUnit
		members int
	}{
		{"xlsx of the commune", roster.ExportXLSX, "ds.xlsx", u.commune, 8},
		{"csv of the commune", roster.ExportCSV, "ds.csv", u.commune, 8},
		{"xlsx of a cell", roster.ExportXLSX, "ds.xlsx", u.anLoi, 5},
		{"csv of a cell, English title", roster.ExportCSV, "ds.csv", u.anLoi, 5},
		{"xlsx of the province", roster.ExportXLSX, "ds.xlsx", u.province, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := tc.export(ctx, db.R, tc.unit, i18n.EN, exportNow)
			if err != nil {
				t.Fatal(err)
			}
			f := parse(t, data, tc.file)
			if len(f.Issues) != 0 {
				t.Fatalf("issues: %+v", f.Issues)
			}
			audits := count(t, db, (*store.AuditEntry)(nil))
			plan, res := mustImport(t, db, tc.unit, data, tc.file)
			if plan.Creates != 0 || plan.Updates != 0 || plan.Unchanged != tc.members || res != (roster.Result{Unchanged: tc.members}) {
				for _, c := range plan.Changes {
					if c.Action != roster.ActionUnchanged {
						t.Logf("line %d %s %s %v", c.Line, c.Action, c.FullName, c.Fields)
					}
				}
				t.Errorf("plan: %d creates, %d updates, %d unchanged; want %d unchanged", plan.Creates, plan.Updates, plan.Unchanged, tc.members)
			}
			if n := count(t, db, (*store.AuditEntry)(nil)); n != audits {
				t.Errorf("%d audit rows written", n-audits)
			}
		})
	}
}

func TestExportXLSXLayout(t *testing.T) {
	db, u := openDB(t)
	seedMembers(t, db, u)
	data, err := roster.ExportXLSX(context.Background(), db.R, u.commune, i18n.VI, exportNow)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sh := x.GetSheetList()[0]
	cell := func(ref string) string {
		t.Helper()
		v, err := x.GetCellValue(sh, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	raw := func(ref string) string {
		t.Helper()
		v, err := x.GetCellValue(sh, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for ref, want := range map[string]string{
		"A1": "Tổ chức: Đảng bộ xã Triệu Phong", "A2": "DANH SÁCH ĐẢNG VIÊN", "A3": "Xuất lúc: 05/03/2025 14:30",
		"A5": "STT", "B5": "Họ và tên", "C5": "Năm sinh", "F5": "Ngày vào Đảng", "N5": "Ghi chú",
		// An Lợi comes before Đồng Bào, and within a cell members go by name.
		"A6": "1", "B6": "Lê Thị Hoa", "C6": "1972", "D6": "Nữ", "I6": "Miễn sinh hoạt", "K6": "Chi bộ thôn An Lợi", "L6": "TP-AL",
		"B7": "Nguyễn Văn An", "E7": "79.000001", "F7": "12/05/1985", "G7": "12/05/1986", "H7": "Chính thức", "I7": "Đang sinh hoạt", "M7": "Bí thư",
		"B9": "Trần Văn Bình", "E9": "012345", "I9": "Tạm miễn sinh hoạt; Sinh hoạt tạm thời", "J9": "31/12/2026",
		"B11": "Bùi Văn Hưng", "H11": "Dự bị", "K11": "Chi bộ thôn Đồng Bào",
		"B13": "Hoàng Văn Em", "C13": "", "I13": "Từ trần", "A14": "",
	} {
		if got := cell(ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	// Birth years are numbers and dates are date serials, whatever they display as.
	for ref, want := range map[string]string{"C6": "1972", "F7": "31179", "J9": "46387"} {
		typ, err := x.GetCellType(sh, ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := raw(ref); got != want || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
			t.Errorf("%s raw %q (type %v), want number %s", ref, got, typ, want)
		}
	}
	style := func(ref string) *excelize.Style {
		t.Helper()
		id, err := x.GetCellStyle(sh, ref)
		if err != nil {
			t.Fatal(err)
		}
		s, err := x.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := style("B5"); s.Font == nil || !s.Font.Bold {
		t.Errorf("header is not bold: %+v", s.Font)
	}
	if s := style("F7"); s.CustomNumFmt == nil || *s.CustomNumFmt != "dd/mm/yyyy" {
		t.Errorf("date format %v", s.CustomNumFmt)
	}
	panes, err := x.GetPanes(sh)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 5 || panes.TopLeftCell != "A6" {
		t.Errorf("panes %+v", panes)
	}
	if w, _ := x.GetColWidth(sh, "B"); w < 20 {
		t.Errorf("name column width %v", w)
	}
	merged, err := x.GetMergeCells(sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 1 || merged[0].GetStartAxis() != "A2" || merged[0].GetEndAxis() != "N2" {
		t.Errorf("merged cells %v", merged)
	}
}

func TestExportCSVLayout(t *testing.T) {
	db, u := openDB(t)
	seedMembers(t, db, u)
	data, err := roster.ExportCSV(context.Background(), db.R, u.anLoi, i18n.EN, exportNow)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no byte-order mark: %q", data[:10])
	}
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Organisation: Chi bộ thôn An Lợi"},
		{"PARTY MEMBER ROSTER"},
		{"Generated at: 05/03/2025 14:30"},
		{"STT", "Họ và tên", "Năm sinh", "Giới tính", "Số thẻ đảng viên", "Ngày vào Đảng", "Ngày chính thức", "Loại đảng viên",
			"Tình trạng sinh hoạt", "Tạm miễn đến", "Chi bộ", "Mã chi bộ", "Chức vụ", "Ghi chú"},
		{"1", "Lê Thị Hoa", "1972", "Nữ", "", "", "", "Chính thức", "Miễn sinh hoạt", "", "Chi bộ thôn An Lợi", "TP-AL", "", "Tuổi cao, sức yếu"},
		{"2", "Nguyễn Văn An", "1960", "Nam", "79.000001", "12/05/1985", "12/05/1986", "Chính thức", "Đang sinh hoạt", "", "Chi bộ thôn An Lợi", "TP-AL", "Bí thư", ""},
	}
	if diff := cmp.Diff(want, recs[:len(want)]); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if len(recs) != len(want)-2+5 {
		t.Errorf("%d records, want title, header and 5 members", len(recs))
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("lines do not end in CRLF")
	}
	if n := len(recs) - 4; strconv.Itoa(n) != recs[len(recs)-1][0] {
		t.Errorf("last STT %q, want %d", recs[len(recs)-1][0], n)
	}
}

// TestExportCSVEscapesFormulas checks that text a spreadsheet would run as a formula is escaped in the CSV file,
// and that the escaped file still imports back unchanged.
func TestExportCSVEscapesFormulas(t *testing.T) {
	db, u := openDB(t)
	ctx := context.Background()
	m := &store.Member{CellID: u.anLoi.ID, FullName: "=HYPERLINK(\"http://x\")", StatusNote: "+84 912 345 678", CellRole: "@Bí thư"}
	if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateMember(ctx, tx, m) }); err != nil {
		t.Fatal(err)
	}
	data, err := roster.ExportCSV(ctx, db.R, u.anLoi, i18n.VI, exportNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"'=HYPERLINK(""http://x"")"`, "'+84 912 345 678", "'@Bí thư"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("export lacks %s:\n%s", want, data)
		}
	}
	plan, _ := mustImport(t, db, u.anLoi, data, "x.csv")
	if plan.Unchanged != 1 {
		t.Errorf("re-import: %+v", plan.Changes)
	}
}
