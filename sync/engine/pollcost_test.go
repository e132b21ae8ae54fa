package engine_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/sync/engine"
)

// queryCounter counts the queries a bun.DB runs, those that read org_units and those that read grants.
type queryCounter struct{ all, units, grants atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	return ctx
}

func (q *queryCounter) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	q.all.Add(1)
	if strings.Contains(e.Query, "org_units") {
		q.units.Add(1)
	}
	if strings.Contains(e.Query, "role_grants") {
		q.grants.Add(1)
	}
}

// TestEmptyPollsReadNoOrgUnit: an official's device that is up to date polls again and again; its polls read no
// org unit (the communes of its scope come with the cached principal) — a query on every poll halved the polls
// one instance answers — and most of them no database at all (sync/README.md, Benchmarks).
func TestEmptyPollsReadNoOrgUnit(t *testing.T) {
	h := newHarness(t)
	c := h.device("off2") // assigned to cells of two communes: its scope has their unit scopes
	pull(t, c)
	pull(t, c) // the cursor stands past every change
	var q queryCounter
	//lint:ignore SA1019 the engine holds these *bun.DB: the hook goes on them, not on a copy (WithQueryHook)
	h.db.R.AddQueryHook(&q)
	//lint:ignore SA1019 as above
	h.db.W.AddQueryHook(&q)
	const polls = 20
	for range polls {
		st, err := c.Pull(context.Background()) // not pull(): its wait for the horizon queries the database
		if err != nil {
			t.Fatal(err)
		}
		if st.Ops != 0 {
			t.Fatalf("an up-to-date device got %d ops", st.Ops)
		}
	}
	if n := q.units.Load(); n > 0 {
		t.Errorf("%d of %d empty polls read org_units; want none", n, polls)
	}
	if n := q.all.Load(); n > polls/2 {
		t.Errorf("%d queries for %d empty polls; want most polls answered without the database", n, polls)
	}
}

// TestPollsMinutesApartReadNoGrants: the app polls once a minute while it is open. Nothing about the official
// changed between two polls, so the second reads neither his grants nor his communes: the server keeps a caller
// while the database's version of who may do what holds still, not for a few seconds.
func TestPollsMinutesApartReadNoGrants(t *testing.T) {
	h := newHarness(t)
	c := h.device("off2")
	pull(t, c)
	pull(t, c)
	if _, err := c.Pull(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3500 * time.Millisecond) // longer than the 3 s the server kept a caller before
	var q queryCounter
	//lint:ignore SA1019 as in TestEmptyPollsReadNoOrgUnit
	h.db.R.AddQueryHook(&q)
	//lint:ignore SA1019 as above
	h.db.W.AddQueryHook(&q)
	if st, err := c.Pull(context.Background()); err != nil || st.Ops != 0 {
		t.Fatalf("the poll: %+v %v", st, err)
	}
	if g, u := q.grants.Load(), q.units.Load(); g+u > 0 {
		t.Errorf("a poll 3.5 s after the last read the caller's grants %d times and org units %d times; want none", g, u)
	}
}

// TestReportPushReadsMeetingsAndCellsOnce: a device's report (three new meetings with their marks, one push) reads
// the meetings it names once (the locking read that finds them new) and the cell's org unit once (its path then
// serves the change log's buckets too): each statement more is paid on every one of a province's pushes
// (sync/README.md, issue #15). The outcome is checked as usual.
func TestReportPushReadsMeetingsAndCellsOnce(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	c.PushBatch = 1000
	pull(t, c)
	ids := reports(h, c, 20)
	var q meetingReads
	//lint:ignore SA1019 the engine holds these *bun.DB: the hook goes on them, not on a copy (WithQueryHook)
	h.db.W.AddQueryHook(&q)
	engine.ObserveQueries(h.api.Sync(), func(query string) { q.AfterQuery(context.Background(), &bun.QueryEvent{Query: query}) })
	st, err := c.Push(context.Background())
	if err != nil || st.Applied != len(st.Results) {
		t.Fatalf("push: %v (%+v)", err, st)
	}
	q.off.Store(true)
	if n := q.meetings.Load(); n != 1 {
		t.Errorf("the push read meetings %d times, want once", n)
	}
	if n := q.units.Load(); n != 1 {
		t.Errorf("the push read org_units %d times, want once", n)
	}
	checkReports(t, h, c, ids)
}

// meetingReads counts the SELECTs from meetings and from org_units a bun.DB runs until off is set.
type meetingReads struct {
	meetings, units atomic.Int64
	off             atomic.Bool
}

func (q *meetingReads) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	return ctx
}

func (q *meetingReads) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if q.off.Load() || !strings.HasPrefix(e.Query, "SELECT") {
		return
	}
	if strings.Contains(e.Query, `FROM "meetings"`) {
		q.meetings.Add(1)
	}
	if strings.Contains(e.Query, `FROM "org_units"`) {
		q.units.Add(1)
	}
}
