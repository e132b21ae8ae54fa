package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

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
