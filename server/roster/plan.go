package roster

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// Action is what an import does with one row.
type Action string

// The actions.
const (
	ActionCreate    Action = "create"    // a new member
	ActionUpdate    Action = "update"    // an existing member whose fields change
	ActionUnchanged Action = "unchanged" // an existing member the file describes as it is
)

// Change is what the import does with one valid row.
type Change struct {
	Line     int    `json:"line"`
	Action   Action `json:"action"`
	MemberID string `json:"member_id,omitempty"` // the matched member; for a create, set by Apply
	FullName string `json:"full_name"`
	CellID   string `json:"cell_id"`
	// Fields lists the fields an update changes (Field* constants), in a fixed order.
	Fields []string `json:"fields,omitempty"`
	// TransferFrom is the cell a member found by card number in another cell of the province moves from.
	TransferFrom *CellRef `json:"transfer_from,omitempty"`

	member *store.Member // the member as it will be written
}

// CellRef names a cell.
type CellRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// The outcomes of a row, as the preview shows them: an action, or a warning (the row imports, with a note), or an
// error (the row blocks the import).
const (
	OutcomeCreate    = "create"
	OutcomeUpdate    = "update"
	OutcomeUnchanged = "unchanged"
	OutcomeWarning   = "warning"
	OutcomeError     = "error"
)

// RowOutcome is what the import does with one row of the file, with every message about it.
type RowOutcome struct {
	Line         int      `json:"line"`
	Outcome      string   `json:"outcome"`          // one of the Outcome* constants
	Action       Action   `json:"action,omitempty"` // what a row that imports does (also for a warning)
	FullName     string   `json:"full_name"`
	CellID       string   `json:"cell_id,omitempty"`
	CellName     string   `json:"cell_name,omitempty"`
	MemberID     string   `json:"member_id,omitempty"`
	Fields       []string `json:"fields,omitempty"`
	TransferFrom *CellRef `json:"transfer_from,omitempty"`
	// Messages are the row's errors and warnings (Issue.Warning), each naming its column.
	Messages []Issue `json:"messages"`
}

// Plan is what importing a File into an org unit would do: one Change per valid row, and every problem found.
// It is JSON for the HTTP layer to show before the user confirms:
//
//	{"rows_total":3,"creates":1,"updates":1,"unchanged":0,"error_rows":1,
//	 "errors":[{"line":12,"column":"Năm sinh","code":"roster.bad_birth","args":{"value":"19a0"},"message_vi":"…","message_en":"…"}],
//	 "changes":[{"line":10,"action":"create","full_name":"Lê Thị Hoa","cell_id":"…"},
//	            {"line":11,"action":"update","member_id":"…","full_name":"Trần Văn Nam","cell_id":"…","fields":["birth_year"]}]}
//
// The messages come from the catalogue in both languages (see Issue.MarshalJSON).
type Plan struct {
	RowsTotal int `json:"rows_total"`
	Creates   int `json:"creates"`
	Updates   int `json:"updates"`
	Unchanged int `json:"unchanged"`
	// ErrorRows counts the lines with at least one error (the header line counts when the problem is the whole
	// file's, such as a missing "Chi bộ" column).
	ErrorRows int      `json:"error_rows"`
	Errors    []Issue  `json:"errors"`
	Changes   []Change `json:"changes"`
	// WarningRows counts the rows that import with a note (their outcome is "warning"); Warnings lists the notes.
	WarningRows int     `json:"warning_rows"`
	Warnings    []Issue `json:"warnings"`
	// Transfers counts the members moving in from other cells of the province.
	Transfers int `json:"transfers"`
	// Rows is every row of the file in order, with its outcome and messages, for the preview's table.
	Rows []RowOutcome `json:"rows"`

	applied bool
}

// Options adjust PlanImportWith.
type Options struct {
	// CanMove reports whether the importer may move a member out of the cell with this path; nil allows any cell of
	// the province. A card number of a member the importer may not move is an error.
	CanMove func(cellPath string) bool
}

