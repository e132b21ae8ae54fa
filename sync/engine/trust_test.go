package engine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestDuplicateAnswersRepeatTheFirstOutcome: a device whose answer was lost sends its mutations again and learns
// what the first delivery did, the version and the conflicts included, for creates, updates with a conflict,
// deletes and refusals alike.
func TestDuplicateAnswersRepeatTheFirstOutcome(t *testing.T) {
	h := newHarness(t)
	other := h.device("off2")
	pull(t, other)
	row := other.Local.Row("meetings", h.meeting.ID)
	// Someone else changes the notes first, so the device's change of them is a conflict.
	other.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: row.Version,
		Fields: fields("notes", map[string]any{"items": []any{"trước"}}), Base: map[string]json.RawMessage{"notes": row.Field("notes")}})
	push(t, other)

	mid := uuid.NewString()
	att := wire.AttendanceID(h.meeting.ID, h.members["A"][0].ID)
	clientID := uuid.NewString()
	req := wire.PushRequest{ClientID: clientID, Mutations: []wire.Mutation{
		{Seq: 1, ID: "m1", Table: "meetings", Op: wire.MutUpsert, RowID: mid,
			Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Một")},
		{Seq: 2, ID: "m2", Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: row.Version,
			Fields: fields("notes", map[string]any{"items": []any{"sau"}}), Base: map[string]json.RawMessage{"notes": row.Field("notes")}},
		{Seq: 3, ID: "m3", Table: "attendance", Op: wire.MutDelete, RowID: att, BaseVersion: row.Version},
		{Seq: 4, ID: "m4", Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["X"].ID, "meeting_date", h.today.String())},
	}}
	first := h.rawPush("off1", req)
	for i, r := range first.Results[:3] {
		if r.Status != wire.StatusApplied || r.Version == 0 {
			t.Fatalf("first delivery, mutation %d: %+v", i+1, r)
		}
	}
	if got := first.Results[1].Conflicts; !cmp.Equal(got, []string{"notes"}) {
		t.Fatalf("first delivery: conflicts %v, want [notes]", got)
	}
	if first.Results[3].Status != wire.StatusRejected {
		t.Fatalf("first delivery, mutation 4: %+v", first.Results[3])
	}
	// The answer was lost: the device sends the same request again, whole and then from the middle.
	for _, from := range []int{0, 1, 2} {
		again := h.rawPush("off1", wire.PushRequest{ClientID: clientID, Mutations: req.Mutations[from:]})
		want := make([]wire.Result, 0, 4)
		for _, r := range first.Results[from:] {
			r.Duplicate = true
			want = append(want, r)
		}
		if diff := cmp.Diff(want, again.Results); diff != "" {
			t.Errorf("resent from seq %d: answers differ from the first outcome (-first +again):\n%s", from+1, diff)
		}
		if again.LastSeq != 4 {
			t.Errorf("resent from seq %d: last_seq %d, want 4", from+1, again.LastSeq)
		}
	}
}

// revivable is a kind of record whose id the protocol fixes, with the fields that create it and a text field two
// devices can disagree on.
type revivable struct {
	table, id, field string
	create           func(value string) map[string]json.RawMessage
	values           [4]string // the field's values set along the test
}

func revivables(h *harness) map[string]revivable {
	member := h.members["A"][0].ID
	next := h.today.AddMonths(1)
	scheduled := wire.ScheduledMeetingID(h.cells["A"].ID, next.String()[:7])
	return map[string]revivable{
		"attendance": {table: "attendance", id: wire.AttendanceID(h.meeting.ID, member), field: "status",
			create: func(v string) map[string]json.RawMessage {
				return fields("meeting_id", h.meeting.ID, "member_id", member, "status", v)
			},
			values: [4]string{"present", "excused", "unexcused", "excused"}},
		"visit_reports": {table: "visit_reports", id: wire.ReportID(h.meeting.ID, h.users["off1"].ID), field: "guidance",
			create: func(v string) map[string]json.RawMessage { return fields("meeting_id", h.meeting.ID, "guidance", v) },
			values: [4]string{"Một", "Hai", "Ba", "Bốn"}},
		"scheduled meeting": {table: "meetings", id: scheduled, field: "topic",
			create: func(v string) map[string]json.RawMessage {
				return fields("cell_id", h.cells["A"].ID, "meeting_date", next.String(), "topic", v)
			},
			values: [4]string{"Một", "Hai", "Ba", "Bốn"}},
	}
}

