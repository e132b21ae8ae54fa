package userimport

import (
	"bytes"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
)

// templateHeaders are the template's headers (Vietnamese, as Parse reads them) and the catalogue key explaining
// each.
var templateHeaders = []struct{ header, about string }{
	{"STT", ""},
	{"Họ và tên", "users_template.full_name"},
	{"Tên đăng nhập", "users_template.username"},
	{"Chức vụ", "users_template.title_col"},
	{"Điện thoại", "users_template.phone"},
	{"Đơn vị công tác", "users_template.home_unit"},
	{"Vai trò", "users_template.role"},
	{"Phạm vi", "users_template.scope"},
	{"Từ ngày", "users_template.from"},
	{"Đến ngày", "users_template.to"},
	{"Chi bộ phụ trách", "users_template.cells"},
	{"Ghi chú", "users_template.note"},
}

// Template returns the workbook to fill in: a title, the header row, a sample row that imports as it is into a
// unit with those names, and a guide sheet with each column's meaning and the accepted roles.
func Template(lang i18n.Lang, sample []string) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Danh sách"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, domain.Internal(err)
	}
	rows := [][]any{{i18n.T(lang, "users_template.title", nil)}, {i18n.T(lang, "users_template.subtitle", nil)}, {}}
	head := make([]any, len(templateHeaders))
	for i, h := range templateHeaders {
		head[i] = h.header
	}
	rows = append(rows, head)
	row := make([]any, len(sample)+1)
	row[0] = 1
	for i, s := range sample {
		row[i+1] = s
	}
	rows = append(rows, row)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &r); err != nil {
			return nil, domain.Internal(err)
		}
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = x.SetCellStyle(sheet, "A1", "A1", bold)
	_ = x.SetCellStyle(sheet, "A4", "L4", bold)
	_ = x.SetColWidth(sheet, "B", "B", 26)
	_ = x.SetColWidth(sheet, "C", "K", 18)
	// Dates and usernames stay text, so Excel neither turns 01/02/2026 into February nor drops a leading zero.
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49})
	_ = x.SetColStyle(sheet, "C:E", text)
	_ = x.SetColStyle(sheet, "I:J", text)
	guide := i18n.T(lang, "users_template.guide", nil)
	if _, err := x.NewSheet(guide); err != nil {
		return nil, domain.Internal(err)
	}
	_ = x.SetSheetRow(guide, "A1", &[]any{i18n.T(lang, "users_template.column", nil), i18n.T(lang, "users_template.meaning", nil)})
	n := 2
	for _, h := range templateHeaders {
		if h.about == "" {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		_ = x.SetSheetRow(guide, cell, &[]any{h.header, i18n.T(lang, h.about, nil)})
		n++
	}
	_ = x.SetCellStyle(guide, "A1", "B1", bold)
	_ = x.SetColWidth(guide, "A", "A", 20)
	_ = x.SetColWidth(guide, "B", "B", 100)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, domain.Internal(err)
	}
	return buf.Bytes(), nil
}
