package api_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestForeignSubtreeIsInvisibleAndReadOnly checks every role scoped to commune 1 against commune 2: reads of
// foreign records answer 404, writes 403, and lists leave them out.
func TestForeignSubtreeIsInvisibleAndReadOnly(t *testing.T) {
	w := newWorld(t)
	for _, who := range []string{"admin1", "sup1", "off1", "sec1"} {
		t.Run(who, func(t *testing.T) {
			reads := []string{
				"/api/v1/org-units/" + w.cellX.ID,
				"/api/v1/org-units/" + w.c2.ID,
				"/api/v1/members/" + w.memberX.ID,
				"/api/v1/users/" + w.users["admin2"].ID,
				"/api/v1/meetings/" + w.meetingX.ID,
				"/api/v1/recommendations/" + w.recX.ID,
				"/api/v1/assignments/" + w.assignX.ID,
				"/api/v1/reference?org_unit_id=" + w.cellX.ID,
			}
			for _, path := range reads {
				if r := w.do(http.MethodGet, path, who, nil); r.status != http.StatusNotFound {
					t.Errorf("GET %s: status %d, want 404 (%s)", path, r.status, r.body)
				}
			}
			writes := []struct{ method, path, body string }{
				{http.MethodPatch, "/api/v1/org-units/" + w.cellX.ID, `{"name":"Đổi tên"}`},
				{http.MethodDelete, "/api/v1/org-units/" + w.cellX.ID, ``},
				{http.MethodPost, "/api/v1/org-units", `{"parent_id":"` + w.c2.ID + `","kind":"cell","name":"Chi bộ mới"}`},
				{http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellX.ID + `","full_name":"Phạm Văn Mới"}`},
				{http.MethodPatch, "/api/v1/members/" + w.memberX.ID, `{"full_name":"Đổi tên"}`},
				{http.MethodDelete, "/api/v1/members/" + w.memberX.ID, ``},
				{http.MethodPost, "/api/v1/users", `{"username":"moi","password":"mat-khau-dai","display_name":"Mới","home_org_unit_id":"` + w.c2.ID + `"}`},
				{http.MethodPatch, "/api/v1/users/" + w.users["off2"].ID, `{"active":false}`},
				{http.MethodDelete, "/api/v1/users/" + w.users["off2"].ID, ``},
				{http.MethodPost, "/api/v1/users/" + w.users["off2"].ID + "/grants", `{"role":"supervisor","org_unit_id":"` + w.c2.ID + `"}`},
				{http.MethodPost, "/api/v1/assignments", `{"official_ids":["` + w.users["off1"].ID + `"],"cell_ids":["` + w.cellX.ID + `"],"starts_on":"2026-12-01"}`},
				{http.MethodPatch, "/api/v1/assignments/" + w.assignX.ID, `{"note":"đổi"}`},
				{http.MethodPost, "/api/v1/assignments/" + w.assignX.ID + "/end", `{}`},
				{http.MethodPost, "/api/v1/assignments/" + w.assignX.ID + "/cancel", ``},
				{http.MethodPost, "/api/v1/assignments/" + w.assignX.ID + "/acknowledge", ``},
				{http.MethodPut, "/api/v1/org-units/" + w.c2.ID + "/schedule", `{"day_of_month":5,"thematic_months":[3,6,9,12],"eve_reminder":"19:00","morning_reminder":"07:00","report_due_days":3,"digest_at":"08:00"}`},
				{http.MethodDelete, "/api/v1/org-units/" + w.c2.ID + "/schedule", ``},
				{http.MethodPut, "/api/v1/org-units/" + w.cellX.ID + "/schedule/2027-01", `{"cancelled":true}`},
			}
			for _, wr := range writes {
				var body any
				if wr.body != "" {
					body = wr.body
				}
				if r := w.do(wr.method, wr.path, who, body); r.status != http.StatusForbidden {
					t.Errorf("%s %s: status %d, want 403 (%s)", wr.method, wr.path, r.status, r.body)
				}
			}
		})
	}
	// Nothing in commune 2 changed.
	r := w.do(http.MethodGet, "/api/v1/members/"+w.memberX.ID, "root", nil)
	var m struct {
		FullName string `json:"full_name"`
	}
	r.json(t, &m)
	if m.FullName != "Trần Quốc Toản" {
		t.Errorf("foreign member after the refused writes: %q", m.FullName)
	}
}

func listNames(t *testing.T, w *world, path, who, field string) []string {
	t.Helper()
	r := w.do(http.MethodGet, path, who, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", path, who, r.status, r.body)
	}
	var page struct{ Items []map[string]any }
	r.json(t, &page)
	var out []string
	for _, it := range page.Items {
		out = append(out, it[field].(string))
	}
	sort.Strings(out)
	return out
}

