package engine

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// syncClient is a row of sync_clients.
type syncClient struct {
	bun.BaseModel `bun:"table:sync_clients"`
	ClientID      string `bun:"client_id,pk"`
	UserID        string `bun:"user_id"`
	LastSeq       int64  `bun:"last_seq"`
	CreatedAt     any    `bun:"created_at"`
	UpdatedAt     any    `bun:"updated_at"`
}

// resultRow is a row of sync_results: the outcome of a processed mutation, kept to answer replays, or (Status
// statusBatch) the outcomes of a push's mutations FirstSeq to Seq, packed in Batch as a JSON array of packedResult.
// One row per push instead of one per mutation spares the database 500 rows and 1,000 index entries a batch.
type resultRow struct {
	bun.BaseModel `bun:"table:sync_results"`
	ClientID      string `bun:"client_id,pk"`
	Seq           int64  `bun:"seq,pk"`
	MutationID    string `bun:"mutation_id"`
	Status        string `bun:"status"`
	Code          string `bun:"code"`
	MessageKey    string `bun:"message_key"`
	Args          string `bun:"args"`
	Version       int64  `bun:"version"`
	// Conflicts are the fields an applied mutation recorded as conflicts, comma-separated.
	Conflicts string `bun:"conflicts"`
	// Own is the JSON of the result's Own (protocol 2), empty when it had none.
	Own string `bun:"own"`
	// FirstSeq is the first mutation the row answers: Seq but for a batch row (zero in rows written before
	// migration 0032).
	FirstSeq int64 `bun:"first_seq"`
	// Batch is a batch row's outcomes.
	Batch string    `bun:"batch"`
	At    time.Time `bun:"at"`
	// own is the outcome's Own as it is: before packResults writes it (as Own or in a batch row), and as unpack
	// reads it from a batch row.
	own *wire.Own
}

// statusBatch is the status of a sync_results row that packs the outcomes of several mutations.
const statusBatch = "batch"

// packedResult is an outcome in a batch row's JSON. Its own is an object in which the bucket (c, s, p, m) is left
// out when it is the previous outcome's (packedOwn.Same), and so is the data (packedOwn.SameData): a report's marks
// share their meeting's bucket and their times, and writing them 500 times made the row five times as long. Rows
// written before kept the own as a JSON string, or each own's data whole.
type packedResult struct {
	Seq        int64           `json:"q"`
	MutationID string          `json:"i,omitempty"`
	Status     string          `json:"s"`
	Code       string          `json:"c,omitempty"`
	MessageKey string          `json:"k,omitempty"`
	Args       string          `json:"a,omitempty"`
	Version    int64           `json:"v,omitempty"`
	Conflicts  string          `json:"x,omitempty"`
	Own        json.RawMessage `json:"o,omitempty"`
}

// packedOwn is a wire.Own in a batch row.
type packedOwn struct {
	wire.Own
	// Same says the bucket is the previous outcome's own's.
	Same bool `json:"=,omitempty"`
	// SameData says the data is the previous outcome's own's: the rows a push creates differ from what their
	// devices sent only in the times they were written at, which are the transaction's, the same for each.
	SameData bool `json:"d=,omitempty"`
}

// packResults returns the rows to store for a push's outcomes: the row itself for one, one batch row for more.
func packResults(rows []resultRow) ([]resultRow, error) {
	if len(rows) == 0 {
		return rows, nil
	}
	if len(rows) == 1 {
		if r := &rows[0]; r.own != nil {
			b, err := json.Marshal(r.own)
			if err != nil {
				return nil, err
			}
			r.Own = string(b)
		}
		return rows, nil
	}
	b := appendPacked(make([]byte, 0, 512+64*len(rows)), rows)
	last := rows[len(rows)-1]
	return []resultRow{{ClientID: last.ClientID, Seq: last.Seq, FirstSeq: rows[0].Seq, Status: statusBatch,
		Batch: string(b), At: last.At}}, nil
}

func sameBucket(a, b *wire.Own) bool {
	return a.Class == b.Class && a.Scope == b.Scope && a.Path == b.Path && a.Part == b.Part
}

