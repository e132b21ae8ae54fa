package engine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// formsHarness is the harness with a third cell C in C1, a zone "Khu Bắc" of C1 holding A and C, a zone of C2, and
// an official "cmt" assigned to C1's expanded committee meetings.
func formsHarness(t *testing.T) (*harness, *store.Zone, *store.Zone) {
	h := newHarness(t)
	var north, other *store.Zone
	h.write(func(ctx context.Context, tx bun.IDB) error {
		c := &store.OrgUnit{Name: "Chi bộ thôn Bích Khê", Kind: domain.KindCell, ParentID: &h.c1.ID}
		must(t, store.CreateOrgUnit(ctx, tx, c))
		h.cells["C"] = c
		north = &store.Zone{CommuneID: h.c1.ID, Name: "Khu Bắc"}
		other = &store.Zone{CommuneID: h.c2.ID, Name: "Khu Nam"}
		must(t, store.Insert(ctx, tx, north))
		must(t, store.Insert(ctx, tx, other))
		for _, k := range []string{"A", "C"} {
			before := store.Clone(h.cells[k])
			h.cells[k].ZoneID = &north.ID
			must(t, store.Update(ctx, tx, before, h.cells[k]))
		}
		u := &store.User{Username: "cmt", DisplayName: "Cán bộ tỉnh", PasswordHash: "x", Active: true}
		must(t, store.CreateUser(ctx, tx, u))
		must(t, store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleOfficial, OrgUnitID: &h.province.ID}))
		h.users["cmt"] = u
		return store.Insert(ctx, tx, &store.Assignment{OfficialID: u.ID, CellID: h.c1.ID, Form: domain.FormCommittee,
			StartsOn: h.today.AddMonths(-6), Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: domain.AssignmentActive})
	})
	return h, north, other
}

func scopeKeys(c *client.Client) map[string]bool {
	out := map[string]bool{}
	for _, s := range c.Local.Scopes {
		out[s.Key] = true
	}
	return out
}

// TestCommuneScopeAndBriefing: a secretary's device gets its commune's unit scope (the commune's units and zones,
// its own meetings of the other forms) but not the other cells' meetings; it records a briefing with three cells'
// reports as the minute-taker, which reaches an official of a cell of the commune and the committee's official,
// and not the other commune's; the briefing's checks refuse with their reasons; deleting the briefing takes its
// reports along.
func TestCommuneScopeAndBriefing(t *testing.T) {
	h, north, other := formsHarness(t)
	sec, off1, off2, cmt := h.device("sec"), h.device("off1"), h.device("off2"), h.device("cmt")
	for _, d := range []*client.Client{sec, off1, off2, cmt} {
		pull(t, d)
	}
	unitC1, unitC2 := "unit:"+h.c1.ID, "unit:"+h.c2.ID
	if k := scopeKeys(sec); !k[unitC1] || k[unitC2] {
		t.Fatalf("sec's scopes: %v", k)
	}
	if k := scopeKeys(off2); !k[unitC1] || !k[unitC2] {
		t.Fatalf("off2's scopes: %v", k)
	}
	if k := scopeKeys(cmt); !k[unitC1] || len(k) != 3 {
		t.Fatalf("cmt's scopes: %v", k)
	}
	got := tables(sec)
	// C1, A, B, C; the zone of C1 only; B's members; no meeting (A's is A's).
	if got["org_units"] != 4 || got["zones"] != 1 || got["meetings"] != 0 || got["attendance"] != 0 || got["members"] != 5 {
		t.Fatalf("sec holds %v", got)
	}

	mid := uuid.NewString()
	me := h.users["sec"].ID
	sec.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields("cell_id", h.c1.ID, "form", "briefing",
		"meeting_date", h.today.AddDays(-1), "status", "held", "zone_id", north.ID, "host_cell_id", h.cells["A"].ID, "topic", "Giao ban tháng")})
	sec.Mutate(wire.Mutation{Table: "meeting_participants", Op: wire.MutUpsert, RowID: uuid.NewString(),
		Fields: fields("meeting_id", mid, "role", "minute_taker", "user_id", me, "cell_id", h.cells["B"].ID, "name", "Người dùng sec")})
	reports := map[string]string{}
	for _, k := range []string{"A", "B", "C"} {
		id := uuid.NewString()
		reports[k] = id
		sec.Mutate(wire.Mutation{Table: "briefing_reports", Op: wire.MutUpsert, RowID: id, Fields: fields("meeting_id", mid,
			"cell_id", h.cells[k].ID, "reporter_name", "Bí thư "+k, "situation", "Tình hình ổn định", "done", "Thu đảng phí đủ",
			"problems", "Đường ngập", "proposals", "Đề nghị nâng cấp đường")})
	}
	if ps := push(t, sec); ps.Applied != 5 || ps.Rejected != 0 {
		t.Fatalf("push of the briefing: %+v", ps.Results)
	}
	for _, d := range []*client.Client{sec, off1, off2, cmt} {
		pull(t, d)
		if got := tables(d); got["briefing_reports"] != 3 || got["meeting_participants"] != 1 || d.Local.Row("meetings", mid) == nil {
			t.Errorf("a device of the commune holds %v", got)
		}
	}
	x := h.device("root")
	pull(t, x)
	if got := tables(x); got["briefing_reports"] != 0 {
		t.Errorf("root's device holds %v", got)
	}

	// The checks, each with its reason.
	dlg := uuid.NewString()
	cases := []struct {
		name, table, reason string
		f                   map[string]any
	}{
		{"zone of another commune", "meetings", "sync.zone_not_in_commune", map[string]any{"cell_id": h.c1.ID, "form": "briefing", "meeting_date": h.today, "zone_id": other.ID}},
		{"host outside the zone", "meetings", "sync.host_not_in_zone", map[string]any{"cell_id": h.c1.ID, "form": "briefing", "meeting_date": h.today, "zone_id": north.ID, "host_cell_id": h.cells["B"].ID}},
		{"zone on a dialogue", "meetings", "sync.briefing_only", map[string]any{"cell_id": h.c1.ID, "form": "dialogue", "meeting_date": h.today, "zone_id": north.ID}},
		{"briefing of a cell", "meetings", "sync.not_commune", map[string]any{"cell_id": h.cells["B"].ID, "form": "briefing", "meeting_date": h.today}},
		{"committee by a secretary", "meetings", "sync.not_assigned", map[string]any{"cell_id": h.c1.ID, "form": "committee", "meeting_date": h.today}},
		{"briefing of another commune", "meetings", "sync.out_of_scope", map[string]any{"cell_id": h.c2.ID, "form": "briefing", "meeting_date": h.today}},
		{"report of another commune's cell", "briefing_reports", "sync.cell_not_in_commune", map[string]any{"meeting_id": mid, "cell_id": h.cells["X"].ID}},
		{"attendance at a briefing", "attendance", "sync.form_mismatch", map[string]any{"meeting_id": mid, "member_id": h.members["B"][0].ID, "status": "present"}},
		{"question at a briefing", "dialogue_questions", "sync.form_mismatch", map[string]any{"meeting_id": mid, "question": "Hỏi"}},
		{"commune recommendation without a meeting", "recommendations", "sync.commune_rec_meeting", map[string]any{"cell_id": h.c1.ID, "content": "Kiến nghị"}},
		{"recommendation of another commune's cell at the briefing", "recommendations", "sync.cell_not_in_commune", map[string]any{"cell_id": h.cells["X"].ID, "content": "Kiến nghị", "meeting_id": mid}},
	}
	for _, c := range cases {
		id := uuid.NewString()
		if c.table == "attendance" {
			id = wire.AttendanceID(mid, h.members["B"][0].ID)
		}
		var kv []any
		for k, v := range c.f {
			kv = append(kv, k, v)
		}
		sec.Mutate(wire.Mutation{Table: c.table, Op: wire.MutUpsert, RowID: id, Fields: fields(kv...)})
		ps := push(t, sec)
		if len(ps.Results) != 1 || ps.Results[0].Status != wire.StatusRejected || ps.Results[0].Reason != c.reason {
			t.Errorf("%s: %+v", c.name, ps.Results)
		}
	}

	// Not the minute-taker: off1's secretary-less colleague cannot write another cell's report; a secretary
	// without the minute-taker's role neither.
	other2 := uuid.NewString()
	sec.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: other2, Fields: fields("cell_id", h.c1.ID, "form", "briefing", "meeting_date", h.today)})
	sec.Mutate(wire.Mutation{Table: "briefing_reports", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", other2, "cell_id", h.cells["B"].ID, "situation", "Ổn")})
	sec.Mutate(wire.Mutation{Table: "briefing_reports", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", other2, "cell_id", h.cells["A"].ID, "situation", "Ổn")})
	ps := push(t, sec)
	if ps.Applied != 2 || ps.Rejected != 1 || ps.Results[2].Reason != "sync.not_own_cell" {
		t.Errorf("a secretary's own and another cell's report: %+v", ps.Results)
	}
	// An official of a cell of the commune writes any cell's report.
	off1.Mutate(wire.Mutation{Table: "briefing_reports", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", other2, "cell_id", h.cells["A"].ID, "situation", "Ổn")})
	if ps := push(t, off1); ps.Applied != 1 {
		t.Errorf("an official's report: %+v", ps.Results)
	}

	// A dialogue: the committee's official records it with two questions, one of which became a recommendation of
	// the commune (a citizens' matter), the other a recommendation of cell B.
	rec1, rec2 := uuid.NewString(), uuid.NewString()
	cmt.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: dlg, Fields: fields("cell_id", h.c1.ID, "form", "dialogue", "audience", "citizens", "meeting_date", h.today, "status", "held")})
	cmt.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: rec1, Fields: fields("cell_id", h.c1.ID, "meeting_id", dlg, "content", "Lắp đèn đường liên xã")})
	cmt.Mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: rec2, Fields: fields("cell_id", h.cells["B"].ID, "meeting_id", dlg, "content", "Nạo vét kênh thôn")})
	cmt.Mutate(wire.Mutation{Table: "dialogue_questions", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", dlg, "sort_order", 1, "question", "Bao giờ có đèn đường?", "explanation", "Đã có kế hoạch năm sau", "recommendation_id", rec1)})
	cmt.Mutate(wire.Mutation{Table: "dialogue_questions", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", dlg, "sort_order", 2, "question", "Kênh thôn bị bồi lấp", "recommendation_id", rec2, "asker_cell_id", h.cells["B"].ID)})
	cmt.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.c1.ID, "form", "committee", "meeting_date", h.today)})
	if ps := push(t, cmt); ps.Applied != 6 {
		t.Fatalf("the committee official's dialogue: %+v", ps.Results)
	}
	pull(t, sec)
	// sec holds the commune's recommendation and its dialogue, and B's (its cell's); not A's meetings.
	if got := tables(sec); got["recommendations"] != 2 || got["dialogue_questions"] != 2 || got["meetings"] != 4 {
		t.Errorf("sec after the dialogue: %v", got)
	}
	pull(t, off1)
	// Both were raised at the commune's dialogue, so both sit with it at the commune: off1 (an official of cell A,
	// holding the commune's scope) keeps them, as the minute-taker of a briefing keeps what it recorded for any cell.
	if got := tables(off1); got["recommendations"] != 2 || got["dialogue_questions"] != 2 {
		t.Errorf("off1 after the dialogue (the dialogue's two recommendations): %v", got)
	}
	// A form never changes.
	sec.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, BaseVersion: 0, Fields: fields("form", "dialogue")})
	if ps := push(t, sec); ps.Rejected != 1 {
		t.Errorf("changing the form: %+v", ps.Results)
	}

	// Deleting the briefing takes its participants and reports along, on every device.
	sec.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutDelete, RowID: mid, BaseVersion: sec.Local.Row("meetings", mid).Version})
	if ps := push(t, sec); ps.Applied != 1 {
		t.Fatalf("delete: %+v", ps.Results)
	}
	pull(t, off2)
	for _, id := range reports {
		if off2.Local.Row("briefing_reports", id) != nil {
			t.Errorf("report %s outlived its briefing", id)
		}
	}
}

