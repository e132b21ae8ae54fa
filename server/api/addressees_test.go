package api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// withOtherProvince adds a second province with its administrator "otheradmin".
func withOtherProvince(t *testing.T, w *world) *store.OrgUnit {
	t.Helper()
	var prov *store.OrgUnit
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		prov = &store.OrgUnit{Name: "Đảng bộ tỉnh Hà Tĩnh", Kind: domain.KindProvince}
		if err := store.CreateOrgUnit(ctx, tx, prov); err != nil {
			return err
		}
		h, _ := auth.HashPassword("password-otheradmin", cheap)
		u := &store.User{Username: "otheradmin", DisplayName: "Quản trị Hà Tĩnh", PasswordHash: h, Active: true, HomeOrgUnitID: &prov.ID}
		if err := store.CreateUser(ctx, tx, u); err != nil {
			return err
		}
		w.users["otheradmin"] = u
		return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleAdmin, OrgUnitID: &prov.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	return prov
}

// TestAddresseesAPI is written from the API's description (OpenAPI summaries): an admin of the province builds a
// small directory, names a responder, retires and deletes; others read it, or are refused.
func TestAddresseesAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	other := withOtherProvince(t, w)
	q := "?province_id=" + w.province.ID
	create := func(who string, body map[string]any) response {
		return w.do(http.MethodPost, "/api/v1/addressees"+q, who, body)
	}
	var ubndt, ubndx store.Addressee
	r := create("padmin", map[string]any{"name": "Ủy ban nhân dân tỉnh Quảng Trị", "short_name": "UBND tỉnh", "kind": "government", "level": "province"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r.json(t, &ubndt)
	r = create("padmin", map[string]any{"name": "  UBND   xã Triệu Phong ", "short_name": "UBND xã", "aliases": "Ủy ban xã\nChính quyền xã",
		"kind": "government", "level": "commune", "parent_id": ubndt.ID, "org_unit_id": w.c1.ID, "active_from": "2025-07-01"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r.json(t, &ubndx)
	if ubndx.Name != "UBND xã Triệu Phong" || ubndx.ProvinceID == nil || *ubndx.ProvinceID != w.province.ID {
		t.Errorf("created %+v", ubndx)
	}
	// Bad input: a code and a Vietnamese message.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "", "kind": "government", "level": "commune"}, "name"},
		{map[string]any{"name": "Sở Xây dựng", "kind": "bo", "level": "province"}, "kind"},
		{map[string]any{"name": "Sở Xây dựng", "kind": "government", "level": "thon"}, "level"},
		{map[string]any{"name": "Sở Xây dựng", "kind": "government", "level": "province", "parent_id": domain.NewID()}, "parent_id"},
		{map[string]any{"name": "Sở Xây dựng", "kind": "government", "level": "province", "org_unit_id": other.ID}, "org_unit_id"},
		{map[string]any{"name": "Sở Xây dựng", "kind": "government", "level": "province", "active_from": "2026-01-02", "active_to": "2026-01-01"}, "active_to"},
	} {
		r := create("padmin", tc.body)
		var e api.ErrorBody
		r.json(t, &e)
		if r.status != http.StatusBadRequest || e.Code != domain.CodeInvalid || e.Field != tc.field || e.Message == "" {
			t.Errorf("%v: %d %s, want 400 on %s", tc.body, r.status, r.body, tc.field)
		}
	}
	// A parent cycle.
	if r := w.do(http.MethodPatch, "/api/v1/addressees/"+ubndt.ID, "padmin", map[string]any{"parent_id": ubndx.ID}); r.status != http.StatusBadRequest {
		t.Errorf("cycle: %d %s", r.status, r.body)
	}
	// Scope: a commune's admin reads but cannot write; another province's admin sees nothing.
	if r := create("admin1", map[string]any{"name": "Công an xã", "kind": "police", "level": "commune"}); r.status != http.StatusForbidden {
		t.Errorf("commune admin creates: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/addressees/"+ubndx.ID, "otheradmin", nil); r.status != http.StatusNotFound {
		t.Errorf("other province reads: %d", r.status)
	}
	if r := w.do(http.MethodPatch, "/api/v1/addressees/"+ubndx.ID, "otheradmin", map[string]any{"name": "X"}); r.status != http.StatusNotFound {
		t.Errorf("other province writes: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/addressees"+q, "otheradmin", nil); r.status != http.StatusNotFound {
		t.Errorf("other province lists: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/addressees?province_id="+other.ID, "otheradmin", nil); r.status != http.StatusOK {
		t.Errorf("own province lists: %d", r.status)
	}
	// Lists: search without diacritics, filters; an official of the commune reads them.
	list := func(who, query string) []string {
		t.Helper()
		var page store.Page[store.Addressee]
		r := w.do(http.MethodGet, "/api/v1/addressees"+q+query, who, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, r.status, r.body)
		}
		r.json(t, &page)
		var names []string
		for _, a := range page.Items {
			names = append(names, a.Name)
		}
		return names
	}
	for _, tc := range []struct{ query, want string }{
		{"", "Ủy ban nhân dân tỉnh Quảng Trị,UBND xã Triệu Phong"},
		{"&q=" + url.QueryEscape("trieu phong"), "UBND xã Triệu Phong"},
		{"&q=" + url.QueryEscape("chinh quyen xa"), "UBND xã Triệu Phong"},
		{"&level=province", "Ủy ban nhân dân tỉnh Quảng Trị"},
		{"&parent_id=" + ubndt.ID, "UBND xã Triệu Phong"},
		{"&org_unit_id=" + w.c1.ID, "UBND xã Triệu Phong"},
		{"&active_on=2025-01-01", "Ủy ban nhân dân tỉnh Quảng Trị"},
		{"&kind=police", ""},
	} {
		if got := strings.Join(list("off1", tc.query), ","); got != tc.want {
			t.Errorf("list %s = %q, want %q", tc.query, got, tc.want)
		}
	}
	if r := w.do(http.MethodGet, "/api/v1/addressees"+q+"&level=thon", "off1", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad level filter: %d", r.status)
	}
	// Paging: two pages of one.
	var p1, p2 store.Page[store.Addressee]
	w.do(http.MethodGet, "/api/v1/addressees"+q+"&limit=1", "off1", nil).json(t, &p1)
	w.do(http.MethodGet, "/api/v1/addressees"+q+"&limit=1&cursor="+p1.NextCursor, "off1", nil).json(t, &p2)
	if len(p1.Items) != 1 || len(p2.Items) != 1 || p1.Items[0].ID == p2.Items[0].ID || p2.NextCursor != "" {
		t.Errorf("pages %+v %+v", p1, p2)
	}
	// Match what an official typed.
	var m api.AddresseeMatch
	w.do(http.MethodGet, "/api/v1/addressees/match"+q+"&text="+url.QueryEscape("ubnd xa")+"&cell_id="+w.cellA.ID, "off1", nil).json(t, &m)
	if m.Addressee == nil || m.Addressee.ID != ubndx.ID {
		t.Errorf("match: %+v", m.Addressee)
	}
	// Responders: off1 has no responder role; naming it gives it one.
	r = w.do(http.MethodPost, "/api/v1/addressees/"+ubndx.ID+"/responders", "padmin", map[string]any{"user_id": w.users["off1"].ID})
	if r.status != http.StatusCreated {
		t.Fatalf("add responder: %d %s", r.status, r.body)
	}
	var d store.AddresseeDetail
	r.json(t, &d)
	if len(d.Responders) != 1 || d.Responders[0].UserID != w.users["off1"].ID || len(d.Parents) != 1 || d.Parents[0].ID != ubndt.ID {
		t.Errorf("detail: %+v", d)
	}
	n, _ := w.db.R.NewSelect().Model((*store.RoleGrant)(nil)).Where("user_id = ? AND role = ?", w.users["off1"].ID, domain.RoleResponder).Count(context.Background())
	if n != 1 {
		t.Errorf("%d responder grants, want 1", n)
	}
	if r := w.do(http.MethodPost, "/api/v1/addressees/"+ubndx.ID+"/responders", "padmin", map[string]any{"user_id": w.users["off1"].ID}); r.status != http.StatusConflict {
		t.Errorf("twice: %d", r.status)
	}
	if r := w.do(http.MethodPost, "/api/v1/addressees/"+ubndx.ID+"/responders", "padmin", map[string]any{"user_id": w.users["otheradmin"].ID}); r.status != http.StatusBadRequest {
		t.Errorf("a user of another province: %d", r.status)
	}
	if r := w.do(http.MethodDelete, "/api/v1/addressees/"+ubndx.ID+"/responders/"+w.users["off1"].ID, "padmin", nil); r.status != http.StatusNoContent {
		t.Errorf("remove responder: %d", r.status)
	}
	// In use: a recommendation names it; delete refuses, retire works.
	if _, err := w.db.W.NewUpdate().Model((*store.Recommendation)(nil)).Set("addressee_id = ?", ubndx.ID).Where("id = ?", w.recA.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := w.do(http.MethodDelete, "/api/v1/addressees/"+ubndx.ID, "padmin", nil); r.status != http.StatusConflict {
		t.Errorf("delete in use: %d %s", r.status, r.body)
	}
	var ret store.Addressee
	r = w.do(http.MethodPost, "/api/v1/addressees/"+ubndx.ID+"/retire", "padmin", map[string]any{"active_to": "2026-01-31"})
	r.json(t, &ret)
	if r.status != http.StatusOK || ret.ActiveTo.String() != "2026-01-31" {
		t.Errorf("retire: %d %s", r.status, r.body)
	}
	if got := list("off1", "&active_on=2026-02-01"); strings.Join(got, ",") != "Ủy ban nhân dân tỉnh Quảng Trị" {
		t.Errorf("after retiring: %v", got)
	}
	// Delete an unused one.
	var tmp store.Addressee
	create("padmin", map[string]any{"name": "Sở Tài chính", "kind": "government", "level": "province"}).json(t, &tmp)
	if r := w.do(http.MethodDelete, "/api/v1/addressees/"+tmp.ID, "padmin", nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/addressees/"+tmp.ID, "padmin", nil); r.status != http.StatusNotFound {
		t.Errorf("deleted: %d", r.status)
	}
	// Every write audited.
	n, _ = w.db.R.NewSelect().Model((*store.AuditEntry)(nil)).Where("entity = ?", "addressee").Count(context.Background())
	if n < 7 {
		t.Errorf("%d audit entries of addressees", n)
	}
	checkBuckets(t, w)
}

// directoryBook builds a directory workbook as an office keeps it: merged title rows, a blank line, the header,
// the column numbering, the rows.
func directoryBook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]any{{"TỈNH ỦY QUẢNG TRỊ"}, {"DANH BẠ CÁC CƠ QUAN, ĐƠN VỊ NHẬN KIẾN NGHỊ CỦA CỬ TRI"}, {},
		{"STT", "Tên cơ quan, đơn vị", "Viết tắt", "Cấp", "Loại", "Cơ quan cấp trên", "Tên gọi khác", "Từ ngày"},
		{"(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"}}, rows...)
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.MergeCell("Sheet1", "A1", "H1")
	_ = f.MergeCell("Sheet1", "A2", "H2")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (w *world) uploadDirectory(who, unitID, mode string, file []byte) response {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org_unit_id", unitID)
	_ = mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", "danh-ba.xlsx")
	_, _ = fw.Write(file)
	mw.Close()
	return w.do(http.MethodPost, "/api/v1/addressees/import", who, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// TestAddresseesImport: a messy file previews row by row with the line, the column and the accepted values; a
// commit with an error writes nothing; the corrected file writes all, parents first; again, nothing changes.
func TestAddresseesImport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	rows := [][]any{
		{1, "Công an xã Triệu Phong", "Công an xã", "Cấp xã", "Công an", "Công an tỉnh Quảng Trị", "", "01/07/2025"}, // parent below it
		{2, norm.NFD.String("  Ủy ban   nhân dân tỉnh "), "UBND tỉnh", "TỈNH", "Chính quyền", "", "", "01/07/2025"},
		{3, "UBND xã Triệu Phong", "UBND xã", "cấp xã", "chính quyền", "Ủy ban nhân dân tỉnh", "Ủy ban xã; Chính quyền xã", "1/7/2025"},
		{4, "Công an tỉnh Quảng Trị", "", "Tỉnh", "công an", "", "", ""},
		{5, "Ủy ban MTTQ Việt Nam xã Triệu Phong", "Mặt trận xã", "Xã", "Mặt trận", "", "", "01/07/2025"},
		{6, "Hội Nông dân xã Triệu Phong", "", "Cấp thôn", "Đoàn thể", "Ủy ban MTTQ Việt Nam xã Triệu Phong", "", "31/02/2025"},
		{7, "Điện lực khu vực Triệu Phong", "", "Xã", "Doanh nghiệp", "Công ty Điện lực", "", ""},
	}
	r := w.uploadDirectory("padmin", w.province.ID, "preview", directoryBook(t, rows))
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	var res struct {
		Plan struct {
			Rows []struct {
				Line    int    `json:"line"`
				Name    string `json:"name"`
				Outcome string `json:"outcome"`
				Unit    string `json:"org_unit"`
				Parent  string `json:"parent"`
				Issues  []struct {
					Column    string `json:"column"`
					Code      string `json:"code"`
					MessageVI string `json:"message_vi"`
				} `json:"issues"`
			} `json:"rows"`
			Errors int `json:"errors"`
		} `json:"plan"`
	}
	r.json(t, &res)
	if len(res.Plan.Rows) != 7 || res.Plan.Errors != 3 {
		t.Fatalf("plan: %s", r.body)
	}
	row6, row7 := res.Plan.Rows[5], res.Plan.Rows[6]
	if row6.Line != 11 || len(row6.Issues) != 2 || row6.Issues[0].Code != "addrimp.bad_level" ||
		!strings.Contains(row6.Issues[0].MessageVI, "Dòng 11, cột D (Cấp)") || !strings.Contains(row6.Issues[0].MessageVI, "“Tỉnh”") ||
		row6.Issues[1].Code != "addrimp.bad_date" {
		t.Errorf("row 6: %+v", row6)
	}
	if len(row7.Issues) != 1 || row7.Issues[0].Code != "addrimp.bad_parent" || !strings.Contains(row7.Issues[0].Column, "F") {
		t.Errorf("row 7: %+v", row7)
	}
	if got := res.Plan.Rows[2]; got.Outcome != "create" || got.Unit != "Đảng bộ xã Triệu Phong" || got.Parent == "" {
		t.Errorf("row 3: %+v", got)
	}
	// A commit with errors writes nothing.
	if r := w.uploadDirectory("padmin", w.province.ID, "commit", directoryBook(t, rows)); r.status != http.StatusBadRequest {
		t.Fatalf("commit with errors: %d %s", r.status, r.body)
	}
	n, _ := w.db.R.NewSelect().Model((*store.Addressee)(nil)).Count(context.Background())
	if n != 0 {
		t.Fatalf("%d bodies after a refused commit", n)
	}
	// Scope: a commune admin cannot import the province's directory.
	if r := w.uploadDirectory("admin1", w.c1.ID, "preview", directoryBook(t, rows)); r.status != http.StatusForbidden {
		t.Errorf("commune admin: %d", r.status)
	}
	// Corrected: writes all, parents first.
	rows[5][3], rows[5][7] = "Cấp xã", "28/02/2025"
	rows[6] = []any{7, "Điện lực khu vực Triệu Phong", "", "Xã", "Doanh nghiệp", "", "", ""}
	r = w.uploadDirectory("padmin", w.province.ID, "commit", directoryBook(t, rows))
	var done api.AddresseeImportResult
	r.json(t, &done)
	if r.status != http.StatusOK || !done.Committed || done.Written["create"] != 7 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	var ca store.Addressee
	if err := w.db.R.NewSelect().Model(&ca).Where("name = ?", "Công an xã Triệu Phong").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var parent store.Addressee
	if err := w.db.R.NewSelect().Model(&parent).Where("id = ?", *ca.ParentID).Scan(context.Background()); err != nil || parent.Name != "Công an tỉnh Quảng Trị" {
		t.Errorf("parent of Công an xã: %q %v", parent.Name, err)
	}
	if ca.OrgUnitID == nil || *ca.OrgUnitID != w.c1.ID || ca.Level != domain.LevelCommune || ca.Kind != domain.AddrPolice || ca.ActiveFrom.String() != "2025-07-01" {
		t.Errorf("Công an xã: %+v", ca)
	}
	// Again: nothing changes.
	r = w.uploadDirectory("padmin", w.province.ID, "commit", directoryBook(t, rows))
	r.json(t, &done)
	if r.status != http.StatusOK || done.Written["unchanged"] != 7 {
		t.Errorf("again: %d %s", r.status, r.body)
	}
	// The same short name in two communes: two bodies, each at its commune; again, each matches its own.
	f := excelize.NewFile()
	for i, r := range [][]any{{"Tên cơ quan", "Cấp", "Loại", "Xã, phường"}, {"Hội Nông dân", "Xã", "Đoàn thể", "xã Triệu Phong"},
		{"Hội Nông dân", "Xã", "Đoàn thể", "Đảng bộ xã Ái Tử"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = f.SetSheetRow("Sheet1", cell, &r)
	}
	var two bytes.Buffer
	_ = f.Write(&two)
	f.Close()
	for _, want := range []string{"create", "unchanged"} {
		r = w.uploadDirectory("padmin", w.province.ID, "commit", two.Bytes())
		r.json(t, &done)
		if r.status != http.StatusOK || done.Written[want] != 2 {
			t.Errorf("two communes' Hội Nông dân, want 2 %s: %d %s", want, r.status, r.body)
		}
	}
	// The template opens and has the header the import reads.
	tr := w.do(http.MethodGet, "/api/v1/addressees/template.xlsx", "padmin", nil)
	if tr.status != http.StatusOK {
		t.Fatalf("template: %d", tr.status)
	}
	r = w.uploadDirectory("padmin", w.province.ID, "preview", tr.body)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"outcome":"unchanged"`) {
		t.Errorf("template as a file: %d %s", r.status, r.body)
	}
	checkBuckets(t, w)
}
