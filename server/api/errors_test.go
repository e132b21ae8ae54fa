package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

func TestBadInputGetsClearErrors(t *testing.T) {
	w := newWorld(t)
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	bigPush := `{"client_id":"` + strings.Repeat("x", 5<<20) + `"}` // a push may be 4 MiB (PROTOCOL.md)
	tests := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code, field, message     string
	}{
		{"unknown field", http.MethodPost, "/api/v1/org-units", `{"parent_id":"` + w.c1.ID + `","kind":"cell","name":"X","colour":"red"}`, nil, 400, "invalid", "colour", "Trường không được hỗ trợ: colour."},
		{"syntax error", http.MethodPost, "/api/v1/org-units", `{"name":`, nil, 400, "invalid", "", ""},
		{"trailing data", http.MethodPost, "/api/v1/org-units", `{"kind":"cell","name":"X"} {}`, nil, 400, "invalid", "", ""},
		{"wrong type", http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellA.ID + `","full_name":"X","birth_year":"old"}`, nil, 400, "invalid", "birth_year", ""},
		{"empty body", http.MethodPost, "/api/v1/members", ``, nil, 400, "invalid", "", ""},
		{"missing name", http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellA.ID + `"}`, nil, 400, "invalid", "full_name", "Thiếu thông tin bắt buộc: Họ và tên."},
		{"bad birth year", http.MethodPost, "/api/v1/members", `{"cell_id":"` + w.cellA.ID + `","full_name":"Lê Văn A","birth_year":1850}`, nil, 400, "invalid", "birth_year", ""},
		{"bad kind", http.MethodPost, "/api/v1/org-units", `{"parent_id":"` + w.c1.ID + `","kind":"village","name":"X"}`, nil, 400, "invalid", "kind", "Loại tổ chức không hợp lệ."},
		{"english by ?lang", http.MethodPost, "/api/v1/org-units?lang=en", `{"parent_id":"` + w.c1.ID + `","kind":"village","name":"X"}`, nil, 400, "invalid", "kind", "Unknown organisation kind."},
		{"saved locale beats Accept-Language", http.MethodPost, "/api/v1/org-units", `{"parent_id":"` + w.c1.ID + `","kind":"village","name":"X"}`, []string{"Accept-Language", "en-US,en;q=0.9"}, 400, "invalid", "kind", "Loại tổ chức không hợp lệ."},
		{"too large", http.MethodPost, "/api/v1/org-units", big, nil, 413, "too_large", "", "Dữ liệu gửi lên quá lớn (tối đa 1 MiB)."},
		{"push too large", http.MethodPost, "/api/v1/sync/push", bigPush, nil, 413, "too_large", "", "Dữ liệu gửi lên quá lớn (tối đa 4 MiB)."},
		{"malformed id", http.MethodGet, "/api/v1/members/not-a-uuid", ``, nil, 404, "not_found", "", "Không tìm thấy đảng viên."},
		{"unknown id", http.MethodGet, "/api/v1/members/0190c0de-0000-7000-8000-000000000000", ``, nil, 404, "not_found", "", ""},
		{"bad limit", http.MethodGet, "/api/v1/members?limit=0", ``, nil, 400, "invalid", "limit", ""},
		{"bad cursor", http.MethodGet, "/api/v1/members?cursor=xyz", ``, nil, 400, "invalid", "cursor", ""},
		{"bad filter", http.MethodGet, "/api/v1/members?status=asleep", ``, nil, 400, "invalid", "status", ""},
		{"bad date", http.MethodGet, "/api/v1/meetings?from=2026-13-45", ``, nil, 400, "invalid", "from", ""},
		{"no route", http.MethodGet, "/api/v1/nothing", ``, nil, 404, "not_found", "", ""},
		{"wrong method", http.MethodPut, "/api/v1/members", `{}`, nil, 405, "method_not_allowed", "", ""},
		{"duplicate username", http.MethodPost, "/api/v1/users", `{"username":"off1","password":"mat-khau-dai","display_name":"X","home_org_unit_id":"` + w.c1.ID + `"}`, nil, 409, "conflict", "", "tên đăng nhập đã tồn tại."},
		{"short password", http.MethodPost, "/api/v1/users", `{"username":"newbie","password":"short","display_name":"X","home_org_unit_id":"` + w.c1.ID + `"}`, nil, 400, "invalid", "password", ""},
		{"bad username", http.MethodPost, "/api/v1/users", `{"username":"Nguyễn","password":"mat-khau-dai","display_name":"X","home_org_unit_id":"` + w.c1.ID + `"}`, nil, 400, "invalid", "username", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := w.do(tc.method, tc.path, "root", body, tc.headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			var e api.ErrorBody
			r.json(t, &e)
			if string(e.Code) != tc.code || e.Field != tc.field || e.RequestID == "" || e.Message == "" {
				t.Errorf("error body %+v, want code %s field %q", e, tc.code, tc.field)
			}
			if tc.message != "" && !strings.EqualFold(e.Message, tc.message) {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
			if r.header.Get("X-Request-Id") != e.RequestID {
				t.Errorf("request id header %q, body %q", r.header.Get("X-Request-Id"), e.RequestID)
			}
		})
	}
}

