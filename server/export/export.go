// Package export writes tabular reports as spreadsheets Vietnamese offices open as they are: XLSX (through
// excelize) and CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics). A Sheet is generic — a title
// block, typed columns, rows — so every report (coverage, the officials' tally, recommendations) shares one look:
// numbers are numbers, dates real dates shown dd/mm/yyyy, percentages numbers with a % format.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
)

// Kind is the type of a column's values.
type Kind int

// The column kinds and the Go values their cells take (nil, or a nil pointer, leaves a cell empty).
const (
	// Text cells take a string.
	Text Kind = iota
	// Int cells take an int.
	Int
	// Percent cells take a float64 or *float64 fraction (0.85 is 85 %).
	Percent
	// Date cells take a domain.Date (the zero date leaves the cell empty).
	Date
)

// Column is one column of a sheet: its header and the kind of its values; Width is in characters (0: 14).
type Column struct {
	Header string
	Kind   Kind
	Width  float64
}

// Sheet is one report. The title block above the table holds Title, then each of Info's lines ("Label: value"),
// then the time it was generated (in Asia/Ho_Chi_Minh, dd/mm/yyyy HH:mm) under GeneratedLabel.
type Sheet struct {
	// Name is the worksheet's tab (at most 31 characters).
	Name           string
	Title          string
	Info           [][2]string
	GeneratedLabel string
	GeneratedAt    time.Time
	Columns        []Column
	Rows           [][]any
	// BoldRows lists the indexes of rows to show in bold (a total line).
	BoldRows []int
}

// HeaderRow returns the 1-based spreadsheet row of the column headers; the data rows follow it.
func (s *Sheet) HeaderRow() int { return len(s.titleLines()) + 2 }

func (s *Sheet) titleLines() []string {
	lines := []string{s.Title}
	for _, kv := range s.Info {
		lines = append(lines, kv[0]+": "+kv[1])
	}
	return append(lines, s.GeneratedLabel+": "+s.GeneratedAt.In(domain.Zone).Format("02/01/2006 15:04"))
}

// DateFormat and PercentFormat are the number formats of date and percentage cells.
const (
	DateFormat    = "dd/mm/yyyy"
	PercentFormat = "0.0%"
)

// XLSX writes the sheets as a workbook, one worksheet each, in order (the first is the one that opens).
func XLSX(sheets ...*Sheet) ([]byte, error) {
	b, err := writeXLSX(sheets)
	if err != nil {
		return nil, domain.Internalf("export: xlsx: %w", err)
	}
	return b, nil
}

// styleKey picks a data cell's style.
type styleKey struct {
	kind Kind
	bold bool
}

// styles are the cell styles of a workbook.
type styles struct {
	cells                 map[styleKey]int
	title, info, colHeads int
}

func writeXLSX(sheets []*Sheet) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	st, err := newStyles(x)
	if err != nil {
		return nil, err
	}
	for i, s := range sheets {
		name := s.Name
		if name == "" {
			name = "Báo cáo"
		}
		if i == 0 {
			err = x.SetSheetName("Sheet1", name)
		} else {
			_, err = x.NewSheet(name)
		}
		if err != nil {
			return nil, err
		}
		if err := writeSheet(x, name, s, st); err != nil {
			return nil, err
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newStyles(x *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	dateFmt, pctFmt := DateFormat, PercentFormat
	center := &excelize.Alignment{Horizontal: "center"}
	cellStyles := map[styleKey]int{}
	for _, bold := range []bool{false, true} {
		font := &excelize.Font{Bold: bold}
		for k, st := range map[Kind]*excelize.Style{
			Text:    {Border: border, Font: font},
			Int:     {Border: border, Font: font},
			Percent: {Border: border, Font: font, CustomNumFmt: &pctFmt},
			Date:    {Border: border, Font: font, CustomNumFmt: &dateFmt, Alignment: center},
		} {
			id, err := x.NewStyle(st)
			if err != nil {
				return nil, err
			}
			cellStyles[styleKey{k, bold}] = id
		}
	}
	sTitle, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return nil, err
	}
	sInfo, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true}})
	if err != nil {
		return nil, err
	}
	sHeader, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, err
	}
	return &styles{cells: cellStyles, title: sTitle, info: sInfo, colHeads: sHeader}, nil
}