// TestListsShowOnlyTheScope checks what each role sees in lists: an official only its assigned cells.
func TestListsShowOnlyTheScope(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		who, path, field string
		want             []string
	}{
		{"off1", "/api/v1/org-units", "name", []string{"Chi bộ thôn An Lợi"}},
		{"off1", "/api/v1/members", "full_name", []string{"Nguyễn Văn Đức"}},
		{"off1", "/api/v1/meetings", "cell_name", []string{"Chi bộ thôn An Lợi"}},
		{"off1", "/api/v1/recommendations", "cell_name", []string{"Chi bộ thôn An Lợi"}},
		{"off1", "/api/v1/assignments", "cell_name", []string{"Chi bộ thôn An Lợi"}},
		{"sec1", "/api/v1/org-units", "name", []string{"Chi bộ thôn Phước Thị"}},
		{"sec1", "/api/v1/members", "full_name", []string{"Lê Thị Hoa"}},
		{"sup1", "/api/v1/org-units", "name", []string{"Chi bộ thôn An Lợi", "Chi bộ thôn Phước Thị", "Đảng bộ xã Triệu Phong"}},
		{"sup1", "/api/v1/members", "full_name", []string{"Lê Thị Hoa", "Nguyễn Văn Đức"}},
		{"sup1", "/api/v1/meetings", "cell_name", []string{"Chi bộ thôn An Lợi", "Chi bộ thôn Phước Thị"}},
		{"sup1", "/api/v1/users", "username", []string{"admin1", "off1", "sec1", "sup1"}},
		{"admin1", "/api/v1/users?role=official", "username", []string{"off1"}},
		{"off1", "/api/v1/users", "username", nil},
		{"root", "/api/v1/members?q=tran+quoc", "full_name", []string{"Trần Quốc Toản"}},
		{"root", "/api/v1/org-units?q=trieu+phong", "name", []string{"Đảng bộ xã Triệu Phong"}},
		{"root", "/api/v1/org-units?q=AN+LOI", "name", []string{"Chi bộ thôn An Lợi"}},
		{"root", "/api/v1/users?q=nguoi+dung+off", "username", []string{"off1", "off2"}},
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.path, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, listNames(t, w, tc.path, tc.who, tc.field)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The official reads its assigned cell but not the neighbouring cell of the same commune.
	if r := w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID, "off1", nil); r.status != http.StatusOK {
		t.Errorf("official reads its cell: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/members/"+w.memberB.ID, "off1", nil); r.status != http.StatusNotFound {
		t.Errorf("official reads a member of an unassigned cell: %d, want 404", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingB.ID, "off1", nil); r.status != http.StatusNotFound {
		t.Errorf("official reads a meeting of an unassigned cell: %d, want 404", r.status)
	}
}

// TestWritesInScope checks the writes each role may make inside its own subtree.
func TestWritesInScope(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, who, method, path, body string
		want                          int
	}{
		{"admin creates a cell", "admin1", http.MethodPost, "/api/v1/org-units", `{"parent_id":"` + w.c1.ID + `","kind":"cell","name":"Chi bộ thôn Mới"}`, http.StatusCreated},
		{"admin cannot create a root", "admin1", http.MethodPost, "/api/v1/org-units", `{"kind":"province","name":"Tỉnh mới"}`, http.StatusForbidden},
		{"admin renames its own root", "admin1", http.MethodPatch, "/api/v1/org-units/" + w.c1.ID, `{"name":"Đảng bộ xã Triệu Phong (mới)"}`, http.StatusOK},
		{"admin cannot delete its own root", "admin1", http.MethodDelete, "/api/v1/org-units/" + w.c1.ID, ``, http.StatusForbidden},
		{"admin cannot move a unit out of its subtree", "admin1", http.MethodPatch, "/api/v1/org-units/" + w.cellA.ID, `{"parent_id":"` + w.c2.ID + `"}`, http.StatusForbidden},
		{"secretary adds a member to its cell", "sec1", http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellB.ID + `","full_name":"Hồ Thị Mai","birth_year":1970}`, http.StatusCreated},
		{"secretary cannot add to another cell", "sec1", http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellA.ID + `","full_name":"Hồ Thị Mai"}`, http.StatusForbidden},
		{"supervisor cannot edit members", "sup1", http.MethodPatch, "/api/v1/members/" + w.memberA.ID, `{"full_name":"X"}`, http.StatusForbidden},
		{"official cannot edit members", "off1", http.MethodPatch, "/api/v1/members/" + w.memberA.ID, `{"full_name":"X"}`, http.StatusForbidden},
		{"admin edits a member", "admin1", http.MethodPatch, "/api/v1/members/" + w.memberA.ID, `{"status":"exempt","status_note":"Tuổi cao"}`, http.StatusOK},
		{"admin creates a user", "admin1", http.MethodPost, "/api/v1/users", `{"username":"canbo.moi","password":"mat-khau-dai","display_name":"Cán bộ mới","home_org_unit_id":"` + w.c1.ID + `"}`, http.StatusCreated},
		{"admin grants a role in scope", "admin1", http.MethodPost, "/api/v1/users/" + w.users["off1"].ID + "/grants", `{"role":"secretary","org_unit_id":"` + w.cellA.ID + `"}`, http.StatusCreated},
		{"admin cannot grant installation-wide", "admin1", http.MethodPost, "/api/v1/users/" + w.users["off1"].ID + "/grants", `{"role":"admin"}`, http.StatusForbidden},
		{"supervisor cannot create users", "sup1", http.MethodPost, "/api/v1/users", `{"username":"x.y.z","password":"mat-khau-dai","display_name":"X","home_org_unit_id":"` + w.c1.ID + `"}`, http.StatusForbidden},
		{"nobody disables themselves", "admin1", http.MethodPatch, "/api/v1/users/" + w.users["admin1"].ID, `{"active":false}`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := w.do(tc.method, tc.path, tc.who, body)
			if r.status != tc.want {
				t.Errorf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
		})
	}
}
