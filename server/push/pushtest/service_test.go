package pushtest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/push"
	"github.com/chibo-vn/chibo/server/push/pushtest"
)

// corrupt is a transport that changes the sender's requests before they leave, to show that the service
// refuses what a strict push service would.
type corrupt func(r *http.Request, body []byte) []byte

func (c corrupt) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	body = c(r, body)
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return http.DefaultTransport.RoundTrip(r)
}

func newSender(t *testing.T, svc *pushtest.Service, rt http.RoundTripper) *push.Sender {
	t.Helper()
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc.ExpectKey(keys.Public)
	s, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: "mailto:ops@chibo.example", AllowHTTP: true,
		HTTPClient: &http.Client{Transport: rt, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestServiceRefusesBadRequests(t *testing.T) {
	tests := []struct {
		name       string
		change     corrupt
		wantStatus int
		wantReason string // in Failures; "" for an accepted request
	}{
		{name: "untouched", change: func(r *http.Request, b []byte) []byte { return b }, wantStatus: 201},
		{name: "no TTL", change: func(r *http.Request, b []byte) []byte { r.Header.Del("TTL"); return b },
			wantStatus: 400, wantReason: "TTL"},
		{name: "TTL not a number", change: func(r *http.Request, b []byte) []byte { r.Header.Set("TTL", "1h"); return b },
			wantStatus: 400, wantReason: "TTL"},
		{name: "TTL negative", change: func(r *http.Request, b []byte) []byte { r.Header.Set("TTL", "-1"); return b },
			wantStatus: 400, wantReason: "TTL"},
		{name: "two TTLs", change: func(r *http.Request, b []byte) []byte { r.Header.Add("TTL", "5"); return b },
			wantStatus: 400, wantReason: "TTL"},
		{name: "unknown urgency", change: func(r *http.Request, b []byte) []byte { r.Header.Set("Urgency", "urgent"); return b },
			wantStatus: 400, wantReason: "Urgency"},
		{name: "topic of 33 characters", change: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Topic", strings.Repeat("a", 33))
			return b
		}, wantStatus: 400, wantReason: "Topic"},
		{name: "topic with a space", change: func(r *http.Request, b []byte) []byte { r.Header.Set("Topic", "a b"); return b },
			wantStatus: 400, wantReason: "Topic"},
		{name: "old aesgcm encoding", change: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Content-Encoding", "aesgcm")
			return b
		}, wantStatus: 415, wantReason: "Content-Encoding"},
		{name: "PUT", change: func(r *http.Request, b []byte) []byte { r.Method = http.MethodPut; return b },
			wantStatus: 405, wantReason: "POST"},
		{name: "no Authorization", change: func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b },
			wantStatus: 401, wantReason: "vapid"},
		{name: "JWT claims changed", change: func(r *http.Request, b []byte) []byte {
			h := r.Header.Get("Authorization")
			i := strings.Index(h, ".") + 1
			r.Header.Set("Authorization", h[:i]+"e30"+h[strings.Index(h[i:], ".")+i:]) // {} as claims
			return b
		}, wantStatus: 401, wantReason: "does not verify"},
		{name: "ciphertext changed", change: func(r *http.Request, b []byte) []byte { b[100] ^= 1; return b },
			wantStatus: 400, wantReason: "message authentication failed"},
		{name: "body over 4096 bytes", change: func(r *http.Request, b []byte) []byte { return append(b, 0) },
			wantStatus: 413, wantReason: "4096"},
		{name: "other path", change: func(r *http.Request, b []byte) []byte { r.URL.Path = "/other"; return b },
			wantStatus: 404, wantReason: "no such route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := pushtest.NewService(t)
			s := newSender(t, svc, tt.change)
			res := s.Send(t.Context(), svc.NewSubscription(), []byte("hello"), push.Options{TTL: time.Minute, Topic: "t1"})
			if res.Status != tt.wantStatus {
				t.Errorf("status %d (%v), want %d", res.Status, res.Err, tt.wantStatus)
			}
			failures := svc.Failures()
			if tt.wantReason == "" {
				if len(failures) != 0 || len(svc.Deliveries()) != 1 {
					t.Errorf("failures %q, %d deliveries; want the message accepted", failures, len(svc.Deliveries()))
				}
				return
			}
			if len(failures) != 1 || !strings.Contains(failures[0], tt.wantReason) {
				t.Errorf("failures %q, want one saying %q", failures, tt.wantReason)
			}
			if n := len(svc.Deliveries()); n != 0 {
				t.Errorf("%d deliveries, want none", n)
			}
		})
	}
}

func TestServiceScriptByID(t *testing.T) {
	svc := pushtest.NewService(t)
	s := newSender(t, svc, http.DefaultTransport)
	sub := svc.NewSubscription()
	id := strings.TrimPrefix(sub.Endpoint, svc.URL+"/push/")
	svc.Respond(id, 500)
	svc.RespondRetryAfterHeader(id, 503, "Fri, 01 May 2026 08:00:00 GMT") // in the past: no wait
	// An id the service has no keys for: checked, answered as scripted, then unknown.
	ghost := sub
	ghost.Endpoint = svc.URL + "/push/ghost"
	svc.Respond("ghost", 202, 410)

	var got []push.Outcome
	for _, target := range []push.Subscription{sub, sub, sub, ghost, ghost, ghost} {
		got = append(got, s.Send(t.Context(), target, []byte("x"), push.Options{}).Outcome)
	}
	want := []push.Outcome{push.Retry, push.Retry, push.Delivered, push.Delivered, push.Gone, push.Gone}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if n, m := svc.Attempts(id), svc.Attempts("ghost"); n != 3 || m != 3 {
		t.Errorf("attempts %d and %d, want 3 and 3", n, m)
	}
	if d := svc.Deliveries(); len(d) != 1 || d[0].Endpoint != sub.Endpoint {
		t.Errorf("deliveries %+v, want only the message to %s", d, sub.Endpoint)
	}
	if f := svc.Failures(); len(f) != 1 || f[0] != "ghost: unknown subscription" {
		t.Errorf("failures %q, want the last send to ghost", f)
	}
}

func TestServiceWait(t *testing.T) {
	svc := pushtest.NewService(t)
	s := newSender(t, svc, http.DefaultTransport)
	const n = 5
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			time.Sleep(20 * time.Millisecond)
			s.Send(t.Context(), svc.NewSubscription(), []byte("late"), push.Options{})
		})
	}
	d := svc.Wait(t, n, 10*time.Second)
	wg.Wait()
	if len(d) != n {
		t.Fatalf("Wait returned %d deliveries, want %d", len(d), n)
	}
	for i := 1; i < n; i++ {
		if d[i].At.Before(d[i-1].At) {
			t.Errorf("deliveries out of order: %v before %v", d[i-1].At, d[i].At)
		}
	}
}
