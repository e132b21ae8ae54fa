package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestPullAnswersKeepTheirOwnBytes: pull answers are written from buffers the server uses again. Two devices with
// different scopes pull their whole scope at once, over and over, with polls in between; each gets its own rows
// every time, and a poll that finds nothing new (nothing is written meanwhile) answers with no rows and a cursor that
// works, mostly the very one it was sent.
func TestPullAnswersKeepTheirOwnBytes(t *testing.T) {
	w := newWorld(t)
	pull := func(token string, req wire.PullRequest) (wire.PullResponse, error) {
		body, _ := json.Marshal(req)
		hr, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/v1/sync/pull", bytes.NewReader(body))
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			return wire.PullResponse{}, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out wire.PullResponse
		if resp.StatusCode != http.StatusOK {
			return out, fmt.Errorf("pull: %d %s", resp.StatusCode, b)
		}
		err = json.Unmarshal(b, &out)
		return out, err
	}
	rows := func(r wire.PullResponse) map[string]int64 {
		out := map[string]int64{}
		for _, op := range r.Ops {
			out[op.Table+"/"+op.ID] = op.Version
		}
		return out
	}
	type device struct {
		token  string
		want   map[string]int64
		cursor string
	}
	var devices []*device
	for _, u := range []string{"off1", "off2"} {
		d := &device{token: w.token(u)}
		r, err := pull(d.token, wire.PullRequest{Limit: wire.MaxPullLimit})
		if err != nil || r.HasMore || len(r.Ops) == 0 {
			t.Fatalf("%s's first pull: %d ops, more %v, %v", u, len(r.Ops), r.HasMore, err)
		}
		d.want, d.cursor = rows(r), r.Cursor
		devices = append(devices, d)
	}
	if cmp.Equal(devices[0].want, devices[1].want) {
		t.Fatal("the two devices' scopes hold the same rows: the test would not see answers mixed up")
	}

	var wg sync.WaitGroup
	var same atomic.Int64
	errs := make(chan string, 400)
	for _, d := range devices {
		wg.Add(1)
		go func(d *device) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				r, err := pull(d.token, wire.PullRequest{Limit: wire.MaxPullLimit})
				if err != nil {
					errs <- err.Error()
					return
				}
				if diff := cmp.Diff(d.want, rows(r)); diff != "" {
					errs <- "a full pull's rows changed (-want +got):\n" + diff
					return
				}
				p, err := pull(d.token, wire.PullRequest{Cursor: d.cursor})
				if err != nil || len(p.Ops) != 0 || p.HasMore || p.Cursor == "" {
					errs <- fmt.Sprintf("poll: %d ops, more %v, cursor %q, %v", len(p.Ops), p.HasMore, p.Cursor, err)
					return
				}
				if p.Cursor == d.cursor {
					same.Add(1)
				}
				d.cursor = p.Cursor // the next poll sends what this one gave back
			}
		}(d)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if same.Load() == 0 {
		t.Error("no poll gave back the cursor it was sent, though nothing was written")
	}
}

// TestEmptyPollsLoggedQuietly: every request is logged, a device's poll that finds nothing new at debug level (most of
// a server's requests, and nothing an operator needs to read); a pull that brings rows stays at info. Both carry the
// security headers.
func TestEmptyPollsLoggedQuietly(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var lines bytes.Buffer
	log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &lines}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(api.New(w.db, w.tokens, log, api.Config{Argon2: cheap, PublicURL: "http://localhost"}).Handler())
	defer srv.Close()
	token := w.token("off1")
	pull := func(cursor string) wire.PullResponse {
		body, _ := json.Marshal(wire.PullRequest{Cursor: cursor, Limit: wire.MaxPullLimit})
		hr, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/sync/pull", bytes.NewReader(body))
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("pull: %d %v %.200s", resp.StatusCode, resp.Header, b)
		}
		var out wire.PullResponse
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	levels := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, l := range bytes.Split(bytes.TrimSpace(lines.Bytes()), []byte("\n")) {
			var rec struct{ Level, Msg, Route string }
			if err := json.Unmarshal(l, &rec); err != nil {
				t.Fatalf("log line %s: %v", l, err)
			}
			if rec.Msg == "http request" && rec.Route == "/api/v1/sync/pull" {
				out = append(out, rec.Level)
			}
		}
		lines.Reset()
		return out
	}
	first := pull("")
	if len(first.Ops) == 0 || first.HasMore {
		t.Fatalf("first pull: %d ops, more %v", len(first.Ops), first.HasMore)
	}
	if got := levels(); !cmp.Equal(got, []string{"INFO"}) {
		t.Errorf("a pull that brought rows was logged at %v, want INFO", got)
	}
	for i := 0; i < 3; i++ {
		if r := pull(first.Cursor); len(r.Ops) != 0 || r.HasMore {
			t.Fatalf("poll %d: %d ops, more %v", i, len(r.Ops), r.HasMore)
		}
	}
	if got := levels(); !cmp.Equal(got, []string{"DEBUG", "DEBUG", "DEBUG"}) {
		t.Errorf("three empty polls were logged at %v, want DEBUG each", got)
	}
}

// lockedWriter is an io.Writer safe for a server's concurrent requests.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
