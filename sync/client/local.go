// Package client is a Go client of the sync protocol: it keeps a device's state (synced rows, cursor, outbox of
// unsent mutations) in a local store, pulls rounds and applies each one at once, pushes its mutations exactly
// once and in order, checks checksums and asks for a resync of any scope that does not match. The tests, the
// simulator and load generators use it; it follows sync/PROTOCOL.md and nothing else.
package client

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/chibo-vn/chibo/sync/wire"
)

// Row is a synced row as the device holds it.
type Row struct {
	Table   string          `json:"t"`
	ID      string          `json:"id"`
	Version int64           `json:"v"`
	Class   string          `json:"c"`
	Scope   string          `json:"s"`
	Path    string          `json:"p,omitempty"`
	Part    string          `json:"m,omitempty"`
	Data    json.RawMessage `json:"d"`
}

// Rejected is a mutation the server refused, kept for the user to fix and send again.
type Rejected struct {
	Mutation wire.Mutation `json:"mutation"`
	Code     string        `json:"code"`
	Message  string        `json:"message"`
	Field    string        `json:"field,omitempty"`
}

// Local is everything a device persists: after a restart it goes on where it stopped.
type Local struct {
	ClientID string          `json:"client_id"`
	Epoch    string          `json:"epoch"`
	Cursor   string          `json:"cursor"`
	Position int64           `json:"position"`
	Scopes   []wire.ScopeDef `json:"scopes"`
	Window   string          `json:"window"`
	Rows     map[string]*Row `json:"rows"`
	NextSeq  int64           `json:"next_seq"`
	Outbox   []wire.Mutation `json:"outbox"`
	Rejected []Rejected      `json:"rejected"`
	Resync   []string        `json:"resync,omitempty"`
	// Landed is the highest version the server gave this device's applied mutations: a pull waits until its
	// position reaches it, so the device reads its own writes. A reset round lowers it to its position: the
	// versions above were lost with a restore or a failover and will never come.
	Landed int64            `json:"landed,omitempty"`
	Stats  map[string]int64 `json:"stats,omitempty"`
}

// NewLocal returns the empty state of a new device.
func NewLocal(clientID string) *Local {
	return &Local{ClientID: clientID, Rows: map[string]*Row{}, NextSeq: 1, Stats: map[string]int64{}}
}

func key(table, id string) string { return table + "/" + id }

// Row returns the synced row table/id, or nil.
func (l *Local) Row(table, id string) *Row { return l.Rows[key(table, id)] }

// Save writes the state to path atomically (a temporary file renamed over it).
func (l *Local) Save(path string) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sync-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads a state saved by Save.
func Load(path string) (*Local, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := &Local{}
	if err := json.Unmarshal(b, l); err != nil {
		return nil, fmt.Errorf("sync state %s: %w", path, err)
	}
	if l.Rows == nil {
		l.Rows = map[string]*Row{}
	}
	if l.Stats == nil {
		l.Stats = map[string]int64{}
	}
	return l, nil
}

// covered reports whether a current scope covers the row.
func (l *Local) covered(r *Row, scopes []wire.ScopeDef, except string) bool {
	for _, s := range scopes {
		if s.Key != except && s.Covers(r.Class, r.Scope, r.Path, r.Part, l.Window) {
			return true
		}
	}
	return false
}

// Checksum returns the count and checksum of the rows scope covers.
func (l *Local) Checksum(scope wire.ScopeDef) (int64, uint32) {
	var n int64
	var sum uint32
	for _, r := range l.Rows {
		if scope.Covers(r.Class, r.Scope, r.Path, r.Part, l.Window) {
			n++
			sum += wire.RowHash(r.Table, r.ID, r.Version)
		}
	}
	return n, sum
}

