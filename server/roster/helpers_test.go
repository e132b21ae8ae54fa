package roster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// dateCmp compares dates by value (domain.Date has an unexported field).
var dateCmp = cmp.Comparer(func(a, b domain.Date) bool { return a.String() == b.String() })

// units is the org tree of the tests: a province with two communes and their cells.
type units struct {
	province, commune, anLoi, dongBao, thon3, otherCommune, khuPho1 *store.OrgUnit
	farProvince, farCommune, farCell                                *store.OrgUnit // another province
}

func newTree(t *testing.T, db *store.DB) units {
	t.Helper()
	ctx := context.Background()
	add := func(name, code string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
		u := &store.OrgUnit{Name: name, Code: code, Kind: kind}
		if parent != nil {
			u.ParentID = &parent.ID
		}
		if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateOrgUnit(ctx, tx, u) }); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return u
	}
	var u units
	u.province = add("Đảng bộ tỉnh Quảng Trị", "QT", domain.KindProvince, nil)
	u.commune = add("Đảng bộ xã Triệu Phong", "TP", domain.KindCommune, u.province)
	u.anLoi = add("Chi bộ thôn An Lợi", "TP-AL", domain.KindCell, u.commune)
	u.dongBao = add("Chi bộ thôn Đồng Bào", "TP-DB", domain.KindCell, u.commune)
	u.thon3 = add("Chi bộ thôn 3", "TP-T3", domain.KindCell, u.commune)
	u.otherCommune = add("Đảng bộ xã Ái Tử", "AT", domain.KindCommune, u.province)
	u.khuPho1 = add("Chi bộ khu phố 1", "AT-KP1", domain.KindCell, u.otherCommune)
	u.farProvince = add("Đảng bộ tỉnh Quảng Bình", "QB", domain.KindProvince, nil)
	u.farCommune = add("Đảng bộ xã Quảng Phú", "QP", domain.KindCommune, u.farProvince)
	u.farCell = add("Chi bộ thôn Xa", "QP-X", domain.KindCell, u.farCommune)
	return u
}

// parse reads a file or fails the test.
func parse(t *testing.T, data []byte, name string) *roster.File {
	t.Helper()
	f, err := roster.Parse(bytes.NewReader(data), name)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return f
}

// importFile parses data and plans and applies its import into target in one transaction, as the HTTP layer
// does. The plan is returned even when Apply refuses it.
func importFile(t *testing.T, db *store.DB, target *store.OrgUnit, data []byte, name string) (*roster.Plan, roster.Result, error) {
	t.Helper()
	f := parse(t, data, name)
	var plan *roster.Plan
	var res roster.Result
	err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		if plan, err = roster.PlanImport(ctx, tx, target, f); err != nil {
			return err
		}
		res, err = plan.Apply(ctx, tx)
		return err
	})
	if plan == nil {
		t.Fatalf("plan %s: %v", name, err)
	}
	return plan, res, err
}

// mustImport imports and fails the test on any error.
func mustImport(t *testing.T, db *store.DB, target *store.OrgUnit, data []byte, name string) (*roster.Plan, roster.Result) {
	t.Helper()
	plan, res, err := importFile(t, db, target, data, name)
	if err != nil {
		t.Fatalf("import %s: %v (errors: %v)", name, err, plan.Errors)
	}
	return plan, res
}

