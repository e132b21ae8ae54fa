package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
)

// TestPruneInBatches: pruning the change log in transactions of at most 7 changes removes every old change, and
// after each transaction (a process dying between two of them) pruned_tx covers every change gone and no change
// left is older, so a device is reset exactly when it may have missed one.
func TestPruneInBatches(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	gone := h.device("off1")
	pull(t, gone)
	for i := range 12 {
		m := h.members["A"][i%5]
		h.write(func(ctx context.Context, tx bun.IDB) error {
			before := *m
			m.FullName = fmt.Sprintf("Đảng viên %d", i)
			return store.Update(ctx, tx, &before, m)
		})
	}
	var total int
	if err := h.db.R.NewRaw(`SELECT count(*) FROM sync_changes`).Scan(ctx, &total); err != nil {
		t.Fatal(err)
	}
	engine := h.api.Sync()
	engine.SetClock(func() time.Time { return time.Now().Add(210 * 24 * time.Hour) })
	state := func() (pruned, oldestLeft int64, left int) {
		t.Helper()
		if err := h.db.R.NewRaw(`SELECT pruned_tx FROM sync_state WHERE id = 1`).Scan(ctx, &pruned); err != nil {
			t.Fatal(err)
		}
		if err := h.db.R.NewRaw(`SELECT count(*), COALESCE(min(tx), 0) FROM sync_changes`).Scan(ctx, &left, &oldestLeft); err != nil {
			t.Fatal(err)
		}
		return pruned, oldestLeft, left
	}
	rounds, most := 0, 0
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := store.Batch{Size: 7, Observe: func(step string, rows int, _ time.Duration) {
		if step != "prune_changes" {
			return
		}
		rounds++
		most = max(most, rows)
		if rounds == 2 {
			cancel() // the process dies after its second transaction
		}
	}}
	removed, err := engine.PruneBatched(cctx, b)
	if err == nil || removed != 14 {
		t.Fatalf("interrupted prune removed %d (%v), want 14 and an error", removed, err)
	}
	pruned, oldest, left := state()
	if left != total-14 || (left > 0 && oldest < pruned) {
		t.Errorf("after two rounds: %d of %d changes left, the oldest of tx %d, pruned_tx %d", left, total, oldest, pruned)
	}
	b.Observe = func(step string, rows int, _ time.Duration) {
		if step == "prune_changes" {
			rounds++
			most = max(most, rows)
		}
	}
	removed, err = engine.PruneBatched(ctx, b)
	if err != nil || int(removed) != total-14 {
		t.Fatalf("the second prune removed %d (%v), want %d", removed, err, total-14)
	}
	if _, _, left := state(); left != 0 {
		t.Errorf("%d changes left", left)
	}
	if want := (total + 6) / 7; most > 7 || rounds < want {
		t.Errorf("%d rounds of at most %d changes, want at least %d of at most 7", rounds, most, want)
	}
	engine.SetClock(time.Now)
	if st := pull(t, gone); !st.Reset {
		t.Error("a cursor older than the pruned log did not get a full snapshot")
	}
}
