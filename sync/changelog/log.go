package changelog

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

type txStateKey struct{}

// txState collects what a write transaction must add to the change log and bucket checksums; Write flushes it
// just before commit.
type txState struct {
	reg     *Registry
	tx      int64
	now     time.Time
	entries []changeEntry
	// byRow finds a row's entries: the index of its last one in entries and how many it has.
	byRow   map[rowAt]loggedRow
	buckets map[BucketKey]*bucketDelta
	scoper  *Scoper
	// inserts are rows queued by InsertDeferred, by table, written in one statement per table at flush;
	// pending finds a queued row by table/id.
	inserts map[string][]Row
	pending map[string]int
	// queued are rows of other tables (audit entries) queued by Queue, one queue per model type (keyed by
	// queueKey[T]), flushed in the order their types were first queued.
	queued map[any]queue
	order  []queue
	// lastRow and lastJSON are the row Track last encoded and its JSON.
	lastRow  Row
	lastJSON *string
	// changes are the tracked changes of the tables the registry watches (Registry.OnFlush).
	changes []Change
	// logged are the tables of the change-log entries written so far (by WriteLogNow, or at commit).
	logged map[string]bool
	// ahead is set when the transaction found a row it writes at a version above tx: it must run again.
	ahead bool
	// moved is set when the database runs on another timeline than the stored one: Write rebases, then runs the
	// transaction again.
	moved bool
	// stmts are the statements queued by InsertLater and ExecLater (later.go), formatted, separated by ";".
	stmts []byte
}

func syncState(ctx context.Context) *txState {
	st, _ := ctx.Value(txStateKey{}).(*txState)
	return st
}

// Write runs fn in a transaction on w (the write pool), committing when fn returns nil, and returns the synced
// tables it changed (maybe none). Changes to synced rows (tables of reg) made through this package's functions
// inside fn are recorded in the change log in the same transaction.
//
// A transaction PostgreSQL aborts to break a deadlock, or as a serialization failure, is run again (fn must only
// touch the database, which rolled back), up to deadlockAttempts times in all, after a random pause that grows
// with each attempt (two transactions that deadlocked must not meet again at the same moment: after a failover
// every phone sends its push again at once). So is one that found a row it writes
// already at a version above its own (see errVersionAhead), up to aheadAttempts times: the new transaction's
// number is higher than every version committed before it started.
//
// A transaction that finds the database on another PostgreSQL timeline than the stored one (a failover happened
// under the running server) is rolled back; Write rebases the versions (or starts a new epoch), logging it on log,
// and runs it again.
func Write(ctx context.Context, w *bun.DB, reg *Registry, log *slog.Logger, fn func(ctx context.Context, tx bun.Tx) error) (map[string]bool, error) {
	ahead, moved, lost := 0, 0, 0
	for attempt := 0; ; attempt++ {
		touched, committing, err := write(ctx, w, reg, fn)
		if err != nil && !committing && ConnLost(err) && lost < 3 {
			lost++
			attempt-- // does not count against the deadlock retries
			// A connection the pool kept from before a failover, or one the database closed: nothing of this
			// transaction was committed (the failure came before COMMIT), so it runs again on another connection.
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(time.Duration(50<<(lost-1)) * time.Millisecond):
			}
			continue
		}
		if errors.Is(err, errMoved) && moved < 3 {
			moved++
			if err := newTimeline(reg, log).ensure(ctx, w, false); err != nil {
				return nil, fmt.Errorf("changelog: the database moved to another timeline: %w", err)
			}
			attempt--
			continue
		}
		if errors.Is(err, errVersionAhead) {
			if ahead++; ahead == aheadAttempts {
				// Rows kept changing under this transaction; the caller sees it as a concurrent change.
				return nil, errStale()
			}
			attempt-- // does not count against the deadlock retries
			continue
		}
		if err == nil || attempt == deadlockAttempts-1 || !Retryable(err) {
			return touched, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(deadlockPause(attempt)):
		}
	}
}

// aheadAttempts is how many times Write runs a transaction that keeps finding rows at versions above its own.
// Each run can only fail again if, while it waited for a row lock, a younger transaction committed a change to a
// row it then writes; under heavy lock waits a few runs are needed, rarely more.
const aheadAttempts = 10

// errVersionAhead aborts a PostgreSQL transaction that is about to write a row whose current version is above the
// transaction's own number. Numbers are transaction ids, handed out when a transaction first writes (or locks),
// not when it commits: a transaction that took its id, then waited for a row lock while a younger one changed a
// row and committed, would otherwise stamp that row with a lower version than the one devices already have, and
// they would ignore the change. Run again, the transaction gets an id above every committed version.
var errVersionAhead = errors.New("changelog: a row is at a version above this transaction's; run it again")

