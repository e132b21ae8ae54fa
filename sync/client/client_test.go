package client

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/sync/wire"
)

func TestApplyRoundRules(t *testing.T) {
	cell := wire.ScopeDef{Key: "cell:a", Kind: wire.KindCell, ID: "a", Path: "/p/a/", Classes: []string{"roster", "meetings"}}
	other := wire.ScopeDef{Key: "cell:b", Kind: wire.KindCell, ID: "b", Path: "/p/b/", Classes: []string{"roster"}}
	l := NewLocal("c")
	put := func(id string, v int64, scope, path, part string) wire.Op {
		return wire.Op{Op: wire.OpPut, Table: "members", ID: id, Version: v, Class: "roster", Scope: scope, Path: path, Part: part, Data: json.RawMessage(`{"v":` + itoa(v) + `}`)}
	}
	l.apply(&round{ops: []wire.Op{put("1", 5, "a", "/p/a/", ""), put("2", 5, "b", "/p/b/", ""), put("3", 5, "a", "/p/a/", "")}},
		&wire.PullResponse{Scopes: []wire.ScopeDef{cell, other}, Window: "2024-12", Cursor: "k1", Position: 5})
	// An older version does not overwrite a newer one; a delete of an older version does not remove a newer row.
	l.apply(&round{ops: []wire.Op{put("1", 4, "a", "/p/a/", ""), {Op: wire.OpDel, Table: "members", ID: "3", Version: 4}, put("3", 9, "a", "/p/a/", "")}},
		&wire.PullResponse{Scopes: []wire.ScopeDef{cell, other}, Window: "2024-12", Cursor: "k2", Position: 9})
	if got := l.Row("members", "1").Version; got != 5 {
		t.Errorf("row 1 at version %d, want 5 (the older put is skipped)", got)
	}
	if got := l.Row("members", "3").Version; got != 9 {
		t.Errorf("row 3 at version %d, want 9", got)
	}
	// Scope b ends: its rows leave at the end of the round.
	l.apply(&round{}, &wire.PullResponse{Scopes: []wire.ScopeDef{cell}, Window: "2024-12", Cursor: "k3", Position: 9})
	if l.Row("members", "2") != nil {
		t.Error("a row of an ended scope stayed")
	}
	// Save and load keep everything.
	path := filepath.Join(t.TempDir(), "state.json")
	if err := l.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, back); diff != "" {
		t.Errorf("reloaded state differs:\n%s", diff)
	}
	n, sum := back.Checksum(cell)
	if n != 2 || sum != wire.RowHash("members", "1", 5)+wire.RowHash("members", "3", 9) {
		t.Errorf("checksum %d %d", n, sum)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }
