package changelog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// PostgreSQL clusters and timelines. A PostgreSQL database is known by its cluster's system identifier and the
// timeline it runs on, kept in sync_state.system_id as "system/timeline":
//
//   - Another system identifier: the database was restored from a dump into another cluster. Its transaction ids
//     have nothing to do with the versions devices hold: a new epoch (every device resyncs).
//   - The same system identifier on another timeline: a standby was promoted (a failover or a switchover) or a
//     physical backup was restored to a point in time. The new timeline's history is a prefix of the old one's,
//     so the versions it holds are versions devices may hold too, and the epoch is kept. But the transaction ids
//     the old timeline handed out after that prefix (commits the standby never received, or everything after the
//     restore point) will be handed out again, for other changes. So the server rebases: it moves the offset so
//     that new versions start at base, RebaseGap above the highest version the database could have issued, and
//     records the interval (floor, base), floor being the highest version the database holds. No version in
//     (floor, base) exists any more; a device that was sent one saw a change that did not survive, and its next
//     pull is a reset (sync/engine). Every other device goes on with deltas.
//
// The check runs when the server starts (EnsureSyncState), and then in every write transaction and every pull
// that reads the sync state, which compare the stored timeline with the one the server writes WAL on
// (liveTimelineSQL, an in-memory value: cheap): after a failover the running server notices before the first
// change of the new timeline is written.

// RebaseGap is how far above the highest version the database could have handed out the versions start again
// after a move to a new timeline. It must exceed the number of transaction ids the old timeline handed out past
// the point the new one starts from. For a failover that is the standby's lag, in transactions: Patroni does not
// promote a standby more than maximum_lag_on_failover behind (1 MiB of WAL by default, a few tens of thousands of
// commits at most); for a point-in-time restore it is every transaction after the restore point, 2^32 being 50 days
// at 1,000 write transactions a second, years at a province's rate. Versions stay below 2^53 (JavaScript's exact
// integers, MaxVersion) for two million rebases.
const RebaseGap int64 = 1 << 32

// MaxVersion is the highest version a JavaScript client can hold exactly (2^53 - 1).
const MaxVersion int64 = 1<<53 - 1

// errMoved aborts a write transaction that found the database on another timeline than the one its versions were
// issued on: Write rebases (or starts a new epoch) and runs it again.
var errMoved = errors.New("changelog: the database moved to another PostgreSQL timeline or cluster")

// liveTimelineSQL is the timeline the server writes WAL on, in decimal, as an SQL expression. Unlike
// pg_control_checkpoint().timeline_id, which changes only at the first checkpoint after a promotion (minutes
// later), the name of the current WAL file carries the new timeline as soon as the standby is promoted.
const liveTimelineSQL = `(('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)::text`

// movedSQL is true, as an SQL expression over the columns of the sync_state row, when the stored timeline is not
// the one the server writes on (never when no identity is stored: detection is off).
// On a standby (a read pool on a replica) the WAL position cannot be read, and nothing is written: false.
const movedSQL = `(system_id <> '' AND CASE WHEN pg_is_in_recovery() THEN false ELSE split_part(system_id, '/', 2) <> ` + liveTimelineSQL + ` END)`

// Rebase is a recorded move to a new timeline: no version in (Floor, Base) exists in the database.
type Rebase struct {
	Floor int64 `bun:"floor"`
	Base  int64 `bun:"base"`
}

// Within reports whether version v lies in the interval (Floor, Base): issued, if at all, by a transaction the
// database no longer holds.
func (r Rebase) Within(v int64) bool { return v > r.Floor && v < r.Base }

// Rebases returns the recorded rebases, oldest first.
func Rebases(ctx context.Context, db bun.IDB) ([]Rebase, error) {
	var rs []Rebase
	if err := db.NewRaw(`SELECT floor, base FROM sync_rebases ORDER BY id`).Scan(ctx, &rs); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internalf("sync rebases: %w", err)
	}
	return rs, nil
}

// identity is where a PostgreSQL database runs: its cluster's system identifier and its current timeline.
type identity struct {
	system, timeline string
}

