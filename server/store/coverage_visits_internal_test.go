package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSortOverdueByVietnameseNames: overdue reports of the same age come in the order of their cells' names as the
// lists of units have them, diacritics aside ("Đ" with "D"), not by bytes (where "Đ" came after "T").
func TestSortOverdueByVietnameseNames(t *testing.T) {
	out := []OverdueReport{
		{CellID: "1", CellName: "Chi bộ thôn Bích La Trung", DaysOverdue: 3},
		{CellID: "2", CellName: "Chi bộ thôn Đại Hào", DaysOverdue: 3},
		{CellID: "3", CellName: "Chi bộ thôn Bích La Đông", DaysOverdue: 3},
		{CellID: "4", CellName: "Chi bộ thôn Cam Lộ", DaysOverdue: 3},
		{CellID: "5", CellName: "Chi bộ thôn Vĩnh Lại", DaysOverdue: 9},
	}
	sortOverdue(out)
	var got []string
	for _, o := range out {
		got = append(got, o.CellName)
	}
	want := []string{"Chi bộ thôn Vĩnh Lại", "Chi bộ thôn Bích La Đông", "Chi bộ thôn Bích La Trung", "Chi bộ thôn Cam Lộ", "Chi bộ thôn Đại Hào"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
