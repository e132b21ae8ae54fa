package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/app"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// get answers GET url with an optional bearer token: the status and the body.
func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsListenerAndToken: by default /metrics answers 404 on the main listener; CHIBO_METRICS_TOKEN opens it
// there to a bearer of the token; CHIBO_METRICS_ADDR serves it on a listener of its own, started and stopped with
// the server, while the main listener keeps answering 404.
func TestMetricsListenerAndToken(t *testing.T) {
	const token = "metrics-token-for-the-test-0123"
	const series = "chibo_http_requests_total"
	t.Run("neither", func(t *testing.T) {
		m := start(t, false)
		if st, body := get(t, m.URL()+"/metrics", ""); st != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
			t.Errorf("main listener: %d %.200s", st, body)
		}
		if st, _ := get(t, m.URL()+"/healthz", ""); st != http.StatusOK {
			t.Errorf("healthz: %d", st)
		}
		if m.MetricsURL() != "" {
			t.Errorf("a metrics listener without CHIBO_METRICS_ADDR: %s", m.MetricsURL())
		}
	})
	t.Run("token", func(t *testing.T) {
		m := start(t, false, "CHIBO_METRICS_TOKEN", token)
		for _, tc := range []struct {
			bearer string
			want   int
		}{{"", 404}, {token[:len(token)-1], 404}, {token + "x", 404}, {token, 200}} {
			st, body := get(t, m.URL()+"/metrics", tc.bearer)
			if st != tc.want || (st == 200) != strings.Contains(body, series) {
				t.Errorf("bearer %q: %d %.200s", tc.bearer, st, body)
			}
		}
	})
	t.Run("own listener", func(t *testing.T) {
		var out bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: io.Discard}
		env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_ADDR": "127.0.0.1:0", "CHIBO_DATA_DIR": t.TempDir(),
			"CHIBO_METRICS_ADDR": "127.0.0.1:0"}
		if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		closed := false
		t.Cleanup(func() {
			if !closed {
				m.Close()
			}
		})
		if st, _ := get(t, m.URL()+"/metrics", ""); st != http.StatusNotFound {
			t.Errorf("main listener: %d", st)
		}
		if st, body := get(t, m.MetricsURL()+"/metrics", ""); st != http.StatusOK || !strings.Contains(body, series) {
			t.Errorf("metrics listener: %d %.200s", st, body)
		}
		if st, body := get(t, m.MetricsURL()+"/api/v1/me", ""); st != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
			t.Errorf("metrics listener, another address: %d %.200s", st, body)
		}
		murl := m.MetricsURL()
		closed = true
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if resp, err := http.Get(murl + "/metrics"); err == nil {
			resp.Body.Close()
			t.Error("the metrics listener still answers after Close")
		}
	})
}

