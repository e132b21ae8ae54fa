package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"

	"encoding/json"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// dump returns every row of every table as text, in a fixed order: two equal dumps mean byte-identical data.
func dump(t testing.TB, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect == "pg" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
	}
	if err := db.R.NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.R.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&line, "%s=%v;", cols[i], v)
			}
			lines = append(lines, line.String())
		}
		rows.Close()
		sort.Strings(lines)
		fmt.Fprintf(&b, "## %s (%d)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// TestReplayedPushesChangeNothing is invariant 2: replaying pushes 1 to 10 times, interleaved with other
// devices' pushes and replays, leaves the database byte-identical to a single delivery.
func TestReplayedPushesChangeNothing(t *testing.T) {
	h := newHarness(t)
	off1, off2, sec := h.device("off1"), h.device("off2"), h.device("sec")
	devices := map[string]*client.Client{"off1": off1, "off2": off2, "sec": sec}
	for _, d := range devices {
		pull(t, d)
	}
	// Each device prepares a batch mixing creates, updates and deletes.
	mid := uuid.NewString()
	off1.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Tháng này")})
	for _, m := range h.members["A"][:3] {
		off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(mid, m.ID),
			Fields: fields("meeting_id", mid, "member_id", m.ID, "status", "present")})
	}
	off1.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, BaseVersion: 0, Fields: fields("resolution", "Nghị quyết tháng")})
	off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: wire.AttendanceID(mid, h.members["A"][2].ID)})
	off1.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["X"].ID, "meeting_date", h.today.String())}) // refused: not assigned to X
	off2.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: h.meeting.Version, Fields: fields("notes", map[string]any{"items": []any{}})})
	off2.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["X"].ID, "content", "Kiến nghị khu phố 3")})
	sec.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["B"].ID, "full_name", "Lê Văn Mới", "birth_year", 1990)})
	sec.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: h.members["B"][0].ID, BaseVersion: h.members["B"][0].Version, Fields: fields("status", "exempt")})
	batches := map[string][]wire.Mutation{}
	for name, d := range devices {
		batches[name] = append([]wire.Mutation(nil), d.Local.Outbox...)
	}
	for _, name := range []string{"off1", "off2", "sec"} {
		st := push(t, devices[name])
		if len(devices[name].Local.Outbox) != 0 {
			t.Fatalf("%s outbox not drained: %+v", name, st.Results)
		}
	}
	once := dump(t, h.db)

	// Replay every batch 1–10 times, concurrently and interleaved, whole or in parts.
	rng := rand.New(rand.NewPCG(2, 3))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for name, batch := range batches {
		times := 1 + rng.IntN(10)
		for i := 0; i < times; i++ {
			lo := rng.IntN(len(batch))
			part := batch[lo:]
			clientID := devices[name].Local.ClientID
			c := h.device(name)
			c.Local.ClientID = clientID
			c.Local.Outbox = append([]wire.Mutation(nil), part...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := c.Push(context.Background())
				if err != nil {
					errs <- err
					return
				}
				for _, r := range st.Results {
					if !r.Duplicate {
						errs <- fmt.Errorf("replayed seq %d was processed again: %+v", r.Seq, r)
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if diff := cmp.Diff(once, dump(t, h.db)); diff != "" {
		t.Errorf("the database changed after replays (-once +replayed):\n%s", diff)
	}
}

// TestMutationsApplyInOrder is invariant 3: mutation k+1 of a device never applies before mutation k; a push that
// skips a number is answered "gap" and nothing after the gap is processed.
func TestMutationsApplyInOrder(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	pull(t, c)
	mid := uuid.NewString()
	m1 := c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Một")})
	m2 := c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields("topic", "Hai")})
	m3 := c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields("topic", "Ba")})
	send := func(ms ...wire.Mutation) wire.PushResponse {
		t.Helper()
		return h.rawPush("off1", wire.PushRequest{ClientID: c.Local.ClientID, Mutations: ms})
	}
	// Sending 2 and 3 before 1: a gap, nothing applied.
	r := send(m2, m3)
	for _, res := range r.Results {
		if res.Status != wire.StatusGap || res.Expected != 1 {
			t.Fatalf("out-of-order push: %+v", r.Results)
		}
	}
	if n, _ := h.db.R.NewSelect().Model((*store.Meeting)(nil)).Where("id = ?", mid).Count(context.Background()); n != 0 {
		t.Fatal("a mutation after a gap was applied")
	}
	// 1, 2, 3 in order: the last write is 3's.
	send(m1, m2, m3)
	var topic string
	if err := h.db.R.NewSelect().Model((*store.Meeting)(nil)).Column("topic").Where("id = ?", mid).Scan(context.Background(), &topic); err != nil {
		t.Fatal(err)
	}
	if topic != "Ba" {
		t.Errorf("topic %q, want the last mutation's", topic)
	}
	// A replay of 2 and 3: duplicates, answered with their first outcome.
	r = send(m2, m3)
	if !r.Results[0].Duplicate || r.Results[0].Status != wire.StatusApplied || r.LastSeq != 3 {
		t.Errorf("replay: %+v", r)
	}
	// The request itself must be in order: a push whose numbers do not follow each other is refused whole.
	req := wire.PushRequest{ClientID: c.Local.ClientID, Mutations: []wire.Mutation{m3, {Seq: 5, Table: "meetings", Op: wire.MutUpsert, RowID: mid}}}
	if err := req.Validate(); err == nil {
		t.Error("a push with 3 then 5 is valid")
	}
}

