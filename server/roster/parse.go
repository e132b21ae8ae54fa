package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/export"
	"github.com/chibo-vn/chibo/server/sheet"
	"github.com/chibo-vn/chibo/server/store"
)

// colKind is what a column holds.
type colKind string

// The column kinds. Male and female are the "Nam" / "Nữ" pair of columns where a mark (often the birth year)
// in one of them gives the gender; membershipFull and membershipProb are the "Chính thức" / "Dự bị" pair.
const (
	kindIgnore     colKind = "ignore"
	kindName       colKind = "full_name"
	kindSurname    colKind = "surname"    // "Họ và tên đệm", when the given name has a column of its own
	kindGiven      colKind = "given_name" // "Tên"
	kindBirth      colKind = "birth"
	kindGender     colKind = "gender"
	kindMale       colKind = "male"
	kindFemale     colKind = "female"
	kindCard       colKind = "card_number"
	kindJoined     colKind = "joined_on"
	kindOfficial   colKind = "official_on"
	kindMembership colKind = "membership"
	kindFull       colKind = "membership_full"
	kindProb       colKind = "membership_probationary"
	kindStatus     colKind = "status"
	kindNote       colKind = "note"
	kindUntil      colKind = "temp_exempt_until"
	kindCell       colKind = "cell"
	kindCellCode   colKind = "cell_code"
	kindRole       colKind = "cell_role"
)

// headers maps the folded header names offices use (see key) to what the column holds.
var headers = map[string]colKind{
	"stt": kindIgnore, "tt": kindIgnore, "so tt": kindIgnore, "so thu tu": kindIgnore,

	"ho va ten": kindName, "ho ten": kindName, "ho va ten dang vien": kindName, "ho ten dang vien": kindName,
	"ho va ten khai sinh": kindName, "ho va ten dv": kindName,
	"ho dem": kindSurname, "ho va ten dem": kindSurname, "ho va dem": kindSurname, "ho va chu dem": kindSurname,
	"ho chu dem": kindSurname, "ho va ten lot": kindSurname, "ho lot": kindSurname, "ho": kindSurname, "ten": kindGiven,

	"nam sinh": kindBirth, "ngay sinh": kindBirth, "ngay thang nam sinh": kindBirth, "sinh ngay": kindBirth,
	"ngay thang sinh": kindBirth, "nam sinh ngay sinh": kindBirth,

	"gioi tinh": kindGender, "nam": kindMale, "nu": kindFemale,

	"so the dang vien": kindCard, "so the": kindCard, "so the dv": kindCard, "so the dang": kindCard,
	"so the dang vien so": kindCard,

	"ngay vao dang": kindJoined, "ngay ket nap": kindJoined, "ngay ket nap dang": kindJoined,
	"ngay ket nap vao dang": kindJoined, "ngay vao dang du bi": kindJoined,

	"ngay chinh thuc": kindOfficial, "ngay cong nhan chinh thuc": kindOfficial, "ngay chuyen chinh thuc": kindOfficial,
	"ngay vao dang chinh thuc": kindOfficial, "ngay dang vien chinh thuc": kindOfficial,

	"loai dang vien": kindMembership, "chinh thuc du bi": kindMembership, "dang vien": kindMembership,
	"ct db": kindMembership, "dang vien chinh thuc du bi": kindMembership, "chinh thuc hay du bi": kindMembership,
	"chinh thuc": kindFull, "du bi": kindProb,

	"tinh trang": kindStatus, "tinh trang sinh hoat": kindStatus, "trang thai": kindStatus,
	"trang thai sinh hoat": kindStatus,

	"ghi chu": kindNote,

	"tam mien den": kindUntil, "tam mien sinh hoat den": kindUntil, "han tam mien": kindUntil,
	"tam mien sh den": kindUntil, "thoi han tam mien": kindUntil,

	"chi bo": kindCell, "ten chi bo": kindCell, "thuoc chi bo": kindCell, "chi bo sinh hoat": kindCell,
	"ma chi bo": kindCellCode,

	"chuc vu": kindRole, "chuc vu trong chi bo": kindRole, "chuc vu dang": kindRole, "chuc vu trong dang": kindRole,
}