// appendPacked appends the outcomes of rows as a batch row's JSON: their packedResults as json.Marshal wrote them
// (fields in the same order, the own's data as it is), without its reflection and without marshalling each own
// apart and checking it again inside the whole (4 % of the server's own work on a push of fifty marks).
func appendPacked(b []byte, rows []resultRow) []byte {
	b = append(b, '[')
	var prev *wire.Own
	for i := range rows {
		r := &rows[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(append(b, `{"q":`...), r.Seq, 10)
		b = wire.AppendMember(b, `,"i":`, r.MutationID)
		b = wire.AppendString(append(b, `,"s":`...), r.Status)
		b = wire.AppendMember(b, `,"c":`, r.Code)
		b = wire.AppendMember(b, `,"k":`, r.MessageKey)
		b = wire.AppendMember(b, `,"a":`, r.Args)
		if r.Version != 0 {
			b = strconv.AppendInt(append(b, `,"v":`...), r.Version, 10)
		}
		b = wire.AppendMember(b, `,"x":`, r.Conflicts)
		if o := r.own; o != nil {
			b = wire.AppendString(append(b, `,"o":{"op":`...), o.Op)
			same := prev != nil && sameBucket(prev, o)
			if !same {
				b = wire.AppendMember(b, `,"c":`, o.Class)
				b = wire.AppendMember(b, `,"s":`, o.Scope)
				b = wire.AppendMember(b, `,"p":`, o.Path)
				b = wire.AppendMember(b, `,"m":`, o.Part)
			}
			sameData := len(o.Data) > 0 && prev != nil && bytes.Equal(prev.Data, o.Data)
			if len(o.Data) > 0 && !sameData {
				b = append(append(b, `,"d":`...), o.Data...)
			}
			if same {
				b = append(b, `,"=":true`...)
			}
			if sameData {
				b = append(b, `,"d=":true`...)
			}
			b = append(b, '}')
			prev = o
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// unpack returns the outcomes a stored row holds.
func (r resultRow) unpack() ([]resultRow, error) {
	if r.Status != statusBatch {
		return []resultRow{r}, nil
	}
	var packed []packedResult
	if err := json.Unmarshal([]byte(r.Batch), &packed); err != nil {
		return nil, err
	}
	rows := make([]resultRow, len(packed))
	var prev *wire.Own
	for i, p := range packed {
		rows[i] = resultRow{ClientID: r.ClientID, Seq: p.Seq, FirstSeq: p.Seq, MutationID: p.MutationID, Status: p.Status,
			Code: p.Code, MessageKey: p.MessageKey, Args: p.Args, Version: p.Version, Conflicts: p.Conflicts, At: r.At}
		switch {
		case len(p.Own) == 0:
		case p.Own[0] == '"': // written before the own was packed: its JSON as a string
			if err := json.Unmarshal(p.Own, &rows[i].Own); err != nil {
				return nil, err
			}
		default:
			var po packedOwn
			if err := json.Unmarshal(p.Own, &po); err != nil {
				return nil, err
			}
			if po.Same && prev != nil {
				po.Class, po.Scope, po.Path, po.Part = prev.Class, prev.Scope, prev.Path, prev.Part
			}
			if po.SameData && prev != nil {
				po.Data = prev.Data
			}
			own := po.Own
			rows[i].own, prev = &own, &own
		}
	}
	return rows, nil
}

// errRetrySlowly makes Push redo a batch one mutation per transaction, after a database error the checks did not
// foresee aborted the shared transaction.
var errRetrySlowly = errors.New("engine: retry mutation by mutation")

// Push applies the caller's mutations exactly once and in order. Mutations already processed are answered from
// the stored outcome without touching the database; a mutation after a gap is not processed. Each mutation is
// applied whole or not at all; a refused one is answered with its reason and does not stop the others.
func (e *Engine) Push(ctx context.Context, p *domain.Principal, req *wire.PushRequest) (*wire.PushResponse, error) {
	if err := req.Validate(); err != nil {
		return nil, domain.E(domain.CodeInvalid, "sync.bad_request", "detail", err.Error())
	}
	lang := i18n.Parse(p.Locale)
	if err := e.ensure(ctx); err != nil {
		return nil, err
	}
	// What needs only the request is done before the device's lock, while its previous push may still hold it.
	drafts := draftRows(req.Mutations)
	var resp *wire.PushResponse
	var err error
	// The device's push before this one may still be writing on this instance: this one is then applied
	// meanwhile, when it can be (overlap.go).
	var ov *overlap
	if changelog.IsPG(e.db.W) && len(req.Mutations) > 0 {
		ov = &overlap{}
		ov.fl, ov.prev = e.flights.start(req.ClientID, req.Mutations[0].Seq, req.Mutations[len(req.Mutations)-1].Seq)
		defer func() { e.flights.end(req.ClientID, ov.fl, err == nil && ov.fl.published == ov.run) }()
	}
	for pause, waited := 5*time.Millisecond, time.Duration(0); ; pause = min(2*pause, 50*time.Millisecond) {
		err = e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if ov != nil {
				ov.run++
			}
			resp, err = e.pushBatch(ctx, tx, p, req, lang, false, drafts, ov)
			return err
		})
		if ov != nil && ov.following {
			ov.following = false
			if errors.Is(err, errOverlap) {
				e.overlaps.WithLabelValues("again").Inc()
				ov.prev = nil // processed again as any push
				continue
			}
			if err == nil {
				e.overlaps.WithLabelValues("committed").Inc()
			}
		}
		if err != nil || !allGap(resp) || waited >= gapHold {
			break
		}
		// The request starts after mutations the server has not seen: a device that pipelines its pushes sent
		// them in the request before this one, which may still be on its way or waiting for the device's lock.
		// Hold this one a moment rather than answer "gap" and have it sent again.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		waited += pause
	}
	if errors.Is(err, errRetrySlowly) || store.ConstraintError(err) != nil {
		// A constraint broke (inserts are written at commit, so it shows here): find the mutation that did it.
		return e.pushSlowly(ctx, p, req, lang)
	}
	return resp, err
}

// gapHold is how long a push that starts after a gap waits for the device's earlier push (PROTOCOL.md, Push).
const gapHold = time.Second

// allGap reports whether every result of a push is a gap: nothing of it was processed.
func allGap(resp *wire.PushResponse) bool {
	if resp == nil || len(resp.Results) == 0 {
		return false
	}
	for _, r := range resp.Results {
		if r.Status != wire.StatusGap {
			return false
		}
	}
	return true
}

// pushSlowly processes a batch one mutation per transaction, so a mutation that breaks a constraint (a duplicate
// card number) is refused alone. Other database errors fail the push; the device sends it again later.
func (e *Engine) pushSlowly(ctx context.Context, p *domain.Principal, req *wire.PushRequest, lang i18n.Lang) (*wire.PushResponse, error) {
	resp := &wire.PushResponse{}
	for _, m := range req.Mutations {
		one := &wire.PushRequest{Protocol: req.Protocol, ClientID: req.ClientID, Mutations: []wire.Mutation{m}}
		var r *wire.PushResponse
		err := e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			r, err = e.pushBatch(ctx, tx, p, one, lang, true, nil, nil)
			return err
		})
		for try := 0; try < 3 && domain.AsError(err).Key == "error.conflict_version"; try++ {
			// Another transaction changed the row between our read and our write: read it again.
			err = e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				r, err = e.pushBatch(ctx, tx, p, one, lang, true, nil, nil)
				return err
			})
		}
		var reason *domain.Error
		var failed errFailed
		if errors.As(err, &failed) {
			reason = failed.reason
		} else if err != nil {
			reason = store.ConstraintError(err) // broken at commit, where the deferred inserts are written
		}
		if reason != nil {
			err = e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				r, err = e.recordRejection(ctx, tx, p, req.ClientID, m, reason, lang)
				return err
			})
		}
		if err != nil {
			return nil, err
		}
		resp.Results = append(resp.Results, r.Results...)
		resp.LastSeq = r.LastSeq
	}
	return resp, nil
}

