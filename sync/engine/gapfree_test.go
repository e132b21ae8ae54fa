package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/simulate"
	"github.com/chibo-vn/chibo/sync/wire"
)

// longHold is how long the long transaction of TestPullIsGapFree stays open: 30 s on PostgreSQL. SQLite has one
// writer, so a held write transaction makes the others wait instead of committing around it; there it is 2 s.
func longHold() time.Duration {
	if v := os.Getenv("CHIBO_TEST_LONG_TX"); v != "" {
		d, err := time.ParseDuration(v)
		if err == nil {
			return d
		}
	}
	if testdb.Dialect() == "pg" {
		return 30 * time.Second
	}
	return 2 * time.Second
}

// TestPullIsGapFree is invariant 4: while writers commit concurrently and out of order, one of them holding its
// transaction open for 30 seconds, the union of the pages pulled from a cursor equals the set of changes committed
// after it, and the long transaction's changes are delivered too.
func TestPullIsGapFree(t *testing.T) {
	h := newHarness(t)
	c := h.device("off2")
	pull(t, c)
	from := h.rawPull("off2", wire.PullRequest{})
	for from.HasMore {
		from = h.rawPull("off2", wire.PullRequest{Cursor: from.Cursor})
	}
	type change struct {
		Table string `bun:"tbl"`
		ID    string `bun:"row_id"`
		Op    string `bun:"op"`
		Tx    int64  `bun:"tx"`
	}
	got := map[change]int{}
	var gotMu sync.Mutex
	hold := longHold()
	var wg sync.WaitGroup
	var longTx int64
	longStarted := make(chan struct{})
	longDone := make(chan struct{})
	wg.Add(1)
	go func() { // the long transaction: takes its number first, commits last
		defer wg.Done()
		defer close(longDone)
		h.write(func(ctx context.Context, tx bun.IDB) error {
			m := &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today, Type: domain.MeetingThematic, Mode: "in_person", Status: domain.MeetingPlanned, Topic: "Giao dịch dài"}
			if err := store.Insert(ctx, tx, m); err != nil {
				return err
			}
			longTx = m.Version
			close(longStarted)
			time.Sleep(hold)
			return nil
		})
	}()
	<-longStarted
	const writers, each = 4, 15
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < each; i++ {
				cell := []string{"A", "X"}[rng.IntN(2)]
				h.write(func(ctx context.Context, tx bun.IDB) error {
					m := &store.Meeting{CellID: h.cells[cell].ID, MeetingDate: h.today.AddDays(-rng.IntN(30)), Type: domain.MeetingRegular, Mode: "in_person", Status: domain.MeetingHeld}
					if err := store.Insert(ctx, tx, m); err != nil {
						return err
					}
					time.Sleep(time.Duration(rng.IntN(8)) * time.Millisecond) // commit out of order
					mem := h.members[cell][rng.IntN(5)]
					at := &store.Attendance{MeetingID: m.ID, MemberID: mem.ID, Status: domain.AttendPresent}
					at.ID = wire.AttendanceID(m.ID, mem.ID)
					return store.Insert(ctx, tx, at)
				})
			}
		}(w)
	}
	// Pull continuously from the cursor, a few rows per page, until the writers are done and the pull caught up.
	cursor := from.Cursor
	heldBack := false
	for {
		finished := waitTimeout(&wg, 0)
		resp := h.rawPull("off2", wire.PullRequest{Cursor: cursor, Limit: 4})
		gotMu.Lock()
		for _, op := range resp.Ops {
			got[change{op.Table, op.ID, op.Op, op.Version}]++
		}
		gotMu.Unlock()
		select {
		case <-longDone:
		default:
			if resp.Position < longTx {
				heldBack = true
			}
		}
		cursor = resp.Cursor
		if finished && !resp.HasMore {
			// One more pull after everything committed, to see nothing is left.
			resp = h.rawPull("off2", wire.PullRequest{Cursor: cursor})
			for _, op := range resp.Ops {
				got[change{op.Table, op.ID, op.Op, op.Version}]++
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var want []change
	if err := h.db.R.NewRaw(`SELECT tbl, row_id, op, tx FROM sync_changes WHERE tx > ? ORDER BY tx, seq`, from.Position).
		Scan(context.Background(), &want); err != nil {
		t.Fatal(err)
	}
	wantSet := map[change]int{}
	for _, w := range want {
		wantSet[w]++
	}
	if diff := cmp.Diff(wantSet, got); diff != "" {
		t.Errorf("pulled changes differ from the committed ones (-committed +pulled):\n%s", diff)
	}
	if len(wantSet) != 1+writers*each*2 {
		t.Errorf("%d changes committed, want %d", len(wantSet), 1+writers*each*2)
	}
	if testdb.Dialect() == "pg" && !heldBack {
		t.Error("pulls never waited for the long transaction (the horizon did not hold)")
	}
	t.Logf("%d changes, long transaction held %s, horizon held back: %v", len(wantSet), hold, heldBack)
}

// TestDevicesConverge is invariant 5: devices making random offline edits — creates, updates and deletes, the
// same records on several devices — and syncing concurrently end with exactly the server's view of their scopes.
// CHIBO_SOAK=N runs N seeds with more rounds (make soak).
func TestDevicesConverge(t *testing.T) {
	seeds, rounds := 1, 6
	if n := os.Getenv("CHIBO_SOAK"); n != "" {
		fmt.Sscan(n, &seeds)
		rounds = 15
	}
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { converge(t, uint64(seed), rounds) })
	}
}

