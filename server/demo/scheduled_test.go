package demo_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/engine"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestDemoScheduledMeetingIDs checks the demo against the protocol's rule: a cell's regular meeting of a month,
// held, cancelled or planned, has the id UUIDv5(NS, "meeting:" + cell + ":" + month), and a device that starts this
// month's meeting under that id (knowing the seeded version or not) updates it rather than adding a second one.
func TestDemoScheduledMeetingIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	cfg := small(t, 3)
	// "Today" is the real day, so the official's assignments are current when the sync engine checks them.
	cfg.Today = domain.DateOf(time.Now())
	sum, err := demo.Generate(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := load(t, db, sum)
	regular := map[string][]store.Meeting{} // cell + month
	for _, m := range d.meetings {
		if m.Type != domain.MeetingRegular || m.Form != domain.FormCell {
			continue
		}
		month := m.MeetingDate.String()[:7]
		regular[m.CellID+":"+month] = append(regular[m.CellID+":"+month], m)
		if want := wire.ScheduledMeetingID(m.CellID, month); m.ID != want {
			t.Errorf("%s regular meeting of %s in %s: id %s, want the scheduled id %s", m.Status, d.unit(m.CellID).Name,
				month, m.ID, want)
		}
	}
	if len(regular) == 0 {
		t.Fatal("the demo has no regular meetings")
	}
	for k, ms := range regular {
		if len(ms) != 1 {
			t.Errorf("%s: %d regular meetings", k, len(ms))
		}
	}

	// canbo starts the planned meeting of each of its cells on its device, under the prescribed id.
	canbo := d.user("canbo")
	p, err := store.LoadPrincipal(ctx, db.R, canbo.ID)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, slog.New(slog.DiscardHandler))
	assigned := map[string]bool{}
	for _, u := range p.Assigned {
		assigned[u.ID] = true
	}
	var planned []store.Meeting
	for _, m := range d.meetings {
		if m.Status == domain.MeetingPlanned && m.Type == domain.MeetingRegular && assigned[m.CellID] {
			planned = append(planned, m)
		}
	}
	if len(planned) < 2 {
		t.Fatalf("canbo has %d planned meetings, want at least 2", len(planned))
	}
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	var muts []wire.Mutation
	for i, m := range planned {
		base := int64(0) // a device that has not pulled the plan yet
		if i%2 == 1 {
			base = m.Version // a device that has
		}
		month := m.MeetingDate.String()[:7]
		muts = append(muts, wire.Mutation{Seq: int64(i + 1), Table: "meetings", Op: wire.MutUpsert,
			RowID: wire.ScheduledMeetingID(m.CellID, month), BaseVersion: base,
			Fields: map[string]json.RawMessage{"cell_id": raw(m.CellID), "meeting_date": raw(m.MeetingDate.String()),
				"type": raw("regular"), "status": raw("planned"), "topic": raw("Bắt đầu trên máy")}})
	}
	resp, err := eng.Push(ctx, p, &wire.PushRequest{ClientID: domain.NewID(), Mutations: muts})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != wire.StatusApplied {
			t.Errorf("mutation %d: %+v", r.Seq, r)
		}
	}
	for _, m := range planned {
		month := m.MeetingDate.String()[:7]
		first := domain.NewDate(m.MeetingDate.Year(), m.MeetingDate.Month(), 1)
		var got []store.Meeting
		if err := db.R.NewSelect().Model(&got).Where("cell_id = ?", m.CellID).Where("type = ?", domain.MeetingRegular).
			Where("meeting_date >= ? AND meeting_date < ?", first, first.AddMonths(1)).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != wire.ScheduledMeetingID(m.CellID, month) || got[0].Topic != "Bắt đầu trên máy" {
			t.Errorf("cell %s, %s: after the device's upsert %d regular meetings %+v; want the seeded one, updated",
				d.unit(m.CellID).Name, month, len(got), got)
		}
	}
}