// checkAhead reports errVersionAhead (and marks the transaction so it cannot commit, whatever the caller does
// with the error) when a row about to be overwritten, at version cur, is ahead of the transaction's number tx.
func checkAhead(ctx context.Context, tx, cur int64) error {
	if cur <= tx {
		return nil
	}
	if st := syncState(ctx); st != nil {
		st.ahead = true
	}
	return domain.Internal(errVersionAhead)
}

// deadlockAttempts is how many times Write runs a transaction PostgreSQL keeps aborting as a deadlock victim or a
// serialization failure.
const deadlockAttempts = 8

// deadlockPause is the random pause before attempt+2: up to 5 ms after the first failure, doubling to at most
// 320 ms (about 0.6 s in all before the last attempt).
func deadlockPause(attempt int) time.Duration {
	limit := 5 * time.Millisecond << min(attempt, 6)
	return limit/2 + mrand.N(limit/2+1)
}

// Retryable reports whether PostgreSQL aborted a transaction to break a deadlock or as a serialization failure, so
// running it again may succeed.
func Retryable(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "40P01" || pe.Code == "40001"
	}
	return false
}

// write runs one attempt of Write. committing reports that fn and the flush succeeded, so that an error came from
// COMMIT itself (whose outcome is then unknown: such a transaction is never run again for a lost connection).
func write(ctx context.Context, w *bun.DB, reg *Registry, fn func(ctx context.Context, tx bun.Tx) error) (_ map[string]bool, committing bool, _ error) {
	touched := map[string]bool{}
	err := w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) (err error) {
		defer func() { committing = err == nil }()
		st := &txState{reg: reg, now: Now(), buckets: map[BucketKey]*bucketDelta{}, byRow: map[rowAt]loggedRow{}, inserts: map[string][]Row{},
			pending: map[string]int{}, queued: map[any]queue{}}
		st.scoper = NewScoper(reg, tx)
		if IsPG(tx) {
			st.stmts = reg.statementBuffer()
			defer func() { reg.releaseBuffer(st.stmts); st.stmts = nil }()
		}
		ctx = context.WithValue(ctx, txStateKey{}, st)
		err = fn(ctx, tx)
		if st.moved {
			return errMoved // even if fn went on: its versions belong to the old timeline
		}
		if st.ahead {
			return errVersionAhead // even if fn went on: the transaction must not commit
		}
		if err != nil {
			return err
		}
		if err := st.flush(ctx, tx); err != nil {
			return err
		}
		for t := range st.logged {
			touched[t] = true
		}
		if len(st.changes) > 0 && reg.onFlush != nil {
			return reg.onFlush(ctx, tx, st.changes)
		}
		return nil
	})
	return touched, committing, err
}

// ConnLost reports an error that means the connection, not the transaction, failed: the pool's connection was
// closed under it (a PostgreSQL failover or restart: EOF, a bad connection, "terminating connection due to
// administrator command"), no connection could be made (refused, timed out, "the database system is starting
// up"), or it reached a server that cannot take writes (a standby the proxy still routed to). The API answers
// such errors 503 with Retry-After.
func ConnLost(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		c := string(pe.Code)
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "25006"
	}
	return false
}

// errNoWrite reports a synced write made outside Write, which could not be logged.
var errNoWrite = errors.New("changelog: synced rows must be written inside DB.Write")

// InWrite reports whether ctx is inside a Write.
func InWrite(ctx context.Context) bool { return syncState(ctx) != nil }

// KnownPath tells the write transaction of ctx the path of org unit id, which its caller read in it, so that
// finding the buckets of the rows it writes does not read the unit again (a push reads its cells beforehand). A
// write to the unit in the transaction drops it again. Outside a write transaction, or with no path, it does nothing.
func KnownPath(ctx context.Context, id, path string) {
	if st := syncState(ctx); st != nil && path != "" {
		st.scoper.paths[id] = path
	}
}

// queue is the rows of one model type that Queue holds until the transaction's flush.
type queue interface {
	flush(ctx context.Context, db bun.IDB) error
}

// queueKey names the queue of model type T in txState.queued.
type queueKey[T any] struct{}

// rows are the queued rows of model type T, inserted by InsertRows.
type rows[T any] []T

// Grouper is implemented by a type of queued rows (see Queue) whose rows a transaction may write as fewer rows:
// Group returns the rows to insert in place of the queued ones.
type Grouper[T any] interface {
	Group(rows []T) []T
}

