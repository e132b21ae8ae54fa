package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/wire"
)

func TestFirstPullGivesTheScopes(t *testing.T) {
	h := newHarness(t)
	off1 := h.device("off1")
	st := pull(t, off1)
	if !st.Reset {
		t.Error("a new device's first round is not a reset")
	}
	got := tables(off1)
	// org_units: A, and its commune's unit scope: the commune, A and B.
	want := map[string]int{
		"org_units": 3, "members": 5, "assignments": 2, "meetings": 1, "attendance": 5,
		"recommendation_fields": 8, "rubrics": 1, "rubric_criteria": 11, "rating_labels": 8, "minutes_templates": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("off1's rows (-want +got):\n%s", diff)
	}
	if st.Verified != len(off1.Local.Scopes) {
		t.Errorf("verified %d of %d scopes", st.Verified, len(off1.Local.Scopes))
	}
	// Nothing changed: the next round is empty.
	st = pull(t, off1)
	if st.Ops != 0 || st.Reset {
		t.Errorf("second round: %d ops, reset %v", st.Ops, st.Reset)
	}
	sup := h.device("sup")
	pull(t, sup)
	got = tables(sup)
	// A supervisor reads its subtree through the API: its device holds the reference data of its province only.
	want = map[string]int{"recommendation_fields": 8, "rubrics": 1, "rubric_criteria": 11, "rating_labels": 8, "minutes_templates": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sup's rows (-want +got):\n%s", diff)
	}
}

func TestPushedWritesReachOtherDevices(t *testing.T) {
	h := newHarness(t)
	off1, off2 := h.device("off1"), h.device("off2")
	pull(t, off1)
	pull(t, off2)
	meetingID := uuid.NewString()
	off1.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: meetingID,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "status", "held", "topic", "Chuyên đề học tập")})
	for _, m := range h.members["A"] {
		off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(meetingID, m.ID),
			Fields: fields("meeting_id", meetingID, "member_id", m.ID, "status", "present")})
	}
	off1.Mutate(wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(meetingID, h.users["off1"].ID),
		Fields: fields("meeting_id", meetingID, "notes", map[string]any{"items": []any{map[string]any{"key": "opening", "text": "Ghi chép"}}}, "scores", map[string]int{"chuan_bi_noi_dung": 9, "tien_hanh_thao_luan": 14})})
	off1.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(),
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_id", meetingID, "content", "Đề nghị sửa đường liên thôn")})
	ps := push(t, off1)
	if ps.Applied != 8 || ps.Rejected != 0 {
		t.Fatalf("push: %+v", ps.Results)
	}
	pull(t, off1)
	pull(t, off2)
	if got := tables(off2); got["meetings"] != 2 || got["attendance"] != 10 || got["recommendations"] != 1 || got["visit_reports"] != 0 {
		t.Errorf("off2 sees %v", got)
	}
	if got := tables(off1); got["visit_reports"] != 1 {
		t.Errorf("off1 sees %v", got)
	}
	rep := off1.Local.Row("visit_reports", wire.ReportID(meetingID, h.users["off1"].ID))
	if string(rep.Field("score_total")) != "23" || string(rep.Field("grade")) != `"kem"` {
		t.Errorf("server-computed score: %s %s", rep.Field("score_total"), rep.Field("grade"))
	}
	sup := h.device("sup")
	pull(t, sup)
	if got := tables(sup); got["recommendations"] != 0 || got["meetings"] != 0 {
		t.Errorf("sup sees %v", got)
	}
}
