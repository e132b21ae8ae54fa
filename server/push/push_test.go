package push_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chibo-vn/chibo/server/push"
	"github.com/chibo-vn/chibo/server/push/pushtest"
)

const subscriber = "mailto:ops@chibo.example"

var b64 = base64.RawURLEncoding.EncodeToString

// newSender returns a sender with fresh keys that svc expects.
func newSender(t *testing.T, svc *pushtest.Service, subscriber string) (*push.Sender, push.Keys) {
	t.Helper()
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if svc != nil {
		svc.ExpectKey(keys.Public)
	}
	s, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: subscriber, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, keys
}

// browserSubscription returns a valid subscription to endpoint, with keys nobody keeps.
func browserSubscription(t *testing.T, endpoint string) push.Subscription {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return push.Subscription{Endpoint: endpoint, P256DH: b64(k.PublicKey().Bytes()), Auth: b64(auth)}
}

// hashedTopic is what a topic that is not a valid Topic header becomes.
func hashedTopic(topic string) string {
	sum := sha256.Sum256([]byte(topic))
	return b64(sum[:])[:32]
}

func TestSendRoundTrip(t *testing.T) {
	svc := pushtest.NewService(t)
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc.ExpectKey(keys.Public)
	senders := map[string]*push.Sender{}
	for _, sub := range []string{subscriber, "https://chibo.example/contact"} {
		if senders[sub], err = push.NewSender(push.SenderConfig{Keys: keys, Subscriber: sub, AllowHTTP: true}); err != nil {
			t.Fatal(err)
		}
	}
	longTopic := "reminder/meeting-2026-05-01T08:00:00Z/0190a7f2-3c4d"

	tests := []struct {
		name       string
		subscriber string
		payload    []byte
		opt        push.Options
		wantTTL    int
		wantUrg    string
		wantTopic  string
		padded     bool // the subscription's keys in padded base64url
	}{
		{name: "defaults", payload: []byte(`{"title":"Nhắc lịch họp"}`), wantUrg: "normal"},
		{name: "TTL and high urgency", payload: []byte("soon"), opt: push.Options{TTL: time.Hour, Urgency: "high"},
			wantTTL: 3600, wantUrg: "high"},
		{name: "very-low", payload: []byte("later"), opt: push.Options{TTL: 90 * time.Second, Urgency: "very-low"},
			wantTTL: 90, wantUrg: "very-low"},
		{name: "low", payload: []byte("later"), opt: push.Options{Urgency: "low"}, wantUrg: "low"},
		{name: "TTL rounds up to whole seconds", payload: []byte("x"), opt: push.Options{TTL: 1500 * time.Millisecond},
			wantTTL: 2, wantUrg: "normal"},
		{name: "negative TTL is 0", payload: []byte("x"), opt: push.Options{TTL: -time.Second}, wantUrg: "normal"},
		{name: "short topic as given", payload: []byte("r1"), opt: push.Options{Topic: "meeting-42_r"},
			wantUrg: "normal", wantTopic: "meeting-42_r"},
		{name: "32-character topic as given", payload: []byte("r1"), opt: push.Options{Topic: strings.Repeat("t", 32)},
			wantUrg: "normal", wantTopic: strings.Repeat("t", 32)},
		{name: "long topic hashed", payload: []byte("r1"), opt: push.Options{Topic: longTopic},
			wantUrg: "normal", wantTopic: hashedTopic(longTopic)},
		{name: "topic with other characters hashed", payload: []byte("r1"), opt: push.Options{Topic: "họp 42"},
			wantUrg: "normal", wantTopic: hashedTopic("họp 42")},
		{name: "empty payload", payload: nil, wantUrg: "normal"},
		{name: "binary payload ending in zeros", payload: []byte{0x02, 0x00, 0x01, 0x00, 0x00}, wantUrg: "normal"},
		{name: "largest payload", payload: bytes.Repeat([]byte("ä"), push.MaxPayload/2), wantUrg: "normal"},
		{name: "largest payload, odd size", payload: bytes.Repeat([]byte{0xff}, push.MaxPayload), wantUrg: "normal"},
		{name: "https subscriber", subscriber: "https://chibo.example/contact", payload: []byte("hi"), wantUrg: "normal"},
		{name: "padded subscription keys", payload: []byte("hi"), wantUrg: "normal", padded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := svc.NewSubscription()
			if tt.padded {
				sub.P256DH += strings.Repeat("=", (4-len(sub.P256DH)%4)%4)
				sub.Auth += strings.Repeat("=", (4-len(sub.Auth)%4)%4)
			}
			wantSub := subscriber
			if tt.subscriber != "" {
				wantSub = tt.subscriber
			}
			before := len(svc.Deliveries())
			start := time.Now()
			res := senders[wantSub].Send(t.Context(), sub, tt.payload, tt.opt)
			if diff := cmp.Diff(push.Result{Outcome: push.Delivered, Status: http.StatusCreated}, res); diff != "" {
				t.Fatalf("Send (-want +got):\n%s\nrefused: %q", diff, svc.Failures())
			}
			got := svc.Deliveries()[before:]
			want := []pushtest.Delivery{{
				Endpoint:    sub.Endpoint,
				Plaintext:   tt.payload,
				TTL:         tt.wantTTL,
				Urgency:     tt.wantUrg,
				Topic:       tt.wantTopic,
				JWTSubject:  wantSub,
				JWTAudience: svc.URL,
			}}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(pushtest.Delivery{}, "Expiry", "At"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("delivery (-want +got):\n%s", diff)
			}
			if len(got) == 1 {
				if exp := got[0].Expiry; !exp.After(start) || exp.After(time.Now().Add(24*time.Hour)) {
					t.Errorf("JWT exp %v: want within 24 h from now", exp)
				}
			}
		})
	}
	if f := svc.Failures(); len(f) != 0 {
		t.Errorf("refused requests: %q", f)
	}
}

