package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/migrations"
	"github.com/chibo-vn/chibo/server/app"
	"github.com/chibo-vn/chibo/server/testdb"
)

// start runs the real program on a free port over a fresh database, as `make run` does.
func start(t *testing.T, demo bool, extraEnv ...string) *app.Main {
	t.Helper()
	return startOn(t, testdb.URL(t), demo, extraEnv...)
}

// startOn runs the real program on a free port over the database at url (another instance may share it).
func startOn(t *testing.T, url string, demo bool, extraEnv ...string) *app.Main {
	t.Helper()
	var out bytes.Buffer
	m := &app.Main{Stdout: &out, Stderr: io.Discard}
	env := map[string]string{"CHIBO_DATABASE_URL": url, "CHIBO_ADDR": "127.0.0.1:0", "CHIBO_DATA_DIR": t.TempDir()}
	for i := 0; i+1 < len(extraEnv); i += 2 {
		env[extraEnv[i]] = extraEnv[i+1]
	}
	args := []string{}
	if demo {
		args = append(args, "-demo")
	}
	if err := m.ParseFlags(args, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if demo && !strings.Contains(out.String(), "canbo") {
		t.Errorf("the welcome text does not list the demo logins:\n%s", out.String())
	}
	return m
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) call(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func loginAs(t *testing.T, base, username string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st := c.call(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": "chibo-demo"}, &tok); st != http.StatusOK {
		t.Fatalf("login %s: %d", username, st)
	}
	c.token = tok.AccessToken
	return c
}

type item struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	CellID string `json:"cell_id"`
	Form   string `json:"form"`
}

// all follows next_cursor through every page of a list.
func (c *client) all(path string) []item {
	c.t.Helper()
	var items []item
	cursor := ""
	for {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		var page struct {
			Items      []item `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if st := c.call(http.MethodGet, path+sep+"limit=100&cursor="+cursor, nil, &page); st != http.StatusOK {
			c.t.Fatalf("GET %s: %d", path, st)
		}
		items = append(items, page.Items...)
		if page.NextCursor == "" {
			return items
		}
		cursor = page.NextCursor
	}
}

// TestDemoScopesEndToEnd runs the program with the demo data and checks what each demo login sees.
func TestDemoScopesEndToEnd(t *testing.T) {
	m := start(t, true)
	base := m.URL()
	for _, p := range []string{"/healthz", "/readyz"} {
		if st := (&client{t: t, base: base}).call(http.MethodGet, p, nil, nil); st != http.StatusOK {
			t.Errorf("%s: %d", p, st)
		}
	}
	admin := loginAs(t, base, "admin")
	allUnits := admin.all("/api/v1/org-units")
	allMembers := admin.all("/api/v1/members")
	if len(allUnits) < 30 || len(allMembers) < 600 {
		t.Fatalf("admin sees %d units, %d members", len(allUnits), len(allMembers))
	}

	// canbo sees exactly its three assigned cells and their members.
	canbo := loginAs(t, base, "canbo")
	var names []string
	cells := map[string]bool{}
	for _, u := range canbo.all("/api/v1/org-units") {
		names = append(names, u.Name)
		cells[u.ID] = true
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"Chi bộ thôn An Lợi", "Chi bộ thôn Phước Thị", "Chi bộ thôn Đại Hào"}, names); diff != "" {
		t.Errorf("canbo's units (-want +got):\n%s", diff)
	}
	members := canbo.all("/api/v1/members")
	for _, m := range members {
		if !cells[m.CellID] {
			t.Fatalf("canbo sees a member of cell %s", m.CellID)
		}
	}
	if len(members) == 0 {
		t.Error("canbo sees no members")
	}
	// Its cells' meetings, and the meetings of the other forms (briefings, dialogues) of the commune above them:
	// one commune, none of its other cells' meetings.
	formCommunes := map[string]bool{}
	for _, mt := range canbo.all("/api/v1/meetings?form=all") {
		if mt.Form != "" && mt.Form != "cell" {
			formCommunes[mt.CellID] = true
			continue
		}
		if !cells[mt.CellID] {
			t.Fatalf("canbo sees a meeting of cell %s", mt.CellID)
		}
	}
	if len(formCommunes) != 1 {
		t.Errorf("canbo sees the briefings and dialogues of %d communes, want its own only", len(formCommunes))
	}
	// Any unit outside canbo's cells answers 404.
	for _, u := range allUnits {
		if !cells[u.ID] {
			if st := canbo.call(http.MethodGet, "/api/v1/org-units/"+u.ID, nil, nil); st != http.StatusNotFound {
				t.Errorf("canbo reads %s: %d, want 404", u.Name, st)
			}
			break
		}
	}

	// giamsat2 sees one commune's subtree; giamsat the whole province.
	sup2 := loginAs(t, base, "giamsat2")
	sub := sup2.all("/api/v1/org-units")
	communes := 0
	for _, u := range sub {
		if u.Kind == "commune" {
			communes++
		}
		if u.Kind == "province" {
			t.Errorf("giamsat2 sees the province")
		}
	}
	if communes != 1 || len(sub) >= len(allUnits) {
		t.Errorf("giamsat2 sees %d communes, %d of %d units", communes, len(sub), len(allUnits))
	}
	sup := loginAs(t, base, "giamsat")
	if got := len(sup.all("/api/v1/org-units")); got != len(allUnits) {
		t.Errorf("giamsat sees %d units, want %d", got, len(allUnits))
	}
	// A supervisor reads but does not write the roster.
	if st := sup.call(http.MethodPatch, "/api/v1/org-units/"+allUnits[0].ID, map[string]string{"name": "X"}, nil); st != http.StatusForbidden {
		t.Errorf("giamsat renames a unit: %d, want 403", st)
	}
}

// TestMigrateAndCreateAdmin runs the subcommands a new installation uses.
func TestMigrateAndCreateAdmin(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DATA_DIR": dir, "CHIBO_ADMIN_PASSWORD": "mat-khau-quan-tri"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	ctx := context.Background()
	if err := app.Run(ctx, []string{"migrate"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	mfs, _ := migrations.FS("sqlite")
	files, _ := fs.Glob(mfs, "*.up.sql")
	if want := fmt.Sprintf("applied %d migration", len(files)); len(files) < 4 || !strings.Contains(out.String(), want) {
		t.Errorf("migrate said %q", out.String())
	}
	if err := app.Run(ctx, []string{"create-admin", "-username", "quantri"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := app.Run(ctx, []string{"create-admin", "-username", "other"}, getenv, nil, &out, io.Discard); err == nil {
		t.Error("a second create-admin without -force succeeded")
	}
	if err := app.Run(ctx, []string{"new-epoch"}, getenv, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "new sync epoch") {
		t.Errorf("new-epoch: %v %q", err, out.String())
	}
	m := &app.Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0"}, getenv); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := &client{t: t, base: m.URL()}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st := c.call(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": "quantri", "password": "mat-khau-quan-tri"}, &tok); st != http.StatusOK {
		t.Fatalf("admin login: %d", st)
	}
	c.token = tok.AccessToken
	var unit item
	if st := c.call(http.MethodPost, "/api/v1/org-units", map[string]string{"kind": "province", "name": "Đảng bộ tỉnh Hà Tĩnh"}, &unit); st != http.StatusCreated {
		t.Errorf("the installation admin creates a province: %d", st)
	}
}

func TestBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"short jwt secret", nil, map[string]string{"CHIBO_JWT_SECRET": "short"}},
		{"bad proxy", []string{"-trusted-proxies", "10.0.0.0/99"}, nil},
		{"bad log level", nil, map[string]string{"CHIBO_LOG_LEVEL": "loud"}},
		{"unknown command", []string{"frobnicate"}, nil},
		{"unsupported database", nil, map[string]string{"CHIBO_DATABASE_URL": "mysql://x"}},
		{"retention not a duration", nil, map[string]string{"CHIBO_RETAIN_PUSHES": "30d"}},
		{"reminders kept too briefly", []string{"-retain-reminders", "240h"}, nil},
		{"sessions kept too briefly", nil, map[string]string{"CHIBO_RETAIN_SESSIONS": "1h"}},
		{"job batch too large", nil, map[string]string{"CHIBO_JOB_BATCH": "1000000"}},
		{"login burst not a number", nil, map[string]string{"CHIBO_LOGIN_BURST": "many"}},
		{"login burst too small", nil, map[string]string{"CHIBO_LOGIN_BURST": "1"}},
		{"S3 endpoint without keys", nil, map[string]string{"CHIBO_S3_ENDPOINT": "127.0.0.1:9000", "CHIBO_S3_BUCKET": "chibo"}},
		{"S3 keys without an endpoint", nil, map[string]string{"CHIBO_S3_BUCKET": "chibo", "CHIBO_S3_ACCESS_KEY": "a", "CHIBO_S3_SECRET_KEY": "b"}},
		{"S3 endpoint with a scheme", nil, map[string]string{"CHIBO_S3_ENDPOINT": "https://s3.example.vn", "CHIBO_S3_BUCKET": "chibo", "CHIBO_S3_ACCESS_KEY": "a", "CHIBO_S3_SECRET_KEY": "b"}},
		{"S3 TLS not a boolean", nil, map[string]string{"CHIBO_S3_TLS": "maybe"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			env := map[string]string{"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			if err := app.Run(ctx, tc.args, func(k string) string { return env[k] }, nil, io.Discard, io.Discard); err == nil {
				t.Error("no error")
			}
		})
	}
}
