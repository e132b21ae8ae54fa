// Package addressee reads and writes a province's directory of addressees as spreadsheets: the import of an XLSX
// list as offices keep it (title rows and merged cells above a Vietnamese header, names with stray spaces, levels
// and kinds written in words, "Cấp xã", "Chính quyền", "Mặt trận", the parent body given by its name, dates
// dd/mm/yyyy), previewed row by row and committed all or nothing, and the template to fill in.
package addressee

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
	"github.com/chibo-vn/chibo/server/sheet"
	"github.com/chibo-vn/chibo/server/store"
)

// MaxRows is the most data rows a file may have.
const MaxRows = 20000

// Outcomes of a row.
const (
	OutcomeCreate    = "create"
	OutcomeUpdate    = "update"
	OutcomeUnchanged = "unchanged"
	OutcomeError     = "error"
)

// Issue is what is wrong with a row, by line (the spreadsheet's row number) and column (letter and header).
type Issue struct {
	Line   int               `json:"line"`
	Column string            `json:"column,omitempty"`
	Code   string            `json:"code"`
	Args   map[string]string `json:"args,omitempty"`
}

// MarshalJSON adds the message in Vietnamese and English.
func (i Issue) MarshalJSON() ([]byte, error) {
	type plain Issue
	a := map[string]string{"line": strconv.Itoa(i.Line), "column": i.Column}
	for k, v := range i.Args {
		a[k] = v
	}
	return json.Marshal(struct {
		plain
		MessageVI string `json:"message_vi"`
		MessageEN string `json:"message_en"`
	}{plain(i), i18n.T(i18n.VI, i.Code, a), i18n.T(i18n.EN, i.Code, a)})
}

// Row is one data row and what the import does with it.
type Row struct {
	Line       int                   `json:"line"`
	Name       string                `json:"name"`
	ShortName  string                `json:"short_name,omitempty"`
	Level      domain.AddresseeLevel `json:"level,omitempty"`
	Kind       domain.AddresseeKind  `json:"kind,omitempty"`
	Parent     string                `json:"parent,omitempty"`       // the parent's name as matched
	Unit       string                `json:"org_unit,omitempty"`     // the party unit's name as matched
	ID         string                `json:"addressee_id,omitempty"` // the body created or updated
	Outcome    string                `json:"outcome"`
	Issues     []Issue               `json:"issues,omitempty"`
	input      store.AddresseeInput
	existing   *store.Addressee
	parentLine int // a parent given in the file: its line
}

// Plan is the preview of an import: every row's outcome and the counts.
type Plan struct {
	Province string         `json:"province"`
	Rows     []Row          `json:"rows"`
	Counts   map[string]int `json:"counts"`
	Errors   int            `json:"errors"`
	Issues   []Issue        `json:"issues,omitempty"`
	province *store.OrgUnit
}

type col int

const (
	colNone col = iota
	colName
	colShort
	colCode
	colLevel
	colKind
	colParent
	colUnit
	colAliases
	colFrom
	colTo
	colOrder
)

// norm folds text and keeps letters, digits and single spaces.
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

func headerKind(h string) col {
	switch {
	case h == "":
		return colNone
	case strings.Contains(h, "viet tat") || strings.Contains(h, "ten ngan") || h == "short name":
		return colShort
	case strings.Contains(h, "ten goi khac") || strings.Contains(h, "ten khac") || strings.Contains(h, "bi danh") || h == "aliases":
		return colAliases
	case strings.Contains(h, "cap tren") || strings.Contains(h, "truc thuoc") || strings.Contains(h, "chu quan") || h == "parent":
		return colParent
	case h == "ma" || strings.HasPrefix(h, "ma ") || h == "code" || h == "ky hieu":
		return colCode
	case h == "cap" || strings.HasPrefix(h, "cap ") || h == "level":
		return colLevel
	case h == "loai" || strings.HasPrefix(h, "loai ") || strings.HasPrefix(h, "khoi") || h == "kind":
		return colKind
	case strings.Contains(h, "tu ngay") || strings.Contains(h, "ngay bat dau") || strings.Contains(h, "hieu luc tu") || h == "active from":
		return colFrom
	case strings.Contains(h, "den ngay") || strings.Contains(h, "ngay ket thuc") || strings.Contains(h, "ngung") || h == "active to":
		return colTo
	case strings.Contains(h, "thu tu") || h == "order":
		return colOrder
	case strings.Contains(h, "to chuc dang") || strings.Contains(h, "dia ban") || strings.Contains(h, "dang bo") || h == "xa phuong" || h == "org unit":
		return colUnit
	case strings.Contains(h, "ten co quan") || strings.Contains(h, "ten don vi") || strings.Contains(h, "co quan") ||
		h == "ten" || strings.HasPrefix(h, "ten ") || h == "name" || strings.Contains(h, "dia chi nhan"):
		return colName
	}
	return colNone
}

