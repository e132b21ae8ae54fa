package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/api"
)

// workbook builds a small roster as an office keeps it: a title, the header, the members.
func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]any{{"ĐẢNG BỘ XÃ TRIỆU PHONG"}, {"DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN AN LỢI"}, {},
		{"STT", "Họ và tên", "Năm sinh", "Giới tính", "Số thẻ đảng viên", "Ghi chú"}}, rows...)
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (w *world) upload(who, unitID, mode, name string, file []byte, headers ...string) response {
	w.t.Helper()
	return w.uploadTo("/api/v1/rosters/import", who, unitID, mode, name, file, headers...)
}

func (w *world) uploadTo(path, who, unitID, mode, name string, file []byte, headers ...string) response {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org_unit_id", unitID)
	_ = mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(file)
	mw.Close()
	return w.do(http.MethodPost, path, who, body.Bytes(), append([]string{"Content-Type", mw.FormDataContentType()}, headers...)...)
}

func TestRosterImportOverHTTP(t *testing.T) {
	w := newWorld(t)
	bad := workbook(t, [][]any{
		{1, "Phạm Văn Lợi", 1955, "Nam", "34.000101", ""},
		{2, "", 1960, "Nữ", "", ""},               // no name
		{3, "Hồ Thị Lan", "năm 19", "Nữ", "", ""}, // bad birth year
		{4, "Võ Văn Tám", 1949, "Nam", "", "Miễn sinh hoạt"},
	})
	r := w.upload("admin1", w.cellA.ID, "preview", "an-loi.xlsx", bad)
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	var res api.ImportResult
	r.json(t, &res)
	if res.Committed || res.Plan.Creates != 2 || len(res.Plan.Errors) != 2 || res.Plan.Errors[0].Line != 6 || res.Plan.Errors[1].Line != 7 {
		t.Fatalf("preview plan: %s", r.body)
	}
	// A commit with bad rows imports nothing and answers 400 with every bad row.
	r = w.upload("admin1", w.cellA.ID, "commit", "an-loi.xlsx", bad)
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"line":7`) {
		t.Fatalf("commit with errors: %d %s", r.status, r.body)
	}
	if names := listNames(t, w, "/api/v1/members?cell_id="+w.cellA.ID, "admin1", "full_name"); len(names) != 1 {
		t.Fatalf("members after a refused commit: %v", names)
	}
	good := workbook(t, [][]any{
		{1, "Phạm Văn Lợi", 1955, "Nam", "34.000101", ""},
		{2, "Hồ Thị Lan", 1962, "Nữ", "", ""},
		{3, "Võ Văn Tám", 1949, "Nam", "", "Miễn sinh hoạt"},
	})
	r = w.upload("sup1", w.cellA.ID, "commit", "an-loi.xlsx", good)
	if r.status != http.StatusForbidden {
		t.Errorf("supervisor import: %d, want 403", r.status)
	}
	// An import is a write: out of scope it is refused as forbidden, like every other write, not "not found".
	r = w.upload("admin2", w.cellA.ID, "commit", "an-loi.xlsx", good)
	if r.status != http.StatusForbidden {
		t.Errorf("foreign admin import: %d, want 403", r.status)
	}
	r = w.upload("admin2", w.cellA.ID, "preview", "an-loi.xlsx", good)
	if r.status != http.StatusForbidden {
		t.Errorf("foreign admin preview: %d, want 403", r.status)
	}
	r = w.upload("admin1", w.cellA.ID, "commit", "an-loi.xlsx", good)
	r.json(t, &res)
	if r.status != http.StatusOK || !res.Committed || res.Result.Created != 3 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	r = w.upload("admin1", w.cellA.ID, "commit", "an-loi.xlsx", good)
	r.json(t, &res)
	if res.Result.Created != 0 || res.Result.Updated != 0 || res.Result.Unchanged != 3 {
		t.Errorf("second import: %s", r.body)
	}
	// Export and re-import: nothing changes.
	r = w.do(http.MethodGet, "/api/v1/rosters/export?org_unit_id="+w.cellA.ID, "admin1", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "chi-bo-thon-an-loi") {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	x := w.upload("admin1", w.cellA.ID, "preview", "export.xlsx", r.body)
	x.json(t, &res)
	if res.Plan.Unchanged != 4 || res.Plan.Creates+res.Plan.Updates != 0 || len(res.Plan.Errors) != 0 {
		t.Errorf("re-import of the export: %s", x.body)
	}
	csv := w.do(http.MethodGet, "/api/v1/rosters/export?format=csv&org_unit_id="+w.c1.ID, "sup1", nil)
	if csv.status != http.StatusOK || !bytes.HasPrefix(csv.body, []byte("\xef\xbb\xbf")) || !strings.Contains(string(csv.body), "Phạm Văn Lợi") {
		t.Errorf("csv export: %d %.200s", csv.status, csv.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/rosters/export?org_unit_id="+w.cellX.ID, "sup1", nil); r.status != http.StatusNotFound {
		t.Errorf("foreign export: %d", r.status)
	}
}

// TestRosterTemplateOverHTTP is written from the README and the API document alone: an administrator downloads
// the template, fills it in below the sample row as an office would (a temporary exemption without an end date, a
// member of another commune named by card number), previews it (every row with its outcome, messages in the
// caller's language naming line and column), and commits it. A transfer needs write rights over the member's old
// cell: the commune's admin cannot take a member from another commune, the province's admin can.
func TestRosterTemplateOverHTTP(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/rosters/template.xlsx", "sup1", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(r.header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("template: %d %v", r.status, r.header)
	}
	if p := w.do(http.MethodPatch, "/api/v1/members/"+w.memberX.ID, "root", map[string]any{"card_number": "79.777001", "birth_year": 1970}); p.status != http.StatusOK {
		t.Fatalf("patch: %d %s", p.status, p.body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := x.GetSheetName(0)
	rows := [][]any{
		{2, "Lê  Thị   Tạm", "1980", "Nữ", "", "01/02/2005", "01/02/2006", "Tạm miễn sinh hoạt"},
		{3, "Trần Quốc Toản", "1970", "Nam", "79.777001", "", "", "chính thức "},
		{4, "Phan Văn Sai", "2090", "Nam", "", "", "", "Nghỉ"},
	}
	for i, row := range rows {
		if err := x.SetSheetRow(sheet, "A"+strconv.Itoa(7+i), &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()

	r = w.upload("admin1", w.cellA.ID, "preview", "mau.xlsx", file)
	var res struct {
		Lang string `json:"lang"`
		Plan struct {
			Rows []struct {
				Line         int    `json:"line"`
				Outcome      string `json:"outcome"`
				TransferFrom *struct {
					Name string `json:"name"`
				} `json:"transfer_from"`
				Messages []struct {
					Column    string `json:"column"`
					Code      string `json:"code"`
					MessageVI string `json:"message_vi"`
					MessageEN string `json:"message_en"`
				} `json:"messages"`
			} `json:"rows"`
		} `json:"plan"`
	}
	r.json(t, &res)
	if r.status != http.StatusOK || len(res.Plan.Rows) != 4 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	outcomes := []string{}
	for _, row := range res.Plan.Rows {
		outcomes = append(outcomes, fmt.Sprintf("%d:%s", row.Line, row.Outcome))
	}
	// The commune's admin may not move a member of another commune: the card is an error.
	if got := strings.Join(outcomes, " "); got != "6:create 7:warning 8:error 9:error" {
		t.Errorf("outcomes %s", got)
	}
	bad := res.Plan.Rows[3].Messages
	if len(bad) != 2 || !strings.Contains(bad[0].MessageVI+bad[1].MessageVI, `Dòng 9, cột "Ngày sinh": Năm sinh 2090 ở tương lai`) ||
		!strings.Contains(bad[0].MessageVI+bad[1].MessageVI, `Dòng 9, cột "Trạng thái": Trạng thái "Nghỉ" không nhận ra. Giá trị hợp lệ: Chính thức, Dự bị`) {
		t.Errorf("messages of line 9: %+v", bad)
	}

	// The province's admin: the row of the other commune's member is a transfer. English on request.
	r = w.uploadTo("/api/v1/rosters/import?lang=en", "root", w.cellA.ID, "preview", "mau.xlsx", file)
	r.json(t, &res)
	if res.Lang != "en" || res.Plan.Rows[2].Outcome != "warning" || res.Plan.Rows[2].TransferFrom == nil ||
		res.Plan.Rows[2].TransferFrom.Name != w.cellX.Name || !strings.HasPrefix(res.Plan.Rows[2].Messages[0].MessageEN, `Line 8, column "Số thẻ đảng viên": Transfer from Chi bộ khu phố 3`) {
		t.Errorf("transfer preview: %s", r.body)
	}
	// Remove the bad row, commit twice: the second commit changes nothing.
	if err := x.RemoveRow(sheet, 9); err != nil {
		t.Fatal(err)
	}
	buf, _ = x.WriteToBuffer()
	var done api.ImportResult
	r = w.upload("root", w.cellA.ID, "commit", "mau.xlsx", buf.Bytes())
	r.json(t, &done)
	if r.status != http.StatusOK || done.Result.Created != 2 || done.Result.Updated != 1 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	r = w.upload("root", w.cellA.ID, "commit", "mau.xlsx", buf.Bytes())
	r.json(t, &done)
	if r.status != http.StatusOK || done.Result.Created != 0 || done.Result.Updated != 0 || done.Result.Unchanged != 3 {
		t.Fatalf("second commit: %d %s", r.status, r.body)
	}
	if m := w.do(http.MethodGet, "/api/v1/members/"+w.memberX.ID, "root", nil); !strings.Contains(string(m.body), w.cellA.ID) {
		t.Errorf("the transferred member: %s", m.body)
	}
}
