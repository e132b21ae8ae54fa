package engine_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestRecommendationHistorySyncs follows a recommendation raised on a device through the server's loop: its
// answers and history reach the device (checksums verified), a supervisor's device does not hold them, and
// devices can neither write the history nor change a recommendation once it is forwarded.
func TestRecommendationHistorySyncs(t *testing.T) {
	h := newHarness(t)
	off1 := h.device("off1")
	pull(t, off1)
	recID := uuid.NewString()
	off1.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: recID,
		Fields: fields("cell_id", h.cells["A"].ID, "content", "Đề nghị lắp đèn chiếu sáng đường thôn")})
	if ps := push(t, off1); ps.Applied != 1 {
		t.Fatalf("push: %+v", ps.Results)
	}
	var d api.RecommendationDetail
	path := "/api/v1/recommendations/" + recID
	h.post(path+"/forward", "sup", map[string]any{"addressee_org_unit_id": h.c1.ID, "due_on": h.today.AddDays(30)}, &d)
	h.post(path+"/answers", "sup", map[string]any{"body": "Đã đưa vào kế hoạch 2027.", "answered_for_id": h.c1.ID}, &d)
	h.post(path+"/verdict", "sup", map[string]any{"verdict": "sent_back", "reason": "Cần nêu rõ kinh phí."}, &d)
	if d.Status != "sent_back" || len(d.Events) != 3 {
		t.Fatalf("server: %s, %d events", d.Status, len(d.Events))
	}

	pull(t, off1)
	got := tables(off1)
	if got["recommendations"] != 1 || got["recommendation_answers"] != 1 || got["recommendation_events"] != 3 {
		t.Errorf("off1 has %v", got)
	}
	if st := string(off1.Local.Row("recommendations", recID).Field("status")); st != `"sent_back"` {
		t.Errorf("off1's copy is %s", st)
	}
	// The supervisor's device holds none of it: its screens read recommendations online.
	sup := h.device("sup")
	pull(t, sup)
	if got := tables(sup); got["recommendations"] != 0 || got["recommendation_events"] != 0 || got["recommendation_answers"] != 0 {
		t.Errorf("sup's snapshot has %v", got)
	}

	evID := off1.Local.Row("recommendation_events", d.Events[0].ID)
	if evID == nil {
		t.Fatal("off1 lacks the forward event")
	}
	off1.Mutate(wire.Mutation{Table: "recommendation_events", Op: wire.MutUpsert, RowID: uuid.NewString(),
		Fields: fields("recommendation_id", recID, "action", "resolve")})
	off1.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: recID, Fields: fields("content", "Sửa lại")})
	if ps := push(t, off1); ps.Rejected != 2 || ps.Applied != 0 {
		t.Errorf("push of history and of a forwarded recommendation: %+v", ps.Results)
	}
}