// writeSheet writes s into the workbook's worksheet name.
func writeSheet(x *excelize.File, name string, s *Sheet, st *styles) error {
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range s.Columns {
		w := c.Width
		if w == 0 {
			w = 14
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	head := s.HeaderRow()
	first := "A" + strconv.Itoa(head+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: first, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: first, ActiveCell: first, Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	for i, line := range s.titleLines() {
		style := st.info
		if i == 0 {
			style = st.title
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+1), []any{excelize.Cell{StyleID: style, Value: line}}); err != nil {
			return err
		}
	}
	cells := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		cells[i] = excelize.Cell{StyleID: st.colHeads, Value: c.Header}
	}
	if err := sw.SetRow("A"+strconv.Itoa(head), cells, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	bold := map[int]bool{}
	for _, i := range s.BoldRows {
		bold[i] = true
	}
	for r, row := range s.Rows {
		if len(row) != len(s.Columns) {
			return fmt.Errorf("row %d has %d values for %d columns", r, len(row), len(s.Columns))
		}
		cells := make([]any, len(row))
		for j, v := range row {
			val, err := xlsxValue(s.Columns[j].Kind, v)
			if err != nil {
				return fmt.Errorf("row %d, column %q: %w", r, s.Columns[j].Header, err)
			}
			cells[j] = excelize.Cell{StyleID: st.cells[styleKey{s.Columns[j].Kind, bold[r]}], Value: val}
		}
		if err := sw.SetRow("A"+strconv.Itoa(head+1+r), cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// xlsxValue turns a cell's Go value into what excelize writes: numbers, times for dates, nil for empty.
func xlsxValue(k Kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case Text:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Int:
		if n, ok := v.(int); ok {
			return n, nil
		}
	case Percent:
		switch f := v.(type) {
		case float64:
			return f, nil
		case *float64:
			if f == nil {
				return nil, nil
			}
			return *f, nil
		}
	case Date:
		if d, ok := v.(domain.Date); ok {
			if d.IsZero() {
				return nil, nil
			}
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return nil, fmt.Errorf("a %T value in a column of kind %d", v, k)
}

// CSV writes the sheet as CSV: UTF-8 with a byte-order mark, comma-separated, CRLF line ends; the title block,
// a blank line, the headers, the rows. Numbers are plain, percentages "85.0%", dates dd/mm/yyyy; text that a
// spreadsheet would run as a formula (starting with = + - @) gets a leading apostrophe.
func CSV(s *Sheet) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	var recs [][]string
	for _, line := range s.titleLines() {
		recs = append(recs, []string{EscapeFormula(line)})
	}
	recs = append(recs, []string{""})
	head := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		head[i] = c.Header
	}
	recs = append(recs, head)
	for r, row := range s.Rows {
		if len(row) != len(s.Columns) {
			return nil, domain.Internalf("export: csv: row %d has %d values for %d columns", r, len(row), len(s.Columns))
		}
		rec := make([]string, len(row))
		for j, v := range row {
			val, err := xlsxValue(s.Columns[j].Kind, v)
			if err != nil {
				return nil, domain.Internalf("export: csv: row %d: %w", r, err)
			}
			switch val := val.(type) {
			case string:
				rec[j] = EscapeFormula(val)
			case int:
				rec[j] = strconv.Itoa(val)
			case float64:
				rec[j] = strconv.FormatFloat(val*100, 'f', 1, 64) + "%"
			case time.Time:
				rec[j] = val.Format("02/01/2006")
			}
		}
		recs = append(recs, rec)
	}
	if err := w.WriteAll(recs); err != nil {
		return nil, domain.Internalf("export: csv: %w", err)
	}
	return b.Bytes(), nil
}

// FormulaStarts are the first characters that make a spreadsheet run a CSV cell's text as a formula.
const FormulaStarts = "=+-@"

// EscapeFormula keeps a spreadsheet from running text as a formula when it opens a CSV file: text starting with
// one of FormulaStarts gets a leading apostrophe (which an import removes again).
func EscapeFormula(s string) string {
	if s != "" && strings.ContainsRune(FormulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}
