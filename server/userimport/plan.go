package userimport

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Outcome is what an import does with one row, as the preview shows it.
type Outcome string

// The outcomes. A row with a warning is imported; a row with an error stops the whole commit.
const (
	OutcomeCreate    Outcome = "create"    // a new user, grant or assignment
	OutcomeUpdate    Outcome = "update"    // an existing user or grant that changes
	OutcomeUnchanged Outcome = "unchanged" // everything the row says is already so
	OutcomeWarning   Outcome = "warning"   // imported, with a note to check
	OutcomeError     Outcome = "error"     // not importable
)

// Decision is the standing committee's decision the list comes with.
type Decision struct {
	Number string      `json:"number"`
	Date   domain.Date `json:"date"`
}

// RowPlan is what the import does with one row.
type RowPlan struct {
	Line     int     `json:"line"`
	Outcome  Outcome `json:"outcome"`
	FullName string  `json:"full_name"`
	Username string  `json:"username"`
	// UserID is the matched user; for a new user, set by Apply.
	UserID      string      `json:"user_id,omitempty"`
	NewUser     bool        `json:"new_user"`
	UserChanges []string    `json:"user_changes,omitempty"` // the user's fields that change: display_name, title, phone, home_org_unit_id, active
	HomeUnit    string      `json:"home_unit,omitempty"`    // the home unit's name
	Role        domain.Role `json:"role,omitempty"`
	ScopeUnit   string      `json:"scope_unit,omitempty"` // the name of the unit the role covers
	GrantAction string      `json:"grant_action,omitempty"`
	ValidFrom   domain.Date `json:"valid_from"`
	ValidTo     domain.Date `json:"valid_to"`
	Cells       []CellPlan  `json:"cells"`
	Errors      []Issue     `json:"errors"`
	Warnings    []Issue     `json:"warnings"`

	person *person
	scope  *store.OrgUnit
	grant  *store.RoleGrant // the existing grant to update
}

// CellPlan is one assignment a row asks for.
type CellPlan struct {
	CellID   string `json:"cell_id,omitempty"`
	CellName string `json:"cell_name"`
	Action   string `json:"action"` // create, unchanged, kept (an assignment with another period is left as it is)
}

// Plan is what importing a File into a unit would do, row by row.
type Plan struct {
	Decision    Decision  `json:"decision"`
	RowsTotal   int       `json:"rows_total"`
	Creates     int       `json:"creates"`
	Updates     int       `json:"updates"`
	Unchanged   int       `json:"unchanged"`
	WarningRows int       `json:"warning_rows"`
	ErrorRows   int       `json:"error_rows"`
	NewUsers    int       `json:"new_users"`
	Rows        []RowPlan `json:"rows"`
	// Errors are every row's errors, by line, for a client that lists them together.
	Errors []Issue `json:"errors"`

	applied bool
}

// person is one official of the file: the rows naming the same username (or, without one, the same name) are one
// person, whose account the first row describes.
type person struct {
	line     int // the first row
	key      string
	username string
	derived  bool
	user     *store.User // the existing user, or nil
	want     store.User  // the user as it will be
	changes  []string
	id       string // set by Apply for a new user
	password string // set by Apply for a new user
}

// Credential is the sign-in of a user the import created: its one-time password, shown once.
type Credential struct {
	Line        int    `json:"line"`
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

// Result is what Apply did.
type Result struct {
	UsersCreated       int          `json:"users_created"`
	UsersUpdated       int          `json:"users_updated"`
	GrantsCreated      int          `json:"grants_created"`
	GrantsUpdated      int          `json:"grants_updated"`
	AssignmentsCreated int          `json:"assignments_created"`
	Credentials        []Credential `json:"credentials"`
}

// units finds the live units of the target's subtree by name, ignoring diacritics, case and the words offices
// leave out ("Đảng bộ xã", "Chi bộ thôn").
type units struct {
	all     []*store.OrgUnit
	byName  map[string][]*store.OrgUnit
	byShort map[string][]*store.OrgUnit
	byCode  map[string][]*store.OrgUnit
}

// prefixes are the words a unit's name may start with that files often leave out.
var prefixes = []string{"dang bo", "chi bo", "dang uy", "to dang", "ban", "uy ban nhan dan", "ubnd"}

// places are the kinds of place a name may start with after the prefix.
var places = []string{"tinh", "thanh pho", "huyen", "quan", "thi xa", "xa", "phuong", "thi tran", "to dan pho", "khu dan cu",
	"khu pho", "thon", "xom", "ap", "ban", "buon", "lang", "khom", "to", "khu", "co so"}

func short(k string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p+" ") {
			k = strings.TrimPrefix(k, p+" ")
			break
		}
	}
	for _, p := range places {
		if strings.HasPrefix(k, p+" ") {
			return strings.TrimPrefix(k, p+" ")
		}
	}
	return k
}

