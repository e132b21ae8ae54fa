package roster

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// exportColumns are the columns of an export, with headers Parse recognises and widths in characters.
var exportColumns = []struct {
	header string
	width  float64
}{
	{"STT", 6}, {"Họ và tên", 28}, {"Năm sinh", 10}, {"Giới tính", 9}, {"Số thẻ đảng viên", 17},
	{"Ngày vào Đảng", 14}, {"Ngày chính thức", 14}, {"Loại đảng viên", 14}, {"Tình trạng sinh hoạt", 24},
	{"Tạm miễn đến", 14}, {"Chi bộ", 28}, {"Mã chi bộ", 12}, {"Chức vụ", 16}, {"Ghi chú", 30},
}

// The export's layout: three title lines, a blank line, the header, then the members.
const (
	exportHeaderRow = 5
	exportDateFmt   = "dd/mm/yyyy"
)

var (
	genderLabels     = map[domain.Gender]string{domain.GenderMale: "Nam", domain.GenderFemale: "Nữ"}
	membershipLabels = map[domain.Membership]string{domain.MembershipFull: "Chính thức", domain.MembershipProbationary: "Dự bị"}
	statusLabels     = map[domain.MemberStatus]string{
		domain.StatusActive:      "Đang sinh hoạt",
		domain.StatusExempt:      "Miễn sinh hoạt",
		domain.StatusTempExempt:  "Tạm miễn sinh hoạt",
		domain.StatusTransferred: "Chuyển sinh hoạt đi",
		domain.StatusDeceased:    "Từ trần",
	}
)

const attachedLabel = "Sinh hoạt tạm thời"

// exportRow is a member with its cell, as an export lists it.
type exportRow struct {
	store.Member `bun:",extend"`
	CellName     string `bun:"cell_name"`
	CellCode     string `bun:"cell_code"`
}

// statusLabel says a member's status as the "Tình trạng sinh hoạt" column does.
func statusLabel(m *store.Member) string {
	if !m.TemporarilyAttached {
		return statusLabels[m.Status]
	}
	if m.Status == domain.StatusActive || m.Status == "" {
		return attachedLabel
	}
	return statusLabels[m.Status] + "; " + attachedLabel
}

