package wire_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/chibo-vn/chibo/sync/wire"
)

// expandPage encodes a page as protocol 2 and reads it back as a client does.
func expandPage(t *testing.T, r *wire.PullResponse) []wire.Op {
	t.Helper()
	r.Protocol = wire.Protocol2
	b, err := r.AppendJSONRuns(nil)
	if err != nil {
		t.Fatal(err)
	}
	var page wire.PullResponse
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if page.Ops != nil {
		t.Fatalf("a protocol 2 page has ops: %s", b)
	}
	ops, err := wire.Expand(page.Runs)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return ops
}

// sameOps compares ops, their data as JSON values; and the data a client reads from runs is in one canonical form,
// its keys in order (as encoding/json writes a map), so a row is the same bytes whichever run brought it.
func sameOps(t *testing.T, got, want []wire.Op) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d ops, want %d", len(got), len(want))
	}
	for i := range want {
		if len(got[i].Data) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(got[i].Data, &m); err != nil {
				t.Fatalf("op %d: %v", i, err)
			}
			if canon, _ := json.Marshal(m); string(canon) != string(got[i].Data) {
				t.Fatalf("op %d's data is not in canonical form:\n got %s\nwant %s", i, got[i].Data, canon)
			}
		}
		g, w := got[i], want[i]
		var x, y any
		if len(g.Data) > 0 {
			_ = json.Unmarshal(g.Data, &x)
		}
		if len(w.Data) > 0 {
			_ = json.Unmarshal(w.Data, &y)
		}
		g.Data, w.Data = nil, nil
		if !reflect.DeepEqual(g, w) || !reflect.DeepEqual(x, y) {
			t.Fatalf("op %d:\n got %+v %v\nwant %+v %v", i, g, x, w, y)
		}
	}
}

// TestRunsCarryEveryOp: whatever the ops of a page (puts and deletes of several tables and buckets, rows of one
// meeting and of several, fields left out, ids derived or not, odd values), a client reading the runs gets them
// back in order, with the same content.
func TestRunsCarryEveryOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	id := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
	}
	meetings := []string{id(), id(), id()}
	members := []string{id(), id(), id(), id(), id(), id()}
	cells := []string{id(), id()}
	for round := 0; round < 200; round++ {
		var ops []wire.Op
		for n := rng.IntN(120); n > 0; n-- {
			cell := cells[rng.IntN(len(cells))]
			op := wire.Op{Op: wire.OpPut, Class: "meetings", Scope: cell, Path: "/p/" + cell + "/", Part: "2026-1" + fmt.Sprint(rng.IntN(2)),
				Version: int64(1 + rng.IntN(3))}
			switch rng.IntN(5) {
			case 0:
				op.Op, op.Table, op.ID = wire.OpDel, "attendance", id()
			case 1:
				op.Table, op.ID = "members", id()
				op.Class, op.Part = "roster", ""
				d := map[string]any{"id": op.ID, "version": op.Version, "full_name": "Lê Văn \"A\" \\ \u00e9", "birth_year": 1950 + rng.IntN(3),
					"notes": map[string]any{"items": []any{"x", 1, nil, map[string]any{"k": "}]"}}}}
				if rng.IntN(2) == 0 {
					delete(d, "birth_year") // a field left out: another run
				}
				op.Data, _ = json.Marshal(d)
			default:
				mt, mb := meetings[rng.IntN(len(meetings))], members[rng.IntN(len(members))]
				op.Table, op.ID = "attendance", wire.AttendanceID(mt, mb)
				if rng.IntN(10) == 0 {
					op.ID = id() // not the derived id: sent as it is
				}
				dataID := op.ID
				if rng.IntN(20) == 0 {
					dataID = "other" // the data's id differs from the op's: kept in the data
				}
				status := []string{"present", "present", "present", "excused"}[rng.IntN(4)]
				op.Data, _ = json.Marshal(map[string]any{"id": dataID, "created_at": "2026-11-03T12:30:00Z", "updated_at": "2026-11-03T12:30:00Z",
					"version": op.Version, "meeting_id": mt, "member_id": mb, "status": status, "reason": ""})
			}
			ops = append(ops, op)
		}
		want := append([]wire.Op(nil), ops...)
		got := expandPage(t, &wire.PullResponse{Epoch: "e", Ops: ops, Drop: []string{}, Scopes: []wire.ScopeDef{}})
		sameOps(t, got, want)
	}
}

// TestRunsSendIDsOnce: an attendance row's id goes neither twice nor at all when the client can derive it, and a
// meeting's shared values (its id, version and times) go once per run.
func TestRunsSendIDsOnce(t *testing.T) {
	mt := "0190c0de-0000-7000-8000-0000000000aa"
	var ops []wire.Op
	for i := 0; i < 40; i++ {
		mb := fmt.Sprintf("0190c0de-0000-7000-8000-%012d", i)
		aid := wire.AttendanceID(mt, mb)
		d, _ := json.Marshal(map[string]any{"id": aid, "version": 7, "created_at": "2026-11-03T12:30:00Z", "updated_at": "2026-11-03T12:30:00Z",
			"meeting_id": mt, "member_id": mb, "status": "present", "reason": ""})
		ops = append(ops, wire.Op{Op: wire.OpPut, Table: "attendance", ID: aid, Version: 7, Class: "meetings", Scope: "c", Path: "/p/c/", Part: "2026-11", Data: d})
	}
	r := &wire.PullResponse{Protocol: 2, Ops: ops}
	b, err := r.AppendJSONRuns(nil)
	if err != nil {
		t.Fatal(err)
	}
	var page struct{ Runs []json.RawMessage }
	_ = json.Unmarshal(b, &page)
	if len(page.Runs) != 1 {
		t.Fatalf("%d runs, want 1: %s", len(page.Runs), b)
	}
	var run wire.Run
	_ = json.Unmarshal(page.Runs[0], &run)
	if run.Version != 7 || len(run.Cols) != 1 || run.Cols[0] != "member_id" || string(run.Same["meeting_id"]) != `"`+mt+`"` {
		t.Errorf("run header %+v", run)
	}
	for _, row := range run.Rows {
		if len(row) != 2 || string(row[0]) != "null" {
			t.Fatalf("row %s, want [null, member]", row)
		}
	}
	sameOps(t, expandPage(t, &wire.PullResponse{Ops: ops}), ops)
}