// Tables returns the rows of table, by id.
func (l *Local) Table(table string) []*Row {
	var out []*Row
	for _, r := range l.Rows {
		if r.Table == table {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// round is a pull round being received: nothing is applied until its last page.
type round struct {
	reset bool
	drop  []string
	ops   []wire.Op
}

// apply applies a complete round to the state at once.
func (l *Local) apply(r *round, last *wire.PullResponse) {
	if r.reset {
		l.Rows = map[string]*Row{}
	}
	for _, k := range r.drop {
		old := l.Scopes
		var def *wire.ScopeDef
		for i := range old {
			if old[i].Key == k {
				def = &old[i]
			}
		}
		if def == nil {
			continue
		}
		for id, row := range l.Rows {
			if def.Covers(row.Class, row.Scope, row.Path, row.Part, l.Window) && !l.covered(row, last.Scopes, k) {
				delete(l.Rows, id)
			}
		}
	}
	for _, op := range r.ops {
		k := key(op.Table, op.ID)
		cur := l.Rows[k]
		switch op.Op {
		case wire.OpPut:
			if cur != nil && cur.Version > op.Version {
				l.Stats["skipped_older"]++
				continue
			}
			l.Rows[k] = &Row{Table: op.Table, ID: op.ID, Version: op.Version, Class: op.Class, Scope: op.Scope,
				Path: op.Path, Part: op.Part, Data: op.Data}
		case wire.OpDel:
			if cur != nil && cur.Version <= op.Version {
				delete(l.Rows, k)
			}
		}
	}
	l.Scopes, l.Window = last.Scopes, last.Window
	// Rows no scope covers any more (an ended assignment, months older than the window) leave the device.
	for id, row := range l.Rows {
		if !l.covered(row, l.Scopes, "") {
			delete(l.Rows, id)
			l.Stats["uncovered_removed"]++
		}
	}
	reset := r.reset || (l.Epoch != "" && last.Epoch != l.Epoch)
	l.Epoch, l.Cursor, l.Position = last.Epoch, last.Cursor, last.Position
	if reset && l.Landed > l.Position {
		// A reset is a snapshot of the server's current rows, and the round ends once its position covers every
		// version it sent: each applied write that survived is at or below the position now. Versions above it
		// were lost with a restore or a failover (PROTOCOL.md, "Recovering") and will never come; waiting for them
		// would never end.
		l.Landed = l.Position
		l.Stats["landed_forgotten"]++
	}
}

// own applies the answer to one of the device's mutations that says what the row became (protocol 2: the pulls do
// not send it back): the row it held at base_version (none, for a create), the mutation's fields, the id, the new
// version and the fields the server added (r.Own.Data).
func (l *Local) own(m wire.Mutation, r wire.Result) {
	k := key(m.Table, m.RowID)
	cur := l.Rows[k]
	if cur != nil && cur.Version >= r.Version {
		return // already as new (a resent push answered after a pull)
	}
	if r.Own.Op == wire.OpDel {
		delete(l.Rows, k)
		l.Stats["own_deleted"]++
		return
	}
	if cur == nil && m.BaseVersion > 0 {
		// The device changed a row it no longer holds (it left the device meanwhile): it cannot be built from the
		// answer; have its scopes sent again.
		for _, s := range l.Scopes {
			if s.Covers(r.Own.Class, r.Own.Scope, r.Own.Path, r.Own.Part, l.Window) {
				l.Resync = append(l.Resync, s.Key)
			}
		}
		l.Stats["own_resync"]++
		return
	}
	var data []byte
	if cur == nil {
		// A create: the fields sent and those the server set, as one object (its keys sorted, as Expand writes
		// a pulled row's).
		id, version := wire.Field{Key: "id", Value: wire.AppendString(nil, m.RowID)},
			wire.Field{Key: "version", Value: strconv.AppendInt(nil, r.Version, 10)}
		var ok bool
		if data, ok = wire.Merge(m.Fields, r.Own.Data, id, version); !ok {
			data, _ = wire.Merge(m.Fields, nil, id, version) // an own.d it cannot read: the fields sent
		}
	} else {
		row := map[string]json.RawMessage{}
		if cur.Version != m.BaseVersion {
			// Not the row the server applied the mutation to (cannot happen but after a lost answer and a pull):
			// drop it and have its scopes sent again.
			delete(l.Rows, k)
			for _, s := range l.Scopes {
				if s.Covers(r.Own.Class, r.Own.Scope, r.Own.Path, r.Own.Part, l.Window) {
					l.Resync = append(l.Resync, s.Key)
				}
			}
			l.Stats["own_resync"]++
			return
		}
		if err := json.Unmarshal(cur.Data, &row); err != nil {
			row = map[string]json.RawMessage{}
		}
		for f, v := range m.Fields {
			row[f] = v
		}
		var diff map[string]json.RawMessage
		_ = json.Unmarshal(r.Own.Data, &diff)
		for f, v := range diff {
			row[f] = v
		}
		row["id"], _ = json.Marshal(m.RowID)
		row["version"] = strconv.AppendInt(nil, r.Version, 10)
		data = wire.Object(row)
	}
	l.Rows[k] = &Row{Table: m.Table, ID: m.RowID, Version: r.Version, Class: r.Own.Class, Scope: r.Own.Scope,
		Path: r.Own.Path, Part: r.Own.Part, Data: data}
	l.Stats["own_put"]++
}
