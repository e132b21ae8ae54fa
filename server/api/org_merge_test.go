package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Written from the README's "The organisation tree" and the OpenAPI summaries: merge two cells through the API as
// the commune's administrator, after a dry run; others may not.
func TestMergeThroughTheAPI(t *testing.T) {
	w := newWorld(t)
	on := domain.DateOf(store.Now())
	body := map[string]any{"into": "Chi bộ thôn An Lợi - Phước Thị", // a new unit's name
		"from": []string{w.cellA.ID, w.cellB.ID}, "on": on.String()}

	for _, who := range []string{"admin2", "sup1", "off1"} {
		if r := w.do(http.MethodPost, "/api/v1/org-units/merge", who, body); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("%s merges: %d %s", who, r.status, r.body)
		}
	}

	// A dry run says what would move and changes nothing.
	dry := map[string]any{"dry_run": true}
	for k, v := range body {
		dry[k] = v
	}
	r := w.do(http.MethodPost, "/api/v1/org-units/merge", "admin1", dry)
	if r.status != http.StatusOK {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	var out struct {
		Successor    store.OrgUnit   `json:"successor"`
		Predecessors []store.OrgUnit `json:"predecessors"`
		Carried      store.Carried   `json:"carried"`
		DryRun       bool            `json:"dry_run"`
	}
	r.json(t, &out)
	if !out.DryRun || out.Carried.Members != 2 || out.Carried.Recommendations != 1 || len(out.Predecessors) != 2 {
		t.Errorf("dry run: %s", r.body)
	}
	var m store.MemberView
	w.do(http.MethodGet, "/api/v1/members/"+w.memberA.ID, "admin1", nil).json(t, &m)
	if m.CellID != w.cellA.ID {
		t.Errorf("the dry run moved a member")
	}
	if r := w.do(http.MethodGet, "/api/v1/org-units/"+out.Successor.ID, "admin1", nil); r.status != http.StatusNotFound {
		t.Errorf("the dry run's successor exists: %d", r.status)
	}

	// The merge.
	r = w.do(http.MethodPost, "/api/v1/org-units/merge", "admin1", body)
	if r.status != http.StatusOK {
		t.Fatalf("merge: %d %s", r.status, r.body)
	}
	r.json(t, &out)
	if out.DryRun || out.Successor.OpenedOn != on {
		t.Errorf("merge: %s", r.body)
	}
	var d struct {
		store.OrgUnit
		Predecessors []store.LinkedUnit `json:"predecessors"`
		Successors   []store.LinkedUnit `json:"successors"`
	}
	w.do(http.MethodGet, "/api/v1/org-units/"+out.Successor.ID, "sup1", nil).json(t, &d)
	if len(d.Predecessors) != 2 || len(d.Successors) != 0 {
		t.Errorf("successor's lineage: %+v", d)
	}
	w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID, "sup1", nil).json(t, &d)
	if len(d.Successors) != 1 || d.Successors[0].ID != out.Successor.ID || d.ClosedOn != on.AddDays(-1) {
		t.Errorf("A after the merge: %+v", d)
	}
	w.do(http.MethodGet, "/api/v1/members/"+w.memberA.ID, "admin1", nil).json(t, &m)
	if m.CellID != out.Successor.ID {
		t.Errorf("member A is in %s", m.CellID)
	}
	if r := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingA.ID, "sup1", nil); r.status != http.StatusOK {
		t.Errorf("A's meeting: %d", r.status)
	}
	// Merging again is refused, in Vietnamese, naming the closed cell.
	r = w.do(http.MethodPost, "/api/v1/org-units/merge", "admin1", body, "Accept-Language", "vi")
	var e struct{ Code, Message, Field string }
	r.json(t, &e)
	if r.status != http.StatusBadRequest || e.Field != "from" || !strings.Contains(e.Message, "đã giải thể") {
		t.Errorf("merging closed cells: %d %s", r.status, r.body)
	}
	// Into an existing unit, named by its id, in another commune:
	// refused to admin1, who does not administer it.
	r = w.do(http.MethodPost, "/api/v1/org-units/merge", "admin1", map[string]any{"into": w.cellX.ID, "from": []string{out.Successor.ID}, "on": on.AddDays(1).String()})
	if r.status != http.StatusForbidden {
		t.Errorf("merging into another admin's cell: %d %s", r.status, r.body)
	}
	// A split needs two parts with every member.
	r = w.do(http.MethodPost, "/api/v1/org-units/"+out.Successor.ID+"/split", "admin1",
		map[string]any{"on": on.AddDays(30).String(), "parts": []map[string]any{{"name": "Chi bộ Một", "member_ids": []string{w.memberA.ID}}, {"name": "Chi bộ Hai"}}})
	r.json(t, &e)
	if r.status != http.StatusBadRequest || e.Field != "member_ids" {
		t.Errorf("split leaving a member out: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodPost, "/api/v1/org-units/"+out.Successor.ID+"/split", "admin1",
		map[string]any{"on": on.AddDays(30).String(), "parts": []map[string]any{{"name": "Chi bộ Một", "member_ids": []string{w.memberA.ID}}, {"name": "Chi bộ Hai", "member_ids": []string{w.memberB.ID}}}})
	if r.status != http.StatusOK {
		t.Errorf("split: %d %s", r.status, r.body)
	}
	// Closing a cell that still has members through PATCH is refused.
	r = w.do(http.MethodPatch, "/api/v1/org-units/"+w.cellX.ID, "admin2", map[string]any{"closed_on": on.String()})
	r.json(t, &e)
	if r.status != http.StatusBadRequest || e.Field != "closed_on" {
		t.Errorf("closing a cell with members: %d %s", r.status, r.body)
	}
}
