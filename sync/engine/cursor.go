package engine

import (
	"encoding/base64"
	"encoding/json"
	"sync"

	"github.com/chibo-vn/chibo/server/domain"
)

// cursor is what a pull cursor holds, base64url JSON. Clients treat it as opaque.
type cursor struct {
	V     int    `json:"v"`
	Epoch string `json:"e"`
	Tx    int64  `json:"x"` // every change with tx <= Tx has been delivered
	// High is the highest version sent to the device (by a snapshot or a change) since its last reset. Tx follows
	// the horizon, which moves past transactions that changed nothing synced; High says what the device saw. A
	// device whose High lies in a rebase interval (changelog.Rebase) holds a change the database lost in a
	// failover, and is reset. Cursors made before it existed read it as Tx, the most they can have seen.
	High   int64    `json:"h"`
	Scopes []string `json:"s"` // the scope keys the device holds
	Window string   `json:"w"`
	Round  *round   `json:"r,omitempty"` // set while a round is in progress
}

// round is the state of a pull round in progress.
type round struct {
	Snap  []string `json:"q,omitempty"` // scopes still to send as snapshots, the first one in progress
	Table int      `json:"t,omitempty"` // index into store.SyncedTables of the table in progress
	After string   `json:"a,omitempty"` // last id sent of that table (attendance: the last meeting all sent)
	// Part and PartAfter: attendance only, a meeting after After whose rows are partly sent (a page ended inside a
	// large cell's meeting), and the last of its rows sent.
	Part      string   `json:"g,omitempty"`
	PartAfter string   `json:"i,omitempty"`
	Since     int64    `json:"f,omitempty"` // snapshot scopes take changes only after this tx
	Fresh     []string `json:"n,omitempty"` // the scopes snapshotted in this round
	MaxSeen   int64    `json:"m,omitempty"` // highest version a snapshot sent: the round ends past it
	Changed   bool     `json:"c,omitempty"` // the round has delivered something
	Sums      bool     `json:"k,omitempty"` // the client asked for checksums on a page of the round
}

const cursorVersion = 1

func (c *cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	c := &cursor{}
	if s == "" {
		return c, nil
	}
	c.High = -1 // absent: an older cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, c)
	}
	if err != nil || c.Tx < 0 || (c.Round != nil && (c.Round.Table < 0 || c.Round.Table > 64)) {
		return nil, domain.Invalid("cursor", "sync.bad_cursor")
	}
	if c.High < 0 {
		c.High = c.Tx
	}
	return c, nil
}

// clone returns a copy of c that shares nothing with it.
func (c *cursor) clone() *cursor {
	cp := *c
	cp.Scopes = append([]string(nil), c.Scopes...)
	if c.Round != nil {
		r := *c.Round
		r.Snap = append([]string(nil), r.Snap...)
		r.Fresh = append([]string(nil), r.Fresh...)
		cp.Round = &r
	}
	return &cp
}

// cursorCache keeps, per instance, the cursors it decoded lately: an up-to-date device sends the same cursor poll
// after poll, and decoding its JSON was a tenth of an empty poll's cost. A cursor says the same wherever it is
// decoded, so instances need not share this.
type cursorCache struct {
	mu sync.RWMutex // read by every poll: readers do not queue behind each other
	m  map[string]*cursor
}

// cursorCacheMax bounds the cache: past it, the cache starts again empty.
const cursorCacheMax = 8192

// decode is decodeCursor, from the cache when it can.
func (cc *cursorCache) decode(s string) (*cursor, error) {
	cc.mu.RLock()
	c, ok := cc.m[s]
	cc.mu.RUnlock()
	if ok {
		return c.clone(), nil
	}
	c, err := decodeCursor(s)
	if err != nil || s == "" {
		return c, err
	}
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) >= cursorCacheMax {
		cc.m = make(map[string]*cursor, 256)
	}
	cc.m[s] = c.clone()
	cc.mu.Unlock()
	return c, nil
}
