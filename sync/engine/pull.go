package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// Pull answers one pull page for the caller p.
func (e *Engine) Pull(ctx context.Context, p *domain.Principal, req wire.PullRequest) (*wire.PullResponse, error) {
	limit := req.Limit
	if limit == 0 { // absent
		limit = wire.DefaultPullLimit
	}
	if limit < 0 || limit > wire.MaxPullLimit {
		return nil, domain.Invalid("limit", "error.bad_limit", "max", "5000")
	}
	if req.Protocol < 0 {
		return nil, domain.Invalid("protocol", "sync.bad_protocol") // as a push's (wire.PushRequest.Validate)
	}
	cur, err := e.cursors.decode(req.Cursor)
	if err != nil {
		return nil, err
	}
	// same is the request's cursor while cur says what it does: a poll that finds nothing sends it back as it came
	// rather than encoding the same cursor again.
	same := req.Cursor
	if wire.Negotiate(req.Protocol) >= wire.Protocol2 && req.Landed > cur.High && cur.High >= 0 {
		// Rows the device built from push answers count as seen: a failover that lost them resets it.
		cur.High, same = req.Landed, ""
	}
	win := window(e.now())
	defs, err := e.scopesOf(ctx, p)
	if err != nil {
		return nil, err
	}
	resp := &wire.PullResponse{Protocol: wire.Negotiate(req.Protocol), Scopes: defs, Window: win, Ops: []wire.Op{}, Drop: []string{}}
	if resp.Protocol < wire.Protocol2 {
		req.ClientID = "" // a protocol 1 device is sent back its own writes
	}
	if cur.Round == nil && len(req.Resync) == 0 && !req.Checksums && cur.V == cursorVersion && cur.Window == win && sameScopes(cur.Scopes, defs) {
		done, err := e.quickPoll(ctx, cur, same, defs, win, req.ClientID, p.UserID, resp)
		if err != nil || done {
			return resp, err
		}
	}
	for moved := 0; ; moved++ {
		err = e.page(ctx, cur, req, p.UserID, defs, win, limit, resp)
		if !errors.Is(err, errMoved) || moved == 2 {
			break
		}
		// The database is on a new timeline (a failover under the running server) and nothing has written since:
		// rebase (or start a new epoch) before answering from it.
		if err = e.db.CheckTimeline(ctx); err != nil {
			return nil, domain.Internal(err)
		}
	}
	if err != nil {
		return nil, err
	}
	resp.Position = cur.Tx
	resp.Cursor = cur.encode()
	return resp, nil
}

// errMoved stops a pull that read a sync state whose timeline is not the database's: Pull rebases and reads again.
var errMoved = errors.New("engine: the database moved to another timeline")