// groupKinds are the headers that are often merged over a second header row that splits them: "Năm sinh" or
// "Giới tính" over "Nam" | "Nữ", "Ngày vào Đảng" over "Dự bị" | "Chính thức", "Họ và tên" over "Họ đệm" | "Tên".
var groupKinds = map[colKind]bool{"": true, kindName: true, kindBirth: true, kindGender: true, kindMembership: true,
	kindJoined: true, kindOfficial: true}

// dataKinds are the columns whose values make a row a member rather than a line of a title or signature block.
var dataKinds = []colKind{kindBirth, kindGender, kindMale, kindFemale, kindCard, kindJoined, kindOfficial}

const (
	headerScan = 30  // the header row is looked for in this many first lines
	maxCols    = 200 // cells beyond this many in a row are ignored
)

// errNoHeader says a sheet has no header row; Parse then tries the next sheet.
var errNoHeader = domain.E(domain.CodeInvalid, "roster.no_header")

// Parse reads a roster from an .xlsx workbook or a .csv file (UTF-8, with or without a byte-order mark, separated
// by commas or semicolons). The format follows the file's content and, failing that, its name. The file size is
// the caller's to limit: Parse reads it whole.
//
// The header row is the line among the first 30 that names the most known columns, and it must name the full
// name ("Họ và tên"). Title lines above it and the signature block under the members are skipped. Each cell that
// cannot be read becomes an Issue on the returned File; only problems with the whole file (not a roster, no
// header, no rows, more than MaxRows rows) are returned as an error, a *domain.Error with code invalid.
func Parse(r io.Reader, filename string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, unreadable(err.Error())
	}
	f := &File{Name: filename, Columns: []Column{}, Fields: []string{}, Rows: []Row{}, Issues: []Issue{}, Warnings: []Issue{}}
	switch format(filename, data) {
	case FormatXLSX:
		f.Format = FormatXLSX
		err = parseXLSX(data, f)
	case FormatCSV:
		f.Format = FormatCSV
		err = parseCSV(data, f)
	default:
		return nil, domain.E(domain.CodeInvalid, "roster.bad_format")
	}
	if err != nil {
		return nil, err
	}
	if len(f.Rows) == 0 {
		return nil, domain.E(domain.CodeInvalid, "roster.no_rows")
	}
	return f, nil
}

// format tells a workbook (a zip archive) from a CSV file, and refuses old binary workbooks.
func format(filename string, data []byte) string {
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return FormatXLSX
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}): // .xls, or an encrypted workbook
		return ""
	case ext == ".csv" || ext == ".txt" || ext == "":
		return FormatCSV
	}
	return ""
}

func unreadable(detail string) error {
	return domain.E(domain.CodeInvalid, "roster.unreadable", "detail", detail)
}

// rawRow is one line of a sheet or file as text cells.
type rawRow struct {
	line  int
	cells []string
}

// rowSource yields the lines of a sheet or file in order.
type rowSource interface {
	next() (rawRow, bool, error)
}

func parseXLSX(data []byte, f *File) (err error) {
	// excelize is a large parser of untrusted input; a panic in it must not take the server down.
	defer func() {
		if v := recover(); v != nil {
			err = unreadable(fmt.Sprint(v))
		}
	}()
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return unreadable(err.Error())
	}
	defer x.Close()
	date1904 := false
	if props, err := x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	for _, sheet := range x.GetSheetList() {
		rows, err := x.Rows(sheet)
		if err != nil {
			continue // a chart sheet, or a sheet excelize cannot read: look for the roster elsewhere
		}
		err = newParser(f, date1904).read(&xlsxRows{rows: rows})
		_ = rows.Close()
		if errors.Is(err, errNoHeader) {
			continue
		}
		if err == nil {
			f.Sheet = sheet
		}
		return err
	}
	return errNoHeader
}

type xlsxRows struct {
	rows *excelize.Rows
	line int
}

func (s *xlsxRows) next() (rawRow, bool, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return rawRow{}, false, unreadable(err.Error())
		}
		return rawRow{}, false, nil
	}
	s.line++ // the iterator yields every row number, gaps included
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return rawRow{}, false, unreadable(err.Error())
	}
	return rawRow{line: s.line, cells: cells}, true, nil
}

var bom = []byte("\xEF\xBB\xBF")

