package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

const recsXLSX, recsCSV = "/api/v1/exports/recommendations.xlsx", "/api/v1/exports/recommendations.csv"

// recStatusShown are the status labels a Vietnamese export shows.
var recStatusShown = map[domain.RecStatus]string{"new": "Mới", "forwarded": "Đã chuyển", "answered": "Đã trả lời",
	"sent_back": "Yêu cầu trả lời lại", "accepted": "Trả lời thỏa đáng", "resolved": "Đã giải quyết dứt điểm"}

// recWorkbook is a downloaded workbook's sheets, as shown and raw, each row padded to the header's width.
type recWorkbook struct {
	x     *excelize.File
	names []string
	shown map[string][][]string
	raw   map[string][][]string
}

func openRecWorkbook(t *testing.T, body []byte) *recWorkbook {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	wb := &recWorkbook{x: x, names: x.GetSheetList(), shown: map[string][][]string{}, raw: map[string][][]string{}}
	for _, name := range wb.names {
		shown, err := x.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := x.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		wb.shown[name], wb.raw[name] = pad(shown), pad(raw)
	}
	return wb
}

// pad fills the table's rows out to the header's width (a reader drops trailing empty cells).
func pad(rows [][]string) [][]string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	for i := range rows {
		if len(rows[i]) > 1 {
			for len(rows[i]) < width {
				rows[i] = append(rows[i], "")
			}
		}
	}
	return rows
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("no byte-order mark: %.40q", body)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// serial is a date as a spreadsheet stores it: days since 30/12/1899.
func serial(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return strconv.Itoa(domain.DaysBetween(domain.NewDate(1899, 12, 30), d))
}