// recordRejection stores the refusal of mutation m, which broke a constraint in its own transaction.
func (e *Engine) recordRejection(ctx context.Context, tx bun.Tx, p *domain.Principal, clientID string, m wire.Mutation,
	reason *domain.Error, lang i18n.Lang) (*wire.PushResponse, error) {
	client, err := e.lockClient(ctx, tx, p, clientID)
	if err != nil {
		return nil, err
	}
	if client.LastSeq != m.Seq-1 { // another push of this device processed it meanwhile
		return e.pushBatch(ctx, tx, p, &wire.PushRequest{ClientID: clientID, Mutations: []wire.Mutation{m}}, lang, true, nil, nil)
	}
	row := resultRow{ClientID: clientID, Seq: m.Seq, FirstSeq: m.Seq, MutationID: m.ID, Status: wire.StatusRejected,
		Code: string(reason.Code), MessageKey: reason.Key, At: changelog.Now()}
	if len(reason.Args) > 0 {
		b, _ := json.Marshal(reason.Args)
		row.Args = string(b)
	}
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if _, err := tx.NewUpdate().Model((*syncClient)(nil)).Set("last_seq = ?", m.Seq).Set("updated_at = ?", changelog.Now()).
		Where("client_id = ?", clientID).Exec(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return &wire.PushResponse{Results: []wire.Result{resultOf(row, lang)}, LastSeq: m.Seq}, nil
}

// pushBatch processes req inside tx. In slow mode (one mutation) an unexpected database error is recorded as the
// mutation's rejection in a fresh transaction instead of failing the push.
func (e *Engine) pushBatch(ctx context.Context, tx bun.Tx, p *domain.Principal, req *wire.PushRequest, lang i18n.Lang, slow bool,
	drafts map[int64]draft, ov *overlap) (*wire.PushResponse, error) {
	a := newApplier(e, p, tx, req.ClientID)
	a.drafts = drafts
	var client *syncClient
	var last int64
	// Applied while the push before writes, against what it wrote, when it can be; the device's lock is then
	// taken to write (overlap.go).
	following, err := ov.begin(ctx, e, a, req)
	if err != nil {
		return nil, err
	}
	if following {
		last = ov.prev.last
	} else {
		if client, err = e.lockClient(ctx, tx, p, req.ClientID); err != nil {
			return nil, err
		}
		last = client.LastSeq
	}
	before := last
	resp := &wire.PushResponse{Results: make([]wire.Result, 0, len(req.Mutations))}
	var todo []wire.Mutation // the mutations after last: a suffix, since seqs follow each other (Validate)
	if i := slices.IndexFunc(req.Mutations, func(m wire.Mutation) bool { return m.Seq > last }); i >= 0 {
		todo = req.Mutations[i:]
	}
	if len(todo) > 0 && todo[0].Seq > last+1 {
		todo = nil // a gap: nothing is processed, nothing needs reading
	}
	changelog.Expect(ctx, len(todo))
	if err := a.preload(ctx, todo); err != nil {
		return nil, err
	}
	if following && !a.creatingOnly(todo) {
		return nil, errOverlap // a row exists: it is locked and changed once the push before has committed
	}
	var dups []int64
	stored := make([]resultRow, 0, len(todo))
	for _, m := range req.Mutations {
		switch {
		case m.Seq <= last:
			dups = append(dups, m.Seq)
			resp.Results = append(resp.Results, wire.Result{Seq: m.Seq, ID: m.ID, Duplicate: true})
			continue
		case m.Seq > last+1:
			resp.Results = append(resp.Results, wire.Result{Seq: m.Seq, ID: m.ID, Status: wire.StatusGap, Expected: last + 1})
			continue
		}
		var own *ownCheck
		if req.Protocol >= wire.Protocol2 {
			if own, err = a.ownBefore(ctx, m); err != nil {
				return nil, err
			}
		}
		res, err := a.applyOne(ctx, m)
		if err == nil && own != nil && res.status == wire.StatusApplied && len(res.conflicts) == 0 {
			res.own, err = a.ownAfter(ctx, m, own, res.version)
		}
		if err != nil {
			if !slow {
				return nil, errRetrySlowly
			}
			if reason := store.ConstraintError(err); reason != nil {
				return nil, errFailed{reason: reason}
			}
			e.log.ErrorContext(ctx, "sync mutation failed", "client_id", req.ClientID, "seq", m.Seq, "table", m.Table, "err", err)
			return nil, err
		}
		row := resultRow{ClientID: req.ClientID, Seq: m.Seq, FirstSeq: m.Seq, MutationID: m.ID, Status: res.status, Version: res.version,
			Conflicts: strings.Join(res.conflicts, ","), At: changelog.Now()}
		if res.err != nil {
			row.Code, row.MessageKey = string(res.err.Code), res.err.Key
			if res.err.Field != "" || len(res.err.Args) > 0 {
				args := map[string]string{"_field": res.err.Field}
				for k, v := range res.err.Args {
					args[k] = v
				}
				b, _ := json.Marshal(args)
				row.Args = string(b)
			}
		}
		// Every outcome is stored, so a resent mutation is answered with it whole (its version and conflicts).
		row.own = res.own // written as JSON by packResults
		stored = append(stored, row)
		r := resultOf(row, lang)
		resp.Results = append(resp.Results, r)
		last = m.Seq
	}
	ov.handOver(a, req, before)
	if e.applied != nil && len(req.Mutations) > 0 {
		if err := e.applied(ctx, req.ClientID, req.Mutations[0].Seq); err != nil {
			return nil, err
		}
	}
	if following {
		// The audit and change-log entries are written while the push before commits (they wait on none of its
		// locks); the rows themselves once it has.
		if err := changelog.WriteLogNow(ctx, tx); err != nil {
			return nil, err
		}
		if err := joined(ctx, ov.prev); err != nil {
			return nil, err
		}
		if client, err = e.lockClient(ctx, tx, p, req.ClientID); err != nil {
			return nil, err
		}
		if client.LastSeq != before {
			return nil, errOverlap
		}
	}
	if stored, err = packResults(stored); err != nil {
		return nil, domain.Internal(err)
	}
	// Both go with the transaction's last statements (changelog.InsertLater): nothing reads them before it commits.
	if err := changelog.InsertLater(ctx, tx, &stored); err != nil {
		return nil, domain.Internal(err)
	}
	if last != client.LastSeq {
		if err := changelog.ExecLater(ctx, tx, tx.NewUpdate().Model((*syncClient)(nil)).Set("last_seq = ?", last).
			Set("updated_at = ?", changelog.Now()).Where("client_id = ?", req.ClientID)); err != nil {
			return nil, domain.Internal(err)
		}
	}
	if len(dups) > 0 {
		if err := e.replayResults(ctx, tx, req.ClientID, dups, resp, lang); err != nil {
			return nil, err
		}
	}
	resp.LastSeq = last
	return resp, nil
}

// clientLockSQL reads the device's row, locked, with cols (changelog.SyncTxColumns) from sync_state; arg stands for
// the client id ("?" for bun, "$1" prepared).
func clientLockSQL(cols, arg string) string {
	return `SELECT c.client_id, c.user_id, c.last_seq, ` + cols + ` FROM sync_clients AS c CROSS JOIN sync_state
		WHERE sync_state.id = 1 AND c.client_id = ` + arg + ` FOR UPDATE OF c`
}

// lockClient returns the device's row, creating it on its first push, locked against concurrent pushes of the
// same device. A device id belongs to one user.
func (e *Engine) lockClient(ctx context.Context, tx bun.Tx, p *domain.Principal, id string) (*syncClient, error) {
	c := new(syncClient)
	var err error
	if cols := changelog.SyncTxColumns(ctx, tx); cols != "" {
		// The transaction's number comes with the lock (a round trip fewer of a push's eight).
		var n int64
		var moved bool
		var rows *sql.Rows
		var ok bool
		if rows, ok, err = e.query(ctx, tx, stmtClient, id); !ok {
			err = tx.NewRaw(clientLockSQL(cols, "?"), id).Scan(ctx, &c.ClientID, &c.UserID, &c.LastSeq, &n, &moved)
		} else if err == nil {
			err = sql.ErrNoRows
			if rows.Next() {
				err = rows.Scan(&c.ClientID, &c.UserID, &c.LastSeq, &n, &moved)
			}
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			if err := changelog.SetSyncTx(ctx, n, moved); err != nil {
				return nil, err
			}
		}
	} else {
		q := tx.NewSelect().Model(c).Where("client_id = ?", id)
		if changelog.IsPG(e.db.W) {
			q = q.For("UPDATE")
		}
		err = q.Scan(ctx)
	}
	if errors.Is(err, sql.ErrNoRows) {
		now := changelog.Now()
		c = &syncClient{ClientID: id, UserID: p.UserID, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(c).On("CONFLICT (client_id) DO NOTHING").Exec(ctx); err != nil {
			return nil, domain.Internal(err)
		}
		c = new(syncClient)
		q := tx.NewSelect().Model(c).Where("client_id = ?", id)
		if changelog.IsPG(e.db.W) {
			q = q.For("UPDATE")
		}
		err = q.Scan(ctx)
	}
	if err != nil {
		return nil, domain.Internal(err)
	}
	if c.UserID != p.UserID {
		return nil, domain.E(domain.CodeForbidden, "sync.client_taken")
	}
	return c, nil
}

// replayResults fills the results of duplicate mutations from sync_results.
func (e *Engine) replayResults(ctx context.Context, tx bun.Tx, clientID string, seqs []int64, resp *wire.PushResponse, lang i18n.Lang) error {
	var rows []resultRow
	// The rows that answer seqs: a batch row covers FirstSeq to Seq (rows from before batch rows have no FirstSeq).
	if err := tx.NewSelect().Model(&rows).Where("client_id = ? AND seq >= ? AND COALESCE(NULLIF(first_seq, 0), seq) <= ?",
		clientID, slices.Min(seqs), slices.Max(seqs)).Scan(ctx); err != nil {
		return domain.Internal(err)
	}
	bySeq := map[int64]resultRow{}
	for _, row := range rows {
		outcomes, err := row.unpack()
		if err != nil {
			return domain.Internal(err)
		}
		for _, r := range outcomes {
			bySeq[r.Seq] = r
		}
	}
	for i, r := range resp.Results {
		if !r.Duplicate {
			continue
		}
		if row, ok := bySeq[r.Seq]; ok {
			rr := resultOf(row, lang)
			rr.Duplicate, rr.ID = true, r.ID
			resp.Results[i] = rr
		} else {
			// No stored outcome: processed before outcomes were kept for applied mutations (then it was applied), or
			// so long ago that the outcome was pruned; the version is not known any more.
			resp.Results[i].Status = wire.StatusApplied
		}
	}
	return nil
}

func resultOf(row resultRow, lang i18n.Lang) wire.Result {
	r := wire.Result{Seq: row.Seq, ID: row.MutationID, Status: row.Status, Code: row.Code, Version: row.Version}
	if row.Conflicts != "" {
		r.Conflicts = strings.Split(row.Conflicts, ",")
	}
	if row.own != nil {
		r.Own = row.own
	} else if row.Own != "" {
		r.Own = new(wire.Own)
		if json.Unmarshal([]byte(row.Own), r.Own) != nil {
			r.Own = nil
		}
	}
	if row.MessageKey != "" {
		args := map[string]string{}
		if row.Args != "" {
			_ = json.Unmarshal([]byte(row.Args), &args)
		}
		r.Field = args["_field"]
		delete(args, "_field")
		r.Want = args["want"] // the id the rule gives (sync.bad_id, the only refusal with a want)
		r.Message = i18n.T(lang, row.MessageKey, args)
		if row.Status == wire.StatusRejected {
			r.Reason = row.MessageKey
		}
	}
	return r
}

// errFailed carries the reason a mutation broke a constraint out of its aborted transaction.
type errFailed struct{ reason *domain.Error }

func (e errFailed) Error() string { return "mutation refused: " + e.reason.Error() }

// outcome is what applying one mutation did.
type outcome struct {
	status    string
	err       *domain.Error // why it was refused
	version   int64
	conflicts []string
	own       *wire.Own
}

func refused(err error) (outcome, error) {
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal {
		return outcome{status: wire.StatusRejected, err: de}, nil
	}
	return outcome{}, err
}

// applyOne applies one mutation: every check first, then the writes, so a refused mutation writes nothing.
func (a *applier) applyOne(ctx context.Context, m wire.Mutation) (outcome, error) {
	sp, ok := specs[m.Table]
	if !ok {
		return refused(reject("t", "sync.bad_table", "table", m.Table))
	}
	id, ok := domain.ParseID(m.RowID)
	if !ok {
		return refused(reject("row_id", "error.bad_id"))
	}
	if id != m.RowID {
		// Ids are lower case (PROTOCOL.md): the row would be stored under the lower-case id while the device, told it
		// may build the row itself (own), would hold it under the id it sent, and the two never meet again.
		return refused(reject("row_id", "sync.bad_id", "want", id))
	}
	cur, err := a.current(ctx, m.Table, id)
	if err != nil {
		return outcome{}, err
	}
	exists := cur != nil
	if m.Op == wire.MutDelete {
		if !sp.Deletable {
			return refused(reject("op", "sync.field_readonly", "field", "op"))
		}
		if !exists || cur.SyncBase().DeletedAt != nil {
			return outcome{status: wire.StatusApplied}, nil // already gone: deleting again changes nothing
		}
		return a.delete(ctx, sp, m, cur)
	}
	if exists && cur.SyncBase().DeletedAt != nil {
		return a.revive(ctx, sp, m, cur)
	}
	if !exists {
		return a.create(ctx, sp, m, id)
	}
	return a.update(ctx, sp, m, cur)
}

// outOfScope tells whether err refuses a write because the row is not the caller's to write (sync.out_of_scope,
// sync.not_assigned), rather than for what it holds.
func outOfScope(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && (de.Key == "sync.out_of_scope" || de.Key == "sync.not_assigned")
}

// fieldSet checks the mutation only names fields the table lets devices write.
func fieldSet(sp spec, m wire.Mutation, creating bool) error {
	for f := range m.Fields {
		switch {
		case contains(sp.Fields, f):
		case contains(sp.CreateOnly, f) && creating:
		case contains(sp.CreateOnly, f):
			// Re-sending the value a row was created with is fine; changing it is not (checked by the caller).
		default:
			return reject(f, "sync.field_readonly", "field", f)
		}
	}
	return nil
}

// overlay writes fields onto row through JSON, so values are read exactly as the API reads them: decoding an
// object into a struct sets the fields the object names and leaves the others alone.
func overlay(row changelog.Row, fields map[string]json.RawMessage) error {
	if at, ok := row.(*store.Attendance); ok && overlayAttendance(at, fields) {
		return nil
	}
	if err := json.Unmarshal(wire.Object(fields), row); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return reject(te.Field, "error.bad_value", "field", te.Field)
		}
		return reject("fields", "sync.bad_request", "detail", err.Error())
	}
	return nil
}

