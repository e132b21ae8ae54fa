package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// Overlapping a device's pushes (issue #15; PostgreSQL only). A device that pipelines its pushes (PROTOCOL.md,
// Push) has its next request waiting while the one before writes. Processed one after the other under the
// device's lock, the database writes one batch while nothing else of the device happens, and reads and checks the
// next only once that commit is done. Instead, the next request is read and checked while the one before writes,
// against the database and the rows the one before wrote (its view, handed over in memory), and takes the device's
// lock, to write, once the one before has committed:
//
//   - Only on this instance: the requests of one device that reach two instances are processed as before (the lock
//     orders them). The registry of requests in flight is the instance's own; nothing is shared.
//   - Only a request that follows the one before without a gap or a repeat, both of them upserts of meetings and
//     attendance only (a phone's report: a meeting and its marks), the later one only creating rows (none exists,
//     and the one before wrote none of them). A row that exists would be locked and updated at once, before the
//     one before commits; that waits for the commit, as before.
//   - No row is written or locked before the one before has committed: the rows are queued (the change log
//     writes them at commit) and the reads take no lock, so the two transactions never wait for each other in the
//     database while one of them waits for the other here. Only the push's change-log and audit entries are
//     written before (changelog.WriteLogNow): new rows of tables without foreign keys or insert triggers, which
//     wait on no lock the one before holds, and which go with the rest if the push is rolled back.
//   - When the one before did not commit (refused, cancelled, or run again), or the device's last_seq is not the
//     one it left, the request is rolled back and processed again as before.

// overlap is a push's part in overlapping: its flight, the push before it that it may follow, whether the current
// run of its transaction follows it, and which run that is.
type overlap struct {
	fl, prev  *flight
	following bool
	run       int
}

// begin starts a run of the push's transaction: it reports whether the run follows the push before (see follow).
// A nil overlap (SQLite, or a push processed one mutation at a time) never does.
func (ov *overlap) begin(ctx context.Context, e *Engine, a *applier, req *wire.PushRequest) (bool, error) {
	if ov == nil {
		return false, nil
	}
	ov.following = false
	if ov.prev == nil {
		return false, nil
	}
	var err error
	ov.following, err = e.follow(ctx, a, req, ov.prev)
	return ov.following, err
}

// handOver gives the device's next push what this one, applied as a, wrote: the rows it may build on until this
// push commits (with those of the push before, while that one has not), or nothing when it may not build on
// them. before is the device's last seq before this push.
func (ov *overlap) handOver(a *applier, req *wire.PushRequest, before int64) {
	if ov == nil {
		return
	}
	if !chainable(req, before) {
		ov.fl.publish(nil, ov.run)
		return
	}
	var prev *flight
	if ov.following {
		prev = ov.prev
	}
	ov.fl.publish(viewOf(a, prev), ov.run)
}

// flight is a push being processed on this instance, for the device's next push to follow.
type flight struct {
	first, last int64 // the seqs it carries
	// applied is closed once view is set: the rows the push wrote, when the next push may build on them, else nil.
	applied chan struct{}
	view    []changelog.Row
	// done is closed when its transaction has ended; ok then tells whether it committed what view holds.
	done chan struct{}
	ok   bool
	// published is the run (of the push's transaction function) that set view.
	published int
	once      sync.Once
}

// publish sets the flight's view (nil: the next push may not build on it) and wakes the push waiting for it.
func (f *flight) publish(view []changelog.Row, run int) {
	f.once.Do(func() {
		f.view, f.published = view, run
		close(f.applied)
	})
}

// flights are the pushes in flight on this instance, the latest of each device.
type flights struct {
	mu     sync.Mutex
	latest map[string]*flight
}

// start registers a push of client carrying seqs first to last and returns it, with the push before it when this
// one directly follows it and it is still in flight.
func (fs *flights) start(client string, first, last int64) (f, prev *flight) {
	f = &flight{first: first, last: last, applied: make(chan struct{}), done: make(chan struct{})}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.latest == nil {
		fs.latest = map[string]*flight{}
	}
	if p := fs.latest[client]; p != nil && p.last+1 == first {
		select {
		case <-p.done:
		default:
			prev = p
		}
	}
	fs.latest[client] = f
	return f, prev
}

