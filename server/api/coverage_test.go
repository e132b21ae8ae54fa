package api_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// newCoverageWorld serves the hand-built coverage fixture (testdb.CoverageFixture) with its users.
func newCoverageWorld(t *testing.T) (*world, *testdb.CoverageFixture) {
	t.Helper()
	f := testdb.NewCoverageFixture(t)
	w := &world{t: t, db: f.DB, users: f.Users}
	var err error
	if w.tokens, err = auth.NewTokens([]byte(testKey), "chibo", "chibo-api"); err != nil {
		t.Fatal(err)
	}
	w.api = api.New(w.db, w.tokens, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Config{Argon2: cheap, PublicURL: "http://localhost"})
	w.srv = httptest.NewServer(w.api.Handler())
	t.Cleanup(w.srv.Close)
	return w, f
}

const q4 = "period=2026-Q4"

func TestCoverageAPI(t *testing.T) {
	w, f := newCoverageWorld(t)
	var rep store.CoverageReport
	r := w.do(http.MethodGet, "/api/v1/coverage?unit="+f.Province.ID+"&"+q4, "root", nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &rep)
	// The figures worked out by hand in server/store's TestCoverageFigures.
	tt := rep.Totals
	got := []any{rep.Unit.Name, string(rep.Unit.Kind), rep.From.String(), rep.To.String(), tt.Expected, tt.Visited, tt.Reported, tt.Timely,
		*tt.Coverage, *tt.TimelyRate, tt.Members, tt.Exempt, tt.Present, *tt.AttendanceRate, tt.Unexcused, tt.Cells, tt.CellsLowAttendance,
		tt.Grades.Tot, tt.Grades.Kha, tt.Grades.TrungBinh, tt.Grades.Kem, len(rep.Children), len(rep.ByMonth)}
	want := []any{"Đảng bộ tỉnh Thử Nghiệm", "province", "2026-10-01", "2026-12-31", 8, 6, 5, 3, 0.75, 0.375, 35, 5, 23, 0.7667, 2, 5, 2, 2, 1, 1, 1, 2, 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("province Q4 (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(r.body), `"grades":{"tot":2,"kha":1,"trung_binh":1,"kem":1}`) || !strings.Contains(string(r.body), `"by_month":[{"month":"2026-10","expected":2`) {
		t.Errorf("JSON shape: %s", r.body)
	}
	// The same period written three ways.
	for _, qs := range []string{"period=custom&from=2026-10-01&to=2026-12-31", "from=2026-10-01&to=2026-12-31", "period=2026-q4"} {
		var again store.CoverageReport
		w.do(http.MethodGet, "/api/v1/coverage?unit="+f.Province.ID+"&"+qs, "root", nil).json(t, &again)
		if again.Totals.Expected != 8 || again.From != rep.From || again.To != rep.To {
			t.Errorf("%s: %+v", qs, again.Totals)
		}
	}
	// A month, a year.
	var nov, year store.CoverageReport
	w.do(http.MethodGet, "/api/v1/coverage?unit="+f.Province.ID+"&period=2026-11", "root", nil).json(t, &nov)
	if nov.Totals.Expected != 3 || nov.Totals.Visited != 2 || nov.From.String() != "2026-11-01" || nov.To.String() != "2026-11-30" || len(nov.ByMonth) != 1 {
		t.Errorf("November: %+v %v %v", nov.Totals, nov.From, nov.To)
	}
	w.do(http.MethodGet, "/api/v1/coverage?unit="+f.Province.ID+"&period=2026", "root", nil).json(t, &year)
	if year.From.String() != "2026-01-01" || year.To.String() != "2026-12-31" || len(year.ByMonth) != 12 {
		t.Errorf("2026: %v %v %d months", year.From, year.To, len(year.ByMonth))
	}
	// A cell lists its meetings.
	var cell store.CoverageReport
	w.do(http.MethodGet, "/api/v1/coverage?unit="+f.A.ID+"&"+q4, "sup1", nil).json(t, &cell)
	if len(cell.Meetings) != 3 || !cell.Meetings[1].Moved || cell.Meetings[1].Date.String() != "2026-11-07" {
		t.Errorf("cell A meetings %+v", cell.Meetings)
	}

	bad := []struct{ name, path, field, vi, en string }{
		{"month 13", "/api/v1/coverage?period=2026-13", "period", "Kỳ báo cáo không hợp lệ", "Invalid period"},
		{"quarter 5", "/api/v1/coverage?period=2026-Q5", "period", "Kỳ báo cáo không hợp lệ", "Invalid period"},
		{"words", "/api/v1/coverage?period=last-month", "period", "Kỳ báo cáo không hợp lệ", "Invalid period"},
		{"custom without to", "/api/v1/coverage?period=custom&from=2026-10-01", "period", "Kỳ báo cáo không hợp lệ", "Invalid period"},
		{"backwards", "/api/v1/coverage?from=2026-12-01&to=2026-10-01", "to", "Khoảng thời gian không hợp lệ", "Invalid range"},
		{"too long", "/api/v1/coverage?from=2020-01-01&to=2026-10-01", "to", "không quá 36 tháng", "at most 36 months"},
		{"bad date", "/api/v1/coverage?from=2026-02-30&to=2026-10-01", "from", "", ""},
		{"bad unit id", "/api/v1/coverage?unit=abc", "unit", "", ""},
		{"bad kind", "/api/v1/coverage/priorities?kind=everything", "kind", "", ""},
		{"bad limit", "/api/v1/coverage/officials?limit=0", "limit", "", ""},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			for _, l := range []string{"vi", "en"} {
				r := w.do(http.MethodGet, b.path+"&lang="+l, "sup1", nil)
				var e api.ErrorBody
				r.json(t, &e)
				msg := map[string]string{"vi": b.vi, "en": b.en}[l]
				if r.status != 400 || e.Code != "invalid" || e.Field != b.field || !strings.Contains(e.Message, msg) || e.Message == "" {
					t.Errorf("%s: %d %s", l, r.status, r.body)
				}
			}
		})
	}
}

