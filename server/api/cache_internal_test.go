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
	c := newPrincipalCache(nil)
	at := stamp{version: 1, day: domain.NewDate(2026, 12, 7)}
	p := &domain.Principal{UserID: "u"}
	_, _, gen := c.get("k", at)
	c.put("k", p, gen, at)
	if got, refresh, _ := c.get("k", at); got != p || refresh {
		t.Fatalf("fresh: %v %v", got, refresh)
	}
	age := func(left time.Duration) {
		e := c.entries["k"]
		e.expires = time.Now().Add(left)
		c.entries["k"] = e
	}
	age(principalRefreshAhead / 2)
	got, refresh, gen := c.get("k", at)
	if got != p || !refresh {
		t.Fatalf("near expiry: %v, refresh %v", got, refresh)
	}
	if got, again, _ := c.get("k", at); got != p || again {
		t.Fatalf("a second request near expiry: %v, refresh %v (one background read is enough)", got, again)
	}
	fresh := &domain.Principal{UserID: "u"}
	c.put("k", fresh, gen, at)
	if got, refresh, _ := c.get("k", at); got != fresh || refresh {
		t.Fatalf("after the background read: %v %v", got, refresh)
	}

	// A write (forget) lands while a read is on its way: what it read is not kept.
	age(principalRefreshAhead / 2)
	_, _, gen = c.get("k", at)
	c.forget()
	c.put("k", fresh, gen, at)
	if got, _, _ := c.get("k", at); got != nil {
		t.Fatal("a principal read before a write was kept")
	}

	// A failed read drops the entry; an expired one is not handed out.
	_, _, gen = c.get("k", at)
	c.put("k", p, gen, at)
	c.drop("k")
	if got, _, _ := c.get("k", at); got != nil {
		t.Fatal("dropped principal still handed out")
	}
	c.put("k", p, gen, at)
	age(-time.Millisecond)
	if got, _, _ := c.get("k", at); got != nil {
		t.Fatal("an expired principal was handed out")
	}
}

// TestPrincipalCacheKeepsToItsStamp: a principal is handed out only under the version of who may do what and the
// day it was loaded under: a change anywhere (the version moved) or midnight (dated grants) loads it again.
func TestPrincipalCacheKeepsToItsStamp(t *testing.T) {
	c := newPrincipalCache(nil)
	p := &domain.Principal{UserID: "u"}
	at := stamp{version: 7, day: domain.NewDate(2026, 12, 7)}
	_, _, gen := c.get("k", at)
	c.put("k", p, gen, at)
	for _, tc := range []struct {
		name string
		at   stamp
		want *domain.Principal
	}{
		{"same", at, p},
		{"version moved", stamp{version: 8, day: at.day}, nil},
		{"next day", stamp{version: 7, day: domain.NewDate(2026, 12, 8)}, nil},
	} {
		if got, _, _ := c.get("k", tc.at); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
