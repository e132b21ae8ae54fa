package roster

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
)

// templateColumns are the columns of the template, with headers Parse recognises, widths in characters and, for
// columns with a fixed set of values, the list offered in the cell (data validation).
var templateColumns = []struct {
	header string
	width  float64
	values []string
}{
	{"STT", 6, nil},
	{"Họ và tên", 28, nil},
	{"Ngày sinh", 12, nil},
	{"Giới tính", 9, GenderValues},
	{"Số thẻ đảng viên", 17, nil},
	{"Ngày vào Đảng", 14, nil},
	{"Ngày chính thức", 14, nil},
	{"Trạng thái", 22, StatusValues},
	{"Tạm miễn đến", 14, nil},
	{"Chi bộ", 28, nil},
	{"Chức vụ", 16, nil},
	{"Ghi chú", 30, nil},
}

// templateSample is the sample row of the template.
var templateSample = []any{1, "Nguyễn Văn An", "15/03/1975", "Nam", "79.012345", "19/05/2000", "19/05/2001",
	"Chính thức", "", "", "Đảng viên", ""}

// The template's layout: two title lines, a hint, a blank line, the header on line 5, the sample row on line 6.
const (
	templateSheet     = "Danh sách"
	templateHeaderRow = 5
)

// Template returns an empty roster workbook to fill in: title lines, the header row with every column Parse
// accepts, a sample row, the accepted values of "Giới tính" and "Trạng thái" offered as drop-down lists, and a
// second sheet listing the accepted values of each column. Imported as it is, it adds the sample member.
func Template(lang i18n.Lang) (_ []byte, err error) {
	f := excelize.NewFile()
	defer f.Close()
	fail := func(e error) ([]byte, error) { return nil, domain.Internal(e) }
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return fail(err)
	}
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": dates and card numbers stay as typed
	set := func(cell string, v any) {
		if err == nil {
			err = f.SetCellValue(templateSheet, cell, v)
		}
	}
	set("A1", "ĐẢNG BỘ ...")
	set("A2", i18n.T(lang, "roster.template_title", nil))
	set("A3", i18n.T(lang, "roster.template_hint", nil))
	if err != nil {
		return fail(err)
	}
	_ = f.SetCellStyle(templateSheet, "A1", "A2", title)
	values := i18n.T(lang, "roster.template_values", nil)
	if _, err := f.NewSheet(values); err != nil {
		return fail(err)
	}
	listCol := 0
	for i, c := range templateColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(fmt.Sprintf("%s%d", col, templateHeaderRow), c.header)
		set(fmt.Sprintf("%s%d", col, templateHeaderRow+1), templateSample[i])
		if err != nil {
			return fail(err)
		}
		_ = f.SetColWidth(templateSheet, col, col, c.width)
		if i >= 2 {
			// The column's own style, not one per cell: 20,000 styled cells made a 400 KB template.
			_ = f.SetColStyle(templateSheet, col, text)
		}
		if len(c.values) == 0 {
			continue
		}
		// The accepted values, one column per list on the second sheet, and a drop-down on the column.
		listCol++
		lc, _ := excelize.ColumnNumberToName(listCol)
		if err := f.SetCellValue(values, lc+"1", c.header); err != nil {
			return fail(err)
		}
		for j, v := range c.values {
			if err := f.SetCellValue(values, fmt.Sprintf("%s%d", lc, j+2), v); err != nil {
				return fail(err)
			}
		}
		_ = f.SetColWidth(values, lc, lc, 34)
		dv := excelize.NewDataValidation(true) // offered, not enforced: "Tạm miễn sinh hoạt đến 31/12/2026" is typed
		dv.Sqref = fmt.Sprintf("%s%d:%s%d", col, templateHeaderRow+1, col, templateHeaderRow+MaxRows)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", values, lc, lc, len(c.values)+1))
		if err := f.AddDataValidation(templateSheet, dv); err != nil {
			return fail(err)
		}
	}
	// The other columns' accepted forms, as notes beside the lists.
	notes := [][2]string{
		{"Ngày sinh", "1975 · 15/03/1975 · ô ngày của Excel"},
		{"Ngày vào Đảng, Ngày chính thức, Tạm miễn đến", "dd/mm/yyyy"},
		{"Chi bộ", "Tên chi bộ (khi nhập cả đảng bộ xã); bỏ trống khi nhập cho một chi bộ"},
	}
	for i, n := range notes {
		lc, _ := excelize.ColumnNumberToName(listCol + 2)
		lv, _ := excelize.ColumnNumberToName(listCol + 3)
		if err := f.SetCellValue(values, fmt.Sprintf("%s%d", lc, i+1), n[0]); err != nil {
			return fail(err)
		}
		if err := f.SetCellValue(values, fmt.Sprintf("%s%d", lv, i+1), n[1]); err != nil {
			return fail(err)
		}
		_ = f.SetColWidth(values, lc, lv, 40)
	}
	last, _ := excelize.ColumnNumberToName(len(templateColumns))
	_ = f.SetCellStyle(templateSheet, fmt.Sprintf("A%d", templateHeaderRow), fmt.Sprintf("%s%d", last, templateHeaderRow), head)
	_ = f.SetPanes(templateSheet, &excelize.Panes{Freeze: true, YSplit: templateHeaderRow, TopLeftCell: fmt.Sprintf("A%d", templateHeaderRow+1), ActivePane: "bottomLeft"})
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return fail(err)
	}
	return buf.Bytes(), nil
}