// levelWords and kindWords are what offices write in the level and kind columns, normalised.
var levelWords = map[string]domain.AddresseeLevel{
	"trung uong": domain.LevelCentral, "tw": domain.LevelCentral, "central": domain.LevelCentral,
	"tinh": domain.LevelProvince, "thanh pho": domain.LevelProvince, "province": domain.LevelProvince,
	"huyen": domain.LevelDistrict, "district": domain.LevelDistrict,
	"xa": domain.LevelCommune, "phuong": domain.LevelCommune, "dac khu": domain.LevelCommune, "co so": domain.LevelCommune,
	"xa phuong": domain.LevelCommune, "commune": domain.LevelCommune,
}

var kindWords = map[string]domain.AddresseeKind{
	"to chuc dang": domain.AddrParty, "dang": domain.AddrParty, "cap uy": domain.AddrParty, "dang uy": domain.AddrParty, "party": domain.AddrParty,
	"ban cua cap uy": domain.AddrPartyBoard, "ban dang": domain.AddrPartyBoard, "co quan tham muu": domain.AddrPartyBoard,
	"ban tham muu": domain.AddrPartyBoard, "party board": domain.AddrPartyBoard,
	"chinh quyen": domain.AddrGovernment, "ubnd": domain.AddrGovernment, "uy ban nhan dan": domain.AddrGovernment,
	"co quan nha nuoc": domain.AddrGovernment, "co quan chuyen mon": domain.AddrGovernment, "government": domain.AddrGovernment,
	"hdnd": domain.AddrCouncil, "hoi dong nhan dan": domain.AddrCouncil, "council": domain.AddrCouncil,
	"mat tran": domain.AddrFront, "mttq": domain.AddrFront, "doan the": domain.AddrFront, "mat tran va doan the": domain.AddrFront,
	"mat tran doan the": domain.AddrFront, "to chuc chinh tri xa hoi": domain.AddrFront, "front": domain.AddrFront,
	"cong an": domain.AddrPolice, "police": domain.AddrPolice,
	"doanh nghiep": domain.AddrEnterprise, "cong ty": domain.AddrEnterprise, "enterprise": domain.AddrEnterprise,
	"khac": domain.AddrOther, "other": domain.AddrOther, "quan su": domain.AddrOther,
}

// AcceptedLevels and AcceptedKinds are the words the messages list.
const (
	AcceptedLevels = "“Trung ương”, “Tỉnh”, “Huyện”, “Xã” (hoặc “Cấp tỉnh”, “Cấp xã”, “Phường”)"
	AcceptedKinds  = "“Tổ chức đảng”, “Ban của cấp ủy”, “Chính quyền”, “HĐND”, “Mặt trận” (đoàn thể), “Công an”, “Doanh nghiệp”, “Khác”"
)

func parseLevel(s string) (domain.AddresseeLevel, bool) {
	n := strings.TrimPrefix(norm(s), "cap ")
	l, ok := levelWords[n]
	return l, ok
}

func parseKind(s string) (domain.AddresseeKind, bool) {
	n := norm(s)
	if k, ok := kindWords[n]; ok {
		return k, true
	}
	k, ok := kindWords[strings.ReplaceAll(n, "_", " ")]
	return k, ok
}

// File is the parsed spreadsheet.
type File struct {
	headers  map[col]string
	rows     []rawRow
	date1904 bool
}

type rawRow struct {
	line int
	v    map[col]string
}

