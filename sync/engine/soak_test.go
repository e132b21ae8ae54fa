package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/simulate"
)

// TestVersionsOnlyGrowUnderRandomLockWaits is invariant 14: many devices make random offline edits of the same
// records and sync concurrently, with push answers lost (the push is sent again) and tiny pages, while another
// session keeps locking random synced rows FOR UPDATE for random short times, so pushes wait for locks and commit
// out of the order they took their numbers in. After every round: no row's version went down (the highest version
// seen of each row, on the server or on a device, is never above the server's), each row is at the version of its
// newest change log entry, bucket checksums' as_of never went back, and no device failed a checksum. At the end
// every device equals a brand-new one.
//
// It runs a few seconds in the normal suite. CHIBO_SOAK_MINUTES=M runs it for M minutes (make soak); on
// PostgreSQL the devices then talk to the real binary, which is killed with SIGKILL now and then mid-round and
// started again.
func TestVersionsOnlyGrowUnderRandomLockWaits(t *testing.T) {
	run := 4 * time.Second
	soak := false
	if v := os.Getenv("CHIBO_SOAK_MINUTES"); v != "" {
		m, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("CHIBO_SOAK_MINUTES=%q: %v", v, err)
		}
		run, soak = time.Duration(m*float64(time.Minute)), true
	}
	pg := testdb.Dialect() == "pg"
	var h *harness
	var srv *soakServer
	if soak && pg {
		url := testdb.URL(t)
		db, err := store.Open(context.Background(), store.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		h = newHarnessOn(t, db)
		srv = &soakServer{bin: serverBinary(t), url: url, addr: freePort(t), dir: t.TempDir()}
		if err := srv.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.kill)
	} else {
		h = newHarness(t)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CHIBO_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (CHIBO_SEED to repeat), %s", seed, run)
	rng := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	users := []string{"off1", "off1", "off1", "off2", "off2", "off2", "sec", "sup"}
	devs := make([]*simulate.Device, len(users))
	dir := t.TempDir()
	for i, u := range users {
		c := h.device(u)
		if srv != nil {
			c.BaseURL = "http://" + srv.addr
		}
		devs[i] = simulate.NewDevice(fmt.Sprintf("%s-%d", u, i), c, seed*100+uint64(i), dir)
		pull(t, devs[i].Client)
	}

	stop := make(chan struct{})
	var lockerWG sync.WaitGroup
	holds := 0
	if pg {
		lockerWG.Add(1)
		go func() { defer lockerWG.Done(); holds = holdLocks(h.db, seed, stop) }()
	}
	w := newWatch(h.db)
	stats := map[string]int{}
	deadline := time.Now().Add(run)
	rounds := 0
	for ; rounds < 3 || time.Now().Before(deadline); rounds++ {
		for _, d := range devs {
			d.Work(1+d.Rng.IntN(6), time.Now())
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for _, d := range devs {
			if d.Rng.IntN(4) == 0 {
				continue // offline this round
			}
			wg.Add(1)
			go func(d *simulate.Device) {
				defer wg.Done()
				mismatch, err := soakSync(ctx, d, srv != nil, stats, &mu)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", d.Name, err))
				}
				if len(mismatch) > 0 {
					errs = append(errs, fmt.Errorf("%s failed its checksums for %v in round %d", d.Name, mismatch, rounds))
				}
			}(d)
		}
		if srv != nil && rng.IntN(4) == 0 { // SIGKILL mid-round, then start again
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			srv.kill()
			stats["kills"]++
			if err := srv.start(); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if err := w.check(ctx, devs); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			break
		}
	}
	close(stop)
	lockerWG.Wait()
	for i := 0; i < 2 && !t.Failed(); i++ {
		for _, d := range devs {
			if _, err := soakSync(ctx, d, srv != nil, nil, nil); err != nil {
				t.Fatalf("%s: %v", d.Name, err)
			}
		}
	}
	if err := w.check(ctx, devs); err != nil {
		t.Error(err)
	}
	made := 0
	for i, d := range devs {
		made += d.Made
		if len(d.Client.Local.Outbox) != 0 {
			t.Errorf("%s: %d mutations never left", d.Name, len(d.Client.Local.Outbox))
		}
		fresh := h.device(users[i])
		fresh.BaseURL = d.Client.BaseURL
		pull(t, fresh)
		if diff := cmp.Diff(rowsOf(fresh.Local.Rows), rowsOf(d.Client.Local.Rows)); diff != "" {
			t.Errorf("%s differs from a new device (-new +device):\n%s", d.Name, diff)
		}
	}
	if made == 0 || (pg && holds == 0) {
		t.Errorf("%d mutations made, %d locks held: too tame to test anything", made, holds)
	}
	t.Logf("%d rounds, %d mutations, %d lock holds, %d rows watched, %v", rounds, made, holds, len(w.seen), stats)
}

