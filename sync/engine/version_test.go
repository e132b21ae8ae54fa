package engine_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestVersionsOnlyGrowUnderLockWaits is invariant 13, the interleaving that made a row's version go down on
// PostgreSQL: a writer takes its transaction number (PostgreSQL's transaction id), then waits for a row lock held
// elsewhere; meanwhile a younger writer changes row R and commits; then the first one writes R too. R must end
// with the first writer's content at a version above the younger one's, and a device that pulled incrementally
// must hold what a brand-new device pulls. The first writer is a device's push (an update, a delete) or a write
// through the store's Update and SoftDelete, as the API does. On SQLite, which has one writer, the locks cannot
// interleave: the younger write simply goes first, and the same checks run.
func TestVersionsOnlyGrowUnderLockWaits(t *testing.T) {
	cases := []struct {
		name   string
		delete bool
		// first is the writer that takes its number early, then blocks on meeting L, then writes R.
		first func(h *harness, ids [3]string) error
	}{
		{name: "push update", first: func(h *harness, ids [3]string) error {
			return pushMeetings(h, "off1", ids, func(m *wire.Mutation) { m.Fields = fields("topic", "second") })
		}},
		{name: "push delete", delete: true, first: func(h *harness, ids [3]string) error {
			return pushMeetings(h, "off1", ids, func(m *wire.Mutation) { m.Op, m.Fields = wire.MutDelete, nil })
		}},
		{name: "store update", first: func(h *harness, ids [3]string) error {
			return storeWrite(h, ids, func(ctx context.Context, tx bun.Tx, r *store.Meeting) error {
				before := store.Clone(r)
				r.Topic = "second"
				return store.Update(ctx, tx, before, r)
			})
		}},
		{name: "store soft delete", delete: true, first: func(h *harness, ids [3]string) error {
			return storeWrite(h, ids, func(ctx context.Context, tx bun.Tx, r *store.Meeting) error {
				return store.SoftDelete(ctx, tx, r)
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			var ids [3]string // meetings A, L and R, created in id order so every writer locks them in that order
			for i := range ids {
				ids[i] = domain.NewID()
			}
			sort.Strings(ids[:])
			h.write(func(ctx context.Context, tx bun.IDB) error {
				for i, id := range ids {
					m := &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today.AddDays(-i), Type: domain.MeetingRegular,
						Mode: "in_person", Status: domain.MeetingHeld, Topic: "start"}
					m.ID = id
					if err := store.Insert(ctx, tx, m); err != nil {
						return err
					}
				}
				return nil
			})
			observer, younger := h.device("off2"), h.device("off2")
			pull(t, observer)
			pull(t, younger)

			pg := h.db.Dialect == "pg"
			var lock bun.Tx
			if pg { // another session holds meeting L
				var err error
				if lock, err = h.db.W.BeginTx(ctx, nil); err != nil {
					t.Fatal(err)
				}
				defer lock.Rollback()
				if _, err := lock.ExecContext(ctx, "SELECT id FROM meetings WHERE id = ? FOR UPDATE", ids[1]); err != nil {
					t.Fatal(err)
				}
			}
			firstDone := make(chan error, 1)
			start := func() { go func() { firstDone <- tc.first(h, ids) }() }
			if pg {
				start()
				waitForLockWait(t, h.db)
			}
			// The younger writer: another device sets R's topic and is answered.
			r := younger.Local.Row("meetings", ids[2])
			younger.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: ids[2], BaseVersion: r.Version,
				Fields: fields("topic", "first"), Base: map[string]json.RawMessage{"topic": r.Field("topic")}})
			st, err := younger.Push(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Results) != 1 || st.Results[0].Status != wire.StatusApplied {
				t.Fatalf("younger push: %+v", st.Results)
			}
			youngerVersion := st.Results[0].Version
			if pg {
				select {
				case err := <-firstDone:
					t.Fatalf("the first writer did not wait for the lock (%v)", err)
				default:
				}
				if err := lock.Rollback(); err != nil {
					t.Fatal(err)
				}
			} else {
				start()
			}
			select {
			case err := <-firstDone:
				if err != nil {
					t.Fatalf("first writer: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the first writer never finished")
			}

			var got store.Meeting
			if err := h.db.R.NewSelect().Model(&got).WhereAllWithDeleted().Where("mt.id = ?", ids[2]).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if got.Version <= youngerVersion {
				t.Errorf("R went from version %d (the younger write) down to %d (the first writer's)", youngerVersion, got.Version)
			}
			if tc.delete && got.DeletedAt == nil || !tc.delete && got.Topic != "second" {
				t.Errorf("R is %q (deleted %v): the first writer, which committed last, must win", got.Topic, got.DeletedAt != nil)
			}
			var logTop int64
			if err := h.db.R.NewRaw("SELECT max(tx) FROM sync_changes WHERE tbl = 'meetings' AND row_id = ?", ids[2]).Scan(ctx, &logTop); err != nil {
				t.Fatal(err)
			}
			if logTop != got.Version {
				t.Errorf("R's newest change log entry is at %d, the row at %d: devices apply the log in that order", logTop, got.Version)
			}
			// A device that pulled incrementally holds exactly what a new device pulls, and its checksums agree.
			if mismatch := pullTo(t, observer, got.Version); len(mismatch) > 0 {
				t.Errorf("the incremental device fails its checksums for %v", mismatch)
			}
			fresh := h.device("off2")
			pull(t, fresh)
			if diff := cmp.Diff(rowsOf(fresh.Local.Rows), rowsOf(observer.Local.Rows)); diff != "" {
				t.Errorf("the incremental device differs from a new one (-new +incremental):\n%s", diff)
			}
		})
	}
}

