package export_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
)

func sheet() *export.Sheet {
	half := 0.5
	return &export.Sheet{Name: "Thử", Title: "BÁO CÁO THỬ", Info: [][2]string{{"Tổ chức", "Chi bộ thôn An Lợi"}},
		GeneratedLabel: "Xuất lúc", GeneratedAt: time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC),
		Columns: []export.Column{{Header: "Tên", Kind: export.Text}, {Header: "Số", Kind: export.Int},
			{Header: "Tỷ lệ", Kind: export.Percent}, {Header: "Ngày", Kind: export.Date}},
		Rows: [][]any{
			{"=SUM(A1)", 3, &half, domain.NewDate(2026, 11, 3)},
			{"Trống", nil, (*float64)(nil), domain.Date{}},
			{"Một", 1, 1.0, nil},
		}}
}

func TestXLSX(t *testing.T) {
	b, err := export.XLSX(sheet())
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	shown, _ := x.GetRows("Thử")
	raw, _ := x.GetRows("Thử", excelize.Options{RawCellValue: true})
	// 23:30 UTC is 06:30 the next morning in Hà Nội.
	want := [][]string{{"BÁO CÁO THỬ"}, {"Tổ chức: Chi bộ thôn An Lợi"}, {"Xuất lúc: 02/12/2026 06:30"}, nil,
		{"Tên", "Số", "Tỷ lệ", "Ngày"}, {"=SUM(A1)", "3", "50.0%", "03/11/2026"}, {"Trống"}, {"Một", "1", "100.0%"}}
	if diff := cmp.Diff(want, shown); diff != "" {
		t.Errorf("shown (-want +got):\n%s", diff)
	}
	if raw[5][1] != "3" || raw[5][2] != "0.5" || raw[5][3] != "46329" {
		t.Errorf("raw %q: numbers and dates must be stored as numbers", raw[5])
	}
	if f, _ := x.GetCellFormula("Thử", "A6"); f != "" {
		t.Errorf("text became a formula: %q", f)
	}
	if s := sheet(); s.HeaderRow() != 5 {
		t.Errorf("header row %d", s.HeaderRow())
	}
}

func TestCSV(t *testing.T) {
	b, err := export.CSV(sheet())
	if err != nil {
		t.Fatal(err)
	}
	want := "\ufeffBÁO CÁO THỬ\r\nTổ chức: Chi bộ thôn An Lợi\r\nXuất lúc: 02/12/2026 06:30\r\n\r\nTên,Số,Tỷ lệ,Ngày\r\n" +
		"'=SUM(A1),3,50.0%,03/11/2026\r\nTrống,,,\r\nMột,1,100.0%,\r\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWrongValues(t *testing.T) {
	tests := []struct {
		name string
		row  []any
	}{
		{"text in a number column", []any{"a", "3", nil, nil}},
		{"a time in a date column", []any{"a", 3, nil, time.Now()}},
		{"too few values", []any{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sheet()
			s.Rows = [][]any{tt.row}
			if _, err := export.XLSX(s); err == nil || domain.ErrorCode(err) != domain.CodeInternal {
				t.Errorf("xlsx: %v", err)
			}
			if _, err := export.CSV(s); err == nil || !strings.Contains(err.Error(), "internal") {
				t.Errorf("csv: %v", err)
			}
		})
	}
}

func TestXLSXSheets(t *testing.T) {
	second := &export.Sheet{Name: "Thống kê", Title: "THỐNG KÊ", GeneratedLabel: "Xuất lúc", GeneratedAt: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC),
		Columns: []export.Column{{Header: "Lĩnh vực", Kind: export.Text}, {Header: "Tổng số", Kind: export.Int}},
		Rows:    [][]any{{"Nông nghiệp", 4}, {"Tổng cộng", 4}}, BoldRows: []int{1}}
	b, err := export.XLSX(sheet(), second)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if diff := cmp.Diff([]string{"Thử", "Thống kê"}, x.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	if x.GetActiveSheetIndex() != 0 {
		t.Errorf("the workbook opens on sheet %d", x.GetActiveSheetIndex())
	}
	first, _ := x.GetRows("Thử")
	if len(first) != 8 || first[5][0] != "=SUM(A1)" {
		t.Errorf("first sheet %q", first)
	}
	rows, _ := x.GetRows("Thống kê", excelize.Options{RawCellValue: true})
	want := [][]string{{"THỐNG KÊ"}, {"Xuất lúc: 01/12/2026 08:00"}, nil, {"Lĩnh vực", "Tổng số"}, {"Nông nghiệp", "4"}, {"Tổng cộng", "4"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("second sheet (-want +got):\n%s", diff)
	}
	if typ, _ := x.GetCellType("Thống kê", "B5"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("a count is stored as text")
	}
}