func parseCSV(data []byte, f *File) error {
	data = bytes.TrimPrefix(data, bom)
	if !utf8.Valid(data) {
		return domain.E(domain.CodeInvalid, "roster.not_utf8")
	}
	return newParser(f, false).read(newCSVRows(data, separator(data)))
}

type csvRows struct{ r *csv.Reader }

func newCSVRows(data []byte, sep rune) *csvRows {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	return &csvRows{r: r}
}

func (s *csvRows) next() (rawRow, bool, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return rawRow{}, false, nil
	}
	if err != nil {
		return rawRow{}, false, unreadable(err.Error())
	}
	line, _ := s.r.FieldPos(0)
	for i, c := range rec {
		if len(c) > 1 && c[0] == '\'' && strings.ContainsRune(export.FormulaStarts, rune(c[1])) {
			rec[i] = c[1:] // escaped by ExportCSV
		}
	}
	return rawRow{line: line, cells: rec}, true, nil
}

// separator picks the separator under which the file has the best header row: a comma, or the semicolon Excel
// writes where the decimal separator is a comma, or a tab.
func separator(data []byte) rune {
	best, bestScore := ',', 0
	for _, sep := range []rune{',', ';', '\t'} {
		src := newCSVRows(data, sep)
		for i := 0; i < headerScan; i++ {
			row, ok, err := src.next()
			if !ok || err != nil {
				break
			}
			if _, score := headerKinds(row.cells); score > bestScore {
				best, bestScore = sep, score
			}
		}
	}
	return best
}

// headerKinds returns what each cell of a candidate header row names, and its score: the number of distinct
// known columns, or 0 when there is no full-name column.
func headerKinds(cells []string) ([]colKind, int) {
	cells = cells[:min(len(cells), maxCols)]
	kinds := make([]colKind, len(cells))
	seen := map[colKind]bool{}
	for i, c := range cells {
		if k, ok := headerKind(c); ok {
			kinds[i] = k
			seen[k] = true
		}
	}
	if !seen[kindName] && !(seen[kindSurname] && seen[kindGiven]) {
		return kinds, 0
	}
	return kinds, len(seen)
}

// headerKind says what a header cell names. A remark in brackets is ignored when the whole text is not known:
// "Họ và tên (ghi đầy đủ)" is the full name.
func headerKind(cell string) (colKind, bool) {
	if k, ok := headers[key(cell)]; ok {
		return k, true
	}
	k, ok := headers[key(reBracketed.ReplaceAllString(cell, " "))]
	return k, ok
}

var reBracketed = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

// subKind says what a cell of a second header row names under its parent header (folded).
func subKind(parent, cell string) colKind {
	sub := key(cell)
	switch sub {
	case "nam":
		return kindMale
	case "nu":
		return kindFemale
	}
	if strings.Contains(parent, "ngay") || strings.Contains(parent, "vao dang") || strings.Contains(parent, "ket nap") {
		switch sub {
		case "du bi", "vao dang", "ket nap", "ngay vao dang", "ngay ket nap":
			return kindJoined
		case "chinh thuc", "ngay chinh thuc":
			return kindOfficial
		}
	}
	k, _ := headerKind(cell)
	return k
}

// parser reads the rows of one sheet or file into a File.
type parser struct {
	f        *File
	date1904 bool

	col    map[colKind]int    // the first column of each kind
	header map[colKind]string // its header as written
	cols   []Column

	rows     []Row
	issues   []Issue
	warnings []Issue
	// membershipInStatus: the status column gave some row's membership ("Chính thức", "Dự bị").
	membershipInStatus bool
	footer             bool // the signature block has begun
	birthInMarks       bool // a "Nam" / "Nữ" column held a birth year
}

func newParser(f *File, date1904 bool) *parser {
	return &parser{f: f, date1904: date1904, col: map[colKind]int{}, header: map[colKind]string{}}
}

