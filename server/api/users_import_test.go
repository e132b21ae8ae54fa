package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/userimport"
)

// officialsBook builds a decision's list of officials as an office keeps it: the letterhead, a title, the
// header (its cells with line breaks and stray spaces), the rows, the signature block.
func officialsBook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]any{
		{"ĐẢNG BỘ XÃ TRIỆU PHONG", nil, nil, "ĐẢNG CỘNG SẢN VIỆT NAM"},
		{"BAN THƯỜNG VỤ"},
		{"DANH SÁCH CÁN BỘ ĐƯỢC PHÂN CÔNG DỰ SINH HOẠT CHI BỘ"},
		{"(Kèm theo Quyết định số 125-QĐ/ĐU ngày 02/01/2026)"},
		{},
		{"STT", " Họ và tên\n(ghi đầy đủ) ", "Chức vụ", "Số điện thoại", "Đơn vị  công tác", "Vai trò", "Phạm vi", "Từ ngày", "Đến ngày", "Chi bộ\nphụ trách", "Ghi chú"},
	}, rows...)
	all = append(all, []any{}, []any{nil, nil, nil, nil, nil, nil, "T/M BAN THƯỜNG VỤ"}, []any{nil, nil, nil, nil, nil, nil, "BÍ THƯ"},
		[]any{nil, nil, nil, nil, nil, nil, "Lê Văn Sáu"})
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

