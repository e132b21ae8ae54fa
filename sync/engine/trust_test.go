package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

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
