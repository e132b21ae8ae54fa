package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestOwnRapidEditsNeverConflict: one device edits a visit report's scores, a meeting's minutes and an attendance
// mark many times in a row, each edit based on what the device shows (its own earlier edits, not yet pulled), while
// its pulls lag behind: acknowledged but not pulled, sent in the same request, or merged. None is a conflict. The
// device writes JSON objects with keys in the order it built them (a criterion tapped later comes last), not in the
// order the server stores them. A second device that changed the same field meanwhile still conflicts.
func TestOwnRapidEditsNeverConflict(t *testing.T) {
	h := newHarness(t)
	a := h.device("off1")
	pull(t, a)
	rid := wire.ReportID(h.meeting.ID, h.users["off1"].ID)
	a.Mutate(wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: rid,
		Fields: fields("meeting_id", h.meeting.ID, "status", "draft")})
	if st := push(t, a); st.Applied != 1 {
		t.Fatalf("create: %+v", st.Results)
	}
	// Taps as the app makes them: each new criterion is added at the end of the object.
	taps := []string{
		`{"chuyen_can_ty_le":1}`,
		`{"chuyen_can_ty_le":1,"chuan_bi_noi_dung":1}`,
		`{"chuyen_can_ty_le":1,"chuan_bi_noi_dung":1,"chuan_bi_thong_bao":1}`,
		`{"chuyen_can_ty_le":2,"chuan_bi_noi_dung":1,"chuan_bi_thong_bao":1}`,
		`{"chuyen_can_ty_le":2,"chuan_bi_noi_dung":2,"chuan_bi_thong_bao":1}`,
		`{"chuyen_can_ty_le":2,"chuan_bi_noi_dung":2,"chuan_bi_thong_bao":1,"chuyen_can_khong_vang":3}`,
		`{"chuyen_can_ty_le":2,"chuan_bi_noi_dung":2, "chuan_bi_thong_bao":0,"chuyen_can_khong_vang":3}`,
	}
	att := wire.AttendanceID(h.meeting.ID, h.members["A"][0].ID)
	attRow := a.Local.Row("attendance", att)
	meet := a.Local.Row("meetings", h.meeting.ID)
	prevScores, prevNotes, prevStatus, prevReason := json.RawMessage(`null`), meet.Field("notes"), attRow.Field("status"), attRow.Field("reason")
	statuses := []string{"excused", "present", "unexcused", "excused", "present", "excused", "present"}
	conflicts := 0
	for i, s := range taps {
		notes := json.RawMessage(`{"items":[{"text":"Khai mạc ` + string(rune('a'+i)) + `","key":"opening","speakers":[]}]}`)
		reason := ""
		if statuses[i] == "excused" {
			reason = "Ốm " + string(rune('a'+i))
		}
		// Based on the versions the device pulled at the start (its pulls lag), with its own last values as base.
		a.Mutate(wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: rid, BaseVersion: 0,
			Fields: map[string]json.RawMessage{"scores": json.RawMessage(s)}, Base: map[string]json.RawMessage{"scores": prevScores}})
		a.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: meet.Version,
			Fields: map[string]json.RawMessage{"notes": notes}, Base: map[string]json.RawMessage{"notes": prevNotes}})
		a.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: att, BaseVersion: attRow.Version,
			Fields: fields("status", statuses[i], "reason", reason), Base: map[string]json.RawMessage{"status": prevStatus, "reason": prevReason}})
		prevScores, prevNotes, prevStatus, prevReason = json.RawMessage(s), notes, raw(statuses[i]), raw(reason)
		if i%3 == 2 {
			continue // sent with the next ones, in one request
		}
		st := push(t, a)
		conflicts += st.Conflicts
		for _, r := range st.Results {
			if r.Status != wire.StatusApplied {
				t.Fatalf("edit %d: %+v", i, r)
			}
		}
	}
	if conflicts != 0 {
		t.Errorf("%d conflicts between one device's own edits", conflicts)
	}
	pull(t, a)
	if got := string(a.Local.Row("visit_reports", rid).Field("scores")); got != `{"chuan_bi_noi_dung":2,"chuan_bi_thong_bao":0,"chuyen_can_khong_vang":3,"chuyen_can_ty_le":2}` {
		t.Errorf("scores on the server: %s", got)
	}
	if n := len(a.Local.Table("sync_conflicts")); n != 0 {
		t.Errorf("the device sees %d conflicts", n)
	}

	// Another device changes the notes and a mark the first one has not seen: the first one's next edits conflict.
	b := h.device("off2")
	pull(t, b)
	bm, ba := b.Local.Row("meetings", h.meeting.ID), b.Local.Row("attendance", att)
	b.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: bm.Version,
		Fields: fields("notes", map[string]any{"items": []any{map[string]any{"key": "opening", "text": "Máy B"}}}), Base: map[string]json.RawMessage{"notes": bm.Field("notes")}})
	b.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: att, BaseVersion: ba.Version,
		Fields: fields("status", "unexcused", "reason", ""), Base: map[string]json.RawMessage{"status": ba.Field("status"), "reason": ba.Field("reason")}})
	if st := push(t, b); st.Conflicts != 0 {
		t.Fatalf("device B: %+v", st.Results)
	}
	a.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: meet.Version,
		Fields: map[string]json.RawMessage{"notes": json.RawMessage(`{"items":[{"key":"opening","text":"Máy A"}]}`)}, Base: map[string]json.RawMessage{"notes": prevNotes}})
	a.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: att, BaseVersion: attRow.Version,
		Fields: fields("status", "excused", "reason", "Đi công tác"), Base: map[string]json.RawMessage{"status": prevStatus, "reason": prevReason}})
	st := push(t, a)
	if st.Conflicts != 2 {
		t.Errorf("a real conflict: %+v", st.Results)
	}
	var _ *client.Client = a
}
