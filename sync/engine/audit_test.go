package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// auditRow is what TestPushAuditsOneEntryPerKind reads of an audit entry.
type auditRow struct {
	Action, Entity string
	IDs            []string
	Before, After  []map[string]any // one per record; nil where the record has none
}

func readAudit(t *testing.T, e store.AuditEntry) auditRow {
	t.Helper()
	r := auditRow{Action: e.Action, Entity: e.Entity, IDs: []string{e.EntityID}}
	if e.EntityIDs != nil {
		r.IDs = nil
		if err := json.Unmarshal([]byte(*e.EntityIDs), &r.IDs); err != nil {
			t.Fatalf("entity_ids %q: %v", *e.EntityIDs, err)
		}
		if r.IDs[0] != e.EntityID {
			t.Errorf("entity_id %s is not the first of entity_ids %v", e.EntityID, r.IDs)
		}
	}
	side := func(s *string) []map[string]any {
		out := make([]map[string]any, len(r.IDs))
		if s == nil {
			return out
		}
		var err error
		if e.EntityIDs == nil {
			err = json.Unmarshal([]byte(*s), &out[0])
		} else {
			err = json.Unmarshal([]byte(*s), &out)
		}
		if err != nil || len(out) != len(r.IDs) {
			t.Fatalf("%s of %d records: %q (%v)", e.Action, len(r.IDs), *s, err)
		}
		return out
	}
	r.Before, r.After = side(e.Before), side(e.After)
	return r
}

// TestPushAuditsOneEntryPerKind: the records one push changes the same way, of one kind and one unit, are one audit
// entry that lists every one of them with its before and after; the audit list finds it by any of its records, and
// a record changed alone keeps an entry of its own.
func TestPushAuditsOneEntryPerKind(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	off1 := h.device("off1")
	pull(t, off1)
	mid := uuid.NewString()
	off1.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Tháng này")})
	var marks []string
	for _, m := range h.members["A"][:3] {
		id := wire.AttendanceID(mid, m.ID)
		marks = append(marks, id)
		off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: id,
			Fields: fields("meeting_id", mid, "member_id", m.ID, "status", "present")})
	}
	before := latestAuditID(t, h)
	push(t, off1)
	got := auditSince(t, h, before)
	if len(got) != 2 {
		t.Fatalf("%d audit entries for a meeting and its 3 marks, want 2: %+v", len(got), got)
	}
	meeting, attendance := readAudit(t, got[0]), readAudit(t, got[1])
	if meeting.Action != "sync.create" || meeting.Entity != "meetings" || !cmp.Equal(meeting.IDs, []string{mid}) ||
		meeting.After[0]["topic"] != "Tháng này" || meeting.Before[0] != nil {
		t.Errorf("the meeting's entry: %+v", meeting)
	}
	if attendance.Action != "sync.create" || attendance.Entity != "attendance" || !cmp.Equal(attendance.IDs, marks) {
		t.Errorf("the marks' entry: %s %s %v, want sync.create attendance %v", attendance.Action, attendance.Entity, attendance.IDs, marks)
	}
	for i, a := range attendance.After {
		if a["id"] != marks[i] || a["status"] != "present" || attendance.Before[i] != nil {
			t.Errorf("mark %d: before %v after %v", i, attendance.Before[i], a)
		}
	}
	if got[1].Before != nil {
		t.Errorf("a create's entry has a before: %s", *got[1].Before)
	}

	// The list finds the marks' entry by each of its records, and by nothing else.
	for _, id := range append(marks, mid) {
		page, err := store.ListAudit(ctx, h.db.R, store.AuditFilter{EntityID: id}, []string{"/"}, store.PageRequest{})
		must(t, err)
		if len(page.Items) != 1 {
			t.Fatalf("entries about %s: %d, want 1", id, len(page.Items))
		}
		want := got[1].ID
		if id == mid {
			want = got[0].ID
		}
		if page.Items[0].ID != want {
			t.Errorf("entry about %s: %d, want %d", id, page.Items[0].ID, want)
		}
	}
	// The kind filter takes the server's name of a kind (meeting) and the table's (meetings) alike.
	for _, kind := range []string{"meeting", "meetings"} {
		page, err := store.ListAudit(ctx, h.db.R, store.AuditFilter{Entity: kind}, []string{"/"}, store.PageRequest{})
		must(t, err)
		found := false
		for _, e := range page.Items {
			found = found || e.ID == got[0].ID
		}
		if !found {
			t.Errorf("the kind filter %q misses the device's meeting", kind)
		}
	}
	page, err := store.ListAudit(ctx, h.db.R, store.AuditFilter{EntityID: marks[0][:len(marks[0])-1]}, []string{"/"}, store.PageRequest{})
	must(t, err)
	if len(page.Items) != 0 {
		t.Errorf("a prefix of a mark's id found %d entries", len(page.Items))
	}

	// Clear one mark and set another: each is an entry of its own, with its before and after.
	off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: marks[0]})
	off1.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: marks[1], BaseVersion: 0,
		Fields: fields("status", "excused", "reason", "Ốm")})
	before = latestAuditID(t, h)
	st := push(t, off1)
	got = auditSince(t, h, before)
	if len(got) != 2 {
		t.Fatalf("%d audit entries for a cleared and a changed mark, want 2: %+v; push %+v", len(got), got, st.Results)
	}
	del, upd := readAudit(t, got[0]), readAudit(t, got[1])
	if del.Action != "sync.delete" || !cmp.Equal(del.IDs, []string{marks[0]}) || del.Before[0]["status"] != "present" || del.After[0] != nil {
		t.Errorf("the cleared mark's entry: %+v", del)
	}
	if upd.Action != "sync.update" || !cmp.Equal(upd.IDs, []string{marks[1]}) || upd.Before[0]["status"] != "present" ||
		upd.After[0]["status"] != "excused" || got[1].EntityIDs != nil {
		t.Errorf("the changed mark's entry: %+v", upd)
	}
}

func latestAuditID(t *testing.T, h *harness) int64 {
	t.Helper()
	var id int64
	must(t, h.db.R.NewSelect().Model((*store.AuditEntry)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(context.Background(), &id))
	return id
}

func auditSince(t *testing.T, h *harness, id int64) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	must(t, h.db.R.NewSelect().Model(&out).Where("id > ?", id).Order("id").Scan(context.Background()))
	return out
}
