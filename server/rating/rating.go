// Package rating reads and writes the annual ratings of cells as spreadsheets: the import of a year's ratings from
// an XLSX file as offices keep it (title rows above a Vietnamese header, cells named by name or code, labels
// written as the decision writes them), previewed row by row and committed all or nothing, and the template.
package rating

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// MaxRows is the most data rows a file may have (a province has about 10,000 cells).
const MaxRows = 20000

// Issue is what is wrong with a row, or a note about it, by line (the spreadsheet's row number) and column.
type Issue struct {
	Line   int               `json:"line"`
	Column string            `json:"column,omitempty"` // the column's letter and header, e.g. D (Xếp loại)
	Code   string            `json:"code"`
	Args   map[string]string `json:"args,omitempty"`
}

// MarshalJSON adds the message in Vietnamese and English.
func (i Issue) MarshalJSON() ([]byte, error) {
	type plain Issue
	return json.Marshal(struct {
		plain
		MessageVI string `json:"message_vi"`
		MessageEN string `json:"message_en"`
	}{plain(i), i18n.T(i18n.VI, i.Code, i.args()), i18n.T(i18n.EN, i.Code, i.args())})
}

func (i Issue) args() map[string]string {
	a := map[string]string{"line": strconv.Itoa(i.Line), "column": i.Column}
	for k, v := range i.Args {
		a[k] = v
	}
	return a
}

// Row is one data row of the file and what the import does with it.
type Row struct {
	Line     int    `json:"line"`
	Name     string `json:"name"`  // the cell as written
	Code     string `json:"code"`  // the cell's code as written
	Label    string `json:"label"` // the rating as written
	Outcome  string `json:"outcome"`
	CellID   string `json:"cell_id,omitempty"`
	CellName string `json:"cell_name,omitempty"`
	LabelID  string `json:"label_id,omitempty"`
	// LabelName is the label matched; Before the cell's label of the year before the import.
	LabelName string  `json:"label_name,omitempty"`
	Before    string  `json:"before,omitempty"`
	Issues    []Issue `json:"issues,omitempty"`
	cell      *store.OrgUnit
}

// Plan is the preview of an import: every row's outcome, the counts and the accepted labels.
type Plan struct {
	Year     int            `json:"year"`
	Unit     string         `json:"unit"`
	Rows     []Row          `json:"rows"`
	Counts   map[string]int `json:"counts"`
	Errors   int            `json:"errors"`
	Accepted []string       `json:"accepted_labels"`
	Issues   []Issue        `json:"issues,omitempty"` // about the file as a whole
}

// Outcomes of a row (besides store.RatingCreate, RatingUpdate, RatingUnchanged, RatingError).
const OutcomeSkipped = "skipped" // no label written: the row changes nothing

// colKind is what a column holds.
type colKind int

const (
	colNone colKind = iota
	colName
	colCode
	colLabel
	colYear
)

// headerKind tells a column from its folded header.
func headerKind(h string) colKind {
	switch {
	case h == "":
		return colNone
	case strings.Contains(h, "xep loai") || strings.Contains(h, "danh gia") || strings.HasPrefix(h, "ket qua") ||
		strings.HasPrefix(h, "muc ") || h == "rating" || h == "label":
		return colLabel
	case h == "nam" || h == "nam xep loai" || h == "year":
		return colYear
	case h == "ma" || strings.HasPrefix(h, "ma ") || strings.Contains(h, "code") || h == "ky hieu":
		return colCode
	case strings.Contains(h, "chi bo") || strings.HasPrefix(h, "ten") || strings.Contains(h, "to chuc") ||
		strings.Contains(h, "don vi") || strings.HasPrefix(h, "cell") || h == "name":
		if strings.Contains(h, "truc thuoc") || strings.Contains(h, "cap tren") {
			return colNone
		}
		return colName
	}
	return colNone
}

