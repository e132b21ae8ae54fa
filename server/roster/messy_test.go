package roster_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
)

// messyFirstLine is the line of the first member of a messy roster: four title lines, the header on line 5.
const messyFirstLine = 6

// messyHeader is the header of the commune-wide roster an office keeps: Vietnamese headers in their variants.
var messyHeader = []string{"STT", "Họ và tên đảng viên", "Ngày, tháng, năm sinh", "Giới tính", "Số thẻ ĐV",
	"Ngày vào Đảng", "Ngày chính thức", "Trạng thái", "Tên chi bộ", "Ghi chú"}

// excelSerial is a date cell's value in a workbook (the 1900 date system): days since 30/12/1899.
type excelSerial int

func serialOf(y int, m time.Month, d int) excelSerial {
	return excelSerial(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// messyRow is one member of a messy roster. birth is an int (a year), a string (a date as text), an xlsxDate (a
// formatted date cell) or an excelSerial (a bare serial number in a General cell).
type messyRow struct {
	name             string
	birth            any
	gender           string
	card             string
	joined, official string
	status           string
	cell             string
	note             string
}

// messyStatuses are the "Trạng thái" values as offices type them; the expected membership and activity follow.
var messyStatuses = []struct {
	text       string
	membership domain.Membership
	status     domain.MemberStatus
}{
	{"Chính thức", domain.MembershipFull, domain.StatusActive},
	{"chính thức ", domain.MembershipFull, domain.StatusActive},
	{"Dự bị", domain.MembershipProbationary, domain.StatusActive},
	{"Miễn sinh hoạt", domain.MembershipFull, domain.StatusExempt},
	{"Tạm miễn sinh hoạt đến 31/12/2027", domain.MembershipFull, domain.StatusTempExempt},
	{"CHÍNH  THỨC", domain.MembershipFull, domain.StatusActive},
	{norm.NFD.String("Chính thức"), domain.MembershipFull, domain.StatusActive},
	{"Tạm miễn sinh hoạt", domain.MembershipFull, domain.StatusTempExempt}, // no end date: a warning
	{"Chính thức; Miễn sinh hoạt", domain.MembershipFull, domain.StatusExempt},
	{"dự bị", domain.MembershipProbationary, domain.StatusActive},
}

// messyCells are the cell names as a commune-wide file writes them, and the cell each means.
var messyCells = []struct {
	text string
	cell func(units) *store.OrgUnit
}{
	{"Chi bộ thôn An Lợi", func(u units) *store.OrgUnit { return u.anLoi }},
	{"thon dong bao", func(u units) *store.OrgUnit { return u.dongBao }},
	{"CHI BỘ THÔN 3", func(u units) *store.OrgUnit { return u.thon3 }},
}

// messyRows returns n valid members as an office types them: names with extra spaces, some in decomposed
// Unicode, the birth as a year, a date, a date cell or a serial number, dd/mm/yyyy dates and a mixed status column.
func messyRows(n int, today time.Time) []messyRow {
	surnames := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"}
	middles := []string{"Văn", "Thị", "Hữu", "Đức", "Minh"}
	givens := []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam"}
	out := make([]messyRow, n)
	for i := range out {
		y := 1950 + i%50
		name := fmt.Sprintf("%s %s %s", surnames[i%10], middles[(i/10)%5], givens[(i/50)%12])
		switch i % 5 {
		case 0:
			name = "  " + strings.ReplaceAll(name, " ", "   ") + " "
		case 1:
			name = norm.NFD.String(name)
		}
		r := messyRow{name: name, gender: []string{"Nam", "Nữ", "nữ", "NAM"}[i%4], card: fmt.Sprintf("79.%06d", 200000+i),
			status: messyStatuses[i%len(messyStatuses)].text, cell: messyCells[i%len(messyCells)].text}
		switch i % 4 {
		case 0:
			r.birth = y
		case 1:
			r.birth = fmt.Sprintf("%02d/%02d/%d", 1+i%28, 1+i%12, y)
		case 2:
			r.birth = date(y, time.Month(1+i%12), 1+i%28, "dd/mm/yyyy")
		case 3:
			r.birth = serialOf(y, time.Month(1+i%12), 1+i%28)
		}
		joined := time.Date(y+25, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		official := joined.AddDate(1, 0, 0)
		if messyStatuses[i%len(messyStatuses)].membership == domain.MembershipProbationary {
			joined, official = today.AddDate(0, 0, -100-i%50), time.Time{}
		}
		r.joined = joined.Format("02/01/2006")
		if !official.IsZero() {
			r.official = official.Format("02/01/2006")
		}
		out[i] = r
	}
	return out
}

// messyXLSX writes the rows as an office's workbook: title lines above the header, then the members.
func messyXLSX(t *testing.T, rows []messyRow) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	setRow := func(line int, vals []any) {
		t.Helper()
		cell, _ := excelize.CoordinatesToCellName(1, line)
		if err := f.SetSheetRow(sh, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	setRow(1, []any{"ĐẢNG BỘ XÃ TRIỆU PHONG", nil, nil, nil, nil, nil, "ĐẢNG CỘNG SẢN VIỆT NAM"})
	setRow(2, []any{"DANH SÁCH ĐẢNG VIÊN TOÀN ĐẢNG BỘ"})
	setRow(3, []any{"(Kèm theo báo cáo ngày 01/03/2025)"})
	hdr := make([]any, len(messyHeader))
	for i, h := range messyHeader {
		hdr[i] = h
	}
	setRow(5, hdr)
	for i, r := range rows {
		line := messyFirstLine + i
		var birth any
		switch b := r.birth.(type) {
		case excelSerial:
			birth = int(b)
		case xlsxDate:
			birth = nil
		default:
			birth = b
		}
		setRow(line, []any{i + 1, r.name, birth, r.gender, r.card, r.joined, r.official, r.status, r.cell, r.note})
		if d, ok := r.birth.(xlsxDate); ok {
			cell, _ := excelize.CoordinatesToCellName(3, line)
			if err := f.SetCellValue(sh, cell, d.t); err != nil {
				t.Fatal(err)
			}
			format := d.format
			st, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
			_ = f.SetCellStyle(sh, cell, cell, st)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// messyCSV writes the same rows as the CSV file Excel saves ("CSV UTF-8", semicolons): a date cell becomes the
// date as shown, a serial number stays a number.
func messyCSV(t *testing.T, rows []messyRow) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	_ = w.Write([]string{"ĐẢNG BỘ XÃ TRIỆU PHONG", "", "", "", "", "", "ĐẢNG CỘNG SẢN VIỆT NAM"})
	_ = w.Write([]string{"DANH SÁCH ĐẢNG VIÊN TOÀN ĐẢNG BỘ"})
	_ = w.Write([]string{"(Kèm theo báo cáo ngày 01/03/2025)"})
	_ = w.Write([]string{""})
	_ = w.Write(messyHeader)
	for i, r := range rows {
		birth := ""
		switch b := r.birth.(type) {
		case int:
			birth = strconv.Itoa(b)
		case string:
			birth = b
		case xlsxDate:
			birth = b.t.Format("02/01/2006")
		case excelSerial:
			birth = strconv.Itoa(int(b))
		}
		_ = w.Write([]string{strconv.Itoa(i + 1), r.name, birth, r.gender, r.card, r.joined, r.official, r.status, r.cell, r.note})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// issueAt is an issue reduced to what a test compares: line, column, code, and whether it is a warning.
type issueAt struct {
	Line    int
	Column  string
	Code    string
	Warning bool
}

func issuesAt(is []roster.Issue) []issueAt {
	out := []issueAt{}
	for _, i := range is {
		out = append(out, issueAt{i.Line, i.Column, i.Code, i.Warning})
	}
	return out
}

// TestMessyRoster imports a 300-row commune-wide roster as an office keeps it, as a workbook and as a CSV file:
// every bad row is reported at once, in Vietnamese, by line and column; the warnings import; a transfer from
// another commune is shown as such; the corrected file commits; committing it again changes nothing.
func TestMessyRoster(t *testing.T) {
	for _, format := range []string{"xlsx", "csv"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			db, u := openDB(t)
			ctx := context.Background()
			today := store.Now()
			write := func(rows []messyRow) []byte {
				if format == "xlsx" {
					return messyXLSX(t, rows)
				}
				return messyCSV(t, rows)
			}
			name := "danh-sach." + format
			line := func(i int) int { return messyFirstLine + i }

			// Already in the province: a member of another commune whose card the file names (a transfer), and a
			// namesake without a card in another commune.
			card, birth := "79.999001", 1966
			moving := &store.Member{FullName: "Hồ Văn Chuyển", BirthYear: &birth, CardNumber: &card, CellID: u.khuPho1.ID}
			namesakeBirth := 1971
			namesake := &store.Member{FullName: "Trần Thị Trùng", BirthYear: &namesakeBirth, CellID: u.khuPho1.ID}
			for _, m := range []*store.Member{moving, namesake} {
				if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateMember(ctx, tx, m) }); err != nil {
					t.Fatal(err)
				}
			}

			good := messyRows(300, today)
			good[80].name, good[80].birth, good[80].card = "Hồ  Văn Chuyển", 1966, card
			good[90].name, good[90].birth, good[90].card = "Trần Thị Trùng", 1971, ""

			bad := append([]messyRow(nil), good...)
			bad[10].birth, bad[10].card = today.Year()+5, good[5].card // two errors on one row, found together
			bad[20].birth, bad[20].joined = 1990, "12/05/1985"         // joined before being born
			bad[30].birth, bad[30].joined = 1990, "12/05/2006"         // joined at 16
			bad[40].status = "Đang công tác xa"
			bad[50].cell = "Chi bộ thôn Không Có"
			bad[61] = bad[60] // the same person twice
			bad[61].card = "79.888888"
			bad[70].official = "31/02/2020"
			bad[100].gender = "Khác"
			bad[110].name = "   "
			bad[110].note = "(dòng chưa ghi tên)"

			h := func(i int) string { return messyHeader[i] }
			wantErrors := []issueAt{
				{line(10), h(2), "roster.birth_future", false},
				{line(10), h(4), "roster.duplicate_card", false},
				{line(20), h(5), "roster.joined_before_birth", false},
				{line(30), h(5), "roster.joined_under_18", false},
				{line(40), h(7), "roster.bad_status", false},
				{line(50), h(8), "roster.unknown_cell", false},
				{line(61), h(1), "roster.duplicate_person", false},
				{line(70), h(6), "roster.bad_date", false},
				{line(100), h(3), "roster.bad_gender", false},
				{line(110), h(1), "roster.name_required", false},
			}
			var wantWarnings []issueAt
			for i := range good {
				if i%len(messyStatuses) == 7 && !isBad(i) {
					wantWarnings = append(wantWarnings, issueAt{line(i), h(7), "roster.exempt_until_missing", true})
				}
				if i == 80 {
					wantWarnings = append(wantWarnings, issueAt{line(i), h(4), "roster.transfer", true})
				}
				if i == 90 {
					wantWarnings = append(wantWarnings, issueAt{line(i), h(1), "roster.maybe_elsewhere", true})
				}
			}

			plan, _, err := importFile(t, db, u.commune, write(bad), name)
			if diff := cmp.Diff(wantErrors, issuesAt(plan.Errors)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantWarnings, issuesAt(plan.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if errKey(err) != "roster.has_errors" {
				t.Fatalf("commit of a file with errors: %v", err)
			}
			if n := count(t, db, (*store.Member)(nil)); n != 2 {
				t.Fatalf("a refused commit left %d members, want the 2 there before", n)
			}
			// The messages are Vietnamese and name the line, the column and, for a value not recognised, the
			// accepted values.
			msgs := map[string]string{}
			for _, is := range plan.Errors {
				msgs[is.Code] = is.Message(i18n.VI)
			}
			for code, want := range map[string][]string{
				"roster.bad_status":          {fmt.Sprintf("Dòng %d, cột \"Trạng thái\"", line(40)), `"Đang công tác xa" không nhận ra`, "Giá trị hợp lệ: Chính thức, Dự bị, Đang sinh hoạt, Miễn sinh hoạt, Tạm miễn sinh hoạt"},
				"roster.birth_future":        {fmt.Sprintf("Dòng %d, cột \"Ngày, tháng, năm sinh\"", line(10)), "ở tương lai"},
				"roster.duplicate_card":      {fmt.Sprintf("Dòng %d, cột \"Số thẻ ĐV\"", line(10)), fmt.Sprintf("trùng với dòng %d", line(5))},
				"roster.joined_before_birth": {"trước năm sinh 1990"},
				"roster.joined_under_18":     {"16 tuổi", "đủ 18 tuổi"},
				"roster.bad_gender":          {"Giá trị hợp lệ: Nam, Nữ"},
				"roster.unknown_cell":        {`"Chi bộ thôn Không Có"`},
			} {
				for _, w := range want {
					if !strings.Contains(msgs[code], w) {
						t.Errorf("%s: message %q lacks %q", code, msgs[code], w)
					}
				}
			}
			// Every row has its outcome, in order, for the preview's table.
			outcomes := map[string]int{}
			for i, r := range plan.Rows {
				outcomes[r.Outcome]++
				if r.Line != line(i) {
					t.Fatalf("row %d has line %d, want %d", i, r.Line, line(i))
				}
			}
			if len(plan.Rows) != 300 || outcomes["error"] != 9 || outcomes["warning"] != len(wantWarnings) ||
				outcomes["create"] != 300-9-len(wantWarnings) {
				t.Errorf("outcomes %v over %d rows", outcomes, len(plan.Rows))
			}
			if r := plan.Rows[80]; r.Outcome != "warning" || r.Action != roster.ActionUpdate || r.TransferFrom == nil ||
				r.TransferFrom.Name != u.khuPho1.Name || r.CellID != u.thon3.ID {
				t.Errorf("transfer row: %+v", r)
			}

			// The corrected file (the office removed its bad rows) commits.
			var fixed []messyRow
			for i, r := range good {
				if !isBad(i) {
					fixed = append(fixed, r)
				}
			}
			data := write(fixed)
			plan, res := mustImport(t, db, u.commune, data, name)
			if res.Created != len(fixed)-1 || res.Updated != 1 || plan.Transfers != 1 {
				t.Errorf("commit: %+v, %d transfers", res, plan.Transfers)
			}
			got := map[string]store.Member{}
			for _, m := range members(t, db) {
				got[m.FullName] = m
			}
			if m := got["Hồ Văn Chuyển"]; m.ID != moving.ID || m.CellID != u.thon3.ID {
				t.Errorf("the transferred member: %+v", m)
			}
			for i, r := range fixed {
				want := norm.NFC.String(domain.CleanText(r.name))
				m, ok := got[want]
				if !ok {
					t.Errorf("row %d: no member %q", i, want)
					continue
				}
				orig := indexOf(good, r)
				if orig == 80 || orig == 90 {
					continue
				}
				st := messyStatuses[orig%len(messyStatuses)]
				if m.Membership != st.membership || m.Status != st.status {
					t.Errorf("%q (%q): %s %s, want %s %s", m.FullName, r.status, m.Membership, m.Status, st.membership, st.status)
				}
				if m.BirthYear == nil || *m.BirthYear != 1950+orig%50 {
					t.Errorf("%q: birth %v from %v", m.FullName, m.BirthYear, r.birth)
				}
				if wantCell := messyCells[orig%len(messyCells)].cell(u).ID; m.CellID != wantCell {
					t.Errorf("%q: in cell %s, want %s", m.FullName, m.CellID, wantCell)
				}
			}
			if m := got[norm.NFC.String("Trần Thị Trùng")]; m.ID == namesake.ID {
				t.Errorf("the namesake of another commune was moved")
			}

			// Committing the same file again changes nothing.
			audits := count(t, db, (*store.AuditEntry)(nil))
			before := members(t, db)
			plan, res = mustImport(t, db, u.commune, data, name)
			if res.Created != 0 || res.Updated != 0 || res.Unchanged != len(fixed) {
				t.Errorf("second commit: %+v", res)
			}
			if n := count(t, db, (*store.AuditEntry)(nil)); n != audits {
				t.Errorf("second commit wrote %d audit rows", n-audits)
			}
			if diff := cmp.Diff(before, members(t, db), dateCmp); diff != "" {
				t.Errorf("second commit changed members:\n%s", diff)
			}
			for _, r := range plan.Rows {
				if r.Outcome != "unchanged" && r.Outcome != "warning" {
					t.Errorf("line %d: outcome %s on the second commit", r.Line, r.Outcome)
				}
			}
		})
	}
}

// isBad reports whether row i of messyRows is one TestMessyRoster spoils.
func isBad(i int) bool {
	switch i {
	case 10, 20, 30, 40, 50, 61, 70, 100, 110:
		return true
	}
	return false
}

func indexOf(rows []messyRow, r messyRow) int {
	for i := range rows {
		if rows[i].name == r.name && rows[i].card == r.card {
			return i
		}
	}
	return -1
}

// TestTemplate checks that the template's header names every column the import reads, that it lists the
// accepted values, and that the template as downloaded imports its sample member.
func TestTemplate(t *testing.T) {
	db, u := openDB(t)
	data, err := roster.Template(i18n.VI)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 50<<10 {
		t.Errorf("the template is %d KB: an office downloads it over 3G", len(data)>>10) // it was 400 KB
	}
	f := parse(t, data, "mau.xlsx")
	var kinds []string
	for _, c := range f.Columns {
		kinds = append(kinds, c.Kind)
	}
	want := []string{"ignore", "full_name", "birth", "gender", "card_number", "joined_on", "official_on", "status",
		"temp_exempt_until", "cell", "cell_role", "note"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("template columns (-want +got):\n%s", diff)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	values, err := x.GetRows("Giá trị hợp lệ")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range values {
		listed = append(listed, strings.Join(r, "|"))
	}
	all := strings.Join(listed, "\n")
	for _, v := range append(append([]string{}, roster.StatusValues...), roster.GenderValues...) {
		if !strings.Contains(all, v) {
			t.Errorf("the values sheet lacks %q", v)
		}
	}
	dvs, err := x.GetDataValidations("Danh sách")
	if err != nil || len(dvs) != 2 {
		t.Errorf("data validations: %d, %v", len(dvs), err)
	}
	plan, res := mustImport(t, db, u.anLoi, data, "mau.xlsx")
	if res.Created != 1 || plan.Rows[0].FullName != "Nguyễn Văn An" || len(plan.Warnings) != 0 {
		t.Errorf("template import: %+v %+v", res, plan.Rows)
	}
}

// TestConcurrentCommits commits one file without card numbers twice at the same moment, as a double tap or two
// administrators would: the second commit waits for the first and finds its members, so nobody is added twice.
func TestConcurrentCommits(t *testing.T) {
	db, u := openDB(t)
	const n = 400
	var b strings.Builder
	b.WriteString("Họ và tên,Năm sinh,Trạng thái\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Lê Văn Người %d,%d,Chính thức\n", i, 1950+i%50)
	}
	f := parse(t, []byte(b.String()), "x.csv")
	errs := make(chan error, 2)
	start := make(chan struct{})
	for i := 0; i < 2; i++ {
		go func() {
			<-start
			errs <- db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				if err := roster.LockProvince(ctx, tx, u.anLoi); err != nil {
					return err
				}
				plan, err := roster.PlanImport(ctx, tx, u.anLoi, f)
				if err != nil {
					return err
				}
				_, err = plan.Apply(ctx, tx)
				return err
			})
		}()
	}
	close(start)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, db, (*store.Member)(nil)); got != n {
		t.Errorf("%d members after two concurrent commits of a %d-row file, want %d", got, n, n)
	}
}
