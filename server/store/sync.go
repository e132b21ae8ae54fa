package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/sync/changelog"
)

// The change log, the horizon, the buckets and the registry machinery live in sync/changelog. The store declares
// the synced tables (tables.go) and writes through the change log with them; the names below keep the store's API
// (used across server/ and sync/) as it was, forwarding to sync/changelog with the store's registry.

// Synced models and their descriptors (see sync/changelog).
type (
	// Base is embedded in every synced table (changelog.Base).
	Base = changelog.Base
	// SyncRow is a model of a synced table (changelog.Row).
	SyncRow = changelog.Row
	// Table describes one synced table (changelog.Table).
	Table = changelog.Table
	// Owner is the rule placing a row in its bucket (changelog.Owner).
	Owner = changelog.Owner
	// OwnerKind says what owns the bucket of a synced row (changelog.OwnerKind).
	OwnerKind = changelog.OwnerKind
	// Link is a column referring to a row of another synced table (changelog.Link).
	Link = changelog.Link
	// WriteSpec says what devices may do to a table through a push (changelog.WriteSpec).
	WriteSpec = changelog.WriteSpec
	// Normalizer is a synced model with data-level validation (changelog.Normalizer).
	Normalizer = changelog.Normalizer
	// Scope is the bucket a synced row belongs to (changelog.Scope).
	Scope = changelog.Scope
	// Scoper finds the bucket of rows (changelog.Scoper).
	Scoper = changelog.Scoper
	// SyncInfo is the database's sync identity and position (changelog.SyncInfo).
	SyncInfo = changelog.SyncInfo
	// BucketSum is the count and checksum of one bucket (changelog.BucketSum).
	BucketSum = changelog.BucketSum
)

// The owner kinds, bucket classes and change log operations (see sync/changelog).
const (
	OwnedByUnit = changelog.OwnedByUnit
	OwnedByUser = changelog.OwnedByUser
	OwnedByRef  = changelog.OwnedByRef
	OwnedByRow  = changelog.OwnedByRow

	ClassUnit     = changelog.ClassUnit
	ClassRoster   = changelog.ClassRoster
	ClassMeetings = changelog.ClassMeetings
	ClassRecs     = changelog.ClassRecs
	ClassAssign   = changelog.ClassAssign
	ClassUsers    = changelog.ClassUsers
	ClassReports  = changelog.ClassReports
	ClassInbox    = changelog.ClassInbox
	ClassRef      = changelog.ClassRef

	// DefaultRefScope owns the reference rows every province inherits (province_id NULL).
	DefaultRefScope = changelog.DefaultRefScope
	// UnitTable is the org tree; unit-owned buckets take their path from it.
	UnitTable = changelog.UnitTable

	OpPut = changelog.OpPut
	OpDel = changelog.OpDel
)

// Now returns the current time as stored: UTC, truncated to the microsecond both databases keep.
func Now() time.Time { return changelog.Now() }

// Write runs fn in a transaction on the write pool, committing when fn returns nil. Changes to synced rows made
// through the store's functions inside fn are recorded in the change log in the same transaction
// (changelog.Write, which also runs again a transaction PostgreSQL aborted or that found a row ahead of it). The
// OnCommit hooks run after it committed.
func (d *DB) Write(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	touched, err := changelog.Write(ctx, d.W, tables, d.Log, fn)
	if err == nil {
		for _, h := range d.commitHooks {
			h(touched)
		}
	}
	return err
}

// OnCommit registers fn to run after every write transaction of this process that committed, with the synced
// tables it changed (maybe none); caches of this instance use it to forget what the write made stale. Register hooks at start,
// before any write.
func (d *DB) OnCommit(fn func(tables map[string]bool)) { d.commitHooks = append(d.commitHooks, fn) }

// SyncTx returns the sync transaction number of the current write transaction (changelog.SyncTx).
func SyncTx(ctx context.Context, db bun.IDB) (int64, error) { return changelog.SyncTx(ctx, db) }

// ReadSyncInfo reads the epoch, horizon and pruning point in db's snapshot (changelog.ReadSyncInfo).
func ReadSyncInfo(ctx context.Context, db bun.IDB) (SyncInfo, error) {
	return changelog.ReadSyncInfo(ctx, db)
}

// EnsureSyncState creates the sync state on a new database and, on PostgreSQL, starts a new epoch on a database
// restored into another cluster or rebases the versions of one on a new timeline (a failover, a point-in-time
// restore), logging it on log (changelog.EnsureSyncState).
func EnsureSyncState(ctx context.Context, db bun.IDB, log *slog.Logger) error {
	return changelog.EnsureSyncState(ctx, db, tables, log)
}

// CheckTimeline rebases the versions, or starts a new epoch, if the PostgreSQL database moved to another timeline
// or cluster since the server started (changelog.CheckTimeline); pulls call it when the sync state says so.
func (d *DB) CheckTimeline(ctx context.Context) error {
	return changelog.CheckTimeline(ctx, d.W, tables, d.Log)
}

