package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
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

func (w *world) upload(who, unitID, mode, name string, file []byte) response {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org_unit_id", unitID)
	_ = mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(file)
	mw.Close()
	return w.do(http.MethodPost, "/api/v1/rosters/import", who, body.Bytes(), "Content-Type", mw.FormDataContentType())
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
