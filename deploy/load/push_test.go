package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/push"
)

// TestReceiverCountsAndReads sends web pushes to the receiver with the server's own sender (VAPID, aes128gcm)
// and checks what it counts: every POST per endpoint, a notification arriving twice at one phone, and the
// messages it cannot read.
func TestReceiverCountsAndReads(t *testing.T) {
	t.Parallel()
	rcv, err := newReceiver("127.0.0.1:0", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	sender, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: "mailto:load@example.com", AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := rcv.newSubscription("canbo"), rcv.newSubscription("canbo2")
	for _, s := range []Subscription{a, b} {
		if !strings.HasPrefix(s.Endpoint, "http://localhost:") {
			t.Errorf("endpoint %q: want a host name, not an address literal", s.Endpoint)
		}
		// what the server checks before it keeps a subscription (server/api checkSubscription) and sends to it
		if err := (push.Subscription{Endpoint: s.Endpoint, P256DH: s.Keys["p256dh"], Auth: s.Keys["auth"]}).Validate(true); err != nil {
			t.Errorf("subscription %s: %v", s.Endpoint, err)
		}
	}
	send := func(s Subscription, note string) {
		t.Helper()
		r := sender.Send(context.Background(), push.Subscription{Endpoint: s.Endpoint, P256DH: s.Keys["p256dh"], Auth: s.Keys["auth"]},
			fmt.Appendf(nil, `{"id":%q,"kind":"meeting_eve","title":"t","body":"b"}`, note), push.Options{TTL: time.Hour})
		if r.Outcome != push.Delivered || r.Status != http.StatusCreated {
			t.Fatalf("send %s to %s: outcome %v, status %d, err %v", note, s.Endpoint, r.Outcome, r.Status, r.Err)
		}
	}
	send(a, "n1")
	send(a, "n2")
	send(a, "n1") // delivered again: the phone shows it twice
	send(b, "n1") // the same notification on another device is not a duplicate
	for _, url := range []string{b.Endpoint, rcv.base + "nobody"} {
		resp, err := http.Post(url, "application/octet-stream", strings.NewReader("not a web push message"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("POST %s answered %d, want 201 as a push service does", url, resp.StatusCode)
		}
	}
	got := rcv.received()
	if d := cmp.Diff(map[string]int{a.Endpoint: 3, b.Endpoint: 2, rcv.base + "nobody": 1}, got.Posts); d != "" {
		t.Errorf("POSTs per endpoint (-want +got):\n%s", d)
	}
	if got.Total != 6 || got.Twice != 1 || got.Bad != 2 || got.VAPIDKeys != 1 {
		t.Errorf("total %d, twice %d, unreadable %d, VAPID keys %d; want 6, 1, 2, 1 (%q, %q)", got.Total, got.Twice, got.Bad, got.VAPIDKeys,
			got.TwiceSamples, got.BadSamples)
	}
	if len(got.TwiceSamples) != 1 || !strings.Contains(got.TwiceSamples[0], "notification n1 reached canbo-") {
		t.Errorf("twice samples = %q", got.TwiceSamples)
	}
}

func TestCompareDeliveries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		posts, sent       map[string]int
		extra, unreceived int
		mismatches        int
	}{
		{"nothing", nil, nil, 0, 0, 0},
		{"each sent row received once", map[string]int{"a": 3, "b": 1}, map[string]int{"a": 3, "b": 1}, 0, 0, 0},
		{"a delivery made twice", map[string]int{"a": 4, "b": 1}, map[string]int{"a": 3, "b": 1}, 1, 0, 1},
		{"a row sent, never received", map[string]int{"a": 3}, map[string]int{"a": 3, "b": 1}, 0, 1, 1},
		{"both, on two endpoints", map[string]int{"a": 5, "b": 0}, map[string]int{"a": 3, "b": 2}, 2, 2, 2},
	}
	for _, tt := range tests {
		extra, unreceived, mm := compareDeliveries(tt.posts, tt.sent)
		if extra != tt.extra || unreceived != tt.unreceived || len(mm) != tt.mismatches {
			t.Errorf("%s: extra %d, unreceived %d, mismatches %q; want %d, %d, %d", tt.name, extra, unreceived, mm, tt.extra, tt.unreceived, tt.mismatches)
		}
	}
}

func TestPushFiguresDuplicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    *PushFigures
		want int
	}{
		{"no pushes", nil, 0},
		{"receiver only", &PushFigures{ReceivedTwice: 2}, 2},
		{"the larger of the two views", &PushFigures{ReceivedTwice: 1, Outbox: &OutboxFigures{ExtraPOSTs: 3}}, 3},
	}
	for _, tt := range tests {
		if got := tt.p.Duplicates(); got != tt.want {
			t.Errorf("%s: Duplicates() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestDueTimes checks that the reminders brought due fall inside the measured time, in bursts about 10 s apart.
func TestDueTimes(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	s := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	tests := []struct {
		name   string
		n      int
		window time.Duration
		want   []time.Time
	}{
		{"none", 0, time.Minute, nil},
		{"a short run: one burst in the middle", 3, 5 * time.Second, []time.Time{s(2.5), s(2.5), s(2.5)}},
		{"30 s: three bursts", 5, 30 * time.Second, []time.Time{s(7.5), s(15), s(22.5), s(7.5), s(15)}},
		{"fewer reminders than bursts", 2, 90 * time.Second, []time.Time{s(30), s(60)}},
	}
	for _, tt := range tests {
		got := dueTimes(tt.n, start, tt.window)
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
		rounds := roundsAfter(got, 200*time.Millisecond)
		for i, r := range rounds {
			if i > 0 && !r.After(rounds[i-1]) {
				t.Errorf("%s: rounds %v not increasing", tt.name, rounds)
			}
		}
	}
	if got := roundsAfter([]time.Time{s(15), s(7.5), s(15)}, time.Second); !cmp.Equal(got, []time.Time{s(8.5), s(16)}) {
		t.Errorf("roundsAfter = %v, want the two bursts a second later", got)
	}
}

func TestSubscribes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n     int
		share float64
		want  int
	}{{30, 0.5, 15}, {30, 0, 0}, {30, 1, 30}, {10, 0.3, 3}, {1000, 0.5, 500}, {1, 0.5, 0}}
	for _, tt := range tests {
		got := 0
		for i := range tt.n {
			if subscribes(i, tt.share) {
				got++
			}
		}
		if got != tt.want {
			t.Errorf("%d officials, share %v: %d subscribe, want %d", tt.n, tt.share, got, tt.want)
		}
	}
}
