package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// writeMeeting creates, in one transaction, a meeting of cell with an attendance row per member.
func (h *harness) writeMeeting(cell string, day domain.Date) string {
	id := uuid.NewString()
	h.write(func(ctx context.Context, tx bun.IDB) error {
		m := &store.Meeting{CellID: h.cells[cell].ID, MeetingDate: day, Type: domain.MeetingRegular, Mode: "in_person", Status: domain.MeetingHeld}
		m.ID = id
		if err := store.Insert(ctx, tx, m); err != nil {
			return err
		}
		for _, mem := range h.members[cell] {
			at := &store.Attendance{MeetingID: id, MemberID: mem.ID, Status: domain.AttendPresent}
			at.ID = wire.AttendanceID(id, mem.ID)
			if err := store.Insert(ctx, tx, at); err != nil {
				return err
			}
		}
		return nil
	})
	return id
}

// wholeMeetings checks a device never holds a meeting without all its attendance, or attendance without its
// meeting.
func wholeMeetings(t testing.TB, c *client.Client, perMeeting int) {
	t.Helper()
	count := map[string]int{}
	for _, r := range c.Local.Table("attendance") {
		count[string(r.Field("meeting_id"))]++
	}
	for _, m := range c.Local.Table("meetings") {
		k := `"` + m.ID + `"`
		if n := count[k]; n != perMeeting && n != 0 {
			t.Fatalf("meeting %s has %d of %d attendance rows on the device", m.ID, n, perMeeting)
		}
		delete(count, k)
	}
	for k, n := range count {
		t.Fatalf("%d attendance rows of meeting %s without the meeting", n, k)
	}
}

// TestPagesNeverSplitATransaction is invariant 6: with pages far smaller than a transaction and writers running
// concurrently, every page holds whole transactions, and a device never holds a meeting without its attendance.
func TestPagesNeverSplitATransaction(t *testing.T) {
	h := newHarness(t)
	c := h.device("off2")
	c.Limit = 2 // a meeting and its attendance are 6 rows
	pull(t, c)
	// The change log is read page by page from here: each page must hold whole transactions.
	start := h.rawPull("off2", wire.PullRequest{})
	for start.HasMore {
		start = h.rawPull("off2", wire.PullRequest{Cursor: start.Cursor})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 60; i++ {
			h.writeMeeting([]string{"A", "X"}[i%2], h.today.AddDays(-i%20))
			time.Sleep(time.Millisecond)
		}
	}()
	rounds := 0
	for done := false; !done; {
		done = waitTimeout(&wg, 0)
		st, err := c.Pull(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Mismatch) > 0 {
			t.Fatalf("checksums: %v", st.Mismatch)
		}
		wholeMeetings(t, c, 5)
		rounds++
	}
	pull(t, c)
	wholeMeetings(t, c, 5)
	if got := tables(c)["meetings"]; got != 61 {
		t.Errorf("device holds %d meetings, want 61", got)
	}
	seen := map[int64]int{}
	cursor, pages := start.Cursor, 0
	for {
		resp := h.rawPull("off2", wire.PullRequest{Cursor: cursor, Limit: 3})
		pages++
		perTx := map[int64]int{}
		for _, op := range resp.Ops {
			perTx[op.Version]++
		}
		for tx, n := range perTx {
			if seen[tx] != 0 {
				t.Fatalf("transaction %d split across pages (%d then %d rows)", tx, seen[tx], n)
			}
			if n != 6 {
				t.Fatalf("transaction %d has %d rows on the page, want 6", tx, n)
			}
			seen[tx] = n
		}
		if !resp.HasMore {
			break
		}
		cursor = resp.Cursor
	}
	if len(seen) != 60 || rounds < 2 {
		t.Errorf("%d transactions over %d pages in %d rounds", len(seen), pages, rounds)
	}
}