// TestDeletedRecordsCanBeRecordedAgain: a record with a prescribed id (attendance, a visit report, a scheduled
// meeting) that was deleted can be recorded again, by the device that deleted it or another one, online or after
// weeks offline: it lives again as a new version above the tombstone's and reaches every device as a put. Where
// two devices disagree (one deletes while another edits, or both record it again with different values) the later
// write wins and a conflict is recorded, as for any other field.
func TestDeletedRecordsCanBeRecordedAgain(t *testing.T) {
	h := newHarness(t)
	for name, k := range revivables(h) {
		t.Run(name, func(t *testing.T) {
			a, b, c := h.device("off1"), h.device("off1"), h.device("off1")
			val := func(d *client.Client) string {
				r := d.Local.Row(k.table, k.id)
				if r == nil {
					return ""
				}
				var s string
				_ = json.Unmarshal(r.Field(k.field), &s)
				return s
			}
			var top int64 // the newest version written: devices pull until they hold it
			sync := func(ds ...*client.Client) {
				t.Helper()
				for _, d := range ds {
					pullPast(t, d, top)
				}
			}
			one := func(d *client.Client, m wire.Mutation) wire.Result {
				t.Helper()
				d.Mutate(m)
				st := push(t, d)
				if len(st.Results) != 1 || st.Results[0].Status != wire.StatusApplied {
					t.Fatalf("%s %s: %+v", m.Op, k.table, st.Results)
				}
				top = max(top, st.Results[0].Version)
				return st.Results[0]
			}
			upsert := func(base int64, fs map[string]json.RawMessage) wire.Mutation {
				return wire.Mutation{Table: k.table, Op: wire.MutUpsert, RowID: k.id, BaseVersion: base, Fields: fs}
			}
			del := func(base int64) wire.Mutation {
				return wire.Mutation{Table: k.table, Op: wire.MutDelete, RowID: k.id, BaseVersion: base}
			}
			sync(a, b, c)

			// Created, then cleared, then recorded again on the same device, online.
			created := one(a, upsert(0, k.create(k.values[0])))
			sync(a, b, c) // c keeps this version and goes offline
			gone := one(a, del(created.Version))
			sync(a, b)
			if b.Local.Row(k.table, k.id) != nil {
				t.Fatal("the delete did not reach the other device")
			}
			again := one(a, upsert(0, k.create(k.values[1])))
			if again.Version <= gone.Version || len(again.Conflicts) != 0 {
				t.Fatalf("recorded again: %+v after the delete at %d", again, gone.Version)
			}
			st := pullPast(t, b, top)
			if val(b) != k.values[1] || b.Local.Row(k.table, k.id).Version != again.Version {
				t.Fatalf("the other device holds %q, want %q at version %d (ops %d)", val(b), k.values[1], again.Version, st.Ops)
			}

			// Cleared on one device, recorded again on another.
			gone = one(b, del(again.Version))
			sync(a)
			again = one(a, upsert(0, k.create(k.values[2])))
			if again.Version <= gone.Version || len(again.Conflicts) != 0 {
				t.Fatalf("recorded again by another device: %+v", again)
			}

			// c, offline all along, clears its old copy and records it again: its delete meets a record changed
			// since (a conflict keeping what it overwrote); its upsert lives again with c's value.
			old := c.Local.Row(k.table, k.id).Version
			c.Mutate(del(old))
			c.Mutate(upsert(0, k.create(k.values[3])))
			st2 := push(t, c)
			for _, r := range st2.Results {
				top = max(top, r.Version)
			}
			if st2.Applied != 2 || !cmp.Equal(st2.Results[0].Conflicts, []string{"*"}) || len(st2.Results[1].Conflicts) != 0 {
				t.Fatalf("offline device: %+v", st2.Results)
			}
			sync(a, b, c)
			for n, d := range map[string]*client.Client{"a": a, "b": b, "c": c} {
				if val(d) != k.values[3] {
					t.Errorf("device %s holds %q, want %q", n, val(d), k.values[3])
				}
			}

			// One device deletes while another, offline, edits the record it saw: the edit comes later in server
			// order, so the record lives again with it, and a conflict says it had been deleted.
			seen := b.Local.Row(k.table, k.id)
			one(a, del(seen.Version))
			edit := one(b, wire.Mutation{Table: k.table, Op: wire.MutUpsert, RowID: k.id, BaseVersion: seen.Version,
				Fields: fields(k.field, k.values[0]), Base: map[string]json.RawMessage{k.field: seen.Field(k.field)}})
			if !cmp.Equal(edit.Conflicts, []string{"*"}) {
				t.Fatalf("edit of a deleted record: %+v", edit)
			}
			sync(a, b)
			if val(a) != k.values[0] {
				t.Errorf("after delete vs edit the record holds %q, want the edit %q", val(a), k.values[0])
			}
			found := false
			for _, cf := range a.Local.Table("sync_conflicts") {
				var f, row string
				_ = json.Unmarshal(cf.Field("field"), &f)
				_ = json.Unmarshal(cf.Field("row_id"), &row)
				found = found || (f == "*" && row == k.id && string(cf.Field("server_value")) == "null")
			}
			if !found {
				t.Error("no conflict recorded for the edit of a deleted record")
			}

			// Both record it again with different values: the second one meets a record it did not know, and
			// its field is a conflict.
			cur := a.Local.Row(k.table, k.id)
			one(a, del(cur.Version))
			sync(a, b)
			one(a, upsert(0, k.create(k.values[1])))
			second := one(b, upsert(0, k.create(k.values[2])))
			if !cmp.Equal(second.Conflicts, []string{k.field}) {
				t.Fatalf("both recorded it again: second %+v", second)
			}
			sync(a, b, c)
			if val(a) != k.values[2] || val(c) != k.values[2] {
				t.Errorf("after both recorded it again: a %q, c %q, want %q", val(a), val(c), k.values[2])
			}
		})
	}
}

