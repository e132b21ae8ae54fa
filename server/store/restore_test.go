package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// TestRestoredSQLiteFileStartsANewEpoch: a SQLite file copied back from a backup is noticed at start (its
// transaction counter is behind the note kept beside it) and gets a new epoch, as a restored PostgreSQL database
// does; a file that merely restarts keeps its epoch. The note follows writes while the server runs, so a crash
// after the backup is caught too.
func TestRestoredSQLiteFileStartsANewEpoch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "chibo.db")
	open := func() *store.DB {
		t.Helper()
		db, err := store.Open(ctx, store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	epoch := func(db *store.DB) string {
		t.Helper()
		si, err := store.ReadSyncInfo(ctx, db.R)
		if err != nil {
			t.Fatal(err)
		}
		return si.Epoch
	}
	write := func(db *store.DB, name string) {
		t.Helper()
		if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			return store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: name, Kind: domain.KindProvince})
		}); err != nil {
			t.Fatal(err)
		}
	}
	note := func() (tx int64) {
		t.Helper()
		var hw struct {
			Tx int64 `json:"tx"`
		}
		b, err := os.ReadFile(store.HighWaterPath(path))
		if err == nil {
			err = json.Unmarshal(b, &hw)
		}
		if err != nil {
			t.Fatal(err)
		}
		return hw.Tx
	}

	db := open()
	first := epoch(db)
	write(db, "Tỉnh A")
	backup := filepath.Join(dir, "backup.db")
	if _, err := db.W.ExecContext(ctx, "VACUUM INTO ?", backup); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the note's rewrite interval
	write(db, "Tỉnh B")
	si, _ := store.ReadSyncInfo(ctx, db.R)
	if got := note(); got != si.MaxTx {
		t.Errorf("while running the note says %d, want the counter %d", got, si.MaxTx)
	}
	write(db, "Tỉnh C")
	must(t, db.Close())

	// A plain restart keeps the epoch.
	db = open()
	if got := epoch(db); got != first {
		t.Errorf("a restart changed the epoch %s → %s", first, got)
	}
	must(t, db.Close())

	// The backup copied back over the file.
	for _, f := range []string{path + "-wal", path + "-shm"} {
		_ = os.Remove(f)
	}
	b, err := os.ReadFile(backup)
	must(t, err)
	must(t, os.WriteFile(path, b, 0o600))
	db = open()
	defer db.Close()
	if got := epoch(db); got == first {
		t.Errorf("the restored file kept epoch %s; devices would keep rows it does not have", got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