// Parse reads an XLSX file: the first sheet with a header naming a body's name column within its first 30 rows
// (title rows and merged cells above it are skipped); every row below it is data.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20+1))
	if err != nil {
		return nil, domain.Internal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, domain.Invalid("file", "addrimp.unreadable")
	}
	defer x.Close()
	date1904 := false
	if p, err := x.GetWorkbookProps(); err == nil && p.Date1904 != nil && *p.Date1904 {
		date1904 = true
	}
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			continue
		}
		for i := 0; i < len(rows) && i < 30; i++ {
			cols := map[col]int{}
			for j, h := range rows[i] {
				if k := headerKind(norm(h)); k != colNone {
					if _, seen := cols[k]; !seen {
						cols[k] = j
					}
				}
			}
			if _, ok := cols[colName]; !ok || len(cols) < 2 {
				continue
			}
			f := &File{headers: map[col]string{}, date1904: date1904}
			for k, j := range cols {
				letter, _ := excelize.ColumnNumberToName(j + 1)
				f.headers[k] = letter + " (" + domain.CleanText(rows[i][j]) + ")"
			}
			for n := i + 1; n < len(rows); n++ {
				rr := rawRow{line: n + 1, v: map[col]string{}}
				empty := true
				for k, j := range cols {
					if j < len(rows[n]) {
						if v := domain.CleanText(rows[n][j]); v != "" {
							rr.v[k], empty = v, false
						}
					}
				}
				if empty || sheet.Numbering(rows[n]) {
					continue
				}
				f.rows = append(f.rows, rr)
				if len(f.rows) > MaxRows {
					return nil, domain.Invalid("file", "addrimp.too_many", "max", strconv.Itoa(MaxRows))
				}
			}
			return f, nil
		}
	}
	return nil, domain.Invalid("file", "addrimp.no_header")
}

// unitKey folds a party unit's name without its "Đảng bộ"/"Chi bộ" prefix: "Đảng bộ xã Triệu Phong" and
// "xã Triệu Phong" match.
func unitKey(s string) string {
	k := norm(s)
	for _, p := range []string{"dang bo ", "chi bo ", "dang uy "} {
		k = strings.TrimPrefix(k, p)
	}
	return k
}