// Result is what Apply did.
type Result struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// PlanImport works out what importing f into target would do, reading the database but writing nothing.
//
// target is a cell, into which rows without a "Chi bộ" value go, or a higher unit, in which case every row must
// name (by name or code, diacritics and case ignored) a live cell of target's subtree. Every row is validated
// with the member rules, and every bad row is reported; rows repeating another row's card number, or its name,
// birth year and cell, are errors naming the other line.
//
// A row updates the live member with its card number; failing that, the member of its cell with the same name
// (diacritics and case ignored) and birth year; failing that, when the file has birth years, the one member of
// its cell with that name that no other row claims and whose card number does not contradict the row's (so
// fixing a birth year updates the member rather than adding a second one). Otherwise it creates a member. A card
// number belonging to a member outside target's subtree is an error, as are two rows matching one member. An
// update changes only the fields the file has columns for (File.Fields); a row that changes none is unchanged.
// When the file does not give the membership, a new member joined less than 12 months ago and not yet official
// is probationary, any other full. Members absent from the file are left alone.
//
// Run PlanImport and Apply in one transaction (store.DB.Write), so nothing changes in between and the import is
// all or nothing.
func PlanImport(ctx context.Context, db bun.IDB, target *store.OrgUnit, f *File) (*Plan, error) {
	return PlanImportWith(ctx, db, target, f, Options{})
}

// PlanImportWith is PlanImport with options.
//
// A card number belonging to a live member of another cell of target's province (outside target's subtree)
// moves that member into the row's cell: an update shown as a transfer (Change.TransferFrom, a warning on the
// row), unless opts.CanMove refuses that cell. A row without a matching card whose name and birth year match a
// member of another cell of the province imports as a new member with a warning naming that cell.
func PlanImportWith(ctx context.Context, db bun.IDB, target *store.OrgUnit, f *File, opts Options) (*Plan, error) {
	if target == nil || f == nil {
		return nil, domain.Internalf("roster: PlanImport needs a target and a file")
	}
	p := newPlanner(target, f)
	p.opts = opts
	cells, err := loadCells(ctx, db, target)
	if err != nil {
		return nil, err
	}
	items := p.resolve(cells)
	if err := p.match(ctx, db, items); err != nil {
		return nil, err
	}
	if err := p.elsewhere(ctx, db, items); err != nil {
		return nil, err
	}
	p.changes(items, domain.DateOf(store.Now()))
	sort.SliceStable(p.plan.Errors, func(i, j int) bool { return p.plan.Errors[i].Line < p.plan.Errors[j].Line })
	lines := map[int]bool{}
	for _, is := range p.plan.Errors {
		lines[is.Line] = true
	}
	p.plan.ErrorRows = len(lines)
	p.outcomes(items)
	return p.plan, nil
}

// warn adds a note to a row that imports.
func (p *planner) warn(is Issue) {
	is.Warning = true
	p.warnings[is.Line] = append(p.warnings[is.Line], is)
}

// outcomes fills the plan's Rows, Warnings and WarningRows: each row of the file with its messages.
func (p *planner) outcomes(items []*item) {
	errs := map[int][]Issue{}
	for _, is := range p.plan.Errors {
		errs[is.Line] = append(errs[is.Line], is)
	}
	changes := map[int]*Change{}
	for i := range p.plan.Changes {
		changes[p.plan.Changes[i].Line] = &p.plan.Changes[i]
	}
	cellOf := map[int]*store.OrgUnit{}
	for _, it := range items {
		cellOf[it.row.Line] = it.cell
	}
	p.plan.Rows = make([]RowOutcome, 0, len(p.file.Rows))
	p.plan.Warnings = []Issue{}
	seen := map[int]bool{}
	if e := errs[p.file.HeaderLine]; len(e) > 0 {
		// A problem with the whole file (such as a missing "Chi bộ" column) is shown on the header's line.
		p.plan.Rows = append(p.plan.Rows, RowOutcome{Line: p.file.HeaderLine, Outcome: OutcomeError, Messages: e})
		seen[p.file.HeaderLine] = true
	}
	for _, row := range p.file.Rows {
		if seen[row.Line] {
			continue
		}
		seen[row.Line] = true
		o := RowOutcome{Line: row.Line, FullName: row.FullName, Messages: []Issue{}}
		if c := cellOf[row.Line]; c != nil {
			o.CellID, o.CellName = c.ID, c.Name
		}
		o.Messages = append(o.Messages, errs[row.Line]...)
		switch c := changes[row.Line]; {
		case len(errs[row.Line]) > 0:
			o.Outcome = OutcomeError
		case c != nil:
			o.Action, o.MemberID, o.Fields, o.TransferFrom = c.Action, c.MemberID, c.Fields, c.TransferFrom
			o.FullName = c.FullName
			o.Outcome = string(c.Action)
			if w := p.warnings[row.Line]; len(w) > 0 {
				o.Outcome = OutcomeWarning
				o.Messages = append(o.Messages, w...)
				p.plan.Warnings = append(p.plan.Warnings, w...)
				p.plan.WarningRows++
			}
		default:
			o.Outcome = OutcomeError // not reached: a row is either changed or has an error
		}
		p.plan.Rows = append(p.plan.Rows, o)
	}
}