// page reads one page of the round that cur is in (starting one if none is), in one read transaction.
func (e *Engine) page(ctx context.Context, cur *cursor, req wire.PullRequest, user string, defs []wire.ScopeDef, win string,
	limit int, resp *wire.PullResponse) error {
	return e.read(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The device id is checked where a round starts (a round is refused at once, not halfway) and where the
		// log is read, whose changes from that device it leaves out — not on every page of a snapshot.
		checked := cur.Round == nil
		if checked {
			if err := checkClient(ctx, tx, req.ClientID, user); err != nil {
				return err
			}
		}
		info, err := changelog.ReadSyncInfo(ctx, tx)
		if err != nil {
			return err
		}
		if info.Moved {
			return errMoved
		}
		rebases, err := changelog.Rebases(ctx, tx)
		if err != nil {
			return err
		}
		resp.Epoch = info.Epoch
		if cur.Round == nil {
			e.startRound(cur, resp, info, rebases, defs, win, req.Resync)
		} else if cur.Epoch != info.Epoch || behind(rebases, cur.High) {
			// The epoch changed in the middle of a round (the database was restored or reset), or the round sent
			// a change the database lost in a failover since: what the round sent so far belongs to the old
			// state. reset and drop only ever come on a round's first page, so the round ends here; the client
			// throws it away and starts again from its stored cursor, which gets the reset.
			return domain.E(domain.CodeConflict, "sync.epoch_changed")
		}
		r := cur.Round
		// Checksums asked on any page of the round (the first one is enough) come with its last page.
		r.Sums = r.Sums || req.Checksums
		sc := store.NewScoper(tx)
		bytes := 0 // of the rows' data on the page
		if err := e.snapshot(ctx, tx, sc, cur, defs, win, limit, &bytes, resp); err != nil {
			return err
		}
		more := len(r.Snap) > 0
		if !more {
			if !checked {
				if err := checkClient(ctx, tx, req.ClientID, user); err != nil {
					return err
				}
			}
			fresh := map[string]bool{}
			for _, k := range r.Fresh {
				fresh[k] = true
			}
			if more, err = e.delta(ctx, tx, sc, cur, defs, win, req.ClientID, fresh, info.Horizon, limit-len(resp.Ops), wire.MaxPageBytes-bytes, resp); err != nil {
				return err
			}
		}
		r.Changed = r.Changed || len(resp.Ops) > 0
		waiting := !more && cur.Tx < r.MaxSeen
		resp.HasMore = more || waiting
		if waiting && len(resp.Ops) == 0 {
			resp.RetryAfterMS = 500
		}
		if !resp.HasMore {
			if r.Changed || r.Sums {
				if resp.Checksums, err = checksums(ctx, tx, defs, win); err != nil {
					return err
				}
			}
			cur.Round = nil
		}
		return nil
	})
}

// behind reports whether a device that was sent versions up to high may hold a change the database lost: high
// lies in a rebase interval, where no version the database holds lies.
func behind(rebases []changelog.Rebase, high int64) bool {
	for _, r := range rebases {
		if r.Within(high) {
			return true
		}
	}
	return false
}

// rebaseCache is the rebase intervals as a quick poll last counted them, so that an up-to-date device's poll
// answered without a query still notices a device that must be reset. Each instance keeps its own.
type rebaseCache struct {
	mu   sync.Mutex
	list []changelog.Rebase
}

func (c *rebaseCache) get() []changelog.Rebase {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.list
}

// refresh reloads the intervals when there are n of them and the cache holds another number (rows are only ever
// added).
func (c *rebaseCache) refresh(ctx context.Context, db bun.IDB, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) == n {
		return nil
	}
	list, err := changelog.Rebases(ctx, db)
	if err != nil {
		return err
	}
	c.list = list
	return nil
}

