package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestBackupWhileWriting: a backup taken while another goroutine keeps writing is a whole, consistent database;
// put back as chibo.db (the note beside it left alone) under a stop, copy back, start flow, the start-up check
// finds it restored and starts a new epoch.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "chibo.db")
	open := func() *store.DB {
		t.Helper()
		db, err := store.Open(ctx, store.Options{DataDir: dir})
		must(t, err)
		_, err = db.Migrate(ctx)
		must(t, err)
		return db
	}
	db := open()
	write := func(i int) error {
		return db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			return store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: fmt.Sprintf("Tỉnh %d", i), Kind: domain.KindProvince})
		})
	}
	must(t, write(0))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written int
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if werr = write(i); werr != nil {
				return
			}
			written = i
		}
	}()
	time.Sleep(200 * time.Millisecond) // the writer is under way
	backupDir := t.TempDir()
	out := filepath.Join(backupDir, "chibo-backup.db")
	for range 3 { // the second and third replace the first in place
		must(t, db.Backup(ctx, out))
	}
	time.Sleep(1100 * time.Millisecond) // past the note's rewrite interval, so the note moves past the backup
	close(stop)
	wg.Wait()
	must(t, werr)
	if written == 0 {
		t.Fatal("no write ran beside the backup")
	}
	if entries, _ := os.ReadDir(backupDir); len(entries) != 1 {
		t.Errorf("backup directory holds %d entries, want the backup alone (no temporary file left)", len(entries))
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, fi.Mode())
	}

	copyDB, err := store.Open(ctx, store.Options{URL: "sqlite:" + out})
	must(t, err)
	var check string
	must(t, copyDB.R.NewRaw("PRAGMA integrity_check").Scan(ctx, &check))
	var inCopy int
	must(t, copyDB.R.NewRaw("SELECT count(*) FROM org_units").Scan(ctx, &inCopy))
	must(t, copyDB.Close())
	if check != "ok" {
		t.Errorf("integrity_check of the copy = %q", check)
	}
	if inCopy < 1 || inCopy > written+1 {
		t.Errorf("the copy holds %d units; the writer wrote %d", inCopy, written+1)
	}
	must(t, db.Close())

	// Restore: the server stopped, the backup copied back as chibo.db (its WAL gone with the old file), the note
	// left as it is, the server started.
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(out)
	must(t, err)
	must(t, os.WriteFile(path, b, 0o600))
	db, err = store.Open(ctx, store.Options{DataDir: dir})
	must(t, err)
	defer db.Close()
	restored, err := store.CheckRestored(ctx, db)
	must(t, err)
	if !restored {
		t.Error("the restored backup was not noticed: devices would keep rows it does not have")
	}
	if restored, err := store.CheckRestored(ctx, db); err != nil || restored {
		t.Errorf("a second check found it restored again (%v, %v)", restored, err)
	}
}

// TestBackupRefusesPostgres: PostgreSQL backups are pgBackRest's or pg_dump's job.
func TestBackupRefusesPostgres(t *testing.T) {
	db := testdb.New(t)
	err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if testdb.Dialect() == "pg" {
		if !errors.Is(err, store.ErrBackupPostgres) {
			t.Errorf("backup on PostgreSQL: %v, want ErrBackupPostgres", err)
		}
		return
	}
	if err != nil {
		t.Errorf("backup of a SQLite file: %v", err)
	}
}

// TestPGVersion: PostgreSQL older than 14 is refused with the version found; the test server passes.
func TestPGVersion(t *testing.T) {
	for _, tc := range []struct {
		num     int
		version string
		ok      bool
	}{{130012, "13.12", false}, {140000, "14.0", true}, {150008, "15.8", true}, {90624, "9.6.24", false}} {
		err := store.PGVersionError(tc.num, tc.version)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.version, err)
		}
		if err != nil && !containsAll(err.Error(), tc.version, "14") {
			t.Errorf("%s: the error %q does not name the version found and the one needed", tc.version, err)
		}
	}
	if testdb.Dialect() == "pg" {
		testdb.New(t) // opening checks the version
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestPoolSize: the PostgreSQL pool takes its size from the options (CHIBO_DB_MAX_CONNS), 20 by default; SQLite
// keeps its single writer. The connections a burst opened stay open for the next one, all of them by default
// (CHIBO_DB_MAX_IDLE), as many as asked otherwise.
func TestPoolSize(t *testing.T) {
	ctx := context.Background()
	url := testdb.URL(t)
	for _, tc := range []struct{ conns, idle, want int }{{0, 0, store.DefaultPGMaxConns}, {5, 2, 5}} {
		db, err := store.Open(ctx, store.Options{URL: url, MaxConns: tc.conns, MaxIdle: tc.idle})
		must(t, err)
		got := db.W.DB.Stats().MaxOpenConnections
		must(t, db.Close())
		if testdb.Dialect() == "pg" && got != tc.want {
			t.Errorf("MaxConns %d: pool of %d, want %d", tc.conns, got, tc.want)
		}
		if testdb.Dialect() == "sqlite" && got != 1 {
			t.Errorf("SQLite writer pool of %d, want 1", got)
		}
	}
	if testdb.Dialect() != "pg" {
		return
	}
	for _, tc := range []struct{ idle, want int }{{0, 5}, {2, 2}} {
		db, err := store.Open(ctx, store.Options{URL: url, MaxConns: 5, MaxIdle: tc.idle})
		must(t, err)
		// A burst: five connections busy at once, then all released.
		conns := make([]*sql.Conn, 5)
		for i := range conns {
			conns[i], err = db.W.DB.Conn(ctx)
			must(t, err)
		}
		for _, c := range conns {
			must(t, c.Close())
		}
		st := db.W.DB.Stats()
		must(t, db.Close())
		if st.Idle != tc.want || st.MaxIdleClosed != int64(5-tc.want) {
			t.Errorf("MaxIdle %d: after a burst of 5, %d idle and %d closed, want %d idle", tc.idle, st.Idle, st.MaxIdleClosed, tc.want)
		}
	}
}