func (w *world) importUsers(who, unitID, mode string, file []byte, decision ...string) response {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org_unit_id", unitID)
	_ = mw.WriteField("mode", mode)
	if len(decision) == 2 {
		_ = mw.WriteField("decision_number", decision[0])
		_ = mw.WriteField("decision_date", decision[1])
	}
	fw, _ := mw.CreateFormFile("file", "quyet-dinh-125.xlsx")
	_, _ = fw.Write(file)
	mw.Close()
	return w.do(http.MethodPost, "/api/v1/users/import", who, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

func nfd(s string) string { return norm.NFD.String(s) }

// outcomes lists each row's line and outcome.
func outcomes(p *userimport.Plan) map[int]userimport.Outcome {
	out := map[int]userimport.Outcome{}
	for _, r := range p.Rows {
		out[r.Line] = r.Outcome
	}
	return out
}

// An office's list, with its mistakes, previews row by row with messages naming the line and the column; the
// commit refuses it whole; fixed, it commits once, creating users with one-time passwords, grants with dates and
// assignments carrying the decision, and a second commit changes nothing. An imported official then signs in,
// must change the password, and sees its cells.
func TestUsersImportMessyFile(t *testing.T) {
	w := newWorld(t)
	rows := [][]any{
		// line 7: decomposed Unicode, extra spaces, a unit name without diacritics, two cells (one without "Chi bộ").
		{1, nfd("  Hoàng   Văn  Thái "), "Phó Chủ tịch UBND", "0912 345 678", "xa Trieu Phong", nfd("Cán bộ dự sinh hoạt"), "", "02/01/2026", "31/12/2026", "Chi bo thon An Loi; Phước Thị", ""},
		// line 8: a supervisor over the commune; the start date an Excel date serial (46024 = 02/01/2026).
		{2, "Trần Thị Mai", "Trưởng ban Xây dựng Đảng", "", "Đảng bộ xã Triệu Phong", "Giám sát", "Triệu Phong", 46024, "", "", ""},
		// line 9: an unknown role.
		{3, "Lê Văn Bảy", "", "", "", "Thư ký", "", "", "", "", ""},
		// line 10: a cell of another commune (outside the unit imported into) and a bad date.
		{4, "Phạm Thị Tám", "", "", "", "", "", "31/02/2026", "", "Chi bộ khu phố 3", ""},
	}
	r := w.importUsers("admin1", w.c1.ID, "preview", officialsBook(t, rows), "125-QĐ/ĐU", "02/01/2026")
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	var res api.UsersImportResult
	r.json(t, &res)
	want := map[int]userimport.Outcome{7: userimport.OutcomeCreate, 8: userimport.OutcomeCreate, 9: userimport.OutcomeError, 10: userimport.OutcomeError}
	if diff := cmp.Diff(want, outcomes(res.Plan)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s\n%s", diff, r.body)
	}
	if res.Plan.ErrorRows != 2 || res.Plan.Creates != 2 || res.Plan.NewUsers != 2 {
		t.Errorf("counts: %+v", res.Plan)
	}
	// Every error of every row at once, in Vietnamese, naming the column as the file writes it.
	type msg struct {
		Line   int
		Column string
		Code   string
	}
	var got []msg
	for _, e := range res.Plan.Errors {
		got = append(got, msg{e.Line, e.Column, e.Code})
	}
	wantMsgs := []msg{
		{9, "Vai trò", "users_import.bad_role"},
		{10, "Từ ngày", "users_import.bad_date"},
		{10, "Chi bộ phụ trách", "users_import.unknown_cell"},
	}
	if diff := cmp.Diff(wantMsgs, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(r.body), "Giám sát, Cán bộ dự sinh hoạt") || !strings.Contains(string(r.body), `Không tìm thấy chi bộ \"Chi bộ khu phố 3\"`) {
		t.Errorf("messages do not list the accepted roles or name the cell: %s", r.body)
	}
	row7 := res.Plan.Rows[0]
	if row7.FullName != "Hoàng Văn Thái" || row7.Username != "thaihv" || row7.HomeUnit != w.c1.Name || len(row7.Cells) != 2 ||
		row7.Cells[0].CellName != w.cellA.Name || row7.Cells[1].CellName != w.cellB.Name || row7.ValidFrom.String() != "2026-01-02" {
		t.Errorf("line 7: %+v", row7)
	}

	// The commit refuses the file with errors and writes nothing.
	r = w.importUsers("admin1", w.c1.ID, "commit", officialsBook(t, rows), "125-QĐ/ĐU", "02/01/2026")
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "dòng lỗi") {
		t.Fatalf("commit with errors: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/users?q=hoang+van+thai", "admin1", nil); strings.Contains(string(r.body), "thaihv") {
		t.Fatalf("a refused commit wrote users: %s", r.body)
	}

	// Fixed: the role written as offices do, the other commune's official left out.
	fixed := [][]any{rows[0], rows[1], {3, "Lê Văn Bảy", "", "", "", "bí thư chi bộ", "Chi bộ thôn An Lợi", "", "", "", ""}}
	r = w.importUsers("admin1", w.c1.ID, "commit", officialsBook(t, fixed), "125-QĐ/ĐU", "2026-01-02")
	if r.status != http.StatusOK {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	r.json(t, &res)
	if !res.Committed || res.Result.UsersCreated != 3 || res.Result.GrantsCreated != 3 || res.Result.AssignmentsCreated != 2 || len(res.Result.Credentials) != 3 {
		t.Fatalf("commit result: %s", r.body)
	}
	pw := map[string]string{}
	for _, c := range res.Result.Credentials {
		pw[c.Username] = c.Password
	}
	// The assignments carry the decision.
	var thai store.UserView
	w.do(http.MethodGet, "/api/v1/users/"+res.Result.Credentials[0].UserID, "admin1", nil).json(t, &thai)
	if thai.Username != "thaihv" || !thai.MustChange || len(thai.Grants) != 1 || thai.Grants[0].ValidTo.String() != "2026-12-31" {
		t.Errorf("imported user: %+v", thai)
	}
	var as store.Page[store.AssignmentView]
	w.do(http.MethodGet, "/api/v1/assignments?official_id="+thai.ID, "admin1", nil).json(t, &as)
	if len(as.Items) != 2 || as.Items[0].DecisionNumber != "125-QĐ/ĐU" || as.Items[0].DecisionDate.String() != "2026-01-02" ||
		as.Items[0].StartsOn.String() != "2026-01-02" || as.Items[0].EndsOn.String() != "2026-12-31" {
		t.Errorf("assignments: %+v", as.Items)
	}

	// Committing the same file again changes nothing.
	r = w.importUsers("admin1", w.c1.ID, "commit", officialsBook(t, fixed), "125-QĐ/ĐU", "02/01/2026")
	var again api.UsersImportResult
	r.json(t, &again)
	if r.status != http.StatusOK || again.Plan.Unchanged != 3 || again.Result.UsersCreated+again.Result.GrantsCreated+again.Result.AssignmentsCreated+again.Result.UsersUpdated != 0 {
		t.Errorf("second commit: %d %s", r.status, r.body)
	}

	// The official signs in with the one-time password, must change it, then sees its two cells.
	lr, tr := login(t, w, "thaihv", pw["thaihv"])
	if lr.status != http.StatusOK || !tr.MustChangePassword {
		t.Fatalf("login: %d %s", lr.status, lr.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/org-units", "", nil, bearer(tr.AccessToken)...); r.status != http.StatusForbidden {
		t.Errorf("before the change: %d", r.status)
	}
	r = w.do(http.MethodPut, "/api/v1/me/password", "", map[string]string{"current_password": pw["thaihv"], "new_password": "dong-ha-mua-thu"}, bearer(tr.AccessToken)...)
	if r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	_, tr = login(t, w, "thaihv", "dong-ha-mua-thu")
	var me api.Me
	w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tr.AccessToken)...).json(t, &me)
	var cells []string
	for _, c := range me.AssignedCells {
		cells = append(cells, c.Name)
	}
	if diff := cmp.Diff([]string{w.cellA.Name, w.cellB.Name}, cells); diff != "" {
		t.Errorf("the official's cells (-want +got):\n%s", diff)
	}
}

// An import is an administrator's, within its subtree: a supervisor, or the admin of another commune, is refused;
// a user of another commune cannot be taken over by username.
func TestUsersImportScope(t *testing.T) {
	w := newWorld(t)
	book := officialsBook(t, [][]any{{1, "Võ Văn Chín", "", "", "", "Cán bộ", "", "", "", "An Lợi", ""}})
	for _, who := range []string{"sup1", "admin2", "off1"} {
		if r := w.importUsers(who, w.c1.ID, "preview", book); r.status != http.StatusForbidden {
			t.Errorf("%s: %d %s", who, r.status, r.body)
		}
	}
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Họ và tên", "Tên đăng nhập", "Vai trò"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Người lạ", "off2", "Giám sát"})
	var buf bytes.Buffer
	_ = f.Write(&buf)
	r := w.importUsers("admin1", w.c1.ID, "preview", buf.Bytes())
	var res api.UsersImportResult
	r.json(t, &res)
	if len(res.Plan.Errors) != 1 || res.Plan.Errors[0].Code != "users_import.user_elsewhere" {
		t.Errorf("a user of another commune: %s", r.body)
	}
	if r := w.importUsers("admin1", w.c1.ID, "preview", []byte("Họ và tên;Vai trò\nA;B\n")); r.status != http.StatusBadRequest {
		t.Errorf("a CSV file: %d %s", r.status, r.body)
	}
	if r := w.importUsers("admin1", w.c1.ID, "preview", book, "1-QĐ", "32/13/2026"); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "decision_date") {
		t.Errorf("a bad decision date: %d %s", r.status, r.body)
	}
}