// quickPoll answers, in a single statement and without a transaction, the most common pull: a device that is up to
// date asking whether anything changed. It reports false when there is something to send (or the epoch or the log
// moved under the cursor), and the full path takes over.
func (e *Engine) quickPoll(ctx context.Context, cur *cursor, same string, defs []wire.ScopeDef, win, client, user string,
	resp *wire.PullResponse) (bool, error) {
	if behind(e.rebases.get(), cur.High) {
		return false, nil // a reset: the full path
	}
	st, err := e.recent.Load(ctx, e.readLogState)
	if err != nil {
		return false, err
	}
	if st.moved {
		return false, nil // the full path rebases first
	}
	if st.epoch == cur.Epoch && cur.Tx >= st.maxLogged && cur.Tx >= st.pruned && !behind(e.rebases.get(), cur.High) {
		// Nothing at all was logged after the cursor a moment ago: answer without asking the database, and keep
		// the cursor where it is.
		resp.Epoch, resp.Position, resp.Cursor = st.epoch, cur.Tx, same
		if same == "" {
			resp.Cursor = cur.encode()
		}
		return true, nil
	}
	// The horizon is changelog.HorizonSQL, over the sync_state row.
	hz := changelog.HorizonSQL(e.db.R)
	// Epoch, pruning point and timeline are read again with the horizon: the statement's answer is one snapshot.
	// With them, whose the device id is (checkClient): the changes it wrote are left out of "pending".
	q := `SELECT epoch, pruned_tx, ` + hz + ` AS horizon, tx AS maxtx, EXISTS (?) AS pending,
			` + changelog.MovedSQL(e.db.R) + ` AS moved, (SELECT count(*) FROM sync_rebases) AS rebases,
			COALESCE((` + clientOwnerSQL + `), '') AS owner
		FROM sync_state WHERE id = 1`
	horizonExpr := "(SELECT " + hz + " FROM sync_state WHERE id = 1)"
	pending := e.db.R.NewSelect().Table("sync_changes").ColumnExpr("1").
		Where("tx > ?", cur.Tx).Where("tx < " + horizonExpr).
		ApplyQueryBuilder(func(qb bun.QueryBuilder) bun.QueryBuilder { return notOwn(coverWhere(qb, defs, win, nil, 0), client) }).
		Limit(1)
	var epoch, owner string
	var pruned, horizon, maxTx int64
	var more, moved bool
	var rebases int
	if err := e.db.R.NewRaw(q, pending, client).Scan(ctx, &epoch, &pruned, &horizon, &maxTx, &more, &moved, &rebases, &owner); err != nil {
		return false, domain.Internal(err)
	}
	if err := clientTaken(owner, user); err != nil {
		return false, err
	}
	if err := e.rebases.refresh(ctx, e.db.R, rebases); err != nil {
		return false, err
	}
	if moved {
		return false, nil // the full path rebases first
	}
	if more || epoch != cur.Epoch || cur.Tx < pruned || (!changelog.IsPG(e.db.W) && cur.Tx > maxTx) || behind(e.rebases.get(), cur.High) {
		return false, nil
	}
	resp.Epoch = epoch
	if changelog.IsPG(e.db.W) && cur.Tx >= horizon {
		// A cursor at or past the horizon: nothing new below it, and it must not go back.
		horizon = cur.Tx + 1
	}
	cur.Tx = max(cur.Tx, horizon-1)
	resp.Position, resp.Cursor = cur.Tx, cur.encode()
	return true, nil
}

// clientOwnerSQL reads whose the device id (the one parameter) is: the user's id as text, no row for an id no
// device has pushed from yet.
const clientOwnerSQL = `SELECT CAST(user_id AS TEXT) FROM sync_clients WHERE client_id = ?`

// checkClient refuses a pull that names another user's device id: a pull leaves out the changes written from the
// device it names (the device has them), so another user's id would silently leave out that user's changes — the
// rows would be missing until a checksum found them. An id no device has pushed from yet is no one's.
func checkClient(ctx context.Context, db bun.IDB, client, user string) error {
	if client == "" {
		return nil
	}
	var owner []string
	if err := db.NewRaw(clientOwnerSQL, client).Scan(ctx, &owner); err != nil {
		return domain.Internal(err)
	}
	if len(owner) == 0 {
		return nil
	}
	return clientTaken(owner[0], user)
}

// clientTaken refuses a device id whose owner ("" for no one) is not user.
func clientTaken(owner, user string) error {
	if owner != "" && owner != user {
		return domain.E(domain.CodeForbidden, "sync.client_taken")
	}
	return nil
}

// recentTTL is how long an instance trusts what it last saw of the log for answering "nothing new" without a
// query. A change made meanwhile reaches a polling device at most this much later.
const recentTTL = 250 * time.Millisecond

// logState is what a quick poll last read of the log: the epoch, the pruning point and the newest logged tx, and
// whether the database moved to another timeline (the full path rebases first).
type logState struct {
	epoch             string
	pruned, maxLogged int64
	moved             bool
}

// readLogState reads the log's state, and the rebases when their number changed.
func (e *Engine) readLogState(ctx context.Context) (logState, error) {
	var st logState
	var rebases int
	q := `SELECT epoch, pruned_tx, COALESCE((SELECT max(tx) FROM sync_changes), 0), ` + changelog.MovedSQL(e.db.R) + `,
		(SELECT count(*) FROM sync_rebases) FROM sync_state WHERE id = 1`
	if err := e.db.R.NewRaw(q).Scan(ctx, &st.epoch, &st.pruned, &st.maxLogged, &st.moved, &rebases); err != nil {
		return st, domain.Internal(err)
	}
	return st, e.rebases.refresh(ctx, e.db.R, rebases)
}

