package api_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

func TestAssignmentLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	off1, off2 := w.users["off1"].ID, w.users["off2"].ID
	// sup1 assigns two officials to cell B: both are notified in Vietnamese, the change is audited.
	r := w.do(http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{
		"official_ids": []string{off1, off2}, "cell_ids": []string{w.cellB.ID}, "starts_on": "2026-12-01",
		"frequency": "per_year", "visits_per_year": 2, "note": "Dự 2 lần/năm"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		Items []store.AssignmentView `json:"items"`
	}
	r.json(t, &created)
	if len(created.Items) != 2 || created.Items[0].CellName != w.cellB.Name || created.Items[0].VisitsPerYear != 2 {
		t.Fatalf("created %+v", created.Items)
	}
	a := created.Items[0]
	var ns []store.Notification
	if err := w.db.R.NewSelect().Model(&ns).Where("user_id IN (?, ?)", off1, off2).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 || ns[0].Title != "Phân công dự sinh hoạt chi bộ" || !strings.Contains(ns[0].Body, "Chi bộ thôn Phước Thị") ||
		!strings.Contains(ns[0].Body, "01/12/2026") || !strings.Contains(ns[0].Body, "2 lần/năm") {
		t.Fatalf("notifications %+v", ns)
	}
	audits, err := w.db.R.NewSelect().Model((*store.AuditEntry)(nil)).Where("entity = 'assignment' AND action = 'create'").Count(ctx)
	if err != nil || audits != 2 {
		t.Errorf("%d audit entries (%v), want 2", audits, err)
	}

	tests := []struct {
		name, method, path, who string
		body                    any
		status                  int
		code                    string
	}{
		{"overlap", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellB.ID}, "starts_on": "2027-01-01"}, 409, "conflict"},
		{"ends before it starts", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellA.ID}, "starts_on": "2027-01-01", "ends_on": "2026-01-01"}, 400, "invalid"},
		{"no officials", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{}, "cell_ids": []string{w.cellA.ID}, "starts_on": "2027-01-01"}, 400, "invalid"},
		{"bad frequency", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellA.ID}, "starts_on": "2027-01-01", "frequency": "weekly"}, 400, "invalid"},
		{"13 visits a year", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellA.ID}, "starts_on": "2027-01-01", "frequency": "per_year", "visits_per_year": 13}, 400, "invalid"},
		{"a commune is not a cell", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.c1.ID}, "starts_on": "2027-01-01"}, 400, "invalid"},
		{"unknown official", http.MethodPost, "/api/v1/assignments", "sup1", map[string]any{"official_ids": []string{w.cellA.ID}, "cell_ids": []string{w.cellB.ID}, "starts_on": "2027-01-01"}, 400, "invalid"},
		{"an official cannot assign", http.MethodPost, "/api/v1/assignments", "off1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellA.ID}, "starts_on": "2027-01-01"}, 403, "forbidden"},
		{"a secretary cannot assign", http.MethodPost, "/api/v1/assignments", "sec1", map[string]any{"official_ids": []string{off1}, "cell_ids": []string{w.cellB.ID}, "starts_on": "2027-01-01"}, 403, "forbidden"},
		{"only the official acknowledges", http.MethodPost, "/api/v1/assignments/" + a.ID + "/acknowledge", "sup1", nil, 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.do(tt.method, tt.path, tt.who, tt.body)
			if r.status != tt.status || r.errorCode(t) != tt.code {
				t.Errorf("%d %s, want %d %s", r.status, r.body, tt.status, tt.code)
			}
		})
	}

	// The official acknowledges; the supervisor changes, then ends, then another is cancelled: each is notified.
	who := map[string]string{off1: "off1", off2: "off2"}[a.OfficialID]
	if r := w.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/acknowledge", who, nil); r.status != 200 || !strings.Contains(string(r.body), `"acknowledged_at":"20`) {
		t.Fatalf("acknowledge: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPatch, "/api/v1/assignments/"+a.ID, "sup1", map[string]any{"frequency": "monthly", "ends_on": "2027-06-30"}); r.status != 200 ||
		!strings.Contains(string(r.body), `"visits_per_year":12`) {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/end", "sup1", map[string]any{"ends_on": "2027-03-31"}); r.status != 200 ||
		!strings.Contains(string(r.body), `"ends_on":"2027-03-31"`) || !strings.Contains(string(r.body), `"status":"active"`) {
		t.Fatalf("end in the future keeps it active until then: %d %s", r.status, r.body)
	}
	b := created.Items[1]
	if r := w.do(http.MethodPost, "/api/v1/assignments/"+b.ID+"/cancel", "sup1", nil); r.status != 200 || !strings.Contains(string(r.body), `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/assignments/"+b.ID+"/cancel", "sup1", nil); r.status != http.StatusConflict {
		t.Errorf("cancel twice: %d %s", r.status, r.body)
	}
	kinds := map[string]int{}
	var all []store.Notification
	if err := w.db.R.NewSelect().Model(&all).Where("user_id IN (?, ?)", off1, off2).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range all {
		kinds[n.Kind]++
	}
	if kinds["assignment_created"] != 2 || kinds["assignment_changed"] != 1 || kinds["assignment_ended"] != 1 || kinds["assignment_cancelled"] != 1 {
		t.Errorf("notification kinds %v", kinds)
	}

	// The official lists and reads the notification.
	r = w.do(http.MethodGet, "/api/v1/notifications?unread=true&limit=1", who, nil)
	var page store.Page[store.Notification]
	r.json(t, &page)
	if r.status != 200 || len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].Kind != "assignment_ended" {
		t.Fatalf("notifications: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/notifications/"+page.Items[0].ID+"/read", who, nil); r.status != 200 {
		t.Fatalf("read: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/notifications/"+page.Items[0].ID+"/read", "sup1", nil); r.status != 404 {
		t.Errorf("someone else's notification: %d", r.status)
	}
}

func TestSuggestionsAndLoads(t *testing.T) {
	w := newWorld(t)
	// A report begun on cell A's meeting of next week is no visit: the cell is still unvisited, with no last visit
	// (an outsider saw a cell's last visit dated five days ahead).
	if err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		m := &store.Meeting{CellID: w.cellA.ID, MeetingDate: domain.DateOf(time.Now()).AddDays(5), Topic: "Sinh hoạt thường kỳ"}
		if err := store.Insert(ctx, tx, m); err != nil {
			return err
		}
		return store.Insert(ctx, tx, &store.VisitReport{MeetingID: m.ID, OfficialID: w.users["off1"].ID, Status: domain.ReportDraft})
	}); err != nil {
		t.Fatal(err)
	}
	r := w.do(http.MethodGet, "/api/v1/assign/suggestions", "sup1", nil)
	var sug store.Page[store.CellSuggestion]
	r.json(t, &sug)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// Both cells of commune 1 have no visit report on record: both are suggested; cell X (commune 2) is not.
	names := map[string]bool{}
	for _, s := range sug.Items {
		names[s.CellName] = s.Unvisited
		if !s.LastVisit.IsZero() {
			t.Errorf("%s: last visit %s, want none", s.CellName, s.LastVisit)
		}
	}
	if len(names) != 2 || !names[w.cellA.Name] || !names[w.cellB.Name] {
		t.Errorf("suggestions %+v", sug.Items)
	}
	r = w.do(http.MethodGet, "/api/v1/assign/officials", "sup1", nil)
	var loads store.Page[store.OfficialLoad]
	r.json(t, &loads)
	if r.status != 200 || len(loads.Items) != 1 || loads.Items[0].UserID != w.users["off1"].ID || loads.Items[0].Cells != 1 || loads.Items[0].ExpectedThisYear != 12 {
		t.Errorf("loads: %d %s", r.status, r.body)
	}
	for _, who := range []string{"off1", "sec1"} {
		if r := w.do(http.MethodGet, "/api/v1/assign/suggestions", who, nil); r.status != http.StatusForbidden {
			t.Errorf("%s: %d", who, r.status)
		}
	}
	if r := w.do(http.MethodGet, "/api/v1/assign/officials?org_unit_id="+w.c2.ID, "sup1", nil); r.status != http.StatusNotFound {
		t.Errorf("foreign subtree: %d", r.status)
	}
}

