package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEndpointOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"POST", "/api/v1/sync/pull", "POST /api/v1/sync/pull"},
		{"GET", "/api/v1/meetings/0b7c15aa-7b9f-5c60-8e41-2f6a9d0b7c15", "GET /api/v1/meetings/:id"},
		{"GET", "/api/v1/meetings/0b7c15aa-7b9f-5c60-8e41-2f6a9d0b7c15/files/42", "GET /api/v1/meetings/:id/files/:id"},
		{"GET", "/api/v1/coverage/officials", "GET /api/v1/coverage/officials"},
	}
	for _, tt := range tests {
		if got := endpointOf(tt.method, tt.path); got != tt.want {
			t.Errorf("endpointOf(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var hundred []float64
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, float64(i))
	}
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"empty", nil, 99, 0},
		{"one", []float64{7}, 50, 7},
		{"p50 of 1..100", hundred, 50, 50},
		{"p99 of 1..100", hundred, 99, 99},
		{"max", hundred, 100, 100},
		{"p99 of 10 is the largest", hundred[:10], 99, 10},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRecorderCountsErrorsAndRefusals sends requests through the recorder to a server answering each path with
// a status, and checks what counts as an error: any status ≥ 300 but a pull's 409, and transport errors.
func TestRecorderCountsErrorsAndRefusals(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/sync/pull":
			w.WriteHeader(http.StatusConflict)
		case "/api/v1/coverage":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte(strings.Repeat("x", 10000)))
		}
	}))
	defer srv.Close()
	rec := NewRecorder(http.DefaultTransport)
	hc := &http.Client{Transport: rec}
	for _, p := range []string{"/api/v1/sync/pull", "/api/v1/coverage", "/api/v1/me", "/api/v1/me"} {
		resp, err := hc.Post(srv.URL+p, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := hc.Get("http://127.0.0.1:1/api/v1/me"); err == nil {
		t.Fatal("a closed port answered")
	}
	stats, n, _ := rec.Stats(time.Second)
	got := map[string][3]int{}
	for ep, st := range stats {
		got[ep] = [3]int{st.Count, st.Errors, st.Refusals}
	}
	want := map[string][3]int{
		"POST /api/v1/sync/pull": {1, 0, 1},
		"POST /api/v1/coverage":  {1, 1, 0},
		"POST /api/v1/me":        {2, 0, 0},
		"GET /api/v1/me":         {1, 1, 0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("count, errors, refusals per endpoint (-want +got):\n%s", d)
	}
	if n != 2 {
		t.Errorf("errors = %d, want 2", n)
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	fast := EndpointStats{Count: 10, P99: 120}
	slow := EndpointStats{Count: 10, P99: 900}
	tests := []struct {
		name string
		r    Report
		want []string
	}{
		{"all met", Report{Officials: 2, Target99MS: 500, Officials2: OfficialFigures{FirstSyncs: 2},
			Endpoints:  map[string]EndpointStats{"POST /api/v1/sync/pull": fast, "POST /api/v1/auth/login": slow},
			Duplicates: &Duplicates{RemindersFired: 3}, Pushes: &PushFigures{Received: 5, VAPIDKeys: 1, Outbox: &OutboxFigures{}}}, nil},
		{"no database: the receiver alone, nothing due is only a note", Report{Officials: 2, Target99MS: 500,
			Officials2: OfficialFigures{FirstSyncs: 2}}, nil},
		{"a 0 from a check where nothing came due", Report{Officials: 2, Target99MS: 500, Officials2: OfficialFigures{FirstSyncs: 2},
			Duplicates: &Duplicates{NotificationsCreated: 220}}, []string{
			"duplicates check empty (no reminder fired, no push delivered to a phone): a 0 that proves nothing",
		}},
		{"pushes delivered twice, seen by the receiver and against push_outbox", Report{Officials: 2, Target99MS: 500,
			Officials2: OfficialFigures{FirstSyncs: 2}, Duplicates: &Duplicates{RemindersFired: 4, Reminders: 1},
			Pushes: &PushFigures{Received: 9, ReceivedTwice: 1, Unreadable: 1, VAPIDKeys: 2,
				Outbox: &OutboxFigures{ExtraPOSTs: 2, Unreceived: 1}}}, []string{
			"3 duplicate notifications (target 0)",
			"1 pushes marked sent never reached the phone",
			"1 pushes the phone could not read",
			"the instances pushed with 2 VAPID keys (want one)",
		}},
		{"slow read, errors, duplicates, an official never synced", Report{Officials: 2, Target99MS: 500, Errors: 3,
			Officials2: OfficialFigures{FirstSyncs: 1},
			Endpoints:  map[string]EndpointStats{"GET /api/v1/coverage/absentees": slow, "POST /api/v1/sync/push": fast},
			Duplicates: &Duplicates{Notifications: 1, RemindersFired: 1}, Pushes: &PushFigures{Received: 1}}, []string{
			"p99 of GET /api/v1/coverage/absentees is 900 ms (target < 500 ms)",
			"3 errors (target 0)",
			"1 of 2 officials synced",
			"1 duplicate notifications (target 0)",
		}},
	}
	for _, tt := range tests {
		tt.r.judge()
		if d := cmp.Diff(tt.want, tt.r.Missed); d != "" {
			t.Errorf("%s: missed (-want +got):\n%s", tt.name, d)
		}
		if tt.r.OK != (len(tt.want) == 0) {
			t.Errorf("%s: OK = %v", tt.name, tt.r.OK)
		}
		var out strings.Builder
		tt.r.Print(&out)
		note := strings.Contains(out.String(), "NOTE: ")
		if wantNote := tt.r.nothingDue() != ""; note != wantNote {
			t.Errorf("%s: the report says NOTE %v, want %v:\n%s", tt.name, note, wantNote, out.String())
		}
	}
}

func TestProxyTakesTurns(t *testing.T) {
	t.Parallel()
	var hits [2]atomic.Int64
	var backends []string
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits[i].Add(1) }))
		defer srv.Close()
		backends = append(backends, srv.URL)
	}
	addr, stop, err := startProxy(backends)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for range 4 {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := [2]int64{hits[0].Load(), hits[1].Load()}; got != [2]int64{2, 2} {
		t.Errorf("hits per backend = %v, want [2 2]", got)
	}
}

// TestRSSProbe reads a Prometheus text page twice and checks the memory and the CPU used between the samples.
func TestRSSProbe(t *testing.T) {
	t.Parallel()
	var cpu atomic.Int64
	cpu.Store(10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = fmt.Fprintf(w, "# HELP x\nprocess_cpu_seconds_total %d.5\nprocess_resident_memory_bytes 5.7802752e+07\n", cpu.Add(3))
	}))
	defer srv.Close()
	p := newRSSProbe([]string{srv.URL}, "tok")
	p.sample(context.Background())
	p.sample(context.Background())
	got := p.result()
	if len(got) != 1 || got[0].Samples != 2 || got[0].MaxBytes != 57802752 || got[0].CPUSeconds != 3 {
		t.Errorf("result = %+v, want 2 samples, 57802752 bytes, 3 CPU seconds", got)
	}
	bad := newRSSProbe([]string{srv.URL}, "wrong")
	bad.sample(context.Background())
	if r := bad.result(); r != nil {
		t.Errorf("a metrics endpoint answering 404 gave %+v, want unavailable (nil)", r)
	}
}