// recentAhead is how long before the kept log state expires a poll starts reading it again in the background.
const recentAhead = 100 * time.Millisecond

func sameScopes(keys []string, defs []wire.ScopeDef) bool {
	if len(keys) != len(defs) {
		return false
	}
	for i, d := range defs {
		if keys[i] != d.Key {
			return false
		}
	}
	return true
}

// startRound begins a round from cursor cur: a full snapshot when the cursor is empty, from another epoch, from
// the future (the database went back in time), older than the log, or from a device that was sent a version the
// database lost in a failover (in a rebase interval); otherwise snapshots of the scopes the device does not hold
// yet or asked to resync, and changes after the cursor for the others.
func (e *Engine) startRound(cur *cursor, resp *wire.PullResponse, info changelog.SyncInfo, rebases []changelog.Rebase,
	defs []wire.ScopeDef, win string, resync []string) {
	r := &round{Since: info.Horizon - 1}
	why := resetReason(cur, info, rebases)
	reset := why != ""
	held := map[string]bool{}
	for _, k := range cur.Scopes {
		held[k] = true
	}
	again := map[string]bool{}
	for _, k := range resync {
		again[k] = true
	}
	for _, d := range defs {
		switch {
		case reset || !held[d.Key]:
			r.Snap = append(r.Snap, d.Key)
		case again[d.Key]:
			r.Snap = append(r.Snap, d.Key)
			resp.Drop = append(resp.Drop, d.Key)
		}
	}
	if reset {
		resp.Reset = true
		cur.Tx = info.Horizon - 1
		cur.High = 0 // the device discards what it was sent
		if why != resetFirst {
			e.resets.WithLabelValues(why).Inc()
		}
	}
	r.Fresh = append([]string(nil), r.Snap...)
	r.Changed = reset || len(resp.Drop) > 0 || cur.Window != win || len(held) != len(defs)
	cur.V, cur.Epoch, cur.Window, cur.Round = cursorVersion, info.Epoch, win, r
	cur.Scopes = cur.Scopes[:0]
	for _, d := range defs {
		cur.Scopes = append(cur.Scopes, d.Key)
	}
}

// resetFirst is the reset of a device's first sync (an empty cursor), not counted as a reset.
const resetFirst = "first"

// resetReason says why a round from cur must start with a reset, or "" if it need not.
func resetReason(cur *cursor, info changelog.SyncInfo, rebases []changelog.Rebase) string {
	switch {
	case cur.V == 0 && cur.Epoch == "":
		return resetFirst
	case cur.V != cursorVersion:
		return ResetProtocol
	case cur.Epoch != info.Epoch:
		return ResetEpoch
	case cur.Tx > info.MaxTx:
		return ResetAhead
	case cur.Tx < info.PrunedTx:
		return ResetExpired
	case behind(rebases, cur.High):
		return ResetBehind
	}
	return ""
}