// end closes a flight: ok tells whether it committed its view.
func (fs *flights) end(client string, f *flight, ok bool) {
	f.publish(nil, 0)
	f.ok = ok
	close(f.done)
	fs.mu.Lock()
	if fs.latest[client] == f {
		delete(fs.latest, client)
	}
	fs.mu.Unlock()
}

// overlapTables are the tables of the pushes that may overlap.
var overlapTables = map[string]bool{"meetings": true, "attendance": true}

// errOverlap rolls back a push that was applied while the one before wrote, when that one did not commit or the
// push turns out to change rows that exist: it is processed again as any push.
var errOverlap = errors.New("sync: processed again, after the push before")

// chainable reports whether the next push may build on this request's view: only upserts of overlapTables, all of
// them processed by this request (no repeat of an earlier seq, no gap).
func chainable(req *wire.PushRequest, last int64) bool {
	for _, m := range req.Mutations {
		if m.Op != wire.MutUpsert || !overlapTables[m.Table] || m.Seq <= last {
			return false
		}
	}
	return len(req.Mutations) > 0 && req.Mutations[0].Seq == last+1
}

// viewOf is what a push that applied as a leaves for the next: the rows it wrote, and those of the push before it
// (prev) while that one has not committed.
func viewOf(a *applier, prev *flight) []changelog.Row {
	var out []changelog.Row
	if prev != nil {
		select {
		case <-prev.done:
		default:
			out = append(out, prev.view...)
		}
	}
	for k := range a.written {
		if r := a.rows[k]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// follow prepares a to apply req while prev writes: it waits for prev's view and reports whether req may be applied
// now. When it may, a knows prev's meetings (and the change log's scoper their buckets), reads without locking,
// and the rows of req are checked to be new after the preload (see creatingOnly).
func (e *Engine) follow(ctx context.Context, a *applier, req *wire.PushRequest, prev *flight) (bool, error) {
	select {
	case <-prev.applied:
	case <-prev.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if prev.view == nil || !chainable(req, prev.last) {
		return false, nil
	}
	written := make(map[rowRef]bool, len(prev.view))
	var meetings []changelog.Row
	for _, r := range prev.view {
		written[rowKey(store.TableOf(r), r.SyncBase().ID)] = true
		if m, ok := r.(*store.Meeting); ok && m.DeletedAt == nil {
			meetings = append(meetings, r)
		}
	}
	for _, m := range req.Mutations {
		if id, ok := domain.ParseID(m.RowID); !ok || written[rowKey(m.Table, id)] {
			return false, nil
		}
	}
	if err := changelog.TxScoper(ctx).Know(ctx, meetings); err != nil {
		return false, err
	}
	for _, r := range meetings {
		m := *r.(*store.Meeting)
		a.meetings[m.ID] = &m
	}
	a.noLock = true
	return true, nil
}

// creatingOnly reports whether every mutation of ms creates a row (the preload found none of them).
func (a *applier) creatingOnly(ms []wire.Mutation) bool {
	for _, m := range ms {
		id, ok := domain.ParseID(m.RowID)
		if !ok {
			return false
		}
		if r, known := a.rows[rowKey(m.Table, id)]; !known || r != nil {
			return false
		}
	}
	return true
}

// joined waits for prev to end and reports whether it committed what this push was applied against.
func joined(ctx context.Context, prev *flight) error {
	select {
	case <-prev.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !prev.ok {
		return errOverlap
	}
	return nil
}

// overlapMetrics counts the pushes applied while the one before wrote, and those of them processed again.
func newOverlapMetrics() *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chibo_sync_push_overlapped_total",
		Help: "Pushes applied while the same device's push before them was writing (issue #15), by outcome: committed, or again (processed again after the one before did not commit).",
	}, []string{"outcome"})
	v.WithLabelValues("committed")
	v.WithLabelValues("again")
	return v
}
