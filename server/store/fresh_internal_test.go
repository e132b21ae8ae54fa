package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The lifetimes of the values in these tests: as the sync log's state's.
const testTTL, testAhead = 250 * time.Millisecond, 100 * time.Millisecond

// TestFreshReadsOnceForMany: polls that find the kept value stale together wait for one read of the
// database instead of each making its own; a write of the instance (forget) during that read is not hidden by it;
// and a failed read is not cached.
func TestFreshReadsOnceForMany(t *testing.T) {
	r := Fresh[int64]{TTL: testTTL, Ahead: testAhead}
	var reads atomic.Int32
	release := make(chan struct{})
	read := func(context.Context) (int64, error) {
		reads.Add(1)
		<-release
		return 7, nil
	}
	var wg sync.WaitGroup
	got := make([]int64, 50)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, err := r.Load(context.Background(), read)
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
		if st != 7 {
			t.Fatalf("poll %d got %d", i, st)
		}
	}
	if _, err := r.Load(context.Background(), read); err != nil || reads.Load() != 1 {
		t.Errorf("a fresh state was read again (%d reads, %v)", reads.Load(), err)
	}

	// A write lands while a read is on its way: that read's answer may predate the write, so it is not kept.
	r.Forget()
	slow := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.Load(context.Background(), func(context.Context) (int64, error) {
			<-slow
			return 7, nil
		})
	}()
	time.Sleep(20 * time.Millisecond)
	r.Forget()
	close(slow)
	<-done
	st, _ := r.Load(context.Background(), func(context.Context) (int64, error) { return 9, nil })
	if st != 9 {
		t.Errorf("after a write during a read, the state read before it was kept: %d", st)
	}

	// A failed read leaves nothing cached.
	r.Forget()
	if _, err := r.Load(context.Background(), func(context.Context) (int64, error) { return 0, context.DeadlineExceeded }); err == nil {
		t.Error("a failed read was not reported")
	}
	st, _ = r.Load(context.Background(), func(context.Context) (int64, error) { return 11, nil })
	if st != 11 {
		t.Errorf("a failed read was cached: %d", st)
	}
}

// TestFreshReadsAhead: a poll in the cached state's last moments is answered from it at once and starts one
// background read, whose answer the next polls get; a read made stale by a write (forget) is not kept; once the
// state has expired, polls wait for a read again.
func TestFreshReadsAhead(t *testing.T) {
	r := Fresh[int64]{TTL: testTTL, Ahead: testAhead}
	var later []func()
	r.Background = func(f func()) { later = append(later, f) }
	var reads atomic.Int32
	read := func(v int64) func(context.Context) (int64, error) {
		return func(context.Context) (int64, error) {
			reads.Add(1)
			return v, nil
		}
	}
	ctx := context.Background()
	r.v, r.at = 1, time.Now().Add(-(testTTL - testAhead/2))
	for i := 0; i < 5; i++ {
		st, err := r.Load(ctx, read(2))
		if err != nil || st != 1 {
			t.Fatalf("poll %d in the last moments got %d, %v; want the cached state at once", i, st, err)
		}
	}
	if len(later) != 1 || reads.Load() != 0 {
		t.Fatalf("%d background reads started, %d made before answering; want 1 and 0", len(later), reads.Load())
	}
	later[0]()
	if st, _ := r.Load(ctx, read(3)); st != 2 || reads.Load() != 1 {
		t.Errorf("after the background read: %d (%d reads), want what it read", st, reads.Load())
	}

	// A write of this instance while the background read is out: its answer is not kept.
	later = nil
	r.at = time.Now().Add(-(testTTL - testAhead/2))
	r.Load(ctx, read(4))
	r.Forget()
	later[0]()
	if st, _ := r.Load(ctx, read(5)); st != 5 {
		t.Errorf("a background read begun before a write was kept: %d", st)
	}

	// Expired: the poll waits for a read of its own.
	later = nil
	r.at = time.Now().Add(-2 * testTTL)
	if st, _ := r.Load(ctx, read(6)); st != 6 || len(later) != 0 {
		t.Errorf("an expired state: got %d with %d background reads, want a read in the poll", st, len(later))
	}
}

// TestFreshKeepsOnlyWhatKeepAllows: a value Keep refuses is returned to its caller but read again by the next.
func TestFreshKeepsOnlyWhatKeepAllows(t *testing.T) {
	r := Fresh[int64]{TTL: time.Hour, Keep: func(v int64) bool { return v >= 0 }}
	reads := 0
	read := func(v int64) func(context.Context) (int64, error) {
		return func(context.Context) (int64, error) { reads++; return v, nil }
	}
	ctx := context.Background()
	if v, _ := r.Load(ctx, read(-1)); v != -1 {
		t.Fatalf("got %d, want the value read", v)
	}
	if v, _ := r.Load(ctx, read(3)); v != 3 || reads != 2 {
		t.Fatalf("after a refused value: %d with %d reads, want 3 read again", v, reads)
	}
	if v, _ := r.Load(ctx, read(4)); v != 3 || reads != 2 {
		t.Errorf("a kept value was read again: %d with %d reads", v, reads)
	}
}