func TestAnonymousErrorsFollowAcceptLanguage(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodPost, "/api/v1/auth/login", "", `{"username":"off1","password":"wrong"}`, "Accept-Language", "en-US,en;q=0.9")
	var e api.ErrorBody
	r.json(t, &e)
	if e.Message != "Wrong username or password." {
		t.Errorf("message %q", e.Message)
	}
	r = w.do(http.MethodPost, "/api/v1/auth/login", "", `{"username":"off1","password":"wrong"}`)
	r.json(t, &e)
	if e.Message != "Tên đăng nhập hoặc mật khẩu không đúng." {
		t.Errorf("default message %q", e.Message)
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/healthz", "", nil)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", r.header.Get("Content-Security-Policy"))
	}
	if r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on plain HTTP")
	}
}

// TestAPISecurityHeaders: an answer of the API — a refusal and an up-to-date device's poll — can be neither sniffed
// nor framed and loads nothing if opened as a page; the app's page keeps its own policy; and a poll's header
// stays within the eight entries a Go map holds without growing, with HSTS (a server behind HTTPS) and
// Content-Encoding (an answer large enough to compress) counted.
func TestAPISecurityHeaders(t *testing.T) {
	w := newWorld(t)
	var page struct {
		Cursor  string
		HasMore bool `json:"has_more"`
	}
	for first := true; first || page.HasMore; first = false {
		r := w.do(http.MethodPost, "/api/v1/sync/pull", "off1", map[string]any{"cursor": page.Cursor, "limit": wire.MaxPullLimit})
		if r.status != http.StatusOK {
			t.Fatalf("pull: %d %s", r.status, r.body)
		}
		r.json(t, &page)
	}
	empty := w.do(http.MethodPost, "/api/v1/sync/pull", "off1", map[string]any{"cursor": page.Cursor})
	if empty.status != http.StatusOK || !strings.Contains(string(empty.body), `"ops":[]`) {
		t.Fatalf("empty poll: %d %.300s", empty.status, empty.body)
	}
	for name, r := range map[string]response{"refusal": w.do(http.MethodGet, "/api/v1/me", "", nil), "empty poll": empty} {
		for h, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Permissions-Policy":      "",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", name, h, got, want)
			}
		}
	}
	// The header as the handler left it: what net/http wrote less what it adds itself (Date, Content-Length),
	// then HSTS, and Content-Encoding (Go's client takes it away when it decompresses).
	n := 2
	for k := range empty.header {
		if k != "Date" && k != "Content-Length" && k != "Content-Encoding" {
			n++
		}
	}
	if n > 8 {
		t.Errorf("an empty poll's header has %d entries with HSTS and Content-Encoding, want at most 8: %v", n, empty.header)
	}
	app := w.do(http.MethodGet, "/", "", nil)
	if csp := app.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || app.header.Get("Permissions-Policy") == "" {
		t.Errorf("the app's page: CSP %q, Permissions-Policy %q", csp, app.header.Get("Permissions-Policy"))
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	w := newWorld(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := w.do(http.MethodGet, p, "", nil); r.status != http.StatusOK {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	w.do(http.MethodGet, "/api/v1/me", "", nil)
	r := w.do(http.MethodGet, "/metrics", "", nil, "Authorization", "Bearer "+testMetricsToken)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `chibo_http_requests_total{method="GET",route="/api/v1/me",status="401"}`) {
		t.Errorf("metrics: %d %.500s", r.status, r.body)
	}
}

// TestCatalogueHasEveryKeyInBothLanguages keeps messages from showing up as raw keys.
func TestCatalogueHasEveryKeyInBothLanguages(t *testing.T) {
	for _, k := range i18n.Keys() {
		vi, en := i18n.T(i18n.VI, k, nil), i18n.T(i18n.EN, k, nil)
		if vi == "" || en == "" || vi == k || en == k {
			t.Errorf("%s: vi %q en %q", k, vi, en)
		}
	}
}

// TestOpenAPIMatchesRouter checks that every route the router answers is documented and every documented route
// exists.
func TestOpenAPIMatchesRouter(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s has no responses", m, p)
			}
		}
	}
	var registered, heads []string
	for _, rt := range w.api.Echo().Routes() {
		if strings.HasPrefix(rt.Name, "github.com/labstack/echo") { // Echo's own 404/405 helpers
			continue
		}
		if _, own := doc.Paths[openapiPath(rt.Path)]["head"]; rt.Method == http.MethodHead && own { // a HEAD of its own (tus)
			registered = append(registered, rt.Method+" "+openapiPath(rt.Path))
			continue
		}
		if rt.Method == http.MethodHead { // implied by GET, as in net/http; not listed in OpenAPI
			heads = append(heads, "GET "+openapiPath(rt.Path))
			continue
		}
		registered = append(registered, rt.Method+" "+openapiPath(rt.Path))
	}
	var gets []string
	for _, r := range registered {
		if strings.HasPrefix(r, "GET ") {
			gets = append(gets, r)
		}
	}
	sort.Strings(heads)
	sort.Strings(gets)
	if diff := cmp.Diff(gets, heads); diff != "" {
		t.Errorf("every GET route answers HEAD and no other does (-GET +HEAD):\n%s", diff)
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("router vs OpenAPI (-registered +documented):\n%s", diff)
	}
	// Schemas come from the Go types: a member has its fields, and the password hash is not among a user's.
	body := string(r.body)
	for _, want := range []string{`"full_name"`, `"birth_year"`, `"next_cursor"`, `"access_token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("document lacks %s", want)
		}
	}
	if strings.Contains(body, "password_hash") {
		t.Error("document exposes password_hash")
	}
}

func openapiPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// A request whose client went away while the server read the database is answered 499 and not counted as a
// server failure (it was a 500 logged as an error for every closed page).
func TestClientGoneIsNotAServerError(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"mat-khau-dai-du"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.api.Handler().ServeHTTP(rec, req)
	if rec.Code != 499 {
		t.Errorf("status %d, want 499: %s", rec.Code, rec.Body)
	}
}

// TestEveryWritableFieldHasAName keeps API spellings off the screen: an error about a field a device may write
// names it as people say it, in both languages ("Nơi nhận kiến nghị quá dài", never "addressee_text quá dài").
func TestEveryWritableFieldHasAName(t *testing.T) {
	for _, tb := range store.Tables() {
		if tb.Write == nil {
			continue
		}
		for _, f := range slices.Concat(tb.Write.Fields, tb.Write.CreateOnly, tb.Write.Required) {
			vi, en := i18n.FieldName(i18n.VI, f), i18n.FieldName(i18n.EN, f)
			if vi == f || en == f {
				t.Errorf("%s.%s has no name in the catalogue (field.%s)", tb.Name, f, f)
			}
		}
	}
	got := i18n.T(i18n.VI, "error.too_long", map[string]string{"field": "addressee_text", "max": "300"})
	if want := "Nơi nhận kiến nghị quá dài (tối đa 300 ký tự)."; got != want {
		t.Errorf("too long: %q, want %q", got, want)
	}
	got = i18n.T(i18n.EN, "error.unknown_param", map[string]string{"field": "status", "allowed": "lang"})
	if want := "Unknown query parameter: status (this address takes: lang)."; got != want {
		t.Errorf("an unknown parameter is written as sent: %q, want %q", got, want)
	}
}
