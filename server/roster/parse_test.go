package roster_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/roster"
)

func ip(n int) *int { return &n }

func TestParseOfficeWorkbook(t *testing.T) {
	data := officeWorkbook(t, []officeMember{
		{name: "Nguyễn Văn An", nfd: true, birth: 1960, card: "79.000001", joined: date(1985, 5, 12, "d-mmm-yy"),
			official: "12/05/1986", membership: "Chính thức", role: "Bí thư"},
		{name: "Lê Thị Hoa", female: true, birth: date(1972, 3, 4, "dd/mm/yyyy"), card: 79000002, joined: "04.03.2000",
			official: "2001-03-04", membership: "CT", status: "Miễn sinh hoạt", note: "Tuổi cao"},
		{name: "Trần   Văn  Bình", birth: "1980", joined: "5/6/2024", status: "Tạm miễn sinh hoạt đến 30/06/2026"},
		{name: "Phạm Thị Cúc", female: true, birth: 1990, joined: "01-02-2025", membership: "Dự bị", status: "Sinh hoạt tạm thời"},
		{name: "Võ Văn Dũng", birth: 1955, status: "Chuyển sinh hoạt đi", note: "Về xã Ái Tử"},
		{name: "Hoàng Văn Em", birth: "03/1941", status: "Từ trần"},
	})
	f := parse(t, data, "danh sach.xlsx")
	want := []roster.Row{
		{Line: 8, FullName: "Nguyễn Văn An", BirthYear: ip(1960), Gender: domain.GenderMale, CardNumber: "79.000001",
			JoinedOn: domain.NewDate(1985, 5, 12), OfficialOn: domain.NewDate(1986, 5, 12), Membership: domain.MembershipFull,
			Status: domain.StatusActive, CellRole: "Bí thư"},
		{Line: 9, FullName: "Lê Thị Hoa", BirthYear: ip(1972), Gender: domain.GenderFemale, CardNumber: "79000002",
			JoinedOn: domain.NewDate(2000, 3, 4), OfficialOn: domain.NewDate(2001, 3, 4), Membership: domain.MembershipFull,
			Status: domain.StatusExempt, StatusNote: "Tuổi cao"},
		{Line: 10, FullName: "Trần Văn Bình", BirthYear: ip(1980), Gender: domain.GenderMale, JoinedOn: domain.NewDate(2024, 6, 5),
			Status: domain.StatusTempExempt, TempExemptUntil: domain.NewDate(2026, 6, 30)},
		{Line: 11, FullName: "Phạm Thị Cúc", BirthYear: ip(1990), Gender: domain.GenderFemale, JoinedOn: domain.NewDate(2025, 2, 1),
			Membership: domain.MembershipProbationary, Status: domain.StatusActive, TemporarilyAttached: true},
		{Line: 12, FullName: "Võ Văn Dũng", BirthYear: ip(1955), Gender: domain.GenderMale, Status: domain.StatusTransferred,
			StatusNote: "Về xã Ái Tử"},
		{Line: 13, FullName: "Hoàng Văn Em", BirthYear: ip(1941), Gender: domain.GenderMale, Status: domain.StatusDeceased},
	}
	if diff := cmp.Diff(want, f.Rows, dateCmp); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(f.Issues) != 0 {
		t.Errorf("issues: %+v", f.Issues)
	}
	if f.HeaderLine != 5 || f.Sheet != "DS dang vien" || f.Format != roster.FormatXLSX {
		t.Errorf("header line %d, sheet %q, format %q", f.HeaderLine, f.Sheet, f.Format)
	}
	wantFields := []string{"full_name", "birth_year", "gender", "card_number", "membership", "joined_on", "official_on",
		"status", "temp_exempt_until", "temporarily_attached", "cell_role", "status_note"}
	if diff := cmp.Diff(wantFields, f.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	var headers []string
	for _, c := range f.Columns {
		headers = append(headers, c.Header)
	}
	wantHeaders := []string{"STT", "Họ và tên (*)", "Năm sinh (Nam)", "Năm sinh (Nữ)", "Số thẻ đảng viên", "Ngày vào Đảng",
		"Ngày chính thức", "Loại đảng viên", "Tình trạng sinh hoạt", "Chức vụ", "Ghi chú"}
	if diff := cmp.Diff(wantHeaders, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

// TestParseWorkbookVariants covers a cover sheet before the roster, a one-row header with a "Giới tính" column
// and birth dates, and the 1904 date system of old Mac workbooks.
func TestParseWorkbookVariants(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		t.Run(map[bool]string{false: "1900 dates", true: "1904 dates"}[date1904], func(t *testing.T) {
			x := excelize.NewFile()
			defer x.Close()
			if date1904 {
				if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
					t.Fatal(err)
				}
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(x.SetCellValue("Sheet1", "A1", "Hướng dẫn: điền danh sách ở trang sau"))
			_, err := x.NewSheet("Danh sách")
			must(err)
			format := "mm/dd/yyyy" // a US display format must not change the date read
			st, err := x.NewStyle(&excelize.Style{CustomNumFmt: &format})
			must(err)
			must(x.SetSheetRow("Danh sách", "A2", &[]any{"TT", "Họ tên", "Ngày, tháng, năm sinh", "Giới tính", "Số thẻ ĐV", "Ngày kết nạp", "Chức vụ trong chi bộ"}))
			must(x.SetSheetRow("Danh sách", "A3", &[]any{1, "Đỗ Thị Lụa", time.Date(1975, 11, 30, 0, 0, 0, 0, time.UTC), "Nữ", "", time.Date(2010, 1, 2, 0, 0, 0, 0, time.UTC), "Phó Bí thư"}))
			must(x.SetCellStyle("Danh sách", "C3", "C3", st))
			must(x.SetCellStyle("Danh sách", "F3", "F3", st))
			must(x.SetSheetRow("Danh sách", "A5", &[]any{2, "Ngô Văn Tư", "1948", "nam"}))
			buf, err := x.WriteToBuffer()
			must(err)
			f := parse(t, buf.Bytes(), "roster.XLSX")
			want := []roster.Row{
				{Line: 3, FullName: "Đỗ Thị Lụa", BirthYear: ip(1975), Gender: domain.GenderFemale,
					JoinedOn: domain.NewDate(2010, 1, 2), CellRole: "Phó Bí thư"},
				{Line: 5, FullName: "Ngô Văn Tư", BirthYear: ip(1948), Gender: domain.GenderMale},
			}
			if diff := cmp.Diff(want, f.Rows, dateCmp); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if f.Sheet != "Danh sách" || f.HeaderLine != 2 {
				t.Errorf("sheet %q, header line %d", f.Sheet, f.HeaderLine)
			}
		})
	}
}

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		want   []roster.Row
		fields []string
	}{
		{
			name: "comma with BOM, title lines and CRLF",
			data: "\uFEFFĐẢNG BỘ XÃ TRIỆU PHONG,,,\r\nDANH SÁCH ĐẢNG VIÊN,,,\r\n,,,\r\nSTT,Họ và tên,Năm sinh,Giới tính,Số thẻ đảng viên,Ngày vào Đảng,Ghi chú\r\n" +
				"1,Nguyễn Văn An,1960,Nam,79.1,12/05/1985,\r\n2,\"Lê Thị Hoa\",1962,Nữ,,1985-05-12,Miễn SH\r\n,,,,,,\r\n,Người lập biểu,,,,,\r\n,Trần Văn Lập,,,,,\r\n",
			want: []roster.Row{
				{Line: 5, FullName: "Nguyễn Văn An", BirthYear: ip(1960), Gender: domain.GenderMale, CardNumber: "79.1",
					JoinedOn: domain.NewDate(1985, 5, 12), Status: domain.StatusActive},
				{Line: 6, FullName: "Lê Thị Hoa", BirthYear: ip(1962), Gender: domain.GenderFemale,
					JoinedOn: domain.NewDate(1985, 5, 12), Status: domain.StatusExempt},
			},
			fields: []string{"full_name", "birth_year", "gender", "card_number", "joined_on", "status", "temp_exempt_until", "temporarily_attached", "status_note"},
		},
		{
			name: "semicolon, no BOM, header with line break, note that is not a status",
			data: "Chi bộ thôn An Lợi\n\"Họ và\ntên\";\"Ngày sinh\";\"Chính thức/Dự bị\";\"Ghi chú\";\"Tạm miễn đến\"\n" +
				"Lê Văn Ba;3/4/1970;DB;Đi làm ăn xa;\n" +
				"Hồ Thị Tư;1950-01-31;;\"Tạm miễn sinh hoạt; đau ốm\";31.12.2026\n",
			want: []roster.Row{
				{Line: 4, FullName: "Lê Văn Ba", BirthYear: ip(1970), Membership: domain.MembershipProbationary,
					Status: domain.StatusActive, StatusNote: "Đi làm ăn xa"},
				{Line: 5, FullName: "Hồ Thị Tư", BirthYear: ip(1950), Status: domain.StatusTempExempt,
					TempExemptUntil: domain.NewDate(2026, 12, 31), StatusNote: "đau ốm"},
			},
			fields: []string{"full_name", "birth_year", "membership", "status", "temp_exempt_until", "temporarily_attached", "status_note"},
		},
		{
			name: "given name in a column of its own",
			data: "STT,Họ và tên đệm,Tên,Năm sinh\n1,Nguyễn Thị,Thu,1970\n2,Lê,Na,1980\n",
			want: []roster.Row{
				{Line: 2, FullName: "Nguyễn Thị Thu", BirthYear: ip(1970)},
				{Line: 3, FullName: "Lê Na", BirthYear: ip(1980)},
			},
			fields: []string{"full_name", "birth_year"},
		},
		{
			name: "two header rows: Họ và tên over Họ đệm and Tên, Ngày vào Đảng over Dự bị and Chính thức",
			data: "TT,Họ và tên,,Ngày vào Đảng,,Giới tính\n,Họ đệm,Tên,Dự bị,Chính thức,\n(1),(2),(3),(4),(5),(6)\n" +
				"1,Trần Văn,Sơn,02/09/1990,02/09/1991,Nam\n",
			want: []roster.Row{
				{Line: 4, FullName: "Trần Văn Sơn", Gender: domain.GenderMale, JoinedOn: domain.NewDate(1990, 9, 2),
					OfficialOn: domain.NewDate(1991, 9, 2)},
			},
			fields: []string{"full_name", "gender", "joined_on", "official_on"},
		},
		{
			name: "separate Nam and Nữ columns with crosses, and a cell column",
			data: "Họ tên đảng viên,Nam,Nữ,Chi bộ,Mã chi bộ\nPhan Văn Sáu,x,,Thôn An Lợi,\nPhan Thị Bảy,,X,,TP-DB\n",
			want: []roster.Row{
				{Line: 2, FullName: "Phan Văn Sáu", Gender: domain.GenderMale, Cell: "Thôn An Lợi"},
				{Line: 3, FullName: "Phan Thị Bảy", Gender: domain.GenderFemale, CellCode: "TP-DB"},
			},
			fields: []string{"full_name", "gender", "cell_id"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := parse(t, []byte(tc.data), "roster.csv")
			if diff := cmp.Diff(tc.want, f.Rows, dateCmp); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.fields, f.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if len(f.Issues) != 0 {
				t.Errorf("issues: %+v", f.Issues)
			}
		})
	}
}

