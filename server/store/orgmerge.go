package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// The 2025 reform merges and splits cells and communes. A merge closes the predecessors the day before it takes
// effect and carries their members, unresolved recommendations, assignments and users (for a commune: its cells,
// with all their history) to one successor, new or existing; a split closes a unit and shares the same among new
// parts. Meetings stay with the cell that held them: the links (org_unit_links) lead from a successor to its
// predecessors, whose history stays readable. Coverage needs nothing more: a unit is open from opened_on to
// closed_on, so the months before the merge count the predecessors and those after it the successor, never both.

// Link kinds.
const (
	LinkMerge = "merge"
	LinkSplit = "split"
)

// OrgUnitLink links a unit that closed (the predecessor) to a unit that took over its members and work from OnDate.
type OrgUnitLink struct {
	bun.BaseModel `bun:"table:org_unit_links,alias:oul"`
	ID            string      `bun:"id,pk" json:"id"`
	PredecessorID string      `bun:"predecessor_id,notnull" json:"predecessor_id"`
	SuccessorID   string      `bun:"successor_id,notnull" json:"successor_id"`
	Kind          string      `bun:"kind,notnull" json:"kind"`
	OnDate        domain.Date `bun:"on_date,type:date,notnull" json:"on"`
	CreatedAt     time.Time   `bun:"created_at,notnull" json:"created_at"`
}

// LinkedUnit is a unit at the other end of a link, as a unit's lineage lists it.
type LinkedUnit struct {
	ID       string         `bun:"id" json:"id"`
	Name     string         `bun:"name" json:"name"`
	UnitKind domain.OrgKind `bun:"unit_kind" json:"unit_kind"`
	Path     string         `bun:"path" json:"-"`
	ClosedOn domain.Date    `bun:"closed_on,type:date" json:"closed_on"`
	Kind     string         `bun:"kind" json:"kind"`
	On       domain.Date    `bun:"on_date,type:date" json:"on"`
}

// Lineage returns the predecessors and the successors of unit id, by date and name.
func Lineage(ctx context.Context, db bun.IDB, id string) (preds, succs []LinkedUnit, err error) {
	read := func(other, self string) ([]LinkedUnit, error) {
		out := []LinkedUnit{}
		err := db.NewSelect().TableExpr("org_unit_links AS oul").
			ColumnExpr("ou.id, ou.name, ou.kind AS unit_kind, ou.path, ou.closed_on, oul.kind, oul.on_date").
			Join("JOIN org_units AS ou ON ou.id = oul.?", bun.Ident(other)).
			Where("oul.? = ? AND ou.deleted_at IS NULL", bun.Ident(self), id).
			OrderExpr("oul.on_date, ou.name_fold, ou.id").Scan(ctx, &out)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		return out, nil
	}
	if preds, err = read("predecessor_id", "successor_id"); err != nil {
		return nil, nil, err
	}
	succs, err = read("successor_id", "predecessor_id")
	return preds, succs, err
}

// Carried counts what a merge or split moved.
type Carried struct {
	Members         int `json:"members"`
	Recommendations int `json:"recommendations"`
	Assignments     int `json:"assignments"`
	Units           int `json:"units"`
	Users           int `json:"users"`
	// Meetings counts the meetings held by the predecessors: they stay with them, reachable through the links.
	Meetings int `json:"meetings"`
}

func (c *Carried) add(o Carried) {
	c.Members += o.Members
	c.Recommendations += o.Recommendations
	c.Assignments += o.Assignments
	c.Units += o.Units
	c.Users += o.Users
	c.Meetings += o.Meetings
}

// MergeSpec is a merge: the units From merge into Into on day On (the first day of the successor). Into is an
// existing unit (its ID set) or a new one (its ID empty: Name, Code and ParentID, by default the predecessors'
// common parent).
type MergeSpec struct {
	Into OrgUnit
	From []string
	On   domain.Date
}