// overlayAttendance sets a mark's fields, as overlay would, when each of them is one of its text fields, named
// exactly, and given as a plain JSON string (no escape, valid UTF-8): a phone's mark always is, and a report's
// hundreds of marks are then decoded without encoding/json's reflection. It reports false, setting nothing,
// otherwise.
func overlayAttendance(at *store.Attendance, fields map[string]json.RawMessage) bool {
	var meeting, member, status, reason *string
	for k, v := range fields {
		s, ok := wire.PlainString(v)
		if !ok {
			return false
		}
		switch k {
		case "meeting_id":
			meeting = &s
		case "member_id":
			member = &s
		case "status":
			status = &s
		case "reason":
			reason = &s
		default:
			return false
		}
	}
	if meeting != nil {
		at.MeetingID = *meeting
	}
	if member != nil {
		at.MemberID = *member
	}
	if status != nil {
		at.Status = domain.AttendanceStatus(*status)
	}
	if reason != nil {
		at.Reason = *reason
	}
	return true
}

// draft is an upsert's fields decoded onto a new row (or why they cannot be), before the device's lock is taken.
type draft struct {
	row changelog.Row
	err error
}

// draftRows decodes the fields of each upsert onto a new row of its table: what a create writes, prepared while
// the device's previous push still holds its lock. A mutation that turns out to change an existing row does not
// use its draft.
func draftRows(ms []wire.Mutation) map[int64]draft {
	out := make(map[int64]draft, len(ms))
	for _, m := range ms {
		if _, ok := specs[m.Table]; !ok || m.Op != wire.MutUpsert {
			continue
		}
		row := store.NewRow(m.Table)
		out[m.Seq] = draft{row: row, err: overlay(row, m.Fields)}
	}
	return out
}

