package app_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/testdb"
)

// cuttable is a TCP proxy to PostgreSQL that can be cut (every connection closed, new ones refused) and mended,
// as a failover does to the instances' connections between the old primary's death and the new one's promotion.
type cuttable struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCuttable(t *testing.T, target string) *cuttable {
	p := &cuttable{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *cuttable) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection: dials are refused, open connections see EOF.
func (p *cuttable) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// mend listens again on the same address.
func (p *cuttable) mend() { p.listen(p.addr) }

// TestDatabaseOutageAnswers503: while PostgreSQL is out of reach (a failover), requests that need it get 503
// `unavailable` with Retry-After, in the user's language (Vietnamese, the demo user's saved one) — not 500 — and /readyz says not ready; when it is
// back, the same requests succeed without a restart. (SQLite is a file in the process: it has no outage.)
func TestDatabaseOutageAnswers503(t *testing.T) {
	if testdb.Dialect() != "pg" {
		t.Log("SQLite is a file in the process, it cannot be out of reach: nothing to check")
		return
	}
	u, err := url.Parse(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCuttable(t, u.Host)
	u.Host = proxy.addr
	m := start(t, true, "CHIBO_DATABASE_URL", u.String())
	c := loginAs(t, m.URL(), "canbo")
	pull := func() (int, http.Header, string) {
		req, _ := http.NewRequest(http.MethodPost, m.URL()+"/api/v1/sync/pull", strings.NewReader(`{"limit":10}`))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	ready := func() int {
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st, _, body := pull(); st != http.StatusOK {
		t.Fatalf("pull before the outage: %d %s", st, body)
	}

	proxy.cut()
	for i := range 3 { // the pool's dead connections first, then refused dials
		st, h, body := pull()
		if st != http.StatusServiceUnavailable || h.Get("Retry-After") != "5" || !strings.Contains(body, `"code":"unavailable"`) ||
			!strings.Contains(body, "tạm gián đoạn") {
			t.Fatalf("pull %d during the outage: %d Retry-After %q %s", i+1, st, h.Get("Retry-After"), body)
		}
	}
	if st := ready(); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", st)
	}

	proxy.mend()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _, body := pull()
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pull after the database came back: %d %s", st, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := ready(); st != http.StatusOK {
		t.Errorf("/readyz after the outage: %d, want 200", st)
	}
}
