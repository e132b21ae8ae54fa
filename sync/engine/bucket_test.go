package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// TestBucketAsOfOnlyGrows: a checksum is compared only once a device's position reaches its as_of (the bucket's
// tx), so that tx must not go back when a writer that took a lower number commits a change to the bucket after a
// younger one: a device would compare too early, fail the checksum and resync for nothing.
func TestBucketAsOfOnlyGrows(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var ids [3]string // A (the first writer changes it), L (locked), R (the younger writer changes it); one bucket
	h.write(func(ctx context.Context, tx bun.IDB) error {
		for i := range ids {
			m := &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today, Type: domain.MeetingRegular,
				Mode: "in_person", Status: domain.MeetingHeld, Topic: "start"}
			if err := store.Insert(ctx, tx, m); err != nil {
				return err
			}
			ids[i] = m.ID
		}
		return nil
	})
	pg := h.db.Dialect == "pg"
	var lock bun.Tx
	if pg {
		var err error
		if lock, err = h.db.W.BeginTx(ctx, nil); err != nil {
			t.Fatal(err)
		}
		defer lock.Rollback()
		if _, err := lock.ExecContext(ctx, "SELECT id FROM meetings WHERE id = ? FOR UPDATE", ids[1]); err != nil {
			t.Fatal(err)
		}
	}
	topic := func(ctx context.Context, tx bun.Tx, id, topic string) error {
		m := new(store.Meeting)
		if err := tx.NewSelect().Model(m).Where("mt.id = ?", id).Scan(ctx); err != nil {
			return err
		}
		before := store.Clone(m)
		m.Topic = topic
		return store.Update(ctx, tx, before, m)
	}
	first := func() error {
		return h.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := store.SyncTx(ctx, tx); err != nil {
				return err
			}
			q := tx.NewSelect().Model((*store.Meeting)(nil)).Column("id").Where("mt.id = ?", ids[1])
			if pg {
				q = q.For("UPDATE")
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
			return topic(ctx, tx, ids[0], "first writer")
		})
	}
	done := make(chan error, 1)
	if pg {
		go func() { done <- first() }()
		waitForLockWait(t, h.db)
	}
	var younger int64
	h.write(func(ctx context.Context, idb bun.IDB) error {
		if err := topic(ctx, idb.(bun.Tx), ids[2], "younger writer"); err != nil {
			return err
		}
		var err error
		younger, err = store.SyncTx(ctx, idb)
		return err
	})
	if pg {
		if err := lock.Rollback(); err != nil {
			t.Fatal(err)
		}
	} else {
		go func() { done <- first() }()
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first writer never finished")
	}
	var asOf int64
	if err := h.db.R.NewRaw(`SELECT b.tx FROM sync_buckets b JOIN sync_changes c ON c.class = b.class AND c.scope = b.scope AND c.part = b.part
		WHERE c.tbl = 'meetings' AND c.row_id = ? ORDER BY c.tx DESC LIMIT 1`, ids[2]).Scan(ctx, &asOf); err != nil {
		t.Fatal(err)
	}
	if asOf < younger {
		t.Errorf("the bucket's as_of went back from %d (the younger writer) to %d", younger, asOf)
	}
}