func (r *rows[T]) flush(ctx context.Context, db bun.IDB) error {
	var zero T
	if g, ok := any(zero).(Grouper[T]); ok {
		*r = g.Group(*r)
	}
	if err := InsertLater(ctx, db, (*[]T)(r)); err != nil {
		return domain.Internalf("queued rows: %w", err)
	}
	*r = nil
	return nil
}

// Queue adds row (a model of a table that is not synced, such as an audit entry) to the rows the current write
// transaction inserts just before it commits, one statement per type and 500 rows. It reports false, queuing
// nothing, outside a Write.
func Queue[T any](ctx context.Context, row T) bool {
	st := syncState(ctx)
	if st == nil {
		return false
	}
	q, ok := st.queued[queueKey[T]{}].(*rows[T])
	if !ok {
		q = &rows[T]{}
		st.queued[queueKey[T]{}] = q
		st.order = append(st.order, q)
	}
	*q = append(*q, row)
	return true
}

// LastJSON returns the JSON the change log recorded for row, when row is the last row tracked in the current write
// transaction (the audit entry that usually follows a write reuses it), or nil.
func LastJSON(ctx context.Context, row Row) *string {
	if st := syncState(ctx); st != nil && st.lastRow == row {
		return st.lastJSON
	}
	return nil
}

// SyncTx returns the sync transaction number of the current write transaction, allocating it on first use.
func SyncTx(ctx context.Context, db bun.IDB) (int64, error) {
	st := syncState(ctx)
	if st == nil {
		return 0, domain.Internal(errNoWrite)
	}
	if st.tx != 0 {
		return st.tx, nil
	}
	var tx int64
	var err error
	if IsPG(db) {
		// The number is only good on the timeline the offset was set for: a transaction on a new one (after a
		// failover) waits for the rebase (see timeline.go).
		var moved bool
		err = db.NewRaw(`SELECT pg_current_xact_id()::text::bigint + tx_offset, `+movedSQL+` FROM sync_state WHERE id = 1`).
			Scan(ctx, &tx, &moved)
		if err == nil && moved {
			st.moved = true
			return 0, domain.Internal(errMoved)
		}
	} else {
		err = db.NewRaw(`UPDATE sync_state SET tx = tx + 1 WHERE id = 1 RETURNING tx`).Scan(ctx, &tx)
	}
	if err != nil {
		return 0, domain.Internalf("sync tx: %w", err)
	}
	st.tx = tx
	return tx, nil
}

// SyncTxColumns is, on PostgreSQL, what SyncTx reads, as two SQL expressions over the columns of the sync_state
// row: a query that takes a lock the transaction needs anyway can read them with it (joining sync_state, id 1),
// one round trip fewer, and hand them to SetSyncTx. It is "" on SQLite, and when ctx's transaction has its number.
func SyncTxColumns(ctx context.Context, db bun.IDB) string {
	if st := syncState(ctx); st == nil || st.tx != 0 || !IsPG(db) {
		return ""
	}
	return SyncTxColumnsSQL
}

// SyncTxColumnsSQL is what SyncTxColumns gives on PostgreSQL, for a statement prepared once (sync/engine).
const SyncTxColumnsSQL = `pg_current_xact_id()::text::bigint + tx_offset, ` + movedSQL

// SetSyncTx gives the write transaction of ctx the number read with SyncTxColumns, and moved, the second
// column: when it is set the transaction must not go on (as SyncTx, it fails, and Write rebases and runs it again).
func SetSyncTx(ctx context.Context, tx int64, moved bool) error {
	st := syncState(ctx)
	if st == nil {
		return domain.Internal(errNoWrite)
	}
	if moved {
		st.moved = true
		return domain.Internal(errMoved)
	}
	if st.tx == 0 {
		st.tx = tx
	}
	return nil
}

// stamp prepares a synced row for writing: a new id if it has none, the creation time once, the update time and
// the version (this transaction's sync tx) every time.
func stamp(ctx context.Context, db bun.IDB, b *Base) error {
	tx, err := SyncTx(ctx, db)
	if err != nil {
		return err
	}
	now := syncState(ctx).now
	if b.ID == "" {
		b.ID = domain.NewID()
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = now
	}
	b.UpdatedAt = now
	b.Version = tx
	return nil
}

// SyncInfo is the database's sync identity and position.
type SyncInfo struct {
	Epoch    string // changes when the database is reset or restored; clients then resync
	Horizon  int64  // every sync transaction below it has finished
	PrunedTx int64  // changes up to this tx were pruned from the log
	MaxTx    int64  // the newest tx handed out (SQLite), or the horizon's upper bound (PostgreSQL)
	// Moved is set when the PostgreSQL database runs on another timeline than the one its versions were issued
	// on, and the rebase has not been made yet (CheckTimeline makes it).
	Moved bool
}