// planner holds the state of one PlanImport.
type planner struct {
	target  *store.OrgUnit
	file    *File
	plan    *Plan
	has     map[string]bool   // the fields the file carries
	headers map[string]string // column kind → header, for messages
	bad     map[int]bool      // lines with an error
	opts    Options
	// warnings are the notes on rows, by line (only those of rows that import are shown).
	warnings map[int][]Issue
}

// item is a row on its way to becoming a Change.
type item struct {
	row   *Row
	cell  *store.OrgUnit
	match *store.MemberView // the existing member, or nil for a create
	// transfer: match is a member of another cell of the province, found by card number, who moves to cell.
	transfer bool
}

func newPlanner(target *store.OrgUnit, f *File) *planner {
	p := &planner{target: target, file: f, plan: &Plan{RowsTotal: len(f.Rows), Errors: []Issue{}, Changes: []Change{}},
		has: map[string]bool{}, headers: map[string]string{}, bad: map[int]bool{}, warnings: map[int][]Issue{}}
	for _, fd := range f.Fields {
		p.has[fd] = true
	}
	for _, c := range f.Columns {
		if _, dup := p.headers[c.Kind]; !dup {
			p.headers[c.Kind] = c.Header
		}
	}
	if _, ok := p.headers[string(kindName)]; !ok {
		p.headers[string(kindName)] = p.headers[string(kindGiven)]
	}
	for _, is := range f.Issues {
		p.report(is)
	}
	for _, is := range f.Warnings {
		p.warn(is)
	}
	return p
}

func (p *planner) report(is Issue) {
	p.plan.Errors = append(p.plan.Errors, is)
	p.bad[is.Line] = true
}

func (p *planner) header(k colKind) string { return p.headers[string(k)] }

// resolve finds the cell of each row that could be read, and reports rows repeating an earlier one.
func (p *planner) resolve(cells *cellIndex) []*item {
	if !p.has[FieldCell] && p.target.Kind != domain.KindCell {
		p.report(issue(p.file.HeaderLine, "Chi bộ", "roster.cell_required"))
		return nil
	}
	cellHeader := p.header(kindCell)
	if cellHeader == "" {
		cellHeader = p.header(kindCellCode)
	}
	var items []*item
	byCard, byPerson := map[string]int{}, map[string]int{}
	// Every row is checked, the bad ones too, so that every problem is reported in one pass.
	for i := range p.file.Rows {
		row := &p.file.Rows[i]
		cell, is := cells.resolve(row, p.target, cellHeader)
		if is != nil {
			p.report(*is)
		}
		if row.CardNumber != "" {
			if l, dup := byCard[row.CardNumber]; dup {
				p.report(issue(row.Line, p.header(kindCard), "roster.duplicate_card", "value", row.CardNumber, "line", strconv.Itoa(l)))
			} else {
				byCard[row.CardNumber] = row.Line
			}
		}
		if cell != nil && row.FullName != "" {
			pk := personKey(cell.ID, row.FullName, row.BirthYear, p.has[FieldBirthYear])
			if l, dup := byPerson[pk]; dup {
				p.report(issue(row.Line, p.header(kindName), "roster.duplicate_person", "line", strconv.Itoa(l)))
			} else {
				byPerson[pk] = row.Line
			}
		}
		if !p.bad[row.Line] {
			items = append(items, &item{row: row, cell: cell})
		}
	}
	return items
}

