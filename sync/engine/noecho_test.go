package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// countingTransport counts the bytes of the answers to pulls, as they come over the wire (gzip-compressed).
type countingTransport struct{ pulled atomic.Int64 }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.URL.Path == "/api/v1/sync/pull" {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.pulled}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// recordMeetings queues on c held meetings of cell A with every member's attendance, as an official records them.
func (h *harness) recordMeetings(c *client.Client, meetings int, dayOffset int) []string {
	var ids []string
	for k := 0; k < meetings; k++ {
		id := uuid.NewString()
		ids = append(ids, id)
		c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: id, Fields: fields(
			"cell_id", h.cells["A"].ID, "meeting_date", h.today.AddDays(-dayOffset-k).String(), "status", "held",
			"topic", "Sinh hoạt thường kỳ")})
		for _, m := range h.members["A"] {
			c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(id, m.ID),
				Fields: fields("meeting_id", id, "member_id", m.ID, "status", "present")})
		}
	}
	return ids
}

// sameRows fails unless got holds exactly want's rows, at the same versions, with the same content (as JSON
// values: a row a device built from a push answer has its keys in another order than the server's JSON).
func sameRows(t *testing.T, got, want *client.Client) {
	t.Helper()
	bad := 0
	for k, w := range want.Local.Rows {
		g := got.Local.Rows[k]
		if g == nil || g.Version != w.Version || g.Class != w.Class || g.Scope != w.Scope || g.Path != w.Path || g.Part != w.Part {
			if bad++; bad <= 3 {
				t.Errorf("%s: device holds %+v, a new device %+v", k, g, w)
			}
			continue
		}
		var x, y any
		_ = json.Unmarshal(g.Data, &x)
		_ = json.Unmarshal(w.Data, &y)
		if !reflect.DeepEqual(x, y) {
			if bad++; bad <= 3 {
				t.Errorf("%s: device holds\n%s\na new device\n%s", k, g.Data, w.Data)
			}
		}
	}
	for k := range got.Local.Rows {
		if want.Local.Rows[k] == nil {
			if bad++; bad <= 3 {
				t.Errorf("%s: the device holds a row a new device does not", k)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d rows differ", bad)
	}
}

// TestNoEcho: a protocol 2 device is never sent back the rows it wrote (it learns their versions and the fields
// the server set from the push answers), yet holds exactly what a new device pulls; a protocol 1 device is sent
// them, as before. After a 2,004-mutation report the protocol 2 device pulls at most 5 % of the protocol 1
// device's bytes.
func TestNoEcho(t *testing.T) {
	h := newHarness(t)
	h.bigCell(500, 0)
	var pulled [3]int64
	var devices [3]*client.Client
	for i, proto := range []int{1, 2} {
		c := h.device("off1")
		c.Protocol, c.PushBatch = proto, 500
		tr := &countingTransport{}
		c.HTTP = &http.Client{Transport: tr}
		pull(t, c)
		h.recordMeetings(c, 4, 10*i)
		if st := push(t, c); st.Applied != 2004 || st.Rejected != 0 {
			t.Fatalf("protocol %d: push %+v", proto, st)
		}
		before := tr.pulled.Load()
		st := pull(t, c)
		pulled[proto] = tr.pulled.Load() - before
		devices[proto] = c
		t.Logf("protocol %d: after pushing 2,004 mutations the device pulled %d ops, %d bytes", proto, st.Ops, pulled[proto])
		if proto == 2 && st.Ops != 0 {
			t.Errorf("protocol 2: the device was sent %d ops after its own push, want none", st.Ops)
		}
	}
	if pulled[2]*20 > pulled[1] {
		t.Errorf("protocol 2 pulled %d bytes after the push, protocol 1 %d: want at most 5 %%", pulled[2], pulled[1])
	}
	// What the device built from the answers is what the server holds: a new device's copy, and the checksums.
	fresh := h.device("off1")
	pull(t, fresh)
	c := devices[2]
	sameRows(t, c, fresh)
	if st, err := c.PullChecksums(context.Background()); err != nil || len(st.Mismatch) > 0 || st.Verified == 0 {
		t.Fatalf("checksums: %+v %v", st, err)
	}

	// Its own edits, on the version it holds, come back neither; a change by another device does.
	row := c.Local.Table("attendance")[0]
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: row.ID, BaseVersion: row.Version,
		Fields: fields("status", "excused", "reason", "Ốm"), Base: fields("status", "present", "reason", "")})
	res := push(t, c).Results
	if len(res) != 1 || res[0].Own == nil {
		t.Fatalf("an edit of the version held: %+v, want an answer with own", res)
	}
	other := h.device("off2")
	pull(t, other)
	theirs := other.Local.Table("attendance")[1]
	other.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: theirs.ID, BaseVersion: theirs.Version,
		Fields: fields("status", "excused", "reason", "Đi làm ăn xa"), Base: fields("status", "present", "reason", "")})
	if st := push(t, other); st.Applied != 1 {
		t.Fatalf("another device's edit: %+v", st.Results)
	}
	if st := pull(t, c); st.Ops != 1 {
		t.Errorf("after its own edit and another device's, the device was sent %d ops, want 1 (the other's)", st.Ops)
	}
	// An edit made on a version that changed meanwhile (a conflict) comes back by pull, as the server merged it.
	stale := *c.Local.Row("attendance", theirs.ID)
	other.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: theirs.ID, BaseVersion: stale.Version,
		Fields: fields("reason", "Đi làm ăn xa (Bình Dương)"), Base: fields("reason", "Đi làm ăn xa")})
	if st := push(t, other); st.Applied != 1 {
		t.Fatalf("another device's edit: %+v", st.Results)
	}
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: theirs.ID, BaseVersion: stale.Version,
		Fields: fields("reason", "Đi làm ăn xa (TP Hồ Chí Minh)"), Base: fields("reason", "Đi làm ăn xa")})
	if res := push(t, c).Results; len(res) != 1 || res[0].Own != nil || len(res[0].Conflicts) != 1 {
		t.Fatalf("an edit in conflict: %+v, want conflicts and no own", res)
	}
	pull(t, c)
	// A delete of its own: the row goes at once, and nothing comes back.
	gone := c.Local.Table("attendance")[2]
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: gone.ID, BaseVersion: gone.Version})
	if res := push(t, c).Results; len(res) != 1 || res[0].Own == nil || res[0].Own.Op != wire.OpDel || c.Local.Row("attendance", gone.ID) != nil {
		t.Fatalf("a delete: %+v", res)
	}
	if st := pull(t, c); st.Ops != 0 {
		t.Errorf("after its own delete the device was sent %d ops", st.Ops)
	}
	fresh = h.device("off1")
	pull(t, fresh)
	pull(t, c)
	sameRows(t, c, fresh)

	// A push whose answer was lost, sent again after a pull: the duplicate's answer says the same, and the device
	// ends with the server's rows.
	ids := h.recordMeetings(c, 1, 40)
	lost := wire.PushRequest{Protocol: 2, ClientID: c.Local.ClientID, Mutations: c.Local.Outbox[:500]}
	first := h.rawPush("off1", lost)
	pull(t, c)
	again := push(t, c)
	if len(again.Results) != len(first.Results)+1 || again.Duplicates != len(first.Results) {
		t.Fatalf("resent: %d results, %d duplicates, want %d", len(again.Results), again.Duplicates, len(first.Results))
	}
	for i := range first.Results {
		a, b := first.Results[i], again.Results[i]
		b.Duplicate = false
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("result %d: first %+v, resent %+v", i, a, b)
		}
	}
	pull(t, c)
	fresh = h.device("off1")
	pull(t, fresh)
	if fresh.Local.Row("meetings", ids[0]) == nil {
		t.Fatal("the meeting of the lost answer is missing")
	}
	sameRows(t, c, fresh)
}

