package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// The cross-checks through the API, as a device and a supervisor use them (written from CONTRACT.md, the README's
// coverage definitions and sync/PROTOCOL.md, over HTTP only): a cell's position, check-ins pushed like a device's,
// the secretary's confirmation, clashes, the proof of a meeting and the assignment clashes. (The last check,
// visit_checks against a recomputation, is the store's.)

// pushRows pushes mutations as username from a new device and returns their results.
func (w *world) pushRows(t *testing.T, username string, muts ...wire.Mutation) []wire.Result {
	t.Helper()
	for i := range muts {
		muts[i].Seq = int64(i + 1)
	}
	body, _ := json.Marshal(wire.PushRequest{ClientID: fmt.Sprintf("dev-%s-%d", username, time.Now().UnixNano()), Mutations: muts})
	r := w.do(http.MethodPost, "/api/v1/sync/push", username, body)
	if r.status != http.StatusOK {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	var resp wire.PushResponse
	r.json(t, &resp)
	if len(resp.Results) != len(muts) {
		t.Fatalf("push: %s", r.body)
	}
	return resp.Results
}

func fields(kv ...any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		b, _ := json.Marshal(kv[i+1])
		out[kv[i].(string)] = b
	}
	return out
}

type proofJSON struct {
	MeetingID    string    `json:"meeting_id"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	CellPosition *struct {
		Latitude, Longitude float64
		SetByName           string `json:"set_by_name"`
	} `json:"cell_position"`
	RadiusM int `json:"radius_m"`
	Visits  []struct {
		OfficialID   string `json:"official_id"`
		OfficialName string `json:"official_name"`
		DistanceM    *int   `json:"distance_m"`
		WithinRadius *bool  `json:"within_radius"`
		Confirmation *struct {
			Status, Reason  string
			ConfirmedByName string `json:"confirmed_by_name"`
		}
		Clashes []struct {
			Kind      string
			MeetingID string `json:"meeting_id"`
			CellName  string `json:"cell_name"`
		}
		Verified bool
	}
}

func (w *world) proof(t *testing.T, meetingID, username string) proofJSON {
	t.Helper()
	r := w.do(http.MethodGet, "/api/v1/meetings/"+meetingID+"/proof", username, nil)
	if r.status != http.StatusOK {
		t.Fatalf("proof: %d %s", r.status, r.body)
	}
	var p proofJSON
	r.json(t, &p)
	return p
}

func TestCrossChecksAPI(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	off1 := w.users["off1"].ID
	// The supervisor assigns off1 to cell B too, and is warned that A meets on the same evening (the default
	// rule: the 3rd, 19:30 for 120 minutes).
	r := w.do(http.MethodGet, "/api/v1/assignments/clashes?official_id="+off1+"&cell_id="+w.cellB.ID, "sup1", nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"cell_id":"`+w.cellA.ID+`"`) || !strings.Contains(string(r.body), `"meets_at":"19:30"`) {
		t.Errorf("the assignment's warning: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1},
		"cell_ids": []string{w.cellB.ID}, "starts_on": w.assignA.StartsOn, "frequency": "monthly"}); r.status != http.StatusCreated {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}

	// Positions: bad coordinates are a 400 with a message; the cell's secretary or an admin set it; another
	// cell's secretary may not; another commune's user does not see the cell.
	for _, bad := range []string{`{"latitude":91,"longitude":107}`, `{"latitude":0,"longitude":0}`, `{"latitude":16.7,"longitude":181}`, `{"longitude":107}`} {
		r := w.do(http.MethodPut, "/api/v1/cells/"+w.cellA.ID+"/position", "root", bad)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" || !strings.Contains(string(r.body), "message") {
			t.Errorf("PUT %s: %d %s", bad, r.status, r.body)
		}
	}
	if r := w.do(http.MethodPut, "/api/v1/cells/"+w.cellA.ID+"/position", "sec1", `{"latitude":16.75,"longitude":107.19}`); r.status != http.StatusNotFound {
		t.Errorf("another cell's secretary: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPut, "/api/v1/cells/"+w.cellA.ID+"/position", "sup1", `{"latitude":16.75,"longitude":107.19}`); r.status != http.StatusForbidden {
		t.Errorf("a supervisor: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPut, "/api/v1/cells/"+w.cellA.ID+"/position", "off2", `{"latitude":16.75,"longitude":107.19}`); r.status != http.StatusNotFound {
		t.Errorf("another commune: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodPut, "/api/v1/cells/"+w.cellA.ID+"/position", "admin1", `{"latitude":16.75,"longitude":107.19,"accuracy_m":12}`)
	if r.status != http.StatusOK {
		t.Fatalf("PUT position: %d %s", r.status, r.body)
	}
	var pos store.CellPosition
	r.json(t, &pos)
	if pos.ID != wire.PositionID(w.cellA.ID) || pos.Latitude != 16.75 || pos.SetBy == nil || *pos.SetBy != w.users["admin1"].ID {
		t.Errorf("position: %+v", pos)
	}
	// Cell B is 0.02° of latitude north: about 2.2 km.
	if r := w.do(http.MethodPut, "/api/v1/cells/"+w.cellB.ID+"/position", "sec1", `{"latitude":16.77,"longitude":107.19}`); r.status != http.StatusOK {
		t.Fatalf("secretary's PUT: %d %s", r.status, r.body)
	}

	// off1 checks in at A, 0.001° (about 111 m) from its position, and at B without a location: both meetings
	// are planned on the same evening, so the visits overlap.
	in := w.meetingA.MeetingDate.Time().Add(19*time.Hour + 35*time.Minute)
	res := w.pushRows(t, "off1",
		wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(w.meetingA.ID, off1),
			Fields: fields("meeting_id", w.meetingA.ID, "status", "draft", "checked_in_at", in, "latitude", 16.751, "longitude", 107.19)},
		wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(w.meetingB.ID, off1),
			Fields: fields("meeting_id", w.meetingB.ID, "status", "draft", "checked_in_at", in.Add(5*time.Minute))})
	for _, x := range res {
		if x.Status != wire.StatusApplied {
			t.Fatalf("push reports: %+v", res)
		}
	}
	p := w.proof(t, w.meetingA.ID, "sup1")
	if p.RadiusM != 500 || p.CellPosition == nil || p.CellPosition.Latitude != 16.75 || len(p.Visits) != 1 {
		t.Fatalf("proof: %+v", p)
	}
	if want := w.meetingA.MeetingDate.Time().Add(19*time.Hour + 30*time.Minute); !p.StartsAt.Equal(want) || !p.EndsAt.Equal(want.Add(2*time.Hour)) {
		t.Errorf("interval %v..%v, want the planned 19:30 for 120 minutes", p.StartsAt, p.EndsAt)
	}
	v := p.Visits[0]
	if v.OfficialID != off1 || v.DistanceM == nil || *v.DistanceM < 105 || *v.DistanceM > 118 || v.WithinRadius == nil || !*v.WithinRadius {
		t.Errorf("distance: %+v", v)
	}
	if len(v.Clashes) != 1 || v.Clashes[0].Kind != "overlap" || v.Clashes[0].MeetingID != w.meetingB.ID || v.Verified {
		t.Errorf("clash: %+v", v)
	}
	// B's secretary, who cannot read cell A, sees the clash as a warning without A's meeting or name
	if pb := w.proof(t, w.meetingB.ID, "sec1"); len(pb.Visits) != 1 || len(pb.Visits[0].Clashes) != 1 ||
		pb.Visits[0].Clashes[0].Kind != "overlap" || pb.Visits[0].Clashes[0].MeetingID != "" || pb.Visits[0].Clashes[0].CellName != "" {
		t.Errorf("the clash as B's secretary reads it: %+v", pb.Visits)
	}
	if pb := w.proof(t, w.meetingB.ID, "sup1"); len(pb.Visits) != 1 || len(pb.Visits[0].Clashes) != 1 || pb.Visits[0].Clashes[0].MeetingID != w.meetingA.ID {
		t.Errorf("the clash as the supervisor reads it: %+v", pb.Visits)
	}

	// Confirmations: the official itself is refused, and so is another cell's secretary; a dispute needs a reason.
	conf := func(meetingID, status, reason string) wire.Mutation {
		return wire.Mutation{Table: "visit_confirmations", Op: wire.MutUpsert, RowID: wire.ConfirmationID(meetingID, off1),
			Fields: fields("meeting_id", meetingID, "official_id", off1, "status", status, "reason", reason)}
	}
	if res := w.pushRows(t, "off1", conf(w.meetingB.ID, "confirmed", "")); res[0].Status != wire.StatusRejected || res[0].Reason != "confirm.self" {
		t.Errorf("self-confirmation: %+v", res)
	}
	if res := w.pushRows(t, "sec1", conf(w.meetingA.ID, "confirmed", "")); res[0].Status != wire.StatusRejected || res[0].Reason != "sync.out_of_scope" {
		t.Errorf("another cell's secretary: %+v", res)
	}
	if res := w.pushRows(t, "sup1", conf(w.meetingA.ID, "confirmed", "")); res[0].Status != wire.StatusRejected || res[0].Reason != "confirm.not_secretary" {
		t.Errorf("a supervisor: %+v", res)
	}
	if res := w.pushRows(t, "sec1", conf(w.meetingB.ID, "disputed", "")); res[0].Status != wire.StatusRejected || res[0].Field != "reason" {
		t.Errorf("dispute without a reason: %+v", res)
	}
	if res := w.pushRows(t, "sec1", conf(w.meetingB.ID, "disputed", "Đồng chí không có mặt")); res[0].Status != wire.StatusApplied {
		t.Fatalf("dispute: %+v", res)
	}
	pb := w.proof(t, w.meetingB.ID, "sec1")
	if len(pb.Visits) != 1 || pb.Visits[0].Confirmation == nil || pb.Visits[0].Confirmation.Status != "disputed" ||
		pb.Visits[0].Confirmation.Reason != "Đồng chí không có mặt" || pb.Visits[0].Confirmation.ConfirmedByName != "Người dùng sec1" ||
		pb.Visits[0].DistanceM != nil || pb.Visits[0].Verified {
		t.Errorf("proof of B: %+v", pb)
	}

	// The visit to B withdrawn: A's check-in, within the radius and in no clash, is verified without a confirmation.
	rep := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingB.ID, "off1", nil)
	var detail struct {
		Reports []struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"visit_reports"`
	}
	rep.json(t, &detail)
	if len(detail.Reports) != 1 {
		t.Fatalf("reports of B: %s", rep.body)
	}
	if res := w.pushRows(t, "off1", wire.Mutation{Table: "visit_reports", Op: wire.MutDelete, RowID: detail.Reports[0].ID,
		BaseVersion: detail.Reports[0].Version}); res[0].Status != wire.StatusApplied {
		t.Fatalf("delete report: %+v", res)
	}
	p = w.proof(t, w.meetingA.ID, "sup1")
	if len(p.Visits) != 1 || len(p.Visits[0].Clashes) != 0 || !p.Visits[0].Verified {
		t.Errorf("after the withdrawal: %+v", p.Visits)
	}
	// B's dispute stays visible without a report: off1 is assigned to B on that day.
	pb = w.proof(t, w.meetingB.ID, "sup1")
	if len(pb.Visits) != 1 || pb.Visits[0].OfficialID != off1 || pb.Visits[0].Confirmation == nil ||
		pb.Visits[0].Confirmation.Status != "disputed" || pb.Visits[0].Verified || len(pb.Visits[0].Clashes) != 0 {
		t.Errorf("proof of B without the report: %+v", pb.Visits)
	}
	// Coverage counts the visit as verified: the commune's month (from the summary) and cell A's meetings.
	month := w.meetingA.MeetingDate.String()[:7]
	var cov struct {
		Totals struct {
			Visited, Verified int
			VerifiedRate      *float64 `json:"verified_rate"`
		}
		Meetings []struct {
			MeetingID    string `json:"meeting_id"`
			Verified     bool
			Confirmation string
			Clash        bool
			DistanceM    *int `json:"distance_m"`
		}
	}
	w.do(http.MethodGet, "/api/v1/coverage?unit="+w.c1.ID+"&period="+month, "sup1", nil).json(t, &cov)
	if cov.Totals.Visited != 1 || cov.Totals.Verified != 1 || cov.Totals.VerifiedRate == nil {
		t.Errorf("commune coverage: %+v", cov.Totals)
	}
	w.do(http.MethodGet, "/api/v1/coverage?unit="+w.cellA.ID+"&period="+month, "sup1", nil).json(t, &cov)
	if len(cov.Meetings) != 1 || !cov.Meetings[0].Verified || cov.Meetings[0].Clash || cov.Meetings[0].DistanceM == nil {
		t.Errorf("cell A's meetings: %+v", cov.Meetings)
	}
	// With location_required and a radius of 100 m, the check-in 111 m away no longer verifies the visit.
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "admin1", map[string]any{"day_of_month": 3,
		"thematic_months": []int{3, 6, 9, 12}, "eve_reminder": "19:00", "morning_reminder": "07:00", "report_due_days": 3,
		"digest_at": "08:00", "location_radius_m": 100, "location_required": true}); r.status != http.StatusOK {
		t.Fatalf("schedule: %d %s", r.status, r.body)
	}
	p = w.proof(t, w.meetingA.ID, "sup1")
	if len(p.Visits) != 1 || p.Visits[0].WithinRadius == nil || *p.Visits[0].WithinRadius || p.Visits[0].Verified {
		t.Errorf("with a 100 m radius: %+v", p.Visits)
	}
	w.do(http.MethodGet, "/api/v1/coverage?unit="+w.c1.ID+"&period="+month, "sup1", nil).json(t, &cov)
	if cov.Totals.Visited != 1 || cov.Totals.Verified != 0 {
		t.Errorf("commune coverage with the location required: %+v", cov.Totals)
	}
	if bad, err := store.CheckVisitChecks(ctx, w.db.R); err != nil || len(bad) > 0 {
		t.Errorf("visit_checks differ from a recomputation: %v %v", bad, err)
	}

	// Another commune's user does not see the proof.
	if r := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingA.ID+"/proof", "off2", nil); r.status != http.StatusNotFound {
		t.Errorf("another commune's proof: %d %s", r.status, r.body)
	}
	// A position deleted by the secretary.
	if r := w.do(http.MethodDelete, "/api/v1/cells/"+w.cellB.ID+"/position", "sec1", nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE position: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodDelete, "/api/v1/cells/"+w.cellB.ID+"/position", "sec1", nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE again: %d %s", r.status, r.body)
	}
}

func TestAssignmentClashesAPI(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	off1 := w.users["off1"].ID
	// off1 holds cell A; assigning it cell B (same rule: the 3rd at 19:30) warns of A.
	get := func(user, q string) (int, []store.AssignmentClash) {
		r := w.do(http.MethodGet, "/api/v1/assignments/clashes?"+q, user, nil)
		var page store.Page[store.AssignmentClash]
		if r.status == http.StatusOK {
			r.json(t, &page)
		}
		return r.status, page.Items
	}
	st, items := get("sup1", "official_id="+off1+"&cell_id="+w.cellB.ID)
	if st != http.StatusOK || len(items) != 1 || items[0].CellID != w.cellA.ID || items[0].AssignmentID != w.assignA.ID ||
		items[0].DayOfMonth != 3 || items[0].MeetsAt != "19:30" {
		t.Fatalf("clashes: %d %+v", st, items)
	}
	// Cell B meets at 21:30 (A ends at 21:30): no clash.
	if err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		r := domain.DefaultScheduleRule()
		r.MeetsAt = domain.Clock{Hour: 21, Minute: 30}
		_, err := store.PutScheduleRule(ctx, tx, w.cellB, r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if st, items := get("sup1", "official_id="+off1+"&cell_id="+w.cellB.ID); st != http.StatusOK || len(items) != 0 {
		t.Errorf("different hours: %d %+v", st, items)
	}
	// A period before the assignment of A: nothing.
	if st, items := get("sup1", "official_id="+off1+"&cell_id="+w.cellA.ID+"&ends_on=2000-01-01"); st != http.StatusOK || len(items) != 0 {
		t.Errorf("before: %d %+v", st, items)
	}
	if st, _ := get("off2", "official_id="+off1+"&cell_id="+w.cellB.ID); st != http.StatusNotFound {
		t.Errorf("another commune: %d", st)
	}
	if st, _ := get("sup1", "cell_id="+w.cellB.ID); st != http.StatusBadRequest {
		t.Errorf("no official: %d", st)
	}
}