// TestParseCellIssues checks that each kind of bad cell is reported on its line and column with its key, and
// that good neighbours are not.
func TestParseCellIssues(t *testing.T) {
	const header = "Họ và tên,Năm sinh,Giới tính,Ngày vào Đảng,Loại đảng viên,Tình trạng,Tạm miễn đến,Số thẻ,Chức vụ\n"
	tests := []struct {
		name   string
		row    string
		column string
		code   string
	}{
		{"birth with a letter", "Lê Văn A,19x0,,,,,,,", "Năm sinh", "roster.bad_birth"},
		{"birth too early", "Lê Văn A,1850,,,,,,,", "Năm sinh", "roster.bad_birth"},
		{"birth too late", "Lê Văn A,2020,,,,,,,", "Năm sinh", "roster.bad_birth"},
		{"two-digit year", "Lê Văn A,60,,,,,,,", "Năm sinh", "roster.bad_birth"},
		{"gender", "Lê Văn A,1960,Khác,,,,,,", "Giới tính", "roster.bad_gender"},
		{"impossible date", "Lê Văn A,1960,,31/02/2020,,,,,", "Ngày vào Đảng", "roster.bad_date"},
		{"year as a date", "Lê Văn A,1960,,2020,,,,,", "Ngày vào Đảng", "roster.bad_date"},
		{"membership", "Lê Văn A,1960,,,Chờ kết nạp,,,,", "Loại đảng viên", "roster.bad_membership"},
		{"status", "Lê Văn A,1960,,,,Đi vắng,,,", "Tình trạng", "roster.bad_status"},
		{"bad end date", "Lê Văn A,1960,,,,Tạm miễn,31/31/2026,,", "Tạm miễn đến", "roster.bad_date"},
		{"name too long", strings.Repeat("Dài ", 40) + ",1960,,,,,,,", "Họ và tên", "roster.too_long"},
		{"card too long", "Lê Văn A,1960,,,,,," + strings.Repeat("9", 31) + ",", "Số thẻ", "roster.too_long"},
		{"role too long", "Lê Văn A,1960,,,,,,," + strings.Repeat("x", 61), "Chức vụ", "roster.too_long"},
		{"no name but data", ",1960,Nam,,,,,,", "Họ và tên", "roster.name_required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := header + "Trần Văn Tốt,1961,Nam,,,,,,\n" + tc.row + "\nTrần Văn Tốt Nữa,1962,,,,,,,\n"
			f := parse(t, []byte(data), "x.csv")
			want := []roster.Issue{{Line: 3, Column: tc.column, Code: tc.code}}
			if diff := cmp.Diff(want, f.Issues, cmpopts.IgnoreFields(roster.Issue{}, "Args")); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if len(f.Rows) != 3 {
				t.Errorf("got %d rows, want 3 (a bad row is still a row)", len(f.Rows))
			}
		})
	}
	t.Run("end date in the column", func(t *testing.T) {
		f := parse(t, []byte(header+"Lê Văn A,1960,,,,Tạm miễn,31/12/2026,,\n"), "x.csv")
		if len(f.Issues) != 0 || f.Rows[0].TempExemptUntil.String() != "2026-12-31" {
			t.Errorf("issues %+v, row %+v", f.Issues, f.Rows[0])
		}
	})
}