// fresh returns a new row of m's table with m's fields: its draft, taken (a retried batch decodes again), or
// decoded now.
func (a *applier) fresh(m wire.Mutation) (changelog.Row, error) {
	if d, ok := a.drafts[m.Seq]; ok {
		delete(a.drafts, m.Seq)
		return d.row, d.err
	}
	row := store.NewRow(m.Table)
	return row, overlay(row, m.Fields)
}

// canonical returns a field's value as the row would store it, in JSON, so values are compared the way the row
// stores them ("2026-11-03T19:30:00+07:00" and "2026-11-03T12:30:00Z" are one time).
func canonical(table, field string, v json.RawMessage) (string, error) {
	row := store.NewRow(table)
	if err := overlay(row, map[string]json.RawMessage{field: v}); err != nil {
		return "", err
	}
	return fieldJSON(row, field)
}

func fieldJSON(row changelog.Row, field string) (string, error) {
	b, err := json.Marshal(row)
	if err != nil {
		return "", domain.Internal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return "", domain.Internal(err)
	}
	v, ok := obj[field]
	if !ok {
		return "null", nil
	}
	return string(v), nil
}

// requireFields refuses a create that does not set (or sets to null) a field a create needs, unless the row
// already has it (kept: a revived record keeps what identifies it).
func requireFields(sp spec, m wire.Mutation, kept []string) error {
	for _, f := range sp.Required {
		v, ok := m.Fields[f]
		if (!ok && !contains(kept, f)) || (ok && bytes.Equal(bytes.TrimSpace(v), []byte("null"))) {
			return reject(f, "sync.required", "field", f)
		}
	}
	return nil
}