// soakSync pushes (sometimes losing the answer, so the push is sent again) and pulls (sometimes in tiny pages),
// and repairs a failed checksum, which it reports. With the server being killed (retry set), a failed request is
// tried again until the server answers.
func soakSync(ctx context.Context, d *simulate.Device, retry bool, stats map[string]int, mu *sync.Mutex) ([]string, error) {
	c := d.Client
	count := func(k string) {
		if stats != nil {
			mu.Lock()
			stats[k]++
			mu.Unlock()
		}
	}
	again := func(fn func() error) error {
		err := fn()
		for i := 0; retry && err != nil && i < 600; i++ {
			count("retried_requests")
			time.Sleep(100 * time.Millisecond)
			err = fn()
		}
		return err
	}
	if stats != nil && d.Rng.IntN(3) == 0 && len(c.Local.Outbox) > 0 {
		ghost := *c
		ghost.Local = &client.Local{ClientID: c.Local.ClientID, Outbox: append(c.Local.Outbox[:0:0], c.Local.Outbox...),
			Rows: map[string]*client.Row{}, Stats: map[string]int64{}}
		if err := again(func() error { _, err := ghost.Push(ctx); return err }); err != nil {
			return nil, err
		}
		count("lost_answers")
	}
	if err := again(func() error { _, err := c.Push(ctx); return err }); err != nil {
		return nil, err
	}
	limit := c.Limit
	defer func() { c.Limit = limit }()
	if stats != nil && d.Rng.IntN(3) == 0 {
		c.Limit = 1 + d.Rng.IntN(5)
	}
	var mismatch []string
	err := again(func() error {
		st, err := c.Pull(ctx)
		if st != nil {
			mismatch = append(mismatch, st.Mismatch...)
		}
		return err
	})
	if err != nil {
		return mismatch, err
	}
	if len(mismatch) > 0 { // repair, so one divergence is reported once
		err = again(func() error { _, err := c.Pull(ctx); return err })
	}
	return mismatch, err
}

// holdLocks locks 1–3 random live rows of a random synced table FOR UPDATE, holds them 5–250 ms, lets go, and
// does it again until stop closes. It returns how many times it held locks.
func holdLocks(db *store.DB, seed uint64, stop <-chan struct{}) int {
	rng := rand.New(rand.NewPCG(seed, 2))
	tables := []string{"meetings", "meetings", "attendance", "recommendations", "members"}
	n := 0
	for {
		select {
		case <-stop:
			return n
		default:
		}
		table := tables[rng.IntN(len(tables))]
		ctx := context.Background()
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		// In id order, as the pushes lock rows, so deadlocks stay rare (PostgreSQL breaks those that happen).
		q := fmt.Sprintf(`SELECT id FROM %[1]s WHERE id IN (SELECT id FROM %[1]s WHERE deleted_at IS NULL ORDER BY random() LIMIT %d)
			ORDER BY id FOR UPDATE`, table, 1+rng.IntN(3))
		if _, err := tx.ExecContext(ctx, q); err == nil {
			n++
			time.Sleep(time.Duration(5+rng.IntN(245)) * time.Millisecond)
		}
		_ = tx.Rollback()
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
	}
}

// watch keeps the highest version seen of every synced row and the highest as_of of every bucket.
type watch struct {
	db      *store.DB
	seen    map[string]int64
	buckets map[string]int64
}

func newWatch(db *store.DB) *watch {
	return &watch{db: db, seen: map[string]int64{}, buckets: map[string]int64{}}
}

// check compares the server's rows, log and buckets and the devices' rows with what was seen before.
func (w *watch) check(ctx context.Context, devs []*simulate.Device) error {
	var problems []string
	cur := map[string]int64{}
	for _, table := range store.SyncedTables() {
		var rows []struct {
			ID      string `bun:"id"`
			Version int64  `bun:"version"`
		}
		if err := w.db.R.NewRaw("SELECT id, version FROM ?", bun.Ident(table)).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			cur[table+"/"+r.ID] = r.Version
		}
	}
	var logTops []struct {
		Table string `bun:"tbl"`
		ID    string `bun:"row_id"`
		Tx    int64  `bun:"tx"`
	}
	if err := w.db.R.NewRaw("SELECT tbl, row_id, max(tx) AS tx FROM sync_changes WHERE op = 'put' GROUP BY tbl, row_id").
		Scan(ctx, &logTops); err != nil {
		return err
	}
	for _, l := range logTops {
		if v, ok := cur[l.Table+"/"+l.ID]; ok && l.Tx > v {
			problems = append(problems, fmt.Sprintf("%s/%s is at version %d, its newest logged put at %d", l.Table, l.ID, v, l.Tx))
		}
	}
	for k, v := range cur {
		if v < w.seen[k] {
			problems = append(problems, fmt.Sprintf("%s went down from version %d to %d", k, w.seen[k], v))
		}
		w.seen[k] = max(w.seen[k], v)
	}
	for _, d := range devs {
		for k, r := range d.Client.Local.Rows {
			if v, ok := cur[k]; ok && r.Version > v {
				problems = append(problems, fmt.Sprintf("%s holds %s at version %d, above the server's %d", d.Name, k, r.Version, v))
			}
		}
	}
	var buckets []struct {
		Class string `bun:"class"`
		Scope string `bun:"scope"`
		Part  string `bun:"part"`
		Tx    int64  `bun:"tx"`
	}
	if err := w.db.R.NewRaw("SELECT class, scope, part, tx FROM sync_buckets").Scan(ctx, &buckets); err != nil {
		return err
	}
	for _, b := range buckets {
		k := b.Class + "/" + b.Scope + "/" + b.Part
		if b.Tx < w.buckets[k] {
			problems = append(problems, fmt.Sprintf("bucket %s went back from as_of %d to %d", k, w.buckets[k], b.Tx))
		}
		w.buckets[k] = max(w.buckets[k], b.Tx)
	}
	if len(problems) > 0 {
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("… and %d more", len(problems)-20))
		}
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// soakServer is the real binary, killed and started again by the long run.
type soakServer struct {
	bin, url, addr, dir string
	cmd                 *exec.Cmd
}

func (s *soakServer) start() error {
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(os.Environ(), "CHIBO_DATABASE_URL="+s.url, "CHIBO_ADDR="+s.addr,
		"CHIBO_JWT_SECRET=sync-test-key-0123456789abcdef0123", "CHIBO_LOG_LEVEL=warn", "CHIBO_DATA_DIR="+s.dir)
	cmd.Stdout, cmd.Stderr = logOut(), logOut()
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("the server did not become ready")
}

func (s *soakServer) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = s.cmd.Process.Wait()
		s.cmd = nil
	}
}