func TestScheduleEndpoints(t *testing.T) {
	w := newWorld(t)
	rule := map[string]any{"day_of_month": 5, "thematic_months": []int{3, 6, 9, 12}, "eve_reminder": "18:00",
		"morning_reminder": "06:30", "report_due_days": 4, "digest_at": "08:00"}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "admin1", rule); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	r := w.do(http.MethodGet, "/api/v1/org-units/"+w.cellA.ID+"/schedule", "off1", nil)
	var v store.ScheduleRuleView
	r.json(t, &v)
	if v.Own != nil || v.InheritedFrom != w.c1.ID || v.Effective.DayOfMonth != 5 || v.Effective.EveReminder != "18:00" {
		t.Errorf("cell A inherits: %s", r.body)
	}
	bad := []map[string]any{
		{"day_of_month": 0, "thematic_months": []int{3, 6, 9, 12}, "eve_reminder": "19:00", "morning_reminder": "07:00", "report_due_days": 3, "digest_at": "08:00"},
		{"day_of_month": 3, "thematic_months": []int{3, 6, 9}, "eve_reminder": "19:00", "morning_reminder": "07:00", "report_due_days": 3, "digest_at": "08:00"},
		{"day_of_month": 3, "thematic_months": []int{3, 6, 9, 12}, "eve_reminder": "25:00", "morning_reminder": "07:00", "report_due_days": 3, "digest_at": "08:00"},
	}
	for _, b := range bad {
		if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "admin1", b); r.status != 400 || r.errorCode(t) != "invalid" {
			t.Errorf("bad rule %v: %d %s", b, r.status, r.body)
		}
	}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "sup1", rule); r.status != http.StatusForbidden {
		t.Errorf("a supervisor sets rules: %d", r.status)
	}
	// The secretary of cell B moves its January meeting to the 8th, then cancels February's.
	r = w.do(http.MethodPut, "/api/v1/org-units/"+w.cellB.ID+"/schedule/2027-01", "sec1", map[string]any{"date": "2027-01-08", "reason": "Trùng lịch họp xã"})
	if r.status != 200 || !strings.Contains(string(r.body), `"meeting_date":"2027-01-08"`) {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.cellB.ID+"/schedule/2027-01", "sec1", map[string]any{"date": "2027-02-08"}); r.status != 400 {
		t.Errorf("move to another month: %d", r.status)
	}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.cellB.ID+"/schedule/2027-02", "sec1", map[string]any{"cancelled": true}); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.cellA.ID+"/schedule/2027-02", "sec1", map[string]any{"cancelled": true}); r.status != 403 {
		t.Errorf("another cell's secretary: %d", r.status)
	}
	r = w.do(http.MethodGet, "/api/v1/schedule/expected?org_unit_id="+w.cellB.ID+"&from=2027-01&to=2027-03", "sec1", nil)
	var exp store.Page[store.ExpectedMeeting]
	r.json(t, &exp)
	got := []string{}
	for _, e := range exp.Items {
		got = append(got, e.Date.String()+" "+string(e.Status)+" "+string(e.Type))
	}
	want := "2027-01-08 planned regular,2027-02-05 cancelled regular,2027-03-05 planned thematic"
	if strings.Join(got, ",") != want {
		t.Errorf("expected %v, want %s", got, want)
	}
	if r := w.do(http.MethodGet, "/api/v1/schedule/expected?from=2027-13", "sec1", nil); r.status != 400 {
		t.Errorf("bad month: %d", r.status)
	}
}

