// Package userimport imports the list of officials a standing committee's decision assigns (danh sách cán bộ
// được phân công theo quyết định của Ban Thường vụ) from an Excel workbook as offices keep it: title rows, a header
// row in Vietnamese, one official per row with the role given over a unit and the cells to attend.
//
// An import runs like a roster's (server/roster): Parse reads the workbook into a File without touching the
// database, recording every cell it cannot read as an Issue on its line; PlanImport matches the rows against the
// users, grants and assignments of the unit being imported into and gives every row its outcome (create, update,
// unchanged, warning, error); Apply writes the plan through the store, so every change is audited, and refuses a
// plan with errors. The caller runs PlanImport and Apply in one transaction, so an import is all or nothing, and
// importing the same file again changes nothing.
package userimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/sheet"
)

// MaxRows is the most data rows one file may hold.
const MaxRows = 5000

// The columns a file can have (Column.Kind).
const (
	ColName     = "full_name"
	ColUsername = "username"
	ColTitle    = "title"
	ColPhone    = "phone"
	ColHome     = "home_unit"
	ColRole     = "role"
	ColScope    = "scope_unit"
	ColFrom     = "valid_from"
	ColTo       = "valid_to"
	ColCells    = "cells"
	ColNote     = "note"
	colIgnore   = "ignore"
)

// headers maps the folded header names offices use (see key) to the column they name.
var headers = map[string]string{
	"stt": colIgnore, "tt": colIgnore, "so tt": colIgnore, "so thu tu": colIgnore,
	"ho va ten": ColName, "ho ten": ColName, "ho va ten can bo": ColName, "ho ten can bo": ColName,
	"ho va ten dong chi": ColName, "dong chi": ColName, "can bo": ColName,
	"ten dang nhap": ColUsername, "tai khoan": ColUsername, "ten tai khoan": ColUsername, "username": ColUsername,
	"chuc vu": ColTitle, "chuc danh": ColTitle, "chuc vu chuc danh": ColTitle,
	"dien thoai": ColPhone, "so dien thoai": ColPhone, "sdt": ColPhone, "so dt": ColPhone, "dt": ColPhone,
	"don vi cong tac": ColHome, "noi cong tac": ColHome, "co quan cong tac": ColHome, "co quan": ColHome, "don vi": ColHome,
	"vai tro": ColRole, "quyen": ColRole, "loai tai khoan": ColRole, "nhiem vu": ColRole,
	"pham vi": ColScope, "pham vi phu trach": ColScope, "don vi phu trach": ColScope, "dia ban phu trach": ColScope,
	"pham vi phan quyen": ColScope, "pham vi quyen": ColScope, "phu trach": ColScope,
	"tu ngay": ColFrom, "ngay bat dau": ColFrom, "hieu luc tu": ColFrom, "hieu luc tu ngay": ColFrom,
	"den ngay": ColTo, "ngay ket thuc": ColTo, "hieu luc den": ColTo, "hieu luc den ngay": ColTo,
	"chi bo phu trach": ColCells, "chi bo du sinh hoat": ColCells, "phan cong du sinh hoat": ColCells,
	"du sinh hoat chi bo": ColCells, "du sinh hoat tai chi bo": ColCells, "chi bo": ColCells,
	"phan cong du sinh hoat chi bo": ColCells, "chi bo duoc phan cong": ColCells,
	"ghi chu": ColNote,
}

// File is a parsed workbook: its recognised columns, its rows and the cells that could not be read.
type File struct {
	Name       string   `json:"name"`
	Sheet      string   `json:"sheet"`
	HeaderLine int      `json:"header_line"`
	Columns    []Column `json:"columns"`
	Rows       []Row    `json:"rows"`
	Issues     []Issue  `json:"issues"`
}

// Column is a recognised column of the file.
type Column struct {
	Index  int    `json:"index"`
	Header string `json:"header"` // as written, on one line
	Kind   string `json:"kind"`   // one of the Col* constants
}

// Row is one official's row, its text cleaned (NFC, single spaces).
type Row struct {
	Line     int         `json:"line"`
	FullName string      `json:"full_name"`
	Username string      `json:"username"`
	Title    string      `json:"title"`
	Phone    string      `json:"phone"`
	Home     string      `json:"home_unit"`
	RoleText string      `json:"role_text"`
	Role     domain.Role `json:"role"`
	Scope    string      `json:"scope_unit"`
	From     domain.Date `json:"valid_from"`
	To       domain.Date `json:"valid_to"`
	Cells    []string    `json:"cells"`
	Note     string      `json:"note"`
}