// match finds the existing member of each item: by card number, then by name and birth year in the cell, then
// (for a corrected birth year) by name alone in the cell.
func (p *planner) match(ctx context.Context, db bun.IDB, items []*item) error {
	cardSet, foldSet := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		if it.row.CardNumber != "" {
			cardSet[it.row.CardNumber] = true
		}
		foldSet[domain.Fold(it.row.FullName)] = true
	}
	byCard, err := membersByCard(ctx, db, sortedKeys(cardSet))
	if err != nil {
		return err
	}
	byName, err := membersByName(ctx, db, p.target, sortedKeys(foldSet))
	if err != nil {
		return err
	}
	claimed := map[string]int{}
	claim := func(it *item, m *store.MemberView) {
		if l, taken := claimed[m.ID]; taken {
			p.report(issue(it.row.Line, p.header(kindName), "roster.same_member", "line", strconv.Itoa(l)))
			return
		}
		claimed[m.ID] = it.row.Line
		it.match = m
	}
	var unmatched []*item
	for _, it := range items {
		if m, ok := byCard[it.row.CardNumber]; ok && it.row.CardNumber != "" {
			if !domain.Under(m.CellPath, p.target.Path) {
				if !domain.Under(m.CellPath, provinceOf(p.target.Path)) || (p.opts.CanMove != nil && !p.opts.CanMove(m.CellPath)) {
					p.report(issue(it.row.Line, p.header(kindCard), "roster.card_elsewhere", "value", it.row.CardNumber))
					continue
				}
				it.transfer = true
			}
			claim(it, m)
			continue
		}
		var same []*store.MemberView
		for _, m := range byName[nameKey(it.cell.ID, it.row.FullName)] {
			if !p.has[FieldBirthYear] || eqInt(m.BirthYear, it.row.BirthYear) {
				same = append(same, m)
			}
		}
		switch len(same) {
		case 0:
			unmatched = append(unmatched, it)
		case 1:
			claim(it, same[0])
		default:
			p.report(issue(it.row.Line, p.header(kindName), "roster.ambiguous_match"))
		}
	}
	if !p.has[FieldBirthYear] {
		return nil
	}
	for _, it := range unmatched {
		var free []*store.MemberView
		for _, m := range byName[nameKey(it.cell.ID, it.row.FullName)] {
			if _, taken := claimed[m.ID]; !taken {
				free = append(free, m)
			}
		}
		if len(free) == 1 && (it.row.CardNumber == "" || free[0].CardNumber == nil) {
			claim(it, free[0])
		}
	}
	return nil
}

// provinceOf is the path of the root unit (the province) of a path: "/a/b/c/" → "/a/".
func provinceOf(path string) string {
	ids := domain.PathIDs(path)
	if len(ids) == 0 {
		return path
	}
	return "/" + ids[0] + "/"
}

// elsewhere warns about rows that create a member when a member of another cell of the province, outside the
// target's subtree, has the same name and birth year: perhaps the same person, who should move rather than be
// added twice.
func (p *planner) elsewhere(ctx context.Context, db bun.IDB, items []*item) error {
	if !p.has[FieldBirthYear] {
		return nil
	}
	province := provinceOf(p.target.Path)
	if province == p.target.Path {
		return nil
	}
	foldSet := map[string]bool{}
	for _, it := range items {
		if it.match == nil && it.row.BirthYear != nil {
			foldSet[domain.Fold(it.row.FullName)] = true
		}
	}
	if len(foldSet) == 0 {
		return nil
	}
	prov := &store.OrgUnit{Path: province}
	others, err := membersByName(ctx, db, prov, sortedKeys(foldSet))
	if err != nil {
		return err
	}
	byPerson := map[string]*store.MemberView{}
	for _, ms := range others {
		for _, m := range ms {
			if m.BirthYear != nil && !domain.Under(m.CellPath, p.target.Path) {
				k := m.NameFold + "\x00" + strconv.Itoa(*m.BirthYear)
				if _, dup := byPerson[k]; !dup {
					byPerson[k] = m
				}
			}
		}
	}
	for _, it := range items {
		if it.match != nil || it.row.BirthYear == nil {
			continue
		}
		if m, ok := byPerson[domain.Fold(it.row.FullName)+"\x00"+strconv.Itoa(*it.row.BirthYear)]; ok {
			p.warn(issue(it.row.Line, p.header(kindName), "roster.maybe_elsewhere", "cell", m.CellName))
		}
	}
	return nil
}