func (id identity) String() string {
	if id.system == "" {
		return ""
	}
	return id.system + "/" + id.timeline
}

func parseIdentity(s string) identity {
	system, timeline, _ := strings.Cut(s, "/")
	return identity{system: system, timeline: timeline}
}

// readIdentity reads the cluster's system identifier (pg_control_system(), which needs pg_monitor, or superuser,
// where EXECUTE was revoked from PUBLIC) and the live timeline.
func readIdentity(ctx context.Context, db bun.IDB) (identity, error) {
	var id identity
	if err := db.NewRaw(`SELECT system_identifier::text FROM pg_control_system()`).Scan(ctx, &id.system); err != nil {
		return identity{}, fmt.Errorf("pg_control_system(): %w", err)
	}
	if err := db.NewRaw(`SELECT `+liveTimelineSQL).Scan(ctx, &id.timeline); err != nil {
		return identity{}, fmt.Errorf("current timeline: %w", err)
	}
	return id, nil
}

// timeline checks the identity of a database against the one stored with its versions. read is readIdentity
// except in tests, which simulate a failover with it.
type timeline struct {
	reg  *Registry
	log  *slog.Logger
	read func(ctx context.Context, db bun.IDB) (identity, error)
}

func newTimeline(reg *Registry, log *slog.Logger) *timeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &timeline{reg: reg, log: log, read: readIdentity}
}

// EnsureSyncState creates the sync state on a new database and, on PostgreSQL, notices a database that runs in
// another cluster (a new epoch) or on another timeline of the same cluster (a rebase; see RebaseGap). What it
// does, and why, is logged on log (nil: nowhere), as is a system identifier it cannot read (detection is then
// off).
func EnsureSyncState(ctx context.Context, db bun.IDB, reg *Registry, log *slog.Logger) error {
	return newTimeline(reg, log).ensure(ctx, db, true)
}