// read finds the header, reads every data row and, on success, fills the File.
func (p *parser) read(src rowSource) error {
	var buf []rawRow
	for len(buf) < headerScan+2 {
		r, ok, err := src.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		buf = append(buf, r)
	}
	h, bestScore := -1, 0
	for i := range buf[:min(len(buf), headerScan)] {
		if _, score := headerKinds(buf[i].cells); score > bestScore {
			h, bestScore = i, score
		}
	}
	if h < 0 {
		return errNoHeader
	}
	next := h + 1
	var sub []string
	if next < len(buf) {
		sub = buf[next].cells
	}
	if p.layout(buf[h].cells, sub) {
		next++
	}
	if next < len(buf) && sheet.Numbering(buf[next].cells) {
		next++
	}
	for _, r := range buf[min(next, len(buf)):] {
		if err := p.row(r); err != nil {
			return err
		}
	}
	for {
		r, ok, err := src.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := p.row(r); err != nil {
			return err
		}
	}
	p.f.HeaderLine = buf[h].line
	p.f.Columns = p.cols
	p.f.Fields = p.fields()
	p.f.Rows = append(p.f.Rows, p.rows...)
	p.f.Issues = append(p.f.Issues, p.issues...)
	p.f.Warnings = append(p.f.Warnings, p.warnings...)
	p.f.membershipColumn = p.has(kindMembership, kindFull, kindProb)
	return nil
}

// layout maps the columns from the header row and, when the next row is a second header row (its full-name cell
// empty, every other filled cell naming a part of the group header above it), from that row too. It reports
// whether the second row was a header.
func (p *parser) layout(head, sub []string) bool {
	head = head[:min(len(head), maxCols)]
	kinds, _ := headerKinds(head)
	texts := make([]string, len(head))
	for i, h := range head {
		texts[i] = domain.CleanText(h)
	}
	isSub := false
	if sub = sub[:min(len(sub), maxCols)]; len(sub) > 0 {
		subKinds := make([]colKind, len(sub))
		subTexts := make([]string, len(sub))
		isSub = true
		filled := 0
		for j := 0; j < len(sub) && isSub; j++ {
			s := key(sub[j])
			if s == "" {
				continue
			}
			filled++
			parent := ""
			for k := min(j, len(head)-1); k >= 0; k-- {
				if texts[k] != "" {
					parent = texts[k]
					break
				}
			}
			var above colKind
			if j < len(kinds) {
				above = kinds[j]
			}
			// Every filled cell must split the group above it, so a member's row (whose name names no column)
			// is never taken for a second header; under the full name only "Họ đệm" and "Tên" may stand.
			sk := subKind(key(parent), sub[j])
			valid := sk != "" && groupKinds[above]
			if above == kindName && sk != kindSurname && sk != kindGiven {
				valid = false
			}
			if !valid {
				isSub = false
				break
			}
			subKinds[j] = sk
			subTexts[j] = domain.CleanText(sub[j])
			if parent != "" {
				subTexts[j] = parent + " (" + subTexts[j] + ")"
			}
		}
		isSub = isSub && filled > 0
		if isSub {
			for len(kinds) < len(sub) {
				kinds = append(kinds, "")
				texts = append(texts, "")
			}
			for j, sk := range subKinds {
				if sk != "" {
					kinds[j], texts[j] = sk, subTexts[j]
				}
			}
		}
	}
	for i, k := range kinds {
		if k == "" {
			continue
		}
		if _, dup := p.col[k]; dup {
			continue // the first column of a kind wins
		}
		p.col[k], p.header[k] = i, texts[i]
		p.cols = append(p.cols, Column{Index: i, Header: texts[i], Kind: string(k)})
	}
	if _, ok := p.col[kindName]; !ok {
		p.header[kindName] = p.header[kindSurname] + " / " + p.header[kindGiven] // for messages only
	}
	return isSub
}

// isFooter reports whether folded text belongs to a signature block or a total line rather than to a member.
func isFooter(k string) bool {
	for _, p := range []string{"nguoi lap", "nguoi lap bieu", "bi thu", "pho bi thu", "t m", "tm", "thay mat",
		"xac nhan", "tong cong", "tong so", "ky ten", "ky ghi ro", "ky va ghi ro", "ghi ro ho ten", "noi nhan",
		"danh sach nay", "cong"} {
		if startsWord(k, p) {
			if p == "cong" && k != "cong" && !reCount.MatchString(k) {
				continue // "Công Tằng Tôn Nữ …" is a name, "Cộng: 25" a total
			}
			return true
		}
	}
	return strings.Contains(k, "lap bieu") || reDateLine.MatchString(k)
}