// The template downloads, and filled in with the installation's names it imports as it is.
func TestUsersTemplateRoundTrip(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/users/template.xlsx", "admin1", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", r.status, r.header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	_ = f.SetSheetRow(sheet, "B5", &[]any{"Đặng Thị Mười", "muoi.dt", "", "", "Đảng bộ xã Triệu Phong", "Cán bộ dự sinh hoạt", "", "01/03/2026", "", "Chi bộ thôn An Lợi"})
	var buf bytes.Buffer
	_ = f.Write(&buf)
	r = w.importUsers("admin1", w.c1.ID, "commit", buf.Bytes())
	var res api.UsersImportResult
	r.json(t, &res)
	if r.status != http.StatusOK || res.Result == nil || res.Result.UsersCreated != 1 || res.Result.AssignmentsCreated != 1 || res.Result.Credentials[0].Username != "muoi.dt" {
		t.Errorf("template import: %d %s", r.status, r.body)
	}
}

// An admin creates a user without a password (a one-time password comes back once), resets a password, grants a
// role from a day and ends it: a grant not yet in force gives nothing.
func TestUserOneTimePasswordsAndGrantDates(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodPost, "/api/v1/users", "admin1", map[string]any{"username": "giamsat.moi", "display_name": "Giám sát mới", "home_org_unit_id": w.c1.ID})
	var created api.UserCreated
	r.json(t, &created)
	if r.status != http.StatusCreated || len(created.OneTimePassword) != 14 || !created.MustChange {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if lr, tr := login(t, w, "giamsat.moi", created.OneTimePassword); lr.status != http.StatusOK || !tr.MustChangePassword {
		t.Fatalf("login: %d %s", lr.status, lr.body)
	}
	// Reset: a new password, the old one no longer works; only an admin of the user may.
	if r := w.do(http.MethodPost, "/api/v1/users/"+created.ID+"/password-reset", "admin2", nil); r.status != http.StatusForbidden {
		t.Errorf("another commune's admin: %d", r.status)
	}
	if r := w.do(http.MethodPost, "/api/v1/users/"+created.ID+"/password-reset", "sup1", nil); r.status != http.StatusForbidden {
		t.Errorf("a supervisor: %d", r.status)
	}
	r = w.do(http.MethodPost, "/api/v1/users/"+created.ID+"/password-reset", "admin1", nil)
	var reset api.PasswordReset
	r.json(t, &reset)
	if r.status != http.StatusOK || reset.OneTimePassword == created.OneTimePassword || !reset.User.MustChange {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if lr, _ := login(t, w, "giamsat.moi", created.OneTimePassword); lr.status != http.StatusUnauthorized {
		t.Errorf("old password: %d", lr.status)
	}
	lr, tr := login(t, w, "giamsat.moi", reset.OneTimePassword)
	if lr.status != http.StatusOK {
		t.Fatalf("login with the reset password: %d %s", lr.status, lr.body)
	}
	w.do(http.MethodPut, "/api/v1/me/password", "", map[string]string{"current_password": reset.OneTimePassword, "new_password": "lua-chin-vang-dong"}, bearer(tr.AccessToken)...)
	_, tr = login(t, w, "giamsat.moi", "lua-chin-vang-dong")

	// A grant from tomorrow gives nothing today; moved to today it does; ended yesterday it does not.
	day := domain.DateOf(store.Now())
	today, tomorrow, yesterday := day.String(), day.AddDays(1).String(), day.AddDays(-1).String()
	r = w.do(http.MethodPost, "/api/v1/users/"+created.ID+"/grants", "admin1", map[string]any{"role": "supervisor", "org_unit_id": w.c1.ID, "valid_from": tomorrow})
	var g store.GrantView
	r.json(t, &g)
	if r.status != http.StatusCreated || g.ValidFrom.String() != tomorrow {
		t.Fatalf("grant: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID, "", nil, bearer(tr.AccessToken)...); r.status != http.StatusNotFound {
		t.Errorf("a grant not yet in force reads a cell: %d", r.status)
	}
	var me api.Me
	w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tr.AccessToken)...).json(t, &me)
	if len(me.Grants) != 0 {
		t.Errorf("/me shows a grant not yet in force: %+v", me.Grants)
	}
	var admins store.UserView
	w.do(http.MethodGet, "/api/v1/users/"+created.ID, "admin1", nil).json(t, &admins)
	if len(admins.Grants) != 1 {
		t.Errorf("the admin sees the grant to come: %+v", admins.Grants)
	}
	r = w.do(http.MethodPatch, "/api/v1/grants/"+g.ID, "admin1", map[string]any{"valid_from": today})
	if r.status != http.StatusOK {
		t.Fatalf("move the start: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID, "", nil, bearer(tr.AccessToken)...); r.status != http.StatusOK {
		t.Errorf("a grant in force: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPatch, "/api/v1/grants/"+g.ID, "admin1", map[string]any{"valid_from": today, "valid_to": yesterday}); r.status != http.StatusBadRequest {
		t.Errorf("an end before the start: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPatch, "/api/v1/grants/"+g.ID, "admin2", map[string]any{"valid_to": yesterday}); r.status != http.StatusForbidden {
		t.Errorf("another commune's admin ends it: %d", r.status)
	}
	if r := w.do(http.MethodPatch, "/api/v1/grants/"+g.ID, "admin1", map[string]any{"valid_from": nil, "valid_to": yesterday}); r.status != http.StatusOK {
		t.Fatalf("end it: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID, "", nil, bearer(tr.AccessToken)...); r.status != http.StatusNotFound {
		t.Errorf("an ended grant reads a cell: %d", r.status)
	}
	// Disabling ends the sessions.
	if r := w.do(http.MethodPatch, "/api/v1/users/"+created.ID, "admin1", map[string]any{"active": false}); r.status != http.StatusOK {
		t.Fatalf("disable: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tr.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d", r.status)
	}
}

// The audit log filters by unit (its subtree), user, table and period, with each record before and after, page by
// page, and shows an admin only its subtrees.
func TestAuditFilters(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"Nguyễn Văn Một", "Nguyễn Văn Hai", "Nguyễn Văn Ba"} {
		if r := w.do(http.MethodPost, "/api/v1/members", "admin1", map[string]any{"cell_id": w.cellA.ID, "full_name": name}); r.status != http.StatusCreated {
			t.Fatalf("member: %d %s", r.status, r.body)
		}
	}
	if r := w.do(http.MethodPatch, "/api/v1/members/"+w.memberB.ID, "admin1", map[string]any{"full_name": "Lê Thị Hoa Mai"}); r.status != http.StatusOK {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPatch, "/api/v1/members/"+w.memberX.ID, "admin2", map[string]any{"full_name": "Trần Quốc Tuấn"}); r.status != http.StatusOK {
		t.Fatalf("update X: %d %s", r.status, r.body)
	}
	list := func(who, query string) (store.Page[store.AuditView], int) {
		var p store.Page[store.AuditView]
		r := w.do(http.MethodGet, "/api/v1/audit?"+query, who, nil)
		if r.status == http.StatusOK {
			r.json(t, &p)
		}
		return p, r.status
	}
	today := domain.DateOf(store.Now()).String()
	q := url.Values{"unit": {w.cellA.ID}, "table": {"member"}, "user": {w.users["admin1"].ID}, "from": {today}, "to": {today}, "limit": {"2"}}
	p, st := list("admin1", q.Encode())
	if st != http.StatusOK || len(p.Items) != 2 || p.NextCursor == "" {
		t.Fatalf("first page: %d %+v", st, p)
	}
	q.Set("cursor", p.NextCursor)
	p2, _ := list("admin1", q.Encode())
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID >= p.Items[1].ID {
		t.Errorf("second page: %+v", p2)
	}
	if e := p.Items[0]; e.ActorName != w.users["admin1"].DisplayName || e.OrgUnitName != w.cellA.Name || e.After == nil || e.Before != nil {
		t.Errorf("entry: %+v", e)
	}
	// The update keeps before and after.
	p, _ = list("admin1", url.Values{"unit": {w.cellB.ID}, "table": {"member"}}.Encode())
	if len(p.Items) == 0 || p.Items[0].Before == nil || !strings.Contains(*p.Items[0].Before, "Lê Thị Hoa") || !strings.Contains(*p.Items[0].After, "Hoa Mai") {
		t.Errorf("update entry: %+v", p.Items)
	}
	// A period before today is empty; another commune's admin sees nothing of C1; a unit outside is not found.
	yesterday := domain.DateOf(store.Now()).AddDays(-1).String()
	if p, _ := list("admin1", "table=member&to="+yesterday); len(p.Items) != 0 {
		t.Errorf("yesterday: %+v", p.Items)
	}
	p, _ = list("admin2", "table=member")
	for _, e := range p.Items {
		if e.EntityID != w.memberX.ID {
			t.Errorf("admin2 sees %+v", e)
		}
	}
	if _, st := list("admin2", "unit="+w.cellA.ID); st != http.StatusNotFound {
		t.Errorf("admin2 filters by a C1 cell: %d", st)
	}
	if p, st := list("sup1", "table=member&unit="+w.c1.ID+"&user="+w.users["admin1"].ID); st != http.StatusOK || len(p.Items) != 4 {
		t.Errorf("supervisor reads: %d %d", st, len(p.Items))
	}
	if _, st := list("off1", ""); st != http.StatusForbidden {
		t.Errorf("official: %d", st)
	}
	if _, st := list("admin1", "from=2026-02-01&to=2026-01-01"); st != http.StatusBadRequest {
		t.Errorf("to before from: %d", st)
	}
}

// Rows about people the installation already has: a user found by name (without a username) whose title changes,
// an earlier assignment to the same cell kept with a warning, a disabled account re-enabled with a warning, and one
// person on two rows (two roles) who is one account.
func TestUsersImportExistingPeople(t *testing.T) {
	w := newWorld(t)
	if r := w.do(http.MethodPatch, "/api/v1/users/"+w.users["sup1"].ID, "admin1", map[string]any{"active": false}); r.status != http.StatusOK {
		t.Fatalf("disable: %d", r.status)
	}
	rows := [][]any{
		{1, "người dùng OFF1", "Bí thư Đoàn xã", "", "", "Cán bộ", "", "01/02/2026", "", "Chi bộ thôn An Lợi", ""},
		{2, "Người dùng sup1", "", "", "", "Giám sát", "", "", "", "", ""},
		{3, "Đinh Công Hai", "", "", "", "Giám sát", "Triệu Phong", "", "", "", ""},
		{4, "Đinh  Công Hai", "", "", "", "", "", "", "", "Phước Thị", ""},
	}
	r := w.importUsers("admin1", w.c1.ID, "preview", officialsBook(t, rows))
	var res api.UsersImportResult
	r.json(t, &res)
	want := map[int]userimport.Outcome{7: userimport.OutcomeWarning, 8: userimport.OutcomeWarning, 9: userimport.OutcomeCreate, 10: userimport.OutcomeCreate}
	if diff := cmp.Diff(want, outcomes(res.Plan)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s\n%s", diff, r.body)
	}
	if res.Plan.Rows[0].UserID != w.users["off1"].ID || res.Plan.Rows[0].Warnings[0].Code != "users_import.assignment_kept_open" ||
		res.Plan.Rows[0].Cells[0].Action != "kept" || res.Plan.Rows[0].GrantAction != "update" ||
		cmp.Diff([]string{"title"}, res.Plan.Rows[0].UserChanges) != "" || res.Plan.Rows[1].Warnings[0].Code != "users_import.reactivated" ||
		res.Plan.Rows[2].Username != res.Plan.Rows[3].Username || res.Plan.NewUsers != 1 {
		t.Errorf("rows: %s", r.body)
	}
	r = w.importUsers("admin1", w.c1.ID, "commit", officialsBook(t, rows))
	r.json(t, &res)
	if r.status != http.StatusOK || res.Result.UsersCreated != 1 || res.Result.UsersUpdated != 2 || res.Result.GrantsCreated != 2 ||
		res.Result.GrantsUpdated != 1 || res.Result.AssignmentsCreated != 1 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	var sup store.UserView
	w.do(http.MethodGet, "/api/v1/users/"+w.users["sup1"].ID, "admin1", nil).json(t, &sup)
	var off store.UserView
	w.do(http.MethodGet, "/api/v1/users/"+w.users["off1"].ID, "admin1", nil).json(t, &off)
	if !sup.Active || off.Title != "Bí thư Đoàn xã" {
		t.Errorf("updated users: %+v %+v", sup.User, off.User)
	}
	// Again: the warnings stay (the earlier assignment is still kept), nothing else happens.
	r = w.importUsers("admin1", w.c1.ID, "commit", officialsBook(t, rows))
	r.json(t, &res)
	if res.Result.UsersCreated+res.Result.UsersUpdated+res.Result.GrantsCreated+res.Result.GrantsUpdated+res.Result.AssignmentsCreated != 0 || res.Plan.Unchanged != 3 {
		t.Errorf("second commit: %s", r.body)
	}
}