// PlanImport matches each row of f to the province's directory (by code, else by name: an existing body is
// updated), resolves parents (a body of the file or of the directory, by name, short name or code) and party
// units (by name, or the commune a commune body's name ends with), and says what committing would do.
func PlanImport(ctx context.Context, db bun.IDB, province *store.OrgUnit, f *File) (*Plan, error) {
	p := &Plan{Province: province.Name, Rows: []Row{}, province: province,
		Counts: map[string]int{OutcomeCreate: 0, OutcomeUpdate: 0, OutcomeUnchanged: 0, OutcomeError: 0}}
	var existing []store.Addressee
	if err := db.NewSelect().Model(&existing).Where("ad.province_id = ?", province.ID).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	exByCode, exByName := map[string]*store.Addressee{}, map[string][]*store.Addressee{}
	for i := range existing {
		a := &existing[i]
		if a.Code != "" {
			exByCode[norm(a.Code)] = a
		}
		exByName[norm(a.Name)] = append(exByName[norm(a.Name)], a)
	}
	var units []store.OrgUnit
	if err := db.NewSelect().Model(&units).Where("ou.path LIKE ?", province.Path+"%").
		Where("ou.kind IN (?)", bun.List([]domain.OrgKind{domain.KindProvince, domain.KindDistrict, domain.KindCommune, domain.KindGrassroots})).
		Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	unitByKey := map[string][]*store.OrgUnit{}
	for i := range units {
		unitByKey[unitKey(units[i].Name)] = append(unitByKey[unitKey(units[i].Name)], &units[i])
	}
	// The file's own bodies by name and code, for parents given by name.
	fileByName, fileByCode := map[string][]int{}, map[string]int{}
	for i, rr := range f.rows {
		if n := rr.v[colName]; n != "" {
			fileByName[norm(n)] = append(fileByName[norm(n)], i)
		}
		if c := rr.v[colCode]; c != "" {
			fileByCode[norm(c)] = i
		}
	}
	ids := make([]string, len(f.rows))
	seenName := map[string]int{}
	for i, rr := range f.rows {
		row := Row{Line: rr.line, Name: rr.v[colName], ShortName: rr.v[colShort]}
		bad := func(c col, code string, kv ...string) {
			is := Issue{Line: rr.line, Column: f.headers[c], Code: code, Args: map[string]string{}}
			for i := 0; i+1 < len(kv); i += 2 {
				is.Args[kv[i]] = kv[i+1]
			}
			if is.Column == "" {
				is.Column = colLetterName(c)
			}
			row.Issues = append(row.Issues, is)
		}
		in := store.AddresseeInput{Name: ptr(row.Name), ShortName: ptr(rr.v[colShort]), Code: ptr(rr.v[colCode]),
			Aliases: ptr(strings.ReplaceAll(rr.v[colAliases], ";", "\n"))}
		if row.Name == "" {
			bad(colName, "addrimp.no_name")
		}
		// Level and kind, in words.
		if v := rr.v[colLevel]; v != "" {
			if l, ok := parseLevel(v); ok {
				row.Level, in.Level = l, &l
			} else {
				bad(colLevel, "addrimp.bad_level", "value", v, "accepted", AcceptedLevels)
			}
		}
		if v := rr.v[colKind]; v != "" {
			if k, ok := parseKind(v); ok {
				row.Kind, in.Kind = k, &k
			} else {
				bad(colKind, "addrimp.bad_kind", "value", v, "accepted", AcceptedKinds)
			}
		}
		// Dates.
		for _, dc := range []struct {
			c   col
			dst **domain.Date
		}{{colFrom, &in.ActiveFrom}, {colTo, &in.ActiveTo}} {
			if v := rr.v[dc.c]; v != "" {
				d, ok := sheet.ParseDate(v, f.date1904)
				if !ok {
					bad(dc.c, "addrimp.bad_date", "value", v)
				} else {
					*dc.dst = &d
				}
			}
		}
		if v := rr.v[colOrder]; v != "" {
			n, ok := sheet.Number(v)
			if !ok || n < 0 || n > 1e6 {
				bad(colOrder, "addrimp.bad_order", "value", v)
			} else {
				in.SortOrder = ptr(int(n))
			}
		}
		// The party unit: named, or the commune a commune body's name ends with.
		if v := rr.v[colUnit]; v != "" {
			us := unitByKey[unitKey(v)]
			switch len(us) {
			case 1:
				in.OrgUnitID, row.Unit = &us[0].ID, us[0].Name
			case 0:
				bad(colUnit, "addrimp.bad_unit", "value", v, "province", province.Name)
			default:
				bad(colUnit, "addrimp.ambiguous_unit", "value", v)
			}
		} else if row.Level == domain.LevelCommune {
			if u := communeOf(row.Name, units); u != nil {
				in.OrgUnitID, row.Unit = &u.ID, u.Name
			}
		}
		// The body it is: an existing one by code, else by name.
		var ex *store.Addressee
		if c := rr.v[colCode]; c != "" {
			ex = exByCode[norm(c)]
		}
		if ex == nil { // by name, at the same party unit when the row gives one ("Hội Nông dân" of each commune)
			var same []*store.Addressee
			for _, a := range exByName[norm(row.Name)] {
				if in.OrgUnitID == nil || (a.OrgUnitID != nil && *a.OrgUnitID == *in.OrgUnitID) {
					same = append(same, a)
				}
			}
			if len(same) == 1 {
				ex = same[0]
			}
		}
		if ex == nil && in.OrgUnitID == nil && (row.Level == domain.LevelProvince || row.Level == domain.LevelCentral) {
			in.OrgUnitID, row.Unit = &province.ID, province.Name
		}
		if first, dup := seenName[norm(row.Name)+"|"+norm(rr.v[colUnit])]; dup && row.Name != "" {
			bad(colName, "addrimp.duplicate", "first", strconv.Itoa(first))
		} else {
			seenName[norm(row.Name)+"|"+norm(rr.v[colUnit])] = rr.line
		}
		if ex == nil && rr.v[colLevel] == "" {
			bad(colLevel, "addrimp.no_level", "accepted", AcceptedLevels)
		}
		if ex == nil && rr.v[colKind] == "" {
			bad(colKind, "addrimp.no_kind", "accepted", AcceptedKinds)
		}
		if ex == nil && in.SortOrder == nil {
			in.SortOrder = ptr((i + 1) * 10)
		}
		if ex != nil {
			ids[i] = ex.ID
		} else {
			ids[i] = domain.NewID()
			in.ID = ids[i]
		}
		row.ID = ids[i]
		// The parent: a body of the file, else of the directory.
		if v := rr.v[colParent]; v != "" {
			k := norm(v)
			switch js := fileByName[k]; {
			case len(js) == 1 && js[0] != i:
				row.parentLine, row.Parent = f.rows[js[0]].line, f.rows[js[0]].v[colName]
				in.ParentID = &ids[js[0]] // filled below for rows after this one
			case len(js) > 1:
				bad(colParent, "addrimp.ambiguous_parent", "value", v)
			default:
				if j, ok := fileByCode[k]; ok && j != i {
					row.parentLine, row.Parent = f.rows[j].line, f.rows[j].v[colName]
					in.ParentID = &ids[j]
				} else if a := exByCode[k]; a != nil {
					in.ParentID, row.Parent = &a.ID, a.Name
				} else if as := exByName[k]; len(as) == 1 {
					in.ParentID, row.Parent = &as[0].ID, as[0].Name
				} else if len(as) > 1 {
					bad(colParent, "addrimp.ambiguous_parent", "value", v)
				} else {
					bad(colParent, "addrimp.bad_parent", "value", v)
				}
			}
		}
		row.input, row.existing = in, ex
		p.Rows = append(p.Rows, row)
	}
	// Parents given by a later row point into ids: make them values now that every id is known, then decide.
	for i := range p.Rows {
		row := &p.Rows[i]
		if pid := row.input.ParentID; pid != nil {
			v := *pid
			row.input.ParentID = &v
			if v == row.ID {
				row.Issues = append(row.Issues, Issue{Line: row.Line, Column: f.headers[colParent], Code: "addrimp.self_parent"})
			}
		}
		switch {
		case len(row.Issues) > 0:
			row.Outcome = OutcomeError
			p.Errors += len(row.Issues)
		case row.existing == nil:
			row.Outcome = OutcomeCreate
		case unchanged(row.existing, row.input):
			row.Outcome = OutcomeUnchanged
		default:
			row.Outcome = OutcomeUpdate
		}
		p.Counts[row.Outcome]++
	}
	if len(p.Rows) == 0 {
		p.Issues = append(p.Issues, Issue{Code: "addrimp.empty"})
		p.Errors++
	}
	return p, nil
}