func count(t *testing.T, db *store.DB, model any) int {
	t.Helper()
	n, err := db.W.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func members(t *testing.T, db *store.DB) []store.Member {
	t.Helper()
	var ms []store.Member
	if err := db.W.NewSelect().Model(&ms).OrderExpr("m.name_fold, m.id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ms
}

// issues reduces plan errors to line and code, for comparison.
type lineCode struct {
	Line int
	Code string
	Arg  string // the "line" or "value" argument, if any
}

func lineCodes(is []roster.Issue) []lineCode {
	out := []lineCode{}
	for _, i := range is {
		arg := i.Args["line"]
		if arg == "" {
			arg = i.Args["value"]
		}
		out = append(out, lineCode{i.Line, i.Code, arg})
	}
	return out
}

func errKey(err error) string {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return fmt.Sprint(err)
}

// xlsxDate is a value written into a workbook as a real date cell with the given display format.
type xlsxDate struct {
	t      time.Time
	format string
}

func date(y int, m time.Month, d int, format string) xlsxDate {
	return xlsxDate{time.Date(y, m, d, 0, 0, 0, 0, time.UTC), format}
}

// officeMember is one row of officeWorkbook. Values are written as given: ints as numbers, strings as text,
// xlsxDate as date cells.
type officeMember struct {
	name               string
	birth              any
	female             bool
	bothGenders        bool
	card               any
	joined, official   any
	membership, status string
	role, note         string
	nfd                bool
}

// officeFirstLine is the line of the first member in officeWorkbook.
const officeFirstLine = 8

// officeWorkbook writes a roster as a cell keeps it in Excel: a merged title block, a two-row header whose
// "Năm sinh" splits into "Nam" and "Nữ" (the birth year is written under the member's gender), header names with
// line breaks and "(*)", a numbering row, the members from line 8, and a signature block.
func officeWorkbook(t *testing.T, ms []officeMember) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "DS dang vien"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		t.Helper()
		if d, ok := v.(xlsxDate); ok {
			if err := f.SetCellValue(sh, cell, d.t); err != nil {
				t.Fatal(err)
			}
			format := d.format
			st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle(sh, cell, cell, st); err != nil {
				t.Fatal(err)
			}
			return
		}
		if v == nil {
			return
		}
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(a, b string) {
		t.Helper()
		if err := f.MergeCell(sh, a, b); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "ĐẢNG BỘ XÃ TRIỆU PHONG")
	merge("A1", "D1")
	set("F1", "ĐẢNG CỘNG SẢN VIỆT NAM")
	merge("F1", "K1")
	set("A2", "CHI BỘ THÔN AN LỢI")
	merge("A2", "D2")
	set("A3", "DANH SÁCH ĐẢNG VIÊN")
	merge("A3", "K3")
	for col, h := range map[string]string{
		"A5": "STT", "B5": "Họ và\ntên (*)", "C5": "Năm sinh", "E5": "Số thẻ\nđảng viên", "F5": "Ngày vào Đảng",
		"G5": "Ngày\nchính thức", "H5": "Loại đảng viên", "I5": "Tình trạng sinh hoạt", "J5": "Chức vụ", "K5": "Ghi chú",
		"C6": "Nam", "D6": "Nữ",
	} {
		set(col, h)
	}
	merge("C5", "D5")
	for _, c := range []string{"A", "B", "E", "F", "G", "H", "I", "J", "K"} {
		merge(c+"5", c+"6")
	}
	for i := 0; i < 11; i++ {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(col+"7", fmt.Sprintf("(%d)", i+1))
	}
	line := officeFirstLine
	for i, m := range ms {
		r := fmt.Sprint(line)
		set("A"+r, i+1)
		name := m.name
		if m.nfd {
			name = norm.NFD.String(name)
		}
		set("B"+r, name)
		switch {
		case m.bothGenders:
			set("C"+r, m.birth)
			set("D"+r, m.birth)
		case m.female:
			set("D"+r, m.birth)
		default:
			set("C"+r, m.birth)
		}
		set("E"+r, m.card)
		set("F"+r, m.joined)
		set("G"+r, m.official)
		set("H"+r, m.membership)
		set("I"+r, m.status)
		set("J"+r, m.role)
		set("K"+r, m.note)
		line++
	}
	// The signature block.
	line++
	set(fmt.Sprintf("H%d", line), "Triệu Phong, ngày 15 tháng 3 năm 2025")
	line++
	set(fmt.Sprintf("B%d", line), "Người lập biểu")
	set(fmt.Sprintf("H%d", line), "T/M CHI BỘ")
	line++
	set(fmt.Sprintf("H%d", line), "BÍ THƯ")
	line += 4
	set(fmt.Sprintf("B%d", line), "Trần Thị Lập")
	set(fmt.Sprintf("H%d", line), "Lê Văn Thư")
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// manyMembers returns n distinct, valid members in the office layout, with dates as date cells and as text,
// some names typed in NFD, and every status.
func manyMembers(n int) []officeMember {
	surnames := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"}
	middles := []string{"Văn", "Thị", "Hữu", "Đức", "Minh"}
	givens := []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam"}
	statuses := []string{"", "Đang sinh hoạt", "", "Miễn sinh hoạt", "", "Tạm miễn sinh hoạt đến 31/12/2026", "",
		"Sinh hoạt tạm thời", "", "Từ trần"}
	out := make([]officeMember, n)
	for i := range out {
		m := officeMember{
			name:   fmt.Sprintf("%s %s %s", surnames[i%10], middles[(i/10)%5], givens[(i/50)%12]),
			birth:  1945 + i%60,
			female: (i/10)%5 == 1,
			card:   fmt.Sprintf("79.%06d", 100000+i),
			status: statuses[i%10],
			nfd:    i%7 == 0,
		}
		if i >= 600 {
			m.name += fmt.Sprintf(" %d", i)
		}
		joined := time.Date(min(1945+i%60+18+i%20, 2024), time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		official := joined.AddDate(1, 0, 0)
		if i%2 == 0 {
			m.joined, m.official = xlsxDate{joined, "dd/mm/yyyy"}, xlsxDate{official, "yyyy-mm-dd"}
		} else {
			m.joined, m.official = joined.Format("02/01/2006"), official.Format("2/1/2006")
		}
		if i%3 == 0 {
			m.membership = "Chính thức"
		}
		if i%25 == 0 {
			m.role = "Chi ủy viên"
		}
		if i%11 == 0 {
			m.note = "Đi làm ăn xa"
		}
		out[i] = m
	}
	return out
}

// openDB returns a fresh database with the test tree.
func openDB(t *testing.T) (*store.DB, units) {
	t.Helper()
	db := testdb.New(t)
	return db, newTree(t, db)
}