func TestPushSubscriptionEndpoints(t *testing.T) {
	w := newWorld(t)
	key, _ := ecdh.P256().GenerateKey(rand.Reader)
	p256dh := base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	good := map[string]any{"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": map[string]string{"p256dh": p256dh, "auth": base64.RawURLEncoding.EncodeToString(auth)}}
	if r := w.do(http.MethodPost, "/api/v1/push/subscriptions", "off1", good); r.status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	// The same phone, now used by another official, takes the subscription over.
	if r := w.do(http.MethodPost, "/api/v1/push/subscriptions", "off2", good); r.status != http.StatusCreated {
		t.Fatalf("take over: %d %s", r.status, r.body)
	}
	var subs []store.PushSubscription
	if err := w.db.R.NewSelect().Model(&subs).Scan(context.Background()); err != nil || len(subs) != 1 || subs[0].UserID != w.users["off2"].ID {
		t.Fatalf("subscriptions %+v %v", subs, err)
	}
	bad := []struct {
		name string
		body map[string]any
	}{
		{"http", map[string]any{"endpoint": "http://push.example/x", "keys": good["keys"]}},
		{"not a url", map[string]any{"endpoint": "push", "keys": good["keys"]}},
		{"bad key", map[string]any{"endpoint": "https://push.example/x", "keys": map[string]string{"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}},
		{"short auth", map[string]any{"endpoint": "https://push.example/x", "keys": map[string]string{"p256dh": p256dh, "auth": "AAAA"}}},
	}
	for _, b := range bad {
		if r := w.do(http.MethodPost, "/api/v1/push/subscriptions", "off1", b.body); r.status != 400 || r.errorCode(t) != "invalid" {
			t.Errorf("%s: %d %s", b.name, r.status, r.body)
		}
	}
	if r := w.do(http.MethodDelete, "/api/v1/push/subscriptions", "off1", map[string]string{"endpoint": "https://fcm.googleapis.com/fcm/send/abc"}); r.status != 404 {
		t.Errorf("deleting another user's subscription: %d", r.status)
	}
	if r := w.do(http.MethodDelete, "/api/v1/push/subscriptions", "off2", map[string]string{"endpoint": "https://fcm.googleapis.com/fcm/send/abc"}); r.status != 204 {
		t.Errorf("sign out: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/push/key", "off1", nil); r.status != 404 {
		t.Errorf("push key without push configured: %d", r.status)
	}
}