func (a *applier) create(ctx context.Context, sp spec, m wire.Mutation, id string) (outcome, error) {
	if err := fieldSet(sp, m, true); err != nil {
		return refused(err)
	}
	if err := requireFields(sp, m, nil); err != nil {
		return refused(err)
	}
	if len(sp.Required) == 0 {
		return refused(reject("row_id", "error.not_found", "what", m.Table))
	}
	row, err := a.fresh(m)
	if err != nil {
		return refused(err)
	}
	b := row.SyncBase()
	// Created when the transaction writes it (stamped with its time, as updated_at): not when the device says.
	b.ID, b.CreatedAt, b.DeletedAt, b.Version = id, time.Time{}, nil, 0
	if err := sp.check(ctx, a, nil, row); err != nil {
		return refused(err)
	}
	if err := changelog.InsertDeferred(ctx, a.tx, row); err != nil {
		return outcome{}, err
	}
	a.remember(m.Table, row)
	if err := store.Audit(ctx, a.tx, "sync.create", m.Table, id, a.orgUnit(ctx, row), nil, row); err != nil {
		return outcome{}, err
	}
	return outcome{status: wire.StatusApplied, version: b.Version}, nil
}

// revive applies an upsert to a deleted row (its tombstone): the row lives again, as a new version above the
// tombstone's, and pulling devices receive it as a put. Ids are fixed by the protocol for attendance, visit reports
// and scheduled meetings, so a record cleared by mistake can only be recorded again this way.
//
// With base_version 0 the device creates the record: it did not see the deleted one, so nothing is in dispute and
// the mutation is checked and written as a create (the fields a create needs, none of the old content). With a
// base_version the device changed the record it saw, which someone deleted meanwhile: the later write wins, as for
// any conflict, so the record lives again with the device's fields over its last content, and a conflict on "*"
// records the disagreement (server_value null: the record was deleted; client_value the record as revived).
func (a *applier) revive(ctx context.Context, sp spec, m wire.Mutation, tomb changelog.Row) (outcome, error) {
	if !sp.Deletable {
		return refused(reject("row_id", "sync.deleted"))
	}
	creating := m.BaseVersion == 0
	if err := fieldSet(sp, m, creating); err != nil {
		return refused(err)
	}
	old, err := json.Marshal(tomb)
	if err != nil {
		return outcome{}, domain.Internal(err)
	}
	for _, f := range sp.CreateOnly {
		// The record is the same one: what identifies it (its meeting, member, cell) cannot change.
		if v, ok := m.Fields[f]; ok {
			want, err := canonical(m.Table, f, v)
			if err != nil {
				return refused(err)
			}
			if now, err := fieldJSON(tomb, f); err != nil {
				return outcome{}, err
			} else if want != now {
				return refused(reject(f, "sync.field_readonly", "field", f))
			}
		}
	}
	var row changelog.Row
	var prev changelog.Row
	if creating {
		if err := requireFields(sp, m, sp.CreateOnly); err != nil {
			return refused(err)
		}
		row = store.NewRow(m.Table)
		keep := map[string]json.RawMessage{}
		var all map[string]json.RawMessage
		_ = json.Unmarshal(old, &all)
		for _, f := range sp.CreateOnly {
			keep[f] = all[f]
		}
		if err := overlay(row, keep); err != nil {
			return outcome{}, domain.Internal(err)
		}
	} else {
		row, prev = changelog.Clone(tomb), tomb
	}
	if err := overlay(row, m.Fields); err != nil {
		return refused(err)
	}
	b := row.SyncBase()
	b.ID, b.DeletedAt, b.Version = tomb.SyncBase().ID, nil, tomb.SyncBase().Version
	b.CreatedAt = tomb.SyncBase().CreatedAt
	if creating {
		b.CreatedAt = time.Time{} // stamped with the transaction's time
	}
	if err := sp.check(ctx, a, prev, row); err != nil {
		return refused(err)
	}
	if err := changelog.Update(ctx, a.tx, tomb, row); err != nil {
		return outcome{}, err
	}
	a.remember(m.Table, row)
	var conflicts []string
	if !creating && tomb.SyncBase().Version > m.BaseVersion {
		data, err := json.Marshal(row)
		if err != nil {
			return outcome{}, domain.Internal(err)
		}
		sc, err := changelog.TxScoper(ctx).Scope(ctx, row)
		if err != nil {
			return outcome{}, err
		}
		c := &store.Conflict{Table: m.Table, RowID: b.ID, Field: "*", ServerVersion: tomb.SyncBase().Version,
			ClientID: a.clientID, UserID: &a.p.UserID, ServerValue: nil, ClientValue: strptr(string(data)),
			Class: sc.Class, Scope: sc.Scope, Path: sc.Path, Part: sc.Part}
		if err := changelog.InsertDeferred(ctx, a.tx, c); err != nil {
			return outcome{}, err
		}
		conflicts = []string{"*"}
	}
	if err := store.Audit(ctx, a.tx, "sync.revive", m.Table, b.ID, a.orgUnit(ctx, row), nil, row); err != nil {
		return outcome{}, err
	}
	return outcome{status: wire.StatusApplied, version: b.Version, conflicts: conflicts}, nil
}

