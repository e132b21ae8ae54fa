package rating_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/rating"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// BenchmarkRatingsImport previews and commits a district's year of ratings: 2,000 cells named in the file by
// name (no code), each given a label, into an empty year (creates), then again (unchanged).
func BenchmarkRatingsImport(b *testing.B) {
	const cells = 2000
	db := testdb.New(b)
	ctx := context.Background()
	var district *store.OrgUnit
	err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		prov := &store.OrgUnit{Name: "Đảng bộ tỉnh Thử", Kind: domain.KindProvince}
		if err := store.CreateOrgUnit(ctx, tx, prov); err != nil {
			return err
		}
		district = &store.OrgUnit{Name: "Đảng bộ huyện Thử", Kind: domain.KindDistrict, ParentID: &prov.ID}
		if err := store.CreateOrgUnit(ctx, tx, district); err != nil {
			return err
		}
		for c := 0; c < cells/100; c++ {
			com := &store.OrgUnit{Name: fmt.Sprintf("Đảng bộ xã %03d", c), Kind: domain.KindCommune, ParentID: &district.ID}
			if err := store.CreateOrgUnit(ctx, tx, com); err != nil {
				return err
			}
			for i := 0; i < 100; i++ {
				u := &store.OrgUnit{Name: fmt.Sprintf("Chi bộ thôn %03d-%03d", c, i), Kind: domain.KindCell, ParentID: &com.ID}
				if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	x := excelize.NewFile()
	labels := []string{"Hoàn thành xuất sắc nhiệm vụ", "HTTNV", "hoan thanh nhiem vu", "Không hoàn thành nhiệm vụ"}
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"STT", "Tên chi bộ", "Xếp loại"})
	for n := 0; n < cells; n++ {
		_ = x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", n+2), &[]any{n + 1, fmt.Sprintf("thôn %03d-%03d", n/100, n%100), labels[n%4]})
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	for b.Loop() {
		f, err := rating.Parse(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		plan, err := rating.PlanImport(ctx, db.R, district, 2025, f)
		if err != nil || plan.Errors > 0 {
			b.Fatal(err, plan.Errors)
		}
		err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			plan, err := rating.PlanImport(ctx, tx, district, 2025, f)
			if err != nil {
				return err
			}
			_, err = plan.Apply(ctx, tx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
