package userimport_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/server/userimport"
)

// BenchmarkImportOfficials previews and commits a decision's list of 1,000 officials, each assigned to two of a
// district's 500 cells, into a fresh database (password hashing left out: the server hashes the new users' one-time
// passwords before the transaction, in parallel).
func BenchmarkImportOfficials(b *testing.B) {
	const officials, cells = 1000, 500
	ctx := context.Background()
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"DANH SÁCH CÁN BỘ"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"STT", "Họ và tên", "Chức vụ", "Vai trò", "Từ ngày", "Đến ngày", "Chi bộ phụ trách"})
	for i := 0; i < officials; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+4)
		_ = x.SetSheetRow("Sheet1", cell, &[]any{i + 1, fmt.Sprintf("Nguyễn Văn Cán Bộ %d", i), "Đảng ủy viên", "Cán bộ dự sinh hoạt",
			"01/01/2026", "31/12/2026", fmt.Sprintf("Chi bộ thôn %d; Chi bộ thôn %d", i%cells, (i+1)%cells)})
	}
	var buf bytes.Buffer
	_ = x.Write(&buf)
	data := buf.Bytes()
	var preview, commit time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		db := testdb.New(b)
		var target *store.OrgUnit
		err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			target = &store.OrgUnit{Name: "Đảng bộ huyện Thử", Kind: domain.KindDistrict}
			if err := store.CreateOrgUnit(ctx, tx, target); err != nil {
				return err
			}
			for i := 0; i < cells; i++ {
				if err := store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: fmt.Sprintf("Chi bộ thôn %d", i), Kind: domain.KindCell, ParentID: &target.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		f, err := userimport.Parse(bytes.NewReader(data), "list.xlsx")
		if err != nil {
			b.Fatal(err)
		}
		plan, err := userimport.PlanImport(ctx, db.R, target, f, userimport.Decision{Number: "1-QĐ"})
		if err != nil || plan.ErrorRows > 0 || plan.NewUsers != officials {
			b.Fatalf("preview: %v %+v", err, plan.Errors)
		}
		previewed := time.Now()
		preview += previewed.Sub(start)
		err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			plan, err := userimport.PlanImport(ctx, tx, target, f, userimport.Decision{Number: "1-QĐ"})
			if err != nil {
				return err
			}
			_, err = plan.Apply(ctx, tx, func() string { return "mot-lan-thoi-a" }, func(string) (string, error) { return "x", nil })
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		commit += time.Since(previewed)
	}
	b.ReportMetric(preview.Seconds()/float64(b.N), "preview-s")
	b.ReportMetric(commit.Seconds()/float64(b.N), "commit-s")
}
