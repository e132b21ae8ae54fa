package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
)

// TestGroupedLogEntries: the rows one transaction writes in a run (36 new members, a meeting's 40 marks, the
// marks of a meeting deleted) are each logged as one change-log entry, and devices that read them from the change
// log, with a page limit below, at and above a run's size, hold exactly what a new device pulls.
func TestGroupedLogEntries(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	limits := []int{7, 40, 1000}
	var devices []*client.Client
	for _, l := range limits {
		c := h.device("off1")
		c.Limit = l
		pull(t, c)
		devices = append(devices, c)
	}
	var top int64
	must(t, h.db.R.NewRaw("SELECT COALESCE(max(tx), 0) FROM sync_changes").Scan(ctx, &top))
	added := 40 - len(h.members["A"])
	h.bigCell(40, 2) // the new members in one transaction, then two meetings of 40 marks, each in its own
	gone := h.writeMeeting("A", h.today.AddDays(-30))
	h.write(func(ctx context.Context, tx bun.IDB) error {
		var marks []*store.Attendance
		if err := tx.NewSelect().Model(&marks).Where("at.meeting_id = ?", gone).Scan(ctx); err != nil {
			return err
		}
		for _, a := range marks {
			before := store.Clone(a)
			now := store.Now()
			a.DeletedAt = &now
			if err := store.Update(ctx, tx, before, a); err != nil {
				return err
			}
		}
		return nil
	})
	var entries, rows int
	must(t, h.db.R.NewRaw(`SELECT count(*), COALESCE(sum(CASE WHEN row_ids IS NULL THEN 1
		ELSE length(row_ids) - length(replace(row_ids, ',', '')) + 1 END), 0) FROM sync_changes WHERE tx > ?`, top).Scan(ctx, &entries, &rows))
	if want := added + 3*41 + 40; rows != want || entries > 12 {
		t.Errorf("the log holds %d rows in %d entries, want %d rows in at most 12 entries (a run of the same kind is one entry)", rows, entries, want)
	}
	fresh := h.device("off1")
	pull(t, fresh)
	if n := len(fresh.Local.Table("attendance")); n < 2*40 {
		t.Fatalf("a new device holds %d marks, want at least the two new meetings' 80", n)
	}
	for i, c := range devices {
		t.Run(fmt.Sprint("limit ", limits[i]), func(t *testing.T) {
			st := pull(t, c)
			if st.Reset || len(st.Mismatch) > 0 || st.Ops != rows {
				t.Errorf("the device read %d ops in %d pages (reset %v, checksums wrong %v), want the log's %d rows", st.Ops, st.Pages, st.Reset, st.Mismatch, rows)
			}
			sameRows(t, c, fresh)
		})
	}
}