func TestSendLeavesCallerMemoryAlone(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, subscriber)
	buf := bytes.Repeat([]byte{0xAA}, 64)
	payload := buf[:5] // the rest of buf belongs to the caller
	if res := s.Send(t.Context(), svc.NewSubscription(), payload, push.Options{}); res.Outcome != push.Delivered {
		t.Fatalf("Send = %+v", res)
	}
	if !bytes.Equal(buf, bytes.Repeat([]byte{0xAA}, 64)) {
		t.Errorf("Send wrote into the caller's array: %x", buf)
	}
}

func TestSendWithWrongKeyIsRefused(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, subscriber)
	other, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc.ExpectKey(other.Public) // the browser subscribed with another server key

	sub := svc.NewSubscription()
	res := s.Send(t.Context(), sub, []byte("hello"), push.Options{})
	if res.Outcome != push.Rejected || res.Status != http.StatusUnauthorized || res.Err == nil {
		t.Errorf("Send = %+v, want Rejected with 401", res)
	}
	if n := len(svc.Deliveries()); n != 0 {
		t.Errorf("%d deliveries, want 0", n)
	}
	if f := svc.Failures(); len(f) != 1 || !strings.Contains(f[0], "not the expected key") {
		t.Errorf("Failures = %q, want one wrong-key refusal", f)
	}
}

