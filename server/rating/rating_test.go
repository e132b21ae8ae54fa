package rating

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestHeaderKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		header string
		want   colKind
	}{
		{"STT", colNone},
		{"Tên chi bộ", colName},
		{"Tên tổ chức đảng", colName},
		{"Chi bộ", colName},
		{"Chi bộ trực thuộc", colNone},
		{"Mã chi bộ", colCode},
		{"Cell code", colCode},
		{"Kết quả xếp loại", colLabel},
		{"XẾP LOẠI CHẤT LƯỢNG", colLabel},
		{"Mức đánh giá", colLabel},
		{"Năm", colYear},
		{"Ghi chú", colNone},
	}
	for _, c := range cases {
		if got := headerKind(norm(c.header)); got != c.want {
			t.Errorf("%q: %v, want %v", c.header, got, c.want)
		}
	}
	for in, want := range map[string]string{"Hoàn thành xuất sắc nhiệm vụ": "htxsnv", "Không hoàn thành nhiệm vụ": "khtnv", "Trong sạch, vững mạnh": "tsvm"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cellKey("  CHI BỘ   Thôn  An Lợi."); got != "thon an loi" {
		t.Errorf("cellKey: %q", got)
	}
}

// TestParseFindsTheHeader reads a sheet with title rows, a numbering row, blank rows and a footer below the data,
// on the second sheet of the workbook.
func TestParseFindsTheHeader(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetCellValue("Sheet1", "A1", "Ghi chú: xem trang sau")
	if _, err := f.NewSheet("Xếp loại"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{{"ĐẢNG BỘ XÃ TRIỆU PHONG"}, {"KẾT QUẢ XẾP LOẠI NĂM 2025"}, {},
		{"STT", "Mã", "Tên chi bộ", "Năm", "Xếp loại"}, {"1", "2", "3", "4", "5"},
		{1, "CB01", "Chi bộ thôn An Lợi", 2025, "Hoàn thành tốt nhiệm vụ"}, {}, {2, "", "Thôn Phước Thị", "", ""},
		{"", "", "Người lập biểu", "", ""}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Xếp loại", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []rawRow{{line: 6, code: "CB01", name: "Chi bộ thôn An Lợi", year: "2025", label: "Hoàn thành tốt nhiệm vụ"},
		{line: 8, name: "Thôn Phước Thị"}, {line: 9, name: "Người lập biểu"}}
	if diff := cmp.Diff(want, got.rows, cmp.AllowUnexported(rawRow{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got.headers[colLabel] != "E (Xếp loại)" || got.headers[colCode] != "B (Mã)" {
		t.Errorf("headers %v", got.headers)
	}
	if _, err := Parse(bytes.NewReader([]byte("not a workbook"))); err == nil {
		t.Error("a text file parsed")
	}
}
