package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// bigCell gives cell A members more members (a large ward's cell) and writes n held meetings with everyone's
// attendance, each in its own transaction.
func (h *harness) bigCell(members, meetings int) {
	h.write(func(ctx context.Context, tx bun.IDB) error {
		for i := len(h.members["A"]); i < members; i++ {
			y := 1950 + i%50
			m := &store.Member{CellID: h.cells["A"].ID, FullName: fmt.Sprintf("Đảng viên A%d", i), BirthYear: &y}
			if err := store.CreateMember(ctx, tx, m); err != nil {
				return err
			}
			h.members["A"] = append(h.members["A"], m)
		}
		return nil
	})
	for i := 0; i < meetings; i++ {
		h.writeMeeting("A", h.today.AddDays(-7*(i+1)))
	}
}

// TestPagesKeepTheirLimit: with a 500-member cell, no page of a new device's first sync (a snapshot) or of the
// change log after it holds more rows than the limit asked, beyond one transaction's rows in the log; the device
// still gets every row, and every meeting with all its attendance.
func TestPagesKeepTheirLimit(t *testing.T) {
	h := newHarness(t)
	h.bigCell(500, 3)
	for _, limit := range []int{100, 333, 1000} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			// The snapshot, page by page, as a client reads it.
			resp, pages, rows := h.rawPull("off1", wire.PullRequest{Limit: limit}), 1, 0
			for {
				if len(resp.Ops) > limit {
					t.Fatalf("page %d of the first sync holds %d rows, limit %d", pages, len(resp.Ops), limit)
				}
				rows += len(resp.Ops)
				if !resp.HasMore {
					break
				}
				resp = h.rawPull("off1", wire.PullRequest{Cursor: resp.Cursor, Limit: limit})
				pages++
			}
			if want := 4 * 500; rows < want {
				t.Errorf("the first sync sent %d rows in %d pages, want at least the %d attendance rows", rows, pages, want)
			}
			// A device pulling with that limit gets everything, whole (the fixture's meeting of last month has
			// the first 5 members' rows).
			c := h.device("off1")
			c.Limit = limit
			pull(t, c)
			whole(t, c, map[string]int{h.meeting.ID: 5}, 500)
			if got := len(c.Local.Table("attendance")); got != 3*500+5 {
				t.Errorf("device holds %d attendance rows, want %d", got, 3*500+5)
			}
		})
	}
	// In the change log, a page may go past the limit by one transaction's rows (a meeting's 501), never more.
	c := h.device("off1")
	pull(t, c)
	start := h.rawPull("off1", wire.PullRequest{})
	for start.HasMore {
		start = h.rawPull("off1", wire.PullRequest{Cursor: start.Cursor})
	}
	h.writeMeeting("A", h.today)
	h.writeMeeting("A", h.today.AddDays(-1))
	resp := h.rawPull("off1", wire.PullRequest{Cursor: start.Cursor, Limit: 100})
	if n := len(resp.Ops); n != 501 || !resp.HasMore {
		t.Errorf("a page of the change log with limit 100 holds %d rows (more %v), want one meeting's 501 and more", n, resp.HasMore)
	}
}

// TestPagesKeepTheirBytes: rows with long text (minutes of 200 KB) end a page once its rows' data passes
// wire.MaxPageBytes, in a snapshot at the row and in the change log at the transaction that passes it.
func TestPagesKeepTheirBytes(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("Chi bộ thảo luận kỹ các nội dung. ", 200<<10/36)
	var ids []string
	for i := 0; i < 12; i++ {
		ids = append(ids, h.writeMeeting("A", h.today.AddDays(-i-1)))
	}
	h.write(func(ctx context.Context, tx bun.IDB) error {
		for _, id := range ids {
			if err := h.setNotes(ctx, tx, id, long); err != nil {
				return err
			}
		}
		return nil
	})
	// size is the page's bytes of rows' data, and its largest row's.
	size := func(resp wire.PullResponse) (n, one int) {
		for _, op := range resp.Ops {
			n += len(op.Data)
			one = max(one, len(op.Data))
		}
		return n, one
	}
	resp, pages := h.rawPull("off1", wire.PullRequest{Limit: wire.MaxPullLimit}), 1
	for {
		if n, one := size(resp); n > wire.MaxPageBytes+one {
			t.Fatalf("page %d of the first sync: %d bytes of rows, bound %d", pages, n, wire.MaxPageBytes)
		}
		if !resp.HasMore {
			break
		}
		resp = h.rawPull("off1", wire.PullRequest{Cursor: resp.Cursor, Limit: wire.MaxPullLimit})
		pages++
	}
	if pages < 3 {
		t.Errorf("the first sync took %d pages, want at least 3 for 12 meetings of 200 KB", pages)
	}
	c := h.device("off1")
	pull(t, c)
	wholeMeetings(t, c, 5)
	// The change log: each meeting rewritten in its own transaction.
	start := h.rawPull("off1", wire.PullRequest{})
	for start.HasMore {
		start = h.rawPull("off1", wire.PullRequest{Cursor: start.Cursor})
	}
	for _, id := range ids {
		h.write(func(ctx context.Context, tx bun.IDB) error { return h.setNotes(ctx, tx, id, long+"!") })
	}
	resp = h.rawPull("off1", wire.PullRequest{Cursor: start.Cursor, Limit: wire.MaxPullLimit})
	if n, one := size(resp); n > wire.MaxPageBytes+one || !resp.HasMore {
		t.Errorf("a page of the change log: %d bytes of rows (more %v), bound %d", n, resp.HasMore, wire.MaxPageBytes)
	}
	pull(t, c)
	wholeMeetings(t, c, 5)
}