// ensure is EnsureSyncState; start says the server is starting (the only time an unreadable identity is logged).
func (t *timeline) ensure(ctx context.Context, db bun.IDB, start bool) error {
	pg := IsPG(db)
	var live identity
	var readErr error
	if pg {
		if live, readErr = t.read(ctx, db); readErr != nil {
			// The timeline alone is public: moves of the cluster last seen can still be told.
			live = identity{}
			_ = db.NewRaw(`SELECT `+liveTimelineSQL).Scan(ctx, &live.timeline)
		}
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var stored string
		q := `SELECT system_id FROM sync_state WHERE id = 1`
		if pg {
			q += ` FOR UPDATE` // one instance (or writer) rebases; the others then find it done
		}
		err := tx.NewRaw(q).Scan(ctx, &stored)
		now := Now()
		old := parseIdentity(stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.NewRaw(`INSERT INTO sync_state (id, epoch, tx, tx_offset, pruned_tx, system_id, created_at, updated_at)
				VALUES (1, ?, 0, 0, 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, newEpoch(), live.String(), now, now).Exec(ctx)
			if readErr != nil && start {
				t.warnUnreadable(readErr, false)
			}
			return err
		case err != nil:
			return err
		case !pg:
			return nil
		case readErr != nil:
			if start {
				t.warnUnreadable(readErr, stored != "")
			}
			if stored == "" || live.timeline == "" || live.timeline == old.timeline {
				return nil
			}
			// The stored timeline is not the live one: assume the cluster last seen (a failover under a server
			// whose user lost the grant) rather than refuse every write.
			live.system = old.system
			return t.rebase(ctx, tx, old, live)
		case stored == live.String():
			return nil
		case stored == "":
			_, err = tx.NewRaw(`UPDATE sync_state SET system_id = ?, updated_at = ? WHERE id = 1`, live.String(), now).Exec(ctx)
			return err
		case old.system != live.system:
			return NewEpoch(ctx, tx, t.reg, t.log, fmt.Sprintf(
				"the database now runs in another PostgreSQL cluster (system identifier %s, was %s): restored from a dump",
				live.system, old.system))
		}
		return t.rebase(ctx, tx, old, live)
	})
}

// warnUnreadable logs that the system identifier cannot be read, what it turns off and the grant that fixes it.
// known says an identity was stored before (failovers of that cluster are still noticed by their timeline).
func (t *timeline) warnUnreadable(err error, known bool) {
	off := "restore and failover detection is off (devices would keep data a restored or failed-over database no longer holds)"
	if known {
		off = "restore detection is off (a dump restored into another cluster is not noticed; failovers still are, by their timeline)"
	}
	t.log.Warn("sync: cannot read the PostgreSQL system identifier; "+off+
		": grant the role pg_monitor to the database user (GRANT pg_monitor TO <user>), or connect as a superuser", "err", err)
}

// rebase moves the offset so versions start RebaseGap above the highest the database could have issued, records
// the interval, and stores the new identity.
func (t *timeline) rebase(ctx context.Context, tx bun.Tx, old, live identity) error {
	floor, err := topVersion(ctx, tx, t.reg)
	if err != nil {
		return fmt.Errorf("rebase: %w", err)
	}
	var xid, offset int64
	if err := tx.NewRaw(`SELECT pg_current_xact_id()::text::bigint, tx_offset FROM sync_state WHERE id = 1`).
		Scan(ctx, &xid, &offset); err != nil {
		return fmt.Errorf("rebase: %w", err)
	}
	// Every version the database holds is below its current position (xid + offset); the old timeline handed out
	// at most RebaseGap more.
	base := max(floor, xid+offset) + RebaseGap
	if base > MaxVersion-RebaseGap {
		return fmt.Errorf("rebase: versions would pass 2^53 (base %d): start a new epoch (chibo new-epoch)", base)
	}
	now := Now()
	if _, err := tx.NewRaw(`UPDATE sync_state SET tx_offset = GREATEST(tx_offset, ?), system_id = ?, updated_at = ? WHERE id = 1`,
		base-xid, live.String(), now).Exec(ctx); err != nil {
		return fmt.Errorf("rebase: %w", err)
	}
	if _, err := tx.NewRaw(`INSERT INTO sync_rebases (floor, base, old_system, new_system, created_at) VALUES (?, ?, ?, ?, ?)`,
		floor, base, old.String(), live.String(), now).Exec(ctx); err != nil {
		return fmt.Errorf("rebase: %w", err)
	}
	t.log.Warn("sync: database moved to a new timeline; epoch kept, versions rebased",
		"reason", "same PostgreSQL cluster on another timeline: a standby was promoted or a backup restored to a point in time",
		"system", live.system, "old_timeline", old.timeline, "new_timeline", live.timeline,
		"floor", floor, "base", base)
	return nil
}

// topVersion is the highest version the database holds: in the tables of reg and in the change log.
func topVersion(ctx context.Context, db bun.IDB, reg *Registry) (int64, error) {
	var top int64
	for _, t := range reg.names {
		var v sql.NullInt64
		if err := db.NewRaw(`SELECT max(version) FROM ?`, bun.Ident(t)).Scan(ctx, &v); err != nil {
			return 0, err
		}
		top = max(top, v.Int64)
	}
	var logTop sql.NullInt64
	if err := db.NewRaw(`SELECT max(tx) FROM sync_changes`).Scan(ctx, &logTop); err != nil {
		return 0, err
	}
	return max(top, logTop.Int64), nil
}

// MovedSQL is, as an SQL expression over the columns of the sync_state row, whether the database runs on another
// PostgreSQL timeline than the one its versions were issued on (always false on SQLite). The engine's pulls read
// it with the horizon and call CheckTimeline when it is true.
func MovedSQL(db bun.IDB) string {
	if IsPG(db) {
		return movedSQL
	}
	return "false"
}

// CheckTimeline rebases the versions, or starts a new epoch, if the PostgreSQL database now runs on another
// timeline or in another cluster than the stored one (see EnsureSyncState), logging it on log.
func CheckTimeline(ctx context.Context, db bun.IDB, reg *Registry, log *slog.Logger) error {
	return newTimeline(reg, log).ensure(ctx, db, false)
}