func converge(t *testing.T, seed uint64, rounds int) {
	h := newHarness(t)
	users := []string{"off1", "off1", "off2", "off2", "sec", "sup"}
	devs := make([]*simulate.Device, len(users))
	dir := t.TempDir()
	for i, u := range users {
		devs[i] = simulate.NewDevice(fmt.Sprintf("%s-%d", u, i), h.device(u), seed*100+uint64(i), dir)
		pull(t, devs[i].Client)
	}
	ctx := context.Background()
	for r := 0; r < rounds; r++ {
		for _, d := range devs {
			d.Work(1+d.Rng.IntN(6), time.Now())
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(devs))
		for _, d := range devs {
			if d.Rng.IntN(3) == 0 {
				continue // stays offline this round
			}
			wg.Add(1)
			go func(d *simulate.Device) {
				defer wg.Done()
				if err := d.Sync(ctx, true); err != nil {
					errs <- fmt.Errorf("%s: %w", d.Name, err)
				}
			}(d)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		for _, d := range devs {
			if err := d.Sync(ctx, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	made, rejected, conflicts := 0, 0, 0
	for _, d := range devs {
		made += d.Made
		rejected += len(d.Client.Local.Rejected)
		if len(d.Client.Local.Outbox) != 0 {
			t.Errorf("%s: %d mutations never left", d.Name, len(d.Client.Local.Outbox))
		}
		mismatch, err := d.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mismatch) > 0 {
			t.Errorf("%s differs from the server in %v", d.Name, mismatch)
		}
		// Same rows, versions and data as a brand-new device of the same user.
		user := users[0]
		for _, u := range users {
			if strings.HasPrefix(d.Name, u+"-") {
				user = u
			}
		}
		fresh := h.device(user)
		pull(t, fresh)
		if diff := cmp.Diff(rowsOf(fresh.Local.Rows), rowsOf(d.Client.Local.Rows)); diff != "" {
			t.Errorf("%s differs from a fresh device (-fresh +device):\n%s", d.Name, diff)
		}
	}
	_ = h.db.R.NewSelect().Table("sync_conflicts").ColumnExpr("count(*)").Scan(ctx, &conflicts)
	if made == 0 || conflicts == 0 {
		t.Errorf("the simulation made %d mutations and %d conflicts: too tame to test anything", made, conflicts)
	}
	t.Logf("seed %d: %d mutations made, %d refused, %d conflicts recorded", seed, made, rejected, conflicts)
}

func rowsOf(rows map[string]*client.Row) []string {
	var out []string
	for k, r := range rows {
		out = append(out, fmt.Sprintf("%s v%d %s", k, r.Version, r.Data))
	}
	sort.Strings(out)
	return out
}

// TestHorizonIgnoresOtherDatabases: on PostgreSQL transaction ids are shared by the cluster, but a write
// transaction held open in another database of the same server does not hold back this database's horizon, while
// one held open in this database does (TestPullIsGapFree checks it keeps the pull gap-free).
func TestHorizonIgnoresOtherDatabases(t *testing.T) {
	if testdb.Dialect() != "pg" {
		t.Skip("SQLite has one writer per file and no shared transaction ids: nothing to test")
	}
	ctx := context.Background()
	h := newHarness(t)
	hold := func(db *store.DB) (int64, func()) {
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var xid int64
		if err := tx.NewRaw("SELECT pg_current_xact_id()::text::bigint").Scan(ctx, &xid); err != nil {
			t.Fatal(err)
		}
		return xid, func() { _ = tx.Rollback() }
	}
	write := func() int64 {
		m := &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today, Type: domain.MeetingThematic, Mode: "in_person", Status: domain.MeetingPlanned}
		h.write(func(ctx context.Context, tx bun.IDB) error { return store.Insert(ctx, tx, m) })
		return m.Version
	}
	horizon := func() int64 {
		si, err := store.ReadSyncInfo(ctx, h.db.R)
		if err != nil {
			t.Fatal(err)
		}
		return si.Horizon
	}

	_, release := hold(testdb.New(t))
	v := write()
	if hz := horizon(); hz <= v {
		t.Errorf("a transaction open in another database held the horizon at %d, below the change at %d", hz, v)
	}
	release()

	_, release = hold(h.db)
	defer release()
	v = write()
	if hz := horizon(); hz > v {
		t.Errorf("a transaction open in this database did not hold the horizon: %d, past the change at %d", hz, v)
	}
}