// communeOf finds the commune (or ward) whose name a commune body's name ends with: "UBND xã Triệu Phong".
func communeOf(name string, units []store.OrgUnit) *store.OrgUnit {
	n := " " + norm(name)
	var found *store.OrgUnit
	for i := range units {
		u := &units[i]
		if u.Kind != domain.KindCommune {
			continue
		}
		k := unitKey(u.Name)
		if k != "" && strings.HasSuffix(n, " "+k) {
			if found != nil {
				return nil
			}
			found = u
		}
	}
	return found
}

func unchanged(a *store.Addressee, in store.AddresseeInput) bool {
	b := *a
	if in.Name != nil {
		b.Name = *in.Name
	}
	if in.ShortName != nil {
		b.ShortName = *in.ShortName
	}
	if in.Code != nil {
		b.Code = *in.Code
	}
	if in.Aliases != nil {
		b.Aliases = *in.Aliases
	}
	if in.Level != nil {
		b.Level = *in.Level
	}
	if in.Kind != nil {
		b.Kind = *in.Kind
	}
	if in.ParentID != nil {
		b.ParentID = in.ParentID
	}
	if in.OrgUnitID != nil {
		b.OrgUnitID = in.OrgUnitID
	}
	if in.ActiveFrom != nil {
		b.ActiveFrom = *in.ActiveFrom
	}
	if in.ActiveTo != nil {
		b.ActiveTo = *in.ActiveTo
	}
	if in.SortOrder != nil {
		b.SortOrder = *in.SortOrder
	}
	if b.Normalize() != nil {
		return false
	}
	return b.Name == a.Name && b.ShortName == a.ShortName && b.Code == a.Code && b.Aliases == a.Aliases &&
		b.Level == a.Level && b.Kind == a.Kind && deref(b.ParentID) == deref(a.ParentID) &&
		deref(b.OrgUnitID) == deref(a.OrgUnitID) && b.ActiveFrom == a.ActiveFrom && b.ActiveTo == a.ActiveTo &&
		b.SortOrder == a.SortOrder
}