func loadUnits(ctx context.Context, db bun.IDB, target *store.OrgUnit) (*units, error) {
	var list []store.OrgUnit
	err := db.NewSelect().Model(&list).Where("ou.path >= ? AND ou.path < ?", target.Path, domain.PathUpper(target.Path)).
		OrderExpr("ou.path").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	x := &units{byName: map[string][]*store.OrgUnit{}, byShort: map[string][]*store.OrgUnit{}, byCode: map[string][]*store.OrgUnit{}}
	for i := range list {
		u := &list[i]
		x.all = append(x.all, u)
		k := key(u.Name)
		x.byName[k] = append(x.byName[k], u)
		x.byShort[short(k)] = append(x.byShort[short(k)], u)
		if u.Code != "" {
			x.byCode[strings.ToLower(u.Code)] = append(x.byCode[strings.ToLower(u.Code)], u)
		}
	}
	return x, nil
}

// find returns the units called name under root (nil: anywhere in the target), of the kinds ok accepts: by full
// name, then code, then short name.
func (x *units) find(name string, root *store.OrgUnit, ok func(*store.OrgUnit) bool) []*store.OrgUnit {
	k := key(name)
	filter := func(in []*store.OrgUnit) []*store.OrgUnit {
		var out []*store.OrgUnit
		for _, u := range in {
			if ok(u) && (root == nil || domain.Under(u.Path, root.Path)) {
				out = append(out, u)
			}
		}
		return out
	}
	for _, try := range [][]*store.OrgUnit{x.byName[k], x.byCode[strings.ToLower(strings.TrimSpace(name))], x.byShort[short(k)]} {
		if got := filter(try); len(got) > 0 {
			return got
		}
	}
	return nil
}

func anyUnit(*store.OrgUnit) bool  { return true }
func isCell(u *store.OrgUnit) bool { return u.Kind == domain.KindCell }
func unitNames(us []*store.OrgUnit) string {
	names := make([]string, 0, len(us))
	for i, u := range us {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, u.Name)
	}
	return strings.Join(names, "; ")
}

