package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/push/pushtest"
)

// pushed is the web push payload the service worker shows.
type pushed struct {
	ID, Kind, Title, Body, Link, Tag string
}

// waitPush waits until svc has accepted a push of kind and returns it decoded, with its delivery.
func waitPush(t *testing.T, svc *pushtest.Service, kind string) (pushed, pushtest.Delivery) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range svc.Deliveries() {
			var p pushed
			if err := json.Unmarshal(d.Plaintext, &p); err != nil {
				t.Fatalf("push payload is not JSON: %q", d.Plaintext)
			}
			if p.Kind == kind {
				return p, d
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s push within 20 s; deliveries %d, failures %v", kind, len(svc.Deliveries()), svc.Failures())
	return pushed{}, pushtest.Delivery{}
}

// TestAssignmentReachesTheOfficialsDevice is issue #5's "done when" against the real program: a supervisor assigns
// canbo to a cell of the demo data, canbo's subscribed device receives the encrypted push (decrypted and its
// VAPID token verified by pushtest, independently of the sender), the inbox has the notification, reminders are
// planned at the configured local times, and a device the push service reports gone is forgotten.
func TestAssignmentReachesTheOfficialsDevice(t *testing.T) {
	m := start(t, true, "CHIBO_PUSH_ALLOW_HTTP", "true", "CHIBO_PUSH_POLL", "200ms")
	canbo := loginAs(t, m.URL(), "canbo")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	if st := canbo.call(http.MethodGet, "/api/v1/push/key", nil, &key); st != http.StatusOK || key.PublicKey == "" {
		t.Fatalf("GET /push/key: %d %q", st, key.PublicKey)
	}
	svc := pushtest.NewService(t)
	svc.ExpectKey(key.PublicKey)
	sub := svc.NewSubscription()
	body := map[string]any{"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": sub.P256DH, "auth": sub.Auth}, "user_agent": "test phone"}
	if st := canbo.call(http.MethodPost, "/api/v1/push/subscriptions", body, nil); st != http.StatusCreated {
		t.Fatalf("subscribe: %d", st)
	}
	var me struct {
		ID            string `json:"id"`
		AssignedCells []item `json:"assigned_cells"`
	}
	if st := canbo.call(http.MethodGet, "/api/v1/me", nil, &me); st != http.StatusOK {
		t.Fatalf("GET /me: %d", st)
	}
	mine := map[string]bool{}
	for _, c := range me.AssignedCells {
		mine[c.ID] = true
	}

	sup := loginAs(t, m.URL(), "giamsat")
	var sugg struct {
		Items []struct {
			CellID   string `json:"cell_id"`
			CellName string `json:"cell_name"`
		} `json:"items"`
	}
	if st := sup.call(http.MethodGet, "/api/v1/assign/suggestions?limit=50", nil, &sugg); st != http.StatusOK || len(sugg.Items) == 0 {
		t.Fatalf("suggestions: %d, %d items", st, len(sugg.Items))
	}
	cell, cellName := "", ""
	for _, s := range sugg.Items {
		if !mine[s.CellID] {
			cell, cellName = s.CellID, s.CellName
			break
		}
	}
	today := domain.DateOf(time.Now())
	var res struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	in := map[string]any{"official_ids": []string{me.ID}, "cell_ids": []string{cell}, "starts_on": today.String(), "frequency": "monthly"}
	if st := sup.call(http.MethodPost, "/api/v1/assignments", in, &res); st != http.StatusCreated || len(res.Items) != 1 {
		t.Fatalf("assign: %d %+v", st, res)
	}

	p, d := waitPush(t, svc, "assignment_created")
	if p.Title != "Phân công dự sinh hoạt chi bộ" || !strings.Contains(p.Body, cellName) || p.Link == "" {
		t.Errorf("push %+v, want the Vietnamese assignment title and the cell %q", p, cellName)
	}
	if !strings.HasPrefix(d.JWTSubject, "mailto:") || d.TTL <= 0 || d.JWTAudience != svc.URL {
		t.Errorf("delivery: sub %q, aud %q, TTL %d", d.JWTSubject, d.JWTAudience, d.TTL)
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Errorf("the push service refused requests: %v", f)
	}
	var inbox struct {
		Items []struct {
			ID, Kind, Title string
		} `json:"items"`
	}
	if st := canbo.call(http.MethodGet, "/api/v1/notifications?limit=20", nil, &inbox); st != http.StatusOK {
		t.Fatalf("inbox: %d", st)
	}
	found := false
	for _, n := range inbox.Items {
		found = found || (n.ID == p.ID && n.Kind == "assignment_created")
	}
	if !found {
		t.Errorf("the inbox lacks the pushed notification %s: %+v", p.ID, inbox.Items)
	}

	// The new cell's meetings have reminders at 19:00 the evening before and 07:00 on the day.
	var rems struct {
		Items []struct {
			Kind, Status string
			MeetingID    *string   `json:"meeting_id"`
			NextAt       time.Time `json:"next_at"`
		} `json:"items"`
	}
	if st := canbo.call(http.MethodGet, "/api/v1/reminders?status=pending&limit=200", nil, &rems); st != http.StatusOK {
		t.Fatalf("reminders: %d", st)
	}
	kinds := map[string]string{}
	for _, r := range rems.Items {
		local := r.NextAt.In(domain.Zone).Format("15:04")
		switch r.Kind {
		case "meeting_eve", "meeting_day":
			kinds[r.Kind] = local
		}
	}
	if kinds["meeting_eve"] != "19:00" || kinds["meeting_day"] != "07:00" {
		t.Errorf("reminder local times %v, want meeting_eve 19:00 and meeting_day 07:00", kinds)
	}

	// The push service now says the device is gone: the cancellation's push removes the subscription.
	svc.Respond(sub.Endpoint, http.StatusGone)
	if st := sup.call(http.MethodPost, "/api/v1/assignments/"+res.Items[0].ID+"/cancel", nil, nil); st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := m.DB().R.NewSelect().Table("push_subscriptions").Where("endpoint = ? AND deleted_at IS NULL", sub.Endpoint).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the subscription the push service reported gone is still stored (attempts %d)", svc.Attempts(sub.Endpoint))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