func TestCoverageScope(t *testing.T) {
	w, f := newCoverageWorld(t)
	// The commune supervisor's default unit is their commune, this month by default.
	var rep store.CoverageReport
	r := w.do(http.MethodGet, "/api/v1/coverage", "sup1", nil)
	r.json(t, &rep)
	if r.status != 200 || rep.Unit.ID != f.C1.ID || rep.From.Day() != 1 || rep.To.Month() != rep.From.Month() {
		t.Fatalf("default: %d %s", r.status, r.body)
	}
	w.do(http.MethodGet, "/api/v1/coverage?"+q4, "sup1", nil).json(t, &rep)
	var names []string
	for _, c := range rep.Children {
		names = append(names, c.Unit.Name)
	}
	if diff := cmp.Diff([]string{"Chi bộ thôn A", "Chi bộ thôn B", "Chi bộ thôn D", "Chi bộ thôn E"}, names); diff != "" || rep.Totals.Expected != 6 || rep.Totals.Members != 28 {
		t.Errorf("commune 1: %v %+v", diff, rep.Totals)
	}
	outside := []string{f.Province.ID, f.C2.ID, f.X.ID}
	paths := []string{"/api/v1/coverage", "/api/v1/coverage/officials", "/api/v1/coverage/priorities", "/api/v1/coverage/absentees",
		"/api/v1/exports/coverage.xlsx", "/api/v1/exports/coverage.csv", "/api/v1/exports/officials.xlsx", "/api/v1/exports/officials.csv"}
	for _, p := range paths {
		for _, id := range outside {
			if r := w.do(http.MethodGet, p+"?unit="+id, "sup1", nil); r.status != 404 {
				t.Errorf("sup1 %s outside: %d", p, r.status)
			}
		}
		for _, who := range []string{"off1", "sec1"} {
			if r := w.do(http.MethodGet, p, who, nil); r.status != 403 {
				t.Errorf("%s %s: %d", who, p, r.status)
			}
			// Their own cell is readable, yet no report of theirs.
			if r := w.do(http.MethodGet, p+"?unit="+f.A.ID, who, nil); r.status != 403 {
				t.Errorf("%s %s on cell A: %d %s", who, p, r.status, r.body)
			}
		}
		if r := w.do(http.MethodGet, p, "", nil); r.status != 401 {
			t.Errorf("anonymous %s: %d", p, r.status)
		}
	}
	// Lists and exports of commune 1 never name commune 2's cell, member or the official's visits there.
	for _, p := range []string{"/api/v1/coverage/officials?" + q4, "/api/v1/coverage/priorities?kind=unvisited", "/api/v1/coverage/priorities?kind=overdue_reports&" + q4,
		"/api/v1/coverage/priorities?kind=weak", "/api/v1/coverage/priorities?kind=overdue_recs", "/api/v1/coverage/absentees?" + q4,
		"/api/v1/exports/coverage.csv?" + q4, "/api/v1/exports/officials.csv?" + q4} {
		r := w.do(http.MethodGet, p, "sup1", nil)
		if r.status != 200 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
		for _, s := range []string{"khu phố X", "Trần Thị Xa", f.X.ID, f.C2.ID} {
			if strings.Contains(string(r.body), s) {
				t.Errorf("%s shows %q: %s", p, s, r.body)
			}
		}
	}
	var offs store.Page[store.OfficialTally]
	w.do(http.MethodGet, "/api/v1/coverage/officials?"+q4, "sup1", nil).json(t, &offs)
	if len(offs.Items) != 3 || offs.Items[2].Cells != 1 || offs.Items[2].Expected != 1 {
		t.Errorf("officials under commune 1: %+v", offs.Items)
	}
	var abs store.Page[store.Absentee]
	w.do(http.MethodGet, "/api/v1/coverage/absentees?"+q4, "root", nil).json(t, &abs)
	if len(abs.Items) != 2 {
		t.Errorf("absentees for the province: %+v", abs.Items)
	}
	// admin2 administers commune 2 only.
	if r := w.do(http.MethodGet, "/api/v1/coverage?unit="+f.C1.ID, "admin2", nil); r.status != 404 {
		t.Errorf("admin2 on commune 1: %d", r.status)
	}
	var c2 store.CoverageReport
	w.do(http.MethodGet, "/api/v1/coverage?"+q4, "admin2", nil).json(t, &c2)
	if c2.Unit.ID != f.C2.ID || c2.Totals.Expected != 2 {
		t.Errorf("admin2 default: %+v", c2)
	}
}

