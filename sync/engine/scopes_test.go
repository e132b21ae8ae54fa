package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// TestSupervisorsDeviceHoldsItsOwnCellsOnly: a supervisor's grant brings no scope of its subtree (its screens read
// the API), only its own rows and its province's reference data, whatever the subtree holds; a supervisor who is
// also an official gets the cells it is assigned to, and loses them when the assignment ends. An installation-wide
// admin gets every province's reference data.
func TestSupervisorsDeviceHoldsItsOwnCellsOnly(t *testing.T) {
	h := newHarness(t)
	sup := h.device("sup")
	pull(t, sup)
	var got []string
	for _, s := range sup.Local.Scopes {
		got = append(got, s.Key)
	}
	want := []string{"ref", "user:" + h.users["sup"].ID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("sup's scopes (-want +got):\n%s", diff)
	}
	if refs := sup.Local.Scopes[0].Refs; !cmp.Equal(refs, []string{h.province.ID, "default"}) && !cmp.Equal(refs, []string{"default", h.province.ID}) {
		t.Errorf("sup's reference scopes: %v", refs)
	}
	for table, n := range tables(sup) {
		if table != "recommendation_fields" && table != "rubrics" && table != "rubric_criteria" && table != "rating_labels" && table != "minutes_templates" {
			t.Errorf("sup holds %d rows of %s", n, table)
		}
	}

	// Made an official too and assigned to B: B's cell scope, as for any official, and the unit scope of B's commune
	// (its own meetings of the other forms, and its units: the commune, A and B).
	h.write(func(ctx context.Context, tx bun.IDB) error {
		return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: h.users["sup"].ID, Role: domain.RoleOfficial, OrgUnitID: &h.c1.ID})
	})
	a := h.assign("sup", "B")
	pull(t, sup)
	if got := tables(sup); got["members"] != 5 || got["org_units"] != 3 || got["assignments"] != 1 {
		t.Fatalf("after the assignment: %v", got)
	}
	h.write(func(ctx context.Context, tx bun.IDB) error {
		before := store.Clone(a)
		a.Status, a.EndsOn = domain.AssignmentEnded, h.today.AddDays(-1)
		return store.Update(ctx, tx, before, a)
	})
	pull(t, sup)
	if got := tables(sup); got["members"] != 0 || got["org_units"] != 0 || got["assignments"] != 0 {
		t.Fatalf("after the assignment ended: %v", got)
	}

	root := h.device("root")
	pull(t, root)
	for _, s := range root.Local.Scopes {
		if s.Kind == "ref" && !cmp.Equal(s.Refs, []string{"*"}) {
			t.Errorf("the installation's admin gets reference data of %v", s.Refs)
		}
		if s.Kind == "root" || s.Kind == "cell" {
			t.Errorf("the installation's admin holds scope %s", s.Key)
		}
	}
	if got := tables(root); got["org_units"] != 0 || got["users"] != 0 || got["members"] != 0 {
		t.Errorf("the installation's admin holds %v", got)
	}
}