// MergeResult is what a merge did.
type MergeResult struct {
	Successor    OrgUnit   `json:"successor"`
	Predecessors []OrgUnit `json:"predecessors"`
	Carried      Carried   `json:"carried"`
}

// Allow checks that the caller may change unit u (a merge and a split call it for every unit they touch and for
// the parent of every unit they create).
type Allow func(u *OrgUnit) error

// MergeOrgUnits carries out a merge in db (all of it or, on an error, none: run it in one transaction).
func MergeOrgUnits(ctx context.Context, db bun.IDB, spec MergeSpec, allow Allow) (*MergeResult, error) {
	if spec.On.IsZero() {
		return nil, domain.Invalid("on", "error.required", "field", "on")
	}
	isNew := spec.Into.ID == ""
	ids, err := distinctIDs("from", spec.From)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 || (isNew && len(ids) < 2) {
		return nil, domain.Invalid("from", "org.merge_too_few")
	}
	var preds []*OrgUnit
	for _, id := range ids {
		if id == spec.Into.ID {
			return nil, domain.Invalid("from", "org.merge_into_itself")
		}
		p, err := GetOrgUnit(ctx, db, id)
		if err != nil {
			return nil, err
		}
		if err := allow(p); err != nil {
			return nil, err
		}
		if err := checkClosable(p, spec.On, "from"); err != nil {
			return nil, err
		}
		if len(preds) > 0 && p.Kind != preds[0].Kind {
			return nil, domain.Invalid("from", "org.merge_kinds")
		}
		preds = append(preds, p)
	}
	for _, p := range preds {
		for _, q := range preds {
			if p != q && domain.Under(q.Path, p.Path) {
				return nil, domain.Invalid("from", "org.cycle")
			}
		}
	}
	var succ *OrgUnit
	if isNew {
		succ = &OrgUnit{Name: spec.Into.Name, Code: spec.Into.Code, Address: spec.Into.Address, Kind: preds[0].Kind,
			ParentID: spec.Into.ParentID, OpenedOn: spec.On}
		if succ.ParentID == nil {
			succ.ParentID = preds[0].ParentID
			for _, p := range preds[1:] {
				if deref(p.ParentID) != deref(succ.ParentID) {
					return nil, domain.Invalid("into.parent_id", "org.merge_parent_required")
				}
			}
		}
		if succ.ParentID == nil {
			return nil, domain.Invalid("into.parent_id", "org.parent_required")
		}
		parent, err := GetOrgUnit(ctx, db, *succ.ParentID)
		if err != nil {
			return nil, err
		}
		if err := allow(parent); err != nil {
			return nil, err
		}
		if err := CreateOrgUnit(ctx, db, succ); err != nil {
			return nil, err
		}
	} else {
		if succ, err = GetOrgUnit(ctx, db, spec.Into.ID); err != nil {
			return nil, err
		}
		if err := allow(succ); err != nil {
			return nil, err
		}
		switch {
		case succ.Kind != preds[0].Kind:
			return nil, domain.Invalid("into", "org.merge_kinds")
		case !succ.ClosedOn.IsZero():
			return nil, domain.Invalid("into", "org.closed", "name", succ.Name, "date", succ.ClosedOn.VN())
		case !succ.OpenedOn.IsZero() && succ.OpenedOn.After(spec.On):
			return nil, domain.Invalid("on", "org.not_open_yet", "name", succ.Name, "date", succ.OpenedOn.VN())
		}
		for _, p := range preds {
			if domain.Under(succ.Path, p.Path) || domain.Under(p.Path, succ.Path) {
				return nil, domain.Invalid("into", "org.cycle")
			}
		}
	}
	res := &MergeResult{Successor: *succ, Predecessors: []OrgUnit{}}
	for _, p := range preds {
		c, err := carry(ctx, db, p, []*OrgUnit{succ}, spec.On, nil)
		if err != nil {
			return nil, err
		}
		res.Carried.add(c)
		if err := closeAndLink(ctx, db, p, []*OrgUnit{succ}, LinkMerge, spec.On); err != nil {
			return nil, err
		}
		res.Predecessors = append(res.Predecessors, *p)
	}
	if err := Audit(ctx, db, "merge", "org_unit", succ.ID, &succ.ID, nil, res); err != nil {
		return nil, err
	}
	return res, nil
}