// waitTimeout reports whether wg is done within d.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// TestCursorNeverGoesBackAndEpochsResync is invariant 7: positions only grow; a new epoch (a restored or reset
// database) makes the device discard its synced rows and resync, keeping its unsent mutations, which then land.
func TestCursorNeverGoesBackAndEpochsResync(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	pull(t, c)
	var last int64
	for i := 0; i < 5; i++ {
		h.writeMeeting("A", h.today.AddDays(-i))
		pull(t, c)
		if c.Local.Position < last {
			t.Fatalf("position went back from %d to %d", last, c.Local.Position)
		}
		last = c.Local.Position
	}
	// An unsent change waits in the outbox while the server starts a new epoch.
	mid := uuid.NewString()
	c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid, Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Chưa gửi")})
	oldEpoch := c.Local.Epoch
	h.write(func(ctx context.Context, tx bun.IDB) error { return store.NewEpoch(ctx, tx, nil, "test") })
	st := pull(t, c)
	if !st.Reset || c.Local.Epoch == oldEpoch {
		t.Fatalf("after a new epoch: reset %v, epoch %s → %s", st.Reset, oldEpoch, c.Local.Epoch)
	}
	if len(c.Local.Outbox) != 1 {
		t.Fatalf("the unsent mutation was lost: outbox %d", len(c.Local.Outbox))
	}
	if got := tables(c)["meetings"]; got != 6 {
		t.Errorf("after the resync the device holds %d meetings, want 6", got)
	}
	push(t, c)
	pull(t, c)
	if c.Local.Row("meetings", mid) == nil {
		t.Error("the mutation kept through the new epoch did not land")
	}
}