// delta appends the logged changes after cur.Tx that the scopes cover, in transaction order, up to limit rows and
// about budget bytes of rows' data but never splitting a transaction, and moves the cursor. It reports whether
// more changes wait below the horizon.
func (e *Engine) delta(ctx context.Context, tx bun.Tx, sc *changelog.Scoper, cur *cursor, defs []wire.ScopeDef, win, client string,
	fresh map[string]bool, horizon int64, limit, budget int, resp *wire.PullResponse) (bool, error) {
	if limit < 1 || budget < 1 {
		return true, nil
	}
	type entry struct {
		Tx     int64   `bun:"tx"`
		Seq    int64   `bun:"seq"`
		Table  string  `bun:"tbl"`
		RowID  string  `bun:"row_id"`
		Op     string  `bun:"op"`
		Class  string  `bun:"class"`
		Scope  string  `bun:"scope"`
		Path   string  `bun:"path"`
		Part   string  `bun:"part"`
		Data   *string `bun:"data"`
		RowIDs *string `bun:"row_ids"` // an entry of several rows (changelog, groupEntries)
	}
	// rowsOf is how many rows an entry stands for.
	rowsOf := func(r *entry) int {
		if r.RowIDs == nil {
			return 1
		}
		return 1 + strings.Count(*r.RowIDs, ",")
	}
	query := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Table("sync_changes").Column("tx", "seq", "tbl", "row_id", "op", "class", "scope", "path", "part", "data", "row_ids").
			Where("tx < ?", horizon)
		return q.ApplyQueryBuilder(func(qb bun.QueryBuilder) bun.QueryBuilder {
			return notOwn(coverWhere(qb, defs, win, fresh, cur.Round.Since), client)
		}).OrderExpr("tx, seq")
	}
	var rows []entry
	if err := query(tx.NewSelect()).Where("tx > ?", cur.Tx).Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
		return false, domain.Internal(err)
	}
	// The page ends at the entry that brings it to limit rows (an entry may stand for many), finishing that
	// entry's transaction rather than splitting it. (Of limit+1 entries, the first limit always bring it there.)
	cut, n := len(rows)-1, 0
	for i := range rows {
		if n += rowsOf(&rows[i]); n >= limit {
			cut = i
			break
		}
	}
	more := cut < len(rows)-1
	if more {
		last := rows[cut]
		rows = rows[:cut+1]
		var rest []entry
		if err := query(tx.NewSelect()).Where("tx = ? AND seq > ?", last.Tx, last.Seq).Scan(ctx, &rest); err != nil {
			return false, domain.Internal(err)
		}
		rows = append(rows, rest...)
		cur.Tx = last.Tx
	} else {
		cur.Tx = max(cur.Tx, horizon-1)
	}
	// The byte bound: the page ends with the transaction during which its rows' data passed budget.
	size := 0
	for i, r := range rows {
		if i > 0 && r.Tx != rows[i-1].Tx && size >= budget {
			rows, more, cur.Tx = rows[:i], true, rows[i-1].Tx
			break
		}
		if r.Data != nil {
			size += len(*r.Data)
		}
	}
	for i := range rows {
		r := &rows[i]
		cur.High = max(cur.High, r.Tx)
		op := wire.Op{Op: r.Op, Table: r.Table, ID: r.RowID, Version: r.Tx, Class: r.Class, Scope: r.Scope, Path: r.Path, Part: r.Part}
		if r.RowIDs == nil {
			if r.Data != nil {
				op.Data = json.RawMessage(*r.Data)
			}
			resp.Ops = append(resp.Ops, op)
			continue
		}
		ids, data := *r.RowIDs, ""
		if r.Data != nil {
			data = *r.Data
		}
		for ids != "" {
			op.ID, ids, _ = strings.Cut(ids, ",")
			if r.Data != nil {
				var d string
				d, data, _ = strings.Cut(data, "\n")
				if d == "" {
					return false, domain.Internalf("sync log: entry %d has fewer rows' data than ids", r.Seq)
				}
				op.Data = json.RawMessage(d)
			}
			resp.Ops = append(resp.Ops, op)
		}
	}
	return more, nil
}

// notOwn leaves out of a change log query the changes the device client wrote and was told of (protocol 2).
func notOwn(qb bun.QueryBuilder, client string) bun.QueryBuilder {
	if client == "" {
		return qb
	}
	return qb.Where("(origin IS NULL OR origin <> ?)", client)
}