// norm folds text and keeps letters, digits and single spaces: "Hoàn thành tốt nhiệm vụ." → "hoan thanh tot nhiem vu".
func norm(s string) string {
	var b strings.Builder
	for _, r := range domain.Fold(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127 {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// initials is the acronym offices write for a label: "Hoàn thành xuất sắc nhiệm vụ" → "htxsnv".
func initials(s string) string {
	var b strings.Builder
	for _, w := range strings.Fields(norm(s)) {
		b.WriteByte(w[0])
	}
	return b.String()
}

// cellKey folds a cell's name without its "chi bộ" prefix: "Chi bộ thôn An Lợi" and "thôn an lợi" match.
func cellKey(s string) string {
	k := norm(s)
	for _, p := range []string{"chi bo ", "cb "} {
		k = strings.TrimPrefix(k, p)
	}
	return k
}

// File is the parsed spreadsheet.
type File struct {
	headers map[colKind]string // column letter and header
	rows    []rawRow
}

type rawRow struct {
	line                    int
	name, code, label, year string
}

// Parse reads an XLSX file: the first sheet with a header naming a cell column and a rating column within its
// first 30 rows; every row below it is data.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20+1))
	if err != nil {
		return nil, domain.Internal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, domain.Invalid("file", "rating.unreadable")
	}
	defer x.Close()
	for _, sheet := range x.GetSheetList() {
		rows, err := x.GetRows(sheet)
		if err != nil {
			continue
		}
		for i := 0; i < len(rows) && i < 30; i++ {
			cols := map[colKind]int{}
			for j, h := range rows[i] {
				if k := headerKind(norm(h)); k != colNone {
					if _, seen := cols[k]; !seen {
						cols[k] = j
					}
				}
			}
			_, hasName := cols[colName]
			_, hasCode := cols[colCode]
			if _, ok := cols[colLabel]; !ok || (!hasName && !hasCode) {
				continue
			}
			f := &File{headers: map[colKind]string{}}
			for k, j := range cols {
				letter, _ := excelize.ColumnNumberToName(j + 1)
				f.headers[k] = letter + " (" + strings.TrimSpace(rows[i][j]) + ")"
			}
			get := func(r []string, k colKind) string {
				j, ok := cols[k]
				if !ok || j >= len(r) {
					return ""
				}
				return strings.TrimSpace(r[j])
			}
			for n := i + 1; n < len(rows); n++ {
				rr := rawRow{line: n + 1, name: get(rows[n], colName), code: get(rows[n], colCode),
					label: get(rows[n], colLabel), year: get(rows[n], colYear)}
				if rr.name == "" && rr.code == "" && rr.label == "" {
					continue
				}
				if isNumbering(rr) {
					continue // (1) (2) (3) under the header
				}
				f.rows = append(f.rows, rr)
				if len(f.rows) > MaxRows {
					return nil, domain.Invalid("file", "rating.too_many", "max", strconv.Itoa(MaxRows))
				}
			}
			return f, nil
		}
	}
	return nil, domain.Invalid("file", "rating.no_header")
}

// isNumbering says a row is the column numbering some offices put under the header: (1), (2), 1, 2, A, B.
func isNumbering(r rawRow) bool {
	for _, s := range []string{r.name, r.code, r.label} {
		t := strings.Trim(s, "() ")
		if s != "" && len(t) > 2 {
			return false
		}
	}
	return true
}

// PlanImport matches each row of f to a cell of unit's subtree (by code, else by name, ignoring case, diacritics
// and a "Chi bộ" prefix) and to a label given for year, and says what committing would do.
func PlanImport(ctx context.Context, db bun.IDB, unit *store.OrgUnit, year int, f *File) (*Plan, error) {
	labels, err := store.LabelsForYear(ctx, db, store.ProvinceOf(unit), year)
	if err != nil {
		return nil, err
	}
	cells, err := store.RatingCells(ctx, db, unit, year)
	if err != nil {
		return nil, err
	}
	p := &Plan{Year: year, Unit: unit.Name, Rows: []Row{}, Accepted: []string{},
		Counts: map[string]int{store.RatingCreate: 0, store.RatingUpdate: 0, store.RatingUnchanged: 0, store.RatingError: 0, OutcomeSkipped: 0}}
	for _, l := range labels {
		p.Accepted = append(p.Accepted, l.NameVI)
	}
	accepted := labelList(labels)
	byLabel := map[string][]*store.RatingLabel{}
	for i := range labels {
		l := &labels[i]
		keys := map[string]bool{norm(l.NameVI): true, norm(l.Code): true, initials(l.NameVI): true}
		if l.NameEN != "" {
			keys[norm(l.NameEN)] = true
		}
		if k := strings.TrimSuffix(norm(l.NameVI), " cu"); k != norm(l.NameVI) {
			keys[k] = true // "Hoàn thành nhiệm vụ (cũ)" written without "(cũ)" in a year only it is valid
			keys[initials(k)] = true
		}
		for k := range keys {
			if k != "" {
				byLabel[k] = append(byLabel[k], l)
			}
		}
	}
	byCode, byName := map[string][]int{}, map[string][]int{}
	for i, c := range cells {
		if c.CellCode != "" {
			byCode[norm(c.CellCode)] = append(byCode[norm(c.CellCode)], i)
		}
		byName[cellKey(c.CellName)] = append(byName[cellKey(c.CellName)], i)
	}
	seen := map[string]int{}
	units := map[string]*store.OrgUnit{}
	for _, rr := range f.rows {
		row := Row{Line: rr.line, Name: rr.name, Code: rr.code, Label: rr.label}
		bad := func(col colKind, code string, kv ...string) {
			is := Issue{Line: rr.line, Column: f.headers[col], Code: code, Args: map[string]string{}}
			for i := 0; i+1 < len(kv); i += 2 {
				is.Args[kv[i]] = kv[i+1]
			}
			row.Issues = append(row.Issues, is)
		}
		if rr.label == "" {
			row.Outcome = OutcomeSkipped
			p.Counts[OutcomeSkipped]++
			p.Rows = append(p.Rows, row)
			continue
		}
		// The cell.
		var match []int
		switch {
		case rr.code != "":
			match = byCode[norm(rr.code)]
			if len(match) == 0 && rr.name == "" {
				bad(colCode, "rating.no_cell_code", "code", rr.code, "unit", unit.Name)
			}
			if len(match) == 0 && rr.name != "" {
				match = byName[cellKey(rr.name)]
			}
		case rr.name != "":
			match = byName[cellKey(rr.name)]
		default:
			bad(colName, "rating.no_cell_given")
		}
		if rr.name != "" && len(match) == 0 {
			bad(colName, "rating.no_cell", "name", rr.name, "unit", unit.Name)
		}
		if len(match) > 1 {
			col := colName
			if _, ok := f.headers[colCode]; ok {
				col = colCode
			}
			bad(col, "rating.ambiguous_cell", "name", rr.name, "n", strconv.Itoa(len(match)))
		}
		if len(match) == 1 {
			c := cells[match[0]]
			row.CellID, row.CellName = c.CellID, c.CellName
			if c.Rating != nil {
				row.Before = c.Rating.NameVI
			}
			if first, dup := seen[c.CellID]; dup {
				bad(colName, "rating.duplicate", "first", strconv.Itoa(first))
			} else {
				seen[c.CellID] = rr.line
			}
		}
		// The year, when the file has a column for it.
		if rr.year != "" {
			if y, err := strconv.Atoi(strings.TrimSuffix(rr.year, ".0")); err != nil || y != year {
				bad(colYear, "rating.other_year", "found", rr.year, "year", strconv.Itoa(year))
			}
		}
		// The label.
		ls := byLabel[norm(rr.label)]
		if len(ls) == 0 {
			ls = byLabel[strings.ReplaceAll(norm(rr.label), " ", "")]
		}
		switch {
		case len(ls) == 0:
			bad(colLabel, "rating.bad_label", "label", rr.label, "year", strconv.Itoa(year), "accepted", accepted)
		case len(ls) > 1 && !sameLabel(ls):
			bad(colLabel, "rating.ambiguous_label", "label", rr.label, "accepted", accepted)
		default:
			row.LabelID, row.LabelName = ls[0].ID, ls[0].NameVI
		}
		switch {
		case len(row.Issues) > 0:
			row.Outcome = store.RatingError
			p.Errors += len(row.Issues)
		case cells[match[0]].Rating == nil:
			row.Outcome = store.RatingCreate
		case cells[match[0]].Rating.LabelID == row.LabelID:
			row.Outcome = store.RatingUnchanged
		default:
			row.Outcome = store.RatingUpdate
		}
		if row.Outcome != store.RatingError {
			u, ok := units[row.CellID]
			if !ok {
				u = &store.OrgUnit{Kind: domain.KindCell}
				u.ID = row.CellID
				units[row.CellID] = u
			}
			row.cell = u
		}
		p.Counts[row.Outcome]++
		p.Rows = append(p.Rows, row)
	}
	if len(p.Rows) == 0 {
		p.Issues = append(p.Issues, Issue{Code: "rating.empty"})
		p.Errors++
	}
	return p, nil
}

// sameLabel says the labels found are one row (the same id).
func sameLabel(ls []*store.RatingLabel) bool {
	for _, l := range ls {
		if l.ID != ls[0].ID {
			return false
		}
	}
	return true
}

// labelList is the accepted labels for a message: “A”, “B”.
func labelList(ls []store.RatingLabel) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = "“" + l.NameVI + "”"
	}
	return strings.Join(names, ", ")
}