// PlanImport works out what importing f into target would do, reading the database but writing nothing.
//
// Every unit the file names (the home unit, the unit a role covers, the cells to attend) is looked for in
// target's subtree, by name ignoring diacritics, case and the leading words ("Đảng bộ xã", "Chi bộ thôn") or by
// code. A row's person is the user with its username; without one, the one user of target's subtree with the same
// name, or a new user whose username is made from the name ("Nguyễn Văn An" → "annv", "annv2"…). A row's role
// covers its "Phạm vi" unit, else its home unit, else target; an empty role with cells to attend is the official
// role. Grants and assignments start on the row's "Từ ngày", else the decision's date, else (assignments) today,
// and end on its "Đến ngày". A grant or assignment that already exists as the row says is unchanged; an existing
// grant with other dates is updated; an existing assignment of the official to the cell over another period is
// left as it is, with a warning.
func PlanImport(ctx context.Context, db bun.IDB, target *store.OrgUnit, f *File, dec Decision) (*Plan, error) {
	if target == nil || f == nil {
		return nil, domain.Internalf("userimport: PlanImport needs a target and a file")
	}
	x, err := loadUnits(ctx, db, target)
	if err != nil {
		return nil, err
	}
	head := map[string]string{}
	for _, c := range f.Columns {
		head[c.Kind] = c.Header
	}
	plan := &Plan{Decision: dec, RowsTotal: len(f.Rows), Rows: make([]RowPlan, len(f.Rows)), Errors: []Issue{}}
	byLine := map[int]*RowPlan{}
	for i := range f.Rows {
		r := &f.Rows[i]
		plan.Rows[i] = RowPlan{Line: r.Line, FullName: r.FullName, Username: r.Username, Role: r.Role,
			Cells: []CellPlan{}, Errors: []Issue{}, Warnings: []Issue{}}
		byLine[r.Line] = &plan.Rows[i]
	}
	for _, is := range f.Issues {
		if rp := byLine[is.Line]; rp != nil {
			rp.Errors = append(rp.Errors, is)
		}
	}
	today := domain.DateOf(store.Now())
	pl := &planner{ctx: ctx, db: db, target: target, units: x, head: head, today: today, dec: dec, people: map[string]*person{},
		byFold: map[string]*person{}, loaded: map[string]bool{}}
	if err := pl.loadUsers(f); err != nil {
		return nil, err
	}
	for i := range f.Rows {
		pl.row(&f.Rows[i], &plan.Rows[i])
	}
	if err := pl.matchGrants(plan); err != nil {
		return nil, err
	}
	if err := pl.matchAssignments(plan); err != nil {
		return nil, err
	}
	seen := map[*person]bool{}
	for i := range plan.Rows {
		rp := &plan.Rows[i]
		rp.Outcome = outcome(rp, seen)
		switch rp.Outcome {
		case OutcomeCreate:
			plan.Creates++
		case OutcomeUpdate:
			plan.Updates++
		case OutcomeUnchanged:
			plan.Unchanged++
		case OutcomeWarning:
			plan.WarningRows++
		case OutcomeError:
			plan.ErrorRows++
			plan.Errors = append(plan.Errors, rp.Errors...)
		}
		if rp.person != nil && rp.person.user == nil && rp.person.line == rp.Line && len(rp.Errors) == 0 {
			plan.NewUsers++
		}
	}
	return plan, nil
}

// outcome sums up a row. The person's account counts on its first row only.
func outcome(rp *RowPlan, seen map[*person]bool) Outcome {
	if len(rp.Errors) > 0 {
		return OutcomeError
	}
	first := rp.person != nil && !seen[rp.person] && rp.person.line == rp.Line
	if rp.person != nil {
		seen[rp.person] = true
	}
	if len(rp.Warnings) > 0 {
		return OutcomeWarning
	}
	created, updated := rp.GrantAction == "create", rp.GrantAction == "update"
	if first && rp.NewUser {
		created = true
	}
	if first && len(rp.UserChanges) > 0 {
		updated = true
	}
	for _, c := range rp.Cells {
		created = created || c.Action == "create"
	}
	switch {
	case created:
		return OutcomeCreate
	case updated:
		return OutcomeUpdate
	}
	return OutcomeUnchanged
}

type planner struct {
	ctx    context.Context
	db     bun.IDB
	target *store.OrgUnit
	units  *units
	head   map[string]string
	today  domain.Date
	dec    Decision

	byUsername map[string]*store.UserView   // every live user named in the file (any unit)
	byName     map[string][]*store.UserView // the live users of target's subtree by folded display name
	taken      map[string]bool              // usernames in use, or claimed by the file
	people     map[string]*person
	byFold     map[string]*person // the file's people by folded name, the first of each name
	loaded     map[string]bool    // the username bases whose usernames in use are in taken
}

