package api

import (
	"sync"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
)

// principalTTL is how long an instance reuses a caller's grants and assignments before reading them again. Devices
// poll often, and each poll would otherwise read them; a change (a disabled user, a revoked session, a new
// assignment) reaches every instance within this time. The cache is per instance and needs no sharing.
const principalTTL = 3 * time.Second

// principalRefreshAhead is how long before its expiry a principal still in use is read again in the background,
// the request that notices it going on with the cached one: a device that keeps polling never waits for its grants
// to be read (at thousands of polls a second those reads were the slowest 1–2 % of the polls).
const principalRefreshAhead = time.Second

// principalCache remembers recently loaded principals by user and session.
type principalCache struct {
	mu      sync.RWMutex // read by every request: readers do not queue behind each other
	entries map[string]cachedPrincipal
	gen     int // counts forget: a principal read before one is not kept
}

type cachedPrincipal struct {
	p          *domain.Principal
	expires    time.Time
	refreshing bool
}

func newPrincipalCache() *principalCache {
	return &principalCache{entries: map[string]cachedPrincipal{}}
}

// get returns the cached principal (nil when there is none or it expired) and, once as its expiry nears, refresh:
// the caller should read it again in the background (and put it with the generation gen).
func (c *principalCache) get(key string) (p *domain.Principal, refresh bool, gen int) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.entries[key]
	gen = c.gen
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		return nil, false, gen
	}
	if e.refreshing || !now.After(e.expires.Add(-principalRefreshAhead)) {
		return e.p, false, gen
	}
	// Its expiry nears: the first caller to see it (under the write lock) refreshes it.
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.entries[key]
	if !ok || now.After(e.expires) {
		return nil, false, c.gen
	}
	if e.refreshing {
		return e.p, false, c.gen
	}
	e.refreshing = true
	c.entries[key] = e
	return e.p, true, c.gen
}

// put caches p, read when the generation was gen: not if a write changed who may do what since.
func (c *principalCache) put(key string, p *domain.Principal, gen int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) > 20000 { // bounded: drop everything rather than grow
		c.entries = map[string]cachedPrincipal{}
	}
	c.entries[key] = cachedPrincipal{p: p, expires: time.Now().Add(principalTTL)}
}

// drop removes key (its background read failed: the next request reads it itself, and is refused if it must be).
func (c *principalCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// forget drops every cached principal, after a write that changes who may do what (users, grants, sessions),
// so this instance applies it at once.
func (c *principalCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cachedPrincipal{}
	c.gen++
}