var (
	reCount    = regexp.MustCompile(`^cong [0-9]`)
	reDateLine = regexp.MustCompile(`\bngay( [0-9]+)? thang( [0-9]+)? nam\b`)
)

// section reports whether folded text heads a group of rows ("I. CHI BỘ THÔN AN LỢI") rather than naming a
// member.
func section(k string) bool {
	for _, p := range []string{"chi bo", "dang bo", "to dang", "i chi bo", "ii chi bo", "iii chi bo"} {
		if startsWord(k, p) {
			return true
		}
	}
	return false
}

// row reads one line under the header: a member, or a line to skip (blank, a group heading, the signature
// block).
func (p *parser) row(r rawRow) error {
	cells := r.cells[:min(len(r.cells), maxCols)]
	get := func(k colKind) string {
		i, ok := p.col[k]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	anyFooter, empty := false, true
	for _, c := range cells {
		if k := key(c); k != "" {
			empty = false
			anyFooter = anyFooter || isFooter(k)
		}
	}
	if empty {
		return nil
	}
	name := domain.CleanText(get(kindName))
	if name == "" {
		name = domain.CleanText(get(kindSurname) + " " + get(kindGiven))
	}
	hasData := false
	for _, k := range dataKinds {
		hasData = hasData || get(k) != ""
	}
	switch nk := key(name); {
	case nk != "" && isFooter(nk):
		p.footer = true
		return nil
	case name == "":
		p.footer = p.footer || anyFooter
		if p.footer || !hasData {
			return nil // a line of the title or signature block, or a total
		}
	case !hasData && (p.footer || section(nk)):
		return nil // the signer's name, or a group heading
	}
	if len(p.rows) >= MaxRows {
		return domain.E(domain.CodeInvalid, "roster.too_many_rows", "max", strconv.Itoa(MaxRows))
	}
	p.rows = append(p.rows, p.member(r.line, name, get))
	return nil
}

// member reads the cells of a member's row, recording an Issue for each cell it cannot read and then, if all
// could be read, for the first rule of store.Member.Normalize the row breaks.
func (p *parser) member(line int, name string, get func(colKind) string) Row {
	row := Row{Line: line, FullName: name}
	add := func(k colKind, code string, kv ...string) {
		p.issues = append(p.issues, issue(line, p.header[k], code, kv...))
	}
	birthCol := kindBirth
	if v := get(kindBirth); v != "" {
		if y, ok := parseBirth(v, p.date1904); ok {
			row.BirthYear = &y
		} else {
			add(kindBirth, "roster.bad_birth", "value", v, "max", maxBirth())
		}
	}
	if v := get(kindGender); v != "" {
		if g, ok := parseGender(v); ok {
			row.Gender = g
		} else {
			add(kindGender, "roster.bad_gender", "value", v, "accepted", accepted(GenderValues))
		}
	}
	male, female := get(kindMale), get(kindFemale)
	switch {
	case male != "" && female != "":
		add(kindMale, "roster.bad_gender", "value", male+" / "+female, "accepted", accepted(GenderValues))
	case male != "" || female != "":
		mark, k := male, kindMale
		row.Gender = domain.GenderMale
		if female != "" {
			mark, k = female, kindFemale
			row.Gender = domain.GenderFemale
		}
		// The birth year is often written under the gender instead of a cross.
		if strings.ContainsAny(mark, "0123456789") && mark != "1" {
			if y, ok := parseBirth(mark, p.date1904); !ok {
				add(k, "roster.bad_birth", "value", mark, "max", maxBirth())
			} else if row.BirthYear == nil {
				row.BirthYear, birthCol = &y, k
				p.birthInMarks = true
			}
		}
	}
	row.CardNumber = cardNumber(get(kindCard))
	for _, d := range []struct {
		k   colKind
		dst *domain.Date
	}{{kindJoined, &row.JoinedOn}, {kindOfficial, &row.OfficialOn}} {
		v := get(d.k)
		if date, ok := sheet.ParseDate(v, p.date1904); ok {
			*d.dst = date
		} else {
			add(d.k, "roster.bad_date", "value", v)
		}
	}
	if v := get(kindMembership); v != "" {
		if m, ok := parseMembership(v); ok {
			row.Membership = m
		} else {
			add(kindMembership, "roster.bad_membership", "value", v, "accepted", accepted(MembershipValues))
		}
	} else if full, prob := get(kindFull), get(kindProb); full != "" && prob != "" {
		add(kindFull, "roster.bad_membership", "value", full+" / "+prob, "accepted", accepted(MembershipValues))
	} else if full != "" {
		row.Membership = domain.MembershipFull
	} else if prob != "" {
		row.Membership = domain.MembershipProbationary
	}
	statusCol := kindStatus
	if _, ok := p.col[kindStatus]; ok {
		st := parseStatus(get(kindStatus))
		if st.unknown != "" {
			add(kindStatus, "roster.bad_status", "value", st.unknown, "accepted", accepted(StatusValues))
		}
		row.Status, row.TemporarilyAttached, row.TempExemptUntil = st.status, st.attached, st.until
		if row.Membership == "" && st.membership != "" {
			row.Membership = st.membership
			p.membershipInStatus = true
		}
		row.StatusNote = domain.CleanText(get(kindNote))
	} else if _, ok := p.col[kindNote]; ok {
		// No status column: the note column says the status when it names one, and is a note otherwise.
		st := parseStatus(get(kindNote))
		row.Status, row.TemporarilyAttached, row.TempExemptUntil, row.StatusNote = st.status, st.attached, st.until, st.note
		statusCol = kindNote
	}
	if v := get(kindUntil); v != "" {
		if d, ok := sheet.ParseDate(v, p.date1904); !ok {
			add(kindUntil, "roster.bad_date", "value", v)
		} else if !d.IsZero() {
			row.TempExemptUntil = d
		}
	}
	if p.hasStatus() && row.Status == "" {
		row.Status = domain.StatusActive
	}
	row.Cell = domain.CleanText(get(kindCell))
	row.CellCode = domain.CleanText(get(kindCellCode))
	row.CellRole = domain.CleanText(get(kindRole))

	errs, warns := validate(row, func(field string) string {
		switch field {
		case FieldBirthYear:
			return p.header[birthCol]
		case FieldTempExemptUntil:
			if h, ok := p.header[kindUntil]; ok {
				return h
			}
			return p.header[statusCol]
		}
		return p.header[fieldKinds[field]]
	})
	p.issues = append(p.issues, errs...)
	p.warnings = append(p.warnings, warns...)
	return row
}

// accepted lists accepted values for a message: "Nam", "Nữ" → "Nam, Nữ".
func accepted(values []string) string { return strings.Join(values, ", ") }

// maxBirth is the latest birth year store.Member.Normalize accepts.
func maxBirth() string { return strconv.Itoa(time.Now().Year() - 16) }

// minJoinAge is the age (in years) a member must have reached when joining the party.
const minJoinAge = 18

// validate checks a row that was read with the member rules and the rules of a plausible record, and returns
// every problem at once: the errors, and the warnings (the row imports, with a note to complete). column names the
// file's column of a member field.
func validate(row Row, column func(field string) string) (errs, warns []Issue) {
	line := row.Line
	add := func(field, code string, kv ...string) { errs = append(errs, issue(line, column(field), code, kv...)) }
	if row.FullName == "" {
		add(FieldFullName, "roster.name_required")
	}
	thisYear := store.Now().Year()
	maxYear, _ := strconv.Atoi(maxBirth())
	birth := row.BirthYear // nil when unknown or itself wrong: the dates are then not compared with it
	if b := row.BirthYear; b != nil {
		v := strconv.Itoa(*b)
		switch {
		case *b > thisYear:
			add(FieldBirthYear, "roster.birth_future", "value", v, "year", strconv.Itoa(thisYear))
			birth = nil
		case *b < 1900 || *b > maxYear:
			add(FieldBirthYear, "roster.bad_birth", "value", v, "max", strconv.Itoa(maxYear))
			birth = nil
		}
	}
	today := domain.DateOf(store.Now())
	if !row.JoinedOn.IsZero() {
		j := row.JoinedOn
		switch {
		case j.After(today):
			add(FieldJoinedOn, "roster.date_future", "value", j.VN())
		case birth != nil && j.Year() < *birth:
			add(FieldJoinedOn, "roster.joined_before_birth", "value", j.VN(), "birth", strconv.Itoa(*birth))
		case birth != nil && j.Year()-*birth < minJoinAge:
			add(FieldJoinedOn, "roster.joined_under_18", "value", j.VN(), "age", strconv.Itoa(j.Year()-*birth))
		}
	}
	if !row.OfficialOn.IsZero() {
		switch o := row.OfficialOn; {
		case o.After(today):
			add(FieldOfficialOn, "roster.date_future", "value", o.VN())
		case !row.JoinedOn.IsZero() && o.Before(row.JoinedOn):
			add(FieldOfficialOn, "roster.official_before_joined", "value", o.VN(), "joined", row.JoinedOn.VN())
		}
	}
	for _, l := range []struct {
		field string
		value string
		max   int
	}{{FieldFullName, row.FullName, 120}, {FieldCardNumber, row.CardNumber, 30}, {FieldStatusNote, row.StatusNote, 500},
		{FieldCellRole, row.CellRole, 60}} {
		if utf8.RuneCountInString(l.value) > l.max {
			col := column(l.field)
			if col == "" {
				col = l.field
			}
			add(l.field, "roster.too_long", "column", col, "max", strconv.Itoa(l.max))
		}
	}
	if row.Status == domain.StatusTempExempt && row.TempExemptUntil.IsZero() {
		w := issue(line, column(FieldTempExemptUntil), "roster.exempt_until_missing")
		w.Warning = true
		warns = append(warns, w)
	}
	return errs, warns
}

// fieldKinds names the column a member field comes from, for error messages.
var fieldKinds = map[string]colKind{
	FieldFullName: kindName, FieldCardNumber: kindCard, FieldCellRole: kindRole, FieldStatusNote: kindNote,
	FieldGender: kindGender, FieldStatus: kindStatus, FieldMembership: kindMembership, FieldJoinedOn: kindJoined, FieldOfficialOn: kindOfficial,
}

// has reports whether the file has a column of one of the kinds.
func (p *parser) has(kinds ...colKind) bool {
	for _, k := range kinds {
		if _, ok := p.col[k]; ok {
			return true
		}
	}
	return false
}

func (p *parser) hasStatus() bool {
	_, status := p.col[kindStatus]
	_, note := p.col[kindNote]
	return status || note
}

// fields lists the member fields the file carries.
func (p *parser) fields() []string {
	has := p.has
	set := map[string]bool{
		FieldFullName:            true,
		FieldBirthYear:           has(kindBirth) || p.birthInMarks,
		FieldGender:              has(kindGender, kindMale, kindFemale),
		FieldCardNumber:          has(kindCard),
		FieldMembership:          has(kindMembership, kindFull, kindProb) || p.membershipInStatus,
		FieldJoinedOn:            has(kindJoined),
		FieldOfficialOn:          has(kindOfficial),
		FieldStatus:              p.hasStatus(),
		FieldTemporarilyAttached: p.hasStatus(),
		FieldTempExemptUntil:     p.hasStatus() || has(kindUntil),
		FieldCell:                has(kindCell, kindCellCode),
		FieldCellRole:            has(kindRole),
		FieldStatusNote:          has(kindNote),
	}
	out := []string{}
	for _, f := range fieldOrder {
		if set[f] {
			out = append(out, f)
		}
	}
	return out
}

// issueOf turns a validation error of store.Member.Normalize into the roster's message for the row.
func issueOf(line int, err error, m store.Member, column func(field string) string) Issue {
	e := domain.AsError(err)
	col := column(e.Field)
	switch e.Key {
	case "error.required":
		return issue(line, col, "roster.name_required")
	case "member.bad_birth_year":
		v := ""
		if m.BirthYear != nil {
			v = strconv.Itoa(*m.BirthYear)
		}
		return issue(line, col, "roster.bad_birth", "value", v)
	case "member.exempt_until_required":
		return issue(line, col, "roster.exempt_until_required")
	case "error.too_long":
		if col == "" {
			col = e.Field
		}
		return issue(line, col, "roster.too_long", "column", col)
	}
	return Issue{Line: line, Column: col, Code: e.Key, Args: e.Args}
}
