package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/sync/wire"
)

// scriptedServer answers pushes with push and pulls with the next answer of pulls (the last one again once
// they run out), and counts the pulls.
type scriptedServer struct {
	mu    gosync.Mutex
	push  wire.PushResponse
	pulls []wire.PullResponse
	n     int
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out any
	switch r.URL.Path {
	case "/api/v1/sync/push":
		out = s.push
	case "/api/v1/sync/pull":
		out = s.pulls[min(s.n, len(s.pulls)-1)]
		s.n++
	default:
		http.NotFound(w, r)
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *scriptedServer) script(push wire.PushResponse, pulls ...wire.PullResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.push, s.pulls, s.n = push, pulls, 0
}

func (s *scriptedServer) pulled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestPullEndsWhenTheOwnWritesWereLost: a device's write was acknowledged at version 50, then the server lost it
// (restored from a backup: new epoch; or a failover / point-in-time restore: same epoch) and resets the device at a
// lower position. Pull must return after the reset round (those versions will never come) instead of waiting
// for them; a round that is not a reset still waits for the device's own writes. The device then converges: it
// holds the snapshot, and its next write is read back.
func TestPullEndsWhenTheOwnWritesWereLost(t *testing.T) {
	cell := wire.ScopeDef{Key: "cell:a", Kind: wire.KindCell, ID: "a", Path: "/p/a/", Classes: []string{"roster"}}
	row := func(id string, v int64) wire.Op {
		return wire.Op{Op: wire.OpPut, Table: "members", ID: id, Version: v, Class: "roster", Scope: "a", Path: "/p/a/",
			Data: json.RawMessage(`{"v":` + itoa(v) + `}`)}
	}
	answer := func(epoch string, reset bool, pos int64, ops ...wire.Op) wire.PullResponse {
		return wire.PullResponse{Epoch: epoch, Reset: reset, Scopes: []wire.ScopeDef{cell}, Window: "2024-12",
			Cursor: epoch + ":" + itoa(pos), Position: pos, Ops: ops}
	}
	applied := func(seq, v int64) wire.PushResponse {
		return wire.PushResponse{LastSeq: seq, Results: []wire.Result{{Seq: seq, Status: wire.StatusApplied, Version: v}}}
	}
	tests := []struct {
		name   string
		pulls  []wire.PullResponse
		rounds int
		rows   map[string]int64
	}{
		{"new epoch, positions start lower", []wire.PullResponse{answer("e2", true, 30, row("old", 12))}, 1,
			map[string]int64{"members/old": 12}},
		{"failover, same epoch", []wire.PullResponse{answer("e1", true, 45, row("old", 12))}, 1,
			map[string]int64{"members/old": 12}},
		{"no reset: the pull waits for its write", []wire.PullResponse{answer("e1", false, 45), answer("e1", false, 50, row("mine", 50))}, 2,
			map[string]int64{"members/old": 12, "members/mine": 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scriptedServer{}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			c := &Client{BaseURL: hs.URL, Local: NewLocal("dev")}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			srv.script(applied(1, 0), answer("e1", false, 40, row("old", 12)))
			must(t, c.Sync(ctx))
			srv.script(applied(1, 50), tt.pulls...)
			c.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: "mine"})
			if _, err := c.Push(ctx); err != nil || c.Local.Landed != 50 {
				t.Fatalf("push: %v, landed %d, want 50", err, c.Local.Landed)
			}
			if _, err := c.Pull(ctx); err != nil {
				t.Fatalf("pull after the loss: %v (position %d, landed %d, %d pulls)", err, c.Local.Position, c.Local.Landed, srv.pulled())
			}
			if got := srv.pulled(); got != tt.rounds {
				t.Errorf("%d pull rounds, want %d", got, tt.rounds)
			}
			if d := cmp.Diff(tt.rows, versions(c.Local)); d != "" {
				t.Errorf("rows after the pull (-want +got):\n%s", d)
			}

			// The device goes on: its next write lands and is read back.
			epoch, pos := c.Local.Epoch, c.Local.Position
			srv.script(applied(2, pos+5), answer(epoch, false, pos+5, row("next", pos+5)))
			c.Mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: "next"})
			must(t, c.Sync(ctx))
			if r := c.Local.Row("members", "next"); r == nil || r.Version != pos+5 {
				t.Errorf("the next write was not read back: %+v", r)
			}
		})
	}
}

func versions(l *Local) map[string]int64 {
	out := map[string]int64{}
	for k, r := range l.Rows {
		out[k] = r.Version
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