// Apply writes the plan's ratings in db (the caller's transaction): all of them, or none if any row is wrong.
func (p *Plan) Apply(ctx context.Context, db bun.IDB) (map[string]int, error) {
	if p.Errors > 0 {
		return nil, domain.Invalid("file", "rating.has_errors", "n", strconv.Itoa(p.Errors))
	}
	var changes []store.RatingChange
	for _, r := range p.Rows {
		if r.Outcome == store.RatingCreate || r.Outcome == store.RatingUpdate || r.Outcome == store.RatingUnchanged {
			changes = append(changes, store.RatingChange{Cell: r.cell, LabelID: r.LabelID, Outcome: r.Outcome})
		}
	}
	return store.ApplyRatings(ctx, db, p.Year, changes)
}

// Template makes the XLSX template of unit's ratings for year: a title, the header, one row per cell with its
// code, name, parent and current rating, and a second sheet with the accepted labels (the rating column offers
// them as a list).
func Template(ctx context.Context, db bun.IDB, unit *store.OrgUnit, year int, lang i18n.Lang) ([]byte, error) {
	labels, err := store.LabelsForYear(ctx, db, store.ProvinceOf(unit), year)
	if err != nil {
		return nil, err
	}
	cells, err := store.RatingCells(ctx, db, unit, year)
	if err != nil {
		return nil, err
	}
	T := func(k string) string {
		return i18n.T(lang, k, map[string]string{"year": strconv.Itoa(year), "unit": unit.Name})
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := T("rating.tpl.sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, domain.Internal(err)
	}
	lsheet := T("rating.tpl.labels_sheet")
	if _, err := x.NewSheet(lsheet); err != nil {
		return nil, domain.Internal(err)
	}
	set := func(sh, cell string, v any) {
		_ = x.SetCellValue(sh, cell, v)
	}
	set(sheet, "A1", T("rating.tpl.title"))
	set(sheet, "A2", unit.Name)
	set(sheet, "A3", T("rating.tpl.hint"))
	head := []string{T("rating.tpl.col_stt"), T("rating.tpl.col_code"), T("rating.tpl.col_name"), T("rating.tpl.col_parent"), T("rating.tpl.col_label")}
	for j, h := range head {
		c, _ := excelize.CoordinatesToCellName(j+1, 5)
		set(sheet, c, h)
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = x.SetCellStyle(sheet, "A1", "A1", bold)
	_ = x.SetCellStyle(sheet, "A5", "E5", bold)
	for i, c := range cells {
		r := 6 + i
		set(sheet, fmt.Sprintf("A%d", r), i+1)
		set(sheet, fmt.Sprintf("B%d", r), c.CellCode)
		set(sheet, fmt.Sprintf("C%d", r), c.CellName)
		set(sheet, fmt.Sprintf("D%d", r), c.Parent)
		if c.Rating != nil {
			set(sheet, fmt.Sprintf("E%d", r), c.Rating.NameVI)
		}
	}
	_ = x.SetColWidth(sheet, "A", "A", 6)
	_ = x.SetColWidth(sheet, "B", "B", 14)
	_ = x.SetColWidth(sheet, "C", "D", 36)
	_ = x.SetColWidth(sheet, "E", "E", 34)
	set(lsheet, "A1", T("rating.tpl.col_label"))
	_ = x.SetCellStyle(lsheet, "A1", "A1", bold)
	for i, l := range labels {
		set(lsheet, fmt.Sprintf("A%d", i+2), l.NameVI)
	}
	_ = x.SetColWidth(lsheet, "A", "A", 40)
	if len(labels) > 0 && len(cells) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("E6:E%d", 5+len(cells))
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$A$2:$A$%d", lsheet, len(labels)+1))
		_ = x.AddDataValidation(sheet, dv)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, domain.Internal(err)
	}
	return buf.Bytes(), nil
}