// loadUsers reads the users the file may mean: those with its usernames, those of the subtree by name, and the
// usernames its new users might take.
func (pl *planner) loadUsers(f *File) error {
	pl.byUsername, pl.byName, pl.taken = map[string]*store.UserView{}, map[string][]*store.UserView{}, map[string]bool{}
	var names []string
	for _, r := range f.Rows {
		if r.Username != "" {
			names = append(names, r.Username)
		}
	}
	bases := map[string]bool{}
	for _, r := range f.Rows {
		if r.Username == "" && r.FullName != "" {
			bases[usernameBase(r.FullName)] = true
		}
	}
	if err := pl.loadTaken(keys(bases)); err != nil {
		return err
	}
	for len(names) > 0 {
		n := min(len(names), 500)
		var us []store.UserView
		err := pl.db.NewSelect().Model((*store.User)(nil)).Column("u.*").ColumnExpr("COALESCE(ou.path, '/') AS home_path").
			Join("LEFT JOIN org_units AS ou ON ou.id = u.home_org_unit_id").
			Where("u.username IN (?)", bun.List(names[:n])).Scan(pl.ctx, &us)
		if err != nil {
			return domain.Internal(err)
		}
		for i := range us {
			pl.byUsername[us[i].Username] = &us[i]
			pl.taken[us[i].Username] = true
		}
		names = names[n:]
	}
	var us []store.UserView
	err := pl.db.NewSelect().Model((*store.User)(nil)).Column("u.*").ColumnExpr("ou.path AS home_path").
		Join("JOIN org_units AS ou ON ou.id = u.home_org_unit_id").
		Where("ou.path >= ? AND ou.path < ?", pl.target.Path, domain.PathUpper(pl.target.Path)).
		OrderExpr("u.id").Scan(pl.ctx, &us)
	if err != nil {
		return domain.Internal(err)
	}
	for i := range us {
		k := domain.Fold(us[i].DisplayName)
		pl.byName[k] = append(pl.byName[k], &us[i])
	}
	return nil
}

// usernameBase makes a login name from a Vietnamese name: the given name and the initials of the others, without
// diacritics: "Nguyễn Văn An" → "annv", "Lê Thị Thu Hà" → "haltt".
func usernameBase(name string) string {
	words := strings.Fields(key(name))
	digits := ""
	for len(words) > 1 && strings.Trim(words[len(words)-1], "0123456789") == "" {
		digits = words[len(words)-1] + digits // "Nguyễn Văn An 2" → "annv2"
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(words[len(words)-1])
	for _, w := range words[:len(words)-1] {
		b.WriteByte(w[0])
	}
	b.WriteString(digits)
	s := b.String()
	var out strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			out.WriteRune(r)
		}
	}
	s = out.String()
	for len(s) < 3 {
		s += "0"
	}
	if len(s) > 36 {
		s = s[:36]
	}
	return s
}

// loadTaken reads the usernames in use that start with one of bases (those of new users named from their names),
// a few hundred bases a query.
func (pl *planner) loadTaken(bases []string) error {
	for len(bases) > 0 {
		n := min(len(bases), 200)
		var used []string
		err := pl.db.NewSelect().Model((*store.User)(nil)).Column("username").WhereAllWithDeleted().
			Where("deleted_at IS NULL").WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			for _, b := range bases[:n] {
				q = q.WhereOr("(username >= ? AND username < ?)", b, b+"\x7f")
			}
			return q
		}).Scan(pl.ctx, &used)
		if err != nil {
			return domain.Internal(err)
		}
		for _, u := range used {
			pl.taken[u] = true
		}
		for _, b := range bases[:n] {
			pl.loaded[b] = true
		}
		bases = bases[n:]
	}
	return nil
}

// freeUsername returns the first of base, base2, base3… that no user has and the file has not claimed.
func (pl *planner) freeUsername(base string) (string, error) {
	if !pl.loaded[base] {
		if err := pl.loadTaken([]string{base}); err != nil {
			return "", err
		}
	}
	for i := 1; ; i++ {
		cand := base
		if i > 1 {
			cand = base + strconv.Itoa(i)
		}
		if !pl.taken[cand] {
			pl.taken[cand] = true
			return cand, nil
		}
	}
}

func (pl *planner) errorf(rp *RowPlan, col, code string, kv ...string) {
	rp.Errors = append(rp.Errors, issue(rp.Line, pl.head[col], code, kv...))
}

func (pl *planner) warn(rp *RowPlan, col, code string, kv ...string) {
	rp.Warnings = append(rp.Warnings, issue(rp.Line, pl.head[col], code, kv...))
}

