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

// principalCache remembers recently loaded principals by user and session.
type principalCache struct {
	mu      sync.Mutex
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       *domain.Principal
	expires time.Time
}

func newPrincipalCache() *principalCache {
	return &principalCache{entries: map[string]cachedPrincipal{}}
}

func (c *principalCache) get(key string) *domain.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		return nil
	}
	return e.p
}

func (c *principalCache) put(key string, p *domain.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 20000 { // bounded: drop everything rather than grow
		c.entries = map[string]cachedPrincipal{}
	}
	c.entries[key] = cachedPrincipal{p: p, expires: time.Now().Add(principalTTL)}
}

// forget drops every cached principal, after a write that changes who may do what (users, grants, sessions),
// so this instance applies it at once.
func (c *principalCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cachedPrincipal{}
}
