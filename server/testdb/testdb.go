// Package testdb gives each test its own migrated database: SQLite in memory by default, or a fresh PostgreSQL
// database cloned from a migrated template when CHIBO_TEST_DB=postgres. `make test` runs the suite both ways.
//
// PostgreSQL is found at CHIBO_TEST_POSTGRES_URL, else on 127.0.0.1:5432 (trust auth, database "test" or
// "postgres"). An unreachable server fails the test with instructions; it is never skipped.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/migrations"
	"github.com/chibo-vn/chibo/server/store"
)

// Dialect returns the dialect the test run selected: "sqlite" (default) or "pg".
func Dialect() string {
	switch strings.ToLower(os.Getenv("CHIBO_TEST_DB")) {
	case "postgres", "pg", "postgresql":
		return "pg"
	}
	return "sqlite"
}

// New returns a migrated, empty database of the selected dialect, closed and dropped when the test ends.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: URL(t)})
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a new, migrated, empty database of the selected dialect, dropped when the test ends:
// on SQLite a copy of a migrated template file in the test's temporary directory (WAL mode, as in production),
// on PostgreSQL a database cloned from a migrated template.
func URL(t testing.TB) string {
	t.Helper()
	if Dialect() == "pg" {
		return newPostgres(t)
	}
	liteOnce.Do(func() { liteTmpl, liteErr = sqliteTemplate() })
	if liteErr != nil {
		t.Fatalf("testdb: %v", liteErr)
	}
	path := t.TempDir() + "/chibo.db"
	if err := os.WriteFile(path, liteTmpl, 0o600); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return "sqlite:" + path
}

var (
	liteOnce sync.Once
	liteTmpl []byte
	liteErr  error
)

// sqliteTemplate migrates a database once per test process and returns its file, which each test copies.
func sqliteTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "chibo-testdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := dir + "/tmpl.db"
	db, err := store.Open(context.Background(), store.Options{URL: "sqlite:" + path})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate template: %w", err)
	}
	// Fold the WAL into the main file so the file alone is the database.
	if _, err := db.W.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// PostgresAdminURL returns the URL of the PostgreSQL server tests use, or an error that says how to get one.
func PostgresAdminURL() (string, error) {
	if u := os.Getenv("CHIBO_TEST_POSTGRES_URL"); u != "" {
		if err := ping(u); err != nil {
			return "", fmt.Errorf("CHIBO_TEST_POSTGRES_URL=%s does not answer: %v", redact(u), err)
		}
		return u, nil
	}
	var last error
	for _, dbname := range []string{"test", "postgres"} {
		u := "postgres://postgres@127.0.0.1:5432/" + dbname + "?sslmode=disable"
		if last = ping(u); last == nil {
			return u, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL on 127.0.0.1:5432 (%v). Start one (Debian: apt-get install postgresql && "+
		"pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), or set "+
		"CHIBO_TEST_POSTGRES_URL=postgres://user:pass@host:5432/db?sslmode=disable, or run `make test-sqlite` alone", last)
}

func ping(u string) error {
	db, err := sql.Open("postgres", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

var (
	tmplOnce sync.Once
	tmplMu   sync.Mutex // serialises remaking the template after another process dropped it
	tmplName string
	tmplErr  error
	adminURL string
)

func newPostgres(t testing.TB) string {
	t.Helper()
	tmplOnce.Do(func() { adminURL, tmplName, tmplErr = ensureTemplate() })
	if tmplErr != nil {
		t.Fatalf("testdb: %v", tmplErr)
	}
	tmplMu.Lock()
	tmpl := tmplName
	tmplMu.Unlock()
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "chibo_t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmpl); err != nil {
		// Another checkout's test run on the same server (another migration set) may have dropped the template
		// meanwhile: make it again, once.
		tmplMu.Lock()
		_, again, err := ensureTemplate()
		tmplMu.Unlock()
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+again); err != nil {
			t.Fatalf("testdb: create database: %v", err)
		}
	}
	t.Cleanup(func() {
		a, err := sql.Open("postgres", adminURL)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return withDatabase(adminURL, name)
}

func withDatabase(u, name string) string {
	p, _ := url.Parse(u)
	p.Path = "/" + name
	return p.String()
}

// ensureTemplate makes (once per migration set, shared by concurrent test processes through an advisory lock) a
// template database with every migration applied.
func ensureTemplate() (admin, name string, err error) {
	admin, err = PostgresAdminURL()
	if err != nil {
		return "", "", err
	}
	sum, err := migrationsHash()
	if err != nil {
		return "", "", err
	}
	name = "chibo_tmpl_" + sum[:12]
	ctx := context.Background()
	db, err := sql.Open("postgres", admin)
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7217001)`); err != nil {
		return "", "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7217001)`) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", "", err
	}
	if exists {
		return admin, name, nil
	}
	// Drop templates of older migration sets, but not while another test process (perhaps of another checkout
	// with other migrations, on the same server) is cloning them: the advisory lock above is held by whoever is
	// building one, and pg_stat_activity shows whoever is connected to one.
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database AS d WHERE datname LIKE 'chibo_tmpl_%'
		AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.datname = d.datname)`)
	if err != nil {
		return "", "", err
	}
	var old []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err == nil {
			old = append(old, n)
		}
	}
	rows.Close()
	for _, n := range old {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+n)
	}
	building := name + "_new"
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", "", err
	}
	sdb, err := store.Open(ctx, store.Options{URL: withDatabase(admin, building), MaxConns: 2})
	if err != nil {
		return "", "", err
	}
	_, err = sdb.Migrate(ctx)
	sdb.Close()
	if err != nil {
		return "", "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", "", err
	}
	return admin, name, nil
}

func migrationsHash() (string, error) {
	fsys, err := migrations.FS("pg")
	if err != nil {
		return "", err
	}
	var names []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