// TestEachMutationIsCheckedAlone is invariant 11: invalid and out-of-scope mutations are refused one by one
// with a code and a message; the rest of the batch applies, and a refused mutation leaves nothing behind.
func TestEachMutationIsCheckedAlone(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	pull(t, c)
	good := uuid.NewString()
	bad := []wire.Mutation{
		{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["X"].ID, "meeting_date", h.today.String())},
		{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "type", "party")},
		{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID)},
		{Table: "org_units", Op: wire.MutUpsert, RowID: h.cells["A"].ID, Fields: fields("name", "Đổi tên")},
		{Table: "attendance", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", h.meeting.ID, "member_id", h.members["A"][0].ID, "status", "present")},
		{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(h.meeting.ID, h.members["X"][0].ID), Fields: fields("meeting_id", h.meeting.ID, "member_id", h.members["X"][0].ID, "status", "present")},
		{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, Fields: fields("cell_id", h.cells["B"].ID)},
		{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, Fields: fields("version", 99)},
		{Table: "members", Op: wire.MutUpsert, RowID: h.members["A"][0].ID, Fields: fields("full_name", "Đổi tên")},
		{Table: "meetings", Op: wire.MutUpsert, RowID: "not-a-uuid", Fields: fields("topic", "x")},
		{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", "03/11/2026")},
		{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(h.meeting.ID, h.users["off1"].ID), Fields: fields("meeting_id", h.meeting.ID, "scores", map[string]int{"chuan_bi_noi_dung": 50})},
		{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "members_total", -1)},
		{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "content", strings.Repeat("ý", 4001))},
		{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "content", "Kiến nghị", "addressee_id", uuid.NewString())}, // no such body in the directory
		{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: h.meeting.Version, Fields: fields("notes", "ghi chép không phải đối tượng")},
		{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(h.meeting.ID, h.users["off1"].ID), Fields: fields("meeting_id", h.meeting.ID, "notes", []string{"a"})},
	}
	var all []wire.Mutation
	all = append(all, wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: good, Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String())})
	all = append(all, bad...)
	all = append(all, wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(good, h.members["A"][1].ID),
		Fields: fields("meeting_id", good, "member_id", h.members["A"][1].ID, "status", "excused", "reason", "Ốm")})
	for _, m := range all {
		c.Mutate(m)
	}
	before, _ := h.db.R.NewSelect().Model((*store.Meeting)(nil)).Count(context.Background())
	st := push(t, c)
	if st.Applied != 2 || st.Rejected != len(bad) {
		t.Fatalf("applied %d, rejected %d: %+v", st.Applied, st.Rejected, st.Results)
	}
	for i, r := range st.Results[1 : 1+len(bad)] {
		if r.Status != wire.StatusRejected || r.Code != "invalid" || r.Message == "" {
			t.Errorf("bad mutation %d: %+v", i, r)
		}
	}
	if len(c.Local.Rejected) != len(bad) {
		t.Errorf("%d rejected kept for the user, want %d", len(c.Local.Rejected), len(bad))
	}
	after, _ := h.db.R.NewSelect().Model((*store.Meeting)(nil)).Count(context.Background())
	if after != before+1 {
		t.Errorf("meetings %d → %d, want exactly one new", before, after)
	}
	var name string
	_ = h.db.R.NewSelect().Model((*store.OrgUnit)(nil)).Column("name").Where("id = ?", h.cells["A"].ID).Scan(context.Background(), &name)
	if name != "Chi bộ thôn An Lợi" {
		t.Error("a refused mutation changed the cell")
	}
	pull(t, c)
}

