package engine

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// TestRecentLogReadsOnceForMany: polls that find the cached log state stale together wait for one read of the
// database instead of each making its own; a write of the instance (forget) during that read is not hidden by it;
// and a failed read is not cached.
func TestRecentLogReadsOnceForMany(t *testing.T) {
	var r recentLog
	var reads atomic.Int32
	release := make(chan struct{})
	read := func(context.Context) (logState, error) {
		reads.Add(1)
		<-release
		return logState{epoch: "e", maxLogged: 7}, nil
	}
	var wg sync.WaitGroup
	got := make([]logState, 50)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, err := r.load(context.Background(), read)
			if err != nil {
				t.Error(err)
			}
			got[i] = st
		}(i)
	}
	time.Sleep(50 * time.Millisecond) // all 50 are waiting on the first read
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for 50 polls at once, want 1", n)
	}
	for i, st := range got {
		if st.maxLogged != 7 {
			t.Fatalf("poll %d got %+v", i, st)
		}
	}
	if _, err := r.load(context.Background(), read); err != nil || reads.Load() != 1 {
		t.Errorf("a fresh state was read again (%d reads, %v)", reads.Load(), err)
	}

	// A write lands while a read is on its way: that read's answer may predate the write, so it is not kept.
	r.forget()
	slow := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.load(context.Background(), func(context.Context) (logState, error) {
			<-slow
			return logState{epoch: "e", maxLogged: 7}, nil
		})
	}()
	time.Sleep(20 * time.Millisecond)
	r.forget()
	close(slow)
	<-done
	st, _ := r.load(context.Background(), func(context.Context) (logState, error) { return logState{epoch: "e", maxLogged: 9}, nil })
	if st.maxLogged != 9 {
		t.Errorf("after a write during a read, the state read before it was kept: %+v", st)
	}

	// A failed read leaves nothing cached.
	r.forget()
	if _, err := r.load(context.Background(), func(context.Context) (logState, error) { return logState{}, context.DeadlineExceeded }); err == nil {
		t.Error("a failed read was not reported")
	}
	st, _ = r.load(context.Background(), func(context.Context) (logState, error) { return logState{epoch: "e", maxLogged: 11}, nil })
	if st.maxLogged != 11 {
		t.Errorf("a failed read was cached: %+v", st)
	}
}

// TestRecentLogReadsAhead: a poll in the cached state's last moments is answered from it at once and starts one
// background read, whose answer the next polls get; a read made stale by a write (forget) is not kept; once the
// state has expired, polls wait for a read again.
func TestRecentLogReadsAhead(t *testing.T) {
	var r recentLog
	var later []func()
	r.ahead = func(f func()) { later = append(later, f) }
	var reads atomic.Int32
	read := func(v int64) func(context.Context) (logState, error) {
		return func(context.Context) (logState, error) {
			reads.Add(1)
			return logState{epoch: "e", maxLogged: v}, nil
		}
	}
	ctx := context.Background()
	r.st, r.at = logState{epoch: "e", maxLogged: 1}, time.Now().Add(-(recentTTL - recentAhead/2))
	for i := 0; i < 5; i++ {
		st, err := r.load(ctx, read(2))
		if err != nil || st.maxLogged != 1 {
			t.Fatalf("poll %d in the last moments got %+v, %v; want the cached state at once", i, st, err)
		}
	}
	if len(later) != 1 || reads.Load() != 0 {
		t.Fatalf("%d background reads started, %d made before answering; want 1 and 0", len(later), reads.Load())
	}
	later[0]()
	if st, _ := r.load(ctx, read(3)); st.maxLogged != 2 || reads.Load() != 1 {
		t.Errorf("after the background read: %+v (%d reads), want what it read", st, reads.Load())
	}

	// A write of this instance while the background read is out: its answer is not kept.
	later = nil
	r.at = time.Now().Add(-(recentTTL - recentAhead/2))
	r.load(ctx, read(4))
	r.forget()
	later[0]()
	if st, _ := r.load(ctx, read(5)); st.maxLogged != 5 {
		t.Errorf("a background read begun before a write was kept: %+v", st)
	}

	// Expired: the poll waits for a read of its own.
	later = nil
	r.at = time.Now().Add(-2 * recentTTL)
	if st, _ := r.load(ctx, read(6)); st.maxLogged != 6 || len(later) != 0 {
		t.Errorf("an expired state: got %+v with %d background reads, want a read in the poll", st, len(later))
	}
}

// TestCursorCacheGivesCopies: a cursor decoded from the cache is the device's own copy; what a round changes in it
// never shows in the next decoding of the same cursor.
func TestCursorCacheGivesCopies(t *testing.T) {
	var cc cursorCache
	orig := (&cursor{V: cursorVersion, Epoch: "e", Tx: 5, High: 5, Scopes: []string{"a", "b"}, Window: "2025-01",
		Round: &round{Snap: []string{"c"}, Fresh: []string{"d"}}}).encode()
	for i := 0; i < 3; i++ {
		c, err := cc.decode(orig)
		if err != nil {
			t.Fatal(err)
		}
		if c.Tx != 5 || c.Scopes[0] != "a" || c.Round.Snap[0] != "c" || c.Round.Fresh[0] != "d" {
			t.Fatalf("decoding %d: %+v %+v", i, c, c.Round)
		}
		c.Tx, c.Scopes[0], c.Round.Snap[0], c.Round.Fresh[0], c.Round.Table = 99, "x", "y", "z", 3
	}
	if _, err := cc.decode("not a cursor"); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

// TestScanAttendanceIsTheModel: the snapshot's own reading of attendance rows gives the rows bun's model gives,
// to the byte of their JSON, deleted rows and reasons included, on either database.
func TestScanAttendanceIsTheModel(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := demo.Generate(ctx, db, demo.Config{Seed: 3, Communes: 1, CellsPerCommune: 2, MembersPerCell: 5,
		Officials: 1, Months: 3, Today: domain.NewDate(2026, 4, 10), PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	// A deleted mark and an absence with a reason of hostile text.
	if _, err := db.W.NewRaw(`UPDATE attendance SET deleted_at = updated_at WHERE id = (SELECT id FROM attendance ORDER BY id LIMIT 1)`).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.NewRaw(`UPDATE attendance SET status = 'excused', reason = ? WHERE id = (SELECT id FROM attendance ORDER BY id DESC LIMIT 1)`,
		"Ốm <nặng> & \"nằm viện\"\n").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var want []*store.Attendance
	if err := db.R.NewSelect().Model(&want).WhereAllWithDeleted().OrderExpr("at.id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var model []*store.Attendance
	got, err := scanAttendance(ctx, attendanceRows(db.R, &model).WhereAllWithDeleted().OrderExpr("at.id"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 || len(got) != len(want) {
		t.Fatalf("%d rows read, the model %d", len(got), len(want))
	}
	deleted := 0
	for i := range want {
		a, _ := json.Marshal(want[i])
		b, _ := changelog.Marshal(got[i])
		if string(a) != string(b) {
			t.Fatalf("row %d:\nmodel %s\nown   %s", i, a, b)
		}
		if want[i].DeletedAt != nil {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("%d deleted rows read, want 1", deleted)
	}
}
