package addressee_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/addressee"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// BenchmarkImportDirectory previews and commits a province's directory of 2,000 bodies into a fresh database: 16
// provincial bodies and 16 bodies for each of 124 communes (found from their names), each commune body's parent given
// by name (a provincial body, or UBND xã of its commune further down the file); then imports it again (nothing
// changes).
func BenchmarkImportDirectory(b *testing.B) {
	const communes = 124
	ctx := context.Background()
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"DANH BẠ CƠ QUAN NHẬN KIẾN NGHỊ"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"STT", "Tên cơ quan, đơn vị", "Cấp", "Loại", "Cơ quan cấp trên", "Từ ngày"})
	line := 4
	row := func(v ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, line)
		_ = x.SetSheetRow("Sheet1", cell, &v)
		line++
	}
	for i := 0; i < 16; i++ {
		row(line-3, fmt.Sprintf("Sở số %d tỉnh", i), "Tỉnh", "Chính quyền", "", "01/07/2025")
	}
	for c := 0; c < communes; c++ {
		for k := 0; k < 15; k++ {
			row(line-3, fmt.Sprintf("Hội số %d xã Thử %d", k, c), "Cấp xã", "Mặt trận", fmt.Sprintf("UBND xã Thử %d", c), "01/07/2025")
		}
		row(line-3, fmt.Sprintf("UBND xã Thử %d", c), "Cấp xã", "Chính quyền", fmt.Sprintf("Sở số %d tỉnh", c%16), "01/07/2025")
	}
	var buf bytes.Buffer
	_ = x.Write(&buf)
	data := buf.Bytes()
	var first, again time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		db := testdb.New(b)
		var prov *store.OrgUnit
		err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			prov = &store.OrgUnit{Name: "Đảng bộ tỉnh Thử", Kind: domain.KindProvince}
			if err := store.CreateOrgUnit(ctx, tx, prov); err != nil {
				return err
			}
			for c := 0; c < communes; c++ {
				if err := store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: fmt.Sprintf("Đảng bộ xã Thử %d", c), Kind: domain.KindCommune, ParentID: &prov.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for pass, d := range []*time.Duration{&first, &again} {
			start := time.Now()
			f, err := addressee.Parse(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			var written map[string]int
			err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				plan, err := addressee.PlanImport(ctx, tx, prov, f)
				if err != nil {
					return err
				}
				written, err = plan.Apply(ctx, tx)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			*d += time.Since(start)
			if want := map[int]string{0: "create", 1: "unchanged"}[pass]; written[want] != 16+16*communes {
				b.Fatalf("pass %d: %v", pass, written)
			}
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(first.Seconds()/float64(b.N), "s/import")
	b.ReportMetric(again.Seconds()/float64(b.N), "s/reimport")
}