func (a *applier) update(ctx context.Context, sp spec, m wire.Mutation, cur changelog.Row) (outcome, error) {
	if err := fieldSet(sp, m, false); err != nil {
		return refused(err)
	}
	before := changelog.Clone(cur)
	curBase := cur.SyncBase()
	changed := map[string]json.RawMessage{}
	var conflictFields []string
	var conflicts []*store.Conflict
	for f, v := range m.Fields {
		now, err := fieldJSON(before, f)
		if err != nil {
			return outcome{}, err
		}
		want, err := canonical(m.Table, f, v)
		if err != nil {
			return refused(err)
		}
		if contains(sp.CreateOnly, f) {
			if want != now {
				return refused(reject(f, "sync.field_readonly", "field", f))
			}
			continue
		}
		if sameJSON(want, now) {
			continue
		}
		changed[f] = v
		// The row changed on the server since the device saw it: was it this field?
		if curBase.Version > m.BaseVersion {
			baseVal := now
			if bv, ok := m.Base[f]; ok {
				if baseVal, err = canonical(m.Table, f, bv); err != nil {
					return refused(err)
				}
			}
			if !sameJSON(baseVal, now) || m.Base[f] == nil {
				conflictFields = append(conflictFields, f)
				c := &store.Conflict{Table: m.Table, RowID: curBase.ID, Field: f, ServerVersion: curBase.Version,
					ClientID: a.clientID, UserID: &a.p.UserID, ServerValue: strptr(now), ClientValue: strptr(want)}
				if bv, ok := m.Base[f]; ok {
					c.BaseValue = strptr(string(bv))
				}
				conflicts = append(conflicts, c)
			}
		}
	}
	if len(changed) == 0 {
		// Nothing to write; but the caller must still be one who may write the row, or the answer would tell
		// someone outside its scope whether a value it guessed is the stored one (applied) or not (refused). The
		// row's other rules (a submitted report's lock…) do not refuse a value sent again unchanged.
		if err := sp.check(ctx, a, before, changelog.Clone(cur)); outOfScope(err) {
			return refused(err)
		}
		return outcome{status: wire.StatusApplied, version: curBase.Version}, nil
	}
	row := changelog.Clone(cur)
	if err := overlay(row, changed); err != nil {
		return refused(err)
	}
	if err := sp.check(ctx, a, before, row); err != nil {
		return refused(err)
	}
	if err := a.write(ctx, before, row); err != nil {
		return outcome{}, err
	}
	a.remember(m.Table, row)
	if len(conflicts) > 0 {
		sc, err := changelog.TxScoper(ctx).Scope(ctx, row)
		if err != nil {
			return outcome{}, err
		}
		sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Field < conflicts[j].Field })
		for _, c := range conflicts {
			c.Class, c.Scope, c.Path, c.Part = sc.Class, sc.Scope, sc.Path, sc.Part
			if err := changelog.InsertDeferred(ctx, a.tx, c); err != nil {
				return outcome{}, err
			}
		}
		sort.Strings(conflictFields)
	}
	if err := store.Audit(ctx, a.tx, "sync.update", m.Table, curBase.ID, a.orgUnit(ctx, row), before, row); err != nil {
		return outcome{}, err
	}
	return outcome{status: wire.StatusApplied, version: row.SyncBase().Version, conflicts: conflictFields}, nil
}