// SplitPart is one of the units a split creates, with what it takes over: members (of a cell), units (children
// of a unit above the cells) and recommendations. The first part takes whatever no part names but members and
// units, which every part must name, each once.
type SplitPart struct {
	Name              string   `json:"name"`
	Code              string   `json:"code"`
	MemberIDs         []string `json:"member_ids"`
	UnitIDs           []string `json:"unit_ids"`
	RecommendationIDs []string `json:"recommendation_ids"`
}

// SplitResult is what a split did.
type SplitResult struct {
	Predecessor OrgUnit   `json:"predecessor"`
	Parts       []OrgUnit `json:"parts"`
	Carried     Carried   `json:"carried"`
}

// SplitOrgUnit splits unit id into parts on day on (the first day of the parts), all of it or nothing.
func SplitOrgUnit(ctx context.Context, db bun.IDB, id string, on domain.Date, parts []SplitPart, allow Allow) (*SplitResult, error) {
	if on.IsZero() {
		return nil, domain.Invalid("on", "error.required", "field", "on")
	}
	if len(parts) < 2 {
		return nil, domain.Invalid("parts", "org.split_too_few")
	}
	u, err := GetOrgUnit(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if err := allow(u); err != nil {
		return nil, err
	}
	if u.ParentID == nil {
		return nil, domain.Invalid("id", "org.parent_required")
	}
	if err := checkClosable(u, on, "on"); err != nil {
		return nil, err
	}
	parent, err := GetOrgUnit(ctx, db, *u.ParentID)
	if err != nil {
		return nil, err
	}
	if err := allow(parent); err != nil {
		return nil, err
	}
	// Every member (of a cell) and every child unit goes to exactly one part.
	var members, kids, recs []string
	if err := db.NewSelect().Model((*Member)(nil)).Column("m.id").Where("m.cell_id = ?", u.ID).Scan(ctx, &members); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if err := db.NewSelect().Model((*OrgUnit)(nil)).Column("ou.id").Where("ou.parent_id = ?", u.ID).Scan(ctx, &kids); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if err := db.NewSelect().Model((*Recommendation)(nil)).Column("r.id").Where("r.cell_id = ? AND r.status <> ?", u.ID, domain.RecResolved).
		Scan(ctx, &recs); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	shares := make([]map[string]bool, len(parts))
	for i := range parts {
		shares[i] = map[string]bool{}
	}
	assign := func(field string, all []string, pick func(SplitPart) []string, required bool) error {
		owner := map[string]int{}
		for _, x := range all {
			owner[x] = -1
		}
		for i, p := range parts {
			for _, x := range pick(p) {
				x, _ = domain.ParseID(x)
				o, ok := owner[x]
				switch {
				case !ok:
					return domain.Invalid(field, "org.split_not_of_unit", "name", u.Name)
				case o >= 0:
					return domain.Invalid(field, "org.split_twice")
				}
				owner[x] = i
				shares[i][x] = true
			}
		}
		for _, x := range all {
			if owner[x] < 0 {
				if required {
					return domain.Invalid(field, "org.split_left_over", "n", itoa(countNeg(owner)))
				}
				shares[0][x] = true
			}
		}
		return nil
	}
	if err := assign("member_ids", members, func(p SplitPart) []string { return p.MemberIDs }, true); err != nil {
		return nil, err
	}
	if err := assign("unit_ids", kids, func(p SplitPart) []string { return p.UnitIDs }, true); err != nil {
		return nil, err
	}
	if err := assign("recommendation_ids", recs, func(p SplitPart) []string { return p.RecommendationIDs }, false); err != nil {
		return nil, err
	}
	res := &SplitResult{Predecessor: *u, Parts: []OrgUnit{}}
	var news []*OrgUnit
	for _, p := range parts {
		n := &OrgUnit{Name: p.Name, Code: p.Code, Kind: u.Kind, ParentID: u.ParentID, OpenedOn: on}
		if err := CreateOrgUnit(ctx, db, n); err != nil {
			return nil, err
		}
		news = append(news, n)
	}
	c, err := carry(ctx, db, u, news, on, shares)
	if err != nil {
		return nil, err
	}
	res.Carried = c
	if err := closeAndLink(ctx, db, u, news, LinkSplit, on); err != nil {
		return nil, err
	}
	res.Predecessor = *u
	for _, n := range news {
		res.Parts = append(res.Parts, *n)
	}
	if err := Audit(ctx, db, "split", "org_unit", u.ID, &u.ID, nil, res); err != nil {
		return nil, err
	}
	return res, nil
}

func countNeg(m map[string]int) int {
	n := 0
	for _, v := range m {
		if v < 0 {
			n++
		}
	}
	return n
}

// distinctIDs parses ids, refusing a bad one and dropping repeats.
func distinctIDs(field string, ids []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range ids {
		id, ok := domain.ParseID(s)
		if !ok {
			return nil, domain.Invalid(field, "error.bad_id")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// checkClosable refuses to close u the day before on when it is closed already, or opens on or after on.
func checkClosable(u *OrgUnit, on domain.Date, field string) error {
	switch {
	case u.Kind == domain.KindProvince:
		return domain.Invalid(field, "org.merge_province")
	case !u.ClosedOn.IsZero():
		return domain.Invalid(field, "org.closed", "name", u.Name, "date", u.ClosedOn.VN())
	case !u.OpenedOn.IsZero() && !u.OpenedOn.Before(on):
		return domain.Invalid("on", "org.not_open_yet", "name", u.Name, "date", u.OpenedOn.VN())
	}
	return nil
}

// carry moves what unit p hands over on day on to the successors: everything to the first, or, with shares (a
// split), each id to the successor whose share holds it (members, child units, recommendations); assignments go to
// every successor, users to the first.
func carry(ctx context.Context, db bun.IDB, p *OrgUnit, succs []*OrgUnit, on domain.Date, shares []map[string]bool) (Carried, error) {
	var c Carried
	to := func(id string) *OrgUnit {
		for i, s := range shares {
			if s[id] {
				return succs[i]
			}
		}
		return succs[0]
	}
	// Members.
	var members []Member
	if err := db.NewSelect().Model(&members).Where("m.cell_id = ?", p.ID).OrderExpr("m.id").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, domain.Internal(err)
	}
	for i := range members {
		before := members[i]
		m := before
		m.CellID = to(m.ID).ID
		if err := Update(ctx, db, &before, &m); err != nil {
			return c, uniqueOr(err, "@what.card_number")
		}
		if err := Audit(ctx, db, "update", "member", m.ID, &m.CellID, &before, &m); err != nil {
			return c, err
		}
		c.Members++
	}
	// Recommendations not yet resolved.
	var recs []Recommendation
	if err := db.NewSelect().Model(&recs).Where("r.cell_id = ? AND r.status <> ?", p.ID, domain.RecResolved).OrderExpr("r.id").
		Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, domain.Internal(err)
	}
	for i := range recs {
		before := recs[i]
		r := before
		r.CellID = to(r.ID).ID
		if err := Update(ctx, db, &before, &r); err != nil {
			return c, domain.Internal(err)
		}
		if err := Audit(ctx, db, "update", "recommendation", r.ID, &r.CellID, &before, &r); err != nil {
			return c, err
		}
		c.Recommendations++
	}
	// Assignments running on or after the day: those starting later move, the others end the day before and go on at
	// each successor (unless the official is already assigned there).
	var asg []Assignment
	if err := db.NewSelect().Model(&asg).Where("a.cell_id = ? AND a.status = ?", p.ID, domain.AssignmentActive).
		Where("a.ends_on IS NULL OR a.ends_on >= ?", on).OrderExpr("a.id").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, domain.Internal(err)
	}
	for i := range asg {
		before := asg[i]
		a := before
		if !a.StartsOn.Before(on) {
			a.CellID = succs[0].ID
			if err := Update(ctx, db, &before, &a); err != nil {
				return c, domain.Internal(err)
			}
			if err := Audit(ctx, db, "update", "assignment", a.ID, &a.CellID, &before, &a); err != nil {
				return c, err
			}
			c.Assignments++
			continue
		}
		a.EndsOn = on.AddDays(-1)
		if err := Update(ctx, db, &before, &a); err != nil {
			return c, domain.Internal(err)
		}
		if err := Audit(ctx, db, "end", "assignment", a.ID, &a.CellID, &before, &a); err != nil {
			return c, err
		}
		for _, s := range succs {
			n := &Assignment{OfficialID: before.OfficialID, CellID: s.ID, StartsOn: on, EndsOn: before.EndsOn,
				Frequency: before.Frequency, VisitsPerYear: before.VisitsPerYear, Status: domain.AssignmentActive,
				Note: before.Note, AcknowledgedAt: before.AcknowledgedAt, CreatedBy: before.CreatedBy}
			n.ID = domain.NewID()
			if err := checkOverlap(ctx, db, n); err != nil {
				continue // already assigned there
			}
			if err := Insert(ctx, db, n); err != nil {
				return c, domain.Internal(err)
			}
			if err := Audit(ctx, db, "create", "assignment", n.ID, &n.CellID, nil, n); err != nil {
				return c, err
			}
			c.Assignments++
		}
	}
	// Child units, with their whole subtrees and history.
	var kids []OrgUnit
	if err := db.NewSelect().Model(&kids).Where("ou.parent_id = ?", p.ID).OrderExpr("ou.id").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, domain.Internal(err)
	}
	for i := range kids {
		k := kids[i]
		k.ParentID = &to(k.ID).ID
		if err := UpdateOrgUnit(ctx, db, &k); err != nil {
			return c, err
		}
		c.Units++
	}
	// Users whose home unit it was.
	var users []User
	if err := db.NewSelect().Model(&users).Where("u.home_org_unit_id = ?", p.ID).OrderExpr("u.id").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, domain.Internal(err)
	}
	for i := range users {
		before := users[i]
		u := before
		u.HomeOrgUnitID = &succs[0].ID
		if err := Update(ctx, db, &before, &u); err != nil {
			return c, domain.Internal(err)
		}
		if err := Audit(ctx, db, "update", "user", u.ID, u.HomeOrgUnitID, &before, &u); err != nil {
			return c, err
		}
		c.Users++
	}
	n, err := db.NewSelect().Model((*Meeting)(nil)).Where("mt.cell_id = ? AND mt.status = ?", p.ID, domain.MeetingHeld).Count(ctx)
	if err != nil {
		return c, domain.Internal(err)
	}
	c.Meetings = int(n)
	return c, nil
}

// closeAndLink closes p on the day before on and links it to each successor.
func closeAndLink(ctx context.Context, db bun.IDB, p *OrgUnit, succs []*OrgUnit, kind string, on domain.Date) error {
	fresh, err := GetOrgUnit(ctx, db, p.ID)
	if err != nil {
		return err
	}
	fresh.ClosedOn = on.AddDays(-1)
	if err := UpdateOrgUnit(ctx, db, fresh); err != nil {
		return err
	}
	*p = *fresh
	for _, s := range succs {
		l := &OrgUnitLink{ID: domain.NewID(), PredecessorID: p.ID, SuccessorID: s.ID, Kind: kind, OnDate: on, CreatedAt: Now()}
		if _, err := db.NewInsert().Model(l).Exec(ctx); err != nil {
			return uniqueOr(err, "@what.org_unit")
		}
		if err := Audit(ctx, db, "create", "org_unit_link", l.ID, &s.ID, nil, l); err != nil {
			return err
		}
	}
	return nil
}
