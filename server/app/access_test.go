package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/testdb"
)

// TestRightsChangedOnOneInstanceApplyOnTheOther: two instances of the program on one database, as behind a load
// balancer. An official keeps calling the second; an administrator on the first grants him a supervisor's role,
// then disables his account. Neither instance is told: the second applies each change within seconds (each
// instance keeps its callers only while the database's version of who may do what holds still, and reads that
// version about once a second).
func TestRightsChangedOnOneInstanceApplyOnTheOther(t *testing.T) {
	url := testdb.URL(t)
	first := startOn(t, url, true)
	second := startOn(t, url, false)
	admin := loginAs(t, first.URL(), "admin")
	official := loginAs(t, second.URL(), "canbo")

	var me struct {
		ID string `json:"id"`
	}
	if st := official.call(http.MethodGet, "/api/v1/me", nil, &me); st != http.StatusOK || me.ID == "" {
		t.Fatalf("the official's account on the second instance: %d %+v", st, me)
	}
	var user struct {
		Grants []struct {
			Role      string  `json:"role"`
			OrgUnitID *string `json:"org_unit_id"`
		} `json:"grants"`
	}
	if st := admin.call(http.MethodGet, "/api/v1/users/"+me.ID, nil, &user); st != http.StatusOK || len(user.Grants) == 0 {
		t.Fatalf("the official as the administrator sees him: %d %+v", st, user)
	}
	for range 3 { // the second instance has him in hand
		if st := official.call(http.MethodGet, "/api/v1/coverage", nil, nil); st != http.StatusForbidden {
			t.Fatalf("an official asks for coverage: %d, want 403", st)
		}
	}

	// waitFor calls path on the second instance as the official until it answers want.
	waitFor := func(what, path string, want int) {
		t.Helper()
		start := time.Now()
		for {
			st := official.call(http.MethodGet, path, nil, nil)
			if st == want {
				t.Logf("%s: applied on the other instance after %v", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("%s: the other instance still answers %d after %v, want %d", what, st, time.Since(start), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	grant := map[string]any{"role": "supervisor", "org_unit_id": user.Grants[0].OrgUnitID}
	if st := admin.call(http.MethodPost, "/api/v1/users/"+me.ID+"/grants", grant, nil); st != http.StatusCreated {
		t.Fatalf("grant a supervisor's role: %d", st)
	}
	waitFor("a role granted", "/api/v1/coverage", http.StatusOK)

	if st := admin.call(http.MethodPatch, "/api/v1/users/"+me.ID, map[string]any{"active": false}, nil); st != http.StatusOK {
		t.Fatalf("disable the account: %d", st)
	}
	waitFor("an account disabled", "/api/v1/coverage", http.StatusUnauthorized)
}