// write stores an updated row. A meeting moved to another month takes its attendance and visit reports to that
// month's bucket.
func (a *applier) write(ctx context.Context, before, row changelog.Row) error {
	mb, ok := before.(*store.Meeting)
	if !ok || mb.MeetingDate.String()[:7] == row.(*store.Meeting).MeetingDate.String()[:7] {
		return changelog.Update(ctx, a.tx, before, row)
	}
	att, err := a.children(ctx, "attendance", mb.ID)
	if err != nil {
		return err
	}
	reps, err := a.children(ctx, "visit_reports", mb.ID)
	if err != nil {
		return err
	}
	sc := changelog.TxScoper(ctx)
	moved := append(att, reps...)
	old := make([]changelog.Scope, len(moved))
	for i, r := range moved {
		s, err := sc.Scope(ctx, r)
		if err != nil {
			return err
		}
		old[i] = s
	}
	if err := changelog.Update(ctx, a.tx, before, row); err != nil {
		return err
	}
	for i, r := range moved {
		if err := changelog.UpdateMoved(ctx, a.tx, &old[i], changelog.Clone(r), r); err != nil {
			return err
		}
		a.remember(store.TableOf(r), r)
	}
	return nil
}

// meetingChildren are the tables whose rows are deleted with their meeting.
var meetingChildren = []string{"attendance", "meeting_participants", "briefing_reports", "dialogue_questions",
	"visit_confirmations", "meeting_files"}

// children returns the live rows of table (attendance, visit_reports or another of a meeting's tables) of a meeting: those in the database,
// locked, and those this batch created, each in its latest state.
func (a *applier) children(ctx context.Context, table, meetingID string) ([]changelog.Row, error) {
	model := store.NewRow(table)
	slice := reflect.New(reflect.SliceOf(reflect.TypeOf(model)))
	q := a.tx.NewSelect().Model(slice.Interface()).Where("?TableAlias.meeting_id = ?", meetingID)
	if changelog.IsPG(a.e.db.W) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	seen := map[string]bool{}
	var out []changelog.Row
	for i := 0; i < slice.Elem().Len(); i++ {
		r := slice.Elem().Index(i).Interface().(changelog.Row)
		id := r.SyncBase().ID
		if known, ok := a.rows[rowKey(table, id)]; ok && known != nil {
			r = known
		}
		seen[id] = true
		if r.SyncBase().DeletedAt == nil {
			out = append(out, r)
		}
	}
	for k, r := range a.rows {
		if r == nil || store.TableOf(r) != table || seen[r.SyncBase().ID] || r.SyncBase().DeletedAt != nil {
			continue
		}
		_ = k
		var mid string
		switch x := r.(type) {
		case *store.Attendance:
			mid = x.MeetingID
		case *store.VisitReport:
			mid = x.MeetingID
		case *store.MeetingParticipant:
			mid = x.MeetingID
		case *store.BriefingReport:
			mid = x.MeetingID
		case *store.DialogueQuestion:
			mid = x.MeetingID
		case *store.VisitConfirmation:
			mid = x.MeetingID
		case *store.MeetingFile:
			mid = x.MeetingID
		}
		if mid == meetingID {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SyncBase().ID < out[j].SyncBase().ID })
	return out, nil
}

func (a *applier) delete(ctx context.Context, sp spec, m wire.Mutation, cur changelog.Row) (outcome, error) {
	if err := sp.check(ctx, a, cur, changelog.Clone(cur)); err != nil {
		return refused(err)
	}
	before := changelog.Clone(cur)
	curBase := cur.SyncBase()
	var conflicts []string
	// Deleting a row someone changed meanwhile records a conflict; the versions this very push wrote since
	// base_version are the device's own (it deletes what it just set: a mark set and cleared, a recommendation
	// added and removed before they were sent), not someone's.
	if first, ok := a.firstOf[rowKey(m.Table, curBase.ID)]; curBase.Version > m.BaseVersion && !(ok && m.BaseVersion >= first) {
		// The delete stands, and the row's last content is kept.
		data, _ := json.Marshal(before)
		sc, err := changelog.TxScoper(ctx).Scope(ctx, before)
		if err != nil {
			return outcome{}, err
		}
		c := &store.Conflict{Table: m.Table, RowID: curBase.ID, Field: "*", ServerVersion: curBase.Version,
			ClientID: a.clientID, UserID: &a.p.UserID, ServerValue: strptr(string(data)),
			Class: sc.Class, Scope: sc.Scope, Path: sc.Path, Part: sc.Part}
		if err := changelog.InsertDeferred(ctx, a.tx, c); err != nil {
			return outcome{}, err
		}
		conflicts = []string{"*"}
	}
	if mt, ok := cur.(*store.Meeting); ok {
		// A meeting's attendance, participants, briefing reports and dialogue questions go with it.
		for _, table := range meetingChildren {
			rows, err := a.children(ctx, table, mt.ID)
			if err != nil {
				return outcome{}, err
			}
			for _, r := range rows {
				if err := changelog.SoftDelete(ctx, a.tx, r); err != nil {
					return outcome{}, err
				}
				a.remember(table, r)
			}
		}
	}
	if err := changelog.SoftDelete(ctx, a.tx, cur); err != nil {
		return outcome{}, err
	}
	a.remember(m.Table, cur)
	if err := store.Audit(ctx, a.tx, "sync.delete", m.Table, curBase.ID, a.orgUnit(ctx, before), before, nil); err != nil {
		return outcome{}, err
	}
	return outcome{status: wire.StatusApplied, version: curBase.Version, conflicts: conflicts}, nil
}

// orgUnit names the unit of a row for the audit log (its cell), when it has one.
func (a *applier) orgUnit(ctx context.Context, row changelog.Row) *string {
	sc, err := changelog.TxScoper(ctx).Scope(ctx, row)
	if err != nil || sc.Path == "" {
		return nil
	}
	id := sc.Scope
	return &id
}

func strptr(s string) *string { return &s }

// sameJSON reports whether two canonical field values are the same value: JSON objects are compared by their
// members, not the order of their keys. A device builds an object (the scores, the minutes) in the order its user
// filled it, the server stores it with its keys sorted; without this a device's own earlier edit, stored by the
// server, would look like someone else's and its next edit would be recorded as a conflict.
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
