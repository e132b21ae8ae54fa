// Package roster imports and exports the list of party members of a cell (danh sách đảng viên) as offices keep
// it: an Excel workbook or a CSV file with a title block, a header row in Vietnamese, the members, and a signature
// block under them.
//
// An import runs in three steps. Parse reads the file into a File without touching the database, recording every
// cell it cannot read as an Issue on its line. Plan matches the rows against the live members of the unit being
// imported into and classifies each row as a create, an update or unchanged, reporting every bad row. Apply
// writes the plan through the store (so every change is audited) and refuses a plan with errors. The caller runs
// Plan and Apply in one transaction, so an import is all or nothing.
//
// ExportXLSX and ExportCSV write the members of a unit's subtree in the layout Parse reads, so an exported file
// imports back with no change.
package roster

import (
	"encoding/json"
	"strconv"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
)

// MaxRows is the most data rows one file may hold.
const MaxRows = 20000

// The file formats Parse reads.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// The member fields a file can carry, named as in the member's JSON. They name what a File holds (File.Fields)
// and what an update changes (Change.Fields).
const (
	FieldFullName            = "full_name"
	FieldBirthYear           = "birth_year"
	FieldGender              = "gender"
	FieldCardNumber          = "card_number"
	FieldMembership          = "membership"
	FieldJoinedOn            = "joined_on"
	FieldOfficialOn          = "official_on"
	FieldStatus              = "status"
	FieldTempExemptUntil     = "temp_exempt_until"
	FieldTemporarilyAttached = "temporarily_attached"
	FieldCell                = "cell_id"
	FieldCellRole            = "cell_role"
	FieldStatusNote          = "status_note"
)

// fieldOrder is the order fields are listed in, so plans and files read the same every time.
var fieldOrder = []string{
	FieldFullName, FieldBirthYear, FieldGender, FieldCardNumber, FieldMembership, FieldJoinedOn, FieldOfficialOn,
	FieldStatus, FieldTempExemptUntil, FieldTemporarilyAttached, FieldCell, FieldCellRole, FieldStatusNote,
}

// File is a parsed roster file: its recognised columns, its data rows and the problems found reading them.
// Parse fills it; Plan reads it.
type File struct {
	Name   string `json:"name"`
	Format string `json:"format"`          // FormatXLSX or FormatCSV
	Sheet  string `json:"sheet,omitempty"` // the worksheet read, for workbooks
	// HeaderLine is the line of the header row (1-based, as the spreadsheet numbers rows).
	HeaderLine int `json:"header_line"`
	// Columns are the recognised columns, left to right; columns Parse did not recognise are left out.
	Columns []Column `json:"columns"`
	// Fields are the member fields the file carries (Field* constants). An update changes only these: a roster
	// without a "Chức vụ" column leaves every member's cell role as it was.
	Fields []string `json:"fields"`
	Rows   []Row    `json:"rows"`
	// Issues are the cells that could not be read or break a rule, by line: every problem of every row, found in
	// one pass. A row with an issue is not imported.
	Issues []Issue `json:"issues"`
	// Warnings are the rows that import but need completing, such as a temporary exemption without an end date.
	Warnings []Issue `json:"warnings"`

	membershipColumn bool // the file has a membership column (not only membership words in the status column)
}

// Column is a recognised column of the file.
type Column struct {
	Index  int    `json:"index"`  // 0-based position in the row
	Header string `json:"header"` // the header as written in the file, on one line
	Kind   string `json:"kind"`   // what the column holds, e.g. "full_name", "birth", "male", "status"
}

// Row is one data row of the file, read into member fields. Text is cleaned (NFC, single spaces).
type Row struct {
	Line       int           `json:"line"` // 1-based line in the sheet or file
	FullName   string        `json:"full_name"`
	BirthYear  *int          `json:"birth_year"`
	Gender     domain.Gender `json:"gender"`
	CardNumber string        `json:"card_number"`
	JoinedOn   domain.Date   `json:"joined_on"`
	OfficialOn domain.Date   `json:"official_on"`
	// Membership is empty when the file does not say; Plan then infers it from the dates.
	Membership domain.Membership `json:"membership"`
	// Status is empty when the file does not say (no status column, or an empty cell: active).
	Status              domain.MemberStatus `json:"status"`
	TempExemptUntil     domain.Date         `json:"temp_exempt_until"`
	TemporarilyAttached bool                `json:"temporarily_attached"`
	StatusNote          string              `json:"status_note"`
	Cell                string              `json:"cell"`      // the "Chi bộ" value as written
	CellCode            string              `json:"cell_code"` // the "Mã chi bộ" value as written
	CellRole            string              `json:"cell_role"`
}

// Issue is one problem with one row (or, with the header's line, with the whole file): a catalogue key and its
// arguments. Its JSON carries the message in both languages, rendered from the catalogue:
//
//	{"line":12,"column":"Năm sinh","code":"roster.bad_birth","args":{"value":"19a0"},
//	 "message_vi":"Năm sinh / ngày sinh \"19a0\" không hợp lệ.","message_en":"Birth year or date \"19a0\" is not valid."}
type Issue struct {
	Line   int               `json:"line"`
	Column string            `json:"column,omitempty"` // the column's header as written in the file
	Code   string            `json:"code"`             // catalogue key, e.g. "roster.bad_birth"
	Args   map[string]string `json:"args,omitempty"`
	// Warning marks a note on a row that imports (such as a temporary exemption without an end date), not an error.
	Warning bool `json:"warning,omitempty"`
}

// Message returns the issue in lang, naming its line and column: "Dòng 12, cột "Năm sinh": Năm sinh … không hợp lệ…".
func (i Issue) Message(lang i18n.Lang) string {
	at := map[string]string{"line": strconv.Itoa(i.Line), "column": i.Column}
	prefix := "roster.at_line_column"
	if i.Column == "" {
		prefix = "roster.at_line"
	}
	return i18n.T(lang, prefix, at) + i18n.T(lang, i.Code, i.Args)
}

// MarshalJSON adds the message in Vietnamese and English, so a client shows it without a catalogue of its own.
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
		is.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			is.Args[kv[i]] = kv[i+1]
		}
	}
	return is
}