func TestSendOutcomes(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, subscriber)
	tests := []struct {
		name       string
		status     int
		retryAfter int // seconds; 0 sends none
		unknown    bool
		want       push.Outcome
		wantBody   string // in Err
	}{
		{name: "201", status: 201, want: push.Delivered},
		{name: "200", status: 200, want: push.Delivered},
		{name: "202", status: 202, want: push.Delivered},
		{name: "204", status: 204, want: push.Delivered},
		{name: "404", status: 404, want: push.Gone, wantBody: "scripted 404"},
		{name: "410", status: 410, want: push.Gone, wantBody: "scripted 410"},
		{name: "unknown subscription", status: 404, unknown: true, want: push.Gone, wantBody: "unknown subscription"},
		{name: "400", status: 400, want: push.Rejected, wantBody: "scripted 400"},
		{name: "401", status: 401, want: push.Rejected, wantBody: "scripted 401"},
		{name: "403", status: 403, want: push.Rejected, wantBody: "scripted 403"},
		{name: "other 4xx", status: 418, want: push.Rejected, wantBody: "scripted 418"},
		{name: "other 2xx", status: 206, want: push.Rejected},
		{name: "408", status: 408, want: push.Retry},
		{name: "413", status: 413, want: push.Retry},
		{name: "429 with Retry-After", status: 429, retryAfter: 120, want: push.Retry},
		{name: "500", status: 500, want: push.Retry},
		{name: "502", status: 502, want: push.Retry},
		{name: "503 with Retry-After", status: 503, retryAfter: 30, want: push.Retry},
		{name: "599", status: 599, want: push.Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := svc.NewSubscription()
			if tt.unknown {
				sub.Endpoint = svc.URL + "/push/nobody"
			} else if tt.retryAfter > 0 {
				svc.RespondRetryAfter(sub.Endpoint, tt.status, tt.retryAfter)
			} else {
				svc.Respond(sub.Endpoint, tt.status)
			}
			before := len(svc.Deliveries())
			res := s.Send(t.Context(), sub, []byte("hello"), push.Options{TTL: time.Minute})
			want := push.Result{Outcome: tt.want, Status: tt.status, RetryAfter: time.Duration(tt.retryAfter) * time.Second}
			if diff := cmp.Diff(want, res, cmpopts.IgnoreFields(push.Result{}, "Err")); diff != "" {
				t.Errorf("Send (-want +got):\n%s", diff)
			}
			if (res.Err == nil) != (tt.want == push.Delivered) {
				t.Errorf("Err = %v, want an error exactly when not delivered", res.Err)
			}
			if res.Err != nil {
				var se *push.StatusError
				if !errors.As(res.Err, &se) || se.Status != tt.status || !strings.Contains(se.Body, tt.wantBody) {
					t.Errorf("Err = %#v, want a StatusError with %d and %q", res.Err, tt.status, tt.wantBody)
				}
			}
			wantDelivered := 0 // the service accepts the message on any 2xx, even one the sender does not trust
			if tt.status/100 == 2 {
				wantDelivered = 1
			}
			if n := len(svc.Deliveries()) - before; n != wantDelivered {
				t.Errorf("%d deliveries, want %d", n, wantDelivered)
			}
			if n := svc.Attempts(sub.Endpoint); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
	if f := svc.Failures(); len(f) != 1 || !strings.Contains(f[0], "nobody: unknown subscription") {
		t.Errorf("Failures = %q, want only the unknown subscription", f)
	}
}

func TestSendAgainAfterRetry(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, subscriber)
	sub := svc.NewSubscription()
	svc.Respond(sub.Endpoint, 503, 429)

	var got []push.Outcome
	for range 3 {
		got = append(got, s.Send(t.Context(), sub, []byte("reminder"), push.Options{TTL: time.Hour, Topic: "m1"}).Outcome)
	}
	if diff := cmp.Diff([]push.Outcome{push.Retry, push.Retry, push.Delivered}, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if n := svc.Attempts(sub.Endpoint); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if d := svc.Wait(t, 1, time.Second); string(d[0].Plaintext) != "reminder" {
		t.Errorf("delivered %q, want %q", d[0].Plaintext, "reminder")
	}
}

// rawService is a push service that answers every request with handler, for what pushtest does not script.
func rawService(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

func TestSendRetryAfter(t *testing.T) {
	s, _ := newSender(t, nil, subscriber)
	tests := []struct {
		name     string
		header   string
		min, max time.Duration
	}{
		{"seconds", "120", 120 * time.Second, 120 * time.Second},
		{"HTTP date", time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), 85 * time.Second, 90 * time.Second},
		{"HTTP date in the past", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
		{"none", "", 0, 0},
		{"garbage", "soon", 0, 0},
		{"negative", "-5", 0, 0},
		{"huge, capped at a week", "99999999999999", 7 * 24 * time.Hour, 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rawService(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			res := s.Send(t.Context(), browserSubscription(t, srv.URL+"/push/x"), []byte("hi"), push.Options{})
			if res.Outcome != push.Retry || res.RetryAfter < tt.min || res.RetryAfter > tt.max {
				t.Errorf("Send = %+v, want Retry after %v to %v", res, tt.min, tt.max)
			}
		})
	}
}

func TestSendErrorBodyIsCut(t *testing.T) {
	s, _ := newSender(t, nil, subscriber)
	long := strings.Repeat("b", 150) + strings.Repeat("e", 5000)
	srv := rawService(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, long, http.StatusBadRequest)
	})
	res := s.Send(t.Context(), browserSubscription(t, srv.URL+"/push/x"), []byte("hi"), push.Options{})
	var se *push.StatusError
	if res.Outcome != push.Rejected || !errors.As(res.Err, &se) {
		t.Fatalf("Send = %+v, want Rejected with a StatusError", res)
	}
	if want := long[:200]; se.Body != want {
		t.Errorf("Body = %q (%d bytes), want the first 200 bytes", se.Body, len(se.Body))
	}
}