func TestPrioritiesPaging(t *testing.T) {
	w, _ := newCoverageWorld(t)
	// Nobody's report is on record within 12 months of today for cells D and E at least; page one by one.
	var all []api.Priority
	cursor := ""
	for i := 0; i < 10; i++ {
		var page store.Page[api.Priority]
		r := w.do(http.MethodGet, "/api/v1/coverage/priorities?kind=unvisited&limit=1&cursor="+cursor, "root", nil)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r.json(t, &page)
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(all) < 2 {
		t.Fatalf("unvisited: %+v", all)
	}
	for _, p := range all {
		if p.Kind != "unvisited" || p.Cell == nil || !p.Cell.Unvisited || p.Report != nil {
			t.Errorf("item %+v", p)
		}
	}
}

// readXLSX opens a downloaded workbook and returns its one sheet's rows, formatted as a spreadsheet shows them and
// raw (numbers as stored).
func readXLSX(t *testing.T, body []byte) (shown, raw [][]string) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetList()[0]
	if shown, err = x.GetRows(sheet); err != nil {
		t.Fatal(err)
	}
	if raw, err = x.GetRows(sheet, excelize.Options{RawCellValue: true}); err != nil {
		t.Fatal(err)
	}
	return shown, raw
}

func num(v int) string { return strconv.Itoa(v) }

func frac(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func shownPct(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p*100, 'f', 1, 64) + "%"
}

var generatedRE = regexp.MustCompile(`^Xuất lúc: \d{2}/\d{2}/\d{4} \d{2}:\d{2}$`)

