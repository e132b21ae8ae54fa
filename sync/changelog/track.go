package changelog

import (
	"context"
	"database/sql"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

// The operations of the change log.
const (
	OpPut = "put" // the row now has this content
	OpDel = "del" // the row left this bucket (deleted, or moved to another bucket)
)

// changeEntry is one row of sync_changes.
type changeEntry struct {
	bun.BaseModel `bun:"table:sync_changes"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	Tx            int64     `bun:"tx"`
	Table         string    `bun:"tbl"`
	RowID         string    `bun:"row_id"`
	Op            string    `bun:"op"`
	Class         string    `bun:"class"`
	Scope         string    `bun:"scope"`
	Path          string    `bun:"path"`
	Part          string    `bun:"part"`
	Data          *string   `bun:"data"`
	At            time.Time `bun:"at"`
	// Origin is the client_id of the device that wrote the change and was told what the row became (see Own):
	// its pulls skip the change.
	Origin *string `bun:"origin"`
	// RowIDs, for an entry of several rows (see groupEntries), lists their ids, comma-separated, in order; Data
	// then holds their JSON one per line. Nil for an entry of one row.
	RowIDs *string `bun:"row_ids"`
}

// The fewest and the most rows one change-log entry stands for: a run of fewer is logged row by row.
const (
	minGroup = 16
	maxGroup = 1000
)

// groupEntries returns es with each run of at least minGroup consecutive entries of one operation, table, bucket
// and origin (a report's marks, a roster import) made one entry (at most maxGroup rows): row_id the first row's,
// row_ids all of them, data their JSON one per line. A pull expands it again (sync/engine, delta). It reuses es.
func groupEntries(es []changeEntry) []changeEntry {
	// groupable: an entry of one row whose JSON holds no line break (encoding/json writes none; the lines of a
	// group are its rows).
	groupable := func(e *changeEntry) bool {
		return e.RowIDs == nil && (e.Data == nil || strings.IndexByte(*e.Data, '\n') < 0)
	}
	same := func(a, b *changeEntry) bool {
		return a.Table == b.Table && a.Op == b.Op && a.Class == b.Class && a.Scope == b.Scope && a.Path == b.Path &&
			a.Part == b.Part && (a.Data == nil) == (b.Data == nil) && (a.Origin == nil) == (b.Origin == nil) &&
			(a.Origin == nil || *a.Origin == *b.Origin) && groupable(b)
	}
	out := es[:0]
	for start := 0; start < len(es); {
		end := start + 1
		for groupable(&es[start]) && end < len(es) && end-start < maxGroup && same(&es[start], &es[end]) {
			end++
		}
		if end-start < minGroup {
			out = append(out, es[start:end]...) // row by row (out never overtakes start)
			start = end
			continue
		}
		g := es[start]
		ids, data := make([]string, 0, end-start), make([]string, 0, end-start)
		for _, e := range es[start:end] {
			ids = append(ids, e.RowID)
			if e.Data != nil {
				data = append(data, *e.Data)
			}
		}
		joined := strings.Join(ids, ",")
		g.RowIDs = &joined
		if g.Data != nil { // every entry of the run has data (same)
			lines := strings.Join(data, "\n")
			g.Data = &lines
		}
		out = append(out, g)
		start = end
	}
	return out
}

// BucketKey names a bucket: its class, scope and part.
type BucketKey struct{ Class, Scope, Part string }

type bucketDelta struct {
	path  string
	count int64
	sum   int64
}

func (st *txState) bucket(sc Scope) *bucketDelta {
	k := BucketKey{sc.Class, sc.Scope, sc.Part}
	b := st.buckets[k]
	if b == nil {
		b = &bucketDelta{path: sc.Path}
		st.buckets[k] = b
	}
	return b
}

// Track records in the change log that a synced row changed in this transaction. before is the row as it was
// (nil for an insert) and after as it is now (nil, or soft-deleted, for a delete); both are the models the caller
// read and wrote, after's version already stamped. A row that moved to another bucket leaves a delete in the old
// bucket and a put in the new one. Bucket counts and checksums follow.
func Track(ctx context.Context, db bun.IDB, before, after Row) error {
	return TrackMoved(ctx, db, nil, before, after)
}

// TrackMoved is Track for a row whose bucket changed because of another row (attendance whose meeting moved to
// another month): oldScope, computed before that change, is the bucket before was in. A nil oldScope means
// "compute it now", as Track does.
func TrackMoved(ctx context.Context, db bun.IDB, oldScope *Scope, before, after Row) error {
	st := syncState(ctx)
	if st == nil {
		return domain.Internal(errNoWrite)
	}
	var table, id string
	var old, cur *Scope
	var oldVer, newVer int64
	if before != nil && before.SyncBase().DeletedAt == nil {
		if oldScope == nil {
			sc, err := st.scoper.Scope(ctx, before)
			if err != nil {
				return domain.Internal(err)
			}
			oldScope = &sc
		}
		old, oldVer = oldScope, before.SyncBase().Version
		table, id = st.reg.TableOf(before), before.SyncBase().ID
	}
	if after != nil {
		st.scoper.forget(after)
		table, id = st.reg.TableOf(after), after.SyncBase().ID
		if after.SyncBase().DeletedAt == nil {
			sc, err := st.scoper.Scope(ctx, after)
			if err != nil {
				return domain.Internal(err)
			}
			cur, newVer = &sc, after.SyncBase().Version
		}
	}
	if table == "" {
		return domain.Internalf("track: unknown table")
	}
	if st.reg.watch[table] {
		c := Change{Table: table}
		if before != nil {
			c.Before = Clone(before)
		}
		if after != nil {
			c.After = Clone(after)
		}
		st.changes = append(st.changes, c)
	}
	if old != nil {
		b := st.bucket(*old)
		b.count--
		b.sum -= int64(wire.RowHash(table, id, oldVer))
		if cur == nil || *cur != *old {
			st.log(changeEntry{Table: table, RowID: id, Op: OpDel,
				Class: old.Class, Scope: old.Scope, Path: old.Path, Part: old.Part})
		}
	}
	if cur != nil {
		data, err := Marshal(after)
		if err != nil {
			return domain.Internal(err)
		}
		s := string(data)
		st.lastRow, st.lastJSON = after, &s // the audit entry that usually follows reuses it
		b := st.bucket(*cur)
		b.path = cur.Path // a unit that moved keeps its bucket under its new path
		b.count++
		b.sum += int64(wire.RowHash(table, id, newVer))
		st.log(changeEntry{Table: table, RowID: id, Op: OpPut,
			Class: cur.Class, Scope: cur.Scope, Path: cur.Path, Part: cur.Part, Data: &s})
	}
	return nil
}

// rowAt names a row in txState.byRow: its table and id.
type rowAt struct{ table, id string }

// loggedRow is where a row's change-log entries are: the index of its last one and how many it has.
type loggedRow struct{ last, n int }

// log appends a change log entry and remembers it under its row.
func (st *txState) log(e changeEntry) {
	k := rowAt{e.Table, e.RowID}
	st.byRow[k] = loggedRow{last: len(st.entries), n: st.byRow[k].n + 1}
	st.entries = append(st.entries, e)
}

// Expect tells the current write transaction that it is about to track about n rows (a push of n mutations), so
// its list of change-log entries and their index by row are made that large at once rather than grown.
func Expect(ctx context.Context, n int) {
	st := syncState(ctx)
	if st == nil || n <= cap(st.entries)-len(st.entries) {
		return
	}
	st.entries = slices.Grow(st.entries, n)
	if len(st.byRow) == 0 {
		st.byRow = make(map[rowAt]loggedRow, n)
	}
}

// Logged is the one change a transaction logged for a row.
type Logged struct {
	Op                       string // OpPut or OpDel
	Class, Scope, Path, Part string
	Data                     *string // the row's JSON, for a put
	index                    int
}

// LoggedOnce returns the change this transaction logged for the row table/id, when it logged exactly one (a
// row that moved to another bucket has two: a delete and a put).
func LoggedOnce(ctx context.Context, table, id string) (Logged, bool) {
	st := syncState(ctx)
	if st == nil {
		return Logged{}, false
	}
	r := st.byRow[rowAt{table, id}]
	if r.n != 1 {
		return Logged{}, false
	}
	e := st.entries[r.last]
	return Logged{Op: e.Op, Class: e.Class, Scope: e.Scope, Path: e.Path, Part: e.Part, Data: e.Data, index: r.last}, true
}

// SetOrigin records that the device client wrote the change c and knows what the row became: its pulls skip it.
func SetOrigin(ctx context.Context, c Logged, client string) {
	if st := syncState(ctx); st != nil && c.index < len(st.entries) {
		st.entries[c.index].Origin = &client
	}
}

// Preload warms the scope caches for rows about to be tracked, so a batch costs one lookup query per kind.
func Preload(ctx context.Context, rows []Row) error {
	st := syncState(ctx)
	if st == nil {
		return domain.Internal(errNoWrite)
	}
	if err := st.scoper.Preload(ctx, rows); err != nil {
		return domain.Internal(err)
	}
	return nil
}

// flush writes the transaction's change log entries and bucket deltas. Buckets are updated in key order so
// concurrent transactions lock them in the same order.
func (st *txState) flush(ctx context.Context, db bun.IDB) error {
	// Rows queued by InsertDeferred go first, parents before children (the order of the registry).
	for _, table := range st.reg.names {
		rows := st.inserts[table]
		if len(rows) == 0 {
			continue
		}
		slice := reflect.MakeSlice(reflect.SliceOf(reflect.TypeOf(rows[0])), len(rows), len(rows))
		for i, r := range rows {
			slice.Index(i).Set(reflect.ValueOf(r))
		}
		ptr := reflect.New(slice.Type())
		ptr.Elem().Set(slice)
		if err := InsertLater(ctx, db, ptr.Interface()); err != nil {
			return err
		}
	}
	st.inserts, st.pending = map[string][]Row{}, map[string]int{}
	// Then the rows of other tables queued by Queue (the audit entries).
	if err := st.flushLog(ctx, db); err != nil {
		return err
	}
	if len(st.buckets) == 0 {
		return st.flushLater(ctx, db)
	}
	tx, err := SyncTx(ctx, db)
	if err != nil {
		return err
	}
	keys := make([]BucketKey, 0, len(st.buckets))
	for k, b := range st.buckets {
		if b.count != 0 || b.sum != 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return a.Part < b.Part
	})
	for start := 0; start < len(keys); start += 200 {
		chunk := keys[start:min(start+200, len(keys))]
		var sb strings.Builder
		args := make([]any, 0, len(chunk)*7)
		sb.WriteString(`INSERT INTO sync_buckets (class, scope, part, path, count, sum, tx) VALUES `)
		for i, k := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			b := st.buckets[k]
			args = append(args, k.Class, k.Scope, k.Part, b.path, b.count, b.sum, tx)
		}
		// A bucket's tx (the checksum's as_of) only grows: on PostgreSQL a transaction with a lower number can
		// commit after one with a higher number that changed the same bucket.
		sb.WriteString(` ON CONFLICT (class, scope, part) DO UPDATE SET count = sync_buckets.count + excluded.count,
			sum = sync_buckets.sum + excluded.sum, tx = ` + Greatest(db) + `(sync_buckets.tx, excluded.tx), path = excluded.path`)
		if err := ExecLater(ctx, db, db.NewRaw(sb.String(), args...)); err != nil {
			return domain.Internalf("sync buckets: %w", err)
		}
	}
	st.entries, st.byRow, st.buckets = nil, map[rowAt]loggedRow{}, map[BucketKey]*bucketDelta{}
	return st.flushLater(ctx, db)
}

// flushLog writes the rows queued by Queue (the audit entries) and the change-log entries the transaction has so
// far, and forgets them (the tables of the entries stay known to Write).
func (st *txState) flushLog(ctx context.Context, db bun.IDB) error {
	for _, q := range st.order {
		if err := q.flush(ctx, db); err != nil {
			return err
		}
	}
	if len(st.entries) == 0 {
		return nil
	}
	tx, err := SyncTx(ctx, db)
	if err != nil {
		return err
	}
	if st.logged == nil {
		st.logged = map[string]bool{}
	}
	for i := range st.entries {
		st.entries[i].Tx = tx
		st.entries[i].At = st.now
		st.logged[st.entries[i].Table] = true
	}
	st.entries = groupEntries(st.entries)
	if err := InsertLater(ctx, db, &st.entries, "seq"); err != nil {
		return domain.Internalf("sync log: %w", err)
	}
	st.entries, st.byRow = nil, map[rowAt]loggedRow{}
	return nil
}

// WriteLogNow writes the change-log entries and the audit entries of the current write transaction so far, ahead
// of the rows it queued (InsertDeferred), which are written at commit with whatever it logs later. The sync
// engine uses it for a push applied while the device's push before is committing (sync/engine, overlap.go):
// these two tables take no lock another transaction holds, so their writing (a push's largest values: its rows'
// JSON, twice) overlaps that commit instead of following it.
func WriteLogNow(ctx context.Context, db bun.IDB) error {
	st := syncState(ctx)
	if st == nil {
		return domain.Internal(errNoWrite)
	}
	if err := st.flushLog(ctx, db); err != nil {
		return err
	}
	return st.flushLater(ctx, db)
}

// Insert stamps and inserts a synced row and records it in the change log.
func Insert(ctx context.Context, db bun.IDB, row Row) error {
	if err := stamp(ctx, db, row.SyncBase()); err != nil {
		return err
	}
	if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
		return err
	}
	return Track(ctx, db, nil, row)
}

// InsertDeferred stamps a synced row and records it like Insert, but queues the INSERT itself: the rows queued in a
// transaction go to the database in one statement per table when it commits. Reads inside the transaction do not
// see them; the sync engine, which keeps its own view of the batch, uses it to apply a push in a few statements.
func InsertDeferred(ctx context.Context, db bun.IDB, row Row) error {
	st := syncState(ctx)
	if st == nil {
		return domain.Internal(errNoWrite)
	}
	if err := stamp(ctx, db, row.SyncBase()); err != nil {
		return err
	}
	table := st.reg.TableOf(row)
	st.pending[table+"/"+row.SyncBase().ID] = len(st.inserts[table])
	st.inserts[table] = append(st.inserts[table], row)
	return Track(ctx, db, nil, row)
}

// replacePending swaps a queued row for its newer state; it reports whether the row was queued.
func replacePending(ctx context.Context, row Row) bool {
	st := syncState(ctx)
	if st == nil {
		return false
	}
	table := st.reg.TableOf(row)
	i, ok := st.pending[table+"/"+row.SyncBase().ID]
	if ok {
		st.inserts[table][i] = row
	}
	return ok
}

// Update stamps and writes a changed synced row (all columns) and records it; before is the row as read.
func Update(ctx context.Context, db bun.IDB, before, row Row) error {
	return UpdateMoved(ctx, db, nil, before, row)
}

// UpdateMoved is Update with the row's bucket before the change given (see TrackMoved).
//
// The write only succeeds if the row still has the version before was read at: a concurrent transaction that
// changed it first makes this one fail with error.conflict_version rather than overwrite a change it never saw
// (and keep the change log and checksums right). A row at a version above this transaction's number (written
// by a younger transaction that committed while this one waited) makes DB.Write run the transaction again, so a
// row's version never goes down.
func UpdateMoved(ctx context.Context, db bun.IDB, oldScope *Scope, before, row Row) error {
	if err := stamp(ctx, db, row.SyncBase()); err != nil {
		return err
	}
	if err := checkAhead(ctx, row.SyncBase().Version, before.SyncBase().Version); err != nil {
		return err
	}
	if replacePending(ctx, row) {
		return TrackMoved(ctx, db, oldScope, before, row)
	}
	q := db.NewUpdate().Model(row).WherePK().Where("version = ?", before.SyncBase().Version)
	if before.SyncBase().DeletedAt != nil {
		q = q.WhereAllWithDeleted() // a deleted row written live again (revived by a device)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	if err := oneRow(res); err != nil {
		return err
	}
	return TrackMoved(ctx, db, oldScope, before, row)
}

// errStale says the row changed since it was read.
func errStale() error { return domain.E(domain.CodeConflict, "error.conflict_version") }

func oneRow(res sql.Result) error {
	if n, err := res.RowsAffected(); err != nil {
		return domain.Internal(err)
	} else if n != 1 {
		return errStale()
	}
	return nil
}

// TxScoper returns the scope finder of the current write transaction, whose caches the tracking shares.
func TxScoper(ctx context.Context) *Scoper {
	if st := syncState(ctx); st != nil {
		return st.scoper
	}
	return nil
}

// SoftDelete marks a synced row deleted and records the delete. Like Update, it only writes the row at the version
// it was read at, and never below it.
func SoftDelete(ctx context.Context, db bun.IDB, row Row) error {
	before := Clone(row)
	if err := stamp(ctx, db, row.SyncBase()); err != nil {
		return err
	}
	if err := checkAhead(ctx, row.SyncBase().Version, before.SyncBase().Version); err != nil {
		return err
	}
	at := row.SyncBase().UpdatedAt
	row.SyncBase().DeletedAt = &at
	if replacePending(ctx, row) {
		return Track(ctx, db, before, row)
	}
	res, err := db.NewUpdate().Model(row).Column("deleted_at", "updated_at", "version").WherePK().
		Where("version = ?", before.SyncBase().Version).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if err := oneRow(res); err != nil {
		return err
	}
	return Track(ctx, db, before, row)
}
