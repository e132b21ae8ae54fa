package changelog_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/testdb"
)

// TestWriteOutlivesAClosedConnection: a write whose connection is closed under it before it commits (a proxy or a
// PostgreSQL restart cut it: "terminating connection due to administrator command", EOF) runs again on another
// connection instead of failing the device's push with a 500. Nothing of the first run was committed.
func TestWriteOutlivesAClosedConnection(t *testing.T) {
	db := testdb.New(t)
	if db.Dialect != "pg" {
		t.Log("SQLite has no connections to lose: nothing to check")
		return
	}
	ctx := context.Background()
	runs := 0
	err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		runs++
		var pid int
		if err := tx.NewRaw(`SELECT pg_backend_pid()`).Scan(ctx, &pid); err != nil {
			return err
		}
		if runs == 1 {
			// Closed from the server side, from another connection, while this transaction is open.
			var ok bool
			if err := db.R.NewRaw(`SELECT pg_terminate_backend(?)`, pid).Scan(ctx, &ok); err != nil || !ok {
				t.Fatalf("closing the connection: %v %v", ok, err)
			}
		}
		_, err := tx.NewRaw(`UPDATE sync_state SET updated_at = updated_at WHERE id = 1`).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("the write failed after its connection was closed (run %d): %v", runs, err)
	}
	if runs != 2 {
		t.Fatalf("the write ran %d times, want 2", runs)
	}
}
