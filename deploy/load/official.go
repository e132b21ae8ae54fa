package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// tally counts what the officials did, for the report.
type tally struct {
	Devices      atomic.Int64 `json:"-"`
	FirstSyncs   atomic.Int64 `json:"-"`
	Polls        atomic.Int64 `json:"-"`
	Visits       atomic.Int64 `json:"-"`
	NoCell       atomic.Int64 `json:"-"`
	Mutations    atomic.Int64 `json:"-"`
	Applied      atomic.Int64 `json:"-"`
	Rejected     atomic.Int64 `json:"-"`
	Conflicts    atomic.Int64 `json:"-"`
	DupAnswers   atomic.Int64 `json:"-"`
	Logins       atomic.Int64 `json:"-"`
	Refreshes    atomic.Int64 `json:"-"`
	RowsHeld     atomic.Int64 `json:"-"`
	CoverageGets atomic.Int64 `json:"-"`

	mu      sync.Mutex
	samples []string         // the first refused mutations, with the server's reason
	byTable map[string]int64 // rows the first syncs brought, by table
}

func (t *tally) firstRows(rows map[string]*client.Row) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byTable == nil {
		t.byTable = map[string]int64{}
	}
	for _, r := range rows {
		t.byTable[r.Table]++
	}
}

func (t *tally) reject(r client.Rejected) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.samples) < 10 {
		t.samples = append(t.samples, fmt.Sprintf("%s %s: %s %s (%s)", r.Mutation.Table, r.Mutation.Op, r.Code, r.Field, r.Message))
	}
}

// interner keeps one copy of the strings many synced rows repeat (tables, classes, scopes, paths), so a thousand
// devices' local state stays small.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *interner) of(s string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	in.m[s] = s
	return s
}

// keepData are the tables whose rows keep their content on the simulated device: the meetings (a visit updates
// this month's with the values it saw as its base) and the members (the attendance list). Every other row keeps
// only what the protocol needs (id, version, bucket) for checksums and base versions.
var keepData = map[string]bool{"meetings": true, "members": true, "visit_reports": true}

// phaseKey marks the requests of an official's first sync (a snapshot of its scopes, many rows), reported apart
// from the polls that follow.
type phaseKey struct{}

const (
	firstSync = "first sync" // a new phone during the measured time
	warmUp    = "warm-up"    // phones set up before it
)

// official is one simulated official's phone: it logs in, takes its first sync, polls, and records whole visits.
type official struct {
	name   string
	sess   *session
	c      *client.Client
	rng    *rand.Rand
	intern *interner
	rec    *Recorder
	tally  *tally
	// push is the receiver the phone subscribes to at its first login (nil: the phone has no push
	// subscription); endpoint is its subscription once the server took it.
	push     *receiver
	pushes   *pushTally
	endpoint string
}

// plan is when an official does what.
type plan struct {
	start  time.Time     // first login and sync
	end    time.Time     // stops polling
	poll   time.Duration // between polls
	visits []time.Time   // whole visits recorded, each followed by a sync
	fresh  bool          // a new phone: it logs in and takes its first sync at start
}

// firstSync logs in and takes the first sync of the phone; false if it failed (counted).
func (o *official) firstSync(ctx context.Context) bool {
	o.tally.Devices.Add(1)
	if _, err := o.sess.Token(ctx); err != nil {
		o.rec.Fail("login "+o.name, err)
		return false
	}
	if o.push != nil {
		// as the app does once signed in, when the user allows notifications
		sub := o.push.newSubscription(o.name)
		if err := subscribe(ctx, o.sess.hc, o.sess.base, o.sess, sub); err != nil {
			o.pushes.refuse(err) // the recorder counts it as an error too
		} else {
			o.endpoint = sub.Endpoint
			o.pushes.add(sub.Endpoint, o)
		}
	}
	if _, err := o.c.Pull(ctx); err != nil {
		o.rec.Fail("first sync "+o.name, err)
		return false
	}
	o.compact()
	o.tally.FirstSyncs.Add(1)
	o.tally.firstRows(o.c.Local.Rows)
	o.tally.RowsHeld.Add(int64(len(o.c.Local.Rows)))
	return true
}

// run plays the plan; errors are counted, never stop the run.
func (o *official) run(ctx context.Context, p plan) {
	if !sleepUntil(ctx, p.start) {
		return
	}
	if p.fresh && !o.firstSync(context.WithValue(ctx, phaseKey{}, firstSync)) {
		return
	}
	if o.c.Local.Epoch == "" {
		return // its warm-up failed (counted)
	}
	defer func() { o.tally.RowsHeld.Add(-int64(len(o.c.Local.Rows))) }()
	for next := time.Now(); ; next = next.Add(jitter(o.rng, p.poll)) {
		if next.After(p.end) || !sleepUntil(ctx, next) {
			break
		}
		for len(p.visits) > 0 && !p.visits[0].After(time.Now()) {
			o.visit(time.Now())
			p.visits = p.visits[1:]
		}
		before := len(o.c.Local.Rows)
		o.sync(ctx)
		o.tally.RowsHeld.Add(int64(len(o.c.Local.Rows) - before))
	}
	o.tally.Logins.Add(int64(o.sess.logins))
	o.tally.Refreshes.Add(int64(o.sess.refreshes))
}