func TestParseFileErrors(t *testing.T) {
	many := &bytes.Buffer{}
	many.WriteString("Họ và tên,Năm sinh\n")
	for i := 0; i <= roster.MaxRows; i++ {
		many.WriteString("Nguyễn Văn A,1960\n")
	}
	tests := []struct {
		name, file, data, key string
	}{
		{"no header", "x.csv", "Tên,Tuổi\nA,1\n", "roster.no_header"},
		{"header without a name column", "x.csv", "STT,Năm sinh,Giới tính\n1,1960,Nam\n", "roster.no_header"},
		{"header only", "x.csv", "Họ và tên,Năm sinh\n", "roster.no_rows"},
		{"only a signature block", "x.csv", "Họ và tên,Năm sinh\n\nNgười lập biểu,\n", "roster.no_rows"},
		{"empty", "x.csv", "", "roster.no_header"},
		{"old binary workbook", "x.xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "roster.bad_format"},
		{"unknown type", "x.pdf", "%PDF-1.4", "roster.bad_format"},
		{"not UTF-8", "x.csv", "H\xf4 v\xe0 t\xean,N\xe4m sinh\n", "roster.not_utf8"},
		{"broken workbook", "x.xlsx", "PK\x03\x04 not really a zip", "roster.unreadable"},
		{"too many rows", "x.csv", many.String(), "roster.too_many_rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := roster.Parse(strings.NewReader(tc.data), tc.file)
			if err == nil {
				t.Fatalf("parsed %d rows, want error %s", len(f.Rows), tc.key)
			}
			if errKey(err) != tc.key || domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("got %v, want invalid %s", err, tc.key)
			}
		})
	}
}