// changes works out the member each valid item writes and what changes.
func (p *planner) changes(items []*item, today domain.Date) {
	column := func(field string) string {
		switch field {
		case FieldBirthYear:
			if h := p.header(kindBirth); h != "" {
				return h
			}
			return p.header(kindMale)
		case FieldTempExemptUntil:
			if h := p.header(kindUntil); h != "" {
				return h
			}
			return p.header(kindStatus)
		}
		return p.header(fieldKinds[field])
	}
	for _, it := range items {
		if p.bad[it.row.Line] {
			continue
		}
		c := Change{Line: it.row.Line, Action: ActionCreate}
		m := store.Member{CellID: it.cell.ID}
		if it.match != nil {
			m = it.match.Member
			c.MemberID = m.ID
		}
		fill(&m, it.row, it.cell, p.has, it.match == nil, today)
		if it.transfer {
			m.CellID = it.cell.ID
		}
		if it.match != nil && !it.transfer && it.row.Membership == "" && !p.file.membershipColumn {
			m.Membership = it.match.Membership // the status column named no membership on this row: keep it
		}
		if err := m.Normalize(); err != nil {
			p.report(issueOf(it.row.Line, err, m, column))
			continue
		}
		if it.match != nil {
			c.Action, c.Fields = ActionUpdate, diff(&it.match.Member, &m)
			if len(c.Fields) == 0 {
				c.Action, c.Fields = ActionUnchanged, nil
			}
			if it.transfer {
				c.TransferFrom = &CellRef{ID: it.match.CellID, Name: it.match.CellName}
				p.plan.Transfers++
				p.warn(issue(it.row.Line, p.header(kindCard), "roster.transfer", "value", it.row.CardNumber, "cell", it.match.CellName))
			}
		}
		c.FullName, c.CellID, c.member = m.FullName, m.CellID, &m
		p.plan.Changes = append(p.plan.Changes, c)
		switch c.Action {
		case ActionCreate:
			p.plan.Creates++
		case ActionUpdate:
			p.plan.Updates++
		default:
			p.plan.Unchanged++
		}
	}
}

// LockProvince makes concurrent commits of roster files in one province wait for each other: on PostgreSQL it
// locks the province's row (FOR NO KEY UPDATE, which leaves members' and units' references to it free); SQLite's
// single writer already does so. Call it first in the commit's transaction, before PlanImport, so two taps on
// "import" or two administrators importing overlapping files never add a member twice.
func LockProvince(ctx context.Context, db bun.IDB, target *store.OrgUnit) error {
	if !changelog.IsPG(db) {
		return nil
	}
	ids := domain.PathIDs(target.Path)
	if len(ids) == 0 {
		return nil
	}
	var id string
	if err := db.NewRaw("SELECT id FROM org_units WHERE id = ? FOR NO KEY UPDATE", ids[0]).Scan(ctx, &id); err != nil {
		return domain.Internal(err)
	}
	return nil
}

