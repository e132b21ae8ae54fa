// Package simulate drives sync devices the way officials use them: random offline work (meetings with
// attendance, notes edited on several devices, recommendations written and withdrawn, roster edits by
// secretaries), syncs at random moments, and faults (lost push answers, tiny pull pages, devices restarted from
// their saved state). The convergence test and the chibo-sim command share it.
package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// Device is a simulated device.
type Device struct {
	Name   string
	Client *client.Client
	Rng    *rand.Rand
	// Made counts the mutations the device made.
	Made int
	// Faults counts the faults injected.
	Faults map[string]int
	dir    string
}

// NewDevice wraps a client; dir, if set, is where it saves its state to simulate restarts.
func NewDevice(name string, c *client.Client, seed uint64, dir string) *Device {
	return &Device{Name: name, Client: c, Rng: rand.New(rand.NewPCG(seed, 0x5eed)), Faults: map[string]int{}, dir: dir}
}

func raw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (d *Device) pick(table string, keep func(*client.Row) bool) *client.Row {
	var rows []*client.Row
	for _, r := range d.Client.Local.Table(table) {
		if keep == nil || keep(r) {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return rows[d.Rng.IntN(len(rows))]
}

// cells returns the cells the device records meetings for (its cell scopes).
func (d *Device) cells() []wire.ScopeDef {
	var out []wire.ScopeDef
	for _, s := range d.Client.Local.Scopes {
		if s.Kind == wire.KindCell {
			out = append(out, s)
		}
	}
	return out
}

func (d *Device) membersOf(cellID string) []*client.Row {
	var out []*client.Row
	for _, r := range d.Client.Local.Table("members") {
		if r.Scope == cellID {
			out = append(out, r)
		}
	}
	return out
}

func (d *Device) mutate(m wire.Mutation) {
	d.Client.Mutate(m)
	d.Made++
}

// Work makes n random offline changes. today is the day meetings are dated around.
func (d *Device) Work(n int, today time.Time) {
	cells := d.cells()
	if len(cells) == 0 {
		return // supervisors only read
	}
	for i := 0; i < n; i++ {
		cell := cells[d.Rng.IntN(len(cells))]
		members := d.membersOf(cell.ID)
		secretary := false
		for _, s := range d.Client.Local.Scopes {
			secretary = secretary || (s.Kind == wire.KindCell && s.ID == cell.ID && d.Name[:3] == "sec")
		}
		switch k := d.Rng.IntN(8); {
		case k == 7 && secretary:
			if m := d.pick("members", func(r *client.Row) bool { return r.Scope == cell.ID }); m != nil {
				d.mutate(wire.Mutation{Table: "members", Op: wire.MutUpsert, RowID: m.ID, BaseVersion: m.Version,
					Fields: map[string]json.RawMessage{"status_note": raw(fmt.Sprintf("ghi chú %d", d.Rng.IntN(100)))},
					Base:   map[string]json.RawMessage{"status_note": m.Field("status_note")}})
			}
		case k == 0 || k == 7: // a new meeting with attendance, one push group
			id := uuid.NewString()
			day := today.AddDate(0, 0, -d.Rng.IntN(40)).Format("2006-01-02")
			d.mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: id, Fields: map[string]json.RawMessage{
				"cell_id": raw(cell.ID), "meeting_date": raw(day), "status": raw("held"), "topic": raw("Sinh hoạt thường kỳ")}})
			for _, mem := range members {
				if d.Rng.IntN(3) == 0 {
					continue
				}
				st := []string{"present", "present", "present", "excused", "unexcused"}[d.Rng.IntN(5)]
				d.mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(id, mem.ID),
					Fields: map[string]json.RawMessage{"meeting_id": raw(id), "member_id": raw(mem.ID), "status": raw(st)}})
			}
		case k <= 2: // edit a meeting: often one another device edits too
			if m := d.pick("meetings", func(r *client.Row) bool { return r.Scope == cell.ID }); m != nil {
				f := []string{"topic", "notes", "resolution", "place"}[d.Rng.IntN(4)]
				var v any = fmt.Sprintf("%s của %s lần %d", f, d.Name, d.Rng.IntN(1000))
				if f == "notes" {
					v = map[string]any{"items": []any{map[string]any{"key": "opening", "text": v}}}
				}
				d.mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: m.ID, BaseVersion: m.Version,
					Fields: map[string]json.RawMessage{f: raw(v)}, Base: map[string]json.RawMessage{f: m.Field(f)}})
			}
		case k == 3: // change an attendance
			if a := d.pick("attendance", func(r *client.Row) bool { return r.Scope == cell.ID }); a != nil {
				st := []string{"present", "excused", "unexcused"}[d.Rng.IntN(3)]
				d.mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: a.ID, BaseVersion: a.Version,
					Fields: map[string]json.RawMessage{"status": raw(st)}, Base: map[string]json.RawMessage{"status": a.Field("status")}})
			}
		case k == 4: // delete an attendance row, or now and then a meeting
			if a := d.pick("attendance", func(r *client.Row) bool { return r.Scope == cell.ID }); a != nil && d.Rng.IntN(4) > 0 {
				d.mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: a.ID, BaseVersion: a.Version})
			} else if m := d.pick("meetings", func(r *client.Row) bool { return r.Scope == cell.ID }); m != nil {
				d.mutate(wire.Mutation{Table: "meetings", Op: wire.MutDelete, RowID: m.ID, BaseVersion: m.Version})
			}
		case k == 5: // raise a recommendation
			d.mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: map[string]json.RawMessage{
				"cell_id": raw(cell.ID), "content": raw(fmt.Sprintf("Đề nghị sửa đường liên thôn, lần %d (%s)", d.Rng.IntN(1000), d.Name))}})
		case k == 6: // edit or withdraw one
			if r := d.pick("recommendations", func(r *client.Row) bool { return r.Scope == cell.ID && string(r.Field("status")) == `"new"` }); r != nil {
				if d.Rng.IntN(2) == 0 {
					d.mutate(wire.Mutation{Table: "recommendations", Op: wire.MutDelete, RowID: r.ID, BaseVersion: r.Version})
				} else {
					d.mutate(wire.Mutation{Table: "recommendations", Op: wire.MutUpsert, RowID: r.ID, BaseVersion: r.Version,
						Fields: map[string]json.RawMessage{"content": raw(fmt.Sprintf("Sửa: kiến nghị %d", d.Rng.IntN(1000)))},
						Base:   map[string]json.RawMessage{"content": r.Field("content")}})
				}
			}
		}
	}
}