// sync pushes the outbox and pulls, as the app's poll does, and counts the outcome.
func (o *official) sync(ctx context.Context) {
	o.tally.Polls.Add(1)
	pushed, err := o.c.Push(ctx)
	if pushed != nil {
		o.tally.Applied.Add(int64(pushed.Applied))
		o.tally.Rejected.Add(int64(pushed.Rejected))
		o.tally.Conflicts.Add(int64(pushed.Conflicts))
		o.tally.DupAnswers.Add(int64(pushed.Duplicates))
	}
	for _, r := range o.c.Local.Rejected {
		o.tally.reject(r)
	}
	o.c.Local.Rejected = nil
	if err != nil {
		if ctx.Err() == nil {
			o.rec.Fail("push "+o.name, err)
		}
		return
	}
	if _, err := o.c.Pull(ctx); err != nil && ctx.Err() == nil {
		o.rec.Fail("pull "+o.name, err)
	}
	o.compact()
}

// compact drops the content of rows the device will not read again and shares repeated strings.
func (o *official) compact() {
	for k, r := range o.c.Local.Rows {
		if !keepData[r.Table] {
			r.Data = nil
		}
		r.Table, r.Class, r.Scope = o.intern.of(r.Table), o.intern.of(r.Class), o.intern.of(r.Scope)
		r.Path, r.Part = o.intern.of(r.Path), o.intern.of(r.Part)
		if id := k[len(r.Table)+1:]; id == r.ID { // the map's key is table/id: keep one copy of the id
			r.ID = id
		}
	}
}

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and strings of our own
	}
	return b
}

// visit records a whole visit to one of the official's cells the way the app does: this month's scheduled
// meeting (created or updated) held, with its notes; every member's attendance; the official's visit report; and
// a recommendation raised at it.
func (o *official) visit(now time.Time) {
	var cells []wire.ScopeDef
	for _, s := range o.c.Local.Scopes {
		if s.Kind == wire.KindCell {
			cells = append(cells, s)
		}
	}
	if len(cells) == 0 {
		o.tally.NoCell.Add(1)
		return
	}
	cell := cells[o.rng.IntN(len(cells))]
	day := now.Format(time.DateOnly)
	mid := wire.ScheduledMeetingID(cell.ID, now.Format("2006-01"))
	notes := raw(map[string]any{"items": []any{
		map[string]any{"key": "opening", "text": "Khai mạc, thông qua chương trình sinh hoạt."},
		map[string]any{"key": "situation", "text": fmt.Sprintf("Đánh giá tình hình tháng, ý kiến đảng viên (%s).", o.name)},
	}})
	fields := map[string]json.RawMessage{"status": raw("held"), "topic": raw("Sinh hoạt thường kỳ"), "notes": notes}
	m := wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields}
	if cur := o.c.Local.Row("meetings", mid); cur != nil {
		m.BaseVersion = cur.Version
		m.Base = map[string]json.RawMessage{}
		for f := range fields {
			m.Base[f] = orNull(cur.Field(f))
		}
	} else {
		fields["cell_id"], fields["meeting_date"] = raw(cell.ID), raw(day)
		fields["type"], fields["mode"] = raw("regular"), raw("in_person")
	}
	o.mutate(m)
	for _, mem := range o.c.Local.Table("members") {
		if mem.Scope != cell.ID {
			continue
		}
		st := []string{"present", "present", "present", "present", "excused", "unexcused"}[o.rng.IntN(6)]
		a := wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(mid, mem.ID),
			Fields: map[string]json.RawMessage{"status": raw(st)}}
		if cur := o.c.Local.Row("attendance", a.RowID); cur != nil {
			a.BaseVersion = cur.Version // its content is not kept: the device's own rows, rarely edited elsewhere
		} else {
			a.Fields["meeting_id"], a.Fields["member_id"] = raw(mid), raw(mem.ID)
		}
		o.mutate(a)
	}
	rid := wire.ReportID(mid, o.sess.UserID())
	r := wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: rid, Fields: map[string]json.RawMessage{
		"status": raw("draft"), "checked_in_at": raw(now.UTC()),
		"notes": raw(map[string]any{"items": []any{map[string]any{"key": "remarks", "text": "Chi bộ sinh hoạt đúng nội dung."}}}),
	}}
	if cur := o.c.Local.Row("visit_reports", rid); cur != nil {
		r.BaseVersion = cur.Version
		r.Base = map[string]json.RawMessage{}
		if string(cur.Field("status")) == `"submitted"` {
			// reopening a submitted report takes a reason, as the app asks for one
			r.Fields["change_reason"] = raw("Bổ sung ghi chép sau buổi sinh hoạt")
		}
		for f := range r.Fields {
			r.Base[f] = orNull(cur.Field(f))
		}
	} else {
		r.Fields["meeting_id"] = raw(mid)
	}
	o.mutate(r)
	o.mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: map[string]json.RawMessage{
		"cell_id": raw(cell.ID), "meeting_id": raw(mid), "visit_report_id": raw(rid), "raised_on": raw(day),
		"content": raw(fmt.Sprintf("Đề nghị sửa chữa đường giao thông nội thôn (%s, %s).", o.name, day)),
	}})
	o.tally.Visits.Add(1)
}

func (o *official) mutate(m wire.Mutation) {
	o.c.Mutate(m)
	o.tally.Mutations.Add(1)
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

// jitter returns d give or take 20 %.
func jitter(rng *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rng.Float64()))
}

// sleepUntil waits until t; false if the context ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