// unit resolves the unit a row names in column col.
func (pl *planner) unit(rp *RowPlan, col, name string) *store.OrgUnit {
	found := pl.units.find(name, nil, anyUnit)
	switch len(found) {
	case 0:
		pl.errorf(rp, col, "users_import.unknown_unit", "value", name, "target", pl.target.Name)
		return nil
	case 1:
		return found[0]
	}
	// A name shared by a unit and the units under it ("Đảng bộ xã An Lợi", "Chi bộ thôn An Lợi") means the
	// highest of them.
	sort.Slice(found, func(i, j int) bool { return found[i].Depth < found[j].Depth })
	if found[0].Depth < found[1].Depth {
		return found[0]
	}
	pl.errorf(rp, col, "users_import.ambiguous_unit", "value", name, "units", unitNames(found))
	return nil
}

// row resolves one row's person, units and cells.
func (pl *planner) row(r *Row, rp *RowPlan) {
	var home *store.OrgUnit
	if r.Home != "" {
		home = pl.unit(rp, ColHome, r.Home)
	}
	if r.Scope != "" {
		rp.scope = pl.unit(rp, ColScope, r.Scope)
	}
	if rp.Role == "" && len(r.Cells) > 0 {
		rp.Role = domain.RoleOfficial
	}
	if len(r.Cells) > 0 && rp.Role != domain.RoleOfficial {
		pl.errorf(rp, ColCells, "users_import.cells_need_official", "role", RoleName(rp.Role))
	}
	if rp.scope == nil && r.Scope == "" {
		rp.scope = home
		if rp.scope == nil {
			rp.scope = pl.target
		}
	}
	if rp.scope != nil && rp.Role != "" {
		rp.ScopeUnit = rp.scope.Name
	}
	rp.ValidFrom, rp.ValidTo = r.From, r.To
	if rp.ValidFrom.IsZero() {
		rp.ValidFrom = pl.dec.Date
	}
	if !rp.ValidTo.IsZero() && !rp.ValidFrom.IsZero() && rp.ValidTo.Before(rp.ValidFrom) {
		pl.errorf(rp, ColTo, "users_import.ends_before_start", "from", rp.ValidFrom.VN(), "to", rp.ValidTo.VN())
	}
	if !rp.ValidTo.IsZero() && rp.ValidTo.Before(pl.today) && rp.Role != "" {
		pl.warn(rp, ColTo, "users_import.already_ended", "to", rp.ValidTo.VN())
	}
	for _, name := range r.Cells {
		var found []*store.OrgUnit
		if rp.scope != nil {
			found = pl.units.find(name, rp.scope, isCell)
		}
		if len(found) == 0 {
			found = pl.units.find(name, nil, isCell)
		}
		switch len(found) {
		case 0:
			pl.errorf(rp, ColCells, "users_import.unknown_cell", "value", name, "target", pl.target.Name)
		case 1:
			rp.Cells = append(rp.Cells, CellPlan{CellID: found[0].ID, CellName: found[0].Name})
		default:
			pl.errorf(rp, ColCells, "users_import.ambiguous_cell", "value", name, "units", unitNames(found))
		}
	}
	if r.FullName == "" {
		return // reported by Parse
	}
	pl.person(r, rp, home)
}