// TestConstraintViolationIsRefusedAlone: a mutation that breaks a database constraint (a duplicate membership
// card) is refused on its own; the batch around it applies.
func TestConstraintViolationIsRefusedAlone(t *testing.T) {
	h := newHarness(t)
	c := h.device("sec")
	pull(t, c)
	card := "34.000001"
	c.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["B"].ID, "full_name", "Một", "card_number", card)})
	c.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["B"].ID, "full_name", "Hai", "card_number", card)})
	c.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["B"].ID, "full_name", "Ba")})
	st := push(t, c)
	if st.Applied != 2 || st.Rejected != 1 || st.Results[1].Code != "conflict" {
		t.Fatalf("results: %+v", st.Results)
	}
	pull(t, c)
	if got := tables(c)["members"]; got != 7 {
		t.Errorf("members on the device: %d, want 7", got)
	}
}

// TestConflictsAreRecorded is invariant 12: two devices change the same field offline; the later push wins in
// server order, the conflict is recorded with both values, both devices see it, and one resolves it. Changes to
// different fields of one record merge without a conflict.
func TestConflictsAreRecorded(t *testing.T) {
	h := newHarness(t)
	a, b := h.device("off1"), h.device("off2")
	pull(t, a)
	pull(t, b)
	row := a.Local.Row("meetings", h.meeting.ID)
	base := row.Field("notes")
	notesA := map[string]any{"items": []any{map[string]any{"key": "opening", "text": "Ghi chép của máy A"}}}
	notesB := map[string]any{"items": []any{map[string]any{"key": "opening", "text": "Ghi chép của máy B"}}}
	a.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: row.Version,
		Fields: fields("notes", notesA, "topic", "Chủ đề A"), Base: map[string]json.RawMessage{"notes": base, "topic": row.Field("topic")}})
	b.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: row.Version,
		Fields: fields("notes", notesB, "place", "Nhà văn hóa thôn"), Base: map[string]json.RawMessage{"notes": base, "place": row.Field("place")}})
	if st := push(t, a); st.Conflicts != 0 {
		t.Fatalf("first writer: %+v", st.Results)
	}
	st := push(t, b)
	if st.Conflicts != 1 || st.Results[0].Conflicts[0] != "notes" {
		t.Fatalf("second writer: %+v", st.Results)
	}
	pull(t, a)
	pull(t, b)
	for name, d := range map[string]*client.Client{"A": a, "B": b} {
		m := d.Local.Row("meetings", h.meeting.ID)
		if !strings.Contains(string(m.Field("notes")), "máy B") || string(m.Field("topic")) != `"Chủ đề A"` || string(m.Field("place")) != `"Nhà văn hóa thôn"` {
			t.Errorf("device %s meeting: notes %s topic %s place %s", name, m.Field("notes"), m.Field("topic"), m.Field("place"))
		}
		cs := d.Local.Table("sync_conflicts")
		if len(cs) != 1 {
			t.Fatalf("device %s sees %d conflicts", name, len(cs))
		}
		if !strings.Contains(string(cs[0].Field("server_value")), "máy A") || !strings.Contains(string(cs[0].Field("client_value")), "máy B") {
			t.Errorf("conflict on %s: %s", name, cs[0].Data)
		}
	}
	conflict := a.Local.Table("sync_conflicts")[0]
	a.Mutate(wire.Mutation{Table: "sync_conflicts", Op: wire.MutUpsert, RowID: conflict.ID, BaseVersion: conflict.Version,
		Fields: fields("resolution", "Giữ cả hai", "resolved_at", "2026-11-22T10:00:00+07:00")})
	if st := push(t, a); st.Applied != 1 {
		t.Fatalf("resolve: %+v", st.Results)
	}
	pull(t, b)
	if c := b.Local.Table("sync_conflicts")[0]; string(c.Field("resolved_by")) != `"`+h.users["off1"].ID+`"` {
		t.Errorf("resolved conflict on B: %s", c.Data)
	}
}
