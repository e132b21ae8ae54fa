package engine_test

import (
	"context"
	"database/sql"
	"strconv"
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

// TestFewIDReadsUseTheirOwnStatements: on PostgreSQL a read of up to four ids (a report's meeting, its cell) runs
// the read's statement for that many ids, each its own parameter (id IN ($1, $2)), whose generic plan PostgreSQL
// keeps, and a read of more (a meeting's members) the array form; the rows are the same either way.
func TestFewIDReadsUseTheirOwnStatements(t *testing.T) {
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
	// count returns how many of qs read table's rows by n ids, each its own parameter, and by an array of ids.
	count := func(qs []string, table string, n int) (few, array int) {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = "$" + strconv.Itoa(i+1)
		}
		for _, q := range qs {
			if !strings.Contains(q, `FROM "`+table+`"`) {
				continue
			}
			switch {
			case strings.Contains(q, ".id IN ("+strings.Join(ps, ", ")+"))"):
				few++
			case strings.Contains(q, ".id = ANY($1)"):
				array++
			}
		}
		return few, array
	}
	if n := len(h.members["A"]); n <= 4 {
		t.Fatalf("cell A has %d members; the test needs more than four", n)
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
	if few, array := count(qs, "meetings", 1); few != 1 || array != 0 {
		t.Errorf("one report: the meetings were read %d times by one id and %d by an array; want 1 and 0", few, array)
	}
	if _, array := count(qs, "members", 1); array != 1 {
		t.Errorf("one report: the members were read %d times by an array; want 1", array)
	}
	ids := reports(h, c, 10) // three meetings in one push
	if st := push(t, c); st.Rejected != 0 || len(c.Local.Outbox) > 0 {
		t.Fatalf("push of three reports: %+v", st)
	}
	if few, array := count(seen(), "meetings", 3); few != 1 || array != 0 {
		t.Errorf("three reports: the meetings were read %d times by three ids and %d by an array; want 1 and 0", few, array)
	}
	checkReports(t, h, c, ids)
	if meetings, marks := stored(t, h, []string{mid}); meetings != 1 || marks != len(h.members["A"]) {
		t.Errorf("the report of one meeting: stored %d meetings and %d marks, want 1 and %d", meetings, marks, len(h.members["A"]))
	}
}