func TestSendWithoutAnswer(t *testing.T) {
	// hang answers only when the test ends, later than any of the timeouts below.
	release := make(chan struct{})
	hang := rawService(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before hang is closed

	closed := pushtest.NewService(t)
	closedSub := closed.NewSubscription()
	closed.Close()

	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	quick, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: subscriber, AllowHTTP: true,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	patient, _ := newSender(t, nil, subscriber)

	tests := []struct {
		name    string
		sender  *push.Sender
		sub     push.Subscription
		timeout time.Duration // of the context; 0 for none
		wantIs  error
	}{
		{name: "closed server", sender: patient, sub: closedSub},
		{name: "context deadline", sender: patient, sub: browserSubscription(t, hang.URL+"/push/secret-token"),
			timeout: 100 * time.Millisecond, wantIs: context.DeadlineExceeded},
		{name: "client timeout", sender: quick, sub: browserSubscription(t, hang.URL+"/push/secret-token")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			res := tt.sender.Send(ctx, tt.sub, []byte("hi"), push.Options{})
			if res.Outcome != push.Retry || res.Status != 0 || res.Err == nil {
				t.Fatalf("Send = %+v, want Retry without a status", res)
			}
			if tt.wantIs != nil && !errors.Is(res.Err, tt.wantIs) {
				t.Errorf("Err = %v, want it to wrap %v", res.Err, tt.wantIs)
			}
			// The endpoint's path is the subscription's secret: errors (which get logged) keep only the origin.
			if path := strings.SplitN(strings.TrimPrefix(tt.sub.Endpoint, "http://"), "/", 2)[1]; strings.Contains(res.Err.Error(), path) {
				t.Errorf("Err = %v: it shows the endpoint's path", res.Err)
			}
		})
	}
}

func TestSendRefusesBeforeSending(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, subscriber)
	strict, err := push.NewSender(push.SenderConfig{Keys: mustKeys(t), Subscriber: subscriber}) // no http endpoints
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		sender  *push.Sender
		payload []byte
		opt     push.Options
		mutate  func(*push.Subscription)
		wantIs  error
		wantErr string
	}{
		{name: "payload one byte over", payload: make([]byte, push.MaxPayload+1), wantIs: push.ErrPayloadTooLarge},
		{name: "payload far over", payload: make([]byte, 10_000), wantIs: push.ErrPayloadTooLarge},
		{name: "unknown urgency", payload: []byte("x"), opt: push.Options{Urgency: "urgent"}, wantErr: "urgency"},
		{name: "bad auth", payload: []byte("x"), mutate: func(s *push.Subscription) { s.Auth = "AAAA" }, wantErr: "auth"},
		{name: "bad p256dh", payload: []byte("x"), mutate: func(s *push.Subscription) { s.P256DH = "AAAA" }, wantErr: "p256dh"},
		{name: "http endpoint not allowed", sender: strict, payload: []byte("x"), wantErr: "endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := svc.NewSubscription()
			if tt.mutate != nil {
				tt.mutate(&sub)
			}
			sender := s
			if tt.sender != nil {
				sender = tt.sender
			}
			res := sender.Send(t.Context(), sub, tt.payload, tt.opt)
			if res.Outcome != push.Rejected || res.Status != 0 || res.Err == nil {
				t.Fatalf("Send = %+v, want Rejected before sending", res)
			}
			if tt.wantIs != nil && !errors.Is(res.Err, tt.wantIs) {
				t.Errorf("Err = %v, want %v", res.Err, tt.wantIs)
			}
			if !strings.Contains(res.Err.Error(), tt.wantErr) {
				t.Errorf("Err = %v, want it to say %q", res.Err, tt.wantErr)
			}
			if n := svc.Attempts(sub.Endpoint); n != 0 {
				t.Errorf("%d attempts, want none", n)
			}
		})
	}
}

