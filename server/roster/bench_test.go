package roster_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// benchRows is the size of the roster the speed targets name: a 2,000-row commune-wide file previews in ≤ 2 s
// and commits in ≤ 5 s on PostgreSQL (run with CHIBO_TEST_DB=postgres go test -bench Roster2000 ./server/roster).
const benchRows = 2000

// benchFile is a 2,000-row commune-wide messy workbook (title lines, mixed birth formats, status column).
func benchFile(b *testing.B, n int) []byte {
	b.Helper()
	t := &testing.T{}
	rows := messyRows(benchRows, store.Now())
	for i := range rows {
		rows[i].name = fmt.Sprintf("%s %d", rows[i].name, i) // 2,000 distinct people
		rows[i].card = fmt.Sprintf("%d.%06d", 10+n, i)       // card numbers are unique in the whole database
	}
	data := messyXLSX(t, rows)
	if t.Failed() {
		b.Fatal("benchFile")
	}
	return data
}

// benchCommune adds a commune with the three cells messyCells names.
func benchCommune(b *testing.B, db *store.DB, province *store.OrgUnit, n int) *store.OrgUnit {
	b.Helper()
	var commune *store.OrgUnit
	err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		commune = &store.OrgUnit{Name: fmt.Sprintf("Đảng bộ xã %d", n), Kind: domain.KindCommune, ParentID: &province.ID}
		if err := store.CreateOrgUnit(ctx, tx, commune); err != nil {
			return err
		}
		for _, name := range []string{"Chi bộ thôn An Lợi", "Chi bộ thôn Đồng Bào", "Chi bộ thôn 3"} {
			if err := store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: name, Kind: domain.KindCell, ParentID: &commune.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return commune
}

func BenchmarkRoster2000Preview(b *testing.B) {
	db := testdb.New(b)
	data := benchFile(b, 0)
	province := &store.OrgUnit{Name: "Tỉnh", Kind: domain.KindProvince}
	if err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error { return store.CreateOrgUnit(ctx, tx, province) }); err != nil {
		b.Fatal(err)
	}
	commune := benchCommune(b, db, province, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := roster.Parse(bytes.NewReader(data), "x.xlsx")
		if err != nil {
			b.Fatal(err)
		}
		plan, err := roster.PlanImport(context.Background(), db.R, commune, f)
		if err != nil || len(plan.Errors) != 0 || plan.Creates+plan.WarningRows < benchRows-plan.WarningRows {
			b.Fatalf("plan: %v %d errors", err, len(plan.Errors))
		}
	}
}

func BenchmarkRoster2000Commit(b *testing.B) {
	db := testdb.New(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A fresh province (card numbers are unique in a province, and a card of another commune is a transfer):
		// every row is a create.
		prov := &store.OrgUnit{Name: fmt.Sprintf("Tỉnh %d", i), Kind: domain.KindProvince}
		if err := db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error { return store.CreateOrgUnit(ctx, tx, prov) }); err != nil {
			b.Fatal(err)
		}
		commune := benchCommune(b, db, prov, i)
		data := benchFile(b, i)
		b.StartTimer()
		f, err := roster.Parse(bytes.NewReader(data), "x.xlsx")
		if err != nil {
			b.Fatal(err)
		}
		var res roster.Result
		err = db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			plan, err := roster.PlanImport(ctx, tx, commune, f)
			if err != nil {
				return err
			}
			res, err = plan.Apply(ctx, tx)
			return err
		})
		if err != nil || res.Created != benchRows {
			b.Fatalf("commit: %v %+v", err, res)
		}
	}
}