// listAll walks every page of the recommendation list for query as who.
func (w *world) listAll(who, query string) []store.RecommendationView {
	w.t.Helper()
	all := []store.RecommendationView{}
	cursor := ""
	for {
		r := w.do(http.MethodGet, "/api/v1/recommendations?limit=500&"+query+"&cursor="+cursor, who, nil)
		if r.status != http.StatusOK {
			w.t.Fatalf("list %s: %d %s", query, r.status, r.body)
		}
		var page store.Page[store.RecommendationView]
		r.json(w.t, &page)
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

// expectedRecRows are the rows an export must hold for the list's views: as a spreadsheet shows them (and the CSV
// holds them) and as the workbook stores them (dates as serial numbers).
func (w *world) expectedRecRows(views []store.RecommendationView) (shown, raw [][]string) {
	w.t.Helper()
	var ref store.ReferenceData
	w.do(http.MethodGet, "/api/v1/reference?org_unit_id="+w.province.ID, "root", nil).json(w.t, &ref)
	fields := map[string]string{}
	for _, f := range ref.Fields {
		fields[f.ID] = f.NameVI
	}
	parents := map[string]string{w.cellA.ID: w.c1.Name, w.cellB.ID: w.c1.Name, w.cellX.ID: w.c2.Name}
	for i, v := range views {
		d := detail(w.t, w.do(http.MethodGet, "/api/v1/recommendations/"+v.ID, "root", nil))
		var answeredOn, resolvedOn domain.Date
		answer := ""
		if n := len(d.Answers); n > 0 {
			answeredOn, answer = domain.DateOf(d.Answers[n-1].AnsweredAt), d.Answers[n-1].Body
		}
		if v.ResolvedAt != nil {
			resolvedOn = domain.DateOf(*v.ResolvedAt)
		}
		field := "Chưa phân loại"
		if v.FieldID != nil {
			field = fields[*v.FieldID]
		}
		addressee := v.AddresseeName
		if addressee == "" {
			addressee = v.AddresseeText
		}
		overdue := map[bool]string{true: "Có", false: "Không"}[v.Overdue]
		row := func(date func(domain.Date) string) []string {
			return []string{strconv.Itoa(i + 1), date(v.RaisedOn), v.CellName, parents[v.CellID], field, v.Content, addressee,
				recStatusShown[v.Status], date(v.DueOn), date(answeredOn), answer, strconv.Itoa(v.DaysOpen), overdue, date(resolvedOn)}
		}
		shown = append(shown, row(domain.Date.VN))
		raw = append(raw, row(serial))
	}
	return shown, raw
}

var recHeadersVI = []string{"STT", "Ngày nêu", "Chi bộ", "Trực thuộc", "Lĩnh vực", "Nội dung kiến nghị", "Cơ quan nhận", "Tình trạng",
	"Hạn trả lời", "Ngày trả lời", "Nội dung trả lời gần nhất", "Số ngày xử lý", "Quá hạn", "Ngày giải quyết"}

func TestRecommendationsExportMatchesTheList(t *testing.T) {
	w, _ := statsWorld(t)
	w.addUser("ubnd1", domain.RoleResponder, w.c1)
	jan := "raised_from=2026-01-01&raised_to=2026-01-31"
	tests := []struct {
		name, who, query string
		info             []string // the title block's lines between the title and the time of generation
	}{
		{"a commune in January", "sup1", "unit=" + w.c1.ID + "&" + jan,
			[]string{"Tổ chức: Đảng bộ xã Triệu Phong", "Ngày nêu kiến nghị: 01/01/2026 – 31/01/2026"}},
		{"statuses", "sup1", jan + "&status=new,forwarded&status=sent_back",
			[]string{"Tổ chức: Đảng bộ xã Triệu Phong", "Ngày nêu kiến nghị: 01/01/2026 – 31/01/2026",
				"Điều kiện lọc: tình trạng mới, đã chuyển, yêu cầu trả lời lại"}},
		{"overdue, from a day", "sup1", "overdue=true&raised_from=2026-01-08",
			[]string{"Tổ chức: Đảng bộ xã Triệu Phong", "Ngày nêu kiến nghị: từ 08/01/2026", "Điều kiện lọc: quá hạn trả lời"}},
		{"the province's agriculture", "root", "field_id=" + fieldAgri + "&cell_id=" + w.cellA.ID,
			[]string{"Tổ chức: Tất cả đơn vị", "Ngày nêu kiến nghị: toàn bộ", "Điều kiện lọc: lĩnh vực Nông nghiệp, nông thôn; chi bộ Chi bộ thôn An Lợi"}},
		{"a responder", "ubnd1", "raised_to=2026-01-31",
			[]string{"Tổ chức: Đảng bộ xã Triệu Phong", "Ngày nêu kiến nghị: đến 31/01/2026"}},
		{"searched, older than", "sup1", "q=nao+vet&older_than=30&addressee_id=" + w.c1.ID,
			[]string{"Tổ chức: Đảng bộ xã Triệu Phong", "Ngày nêu kiến nghị: toàn bộ",
				"Điều kiện lọc: gửi Đảng bộ xã Triệu Phong; nêu đã quá 30 ngày; nội dung có \u201cnao vet\u201d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			views := w.listAll(tc.who, tc.query)
			if len(views) == 0 {
				t.Fatal("the list is empty: the case tests nothing")
			}
			wantShown, wantRaw := w.expectedRecRows(views)

			r := w.do(http.MethodGet, recsXLSX+"?"+tc.query, tc.who, nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
				!strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename="kien-nghi-`) {
				t.Fatalf("%d %v %s", r.status, r.header, r.body)
			}
			wb := openRecWorkbook(t, r.body)
			if diff := cmp.Diff([]string{"Kiến nghị", "Thống kê", "Theo cơ quan"}, wb.names); diff != "" {
				t.Errorf("sheets (-want +got):\n%s", diff)
			}
			shown, raw := wb.shown["Kiến nghị"], wb.raw["Kiến nghị"]
			head := 2 + len(tc.info) + 1 // title, info, generated, a blank line
			if shown[0][0] != "DANH SÁCH KIẾN NGHỊ, ĐỀ XUẤT CỦA CHI BỘ" || !generatedRE.MatchString(shown[head-2][0]) {
				t.Errorf("title block %q", shown[:head])
			}
			var info []string
			for _, l := range shown[1 : head-2] {
				info = append(info, l[0])
			}
			if diff := cmp.Diff(tc.info, info); diff != "" {
				t.Errorf("title block (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(recHeadersVI, shown[head]); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantShown, shown[head+1:]); diff != "" {
				t.Errorf("rows as shown (-list +xlsx):\n%s", diff)
			}
			if diff := cmp.Diff(wantRaw, raw[head+1:]); diff != "" {
				t.Errorf("rows as stored (-list +xlsx):\n%s", diff)
			}
			// Numbers and dates are numeric cells, text is text.
			for col, numeric := range map[string]bool{"A": true, "B": true, "C": false, "F": false, "L": true, "M": false} {
				cell := col + strconv.Itoa(head+2)
				typ, err := wb.x.GetCellType("Kiến nghị", cell)
				isText := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
				if err != nil || isText == numeric {
					t.Errorf("cell %s has type %v (%v)", cell, typ, err)
				}
			}

			// CSV: the same rows as the workbook shows them.
			r = w.do(http.MethodGet, recsCSV+"?"+tc.query, tc.who, nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(r.header.Get("Content-Disposition"), ".csv") {
				t.Fatalf("csv: %d %v", r.status, r.header)
			}
			recs := readCSV(t, r.body)
			// (A CSV reader skips the blank line under the title block.)
			if recs[0][0] != shown[0][0] || !cmp.Equal(recs[1:head-2], shown[1:head-2]) || !cmp.Equal(recs[head-1], recHeadersVI) {
				t.Errorf("csv head %q", recs[:head])
			}
			if diff := cmp.Diff(wantShown, recs[head:]); diff != "" {
				t.Errorf("csv rows (-list +csv):\n%s", diff)
			}
		})
	}

	// English headers, title and labels.
	r := w.do(http.MethodGet, recsXLSX+"?lang=en&unit="+w.c1.ID+"&"+jan+"&status=resolved", "sup1", nil)
	wb := openRecWorkbook(t, r.body)
	shown := wb.shown["Kiến nghị"]
	if shown[0][0] != "RECOMMENDATIONS RAISED BY PARTY CELLS" || shown[1][0] != "Organisation: Đảng bộ xã Triệu Phong" ||
		shown[2][0] != "Raised: 01/01/2026 – 31/01/2026" || shown[3][0] != "Filters: status resolved" {
		t.Errorf("English title block %q", shown[:5])
	}
	if diff := cmp.Diff([]string{"No.", "Raised on", "Cell", "Parent unit", "Field", "Recommendation", "Addressee", "Status",
		"Answer due", "Answered on", "Latest answer", "Days open", "Overdue", "Resolved on"}, shown[6]); diff != "" {
		t.Errorf("English headers (-want +got):\n%s", diff)
	}
	if len(shown) != 9 || shown[7][4] != "No field" || shown[8][4] != "Agriculture and rural affairs" || shown[8][7] != "Resolved" || shown[8][12] != "No" {
		t.Errorf("English rows %q", shown[7:])
	}
	if r := w.do(http.MethodGet, recsCSV+"?unit="+w.c1.ID+"&"+jan, "sup1", nil); !strings.Contains(r.header.Get("Content-Disposition"),
		`filename="kien-nghi-dang-bo-xa-trieu-phong-tu-2026-01-01-den-2026-01-31.csv"`) {
		t.Errorf("file name: %v", r.header)
	}
}

func TestRecommendationsExportCountsMatchTheStatistics(t *testing.T) {
	w, _ := statsWorld(t)
	for _, l := range []string{"vi", "en"} {
		var st store.RecStats
		w.do(http.MethodGet, "/api/v1/recommendations/stats?unit="+w.c1.ID+"&from=2026-01-01&to=2026-01-31&lang="+l, "sup1", nil).json(t, &st)
		r := w.do(http.MethodGet, recsXLSX+"?unit="+w.c1.ID+"&raised_from=2026-01-01&raised_to=2026-01-31&lang="+l, "sup1", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		wb := openRecWorkbook(t, r.body)
		raw := wb.raw["Thống kê"]
		row := func(n, name string, c store.RecCounts) []string {
			b := c.ByStatus
			return []string{n, name, num(c.Total), num(b.New), num(b.Forwarded), num(b.Answered), num(b.SentBack), num(b.Accepted), num(b.Resolved)}
		}
		var want [][]string
		for i, f := range st.ByField {
			want = append(want, row(num(i+1), f.FieldName, f.RecCounts))
		}
		want = append(want, row("", map[string]string{"vi": "Tổng cộng", "en": "Total"}[l], st.Totals))
		heads := map[string][]string{
			"vi": {"STT", "Lĩnh vực", "Tổng số", "Mới", "Đã chuyển", "Đã trả lời", "Yêu cầu trả lời lại", "Trả lời thỏa đáng", "Đã giải quyết dứt điểm"},
			"en": {"No.", "Field", "Total", "New", "Forwarded", "Answered", "Sent back", "Accepted", "Resolved"},
		}
		if diff := cmp.Diff(heads[l], raw[5]); diff != "" {
			t.Errorf("%s headers (-want +got):\n%s", l, diff)
		}
		if diff := cmp.Diff(want, raw[6:]); diff != "" {
			t.Errorf("%s counts (-stats +xlsx):\n%s", l, diff)
		}
		if st.Totals.Total != 8 || len(st.ByField) != fieldsTotal+1 {
			t.Errorf("%s stats %+v", l, st.Totals)
		}
	}
}

func TestRecommendationsExportEveryPage(t *testing.T) {
	w := newWorld(t)
	// More than a page of the list (500), raised over a few days so the order is by date then id.
	var rows []any
	start := domain.NewDate(2025, 6, 1)
	for i := range 520 {
		r := newRec(w.cellA, start.AddDays(i%7), "", domain.RecNew)
		r.Content = fmt.Sprintf("Kiến nghị số %d", i)
		r.ContentFold = domain.Fold(r.Content)
		rows = append(rows, r)
	}
	w.insert(rows...)
	views := w.listAll("sup1", "")
	if len(views) != 521 { // and recA
		t.Fatalf("%d listed", len(views))
	}
	var want []string
	for _, v := range views {
		want = append(want, v.RaisedOn.VN()+" "+v.Content)
	}
	for _, format := range []string{"xlsx", "csv"} {
		r := w.do(http.MethodGet, "/api/v1/exports/recommendations."+format, "sup1", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", format, r.status, r.body)
		}
		var got [][]string
		if format == "xlsx" {
			got = openRecWorkbook(t, r.body).shown["Kiến nghị"][6:]
		} else {
			got = readCSV(t, r.body)[5:]
		}
		var gotKeys []string
		for i, row := range got {
			if row[0] != strconv.Itoa(i+1) {
				t.Errorf("%s row %d numbered %q", format, i, row[0])
			}
			gotKeys = append(gotKeys, row[1]+" "+row[5])
		}
		if diff := cmp.Diff(want, gotKeys); diff != "" {
			t.Errorf("%s rows (-list +export):\n%s", format, diff)
		}
	}

	// Past the cap the export is refused, not cut short.
	capped := *w
	capped.api = api.New(w.db, w.tokens, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Config{Argon2: cheap, MaxExportRows: 500})
	capped.srv = httptest.NewServer(capped.api.Handler())
	defer capped.srv.Close()
	for l, msg := range map[string]string{"vi": "Danh sách có hơn 500 kiến nghị", "en": "The list holds more than 500 recommendations"} {
		for _, p := range []string{recsXLSX, recsCSV} {
			r := capped.do(http.MethodGet, p+"?lang="+l, "sup1", nil)
			var e api.ErrorBody
			r.json(t, &e)
			if r.status != http.StatusRequestEntityTooLarge || e.Code != domain.CodeTooLarge || !strings.HasPrefix(e.Message, msg) {
				t.Errorf("%s %s: %d %s", l, p, r.status, r.body)
			}
		}
	}
	// A narrower filter passes.
	if r := capped.do(http.MethodGet, recsCSV+"?raised_to=2025-06-03", "sup1", nil); r.status != http.StatusOK {
		t.Errorf("narrowed: %d %s", r.status, r.body)
	}
}

func TestRecommendationsExportScope(t *testing.T) {
	w, _ := statsWorld(t)
	w.addUser("sup2", domain.RoleSupervisor, w.c2)
	w.addUser("ubnd1", domain.RoleResponder, w.c1)
	cells := func(who, query string) []string {
		t.Helper()
		r := w.do(http.MethodGet, recsCSV+"?"+query, who, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", who, query, r.status, r.body)
		}
		recs := readCSV(t, r.body)
		var out []string
		for _, rec := range recs[5:] {
			out = append(out, rec[2])
		}
		return out
	}
	listed := func(who, query string) []string {
		var out []string
		for _, v := range w.listAll(who, query) {
			out = append(out, v.CellName)
		}
		return out
	}
	for _, tc := range []struct {
		who, query string
		without    string // a cell that must not show
	}{
		{"sup1", "", w.cellX.Name},
		{"sup2", "", w.cellA.Name},
		{"admin2", "", w.cellB.Name},
		{"ubnd1", "", ""}, // what is forwarded to commune 1, whichever commune raised it
	} {
		got, want := cells(tc.who, tc.query), listed(tc.who, tc.query)
		if diff := cmp.Diff(want, got); diff != "" || len(got) == 0 {
			t.Errorf("%s %s (-list +export):\n%s", tc.who, tc.query, diff)
		}
		for _, c := range got {
			if tc.without != "" && c == tc.without {
				t.Errorf("%s %s exports a row of %s", tc.who, tc.query, c)
			}
		}
	}
	if got := cells("ubnd1", ""); !strings.Contains(strings.Join(got, "|"), w.cellX.Name) || len(got) != 9 {
		t.Errorf("responder: %q", got)
	}

	refused := []struct {
		name, who, query string
		status           int
		code             domain.Code
		vi, en           string
	}{
		{"an official", "off1", "", 403, domain.CodeForbidden, "Chỉ quản trị viên, cán bộ được giao theo dõi và cơ quan trả lời", "Only administrators, supervisors and responders"},
		{"a secretary", "sec1", "", 403, domain.CodeForbidden, "Chỉ quản trị viên", "Only administrators"},
		{"an official naming its cell", "off1", "unit=" + w.cellA.ID, 403, domain.CodeForbidden, "", ""},
		{"a supervisor naming another commune", "sup1", "unit=" + w.c2.ID, 404, domain.CodeNotFound, "", ""},
		{"an admin naming another commune", "admin2", "unit=" + w.c1.ID, 404, domain.CodeNotFound, "", ""},
		{"a supervisor naming the province above", "sup1", "unit=" + w.province.ID, 404, domain.CodeNotFound, "", ""},
		{"nobody", "", "", 401, domain.CodeUnauthorized, "", ""},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []string{recsXLSX, recsCSV} {
				for _, l := range []string{"vi", "en"} {
					r := w.do(http.MethodGet, p+"?lang="+l+"&"+tc.query, tc.who, nil)
					var e api.ErrorBody
					r.json(t, &e)
					msg := map[string]string{"vi": tc.vi, "en": tc.en}[l]
					if r.status != tc.status || e.Code != tc.code || e.Message == "" || !strings.HasPrefix(e.Message, msg) {
						t.Errorf("%s %s: %d %s", p, l, r.status, r.body)
					}
				}
			}
		})
	}
}

func TestRecommendationsExportBadFilters(t *testing.T) {
	w := newWorld(t)
	tests := []struct{ name, query, field, vi, en string }{
		{"unknown status", "status=new,lost", "status", "", ""},
		{"negative age", "older_than=-1", "older_than", "older_than phải là số ngày", "older_than must be a number of days"},
		{"age in words", "older_than=ba", "older_than", "", ""},
		{"bad date", "raised_from=2026-02-30", "raised_from", "", ""},
		{"reversed period", "raised_from=2026-02-01&raised_to=2026-01-01", "raised_to", "Ngày bắt đầu phải trước ngày kết thúc.", "The start date must be before the end date."},
		{"bad cell id", "cell_id=abc", "cell_id", "", ""},
		{"unknown unit", "unit=0190c0de-0000-7000-8000-000000000000", "unit", "", ""},
		{"bad addressee id", "addressee_id=12", "addressee_id", "", ""},
		{"bad field id", "field_id=nong-nghiep", "field_id", "", ""},
		{"overdue maybe", "overdue=maybe", "overdue", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []string{recsXLSX, recsCSV} {
				for _, l := range []string{"vi", "en"} {
					r := w.do(http.MethodGet, p+"?lang="+l+"&"+tc.query, "sup1", nil)
					var e api.ErrorBody
					r.json(t, &e)
					msg := map[string]string{"vi": tc.vi, "en": tc.en}[l]
					if r.status != http.StatusBadRequest || e.Code != domain.CodeInvalid || e.Field != tc.field || e.Message == "" || !strings.Contains(e.Message, msg) {
						t.Errorf("%s %s: %d %s", p, l, r.status, r.body)
					}
				}
			}
		})
	}
	// The same filters the list refuses.
	if r := w.do(http.MethodGet, "/api/v1/recommendations?status=lost", "sup1", nil); r.status != http.StatusBadRequest {
		t.Errorf("list: %d", r.status)
	}
}