// setNotes writes a meeting's notes as the store does (tracked).
func (h *harness) setNotes(ctx context.Context, tx bun.IDB, id, notes string) error {
	m := new(store.Meeting)
	if err := tx.NewSelect().Model(m).Where("mt.id = ?", id).Scan(ctx); err != nil {
		return err
	}
	before := store.Clone(m)
	b, err := json.Marshal(map[string]string{"text": notes})
	if err != nil {
		return err
	}
	m.Notes = domain.JSONText(b)
	return store.Update(ctx, tx, before, m)
}

// whole checks a device holds every meeting with all its attendance: per, or the count in odd for those listed.
func whole(t testing.TB, c *client.Client, odd map[string]int, per int) {
	t.Helper()
	count := map[string]int{}
	for _, r := range c.Local.Table("attendance") {
		count[string(r.Field("meeting_id"))]++
	}
	for _, m := range c.Local.Table("meetings") {
		want, ok := odd[m.ID]
		if !ok {
			want = per
		}
		if n := count[`"`+m.ID+`"`]; n != want && n != 0 {
			t.Errorf("meeting %s has %d of %d attendance rows on the device", m.ID, n, want)
		}
	}
}

// TestSnapshotDoesNotTrustTallies: a snapshot page takes as many meetings as their tallies (meeting_tallies) say
// fit in it; were the tallies wrong — too low, too high, missing — pages still keep their limit and a device still
// gets every meeting whole, as it does with the right ones.
func TestSnapshotDoesNotTrustTallies(t *testing.T) {
	h := newHarness(t)
	h.bigCell(60, 6)
	right := h.device("off1")
	pull(t, right)
	ctx := context.Background()
	var ids []string
	must(t, h.db.R.NewRaw("SELECT meeting_id FROM meeting_tallies ORDER BY meeting_id").Scan(ctx, &ids))
	if len(ids) < 6 {
		t.Fatalf("%d tallies, want the 6 meetings' at least", len(ids))
	}
	// Too low for some, too high for others, none for one.
	for i, id := range ids {
		var err error
		switch i % 3 {
		case 0:
			_, err = h.db.W.NewRaw("UPDATE meeting_tallies SET recorded = 1 WHERE meeting_id = ?", id).Exec(ctx)
		case 1:
			_, err = h.db.W.NewRaw("UPDATE meeting_tallies SET recorded = 100000 WHERE meeting_id = ?", id).Exec(ctx)
		default:
			_, err = h.db.W.NewRaw("DELETE FROM meeting_tallies WHERE meeting_id = ?", id).Exec(ctx)
		}
		must(t, err)
	}
	for _, limit := range []int{7, 60, 61, 100, 1000} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			resp := h.rawPull("off1", wire.PullRequest{Limit: limit})
			for {
				if len(resp.Ops) > limit {
					t.Fatalf("a page of the first sync holds %d rows, limit %d", len(resp.Ops), limit)
				}
				if !resp.HasMore {
					break
				}
				resp = h.rawPull("off1", wire.PullRequest{Cursor: resp.Cursor, Limit: limit})
			}
			c := h.device("off1")
			c.Limit = limit
			pull(t, c)
			sameRows(t, c, right)
		})
	}
}

// TestAttendancePagesCutByBytes: attendance rows with long reasons (2 KB each) end snapshot pages by their bytes
// inside a meeting, many times over; a device still gets every mark of every meeting exactly once, as one whose
// pages end by their limit does.
func TestAttendancePagesCutByBytes(t *testing.T) {
	h := newHarness(t)
	h.bigCell(40, 30)
	ctx := context.Background()
	h.write(func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewRaw("UPDATE attendance SET reason = ?", strings.Repeat("Đi công tác xa. ", 2<<10/17)).Exec(ctx); err != nil {
			return err
		}
		return store.RebuildBuckets(ctx, tx)
	})
	c := h.device("off1")
	c.Limit = wire.MaxPullLimit
	st := pull(t, c)
	if st.Pages < 3 {
		t.Errorf("the first sync took %d pages, want at least 3 for 1,200 rows of 2 KB", st.Pages)
	}
	small := h.device("off1")
	small.Limit = 30
	pull(t, small)
	sameRows(t, c, small)
	whole(t, c, map[string]int{h.meeting.ID: 5}, 40)
	var live int
	must(t, h.db.R.NewRaw("SELECT count(*) FROM attendance WHERE deleted_at IS NULL").Scan(ctx, &live))
	if n := len(c.Local.Table("attendance")); n != live {
		t.Errorf("the device holds %d marks, the database %d", n, live)
	}
}
