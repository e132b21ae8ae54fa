// Package engine is the server side of the delta-sync protocol (sync/PROTOCOL.md): pull rounds that replay the
// change log that sync/changelog writes in every write transaction, with snapshots for new scopes; pushes applied
// exactly once and in order per device, each mutation validated and checked against the caller's scope; conflicts
// recorded field by field; and pruning of the log after the retention period. It writes through sync/changelog,
// takes the synced tables and their models from server/store, and knows nothing of HTTP: server/api mounts it.
package engine

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// Retention is how long the change log keeps changes (deletes included). A device whose cursor is older than
// what the log still holds gets a full snapshot instead of the changes.
const Retention = 200 * 24 * time.Hour

// WindowMonths is how many months of meetings and visit reports a device keeps: the current month and the 23
// before it.
const WindowMonths = 24

// Engine serves pulls and pushes against one database.
type Engine struct {
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	recent  store.Fresh[logState] // the log's state, kept for recentTTL (New)
	rebases rebaseCache
	cursors cursorCache
	// resets counts the rounds that start with a reset, by reason (see Reset reasons).
	resets *prometheus.CounterVec
	// flights are the pushes in flight on this instance, for overlapping a device's next one (overlap.go);
	// overlaps counts those overlapped.
	flights  flights
	overlaps *prometheus.CounterVec
	// applied, when set (by tests), runs once a push has been applied and before it takes the device's lock (when
	// it follows the push before) and writes; an error fails the push.
	applied func(ctx context.Context, clientID string, first int64) error
	// prep are the push's prepared reads on PostgreSQL (prepared.go).
	prep prepared
}

// Reset reasons, the label of chibo_sync_resets_total: why a device's round starts with a reset (a snapshot of
// every scope, the device keeping its unsent changes). A device's first sync is not counted.
const (
	ResetEpoch    = "epoch"    // the database's epoch changed (restored elsewhere, chibo new-epoch, a unit moved)
	ResetBehind   = "behind"   // the device saw a change the database lost in a failover or a point-in-time restore
	ResetAhead    = "ahead"    // the cursor is past what the database has reached (it went back in time)
	ResetExpired  = "expired"  // the cursor is older than the change log keeps
	ResetProtocol = "protocol" // a cursor of another format
)

// New returns an engine over db.
func New(db *store.DB, log *slog.Logger) *Engine {
	e := &Engine{db: db, log: log, now: time.Now,
		resets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chibo_sync_resets_total",
			Help: "Pull rounds that reset a device (a snapshot of every scope), by reason: epoch, behind (saw a change lost in a failover), ahead, expired, protocol.",
		}, []string{"reason"}), overlaps: newOverlapMetrics()}
	for _, r := range []string{ResetEpoch, ResetBehind, ResetAhead, ResetExpired, ResetProtocol} {
		e.resets.WithLabelValues(r) // every reason shows, at 0, from the start
	}
	// The log's state is kept for recentTTL, read once for all the polls that find it stale and ahead of its expiry
	// while polls go on (store.Fresh); a state on a moved timeline is not kept: the full path rebases first.
	e.recent = store.Fresh[logState]{TTL: recentTTL, Ahead: recentAhead, Keep: func(st logState) bool { return !st.moved }}
	db.OnCommit(func(map[string]bool) { e.recent.Forget() })
	return e
}

// Metrics returns the engine's Prometheus metrics (chibo_sync_resets_total, chibo_sync_push_overlapped_total), for
// the server's registry.
func (e *Engine) Metrics() []prometheus.Collector {
	return []prometheus.Collector{e.resets, e.overlaps}
}

// SetClock replaces the clock (tests move it to age the window and the log).
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// window returns the oldest month kept on devices at time t.
func window(t time.Time) string {
	d := domain.DateOf(t)
	first := domain.NewDate(d.Year(), d.Month(), 1).AddMonths(-(WindowMonths - 1))
	return first.String()[:7]
}

// read runs fn in a read-only transaction that sees one snapshot of the database: repeatable read on
// PostgreSQL, a WAL read transaction on SQLite.
func (e *Engine) read(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if changelog.IsPG(e.db.W) {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return e.db.R.RunInTx(ctx, opts, fn)
}