// hookTransport runs after once after the first response it passes on.
type hookTransport struct {
	after func()
	done  bool
}

func (t *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && !t.done {
		t.done = true
		t.after()
	}
	return resp, err
}

// TestEpochChangeMidRoundRestartsTheRound: reset and drop come on a round's first page only. When the database is
// restored (a new epoch) while a device is in the middle of a round, the next page is refused with 409 conflict;
// the device throws the round away and starts again from its stored cursor, which brings the reset, and ends up
// holding exactly the restored data.
func TestEpochChangeMidRoundRestartsTheRound(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	gone := h.members["A"][1]
	restore := func() {
		h.write(func(ctx context.Context, tx bun.IDB) error {
			// The backup did not have this member; it is gone from the data and the checksums, not via the log.
			m := *gone
			if err := store.SoftDelete(ctx, tx, &m); err != nil {
				return err
			}
			return store.NewEpoch(ctx, tx, nil, "test: restored")
		})
	}

	// The protocol itself: a page after the epoch changed is a 409, never a reset on a later page.
	c0 := h.device("off1")
	pull(t, c0)
	for i := 0; i < 3; i++ {
		h.writeMeeting("A", h.today.AddDays(-i))
	}
	h.waitHorizon()
	var first wire.PullResponse
	h.post("/api/v1/sync/pull", "off1", wire.PullRequest{Cursor: c0.Local.Cursor, Limit: 2}, &first)
	if !first.HasMore {
		t.Fatal("the round fits one page; the test needs several")
	}
	h.write(func(ctx context.Context, tx bun.IDB) error { return store.NewEpoch(ctx, tx, nil, "test") })
	status, body := h.postStatus("/api/v1/sync/pull", "off1", wire.PullRequest{Cursor: first.Cursor, Limit: 2})
	if status != http.StatusConflict || !strings.Contains(body, `"code":"conflict"`) {
		t.Fatalf("a page after a new epoch: %d %s, want 409 conflict", status, body)
	}

	// A device in the middle of a round when the restore happens.
	c := h.device("off1")
	pull(t, c)
	for i := 0; i < 3; i++ {
		h.writeMeeting("A", h.today.AddDays(-10-i))
	}
	h.waitHorizon()
	c.Limit = 2
	c.HTTP = &http.Client{Transport: &hookTransport{after: restore}}
	st, err := c.Pull(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Reset || len(st.Mismatch) > 0 {
		t.Fatalf("after a restore mid-round: reset %v, mismatch %v", st.Reset, st.Mismatch)
	}
	if c.Local.Row("members", gone.ID) != nil {
		t.Error("the device still holds a member the restored database does not have")
	}
	if c.Local.Stats["rounds_restarted"] != 1 {
		t.Errorf("rounds restarted: %d, want 1", c.Local.Stats["rounds_restarted"])
	}
	if st, err := c.PullChecksums(ctx); err != nil || len(st.Mismatch) > 0 || st.Verified == 0 {
		t.Fatalf("checksums after the restart: %+v %v", st, err)
	}
}

// pullPast pulls rounds until the device's position reaches version v. On PostgreSQL the horizon is the oldest
// transaction running in the database, so a change can take a while to become visible while another write of the
// same database is still open.
func pullPast(t testing.TB, c *client.Client, v int64) *client.RoundStats {
	t.Helper()
	c.Local.Landed = max(c.Local.Landed, v)
	return pull(t, c)
}

// waitHorizon waits until every transaction up to the newest version in the database has finished, so a pull
// sees them.
func (h *harness) waitHorizon() {
	h.t.Helper()
	ctx := context.Background()
	var top int64
	for _, table := range []string{"meetings", "attendance", "members", "sync_conflicts"} {
		var v int64
		if err := h.db.R.NewRaw("SELECT COALESCE(max(version), 0) FROM ?", bun.Ident(table)).Scan(ctx, &v); err != nil {
			h.t.Fatal(err)
		}
		top = max(top, v)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		si, err := store.ReadSyncInfo(ctx, h.db.R)
		if err != nil {
			h.t.Fatal(err)
		}
		if si.Horizon > top {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the horizon stayed at %d, below version %d", si.Horizon, top)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
