package api

import (
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
)

// TestPrincipalCacheRefreshesAhead: a principal near its expiry is handed out once with the request to read it again
// (the others go on with it meanwhile); a read begun before a write that changes who may do what is not kept; an
// expired principal is not handed out.
func TestPrincipalCacheRefreshesAhead(t *testing.T) {
	c := newPrincipalCache()
	p := &domain.Principal{UserID: "u"}
	_, _, gen := c.get("k")
	c.put("k", p, gen)
	if got, refresh, _ := c.get("k"); got != p || refresh {
		t.Fatalf("fresh: %v %v", got, refresh)
	}
	age := func(left time.Duration) {
		e := c.entries["k"]
		e.expires = time.Now().Add(left)
		c.entries["k"] = e
	}
	age(principalRefreshAhead / 2)
	got, refresh, gen := c.get("k")
	if got != p || !refresh {
		t.Fatalf("near expiry: %v, refresh %v", got, refresh)
	}
	if got, again, _ := c.get("k"); got != p || again {
		t.Fatalf("a second request near expiry: %v, refresh %v (one background read is enough)", got, again)
	}
	fresh := &domain.Principal{UserID: "u"}
	c.put("k", fresh, gen)
	if got, refresh, _ := c.get("k"); got != fresh || refresh {
		t.Fatalf("after the background read: %v %v", got, refresh)
	}

	// A write (forget) lands while a read is on its way: what it read is not kept.
	age(principalRefreshAhead / 2)
	_, _, gen = c.get("k")
	c.forget()
	c.put("k", fresh, gen)
	if got, _, _ := c.get("k"); got != nil {
		t.Fatal("a principal read before a write was kept")
	}

	// A failed read drops the entry; an expired one is not handed out.
	_, _, gen = c.get("k")
	c.put("k", p, gen)
	c.drop("k")
	if got, _, _ := c.get("k"); got != nil {
		t.Fatal("dropped principal still handed out")
	}
	c.put("k", p, gen)
	age(-time.Millisecond)
	if got, _, _ := c.get("k"); got != nil {
		t.Fatal("an expired principal was handed out")
	}
}
