package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/sync/engine"
	"github.com/chibo-vn/chibo/sync/wire"
)

// attendanceReads counts the queries that read the attendance table.
type attendanceReads struct{ n atomic.Int64 }

func (q *attendanceReads) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	return ctx
}

func (q *attendanceReads) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if s := strings.ToUpper(strings.TrimSpace(e.Query)); strings.HasPrefix(s, "SELECT") && strings.Contains(e.Query, `FROM "attendance"`) {
		q.n.Add(1)
	}
}

// TestNewMeetingMarksReadNothing: a push that creates a meeting with its members' attendance does not look for
// attendance rows of that meeting (none can exist: they reference it); a later push that clears a mark and sets
// it again does read them, and the rows come out right either way (a new device's copy, the checksums).
func TestNewMeetingMarksReadNothing(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	c.PushBatch = 500
	pull(t, c)
	var q attendanceReads
	//lint:ignore SA1019 the engine holds these *bun.DB: the hook goes on them, not on a copy (WithQueryHook)
	h.db.R.AddQueryHook(&q)
	//lint:ignore SA1019 as above
	h.db.W.AddQueryHook(&q)
	engine.ObserveQueries(h.api.Sync(), func(query string) { q.AfterQuery(context.Background(), &bun.QueryEvent{Query: query}) })
	ids := h.recordMeetings(c, 2, 30)
	n := len(c.Local.Outbox)
	if st := push(t, c); st.Applied != n || st.Rejected != 0 {
		t.Fatalf("push: %+v", st)
	}
	if got := q.n.Load(); got != 0 {
		t.Errorf("a push of 2 new meetings with their marks read attendance %d times, want none", got)
	}

	// Clear a mark and set it again, in one push: the rows exist now and are read.
	m := h.members["A"][0]
	id := wire.AttendanceID(ids[0], m.ID)
	have := c.Local.Rows["attendance/"+id]
	if have == nil {
		t.Fatal("the device has no row for its mark after the push")
	}
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: id, BaseVersion: have.Version})
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: id,
		Fields: fields("meeting_id", ids[0], "member_id", m.ID, "status", "excused", "reason", "Ốm")})
	if st := push(t, c); st.Applied != 2 || st.Rejected != 0 {
		t.Fatalf("clear and set again: %+v", st)
	}
	if q.n.Load() == 0 {
		t.Error("marks of an existing meeting were changed without reading them")
	}
	pull(t, c)
	fresh := h.device("off1")
	pull(t, fresh)
	sameRows(t, c, fresh)
	row := fresh.Local.Rows["attendance/"+id]
	if row == nil || !strings.Contains(string(row.Data), `"excused"`) || strings.Contains(string(row.Data), `"deleted_at":"`) {
		t.Errorf("the mark cleared and set again: %+v", row)
	} else {
		t.Logf("the mark cleared and set again: %s", row.Data)
	}
	// A row is created when its transaction writes it: created_at is that transaction's time, as updated_at was.
	for k, r := range fresh.Local.Rows {
		var at struct {
			Created time.Time `json:"created_at"`
			Updated time.Time `json:"updated_at"`
		}
		if json.Unmarshal(r.Data, &at) == nil && at.Created.After(at.Updated) {
			t.Errorf("%s: created at %s, after its last change at %s", k, at.Created, at.Updated)
			break
		}
	}
	if st, err := c.PullChecksums(context.Background()); err != nil || len(st.Mismatch) > 0 || st.Verified == 0 {
		t.Fatalf("checksums: %+v %v", st, err)
	}
}