// Apply writes the plan in db (the caller's transaction): all rows, or none if any is wrong. Parents are written
// before the bodies below them.
func (p *Plan) Apply(ctx context.Context, db bun.IDB) (map[string]int, error) {
	if p.Errors > 0 {
		return nil, domain.Invalid("file", "addrimp.has_errors", "n", strconv.Itoa(p.Errors))
	}
	done := map[string]bool{}
	inFile := map[string]bool{}
	for _, r := range p.Rows {
		inFile[r.ID] = true
	}
	out := map[string]int{OutcomeCreate: 0, OutcomeUpdate: 0, OutcomeUnchanged: 0}
	for pass := 0; len(done) < len(p.Rows); pass++ {
		if pass > len(p.Rows) {
			return nil, domain.Invalid("file", "addrimp.parent_cycle")
		}
		for i := range p.Rows {
			r := &p.Rows[i]
			if done[r.ID] {
				continue
			}
			if pid := r.input.ParentID; pid != nil && inFile[*pid] && !done[*pid] && *pid != r.ID {
				continue // its parent first
			}
			var err error
			switch r.Outcome {
			case OutcomeCreate:
				_, err = store.CreateAddressee(ctx, db, p.province, r.input)
			case OutcomeUpdate:
				_, err = store.UpdateAddressee(ctx, db, p.province, r.ID, r.input)
			}
			if err != nil {
				return nil, err
			}
			done[r.ID] = true
			out[r.Outcome]++
		}
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// colLetterName names a column the file lacks, for a message.
func colLetterName(c col) string {
	return map[col]string{colName: "Tên cơ quan", colLevel: "Cấp", colKind: "Loại", colParent: "Cơ quan cấp trên",
		colUnit: "Tổ chức đảng", colFrom: "Từ ngày", colTo: "Đến ngày"}[c]
}

// Template makes the workbook to fill in: a title, the header, sample rows, and a sheet of the accepted levels and
// kinds (the level and kind columns offer them as lists).
func Template(lang i18n.Lang) ([]byte, error) {
	T := func(k string) string { return i18n.T(lang, k, nil) }
	x := excelize.NewFile()
	defer x.Close()
	sh, vsh := T("addrimp.tpl.sheet"), T("addrimp.tpl.values_sheet")
	if err := x.SetSheetName("Sheet1", sh); err != nil {
		return nil, domain.Internal(err)
	}
	if _, err := x.NewSheet(vsh); err != nil {
		return nil, domain.Internal(err)
	}
	set := func(s, cell string, v any) { _ = x.SetCellValue(s, cell, v) }
	set(sh, "A1", T("addrimp.tpl.title"))
	set(sh, "A2", T("addrimp.tpl.hint"))
	head := []string{"STT", "Tên cơ quan, đơn vị", "Tên viết tắt", "Mã", "Cấp", "Loại", "Cơ quan cấp trên", "Tổ chức đảng (xã, phường)", "Tên gọi khác", "Từ ngày", "Đến ngày"}
	for j, h := range head {
		c, _ := excelize.CoordinatesToCellName(j+1, 4)
		set(sh, c, h)
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = x.SetCellStyle(sh, "A1", "A1", bold)
	_ = x.SetCellStyle(sh, "A4", "K4", bold)
	samples := [][]string{
		{"1", "Ủy ban nhân dân tỉnh", "UBND tỉnh", "", "Tỉnh", "Chính quyền", "", "", "", "01/07/2025", ""},
		{"2", "Sở Nông nghiệp và Môi trường", "Sở NN&MT", "", "Tỉnh", "Chính quyền", "Ủy ban nhân dân tỉnh", "", "Sở Nông nghiệp", "01/07/2025", ""},
		{"3", "UBND xã Triệu Phong", "UBND xã", "", "Cấp xã", "Chính quyền", "Ủy ban nhân dân tỉnh", "xã Triệu Phong", "Ủy ban xã", "01/07/2025", ""},
	}
	for i, r := range samples {
		for j, v := range r {
			c, _ := excelize.CoordinatesToCellName(j+1, 5+i)
			set(sh, c, v)
		}
	}
	for j, w := range []float64{6, 40, 18, 10, 10, 18, 32, 26, 30, 12, 12} {
		c, _ := excelize.ColumnNumberToName(j + 1)
		_ = x.SetColWidth(sh, c, c, w)
	}
	levels := []string{"Trung ương", "Tỉnh", "Huyện", "Xã"}
	kinds := []string{"Tổ chức đảng", "Ban của cấp ủy", "Chính quyền", "HĐND", "Mặt trận", "Công an", "Doanh nghiệp", "Khác"}
	set(vsh, "A1", "Cấp")
	set(vsh, "B1", "Loại")
	for i, l := range levels {
		set(vsh, fmt.Sprintf("A%d", i+2), l)
	}
	for i, k := range kinds {
		set(vsh, fmt.Sprintf("B%d", i+2), k)
	}
	_ = x.SetColWidth(vsh, "A", "B", 22)
	for _, dv := range []struct{ sq, list string }{{"E5:E2000", fmt.Sprintf("'%s'!$A$2:$A$%d", vsh, len(levels)+1)},
		{"F5:F2000", fmt.Sprintf("'%s'!$B$2:$B$%d", vsh, len(kinds)+1)}} {
		v := excelize.NewDataValidation(true)
		v.Sqref = dv.sq
		v.SetSqrefDropList(dv.list)
		_ = x.AddDataValidation(sh, v)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, domain.Internal(err)
	}
	return buf.Bytes(), nil
}