// HorizonSQL is the horizon as an SQL expression over the columns of the sync_state row: every sync transaction
// below it has finished, in the snapshot of the statement (or of the read transaction) it is evaluated in. It is
// the one definition of the horizon; ReadSyncInfo and the engine's quick poll both use it.
//
// On PostgreSQL it is the oldest transaction the snapshot still sees running, leaving out those that
// pg_stat_activity shows running in another database of the cluster: transaction ids are shared by the whole
// cluster, and another application's (or another test's) long transaction must not hold back this database's
// sync. Only a transaction known to be elsewhere is left out; one that ended after the snapshot, a prepared one
// or a subtransaction still counts, so the horizon is never past a change this snapshot cannot see yet.
func HorizonSQL(db bun.IDB) string {
	if IsPG(db) {
		return pgHorizon + " + tx_offset"
	}
	return "tx + 1"
}

// pgHorizon is the PostgreSQL horizon before the per-database offset (see HorizonSQL).
//
// It reads the backends from pg_stat_get_activity, the function under the pg_stat_activity view, and this
// database's oid once: the view (joined to pg_database and pg_authid) took PostgreSQL 0.3–0.4 ms to plan on every
// evaluation, against 0.05 ms — once per pull page and per refresh of the polls' note. A backend with no database
// (datid 0) is not "another database", as with the view, whose datname is then NULL.
const pgHorizon = `COALESCE((SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
		WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(NULL) AS a WHERE a.backend_xid = x::xid AND a.datid <> 0
			AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database()))),
	pg_snapshot_xmax(pg_current_snapshot())::text::bigint)`

// maxTxSQL is SyncInfo.MaxTx as an SQL expression over the columns of the sync_state row.
func maxTxSQL(db bun.IDB) string {
	if IsPG(db) {
		return "pg_snapshot_xmax(pg_current_snapshot())::text::bigint + tx_offset"
	}
	return "tx"
}

// ReadSyncInfo reads the epoch, horizon and pruning point, in db's snapshot (use the read transaction the pull
// reads the log in).
func ReadSyncInfo(ctx context.Context, db bun.IDB) (SyncInfo, error) {
	var si SyncInfo
	err := db.NewRaw(`SELECT epoch, pruned_tx, `+HorizonSQL(db)+`, `+maxTxSQL(db)+`, `+MovedSQL(db)+` FROM sync_state WHERE id = 1`).
		Scan(ctx, &si.Epoch, &si.PrunedTx, &si.Horizon, &si.MaxTx, &si.Moved)
	if err != nil {
		return si, domain.Internalf("sync state: %w", err)
	}
	return si, nil
}

func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewEpoch starts a new sync epoch: every client discards its synced data (keeping its unsent changes) and
// resyncs. Run it after restoring a backup. On PostgreSQL it also moves the transaction offset above every
// version in the database (in the tables of reg and the log), so versions keep growing even if transaction ids
// started again from a lower number. The new epoch and reason are logged on log (nil: nowhere).
func NewEpoch(ctx context.Context, db bun.IDB, reg *Registry, log *slog.Logger, reason string) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := Now()
	epoch := newEpoch()
	if !IsPG(db) {
		if _, err := db.NewRaw(`UPDATE sync_state SET epoch = ?, updated_at = ? WHERE id = 1`, epoch, now).Exec(ctx); err != nil {
			return err
		}
		log.Warn("sync: new epoch; every device resyncs from scratch, keeping its unsent changes", "reason", reason, "epoch", epoch)
		return nil
	}
	top, err := topVersion(ctx, db, reg)
	if err != nil {
		return fmt.Errorf("new epoch: %w", err)
	}
	var xid int64
	if err := db.NewRaw(`SELECT pg_current_xact_id()::text::bigint`).Scan(ctx, &xid); err != nil {
		return err
	}
	system := ""
	if id, err := readIdentity(ctx, db); err == nil {
		system = id.String()
	}
	offset := int64(0)
	if top >= xid {
		offset = top - xid + 1
	}
	if offset > math.MaxInt64/2 {
		return errors.New("new epoch: transaction offset out of range")
	}
	if _, err := db.NewRaw(`UPDATE sync_state SET epoch = ?, tx_offset = GREATEST(tx_offset, ?), system_id = ?, updated_at = ? WHERE id = 1`,
		epoch, offset, system, now).Exec(ctx); err != nil {
		return err
	}
	log.Warn("sync: new epoch; every device resyncs from scratch, keeping its unsent changes", "reason", reason,
		"epoch", epoch, "system", system)
	return nil
}