// snapshot appends the current rows of the scopes waiting for a snapshot, table by table in id order, up to limit
// rows and wire.MaxPageBytes of rows' data (counted in *bytes), remembering where it stopped in the cursor.
func (e *Engine) snapshot(ctx context.Context, tx bun.Tx, sc *changelog.Scoper, cur *cursor, defs []wire.ScopeDef, win string,
	limit int, bytes *int, resp *wire.PullResponse) error {
	r := cur.Round
	byKey := map[string]wire.ScopeDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	tables := store.SyncedTables()
	if len(r.Snap) > 0 && cap(resp.Ops) < limit {
		// A snapshot page is usually full: its rows' slice is made once, not doubled up to limit.
		resp.Ops = append(make([]wire.Op, 0, limit), resp.Ops...)
	}
	var rowJSON []byte // the rows' JSON, one after another
	for len(r.Snap) > 0 && len(resp.Ops) < limit && *bytes < wire.MaxPageBytes {
		def, ok := byKey[r.Snap[0]]
		if !ok || r.Table >= len(tables) {
			r.Snap, r.Table, r.After = r.Snap[1:], 0, ""
			continue
		}
		table := tables[r.Table]
		q, ok := snapshotQuery(tx, table, def, win)
		if !ok {
			r.Table, r.After = r.Table+1, ""
			continue
		}
		model := store.NewRow(table)
		alias := tx.Dialect().Tables().Get(reflect.TypeOf(model).Elem()).Alias
		slice := reflect.New(reflect.SliceOf(reflect.TypeOf(model)))
		want := limit - len(resp.Ops)
		byMeeting := table == "attendance"
		// done is the last meeting whose attendance this query completes, when it completes any (whole: all the
		// rows of the meetings up to it, which their tallies say fit in the page).
		var done string
		var ids []string // the meetings read whole
		whole := false
		if byMeeting {
			// Attendance goes meeting by meeting: the rows of the next few meetings, found through the
			// (meeting_id, member_id) index, rather than all of the scope's attendance sorted again for every page.
			// As many meetings as their tallies (meeting_tallies.recorded, kept by triggers in the same
			// transaction) say fit in want rows are read whole, unsorted (the database then sends its rows as it
			// finds them, while they are read here), and put in order here. A page holds at most want rows: a
			// meeting with more (a cell of 500 members) is read in parts of want rows in id order, which the next
			// page goes on with (Part, PartAfter). The table is done when no meeting is left, not when the
			// meetings taken have no attendance (planned ones have none).
			if r.Part != "" {
				q = attendanceRows(tx, slice.Interface()).Where("at.meeting_id = ? AND at.id > ?", r.Part, r.PartAfter).
					OrderExpr("at.id").Limit(int64(want))
			} else {
				var ms []struct {
					ID   string `bun:"id"`
					Rows int    `bun:"n"`
				}
				// The scope's meetings themselves, with their tallies (not "id IN (the scope's meetings)", which
				// read each meeting twice: 3–4 ms of a page's 45 against 1).
				meetings := attendanceMeetings(tx, def, win).
					ColumnExpr("COALESCE((SELECT t.recorded FROM meeting_tallies AS t WHERE t.meeting_id = meetings.id), 0) AS n").
					OrderExpr("id").Limit(int64(max(1, 2*want/attendancePerMeeting)))
				if r.After != "" {
					meetings = meetings.Where("id > ?", r.After)
				}
				if err := meetings.Scan(ctx, &ms); err != nil {
					return domain.Internalf("snapshot meetings: %w", err)
				}
				if len(ms) == 0 {
					r.Table, r.After = r.Table+1, ""
					continue
				}
				// As many as fit in want rows and, at about attendanceRowBytes a row, in the page's bytes left:
				// meetings read whole only for the byte bound to cut them would be read again by the next page.
				fit := min(want, (wire.MaxPageBytes-*bytes)/attendanceRowBytes)
				for n := 0; len(ids) < len(ms) && n+ms[len(ids)].Rows <= fit; {
					n += ms[len(ids)].Rows
					ids = append(ids, ms[len(ids)].ID)
				}
				if len(ids) == 0 && len(resp.Ops) > 0 && ms[0].Rows <= limit {
					// The next meeting fits whole on the next page: this one ends here rather than send a part.
					return nil
				}
				if len(ids) == 0 {
					// The next meeting alone has more rows than a page takes: its first part, in id order.
					r.Part = ms[0].ID
					q = attendanceRows(tx, slice.Interface()).Where("at.meeting_id = ?", r.Part).OrderExpr("at.id").Limit(int64(want))
				} else {
					done, whole = ids[len(ids)-1], true
					q = attendanceRows(tx, slice.Interface()).Where("at.meeting_id IN (?)", bun.List(ids))
				}
			}
		} else {
			q = q.Model(slice.Interface()).OrderExpr("?.id", bun.Ident(alias)).Limit(int64(want))
			if r.After != "" {
				q = q.Where("?.id > ?", bun.Ident(alias), r.After)
			}
		}
		var batch []changelog.Row
		if byMeeting {
			var err error
			if batch, err = scanAttendance(ctx, q); err != nil {
				return domain.Internalf("snapshot %s: %w", table, err)
			}
			if whole {
				batch = byMeetings(batch, ids)
				if len(batch) > want {
					// More rows than the tallies said (they are kept with every write; this is a safeguard): the
					// page ends inside a meeting, as a full page does.
					batch, whole = batch[:want], false
				}
			}
		} else {
			if err := q.Scan(ctx); err != nil {
				return domain.Internalf("snapshot %s: %w", table, err)
			}
			rows := slice.Elem()
			batch = make([]changelog.Row, rows.Len())
			for i := range batch {
				batch[i] = rows.Index(i).Interface().(changelog.Row)
			}
		}
		if err := sc.Preload(ctx, batch); err != nil {
			return domain.Internal(err)
		}
		if cap(rowJSON)-len(rowJSON) < len(batch)*attendanceRowBytes {
			// The rows' JSON goes into one buffer for the batch, each op's data a slice of it (the slices of an
			// earlier buffer stay as they are).
			rowJSON = make([]byte, 0, min(len(batch)*attendanceRowBytes, wire.MaxPageBytes)+4096)
		}
		for i, row := range batch {
			if *bytes >= wire.MaxPageBytes {
				// The byte bound: the page ends here, as if the query had asked for these rows only.
				batch, want, whole = batch[:i], i, false
				break
			}
			s, err := sc.Scope(ctx, row)
			if err != nil {
				return domain.Internal(err)
			}
			from := len(rowJSON)
			if rowJSON, err = changelog.AppendMarshal(rowJSON, row); err != nil {
				return domain.Internal(err)
			}
			data := rowJSON[from:len(rowJSON):len(rowJSON)]
			b := row.SyncBase()
			resp.Ops = append(resp.Ops, wire.Op{Op: wire.OpPut, Table: table, ID: b.ID, Version: b.Version,
				Class: s.Class, Scope: s.Scope, Path: s.Path, Part: s.Part, Data: data})
			*bytes += len(data)
			r.MaxSeen = max(r.MaxSeen, b.Version)
			cur.High = max(cur.High, b.Version)
		}
		switch {
		case whole:
			// Every row of the meetings up to done is sent.
			r.After = done
		case byMeeting && len(batch) < want && r.Part != "":
			// The meeting in progress is finished; the next meetings come on the next turn.
			r.After, r.Part, r.PartAfter = r.Part, "", ""
		case byMeeting && len(batch) < want:
			r.After = done
		case byMeeting:
			// The page is full: it may have ended inside the last row's meeting, which the next page finishes. The
			// meetings before it are all sent.
			last := batch[len(batch)-1].(*store.Attendance)
			if r.Part == "" {
				prev := r.After
				for i := len(batch) - 1; i >= 0; i-- {
					if m := batch[i].(*store.Attendance).MeetingID; m != last.MeetingID {
						prev = m
						break
					}
				}
				r.After = prev
			}
			r.Part, r.PartAfter = last.MeetingID, last.ID
		case len(batch) < want:
			r.Table, r.After = r.Table+1, ""
		default:
			r.After = batch[len(batch)-1].SyncBase().ID
		}
	}
	return nil
}