// TestChecksumsCatchAndRepairDivergence is invariant 8: a device whose copy differs from the server (a row lost,
// a row changed behind the protocol's back) sees its scope's checksum fail and resyncs that scope alone.
func TestChecksumsCatchAndRepairDivergence(t *testing.T) {
	h := newHarness(t)
	c := h.device("off2")
	pull(t, c)
	// Lose one member of cell A and corrupt the version of a meeting row.
	var victim string
	for k, r := range c.Local.Rows {
		if r.Table == "members" && r.Scope == h.cells["A"].ID {
			victim = k
			break
		}
	}
	delete(c.Local.Rows, victim)
	c.Local.Rows["meetings/"+h.meeting.ID].Version--
	st, err := c.Pull(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// An empty round carries no checksums unless asked; ask like a device does on start.
	if len(st.Mismatch) == 0 {
		resp := h.rawPull("off2", wire.PullRequest{Cursor: c.Local.Cursor, Checksums: true})
		for _, cs := range resp.Checksums {
			for _, s := range resp.Scopes {
				if s.Key == cs.Scope {
					if n, sum := c.Local.Checksum(s); n != cs.Count || sum != cs.Sum {
						c.Local.Resync = append(c.Local.Resync, s.Key)
					}
				}
			}
		}
	} else {
		c.Local.Resync = st.Mismatch
	}
	if len(c.Local.Resync) != 1 || c.Local.Resync[0] != "cell:"+h.cells["A"].ID {
		t.Fatalf("scopes to resync: %v, want only cell A", c.Local.Resync)
	}
	st = pull(t, c)
	if len(st.Dropped) != 1 || st.Dropped[0] != "cell:"+h.cells["A"].ID {
		t.Errorf("dropped %v", st.Dropped)
	}
	// Only cell A was sent again: its unit, members, assignments, meeting and attendance.
	if st.Ops != 1+5+2+1+5 {
		t.Errorf("the repair sent %d rows, want cell A's 14", st.Ops)
	}
	if c.Local.Rows[victim] == nil {
		t.Error("the lost member is still missing")
	}
}

// TestDeletesReachLongOfflineDevices is invariant 9: deletes reach a device offline for the whole retention
// period; a device offline longer than the log keeps gets a full snapshot and never resurrects deleted rows.
func TestDeletesReachLongOfflineDevices(t *testing.T) {
	h := newHarness(t)
	back, gone := h.device("off1"), h.device("off1")
	pull(t, back)
	pull(t, gone)
	h.write(func(ctx context.Context, tx bun.IDB) error { return store.DeleteMember(ctx, tx, h.members["A"][0].ID) })
	h.write(func(ctx context.Context, tx bun.IDB) error {
		var at store.Attendance
		if err := tx.NewSelect().Model(&at).Where("at.member_id = ?", h.members["A"][1].ID).Scan(ctx); err != nil {
			return err
		}
		return store.SoftDelete(ctx, tx, &at)
	})
	// 185 days later the log still holds the deletes (retention is 200 days).
	engine := h.api.Sync()
	engine.SetClock(func() time.Time { return time.Now().Add(185 * 24 * time.Hour) })
	if n, err := engine.Prune(context.Background()); err != nil || n != 0 {
		t.Fatalf("prune at 185 days removed %d (%v)", n, err)
	}
	st := pull(t, back)
	if st.Reset || back.Local.Row("members", h.members["A"][0].ID) != nil || tables(back)["attendance"] != 4 {
		t.Errorf("after 185 days offline: reset %v, %v", st.Reset, tables(back))
	}
	// 210 days later the deletes are pruned: the device gets a snapshot without the deleted rows.
	engine.SetClock(func() time.Time { return time.Now().Add(210 * 24 * time.Hour) })
	if n, err := engine.Prune(context.Background()); err != nil || n == 0 {
		t.Fatalf("prune at 210 days removed %d (%v)", n, err)
	}
	engine.SetClock(time.Now)
	st = pull(t, gone)
	if !st.Reset {
		t.Error("a cursor older than the log did not get a full snapshot")
	}
	if gone.Local.Row("members", h.members["A"][0].ID) != nil || tables(gone)["attendance"] != 4 || tables(gone)["members"] != 4 {
		t.Errorf("after the snapshot: %v", tables(gone))
	}
}

// TestScopeChanges is invariant 10: a new assignment brings the whole cell on the next pull; an ended one removes
// it, while the official's unsent work stays queued and still lands.
func TestScopeChanges(t *testing.T) {
	h := newHarness(t)
	c := h.device("off1")
	pull(t, c)
	if tables(c)["members"] != 5 {
		t.Fatalf("before: %v", tables(c))
	}
	bMeeting := h.writeMeeting("B", h.today.AddDays(-3))
	a := h.assign("off1", "B")
	pull(t, c)
	if got := tables(c); got["members"] != 10 || got["meetings"] != 2 || got["attendance"] != 10 {
		t.Fatalf("after the new assignment: %v", got)
	}
	// Offline, the official records attendance in B; meanwhile the assignment ends.
	c.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(bMeeting, h.members["B"][0].ID), BaseVersion: 1,
		Fields: fields("status", "unexcused")})
	h.write(func(ctx context.Context, tx bun.IDB) error {
		before := store.Clone(a)
		a.Status, a.EndsOn = domain.AssignmentEnded, h.today.AddDays(-1)
		return store.Update(ctx, tx, before, a)
	})
	pull(t, c)
	if got := tables(c); got["members"] != 5 || got["meetings"] != 1 {
		t.Fatalf("after the assignment ended: %v", got)
	}
	if len(c.Local.Outbox) != 1 {
		t.Fatal("the unsent work was dropped with the cell")
	}
	// The meeting was within the assignment's period, so the work still lands.
	if st := push(t, c); st.Applied != 1 {
		t.Fatalf("late push: %+v", st.Results)
	}
}

// TestSnapshotPassesMeetingsWithoutAttendance: a new device's snapshot sends attendance a few meetings at a time;
// meetings without any (planned ones) first in id order must not end it before the held meetings' attendance.
func TestSnapshotPassesMeetingsWithoutAttendance(t *testing.T) {
	h := newHarness(t)
	h.write(func(ctx context.Context, tx bun.IDB) error {
		for i := 0; i < 3; i++ {
			m := &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today.AddDays(7 + i), Type: domain.MeetingRegular,
				Mode: "in_person", Status: domain.MeetingPlanned}
			m.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i) // first in id order
			if err := store.Insert(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	held := h.writeMeeting("A", h.today)
	c := h.device("off2")
	c.Limit = 40 // one meeting's attendance a query
	pull(t, c)
	n := 0
	for _, r := range c.Local.Table("attendance") {
		if string(r.Field("meeting_id")) == `"`+held+`"` {
			n++
		}
	}
	if n != len(h.members["A"]) {
		t.Errorf("the held meeting has %d attendance rows on the device, want %d", n, len(h.members["A"]))
	}
	wholeMeetings(t, c, len(h.members["A"]))
}
