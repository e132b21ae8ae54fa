package api

import (
	"context"
	"sync"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// A caller's grants, assignments and session are loaded once and kept by the instance for as long as nothing that
// makes them changes: the database raises a version of who may do what whenever a user, grant, assignment, unit
// path or session revocation changes (migrations' access_state), each instance reads that version at most once
// every accessTTL, and a kept caller is used only while the version it was loaded under, and its day (grants and
// assignments have dates), are current. A device that polls every minute then reads no grants, and a change
// reaches every instance within accessTTL. Writes of the instance itself drop its callers at once (forget). All of
// it is per instance and needs no sharing.

// accessTTL is how long an instance uses the version of who may do what it last read: the most a revocation made
// on another instance waits to apply here.
const accessTTL = time.Second

// accessAhead is how long before accessTTL ends a request starts reading the version again in the background.
const accessAhead = 250 * time.Millisecond

// principalTTL is the longest an instance keeps a caller even when the version does not change (a change made
// around the triggers, by hand with them disabled, applies after it at the latest).
const principalTTL = 10 * time.Minute

// principalRefreshAhead is how long before its expiry a principal still in use is read again in the background,
// the request that notices it going on with the cached one: a device that keeps polling never waits for its grants
// to be read.
const principalRefreshAhead = time.Minute

// stamp is what a kept caller is valid for: the version of who may do what read before it was loaded, and the day.
type stamp struct {
	version int64
	day     domain.Date
}

// principalCache remembers recently loaded principals by user and session.
type principalCache struct {
	mu      sync.RWMutex // read by every request: readers do not queue behind each other
	entries map[string]cachedPrincipal
	gen     int // counts forget: a principal read before one is not kept
	// access is the version of who may do what, kept for accessTTL; readAccess reads it.
	access     store.Fresh[int64]
	readAccess func(context.Context) (int64, error)
}

type cachedPrincipal struct {
	p          *domain.Principal
	at         stamp
	expires    time.Time
	refreshing bool
}

// newPrincipalCache returns an empty cache that reads the version of who may do what with read.
func newPrincipalCache(read func(context.Context) (int64, error)) *principalCache {
	return &principalCache{entries: map[string]cachedPrincipal{},
		access: store.Fresh[int64]{TTL: accessTTL, Ahead: accessAhead}, readAccess: read}
}

// stamp returns what a caller loaded now is valid for: the current version (read at most once every accessTTL)
// and today.
func (c *principalCache) stamp(ctx context.Context) (stamp, error) {
	v, err := c.access.Load(ctx, c.readAccess)
	return stamp{version: v, day: domain.DateOf(time.Now())}, err
}

// get returns the cached principal (nil when there is none, it was loaded under another stamp than at, or it
// expired) and, once as its expiry nears, refresh: the caller should read it again in the background (and put it
// with the generation gen).
func (c *principalCache) get(key string, at stamp) (p *domain.Principal, refresh bool, gen int) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.entries[key]
	gen = c.gen
	c.mu.RUnlock()
	if !ok || e.at != at || now.After(e.expires) {
		return nil, false, gen
	}
	if e.refreshing || !now.After(e.expires.Add(-principalRefreshAhead)) {
		return e.p, false, gen
	}
	// Its expiry nears: the first caller to see it (under the write lock) refreshes it.
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.entries[key]
	if !ok || e.at != at || now.After(e.expires) {
		return nil, false, c.gen
	}
	if e.refreshing {
		return e.p, false, c.gen
	}
	e.refreshing = true
	c.entries[key] = e
	return e.p, true, c.gen
}

// put caches p, loaded under at when the generation was gen: not if a write of this instance changed who may do
// what since.
func (c *principalCache) put(key string, p *domain.Principal, gen int, at stamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) > 20000 { // bounded: drop everything rather than grow
		c.entries = map[string]cachedPrincipal{}
	}
	c.entries[key] = cachedPrincipal{p: p, at: at, expires: time.Now().Add(principalTTL)}
}

// drop removes key (its background read failed: the next request reads it itself, and is refused if it must be).
func (c *principalCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// forget drops every cached principal, after a write that changes who may do what (users, grants, sessions),
// so this instance applies it at once; the version is read again too.
func (c *principalCache) forget() {
	c.mu.Lock()
	c.entries = map[string]cachedPrincipal{}
	c.gen++
	c.mu.Unlock()
	c.access.Forget()
}