// loadExport returns every live member of the cells of unit's subtree, by cell and then by name.
func loadExport(ctx context.Context, db bun.IDB, unit *store.OrgUnit) ([]exportRow, error) {
	var rows []exportRow
	err := db.NewSelect().Model((*store.Member)(nil)).Column("m.*").
		ColumnExpr("ou.name AS cell_name, ou.code AS cell_code").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id").
		Where("ou.path >= ? AND ou.path < ?", unit.Path, domain.PathUpper(unit.Path)).
		Where("ou.deleted_at IS NULL").
		OrderExpr("ou.name_fold, ou.id, m.name_fold, m.id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return rows, nil
}

// titleLines are the lines above the header: the unit, the report's name and when it was made.
func titleLines(unit *store.OrgUnit, lang i18n.Lang, now time.Time) [3]string {
	return [3]string{
		i18n.T(lang, "export.org_unit", nil) + ": " + unit.Name,
		i18n.T(lang, "export.roster_title", nil),
		i18n.T(lang, "export.generated_at", nil) + ": " + now.In(domain.Zone).Format("02/01/2006 15:04"),
	}
}

// values returns a member's cells: numbers as int, dates as time.Time, nil for nothing.
func values(n int, r *exportRow) []any {
	date := func(d domain.Date) any {
		if d.IsZero() {
			return nil
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	}
	var birth any
	if r.BirthYear != nil {
		birth = *r.BirthYear
	}
	return []any{
		n, r.FullName, birth, genderLabels[r.Gender], deref(r.CardNumber),
		date(r.JoinedOn), date(r.OfficialOn), membershipLabels[r.Membership], statusLabel(&r.Member),
		date(r.TempExemptUntil), r.CellName, r.CellCode, r.CellRole, r.StatusNote,
	}
}

// ExportXLSX writes the roster of unit's subtree as a workbook: all live members of its cells, by cell and then by
// name, under a title block (the unit, the report's name, the time it was made in Asia/Ho_Chi_Minh, in lang) and
// a bold, frozen header row in Vietnamese. Birth years are numbers and dates are real dates shown dd/mm/yyyy.
// The column names and values are those Parse reads, so the file imports back with no change.
func ExportXLSX(ctx context.Context, db bun.IDB, unit *store.OrgUnit, lang i18n.Lang, now time.Time) ([]byte, error) {
	rows, err := loadExport(ctx, db, unit)
	if err != nil {
		return nil, err
	}
	b, err := writeXLSX(unit, lang, now, rows)
	if err != nil {
		return nil, domain.Internalf("roster: export xlsx: %w", err)
	}
	return b, nil
}

func writeXLSX(unit *store.OrgUnit, lang i18n.Lang, now time.Time, rows []exportRow) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "Danh sách"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	dateFmt := exportDateFmt
	styles := []*excelize.Style{
		{Font: &excelize.Font{Bold: true}},
		{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center"}},
		{Font: &excelize.Font{Italic: true}},
		{Font: &excelize.Font{Bold: true}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		{Border: border},
		{Border: border, Alignment: &excelize.Alignment{Horizontal: "center"}},
		{Border: border, CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Horizontal: "center"}},
	}
	ids := make([]int, len(styles))
	for i, s := range styles {
		id, err := x.NewStyle(s)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	sUnit, sTitle, sTime, sHeader, sText, sCenter, sDate := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]

	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, c := range exportColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	first := "A" + strconv.Itoa(exportHeaderRow+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: exportHeaderRow, TopLeftCell: first, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: first, ActiveCell: first, Pane: "bottomLeft"}}}); err != nil {
		return nil, err
	}
	lastCol, err := excelize.ColumnNumberToName(len(exportColumns))
	if err != nil {
		return nil, err
	}
	title := titleLines(unit, lang, now)
	for i, st := range []int{sUnit, sTitle, sTime} {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), []any{excelize.Cell{StyleID: st, Value: title[i]}}); err != nil {
			return nil, err
		}
	}
	if err := sw.MergeCell("A2", lastCol+"2"); err != nil {
		return nil, err
	}
	head := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		head[i] = excelize.Cell{StyleID: sHeader, Value: c.header}
	}
	if err := sw.SetRow("A"+strconv.Itoa(exportHeaderRow), head, excelize.RowOpts{Height: 32}); err != nil {
		return nil, err
	}
	for i := range rows {
		vals := values(i+1, &rows[i])
		cells := make([]any, len(vals))
		for j, v := range vals {
			st := sText
			switch v.(type) {
			case int:
				st = sCenter
			case time.Time:
				st = sDate
			}
			cells[j] = excelize.Cell{StyleID: st, Value: v}
		}
		if err := sw.SetRow("A"+strconv.Itoa(exportHeaderRow+1+i), cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ExportCSV writes the same roster as ExportXLSX as CSV: UTF-8 with a byte-order mark (so Excel reads the
// diacritics), comma-separated, CRLF line ends, dates as dd/mm/yyyy text.
func ExportCSV(ctx context.Context, db bun.IDB, unit *store.OrgUnit, lang i18n.Lang, now time.Time) ([]byte, error) {
	rows, err := loadExport(ctx, db, unit)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(bom)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	title := titleLines(unit, lang, now)
	recs := [][]string{{export.EscapeFormula(title[0])}, {title[1]}, {title[2]}, {""}}
	head := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		head[i] = c.header
	}
	recs = append(recs, head)
	for i := range rows {
		vals := values(i+1, &rows[i])
		rec := make([]string, len(vals))
		for j, v := range vals {
			switch v := v.(type) {
			case int:
				rec[j] = strconv.Itoa(v)
			case string:
				rec[j] = export.EscapeFormula(v)
			case time.Time:
				rec[j] = v.Format("02/01/2006")
			}
		}
		recs = append(recs, rec)
	}
	if err := w.WriteAll(recs); err != nil {
		return nil, domain.Internalf("roster: export csv: %w", err)
	}
	return b.Bytes(), nil
}