// Issue is one problem (or, as a warning, one note) about one row: a catalogue key and its arguments. Its JSON
// carries the message in both languages.
type Issue struct {
	Line   int               `json:"line"`
	Column string            `json:"column,omitempty"` // the column's header as written in the file
	Code   string            `json:"code"`
	Args   map[string]string `json:"args,omitempty"`
}

// Message returns the issue in lang.
func (i Issue) Message(lang i18n.Lang) string { return i18n.T(lang, i.Code, i.Args) }

// MarshalJSON adds the message in Vietnamese and English.
func (i Issue) MarshalJSON() ([]byte, error) {
	type plain Issue
	return json.Marshal(struct {
		plain
		MessageVI string `json:"message_vi"`
		MessageEN string `json:"message_en"`
	}{plain(i), i.Message(i18n.VI), i.Message(i18n.EN)})
}

func issue(line int, column, code string, kv ...string) Issue {
	is := Issue{Line: line, Column: column, Code: code}
	if len(kv) > 0 {
		is.Args = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			is.Args[kv[i]] = kv[i+1]
		}
	}
	return is
}

// key folds text for comparison: no diacritics, lower case, every run of characters other than letters and
// digits one space. "Họ và tên\n(ghi đầy đủ)" becomes "ho va ten ghi day du".
func key(s string) string {
	f := domain.Fold(s)
	var b strings.Builder
	space := false
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

var reBracketed = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

func headerKind(cell string) (string, bool) {
	if k, ok := headers[key(cell)]; ok {
		return k, true
	}
	k, ok := headers[key(reBracketed.ReplaceAllString(cell, " "))]
	return k, ok
}

const headerScan = 30

// Parse reads the list from an .xlsx workbook: the first sheet with a header row naming the full name ("Họ và
// tên") among its first 30 lines. Title lines above the header and the signature block under the rows are
// skipped. Problems with the whole file are returned as a *domain.Error with code invalid; problems with a cell
// are Issues on its line.
func Parse(r io.Reader, filename string) (f *File, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, domain.E(domain.CodeInvalid, "users_import.unreadable", "detail", err.Error())
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, domain.E(domain.CodeInvalid, "users_import.bad_format")
	}
	defer func() {
		if v := recover(); v != nil { // excelize parses untrusted input
			f, err = nil, domain.E(domain.CodeInvalid, "users_import.unreadable", "detail", fmt.Sprint(v))
		}
	}()
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, domain.E(domain.CodeInvalid, "users_import.unreadable", "detail", err.Error())
	}
	defer x.Close()
	date1904 := false
	if props, err := x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	for _, sheet := range x.GetSheetList() {
		rows, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			continue
		}
		f := &File{Name: filename, Sheet: sheet, Columns: []Column{}, Rows: []Row{}, Issues: []Issue{}}
		ok, err := f.read(rows, date1904)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if len(f.Rows) == 0 {
			return nil, domain.E(domain.CodeInvalid, "users_import.no_rows")
		}
		return f, nil
	}
	return nil, domain.E(domain.CodeInvalid, "users_import.no_header")
}