// person finds or makes the person of a row, and checks it against the person's earlier rows.
func (pl *planner) person(r *Row, rp *RowPlan, home *store.OrgUnit) {
	k := "n:" + domain.Fold(r.FullName)
	if r.Username != "" {
		k = "u:" + store.NormalizeUsername(r.Username)
	} else if q, ok := pl.byFold[domain.Fold(r.FullName)]; ok {
		k = q.key // a row without a username whose name matches an earlier row is that person
	}
	if p, ok := pl.people[k]; ok {
		rp.person, rp.Username, rp.UserID = p, p.username, userID(p)
		if r.Phone != "" && p.want.Phone != "" && r.Phone != p.want.Phone {
			pl.errorf(rp, ColPhone, "users_import.person_differs", "line", strconv.Itoa(p.line))
		}
		if home != nil && p.want.HomeOrgUnitID != nil && *p.want.HomeOrgUnitID != home.ID {
			pl.errorf(rp, ColHome, "users_import.person_differs", "line", strconv.Itoa(p.line))
		}
		return
	}
	p := &person{line: r.Line, key: k}
	switch {
	case r.Username != "":
		p.username = store.NormalizeUsername(r.Username)
		if u, ok := pl.byUsername[p.username]; ok {
			if !domain.Under(u.HomePath, pl.target.Path) {
				pl.errorf(rp, ColUsername, "users_import.user_elsewhere", "value", p.username)
				return
			}
			p.user = &u.User
		}
	default:
		same := pl.byName[domain.Fold(r.FullName)]
		switch len(same) {
		case 0:
		case 1:
			p.user, p.username = &same[0].User, same[0].Username
		default:
			pl.errorf(rp, ColName, "users_import.ambiguous_user", "count", strconv.Itoa(len(same)))
			return
		}
		if p.user == nil {
			name, err := pl.freeUsername(usernameBase(r.FullName))
			if err != nil {
				pl.errorf(rp, ColName, "users_import.ambiguous_user", "count", "?")
				return
			}
			p.username, p.derived = name, true
		}
	}
	if p.user != nil {
		p.want = *p.user
	} else {
		pl.taken[p.username] = true
		p.want = store.User{Username: p.username, Active: true, Locale: "vi", MustChangePassword: true}
	}
	if p.user == nil || domain.Fold(p.user.DisplayName) != domain.Fold(r.FullName) {
		p.want.DisplayName = r.FullName // a name written another way (case, spaces, Unicode form) is the same name
	}
	if r.Title != "" {
		p.want.Title = r.Title
	}
	if r.Phone != "" {
		p.want.Phone = r.Phone
	}
	if home != nil {
		p.want.HomeOrgUnitID = &home.ID
	} else if p.user == nil {
		p.want.HomeOrgUnitID = &pl.target.ID
	}
	check := p.want
	if err := check.Normalize(); err != nil {
		e := domain.AsError(err)
		col := map[string]string{"username": ColUsername, "display_name": ColName, "phone": ColPhone, "title": ColTitle}[e.Field]
		code := "users_import.too_long"
		if e.Field == "username" {
			code = "users_import.bad_username"
		}
		pl.errorf(rp, col, code, "value", p.username, "column", pl.head[col])
		return
	}
	p.want = check
	if p.user != nil {
		if p.user.DisplayName != p.want.DisplayName {
			p.changes = append(p.changes, "display_name")
		}
		if p.user.Title != p.want.Title {
			p.changes = append(p.changes, "title")
		}
		if p.user.Phone != p.want.Phone {
			p.changes = append(p.changes, "phone")
		}
		if deref(p.user.HomeOrgUnitID) != deref(p.want.HomeOrgUnitID) {
			p.changes = append(p.changes, "home_org_unit_id")
		}
		if !p.user.Active {
			p.want.Active = true
			p.changes = append(p.changes, "active")
			pl.warn(rp, ColName, "users_import.reactivated", "value", p.username)
		}
	}
	pl.people[k] = p
	if _, ok := pl.byFold[domain.Fold(r.FullName)]; !ok {
		pl.byFold[domain.Fold(r.FullName)] = p
	}
	rp.person, rp.Username, rp.UserID = p, p.username, userID(p)
	rp.NewUser, rp.UserChanges = p.user == nil, p.changes
	if home != nil {
		rp.HomeUnit = home.Name
	} else if p.user == nil {
		rp.HomeUnit = pl.target.Name
	}
}

