// Package store holds the SQL: opening SQLite or PostgreSQL, applying the migrations, and the queries of every
// entity. Store functions take a bun.IDB so they run the same inside a transaction (DB.Write) and outside it.
// Both dialects share the models; the few dialect branches live in small helpers.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver "postgres"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // SQLite driver "sqlite", pure Go

	"github.com/chibo-vn/chibo/migrations"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// DB is an open database: a write pool and a read pool. On SQLite the write pool has a single connection whose
// transactions begin IMMEDIATE (one writer, no lock upgrades, no SQLITE_BUSY between our own writers) and the
// read pool has several read-only connections that WAL lets run beside the writer. On PostgreSQL both are the
// same pool.
type DB struct {
	W       *bun.DB // writes, and reads that must see a transaction's own writes
	R       *bun.DB // reads
	Dialect string  // "sqlite" or "pg"
	// Path is the SQLite file, or "" for PostgreSQL and in-memory databases.
	Path string

	commitHooks []func(tables map[string]bool)
	mark        *changelog.Mark // SQLite files: the note of the highest transaction reached (sync/changelog)
	// Log receives what the sync state does on its own (a new epoch, a rebase after a failover, a warning that
	// detection is off); nil: nowhere. Set it before Migrate.
	Log *slog.Logger
}

// Options says which database to open.
type Options struct {
	// URL is "postgres://…" (or "postgresql://…") for PostgreSQL; empty, "sqlite:PATH" or "file:PATH" for SQLite.
	URL string
	// DataDir holds the SQLite file chibo.db when URL is empty.
	DataDir string
	// MaxConns caps the PostgreSQL pool and the SQLite read pool; 0 picks a default (20 on PostgreSQL).
	MaxConns int
	// MaxIdle is how many idle PostgreSQL connections are kept; 0 keeps them all (MaxConns): a busy instance then
	// reuses its connections rather than closing and opening them between bursts (a new PostgreSQL connection is a
	// new process whose caches start cold), and connections idle for 5 minutes close anyway. SQLite
	// keeps its connections open.
	MaxIdle int
}

// DefaultPGMaxConns is the PostgreSQL pool size when Options.MaxConns is 0.
const DefaultPGMaxConns = 20

// MinPGVersion is the oldest PostgreSQL release the server runs on (server_version_num of 14.0).
const MinPGVersion = 140000

// Open opens the database Options names. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	u := strings.TrimSpace(o.URL)
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return openPostgres(ctx, u, o.MaxConns, o.MaxIdle)
	case u == "":
		if o.DataDir == "" {
			return nil, errors.New("store: no database URL and no data directory")
		}
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("store: data directory: %w", err)
		}
		return openSQLite(ctx, filepath.Join(o.DataDir, "chibo.db"), o.MaxConns)
	case u == "sqlite::memory:":
		return openSQLite(ctx, "", o.MaxConns)
	case strings.HasPrefix(u, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(u, "sqlite:"), o.MaxConns)
	case strings.HasPrefix(u, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(u, "file:"), o.MaxConns)
	}
	return nil, fmt.Errorf("store: unsupported database URL (want postgres://… or sqlite:PATH)")
}

func openPostgres(ctx context.Context, url string, maxConns, maxIdle int) (*DB, error) {
	sqldb, err := sql.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	if maxConns <= 0 {
		maxConns = DefaultPGMaxConns
	}
	if maxIdle <= 0 {
		maxIdle = maxConns
	}
	sqldb.SetMaxOpenConns(maxConns)
	sqldb.SetMaxIdleConns(min(maxIdle, maxConns))
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := pingRetry(ctx, db, 10*time.Second); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	if err := checkPGVersion(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{W: db, R: db, Dialect: "pg"}, nil
}

// checkPGVersion refuses a PostgreSQL server older than MinPGVersion, naming the version it found.
func checkPGVersion(ctx context.Context, db bun.IDB) error {
	var num int
	var version string
	if err := db.NewRaw("SELECT current_setting('server_version_num')::int, current_setting('server_version')").
		Scan(ctx, &num, &version); err != nil {
		return fmt.Errorf("store: postgres version: %w", err)
	}
	return PGVersionError(num, version)
}

// PGVersionError says why a PostgreSQL server of server_version_num num (and server_version version) cannot be
// used, or returns nil when it can.
func PGVersionError(num int, version string) error {
	if num >= MinPGVersion {
		return nil
	}
	return fmt.Errorf("store: PostgreSQL %s found (server_version_num %d); Chibo needs PostgreSQL 14 or newer", version, num)
}

// sqlitePragmas are run on every new connection. busy_timeout comes first so the others wait rather than fail
// when another process holds the lock.
var sqlitePragmas = []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-16000)"}

func openSQLite(ctx context.Context, path string, maxConns int) (*DB, error) {
	memory := path == ""
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	var name string
	if memory {
		// A named in-memory database shared by the process's connections: a leading "/" with the memdb VFS.
		var b [8]byte
		_, _ = rand.Read(b[:])
		name = "/chibo-" + hex.EncodeToString(b[:])
		q.Set("vfs", "memdb")
	} else {
		name = path
		q.Add("_pragma", "journal_mode(WAL)")
	}
	wq := cloneValues(q)
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+name+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	wdb := bun.NewDB(w, sqlitedialect.New())
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}

	rq := cloneValues(q)
	if !memory {
		rq.Add("_pragma", "query_only(1)")
	}
	r, err := sql.Open("sqlite", "file:"+name+"?"+rq.Encode())
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if maxConns <= 0 {
		maxConns = max(4, runtime.NumCPU())
	}
	r.SetMaxOpenConns(maxConns)
	r.SetMaxIdleConns(maxConns)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	rdb := bun.NewDB(r, sqlitedialect.New())
	return &DB{W: wdb, R: rdb, Dialect: "sqlite", Path: path}, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func pingRetry(ctx context.Context, db *bun.DB, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := db.PingContext(ctx)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Close closes both pools.
func (d *DB) Close() error {
	d.mark.Update(context.Background(), d.W, true)
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.R.PingContext(ctx) }

func (d *DB) migrator() (*migrate.Migrator, error) {
	fsys, err := migrations.FS(d.Dialect)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return migrate.NewMigrator(d.W, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every migration not yet applied and returns their names. Several server instances may start
// at once: the migration lock makes the others wait (up to a minute) and then find nothing left to do.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	m, err := d.migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("store: migrate init: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err = m.Lock(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("store: %w (if no other instance is migrating, delete the row in bun_migration_locks)", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // nothing to do if unlock fails
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	var names []string
	rebuild := false
	for _, mg := range group.Migrations {
		names = append(names, mg.Name+"_"+mg.Comment)
		rebuild = rebuild || mg.Comment == "sync" || strings.HasPrefix(mg.Comment, "sync_")
	}
	if err := EnsureSyncState(ctx, d.W, d.Log); err != nil {
		return names, fmt.Errorf("store: sync state: %w", err)
	}
	if _, err := d.checkRestored(ctx); err != nil {
		return names, err
	}
	if rebuild {
		// Rows written before change tracking existed (the reference data) get their bucket checksums.
		if err := d.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return RebuildBuckets(ctx, tx) }); err != nil {
			return names, err
		}
	}
	return names, nil
}

// PendingMigrations returns the names of migrations not yet applied (readiness fails while there are any).
func (d *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	m, err := d.migrator()
	if err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, mg := range ms.Unapplied() {
		names = append(names, mg.Name+"_"+mg.Comment)
	}
	return names, nil
}