// TestOpsConfiguration: the new settings are checked at start and their errors name the setting.
func TestOpsConfiguration(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.env")
	must(t, os.WriteFile(badFile, []byte("export CHIBO_ADDR=:8080\n"), 0o600))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"metrics token too short", nil, map[string]string{"CHIBO_METRICS_TOKEN": "short"}, "CHIBO_METRICS_TOKEN"},
		{"metrics address without a port", nil, map[string]string{"CHIBO_METRICS_ADDR": "localhost"}, "CHIBO_METRICS_ADDR"},
		{"metrics address the main one", []string{"-addr", "127.0.0.1:22001", "-metrics-addr", "127.0.0.1:22001"}, nil, "CHIBO_METRICS_ADDR"},
		{"pool of one", nil, map[string]string{"CHIBO_DB_MAX_CONNS": "1"}, "CHIBO_DB_MAX_CONNS"},
		{"pool not a number", []string{"-db-max-conns", "many"}, nil, "CHIBO_DB_MAX_CONNS"},
		{"more idle than the pool", nil, map[string]string{"CHIBO_DB_MAX_CONNS": "10", "CHIBO_DB_MAX_IDLE": "11"}, "CHIBO_DB_MAX_IDLE"},
		{"no idle", nil, map[string]string{"CHIBO_DB_MAX_IDLE": "0"}, "CHIBO_DB_MAX_IDLE"},
		{"env file missing", []string{"migrate", "-env-file", filepath.Join(dir, "none.env")}, nil, "none.env"},
		{"env file not in the format", []string{"create-admin", "-env-file", badFile}, nil, "line 1"},
		{"a stray argument", []string{"create-admin", "/etc/chibo/chibo.env"}, nil, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			err := app.Run(context.Background(), tc.args, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// TestEnvFileGivesEveryCommandTheServicesDatabase: create-admin with -env-file writes into the database the file
// names (as the systemd unit's EnvironmentFile does for the service), the real environment wins over the file and
// a flag over both.
func TestEnvFileGivesEveryCommandTheServicesDatabase(t *testing.T) {
	ctx := context.Background()
	svc, other, flagged := t.TempDir(), t.TempDir(), t.TempDir()
	envFile := filepath.Join(t.TempDir(), "chibo.env")
	must(t, os.WriteFile(envFile, []byte(fmt.Sprintf("# as in deploy/chibo.env\nCHIBO_DATA_DIR=%q\nCHIBO_ADMIN_PASSWORD='mat-khau-tu-tep'\n", svc)), 0o600))
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	for _, cmd := range [][]string{{"migrate"}, {"create-admin", "-username", "quantri"}, {"new-epoch"}, {"backup", "-out", filepath.Join(t.TempDir(), "b.db")}} {
		if err := app.Run(ctx, append(cmd, "-env-file", envFile), noEnv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	admins := func(dir string) int {
		t.Helper()
		db, err := store.Open(ctx, store.Options{DataDir: dir})
		must(t, err)
		defer db.Close()
		var n int
		if err := db.R.NewRaw("SELECT count(*) FROM users").Scan(ctx, &n); err != nil {
			return 0 // no schema: nothing was written here
		}
		return n
	}
	if n := admins(svc); n != 1 {
		t.Errorf("the env file's data directory holds %d users, want the administrator", n)
	}
	// The real environment wins over the file, a flag over both.
	env := map[string]string{"CHIBO_DATA_DIR": other}
	must(t, app.Run(ctx, []string{"create-admin", "-username", "quantri2", "-env-file", envFile}, func(k string) string { return env[k] }, nil, &out, io.Discard))
	must(t, app.Run(ctx, []string{"create-admin", "-username", "quantri3", "-env-file", envFile, "-data-dir", flagged}, func(k string) string { return env[k] }, nil, &out, io.Discard))
	if got := []int{admins(svc), admins(other), admins(flagged)}; got[0] != 1 || got[1] != 1 || got[2] != 1 {
		t.Errorf("users in the file's, the environment's and the flag's directories: %v, want 1 each", got)
	}
	// serve reads it too.
	m := &app.Main{Stdout: io.Discard, Stderr: io.Discard}
	must(t, m.ParseFlags([]string{"-env-file", envFile, "-addr", "127.0.0.1:0"}, noEnv))
	if m.Config.DataDir != svc {
		t.Errorf("serve's data directory %q, want the file's %q", m.Config.DataDir, svc)
	}
}

// TestBackupCommand: chibo backup copies the SQLite file while the server runs and writes; the copy is whole;
// put back as chibo.db with the note beside it left alone (stop, copy back, start), the server starts a new sync
// epoch. On PostgreSQL the command refuses and says what to use.
func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	if testdb.Dialect() == "pg" {
		env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t)}
		err := app.Run(ctx, []string{"backup", "-out", filepath.Join(t.TempDir(), "b.db")}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "pgBackRest") || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup on PostgreSQL: %v", err)
		}
		return
	}
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DATA_DIR": dir, "CHIBO_ADDR": "127.0.0.1:0"}
	getenv := func(k string) string { return env[k] }
	serve := func() *app.Main {
		t.Helper()
		m := &app.Main{Stdout: io.Discard, Stderr: io.Discard}
		must(t, m.ParseFlags(nil, getenv))
		must(t, m.Run(ctx))
		return m
	}
	epoch := func(db *store.DB) string {
		t.Helper()
		si, err := store.ReadSyncInfo(ctx, db.R)
		must(t, err)
		return si.Epoch
	}
	m := serve()
	first := epoch(m.DB())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written int
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			werr = m.DB().Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				return store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: fmt.Sprintf("Tỉnh %d", i), Kind: domain.KindProvince})
			})
			if werr != nil {
				return
			}
			written = i + 1
		}
	}()
	time.Sleep(200 * time.Millisecond)
	out := filepath.Join(t.TempDir(), "chibo-backup.db")
	var said bytes.Buffer
	err := app.Run(ctx, []string{"backup", "-out", out}, getenv, nil, &said, io.Discard)
	time.Sleep(1100 * time.Millisecond) // the writes go on past the note's rewrite interval
	close(stop)
	wg.Wait()
	must(t, err)
	must(t, werr)
	if !strings.Contains(said.String(), "backed up") {
		t.Errorf("backup said %q", said.String())
	}

	cp, err := store.Open(ctx, store.Options{URL: "sqlite:" + out})
	must(t, err)
	var check string
	var units int
	must(t, cp.R.NewRaw("PRAGMA integrity_check").Scan(ctx, &check))
	must(t, cp.R.NewRaw("SELECT count(*) FROM org_units").Scan(ctx, &units))
	must(t, cp.Close())
	if check != "ok" || units < 1 || units >= written {
		t.Errorf("the copy: integrity %q, %d units of the %d written (want some, fewer than all)", check, units, written)
	}

	// Restore: stop, put the backup back as chibo.db (the note stays), start.
	must(t, m.Close())
	path := filepath.Join(dir, "chibo.db")
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(out)
	must(t, err)
	must(t, os.WriteFile(path, b, 0o600))
	m = serve()
	defer m.Close()
	if got := epoch(m.DB()); got == first {
		t.Errorf("the restored database kept the sync epoch %s: devices would keep rows it does not have", got)
	}
	var now int
	must(t, m.DB().R.NewRaw("SELECT count(*) FROM org_units").Scan(ctx, &now))
	if now != units {
		t.Errorf("after the restore %d units, the backup had %d", now, units)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