// TestOwnOfRowsWrittenTwiceInOnePush: one push taps a mark four times (unexcused twice, present, excused: each
// mutation based on the version the device held and the value it saw before; the second changes nothing) and moves the mark's meeting to the
// month before, so every mark of it leaves its bucket for another. Every mutation is applied without a conflict;
// where an answer cannot say what a row became (the push wrote the row again later, or moved it), the device's next
// pull sends the row, so the device ends with exactly the server's rows, and the checksums agree.
func TestOwnOfRowsWrittenTwiceInOnePush(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	pull(t, c)
	ids := h.recordMeetings(c, 1, 0)
	if st := push(t, c); st.Rejected != 0 || st.Conflicts != 0 {
		t.Fatalf("the report: %+v", st)
	}
	pull(t, c)
	meeting := c.Local.Row("meetings", ids[0])
	markID := wire.AttendanceID(ids[0], h.members["A"][0].ID)
	mark := c.Local.Row("attendance", markID)
	if meeting == nil || mark == nil {
		t.Fatal("the device does not hold its report")
	}
	seen := "present"
	for _, status := range []string{"unexcused", "unexcused", "present", "excused"} {
		f, base := fields("status", status), fields("status", seen)
		if status == "excused" {
			f["reason"], base["reason"] = json.RawMessage(`"Ốm"`), json.RawMessage(`""`)
		}
		c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: markID, BaseVersion: mark.Version,
			Fields: f, Base: base})
		seen = status
	}
	var was struct {
		Date string `json:"meeting_date"`
	}
	if err := json.Unmarshal(meeting.Data, &was); err != nil {
		t.Fatal(err)
	}
	moved := h.today.AddMonths(-1).String()
	c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: ids[0], BaseVersion: meeting.Version,
		Fields: fields("meeting_date", moved), Base: fields("meeting_date", was.Date)})
	st := push(t, c)
	if st.Applied != 5 || st.Rejected != 0 || st.Conflicts != 0 {
		t.Fatalf("four taps and a move in one push: %+v", st)
	}
	pull(t, c)
	fresh := h.device("off1")
	pull(t, fresh)
	sameRows(t, c, fresh)
	var got struct {
		Status, Reason string
	}
	if r := fresh.Local.Row("attendance", markID); r == nil || json.Unmarshal(r.Data, &got) != nil || got.Status != "excused" || got.Reason != "Ốm" {
		t.Fatalf("the mark on the server: %+v", got)
	}
	if r := c.Local.Row("attendance", markID); r == nil || r.Part == mark.Part {
		t.Errorf("the mark on the device is still in its old bucket (%q)", mark.Part)
	}
	if cs, err := c.PullChecksums(context.Background()); err != nil || len(cs.Mismatch) > 0 || cs.Verified == 0 {
		t.Fatalf("checksums: %+v %v", cs, err)
	}
}