func TestCoverageExportsMatchTheAPI(t *testing.T) {
	w, f := newCoverageWorld(t)
	var rep store.CoverageReport
	w.do(http.MethodGet, "/api/v1/coverage?unit="+f.Province.ID+"&"+q4, "root", nil).json(t, &rep)

	r := w.do(http.MethodGet, "/api/v1/exports/coverage.xlsx?unit="+f.Province.ID+"&"+q4, "root", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "du-sinh-hoat-dang-bo-tinh-thu-nghiem-2026-10-01-2026-12-31.xlsx") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	shown, raw := readXLSX(t, r.body)
	if shown[0][0] != "BÁO CÁO KẾT QUẢ DỰ SINH HOẠT CHI BỘ" || shown[1][0] != "Tổ chức: Đảng bộ tỉnh Thử Nghiệm" ||
		shown[2][0] != "Kỳ báo cáo: 01/10/2026 – 31/12/2026" || !generatedRE.MatchString(shown[3][0]) {
		t.Errorf("title block %q", shown[:4])
	}
	head := shown[5]
	if diff := cmp.Diff([]string{"STT", "Đơn vị", "Số buổi phải dự", "Số buổi đã dự", "Đã báo cáo", "Báo cáo đúng hạn",
		"Số buổi dự đã xác minh", "Tỷ lệ dự", "Tỷ lệ báo cáo đúng hạn", "Tỷ lệ dự đã xác minh", "Tổng số đảng viên", "Miễn sinh hoạt", "Có mặt", "Tỷ lệ đảng viên dự họp", "Vắng không lý do",
		"Số chi bộ", "Chi bộ dưới 85%", "Tốt", "Khá", "Trung bình", "Kém"}, head); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	type line struct {
		name string
		c    store.Coverage
	}
	want := []line{}
	for _, c := range rep.Children {
		want = append(want, line{c.Unit.Name, c.Coverage})
	}
	want = append(want, line{"Tổng cộng", rep.Totals})
	if len(raw) != 6+len(want) {
		t.Fatalf("%d rows, want %d", len(raw), 6+len(want))
	}
	for i, l := range want {
		c := l.c
		stt := num(i + 1)
		if l.name == "Tổng cộng" {
			stt = ""
		}
		wantRaw := []string{stt, l.name, num(c.Expected), num(c.Visited), num(c.Reported), num(c.Timely), num(c.Verified), frac(c.Coverage),
			frac(c.TimelyRate), frac(c.VerifiedRate),
			num(c.Members), num(c.Exempt), num(c.Present), frac(c.AttendanceRate), num(c.Unexcused), num(c.Cells), num(c.CellsLowAttendance),
			num(c.Grades.Tot), num(c.Grades.Kha), num(c.Grades.TrungBinh), num(c.Grades.Kem)}
		if diff := cmp.Diff(wantRaw, raw[6+i]); diff != "" {
			t.Errorf("row %s (-api +xlsx):\n%s", l.name, diff)
		}
		if got := shown[6+i][7]; got != shownPct(c.Coverage) {
			t.Errorf("row %s shows coverage %q, want %q", l.name, got, shownPct(c.Coverage))
		}
	}

	// CSV: the same rows, with a BOM.
	r = w.do(http.MethodGet, "/api/v1/exports/coverage.csv?unit="+f.Province.ID+"&"+q4, "root", nil)
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte("\ufeff")) || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %v %.20q", r.status, r.header, r.body)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// (A CSV reader skips the blank line under the title block.)
	if recs[0][0] != shown[0][0] || recs[2][0] != shown[2][0] || !cmp.Equal(recs[4], head) || len(recs) != len(raw)-1 {
		t.Errorf("csv head %q", recs[:5])
	}
	for i := 5; i < len(recs); i++ {
		if diff := cmp.Diff(shown[i+1], recs[i]); diff != "" {
			t.Errorf("csv row %d differs from the workbook as shown (-xlsx +csv):\n%s", i, diff)
		}
	}

	// A cell's export lists its meetings with real dates.
	var cell store.CoverageReport
	w.do(http.MethodGet, "/api/v1/coverage?unit="+f.A.ID+"&"+q4, "sup1", nil).json(t, &cell)
	r = w.do(http.MethodGet, "/api/v1/exports/coverage.xlsx?unit="+f.A.ID+"&"+q4+"&lang=en", "sup1", nil)
	shown, raw = readXLSX(t, r.body)
	if shown[0][0] != "PARTY CELL VISIT COVERAGE REPORT" || shown[5][1] != "Meeting date" {
		t.Errorf("English export: %q %q", shown[0], shown[5])
	}
	if len(shown) != 6+len(cell.Meetings)+1 {
		t.Fatalf("%d rows", len(shown))
	}
	for i, m := range cell.Meetings {
		row, rawRow := shown[6+i], raw[6+i]
		if row[1] != m.Date.VN() || row[3] != m.DueOn.VN() || rawRow[1] == row[1] || row[15] != shownPct(m.AttendanceRate) || row[14] != num(*m.Present) ||
			row[8] != num(b2n(m.Verified)) {
			t.Errorf("meeting %s: shown %q raw %q", m.Date, row, rawRow)
		}
		if _, err := strconv.Atoi(rawRow[1]); err != nil {
			t.Errorf("date %q is not a spreadsheet date serial", rawRow[1])
		}
	}
	if shown[6][17] != "Good" || shown[7][17] != "Fair" {
		t.Errorf("grades %q %q", shown[6][17], shown[7][17])
	}
	// The fixture's verified visits: A in October (confirmed) and November (checked in near A), not December.
	if shown[6][8] != "1" || shown[7][8] != "1" || shown[8][8] != "0" || cell.Totals.Verified != 2 {
		t.Errorf("verified %q %q %q, total %d", shown[6][8], shown[7][8], shown[8][8], cell.Totals.Verified)
	}
}