func userID(p *person) string {
	if p.user != nil {
		return p.user.ID
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// matchGrants finds the existing grant of each row's role and unit.
func (pl *planner) matchGrants(plan *Plan) error {
	ids := map[string]bool{}
	for _, rp := range plan.Rows {
		if rp.person != nil && rp.person.user != nil && rp.Role != "" {
			ids[rp.person.user.ID] = true
		}
	}
	existing := map[string]*store.RoleGrant{}
	list := keys(ids)
	for len(list) > 0 {
		n := min(len(list), 500)
		var gs []store.RoleGrant
		if err := pl.db.NewSelect().Model(&gs).Where("rg.user_id IN (?)", bun.List(list[:n])).Scan(pl.ctx); err != nil {
			return domain.Internal(err)
		}
		for i := range gs {
			existing[gs[i].UserID+"|"+string(gs[i].Role)+"|"+deref(gs[i].OrgUnitID)] = &gs[i]
		}
		list = list[n:]
	}
	claimed := map[string]int{}
	for i := range plan.Rows {
		rp := &plan.Rows[i]
		if rp.Role == "" || rp.scope == nil || rp.person == nil || len(rp.Errors) > 0 {
			continue
		}
		k := rp.person.key + "|" + string(rp.Role) + "|" + rp.scope.ID
		if l, dup := claimed[k]; dup {
			if plan.rowAt(l).ValidFrom.String() != rp.ValidFrom.String() || plan.rowAt(l).ValidTo.String() != rp.ValidTo.String() {
				pl.errorf(rp, ColRole, "users_import.grant_twice", "line", strconv.Itoa(l))
			}
			rp.GrantAction = "unchanged"
			continue
		}
		claimed[k] = rp.Line
		rp.GrantAction = "create"
		if rp.person.user == nil {
			continue
		}
		if g, ok := existing[rp.person.user.ID+"|"+string(rp.Role)+"|"+rp.scope.ID]; ok {
			rp.grant = g
			from := rp.ValidFrom
			if from.IsZero() {
				from = g.ValidFrom
			}
			if g.ValidFrom.String() == from.String() && g.ValidTo.String() == rp.ValidTo.String() {
				rp.GrantAction = "unchanged"
			} else {
				rp.GrantAction = "update"
			}
		}
	}
	return nil
}

func (p *Plan) rowAt(line int) *RowPlan {
	for i := range p.Rows {
		if p.Rows[i].Line == line {
			return &p.Rows[i]
		}
	}
	return &RowPlan{}
}

// start is the first day of a row's assignments.
func (pl *planner) start(rp *RowPlan) domain.Date {
	if !rp.ValidFrom.IsZero() {
		return rp.ValidFrom
	}
	return pl.today
}

// matchAssignments finds, for each cell a row asks for, the official's live assignment to it.
func (pl *planner) matchAssignments(plan *Plan) error {
	ids := map[string]bool{}
	for _, rp := range plan.Rows {
		if rp.person != nil && rp.person.user != nil && len(rp.Cells) > 0 {
			ids[rp.person.user.ID] = true
		}
	}
	existing := map[string][]store.Assignment{}
	list := keys(ids)
	for len(list) > 0 {
		n := min(len(list), 500)
		var as []store.Assignment
		err := pl.db.NewSelect().Model(&as).Where("a.official_id IN (?)", bun.List(list[:n])).
			Where("a.status = ?", domain.AssignmentActive).OrderExpr("a.starts_on").Scan(pl.ctx)
		if err != nil {
			return domain.Internal(err)
		}
		for _, a := range as {
			existing[a.OfficialID+"|"+a.CellID] = append(existing[a.OfficialID+"|"+a.CellID], a)
		}
		list = list[n:]
	}
	claimed := map[string]int{}
	for i := range plan.Rows {
		rp := &plan.Rows[i]
		if rp.person == nil || len(rp.Errors) > 0 {
			continue
		}
		start := pl.start(rp)
		for j := range rp.Cells {
			c := &rp.Cells[j]
			c.Action = "create"
			k := rp.person.key + "|" + c.CellID
			if l, dup := claimed[k]; dup {
				pl.errorf(rp, ColCells, "users_import.cell_twice", "value", c.CellName, "line", strconv.Itoa(l))
				continue
			}
			claimed[k] = rp.Line
			if rp.person.user == nil {
				continue
			}
			for _, a := range existing[rp.person.user.ID+"|"+c.CellID] {
				if !a.EndsOn.IsZero() && a.EndsOn.Before(start) {
					continue
				}
				if !rp.ValidTo.IsZero() && a.StartsOn.After(rp.ValidTo) {
					continue
				}
				if a.StartsOn.String() == start.String() && a.EndsOn.String() == rp.ValidTo.String() {
					c.Action = "unchanged"
				} else {
					c.Action = "kept"
					if a.EndsOn.IsZero() {
						pl.warn(rp, ColCells, "users_import.assignment_kept_open", "cell", c.CellName, "from", a.StartsOn.VN())
					} else {
						pl.warn(rp, ColCells, "users_import.assignment_kept", "cell", c.CellName, "from", a.StartsOn.VN(), "to", a.EndsOn.VN())
					}
				}
				break
			}
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Hasher hashes a new user's one-time password. Apply calls it once per new user.
type Hasher func(password string) (string, error)

// Apply writes the plan: new users (each with a one-time password it must change at the first sign-in), the
// changes to existing users, grants and assignments (with the decision's number and date), all through the store
// so every change is audited. It refuses a plan with errors (code invalid, key users_import.has_errors). Run it in
// the transaction PlanImport ran in.
func (p *Plan) Apply(ctx context.Context, db bun.IDB, newPassword func() string, hash Hasher) (Result, error) {
	res := Result{Credentials: []Credential{}}
	if p.ErrorRows > 0 {
		return res, domain.E(domain.CodeInvalid, "users_import.has_errors", "count", strconv.Itoa(p.ErrorRows))
	}
	if p.applied {
		return res, domain.Internalf("userimport: plan applied twice")
	}
	p.applied = true
	done := map[*person]bool{}
	var creator *string
	if pr := domain.PrincipalFrom(ctx); pr != nil {
		creator = &pr.UserID
	}
	for i := range p.Rows {
		rp := &p.Rows[i]
		pp := rp.person
		if pp == nil {
			continue
		}
		if !done[pp] {
			done[pp] = true
			switch {
			case pp.user == nil:
				u := pp.want
				pp.password = newPassword()
				h, err := hash(pp.password)
				if err != nil {
					return res, err
				}
				u.PasswordHash = h
				if err := store.CreateUser(ctx, db, &u); err != nil {
					return res, fmt.Errorf("userimport: line %d: %w", rp.Line, err)
				}
				pp.id = u.ID
				res.UsersCreated++
				res.Credentials = append(res.Credentials, Credential{Line: rp.Line, UserID: u.ID, Username: u.Username,
					DisplayName: u.DisplayName, Password: pp.password})
			case len(pp.changes) > 0:
				u := pp.want
				if err := store.UpdateUser(ctx, db, &u); err != nil {
					return res, fmt.Errorf("userimport: line %d: %w", rp.Line, err)
				}
				pp.id = u.ID
				res.UsersUpdated++
			default:
				pp.id = pp.user.ID
			}
		}
		rp.UserID = pp.id
		switch rp.GrantAction {
		case "create":
			g := &store.RoleGrant{UserID: pp.id, Role: rp.Role, OrgUnitID: &rp.scope.ID, ValidFrom: rp.ValidFrom, ValidTo: rp.ValidTo}
			if err := store.CreateGrant(ctx, db, g); err != nil {
				return res, fmt.Errorf("userimport: line %d: %w", rp.Line, err)
			}
			res.GrantsCreated++
		case "update":
			from := rp.ValidFrom
			if from.IsZero() {
				from = rp.grant.ValidFrom
			}
			if _, err := store.UpdateGrantPeriod(ctx, db, rp.grant.ID, from, rp.ValidTo); err != nil {
				return res, fmt.Errorf("userimport: line %d: %w", rp.Line, err)
			}
			res.GrantsUpdated++
		}
		for _, c := range rp.Cells {
			if c.Action != "create" {
				continue
			}
			a := &store.Assignment{OfficialID: pp.id, CellID: c.CellID, StartsOn: rp.ValidFrom, EndsOn: rp.ValidTo,
				Frequency: domain.FrequencyMonthly, CreatedBy: creator, DecisionNumber: p.Decision.Number, DecisionDate: p.Decision.Date}
			if a.StartsOn.IsZero() {
				a.StartsOn = domain.DateOf(store.Now())
			}
			if _, err := store.CreateAssignment(ctx, db, a); err != nil {
				return res, fmt.Errorf("userimport: line %d: %w", rp.Line, err)
			}
			res.AssignmentsCreated++
		}
	}
	return res, nil
}
