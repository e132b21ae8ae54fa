package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// TestCursorCacheGivesCopies: a cursor decoded from the cache is the device's own copy; what a round changes in it
// never shows in the next decoding of the same cursor.
func TestCursorCacheGivesCopies(t *testing.T) {
	var cc cursorCache
	orig := (&cursor{V: cursorVersion, Epoch: "e", Tx: 5, High: 5, Scopes: []string{"a", "b"}, Window: "2025-01",
		Round: &round{Snap: []string{"c"}, Fresh: []string{"d"}}}).encode()
	for i := 0; i < 3; i++ {
		c, err := cc.decode(orig)
		if err != nil {
			t.Fatal(err)
		}
		if c.Tx != 5 || c.Scopes[0] != "a" || c.Round.Snap[0] != "c" || c.Round.Fresh[0] != "d" {
			t.Fatalf("decoding %d: %+v %+v", i, c, c.Round)
		}
		c.Tx, c.Scopes[0], c.Round.Snap[0], c.Round.Fresh[0], c.Round.Table = 99, "x", "y", "z", 3
	}
	if _, err := cc.decode("not a cursor"); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

// TestScanAttendanceIsTheModel: the snapshot's own reading of attendance rows gives the rows bun's model gives,
// to the byte of their JSON, deleted rows and reasons included, on either database.
func TestScanAttendanceIsTheModel(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := demo.Generate(ctx, db, demo.Config{Seed: 3, Communes: 1, CellsPerCommune: 2, MembersPerCell: 5,
		Officials: 1, Months: 3, Today: domain.NewDate(2026, 4, 10), PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	// A deleted mark and an absence with a reason of hostile text.
	if _, err := db.W.NewRaw(`UPDATE attendance SET deleted_at = updated_at WHERE id = (SELECT id FROM attendance ORDER BY id LIMIT 1)`).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.NewRaw(`UPDATE attendance SET status = 'excused', reason = ? WHERE id = (SELECT id FROM attendance ORDER BY id DESC LIMIT 1)`,
		"Ốm <nặng> & \"nằm viện\"\n").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var want []*store.Attendance
	if err := db.R.NewSelect().Model(&want).WhereAllWithDeleted().OrderExpr("at.id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var model []*store.Attendance
	got, err := scanAttendance(ctx, attendanceRows(db.R, &model).WhereAllWithDeleted().OrderExpr("at.id"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 || len(got) != len(want) {
		t.Fatalf("%d rows read, the model %d", len(got), len(want))
	}
	deleted := 0
	for i := range want {
		a, _ := json.Marshal(want[i])
		b, _ := changelog.Marshal(got[i])
		if string(a) != string(b) {
			t.Fatalf("row %d:\nmodel %s\nown   %s", i, a, b)
		}
		if want[i].DeletedAt != nil {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("%d deleted rows read, want 1", deleted)
	}
}
