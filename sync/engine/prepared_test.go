package engine_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"

	"github.com/chibo-vn/chibo/sync/engine"
)

// TestPushOutlivesLostPreparedStatements: on PostgreSQL a push's reads are prepared statements, once per connection
// (sync/engine/prepared.go). When the connections lose them — a pooler in transaction mode that does not keep them
// (PgBouncer before 1.21) gives a transaction another server connection; here every connection of the pool is
// told DEALLOCATE ALL — the push that finds out is processed again with its queries sent as text, and so is every
// push after it: the device sees nothing but its results. On SQLite nothing is prepared.
func TestPushOutlivesLostPreparedStatements(t *testing.T) {
	h := newHarness(t)
	var prepared atomic.Int64
	engine.ObserveQueries(h.api.Sync(), func(string) { prepared.Add(1) })
	c := h.device("off1")
	c.PushBatch = 200
	pull(t, c)
	ids := reports(h, c, 10)
	if st := push(t, c); st.Rejected != 0 || len(c.Local.Outbox) > 0 {
		t.Fatalf("first push: %+v", st)
	}
	checkReports(t, h, c, ids)
	switch first := prepared.Load(); {
	case h.db.Dialect == "pg" && first == 0:
		t.Fatal("the push ran no prepared statement on PostgreSQL")
	case h.db.Dialect != "pg" && first > 0:
		t.Fatalf("the push ran %d prepared statements on %s", first, h.db.Dialect)
	}
	if h.db.Dialect != "pg" {
		return
	}

	// Every connection of the pool forgets what was prepared on it; database/sql still believes they hold it.
	ctx := context.Background()
	var conns []*sql.Conn
	for n := h.db.W.DB.Stats().OpenConnections; len(conns) < n; {
		conn, err := h.db.W.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		if _, err := conn.ExecContext(ctx, "DEALLOCATE ALL"); err != nil {
			t.Fatal(err)
		}
	}
	for _, conn := range conns {
		conn.Close()
	}
	for round := 0; round < 3; round++ {
		ids := reports(h, c, 40+10*round)
		if st := push(t, c); st.Rejected != 0 || len(c.Local.Outbox) > 0 {
			t.Fatalf("push %d after the statements were lost: %+v", round, st)
		}
		checkReports(t, h, c, ids)
	}
	before := prepared.Load()
	ids = reports(h, c, 90)
	push(t, c)
	checkReports(t, h, c, ids)
	if n := prepared.Load() - before; n != 0 {
		t.Errorf("%d prepared statements ran after the connections lost theirs; want the queries as text", n)
	}
}
