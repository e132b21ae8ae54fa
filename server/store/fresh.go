package store

import (
	"context"
	"sync"
	"time"
)

// Fresh is a small value read from the database that one instance reuses for TTL instead of reading it for every
// request: the sync log's state (sync/engine), the version of who may do what (the API's grants cache). Each
// instance keeps its own; nothing needs sharing.
//
// When it is stale, one caller reads it and the callers arriving meanwhile wait for that read: at thousands of
// requests a second, each making its own read piled up and stalled them all. In the last Ahead of its life it is
// read again in the background while callers go on being answered from it, so a steady stream of requests never
// waits for a read. Forget drops it after a write of this instance, so its own writes are seen at once.
//
// The zero value is not ready: set TTL (and Ahead, Keep) before the first Load.
type Fresh[T any] struct {
	TTL   time.Duration // how long a value read is used
	Ahead time.Duration // how long before it expires a caller starts the background read
	// Keep says whether a value read may be kept for the callers to come (nil: every value): the sync log's state
	// on a database that moved to another timeline is used once and read again.
	Keep func(T) bool
	// Background runs the read ahead (nil: a goroutine; tests run it when they choose).
	Background func(func())

	mu       sync.Mutex
	v        T
	at       time.Time     // when the read that got v began; zero: nothing kept
	inflight chan struct{} // closed when the read in progress ends
	gen      int           // counts Forget: a read begun before one is not kept
}

// Load returns the kept value, or reads it with read (once for all the callers that find it stale together).
func (f *Fresh[T]) Load(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	waited := false
	for {
		f.mu.Lock()
		if age := time.Since(f.at); !f.at.IsZero() && age < f.TTL {
			v := f.v
			if age >= f.TTL-f.Ahead && f.inflight == nil {
				// Fresh enough to answer, soon stale: read it again for the callers to come.
				ch := make(chan struct{})
				f.inflight = ch
				gen := f.gen
				f.mu.Unlock()
				bg := context.WithoutCancel(ctx)
				run := f.Background
				if run == nil {
					run = func(fn func()) { go fn() }
				}
				run(func() {
					rctx, cancel := context.WithTimeout(bg, 5*time.Second)
					defer cancel()
					_, _ = f.finish(rctx, ch, gen, time.Now(), read)
				})
				return v, nil
			}
			f.mu.Unlock()
			return v, nil
		}
		if ch := f.inflight; ch != nil && !waited {
			f.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
			waited = true // if that read failed (or was already stale), read for ourselves
			continue
		}
		ch := make(chan struct{})
		if f.inflight == nil {
			f.inflight = ch
		}
		gen := f.gen
		f.mu.Unlock()
		return f.finish(ctx, ch, gen, time.Now(), read)
	}
}

// finish reads the value with read, begun at start, keeps it unless a Forget came meanwhile (or Keep refuses it),
// and closes ch.
func (f *Fresh[T]) finish(ctx context.Context, ch chan struct{}, gen int, start time.Time,
	read func(context.Context) (T, error)) (T, error) {
	v, err := read(ctx)
	f.mu.Lock()
	if err == nil && (f.Keep == nil || f.Keep(v)) && gen == f.gen && start.After(f.at) {
		f.v, f.at = v, start
	}
	if f.inflight == ch {
		f.inflight = nil
	}
	f.mu.Unlock()
	close(ch)
	return v, err
}

// Forget drops the kept value after a write of this instance: the next Load reads it again, and a read begun
// before the write is not kept.
func (f *Fresh[T]) Forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = time.Time{}
	f.gen++
}