// pushMeetings pushes, as a new device of user, an update of meetings A and L's topics and the mutation edit
// makes of an update of R, in one batch.
func pushMeetings(h *harness, user string, ids [3]string, edit func(*wire.Mutation)) error {
	d := h.device(user)
	for i, id := range ids {
		m := wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: id, BaseVersion: 1, Fields: fields("topic", "batch")}
		if i == 2 {
			edit(&m)
		}
		d.Mutate(m)
	}
	st, err := d.Push(context.Background())
	if err != nil {
		return err
	}
	for _, r := range st.Results {
		if r.Status != wire.StatusApplied {
			return errors.New("push refused: " + r.Message)
		}
	}
	return nil
}

// storeWrite is a write through the store, as the API makes: it takes its transaction number (as any earlier
// write of the transaction does), locks meeting L, then reads R and hands it to write. (It writes nothing else in
// cell A: every meeting write locks the cell's coverage stamp, which would make the younger writer wait.)
func storeWrite(h *harness, ids [3]string, write func(ctx context.Context, tx bun.Tx, r *store.Meeting) error) error {
	return h.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		get := func(id string, lock bool) (*store.Meeting, error) {
			m := new(store.Meeting)
			q := tx.NewSelect().Model(m).Where("mt.id = ?", id)
			if lock && h.db.Dialect == "pg" {
				q = q.For("UPDATE")
			}
			return m, q.Scan(ctx)
		}
		if _, err := store.SyncTx(ctx, tx); err != nil { // as a first write elsewhere would
			return err
		}
		if _, err := get(ids[1], true); err != nil {
			return err
		}
		r, err := get(ids[2], false)
		if err != nil {
			return err
		}
		return write(ctx, tx, r)
	})
}

// waitForLockWait waits until a session of the test's database waits for a lock.
func waitForLockWait(t *testing.T, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := db.R.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).
			Scan(context.Background(), &n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no session ever waited for the lock")
}

// pullTo runs pull rounds until the device's position reaches version (a transaction of another test database on
// the same PostgreSQL server can hold the horizon back for a while) and returns the scopes whose checksums failed.
func pullTo(t *testing.T, c *client.Client, version int64) []string {
	t.Helper()
	var mismatch []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		rs, err := c.Pull(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		mismatch = append(mismatch, rs.Mismatch...)
		if c.Local.Position >= version {
			return mismatch
		}
		if time.Now().After(deadline) {
			t.Fatalf("the device's position stays at %d, below %d", c.Local.Position, version)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
