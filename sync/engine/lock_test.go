package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestSubmittedReportIsLocked: once submitted, a visit report refuses plain changes and deletes (code
// invalid_transition); reopening it needs a reason and tells the supervisor; the submission, the reopening with its
// reason and the second submission are in its history, which the supervisor reads with the meeting.
func TestSubmittedReportIsLocked(t *testing.T) {
	h := newHarness(t)
	a := h.device("off1")
	pull(t, a)
	rid := wire.ReportID(h.meeting.ID, h.users["off1"].ID)
	send := func(op string, f map[string]json.RawMessage) wire.Result {
		t.Helper()
		a.Mutate(wire.Mutation{Table: "visit_reports", Op: op, RowID: rid, Fields: f})
		st := push(t, a)
		return st.Results[len(st.Results)-1]
	}
	if r := send(wire.MutUpsert, fields("meeting_id", h.meeting.ID, "status", "draft", "guidance", "Cần chuẩn bị kỹ hơn")); r.Status != wire.StatusApplied {
		t.Fatalf("create: %+v", r)
	}
	if r := send(wire.MutUpsert, fields("status", "submitted", "submitted_at", "2026-11-03T21:00:00+07:00")); r.Status != wire.StatusApplied {
		t.Fatalf("submit: %+v", r)
	}
	for name, f := range map[string]map[string]json.RawMessage{
		"guidance": fields("guidance", "Sửa lặng lẽ"),
		"scores":   fields("scores", map[string]int{"chuyen_can_ty_le": 5}),
		"draft":    fields("status", "draft"),
	} {
		if r := send(wire.MutUpsert, f); r.Status != wire.StatusRejected || r.Code != "invalid_transition" {
			t.Errorf("a plain change (%s) of a submitted report: %+v", name, r)
		}
	}
	if r := send(wire.MutDelete, nil); r.Status != wire.StatusRejected || r.Code != "invalid_transition" {
		t.Errorf("deleting a submitted report: %+v", r)
	}
	if r := send(wire.MutUpsert, fields("status", "draft", "change_reason", "Ghi sót ý kiến chỉ đạo")); r.Status != wire.StatusApplied {
		t.Fatalf("reopen: %+v", r)
	}
	var notes []store.Notification
	must(t, h.db.R.NewSelect().Model(&notes).Where("user_id = ?", h.users["sup"].ID).Where("kind = ?", "report_reopened").Scan(context.Background()))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "Ghi sót ý kiến chỉ đạo") || notes[0].Link != "#/mr/"+h.meeting.ID {
		t.Errorf("the supervisor's notification of the reopening: %+v", notes)
	}
	if r := send(wire.MutUpsert, fields("guidance", "Cần chuẩn bị kỹ hơn; phân công rõ người phụ trách")); r.Status != wire.StatusApplied {
		t.Fatalf("change after reopening: %+v", r)
	}
	if r := send(wire.MutUpsert, fields("status", "submitted", "submitted_at", "2026-11-04T08:00:00+07:00")); r.Status != wire.StatusApplied {
		t.Fatalf("submit again: %+v", r)
	}
	var got struct {
		Reports []store.VisitReport `json:"visit_reports"`
	}
	h.get("/api/v1/meetings/"+h.meeting.ID, "sup", &got)
	if len(got.Reports) != 1 {
		t.Fatalf("the supervisor reads %d reports", len(got.Reports))
	}
	rep := got.Reports[0]
	var hist []store.ReportEvent
	if err := json.Unmarshal([]byte(rep.History), &hist); err != nil {
		t.Fatalf("history %q: %v", rep.History, err)
	}
	var steps []string
	for _, e := range hist {
		if e.By != h.users["off1"].ID || e.At.IsZero() {
			t.Errorf("history entry without who or when: %+v", e)
		}
		steps = append(steps, e.Action+":"+e.Reason)
	}
	if want := []string{"submitted:", "reopened:Ghi sót ý kiến chỉ đạo", "submitted:"}; !equalStrings(steps, want) {
		t.Errorf("history %v, want %v", steps, want)
	}
	if rep.Status != "submitted" || rep.ChangeReason != "" || rep.Guidance != "Cần chuẩn bị kỹ hơn; phân công rõ người phụ trách" {
		t.Errorf("report after the change: %+v", rep)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// get reads an API path as user into out.
func (h *harness) get(path, user string, out any) {
	h.t.Helper()
	r, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	tok, _ := h.issue(h.users[user].ID)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		h.t.Fatal(err)
	}
}
