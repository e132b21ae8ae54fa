package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestDemoCrossChecks: in the default demo an official is at one meeting an evening, but for one clash a
// supervisor finds (one official at two meetings of the same evening, both flagged); every cell has its position,
// a few km from the others; check-ins are near their cell, a few far; most visits are confirmed by the cell's
// secretary, some not, one is disputed; and visit_checks equals a recomputation.
func TestDemoCrossChecks(t *testing.T) {
	t.Parallel()
	// the clash is there whatever the day the demo is seeded (it once depended on the draws of that day)
	for _, day := range []domain.Date{today, domain.NewDate(2026, time.December, 4)} {
		t.Run(day.String(), func(t *testing.T) { demoCrossChecks(t, day) })
	}
}

func demoCrossChecks(t *testing.T, day domain.Date) {
	db := testdb.New(t)
	ctx := context.Background()
	sum, err := demo.Generate(ctx, db, demo.Config{Seed: 2026, Today: day, PasswordHash: hash(t)})
	if err != nil {
		t.Fatal(err)
	}
	if bad, err := store.CheckVisitChecks(ctx, db.R); err != nil || len(bad) > 0 {
		t.Fatalf("visit_checks differ from a recomputation: %v %v", bad, err)
	}
	// One meeting an evening, but for the clash.
	var evenings []struct {
		OfficialID  string      `bun:"official_id"`
		MeetingDate domain.Date `bun:"meeting_date"`
		N           int         `bun:"n"`
	}
	if err := db.R.NewRaw(`SELECT vr.official_id, m.meeting_date, COUNT(*) AS n FROM visit_reports AS vr
		JOIN meetings AS m ON m.id = vr.meeting_id WHERE vr.deleted_at IS NULL
		GROUP BY vr.official_id, m.meeting_date HAVING COUNT(*) > 1`).Scan(ctx, &evenings); err != nil {
		t.Fatal(err)
	}
	if len(evenings) != 1 || evenings[0].N != 2 {
		t.Fatalf("officials at more than one meeting an evening: %+v, want exactly one official's two", evenings)
	}
	var checks []store.VisitCheck
	if err := db.R.NewSelect().Model(&checks).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var clashes, confirmed, disputed, unconfirmed, far, near, verified int
	for _, c := range checks {
		if c.Clash {
			clashes++
			if c.OfficialID != evenings[0].OfficialID || c.MeetingDate != evenings[0].MeetingDate || c.Verified {
				t.Errorf("clash %+v is not the demo's one, or is verified", c)
			}
		}
		switch c.Confirmation {
		case "confirmed":
			confirmed++
		case "disputed":
			disputed++
		default:
			unconfirmed++
		}
		switch {
		case c.DistanceM == nil:
		case *c.DistanceM > 500:
			far++
		default:
			near++
		}
		if c.Verified {
			verified++
		}
	}
	n := len(checks)
	t.Logf("%d visits: %d clashes, %d confirmed, %d disputed, %d unconfirmed, %d far, %d near, %d verified",
		n, clashes, confirmed, disputed, unconfirmed, far, near, verified)
	if n != sum.VisitReports || clashes != 2 || disputed != 1 || confirmed < n*3/4 || unconfirmed < 5 || far < 1 || near < n/2 ||
		verified < n*3/4 || verified == n {
		t.Errorf("%d visits: %d clashes, %d confirmed, %d disputed, %d unconfirmed, %d far, %d near, %d verified",
			n, clashes, confirmed, disputed, unconfirmed, far, near, verified)
	}
	// Every cell has its position, in Quảng Trị, the cells of a commune a few km apart at most.
	var pos []struct {
		store.CellPosition `bun:",extend"`
		ParentID           string `bun:"parent_id"`
	}
	if err := db.R.NewSelect().Model(&pos).Column("cp.*").ColumnExpr("ou.parent_id").
		Join("JOIN org_units AS ou ON ou.id = cp.cell_id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(pos) != sum.Cells || sum.CellPositions != sum.Cells {
		t.Fatalf("%d positions (summary %d) for %d cells", len(pos), sum.CellPositions, sum.Cells)
	}
	for i, a := range pos {
		if a.Latitude < 16.3 || a.Latitude > 17.2 || a.Longitude < 106.5 || a.Longitude > 107.4 {
			t.Errorf("cell %s at %v, %v: not in Quảng Trị", a.CellID, a.Latitude, a.Longitude)
		}
		for _, b := range pos[i+1:] {
			if a.ParentID == b.ParentID {
				if d := store.DistanceM(a.Latitude, a.Longitude, b.Latitude, b.Longitude); d > 15000 {
					t.Errorf("cells %s and %s of a commune %.0f m apart", a.CellID, b.CellID, d)
				}
			}
		}
	}
}
