package demo_test

import (
	"context"
	"testing"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestDemoDirectory checks the demo's directory of addressees and matches what officials type against it.
func TestDemoDirectory(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	cfg := small(t, 7)
	sum, err := demo.Generate(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var dir []store.Addressee
	if err := db.R.NewSelect().Model(&dir).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if sum.Addressees != len(dir) || len(dir) < 20+2*16 {
		t.Fatalf("%d addressees (summary %d), want the province's and two communes'", len(dir), sum.Addressees)
	}
	byName := map[string]*store.Addressee{}
	for i := range dir {
		byName[dir[i].Name] = &dir[i]
	}
	for child, parent := range map[string]string{"UBND xã Triệu Phong": "Ủy ban nhân dân tỉnh Quảng Trị",
		"Công an xã Triệu Phong": "Công an tỉnh Quảng Trị", "Điện lực khu vực Triệu Phong": "Công ty Điện lực Quảng Trị",
		"Sở Nông nghiệp và Môi trường": "Ủy ban nhân dân tỉnh Quảng Trị", "Ban Thường vụ Đảng ủy xã Triệu Phong": "Đảng ủy xã Triệu Phong"} {
		c, p := byName[child], byName[parent]
		if c == nil || p == nil || c.ParentID == nil || *c.ParentID != p.ID {
			t.Errorf("%s: parent is not %s", child, parent)
		}
	}
	// Responders: ubnd answers for UBND xã Triệu Phong, songnmt for Sở Nông nghiệp và Môi trường.
	for name, user := range map[string]string{"UBND xã Triệu Phong": "ubnd", "Sở Nông nghiệp và Môi trường": demo.DirectoryResponder} {
		d, err := store.AddresseeDetailOf(ctx, db.R, sum.ProvinceID, byName[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Responders) != 1 || d.Responders[0].Username != user {
			t.Errorf("%s: responders %+v, want %s", name, d.Responders, user)
		}
	}
	// Demo recommendations addressed to a commune body carry it.
	var recs []store.Recommendation
	if err := db.R.NewSelect().Model(&recs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	with := 0
	for _, r := range recs {
		if r.AddresseeID == nil {
			continue
		}
		with++
		a := dir[0]
		for _, x := range dir {
			if x.ID == *r.AddresseeID {
				a = x
			}
		}
		if domain.Fold(r.AddresseeText) != domain.Fold(a.Name) && domain.Fold(r.AddresseeText) != domain.Fold(a.ShortName) && !contains(a.Aliases, r.AddresseeText) {
			t.Errorf("recommendation to %q has addressee %q", r.AddresseeText, a.Name)
		}
	}
	if with < len(recs)*9/10 {
		t.Errorf("%d of %d recommendations have an addressee_id", with, len(recs))
	}

	// MatchAddressee, from a cell of Triệu Phong and from nowhere.
	var cell store.OrgUnit
	if err := db.R.NewSelect().Model(&cell).Where("ou.name = ?", "Chi bộ thôn An Lợi").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	day := cfg.Today
	for _, tc := range []struct {
		text, cell, want string
	}{
		{"ubnd xa", cell.ID, "UBND xã Triệu Phong"},
		{"UBND xã", cell.ID, "UBND xã Triệu Phong"},
		{"Ủy ban nhân dân xã Triệu Phong", "", "UBND xã Triệu Phong"},
		{"uy ban nhan dan xa trieu phong", "", "UBND xã Triệu Phong"},
		{"UB xã", cell.ID, "UBND xã Triệu Phong"},
		{"điện lực", cell.ID, "Điện lực khu vực Triệu Phong"},
		{"Điện lực Quảng Trị", cell.ID, "Công ty Điện lực Quảng Trị"},
		{"công an", cell.ID, "Công an xã Triệu Phong"},
		{"Công an tỉnh", cell.ID, "Công an tỉnh Quảng Trị"},
		{"Sở NN&MT", "", "Sở Nông nghiệp và Môi trường"},
		{"so nong nghiep", cell.ID, "Sở Nông nghiệp và Môi trường"},
		{"Mặt trận xã", cell.ID, "Ủy ban MTTQ Việt Nam xã Triệu Phong"},
		{"BTV Đảng ủy", cell.ID, "Ban Thường vụ Đảng ủy xã Triệu Phong"},
		{"Công ty Cổ phần Nước sạch Quảng Trị", "", "Công ty Cổ phần Cấp nước Quảng Trị"},
		{"Hợp tác xã Hoa Sen", cell.ID, ""},
		{"", cell.ID, ""},
	} {
		got, err := store.MatchAddressee(ctx, db.R, sum.ProvinceID, tc.text, day, tc.cell)
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		if got != nil {
			name = got.Name
		}
		if name != tc.want {
			t.Errorf("MatchAddressee(%q, cell %v) = %q, want %q", tc.text, tc.cell != "", name, tc.want)
		}
	}
	// A retired body is not matched after its last day.
	ubnd := byName["UBND xã Triệu Phong"]
	if got, _ := store.MatchAddressee(ctx, db.R, sum.ProvinceID, "UBND xã Triệu Phong", day, cell.ID); got == nil || got.ID != ubnd.ID {
		t.Fatal("no match before retiring")
	}
	if _, err := db.W.NewUpdate().Model((*store.Addressee)(nil)).Set("active_to = ?", day.AddDays(-1)).Where("id = ?", ubnd.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.MatchAddressee(ctx, db.R, sum.ProvinceID, "UBND xã Triệu Phong", day, cell.ID); got != nil && got.ID == ubnd.ID {
		t.Error("a retired body is still matched")
	}
}

func contains(aliases, s string) bool {
	for _, a := range splitLines(aliases) {
		if domain.Fold(a) == domain.Fold(s) {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
