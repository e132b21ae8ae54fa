package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/push/pushtest"
)

// TestForwardReachesTheRespondersDevice is issue #12's notification against the real program and the demo's
// directory: giamsat2 forwards a new recommendation of Triệu Phong to the directory's UBND xã Triệu Phong, and the
// device its responder ubnd subscribed receives the encrypted push (decrypted by pushtest), in Vietnamese, linking
// to the recommendation, with the notification in ubnd's inbox; sending the answer back pushes again.
func TestForwardReachesTheRespondersDevice(t *testing.T) {
	m := start(t, true, "CHIBO_PUSH_ALLOW_HTTP", "true", "CHIBO_PUSH_POLL", "200ms")
	ubnd := loginAs(t, m.URL(), "ubnd")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	if st := ubnd.call(http.MethodGet, "/api/v1/push/key", nil, &key); st != http.StatusOK {
		t.Fatalf("GET /push/key: %d", st)
	}
	svc := pushtest.NewService(t)
	svc.ExpectKey(key.PublicKey)
	sub := svc.NewSubscription()
	body := map[string]any{"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": sub.P256DH, "auth": sub.Auth}, "user_agent": "điện thoại"}
	if st := ubnd.call(http.MethodPost, "/api/v1/push/subscriptions", body, nil); st != http.StatusCreated {
		t.Fatalf("subscribe: %d", st)
	}
	type rec struct {
		ID            string  `json:"id"`
		Status        string  `json:"status"`
		AddresseeID   *string `json:"addressee_id"`
		AddresseeName string  `json:"addressee_name"`
		CellName      string  `json:"cell_name"`
	}
	var page struct {
		Items []rec `json:"items"`
	}
	// The directory body ubnd answers for, from what the demo already forwarded to it.
	if st := ubnd.call(http.MethodGet, "/api/v1/recommendations?limit=100", nil, &page); st != http.StatusOK {
		t.Fatalf("ubnd's list: %d", st)
	}
	body1 := ""
	for _, r := range page.Items {
		if r.AddresseeID != nil && r.AddresseeName == "UBND xã Triệu Phong" {
			body1 = *r.AddresseeID
		}
	}
	if body1 == "" {
		t.Fatalf("the demo forwarded nothing to UBND xã Triệu Phong: %+v", page.Items)
	}
	sup := loginAs(t, m.URL(), "giamsat2")
	if st := sup.call(http.MethodGet, "/api/v1/recommendations?status=new&limit=5", nil, &page); st != http.StatusOK || len(page.Items) == 0 {
		t.Fatalf("new recommendations: %d %d", st, len(page.Items))
	}
	target := page.Items[0]
	due := domain.DateOf(time.Now()).AddDays(20)
	var d rec
	if st := sup.call(http.MethodPost, "/api/v1/recommendations/"+target.ID+"/forward", map[string]any{"addressee_id": body1, "due_on": due,
		"direction": "Đề nghị UBND xã trả lời bằng văn bản."}, &d); st != http.StatusOK || d.Status != "forwarded" {
		t.Fatalf("forward: %d %+v", st, d)
	}
	p, dl := waitPush(t, svc, "recommendation_forwarded")
	if p.Title != "Kiến nghị chờ trả lời" || !strings.Contains(p.Body, target.CellName) || !strings.Contains(p.Body, "hạn trả lời "+due.VN()) ||
		p.Link != "#/recs/"+target.ID {
		t.Errorf("push %+v", p)
	}
	if dl.TTL <= 0 || dl.Urgency != "normal" {
		t.Errorf("delivery: TTL %d, urgency %q", dl.TTL, dl.Urgency)
	}
	var inbox struct {
		Items []struct{ ID, Kind string } `json:"items"`
	}
	if st := ubnd.call(http.MethodGet, "/api/v1/notifications?limit=50", nil, &inbox); st != http.StatusOK {
		t.Fatalf("inbox: %d", st)
	}
	found := false
	for _, n := range inbox.Items {
		found = found || (n.ID == p.ID && n.Kind == "recommendation_forwarded")
	}
	if !found {
		t.Errorf("the inbox lacks the pushed notification %s", p.ID)
	}
	// ubnd answers with its document; sent back, it is pushed again with the reason.
	if st := ubnd.call(http.MethodPost, "/api/v1/recommendations/"+target.ID+"/answers", map[string]any{"body": "UBND xã đã kiểm tra.",
		"doc_number": "12/UBND", "doc_date": domain.DateOf(time.Now())}, &d); st != http.StatusOK || d.Status != "answered" {
		t.Fatalf("answer: %d %+v", st, d)
	}
	if st := sup.call(http.MethodPost, "/api/v1/recommendations/"+target.ID+"/verdict", map[string]any{"verdict": "sent_back",
		"reason": "Chưa nêu thời gian giải quyết."}, &d); st != http.StatusOK || d.Status != "sent_back" {
		t.Fatalf("send back: %d %+v", st, d)
	}
	p, _ = waitPush(t, svc, "recommendation_sent_back")
	if p.Title != "Kiến nghị cần trả lời lại" || !strings.Contains(p.Body, "Chưa nêu thời gian giải quyết.") {
		t.Errorf("sent-back push %+v", p)
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Errorf("the push service refused requests: %v", f)
	}
}