// getStatus sends a GET as user and decodes the answer into out, returning the status.
func (h *harness) getStatus(path, user string, out any) int {
	h.t.Helper()
	r, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	tok, _ := h.issue(h.users[user].ID)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			h.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestMeetingsListByFormAndUnit: GET /api/v1/meetings?form=briefing&unit=<commune> lists the commune's briefings
// to its supervisor and to the secretary of one of its cells (whose read scope is its cell), not to another
// commune's; form=cell keeps to the cells' meetings; the detail carries the briefing's reports.
func TestMeetingsListByFormAndUnit(t *testing.T) {
	h, _, _ := formsHarness(t)
	sec := h.device("sec")
	pull(t, sec)
	mid := uuid.NewString()
	sec.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields("cell_id", h.c1.ID, "form", "briefing", "meeting_date", h.today, "status", "held")})
	sec.Mutate(wire.Mutation{Table: "briefing_reports", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", mid, "cell_id", h.cells["B"].ID, "situation", "Ổn định")})
	if ps := push(t, sec); ps.Applied != 2 {
		t.Fatalf("push: %+v", ps.Results)
	}
	type page struct {
		Items []store.MeetingView `json:"items"`
	}
	for _, c := range []struct {
		user, query string
		want        []string
	}{
		{"sup", "?form=briefing&unit=" + h.c1.ID, []string{mid}},
		{"sec", "?form=briefing&unit=" + h.c1.ID, []string{mid}},
		{"sec", "?form=briefing", []string{mid}},
		{"sup", "?form=cell&unit=" + h.c1.ID, []string{h.meeting.ID}},
		{"off2", "?form=briefing&unit=" + h.c2.ID, nil},
		{"root", "?form=dialogue", nil},
	} {
		var p page
		if st := h.getStatus("/api/v1/meetings"+c.query, c.user, &p); st != http.StatusOK {
			t.Errorf("%s %s: %d", c.user, c.query, st)
			continue
		}
		var got []string
		for _, m := range p.Items {
			got = append(got, m.ID)
		}
		if !cmp.Equal(got, c.want) {
			t.Errorf("%s %s: %v, want %v", c.user, c.query, got, c.want)
		}
	}
	if st := h.getStatus("/api/v1/meetings?form=party", "sup", nil); st != http.StatusBadRequest {
		t.Errorf("a bad form: %d", st)
	}
	var d api.MeetingDetail
	if st := h.getStatus("/api/v1/meetings/"+mid, "sec", &d); st != http.StatusOK || len(d.BriefingReports) != 1 || d.BriefingReports[0].CellName != h.cells["B"].Name {
		t.Errorf("the briefing's detail to its secretary: %d %+v", st, d.BriefingReports)
	}
	if st := h.getStatus("/api/v1/meetings/"+mid, "off2", nil); st != http.StatusOK {
		t.Errorf("the briefing's detail to an official of a cell of the commune: %d", st)
	}
	if st := h.getStatus("/api/v1/meetings/"+h.meeting.ID, "sec", nil); st != http.StatusNotFound {
		t.Errorf("cell A's meeting to B's secretary: %d", st)
	}
}
