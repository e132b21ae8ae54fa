package demo

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// The cross-checks of attendance (issue #13) in the demo. Every cell of a commune meets on the evening of the 3rd
// (Chỉ thị 50), so an official assigned to several cells goes to one a month, in turn (it cannot be at three
// villages at 19:30), and to a meeting moved to the 5th when that evening is free. Each cell has its position
// (where it meets, a few km from the others); check-ins carry a position near the cell, a few far off. The cell's
// secretary confirms most visits, not yet the recent ones nor a few others; one visit is disputed. One official
// is "at" two meetings on the same evening once, two months back: the clash a supervisor has to find.
//
// These draw nothing from the communes' random streams (the rest of the data set stays as it was): what varies is
// decided by a hash of the row's id.

// hashPercent is a number 0…99 fixed by key.
func hashPercent(key string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % 100)
}

// planChecks picks the demo's clash: the first official but canbo with two cells of one commune, on the regular
// meeting two months back.
func (g *generator) planChecks() {
	g.evenings = map[*official]map[domain.Date]bool{}
	if len(g.months) < 3 {
		return
	}
	g.clashDate = g.months[len(g.months)-3]
	for _, o := range g.officials {
		if o == g.canbo {
			continue
		}
		var cells []*cell
		for _, a := range o.assignments {
			if a.row.Status == domain.AssignmentActive && !a.row.StartsOn.After(g.clashDate) && a.cell.unit.ClosedOn.IsZero() &&
				(len(cells) == 0 || a.cell.com == cells[0].com) {
				cells = append(cells, a.cell)
			}
		}
		if len(cells) >= 2 {
			g.clashOff, g.clashCells = o, [2]*cell{cells[0], cells[1]}
			return
		}
	}
}

// attends reports whether official o goes to cell c's meeting on day d: one meeting an evening, an official with
// several cells meeting on the 3rd goes to them in turn, one a month (the demo's clash aside).
func (g *generator) attends(o *official, c *cell, d domain.Date) bool {
	if g.evenings[o] == nil {
		g.evenings[o] = map[domain.Date]bool{}
	}
	if o == g.clashOff && d == g.clashDate && (c == g.clashCells[0] || c == g.clashCells[1]) {
		g.evenings[o][d] = true
		return true
	}
	if d.Day() == 3 {
		var mine []*cell
		for _, a := range o.assignments {
			if !a.row.StartsOn.After(d) && (a.row.EndsOn.IsZero() || !a.row.EndsOn.Before(d)) &&
				!a.cell.unit.OpenedOn.After(d) && (a.cell.unit.ClosedOn.IsZero() || !a.cell.unit.ClosedOn.Before(d)) {
				mine = append(mine, a.cell)
			}
		}
		if len(mine) > 1 && mine[(d.Year()*12+int(d.Month()))%len(mine)] != c {
			return false
		}
	}
	if g.evenings[o][d] {
		return false
	}
	g.evenings[o][d] = true
	return true
}

// cellPosition writes where cell c meets (set by its secretary, or an admin, when the roll was entered).
func (cg *communeGen) cellPosition(ctx context.Context, c *cell) error {
	g := cg.g
	p := store.CellPosition{CellID: c.unit.ID, Latitude: round6(c.lat), Longitude: round6(c.lon), AccuracyM: ptr(8 + hashPercent(c.unit.ID)%20),
		SetAt: &g.setupAt}
	p.ID = wire.PositionID(c.unit.ID)
	if c.secretaryUser != "" {
		p.SetBy = ptr(c.secretaryUser)
	}
	p.CreatedAt, p.UpdatedAt = g.setupAt, g.setupAt
	return put(ctx, g.w, &g.w.positions, p)
}

// checkInPosition places a check-in near the cell (the device's error), about one in twelve 1.5 to 4.5 km off (a
// check-in made on the way, or a poor fix).
func checkInPosition(vr *store.VisitReport, c *cell) {
	if vr.Latitude == nil {
		return
	}
	if k := hashPercent(vr.ID + ":far"); k < 8 {
		lat := round6(*vr.Latitude + 0.014 + 0.004*float64(k))
		vr.Latitude = &lat
	}
}

// confirm writes the cell secretary's word on a visit, if any: most visits are confirmed the evening of the
// meeting; those of the last week and about one in seven others are not (yet); one is disputed.
func (cg *communeGen) confirm(ctx context.Context, c *cell, mt *store.Meeting, vr *store.VisitReport) error {
	g := cg.g
	d := mt.MeetingDate
	status, reason := domain.ConfirmConfirmed, ""
	switch {
	case vr.OfficialID == g.clashOff.userID() && d == g.clashDate && c == g.clashCells[1]:
		return nil // the clash's second visit: the secretary has not confirmed it
	case !g.disputed && vr.OfficialID != g.canbo.user.ID && d == g.months[max(0, len(g.months)-4)]:
		g.disputed = true
		status, reason = domain.ConfirmDisputed, "Đồng chí chỉ đến điểm danh đầu buổi rồi về, không dự hết buổi sinh hoạt."
	case daysBetween(d, g.today) <= 7 || hashPercent(vr.ID) < 15:
		return nil
	}
	at := mt.EndsAt.Add(10 * time.Minute)
	if at.After(g.now) {
		return nil
	}
	vc := store.VisitConfirmation{MeetingID: mt.ID, OfficialID: vr.OfficialID, Status: status, Reason: reason, ConfirmedAt: &at}
	vc.ID = wire.ConfirmationID(mt.ID, vr.OfficialID)
	if c.secretaryUser != "" {
		vc.ConfirmedBy = ptr(c.secretaryUser)
	}
	vc.CreatedAt, vc.UpdatedAt = at, at
	return put(ctx, g.w, &g.w.confirmations, vc)
}

func (o *official) userID() string {
	if o == nil {
		return ""
	}
	return o.user.ID
}