func mustKeys(t *testing.T) push.Keys {
	t.Helper()
	k, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSubscriptionValidate(t *testing.T) {
	valid := browserSubscription(t, "https://fcm.googleapis.com/fcm/send/abc:def")
	pub, _ := base64.RawURLEncoding.DecodeString(valid.P256DH)
	auth, _ := base64.RawURLEncoding.DecodeString(valid.Auth)
	with := func(change func(*push.Subscription)) push.Subscription {
		s := valid
		change(&s)
		return s
	}
	offCurve := append([]byte{4}, make([]byte, 64)...)
	compressed := append([]byte{2 + pub[64]&1}, pub[1:33]...)

	tests := []struct {
		name      string
		sub       push.Subscription
		allowHTTP bool
		wantErr   string // the field named in the error; "" for none
	}{
		{name: "valid", sub: valid},
		{name: "padded keys", sub: with(func(s *push.Subscription) {
			s.P256DH = base64.URLEncoding.EncodeToString(pub)
			s.Auth = base64.URLEncoding.EncodeToString(auth)
		})},
		{name: "http allowed", sub: with(func(s *push.Subscription) { s.Endpoint = "http://127.0.0.1:8080/push/1" }), allowHTTP: true},
		{name: "http not allowed", sub: with(func(s *push.Subscription) { s.Endpoint = "http://127.0.0.1:8080/push/1" }), wantErr: "endpoint"},
		{name: "no endpoint", sub: with(func(s *push.Subscription) { s.Endpoint = "" }), wantErr: "endpoint"},
		{name: "endpoint not a URL", sub: with(func(s *push.Subscription) { s.Endpoint = "://push" }), wantErr: "endpoint"},
		{name: "endpoint relative", sub: with(func(s *push.Subscription) { s.Endpoint = "/push/1" }), wantErr: "endpoint"},
		{name: "endpoint ftp", sub: with(func(s *push.Subscription) { s.Endpoint = "ftp://push.example/1" }), wantErr: "endpoint"},
		{name: "endpoint without host", sub: with(func(s *push.Subscription) { s.Endpoint = "https:///push/1" }), wantErr: "endpoint"},
		{name: "endpoint with user info", sub: with(func(s *push.Subscription) { s.Endpoint = "https://u:p@push.example/1" }), wantErr: "endpoint"},
		{name: "no p256dh", sub: with(func(s *push.Subscription) { s.P256DH = "" }), wantErr: "p256dh"},
		{name: "p256dh not base64url", sub: with(func(s *push.Subscription) { s.P256DH = "not base64!" }), wantErr: "p256dh"},
		{name: "p256dh in standard base64", sub: with(func(s *push.Subscription) {
			s.P256DH = base64.StdEncoding.EncodeToString(append([]byte{4, 0xfb, 0xff}, pub[3:]...))
		}), wantErr: "p256dh"},
		{name: "p256dh compressed", sub: with(func(s *push.Subscription) { s.P256DH = b64(compressed) }), wantErr: "p256dh"},
		{name: "p256dh off the curve", sub: with(func(s *push.Subscription) { s.P256DH = b64(offCurve) }), wantErr: "p256dh"},
		{name: "p256dh one byte short", sub: with(func(s *push.Subscription) { s.P256DH = b64(pub[:64]) }), wantErr: "p256dh"},
		{name: "no auth", sub: with(func(s *push.Subscription) { s.Auth = "" }), wantErr: "auth"},
		{name: "auth of 15 bytes", sub: with(func(s *push.Subscription) { s.Auth = b64(auth[:15]) }), wantErr: "auth"},
		{name: "auth of 17 bytes", sub: with(func(s *push.Subscription) { s.Auth = b64(append(auth, 0)) }), wantErr: "auth"},
		{name: "auth not base64url", sub: with(func(s *push.Subscription) { s.Auth = "%%%%" }), wantErr: "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sub.Validate(tt.allowHTTP)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "subscription "+tt.wantErr+":") {
				t.Errorf("Validate = %v, want an error naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestGenerateKeys(t *testing.T) {
	a, b := mustKeys(t), mustKeys(t)
	for _, k := range []push.Keys{a, b} {
		if err := k.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", k.Public, err)
		}
		pub, err1 := base64.RawURLEncoding.DecodeString(k.Public)
		priv, err2 := base64.RawURLEncoding.DecodeString(k.Private)
		if err1 != nil || err2 != nil || len(pub) != 65 || pub[0] != 4 || len(priv) != 32 {
			t.Errorf("keys %+v: want 65-byte uncompressed public and 32-byte private key, unpadded base64url", k)
		}
	}
	if a == b {
		t.Error("two generated key pairs are equal")
	}
}

func TestKeysValidate(t *testing.T) {
	// A known pair: the application server's keys of RFC 8291 section 5.
	rfc := push.Keys{
		Public:  "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
		Private: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
	}
	other := mustKeys(t)
	pub, _ := base64.RawURLEncoding.DecodeString(rfc.Public)
	priv, _ := base64.RawURLEncoding.DecodeString(rfc.Private)
	tests := []struct {
		name    string
		keys    push.Keys
		wantErr string
	}{
		{name: "RFC 8291 pair", keys: rfc},
		{name: "padded", keys: push.Keys{Public: base64.URLEncoding.EncodeToString(pub), Private: base64.URLEncoding.EncodeToString(priv)}},
		{name: "generated", keys: other},
		{name: "public of another pair", keys: push.Keys{Public: other.Public, Private: rfc.Private}, wantErr: "does not belong"},
		{name: "no public", keys: push.Keys{Private: rfc.Private}, wantErr: "public key"},
		{name: "no private", keys: push.Keys{Public: rfc.Public}, wantErr: "private key"},
		{name: "public not base64url", keys: push.Keys{Public: "B+/x", Private: rfc.Private}, wantErr: "public key"},
		{name: "public off the curve", keys: push.Keys{Public: b64(append([]byte{4}, make([]byte, 64)...)), Private: rfc.Private}, wantErr: "public key"},
		{name: "public compressed", keys: push.Keys{Public: b64(append([]byte{2 + pub[64]&1}, pub[1:33]...)), Private: rfc.Private}, wantErr: "public key"},
		{name: "private too short", keys: push.Keys{Public: rfc.Public, Private: b64(priv[:31])}, wantErr: "private key"},
		{name: "private zero", keys: push.Keys{Public: rfc.Public, Private: b64(make([]byte, 32))}, wantErr: "private key"},
		{name: "private over the order", keys: push.Keys{Public: rfc.Public, Private: b64(bytes.Repeat([]byte{0xff}, 32))}, wantErr: "private key"},
		{name: "swapped", keys: push.Keys{Public: rfc.Private, Private: rfc.Public}, wantErr: "public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.keys.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate = %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeysLogWithoutPrivateKey(t *testing.T) {
	k := mustKeys(t)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("vapid", "keys", k)
	if strings.Contains(buf.String(), k.Private) || !strings.Contains(buf.String(), k.Public) {
		t.Errorf("log line %q: want the public key and not the private one", buf.String())
	}
}

func TestNewSender(t *testing.T) {
	keys := mustKeys(t)
	tests := []struct {
		name       string
		keys       push.Keys
		subscriber string
		wantErr    string
	}{
		{name: "mailto", keys: keys, subscriber: "mailto:ops@chibo.example"},
		{name: "https", keys: keys, subscriber: "https://chibo.example/contact"},
		{name: "bad keys", keys: push.Keys{Public: keys.Public}, subscriber: subscriber, wantErr: "private key"},
		{name: "no subscriber", keys: keys, subscriber: "", wantErr: "subscriber"},
		{name: "bare address", keys: keys, subscriber: "ops@chibo.example", wantErr: "subscriber"},
		{name: "mailto twice", keys: keys, subscriber: "mailto:mailto:ops@chibo.example", wantErr: "subscriber"},
		{name: "empty mailto", keys: keys, subscriber: "mailto:", wantErr: "subscriber"},
		{name: "mailto with a name", keys: keys, subscriber: "mailto:Ops <ops@chibo.example>", wantErr: "subscriber"},
		{name: "http", keys: keys, subscriber: "http://chibo.example", wantErr: "subscriber"},
		{name: "https without host", keys: keys, subscriber: "https://", wantErr: "subscriber"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := push.NewSender(push.SenderConfig{Keys: tt.keys, Subscriber: tt.subscriber})
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Errorf("NewSender = %v, %v; want a sender", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewSender error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestOutcomeString(t *testing.T) {
	got := []string{push.Delivered.String(), push.Retry.String(), push.Gone.String(), push.Rejected.String(), push.Outcome(9).String()}
	if diff := cmp.Diff([]string{"delivered", "retry", "gone", "rejected", "outcome(9)"}, got); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}