func TestOfficialsExportMatchesTheAPI(t *testing.T) {
	w, f := newCoverageWorld(t)
	var page store.Page[store.OfficialTally]
	w.do(http.MethodGet, "/api/v1/coverage/officials?unit="+f.Province.ID+"&"+q4, "root", nil).json(t, &page)
	if len(page.Items) != 3 {
		t.Fatalf("%+v", page.Items)
	}
	for _, format := range []string{"xlsx", "csv"} {
		r := w.do(http.MethodGet, "/api/v1/exports/officials."+format+"?unit="+f.Province.ID+"&"+q4, "root", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", format, r.status, r.body)
		}
		var rows [][]string
		if format == "xlsx" {
			_, rows = readXLSX(t, r.body)
		} else {
			cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\ufeff"))))
			cr.FieldsPerRecord = -1
			var err error
			if rows, err = cr.ReadAll(); err != nil {
				t.Fatal(err)
			}
		}
		head := 5
		if format == "csv" {
			head = 4 // a CSV reader skips the blank line under the title block
		}
		if rows[0][0] != "KẾT QUẢ DỰ SINH HOẠT CHI BỘ CỦA CÁN BỘ ĐƯỢC PHÂN CÔNG" || rows[head][1] != "Họ và tên" || len(rows) != head+1+len(page.Items) {
			t.Fatalf("%s: %q", format, rows)
		}
		for i, o := range page.Items {
			cov := frac(o.Coverage)
			if format == "csv" {
				cov = shownPct(o.Coverage)
			}
			want := []string{num(i + 1), o.DisplayName, o.Title, num(o.Cells), num(o.Expected), num(o.Attended), num(o.Reported), num(o.OnTime), num(o.Overdue), cov,
				num(o.Verified), num(o.Clashes), num(o.Unconfirmed)}
			if diff := cmp.Diff(want, rows[head+1+i]); diff != "" {
				t.Errorf("%s row %d (-api +file):\n%s", format, i, diff)
			}
		}
	}
}

func b2n(b bool) int {
	if b {
		return 1
	}
	return 0
}
