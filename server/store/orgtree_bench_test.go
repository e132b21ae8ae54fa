package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// BenchmarkOrgTreeProvince times what the org tree screen asks at province scale, on a tree of 100 communes of
// 100 cells (10,000 cells) under one province: opening a unit (the unit, its ancestors and its lineage), its
// first page of children, and a search across the province (as its administrator) and across a commune (as the
// commune's supervisor). Run it on PostgreSQL (CHIBO_TEST_DB=postgres); it reports the median in milliseconds
// besides Go's mean. Targets: search ≤ 300 ms, the screen (a unit and its children) ≤ 1 s.
func BenchmarkOrgTreeProvince(b *testing.B) {
	db := testdb.New(b)
	ctx := context.Background()
	names := []string{"An Lợi", "Đồng Bào", "Phước Thị", "Hòa Bình", "Tân Xuân", "Quyết Thắng", "Nghĩa Hòa", "Thủy Tú", "Ái Tử", "Gia Độ"}
	now := store.Now()
	mk := func(name string, kind domain.OrgKind, parent *store.OrgUnit, code string) store.OrgUnit {
		u := store.OrgUnit{Base: store.Base{ID: domain.NewID(), CreatedAt: now, UpdatedAt: now}, Name: name, NameFold: domain.Fold(name),
			Kind: kind, Code: code, OpenedOn: domain.NewDate(2020, 1, 1)}
		u.Path, u.Depth = "/"+u.ID+"/", 0
		if parent != nil {
			u.ParentID = &parent.ID
			u.Path, u.Depth = parent.Path+u.ID+"/", parent.Depth+1
		}
		return u
	}
	province := mk("Đảng bộ tỉnh Quảng Trị", domain.KindProvince, nil, "QT")
	units := []store.OrgUnit{province}
	var communes []store.OrgUnit
	for c := range 100 {
		cm := mk(fmt.Sprintf("Đảng bộ xã %s %d", names[c%len(names)], c+1), domain.KindCommune, &province, fmt.Sprintf("QT-%03d", c+1))
		communes = append(communes, cm)
		units = append(units, cm)
		for k := range 100 {
			units = append(units, mk(fmt.Sprintf("Chi bộ thôn %s %d", names[(c+k)%len(names)], k+1), domain.KindCell, &cm,
				fmt.Sprintf("QT-%03d-%03d", c+1, k+1)))
		}
	}
	for i := 0; i < len(units); i += 1000 {
		chunk := units[i:min(i+1000, len(units))]
		if _, err := db.W.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if testdb.Dialect() == "pg" {
		if _, err := db.W.ExecContext(ctx, "ANALYZE org_units"); err != nil {
			b.Fatal(err)
		}
	}
	commune := &communes[57]
	cell := &units[len(units)-42]
	admin := []string{province.Path}
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"open-province", func() error { return openUnit(ctx, db, &province, admin) }},
		{"open-commune", func() error { return openUnit(ctx, db, commune, admin) }},
		{"open-cell", func() error { return openUnit(ctx, db, cell, admin) }},
		{"search-province-word", func() error {
			return search(ctx, db, store.OrgUnitFilter{Query: "dong bao"}, admin)
		}},
		{"search-province-rare", func() error {
			return search(ctx, db, store.OrgUnitFilter{Query: "thủy tú 99"}, admin)
		}},
		{"search-province-code", func() error {
			return search(ctx, db, store.OrgUnitFilter{Query: "qt-058-017"}, admin)
		}},
		{"search-province-cells", func() error {
			return search(ctx, db, store.OrgUnitFilter{Query: "hoa binh", Kind: domain.KindCell}, admin)
		}},
		{"search-commune-supervisor", func() error {
			return search(ctx, db, store.OrgUnitFilter{Query: "an loi"}, []string{commune.Path})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// openUnit does what the tree screen does to show a unit: the unit, its ancestors, its predecessors and
// successors, and the first page of its children.
func openUnit(ctx context.Context, db *store.DB, u *store.OrgUnit, roots []string) error {
	got, err := store.GetOrgUnit(ctx, db.R, u.ID)
	if err != nil {
		return err
	}
	if _, err := store.Ancestors(ctx, db.R, got); err != nil {
		return err
	}
	if _, _, err := store.Lineage(ctx, db.R, got.ID); err != nil {
		return err
	}
	_, err = store.ListOrgUnits(ctx, db.R, store.OrgUnitFilter{ParentID: got.ID}, roots, store.PageRequest{Limit: 50})
	return err
}

// search asks for the first page of a search, as the screen does.
func search(ctx context.Context, db *store.DB, f store.OrgUnitFilter, roots []string) error {
	p, err := store.ListOrgUnits(ctx, db.R, f, roots, store.PageRequest{Limit: 50})
	if err == nil && len(p.Items) == 0 {
		return fmt.Errorf("search %q found nothing", f.Query)
	}
	return err
}
