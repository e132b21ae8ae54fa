package engine_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/engine"
	"github.com/chibo-vn/chibo/sync/wire"
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

// TestOneIDReadsUseTheirOwnStatement: on PostgreSQL a read of one id (a report's meeting, its cell) runs the read's
// one-id statement (id = $1), whose generic plan PostgreSQL keeps, and a read of several the array form; the rows
// are the same either way.
func TestOneIDReadsUseTheirOwnStatement(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("only PostgreSQL prepares the push's reads; SQLite is covered by every other push test")
	}
	var mu sync.Mutex
	var texts []string
	engine.ObserveQueries(h.api.Sync(), func(q string) {
		mu.Lock()
		texts = append(texts, q)
		mu.Unlock()
	})
	c := h.device("off1")
	c.PushBatch = 500
	pull(t, c)
	// seen returns the texts run since it was last called.
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := texts
		texts = nil
		return out
	}
	// count returns how many of qs read table's rows by one id and by an array of ids.
	count := func(qs []string, table string) (one, many int) {
		for _, q := range qs {
			if !strings.Contains(q, `FROM "`+table+`"`) {
				continue
			}
			switch {
			case strings.Contains(q, ".id = $1"):
				one++
			case strings.Contains(q, ".id = ANY($1)"):
				many++
			}
		}
		return one, many
	}
	mid := uuid.NewString()
	c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.AddDays(-3).String(), "status", "held", "topic", "Tháng này")})
	for _, m := range h.members["A"] {
		c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(mid, m.ID),
			Fields: fields("meeting_id", mid, "member_id", m.ID, "status", "present")})
	}
	if st := push(t, c); st.Rejected != 0 || len(c.Local.Outbox) > 0 {
		t.Fatalf("push of one report: %+v", st)
	}
	qs := seen()
	if one, many := count(qs, "meetings"); one != 1 || many != 0 {
		t.Errorf("one report: the meetings were read %d times by one id and %d by an array; want 1 and 0", one, many)
	}
	if one, many := count(qs, "members"); len(h.members["A"]) > 1 && (one != 0 || many != 1) {
		t.Errorf("one report: the members were read %d times by one id and %d by an array; want 0 and 1", one, many)
	}
	ids := reports(h, c, 10) // three meetings in one push
	if st := push(t, c); st.Rejected != 0 || len(c.Local.Outbox) > 0 {
		t.Fatalf("push of three reports: %+v", st)
	}
	if one, many := count(seen(), "meetings"); one != 0 || many != 1 {
		t.Errorf("three reports: the meetings were read %d times by one id and %d by an array; want 0 and 1", one, many)
	}
	checkReports(t, h, c, ids)
	if meetings, marks := stored(t, h, []string{mid}); meetings != 1 || marks != len(h.members["A"]) {
		t.Errorf("the report of one meeting: stored %d meetings and %d marks, want 1 and %d", meetings, marks, len(h.members["A"]))
	}
}