// Apply writes the plan: it creates and updates members through the store, so every change is audited, and does
// nothing at all for unchanged rows. It refuses a plan with errors (code invalid, key roster.has_errors) and a plan
// already applied. Run it in the transaction PlanImport ran in.
func (p *Plan) Apply(ctx context.Context, db bun.IDB) (Result, error) {
	var res Result
	if len(p.Errors) > 0 {
		return res, domain.E(domain.CodeInvalid, "roster.has_errors", "count", strconv.Itoa(p.ErrorRows))
	}
	if p.applied {
		return res, domain.Internalf("roster: plan applied twice")
	}
	p.applied = true
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Action {
		case ActionCreate:
			m := *c.member
			if err := store.CreateMemberDeferred(ctx, db, &m); err != nil {
				return res, fmt.Errorf("roster: line %d: %w", c.Line, err)
			}
			c.MemberID = m.ID
			res.Created++
		case ActionUpdate:
			m := *c.member
			if err := store.UpdateMember(ctx, db, &m); err != nil {
				return res, fmt.Errorf("roster: line %d: %w", c.Line, err)
			}
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	return res, nil
}

// fill sets the fields of m the file carries from row. A new member gets every field.
func fill(m *store.Member, row *Row, cell *store.OrgUnit, has map[string]bool, create bool, today domain.Date) {
	m.FullName = row.FullName
	if has[FieldBirthYear] || create {
		m.BirthYear = nil
		if row.BirthYear != nil {
			y := *row.BirthYear
			m.BirthYear = &y
		}
	}
	if has[FieldGender] || create {
		m.Gender = row.Gender
	}
	if has[FieldCardNumber] || create {
		m.CardNumber = nil
		if row.CardNumber != "" {
			c := row.CardNumber
			m.CardNumber = &c
		}
	}
	if has[FieldJoinedOn] || create {
		m.JoinedOn = row.JoinedOn
	}
	if has[FieldOfficialOn] || create {
		m.OfficialOn = row.OfficialOn
	}
	if has[FieldMembership] || create {
		m.Membership = row.Membership
		if m.Membership == "" {
			m.Membership = domain.MembershipFull
			if !m.JoinedOn.IsZero() && m.OfficialOn.IsZero() && m.JoinedOn.AddMonths(12).After(today) {
				m.Membership = domain.MembershipProbationary
			}
		}
	}
	if has[FieldStatus] || create {
		m.Status, m.TemporarilyAttached, m.TempExemptUntil = row.Status, row.TemporarilyAttached, row.TempExemptUntil
	}
	if has[FieldTempExemptUntil] && !row.TempExemptUntil.IsZero() {
		m.TempExemptUntil = row.TempExemptUntil
	}
	if has[FieldCell] || create {
		m.CellID = cell.ID
	}
	if has[FieldCellRole] || create {
		m.CellRole = row.CellRole
	}
	if has[FieldStatusNote] || create {
		m.StatusNote = row.StatusNote
	}
}

// diff lists the fields that differ between two normalised members, in fieldOrder.
func diff(a, b *store.Member) []string {
	var out []string
	for _, c := range []struct {
		field   string
		changed bool
	}{
		{FieldFullName, a.FullName != b.FullName},
		{FieldBirthYear, !eqInt(a.BirthYear, b.BirthYear)},
		{FieldGender, a.Gender != b.Gender},
		{FieldCardNumber, deref(a.CardNumber) != deref(b.CardNumber)},
		{FieldMembership, a.Membership != b.Membership},
		{FieldJoinedOn, a.JoinedOn.String() != b.JoinedOn.String()},
		{FieldOfficialOn, a.OfficialOn.String() != b.OfficialOn.String()},
		{FieldStatus, a.Status != b.Status},
		{FieldTempExemptUntil, a.TempExemptUntil.String() != b.TempExemptUntil.String()},
		{FieldTemporarilyAttached, a.TemporarilyAttached != b.TemporarilyAttached},
		{FieldCell, a.CellID != b.CellID},
		{FieldCellRole, a.CellRole != b.CellRole},
		{FieldStatusNote, a.StatusNote != b.StatusNote},
	} {
		if c.changed {
			out = append(out, c.field)
		}
	}
	return out
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func eqInt(a, b *int) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nameKey keys members by cell and folded name.
func nameKey(cellID, name string) string { return cellID + "\x00" + domain.Fold(name) }

// personKey keys the rows of a file by cell, folded name and, when the file has them, birth year.
func personKey(cellID, name string, birth *int, withBirth bool) string {
	k := nameKey(cellID, name)
	if withBirth && birth != nil {
		k += "\x00" + strconv.Itoa(*birth)
	}
	return k
}

// cellIndex finds the live cells of the target's subtree by name or code.
type cellIndex struct {
	byID    map[string]*store.OrgUnit
	byName  map[string][]*store.OrgUnit // key(name)
	byCode  map[string][]*store.OrgUnit // lower-case code
	byShort map[string][]*store.OrgUnit // key(name) without "chi bộ" and the settlement word ("thôn", "tổ dân phố"…)
}

// settlement words that may lead a cell's name after "Chi bộ", and that files often leave out.
var settlements = []string{"to dan pho", "khu dan cu", "khu pho", "thon", "xom", "ap", "ban", "buon", "lang", "khom", "to", "khu"}

// shortName strips "chi bộ" and a settlement word from a folded cell name: "chi bo thon an loi" → "an loi".
func shortName(k string) string {
	k = strings.TrimPrefix(k, "chi bo ")
	for _, s := range settlements {
		if strings.HasPrefix(k, s+" ") {
			return strings.TrimPrefix(k, s+" ")
		}
	}
	return k
}

func loadCells(ctx context.Context, db bun.IDB, target *store.OrgUnit) (*cellIndex, error) {
	var cells []store.OrgUnit
	err := db.NewSelect().Model(&cells).Where("ou.kind = ?", domain.KindCell).
		Where("ou.path >= ? AND ou.path < ?", target.Path, domain.PathUpper(target.Path)).
		OrderExpr("ou.path").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	idx := &cellIndex{byID: map[string]*store.OrgUnit{}, byName: map[string][]*store.OrgUnit{},
		byCode: map[string][]*store.OrgUnit{}, byShort: map[string][]*store.OrgUnit{}}
	for i := range cells {
		c := &cells[i]
		idx.byID[c.ID] = c
		k := key(c.Name)
		idx.byName[k] = append(idx.byName[k], c)
		if s := shortName(k); s != k {
			idx.byShort[s] = append(idx.byShort[s], c)
		}
		if c.Code != "" {
			code := strings.ToLower(c.Code)
			idx.byCode[code] = append(idx.byCode[code], c)
		}
	}
	return idx, nil
}

// resolve finds the cell a row goes into: the one its "Mã chi bộ" or "Chi bộ" value names, or target when that
// is a cell and the row names none.
func (x *cellIndex) resolve(row *Row, target *store.OrgUnit, column string) (*store.OrgUnit, *Issue) {
	var found []*store.OrgUnit
	value := row.CellCode
	switch {
	case row.CellCode != "":
		found = x.byCode[strings.ToLower(row.CellCode)]
	case row.Cell != "":
		value = row.Cell
		k := key(row.Cell)
		for _, try := range []func() []*store.OrgUnit{
			func() []*store.OrgUnit { return x.byName[k] },
			func() []*store.OrgUnit { return x.byCode[strings.ToLower(row.Cell)] },
			func() []*store.OrgUnit { return x.byShort[shortName(k)] },
		} {
			if found = try(); len(found) > 0 {
				break
			}
		}
	case target.Kind == domain.KindCell:
		if c, ok := x.byID[target.ID]; ok {
			return c, nil
		}
		return target, nil
	default:
		is := issue(row.Line, column, "roster.cell_required")
		return nil, &is
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		is := issue(row.Line, column, "roster.unknown_cell", "value", value)
		return nil, &is
	}
	is := issue(row.Line, column, "roster.ambiguous_cell", "value", value)
	return nil, &is
}

const chunk = 500

// membersByCard returns the live members holding the card numbers, wherever they are.
func membersByCard(ctx context.Context, db bun.IDB, cards []string) (map[string]*store.MemberView, error) {
	out := map[string]*store.MemberView{}
	for len(cards) > 0 {
		n := min(len(cards), chunk)
		var ms []store.MemberView
		err := memberQuery(db).Where("m.card_number IN (?)", bun.List(cards[:n])).Scan(ctx, &ms)
		if err != nil {
			return nil, domain.Internal(err)
		}
		for i := range ms {
			out[deref(ms[i].CardNumber)] = &ms[i]
		}
		cards = cards[n:]
	}
	return out, nil
}

// membersByName returns the live members of target's subtree with the folded names, keyed by nameKey, each list
// in a fixed order.
func membersByName(ctx context.Context, db bun.IDB, target *store.OrgUnit, folds []string) (map[string][]*store.MemberView, error) {
	out := map[string][]*store.MemberView{}
	for len(folds) > 0 {
		n := min(len(folds), chunk)
		var ms []store.MemberView
		err := memberQuery(db).Where("m.name_fold IN (?)", bun.List(folds[:n])).
			Where("ou.path >= ? AND ou.path < ?", target.Path, domain.PathUpper(target.Path)).
			OrderExpr("m.id").Scan(ctx, &ms)
		if err != nil {
			return nil, domain.Internal(err)
		}
		for i := range ms {
			k := ms[i].CellID + "\x00" + ms[i].NameFold
			out[k] = append(out[k], &ms[i])
		}
		folds = folds[n:]
	}
	return out, nil
}

func memberQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*store.Member)(nil)).Column("m.*").
		ColumnExpr("ou.name AS cell_name, ou.path AS cell_path").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id")
}