// byMeetings puts rows, the attendance of meetings (sorted by id), in meeting and id order, as a page that ends
// inside a meeting needs them (its cursor says which of the meeting's ids were sent): by meeting with a counting
// sort, then each meeting's few rows by id (sorting a page's 5,000 rows at once cost as much as reading them).
func byMeetings(rows []changelog.Row, meetings []string) []changelog.Row {
	at := make(map[string]int, len(meetings))
	for i, id := range meetings {
		at[id] = i
	}
	start := make([]int, len(meetings)+1)
	for _, r := range rows {
		start[at[r.(*store.Attendance).MeetingID]+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]*store.Attendance, len(rows))
	for _, r := range rows {
		a := r.(*store.Attendance)
		k := at[a.MeetingID]
		out[start[k]] = a
		start[k]++
	}
	byID := func(a, b *store.Attendance) int { return strings.Compare(a.ID, b.ID) }
	for i, from := 0, 0; i <= len(out); i++ {
		if i == len(out) || out[i].MeetingID != out[from].MeetingID {
			slices.SortFunc(out[from:i], byID)
			from = i
		}
	}
	for i, a := range out {
		rows[i] = a
	}
	return rows
}

// attendanceRows selects attendance rows (model: a pointer to a slice of them) for scanAttendance: on PostgreSQL
// with their times as text, which it reads faster than lib/pq (pgTimeScanner).
func attendanceRows(db bun.IDB, model any) *bun.SelectQuery {
	q := db.NewSelect().Model(model)
	if !changelog.IsPG(db) {
		return q
	}
	return q.Column("at.id", "at.version", "at.meeting_id", "at.member_id", "at.status", "at.reason").
		ColumnExpr("CAST(at.created_at AS TEXT) AS created_at, CAST(at.updated_at AS TEXT) AS updated_at").
		ColumnExpr("CAST(at.deleted_at AS TEXT) AS deleted_at")
}