// Sync pushes and pulls with random faults: a push whose answer is lost (sent twice), tiny pull pages, and a
// restart from the saved state.
func (d *Device) Sync(ctx context.Context, faults bool) error {
	c := d.Client
	if faults && d.Rng.IntN(4) == 0 && len(c.Local.Outbox) > 0 {
		// The answer to this push is lost: the device will send the same mutations again.
		ghost := *c
		ghost.Local = &client.Local{ClientID: c.Local.ClientID, Outbox: append([]wire.Mutation(nil), c.Local.Outbox...),
			Rows: map[string]*client.Row{}, Stats: map[string]int64{}}
		if _, err := ghost.Push(ctx); err != nil {
			return err
		}
		d.Faults["lost_answer"]++
	}
	limit := c.Limit
	if faults && d.Rng.IntN(3) == 0 {
		c.Limit = 1 + d.Rng.IntN(5)
		d.Faults["tiny_pages"]++
	}
	err := c.Sync(ctx)
	c.Limit = limit
	if err != nil {
		return err
	}
	if faults && d.dir != "" && d.Rng.IntN(5) == 0 {
		path := filepath.Join(d.dir, d.Name+".json")
		if err := c.Local.Save(path); err != nil {
			return err
		}
		l, err := client.Load(path)
		if err != nil {
			return err
		}
		c.Local = l
		d.Faults["restart"]++
	}
	return nil
}

// Verify asks the server for the checksums of the device's scopes and compares them with its rows. It returns
// the scopes that differ.
func (d *Device) Verify(ctx context.Context) ([]string, error) {
	st, err := d.Client.PullChecksums(ctx)
	if err != nil {
		return nil, err
	}
	return st.Mismatch, nil
}

// Cleanup removes the saved state.
func (d *Device) Cleanup() {
	if d.dir != "" {
		os.Remove(filepath.Join(d.dir, d.Name+".json"))
	}
}