// NewEpoch starts a new sync epoch: every client resyncs (changelog.NewEpoch). Run it after restoring a backup.
// The reason is logged on log (nil: nowhere).
func NewEpoch(ctx context.Context, db bun.IDB, log *slog.Logger, reason string) error {
	return changelog.NewEpoch(ctx, db, tables, log, reason)
}

// Track records in the change log that a synced row changed in this transaction (changelog.Track).
func Track(ctx context.Context, db bun.IDB, before, after SyncRow) error {
	return changelog.Track(ctx, db, before, after)
}

// TrackMoved is Track for a row whose bucket changed because of another row (changelog.TrackMoved).
func TrackMoved(ctx context.Context, db bun.IDB, oldScope *Scope, before, after SyncRow) error {
	return changelog.TrackMoved(ctx, db, oldScope, before, after)
}

// Preload warms the scope caches of the write transaction for rows about to be tracked (changelog.Preload).
func Preload(ctx context.Context, rows []SyncRow) error { return changelog.Preload(ctx, rows) }

// Insert stamps and inserts a synced row and records it in the change log (changelog.Insert).
func Insert(ctx context.Context, db bun.IDB, row SyncRow) error {
	return changelog.Insert(ctx, db, row)
}

// InsertDeferred is Insert with the INSERT queued until the transaction commits (changelog.InsertDeferred).
func InsertDeferred(ctx context.Context, db bun.IDB, row SyncRow) error {
	return changelog.InsertDeferred(ctx, db, row)
}

// Update stamps and writes a changed synced row and records it; before is the row as read (changelog.Update).
func Update(ctx context.Context, db bun.IDB, before, row SyncRow) error {
	return changelog.Update(ctx, db, before, row)
}

// UpdateMoved is Update with the row's bucket before the change given (changelog.UpdateMoved).
func UpdateMoved(ctx context.Context, db bun.IDB, oldScope *Scope, before, row SyncRow) error {
	return changelog.UpdateMoved(ctx, db, oldScope, before, row)
}

// SoftDelete marks a synced row deleted and records the delete (changelog.SoftDelete).
func SoftDelete(ctx context.Context, db bun.IDB, row SyncRow) error {
	return changelog.SoftDelete(ctx, db, row)
}

// Clone returns a shallow copy of a synced row.
func Clone(row SyncRow) SyncRow { return changelog.Clone(row) }

// BaseOf returns the common columns of a synced row.
func BaseOf(row SyncRow) *Base { return row.SyncBase() }

// TxScoper returns the scope finder of the current write transaction, or nil outside one (changelog.TxScoper).
func TxScoper(ctx context.Context) *Scoper { return changelog.TxScoper(ctx) }

// NewScoper returns a scope finder of the synced tables reading through db.
func NewScoper(db bun.IDB) *Scoper { return changelog.NewScoper(tables, db) }

// ScopeOf returns the bucket of a synced row as stored in db.
func ScopeOf(ctx context.Context, db bun.IDB, row SyncRow) (Scope, error) {
	return changelog.ScopeOf(ctx, tables, db, row)
}

// ComputeBuckets recomputes every bucket's count and checksum from the live rows (changelog.ComputeBuckets).
func ComputeBuckets(ctx context.Context, db bun.IDB) (map[changelog.BucketKey]*BucketSum, error) {
	return changelog.ComputeBuckets(ctx, db, tables)
}

// RebuildBuckets replaces sync_buckets with a recomputation (changelog.RebuildBuckets).
func RebuildBuckets(ctx context.Context, db bun.IDB) error {
	return changelog.RebuildBuckets(ctx, db, tables)
}

// StoredBuckets returns the buckets as sync_buckets keeps them, without empty ones (changelog.StoredBuckets).
func StoredBuckets(ctx context.Context, db bun.IDB) (map[changelog.BucketKey]*BucketSum, error) {
	return changelog.StoredBuckets(ctx, db)
}

// HighWaterPath returns the path of the note kept beside the SQLite file path (changelog.HighWaterPath).
func HighWaterPath(path string) string { return changelog.HighWaterPath(path) }

// checkRestored starts a new epoch when the SQLite file is behind the note beside it, then brings the note up to
// date and keeps it so (changelog.CheckRestored). It does nothing on PostgreSQL and in-memory databases.
func (d *DB) checkRestored(ctx context.Context) (restored bool, err error) {
	if d.Dialect != "sqlite" || d.Path == "" {
		return false, nil
	}
	m, restored, err := changelog.CheckRestored(ctx, d.W, tables, d.Log, d.Path, d.mark)
	if d.mark == nil && m != nil {
		d.mark = m
		d.OnCommit(func(map[string]bool) { d.mark.Update(context.Background(), d.W, false) })
	}
	return restored, err
}