// scanAttendance runs q, a query of attendance rows, and reads them without bun's reflection: attendance is most
// of a snapshot, and scanning it through the model cost a third of the server's time on an initial pull.
func scanAttendance(ctx context.Context, q *bun.SelectQuery) ([]changelog.Row, error) {
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	// Each column's place in a row, found once: dest points into the row being read.
	var a *store.Attendance
	var deleted time.Time
	var null bool
	var status string
	fields := map[string]func() any{
		"id": func() any { return &a.ID }, "created_at": func() any { return pgTimeScanner{t: &a.CreatedAt} },
		"updated_at": func() any { return pgTimeScanner{t: &a.UpdatedAt} },
		"deleted_at": func() any { return pgTimeScanner{t: &deleted, null: &null} },
		"version":    func() any { return &a.Version }, "meeting_id": func() any { return &a.MeetingID },
		"member_id": func() any { return &a.MemberID }, "status": func() any { return &status },
		"reason": func() any { return &a.Reason },
	}
	place := make([]func() any, len(cols))
	for i, c := range cols {
		if place[i] = fields[c]; place[i] == nil {
			return nil, fmt.Errorf("attendance column %q unknown to the snapshot", c)
		}
	}
	dest := make([]any, len(cols))
	var out []changelog.Row
	for rows.Next() {
		a = new(store.Attendance)
		for i, p := range place {
			dest[i] = p()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		a.Status = domain.AttendanceStatus(status)
		if !null {
			t := deleted
			a.DeletedAt = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// checksums computes each scope's count and checksum from the bucket table.
func checksums(ctx context.Context, tx bun.Tx, defs []wire.ScopeDef, win string) ([]wire.Checksum, error) {
	out := make([]wire.Checksum, 0, len(defs))
	for _, d := range defs {
		var rows []changelog.BucketSum
		q := tx.NewSelect().Table("sync_buckets").Column("class", "scope", "part", "path", "count", "sum", "tx").
			ApplyQueryBuilder(func(qb bun.QueryBuilder) bun.QueryBuilder { return where(qb, d, win) })
		if err := q.Scan(ctx, &rows); err != nil {
			return nil, domain.Internal(err)
		}
		c := wire.Checksum{Scope: d.Key}
		var sum int64
		for _, b := range rows {
			c.Count += b.Count
			sum += b.Sum
			c.AsOf = max(c.AsOf, b.Tx)
		}
		c.Sum = uint32(sum)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scope < out[j].Scope })
	return out, nil
}
