package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"unsafe"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// No echo (protocol 2): a device that wrote a row knows what the row became when the server applied its mutation
// to the very version the device held (base_version, or no row at all for a create), and nothing else in the batch
// wrote the row before. The push answer then tells it the few fields it could not know (created_at, updated_at,
// defaults, values the server normalized) and the row's bucket (Result.Own); the change is logged with the
// device's client_id as its origin and its pulls skip it. Anything else — a conflict, a row another mutation of
// the batch wrote first, a row that moved to another bucket — comes back by pull, as in protocol 1.

// ownCheck is what ownBefore saw of a mutation's row before it applied.
type ownCheck struct {
	table, id string
	// view is the row as the device holds it at base_version (nil for a create or a delete).
	view map[string]json.RawMessage
}

// ownBefore returns the row as the device holds it when the mutation m may be answered with Own, or nil.
func (a *applier) ownBefore(ctx context.Context, m wire.Mutation) (*ownCheck, error) {
	if _, ok := specs[m.Table]; !ok {
		return nil, nil
	}
	id, ok := domain.ParseID(m.RowID)
	if !ok || a.written[rowKey(m.Table, id)] {
		return nil, nil
	}
	cur, err := a.current(ctx, m.Table, id)
	if err != nil {
		return nil, err
	}
	live := cur != nil && cur.SyncBase().DeletedAt == nil
	c := &ownCheck{table: m.Table, id: id}
	switch {
	case m.Op == wire.MutDelete:
		if !live || cur.SyncBase().Version != m.BaseVersion {
			return nil, nil
		}
	case !live:
		if m.BaseVersion != 0 {
			return nil, nil // the device changed a row deleted meanwhile: it comes back by pull
		}
		c.view = map[string]json.RawMessage{}
	default:
		if cur.SyncBase().Version != m.BaseVersion {
			return nil, nil
		}
		b, err := json.Marshal(cur)
		if err != nil {
			return nil, domain.Internal(err)
		}
		c.view = map[string]json.RawMessage{}
		if !wire.EachField(b, func(f string, v []byte) { c.view[f] = v }) {
			return nil, nil
		}
	}
	return c, nil
}

// ownAfter returns the Own of an applied mutation checked by ownBefore, and marks its change as the device's, or
// returns nil when the device cannot build the row from it.
func (a *applier) ownAfter(ctx context.Context, m wire.Mutation, c *ownCheck, version int64) (*wire.Own, error) {
	logged, ok := changelog.LoggedOnce(ctx, c.table, c.id)
	if !ok {
		return nil, nil // nothing written (the row already held these values), or it moved to another bucket
	}
	own := &wire.Own{Op: logged.Op}
	if m.Op == wire.MutDelete {
		if logged.Op != changelog.OpDel {
			return nil, nil
		}
		changelog.SetOrigin(ctx, logged, a.clientID)
		return own, nil
	}
	if logged.Op != changelog.OpPut || logged.Data == nil {
		return nil, nil
	}
	// The device's row: what it held (view, nil for a create), with the mutation's fields, its id and the version
	// it is told. The stored row's fields that differ from it go in Own.Data.
	quotedID := wire.AppendString(nil, c.id)
	ver := strconv.AppendInt(nil, version, 10)
	d := make([]byte, 1, 64)
	d[0] = '{'
	seen := 0
	// The logged JSON is read in place: EachField does not write to it.
	ok = wire.EachField(unsafe.Slice(unsafe.StringData(*logged.Data), len(*logged.Data)), func(f string, v []byte) {
		var have []byte
		switch {
		case f == "id":
			have = quotedID
		case f == "version":
			have = ver
		case m.Fields[f] != nil:
			have = m.Fields[f]
			seen++
		case c.view != nil:
			have = c.view[f]
		}
		if have != nil && (bytes.Equal(bytes.TrimSpace(have), v) || sameJSON(string(have), string(v))) {
			return
		}
		if len(d) > 1 {
			d = append(d, ',')
		}
		d = append(append(append(append(d, '"'), f...), `":`...), v...)
	})
	if !ok || seen != len(m.Fields) {
		return nil, nil // a field the row does not have: let the pull replace the device's row
	}
	d = append(d, '}')
	own.Class, own.Scope, own.Path, own.Part, own.Data = logged.Class, logged.Scope, logged.Path, logged.Part, d
	changelog.SetOrigin(ctx, logged, a.clientID)
	return own, nil
}