// read finds the header among rows and reads the rows under it; ok is false when the sheet has no header.
func (f *File) read(rows [][]string, date1904 bool) (bool, error) {
	best, bestScore := -1, 0
	for i := 0; i < len(rows) && i < headerScan; i++ {
		seen := map[string]bool{}
		for _, c := range rows[i] {
			if k, ok := headerKind(c); ok && k != colIgnore {
				seen[k] = true
			}
		}
		if seen[ColName] && len(seen) > bestScore {
			best, bestScore = i, len(seen)
		}
	}
	if best < 0 || bestScore < 2 {
		return false, nil
	}
	col := map[string]int{}
	head := map[string]string{}
	for i, c := range rows[best] {
		k, ok := headerKind(c)
		if !ok || k == colIgnore {
			continue
		}
		if _, dup := col[k]; dup {
			continue
		}
		col[k], head[k] = i, domain.CleanText(c)
		f.Columns = append(f.Columns, Column{Index: i, Header: head[k], Kind: k})
	}
	f.HeaderLine = best + 1
	footer := false
	for i := best + 1; i < len(rows); i++ {
		cells := rows[i]
		get := func(k string) string {
			j, ok := col[k]
			if !ok || j >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[j])
		}
		empty, anyFooter := true, false
		for _, c := range cells {
			if k := key(c); k != "" {
				empty = false
				anyFooter = anyFooter || isFooter(k)
			}
		}
		if empty || footer {
			continue
		}
		name := domain.CleanText(get(ColName))
		if nk := key(name); (nk != "" && isFooter(nk)) || (nk == "" && anyFooter) {
			footer = true // the signature block: nothing under it is an official
			continue
		}
		if sheet.Numbering(cells) {
			continue // the "(1) (2) (3)" line under a header
		}
		rest := get(ColUsername) + get(ColRole) + get(ColScope) + get(ColCells) + get(ColHome)
		if name == "" && rest == "" {
			continue // a title or total line
		}
		if len(f.Rows) >= MaxRows {
			return false, domain.E(domain.CodeInvalid, "users_import.too_many_rows", "max", strconv.Itoa(MaxRows))
		}
		line := i + 1
		row := Row{Line: line, FullName: name, Username: strings.ToLower(domain.CleanText(get(ColUsername))),
			Title: domain.CleanText(get(ColTitle)), Phone: domain.CleanText(get(ColPhone)), Home: domain.CleanText(get(ColHome)),
			RoleText: domain.CleanText(get(ColRole)), Scope: domain.CleanText(get(ColScope)), Note: domain.CleanText(get(ColNote)),
			Cells: splitCells(get(ColCells))}
		if row.FullName == "" {
			f.Issues = append(f.Issues, issue(line, head[ColName], "users_import.name_required"))
		}
		if row.RoleText != "" {
			if r, ok := parseRole(row.RoleText); ok {
				row.Role = r
			} else {
				f.Issues = append(f.Issues, issue(line, head[ColRole], "users_import.bad_role", "value", row.RoleText, "accepted", acceptedRoles))
			}
		}
		for _, d := range []struct {
			k   string
			dst *domain.Date
		}{{ColFrom, &row.From}, {ColTo, &row.To}} {
			v := get(d.k)
			if date, ok := sheet.ParseDate(v, date1904); ok {
				*d.dst = date
			} else {
				f.Issues = append(f.Issues, issue(line, head[d.k], "users_import.bad_date", "value", v))
			}
		}
		f.Rows = append(f.Rows, row)
	}
	return true, nil
}

// splitCells splits the cells column: names separated by semicolons, line breaks or commas.
func splitCells(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == ',' || r == '\r' }) {
		if p := domain.CleanText(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// roleWords maps the folded words offices write for a role.
var roleWords = map[string]domain.Role{
	"quan tri": domain.RoleAdmin, "quan tri vien": domain.RoleAdmin, "admin": domain.RoleAdmin,
	"giam sat": domain.RoleSupervisor, "can bo giam sat": domain.RoleSupervisor, "theo doi giam sat": domain.RoleSupervisor,
	"supervisor": domain.RoleSupervisor,
	"can bo":     domain.RoleOfficial, "can bo du sinh hoat": domain.RoleOfficial, "du sinh hoat": domain.RoleOfficial,
	"du sinh hoat chi bo": domain.RoleOfficial, "cap uy vien": domain.RoleOfficial, "official": domain.RoleOfficial,
	"bi thu": domain.RoleSecretary, "bi thu chi bo": domain.RoleSecretary, "secretary": domain.RoleSecretary,
	"tra loi kien nghi": domain.RoleResponder, "don vi tra loi": domain.RoleResponder, "responder": domain.RoleResponder,
}

// acceptedRoles lists the role values in the messages.
const acceptedRoles = "Quản trị, Giám sát, Cán bộ dự sinh hoạt, Bí thư chi bộ, Trả lời kiến nghị"

func parseRole(s string) (domain.Role, bool) {
	r, ok := roleWords[key(s)]
	return r, ok
}

// RoleName is a role in Vietnamese, as the template writes it.
func RoleName(r domain.Role) string {
	switch r {
	case domain.RoleAdmin:
		return "Quản trị"
	case domain.RoleSupervisor:
		return "Giám sát"
	case domain.RoleOfficial:
		return "Cán bộ dự sinh hoạt"
	case domain.RoleSecretary:
		return "Bí thư chi bộ"
	case domain.RoleResponder:
		return "Trả lời kiến nghị"
	}
	return ""
}

// isFooter reports whether folded text starts a signature block ("T/M BAN THƯỜNG VỤ", "Nơi nhận", "Bí thư").
func isFooter(k string) bool {
	for _, p := range []string{"t m", "tm", "thay mat", "noi nhan", "nguoi lap", "bi thu", "pho bi thu", "ky ten", "xac nhan", "tong cong", "tong so"} {
		if k == p || strings.HasPrefix(k, p+" ") {
			return true
		}
	}
	return false
}

// ParseDecisionDate reads the decision date of the form: YYYY-MM-DD or dd/mm/yyyy.
func ParseDecisionDate(s string) (domain.Date, error) {
	d, ok := sheet.ParseDate(s, false)
	if !ok {
		return d, domain.Invalid("decision_date", "users_import.bad_decision_date", "value", s)
	}
	return d, nil
}
