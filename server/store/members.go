package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Normalize cleans the member's text, folds the name for search and checks the fields.
func (m *Member) Normalize() error {
	m.FullName = domain.CleanText(m.FullName)
	m.NameFold = domain.Fold(m.FullName)
	m.StatusNote = domain.CleanText(m.StatusNote)
	m.CellRole = domain.CleanText(m.CellRole)
	if m.CardNumber != nil {
		c := domain.CleanText(*m.CardNumber)
		m.CardNumber = &c
		if c == "" {
			m.CardNumber = nil
		}
	}
	if m.Membership == "" {
		m.Membership = domain.MembershipFull
	}
	if m.Status == "" {
		m.Status = domain.StatusActive
	}
	maxYear := time.Now().Year() - 16
	switch {
	case m.FullName == "":
		return domain.Invalid("full_name", "error.required", "field", "full_name")
	case m.BirthYear != nil && (*m.BirthYear < 1900 || *m.BirthYear > maxYear):
		return domain.Invalid("birth_year", "member.bad_birth_year", "max", itoa(maxYear))
	case !m.Gender.Valid():
		return domain.Invalid("gender", "member.bad_gender")
	case !m.Membership.Valid():
		return domain.Invalid("membership", "member.bad_membership")
	case !m.Status.Valid():
		return domain.Invalid("status", "member.bad_status")
	}
	// A temporary exemption may lack its end date: offices often do not write one, and a roster import keeps the
	// member with a warning to complete it rather than refusing the row.
	if m.Status != domain.StatusTempExempt {
		m.TempExemptUntil = domain.Date{}
	}
	return checkLens(lenRule{"full_name", m.FullName, 120}, lenRule{"card_number", deref(m.CardNumber), 30},
		lenRule{"status_note", m.StatusNote, 500}, lenRule{"cell_role", m.CellRole, 60})
}

// MemberView is a member with the cell it belongs to, as lists show it.
type MemberView struct {
	Member   `bun:",extend"`
	CellName string `bun:"cell_name" json:"cell_name"`
	CellPath string `bun:"cell_path" json:"-"`
}

// GetMember returns the live member id with its cell's name and path.
func GetMember(ctx context.Context, db bun.IDB, id string) (*MemberView, error) {
	m := new(MemberView)
	err := memberQuery(db).Where("m.id = ?", id).Scan(ctx, m)
	if err != nil {
		return nil, notFound(err, "@what.member")
	}
	return m, nil
}

func memberQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Member)(nil)).Column("m.*").
		ColumnExpr("ou.name AS cell_name, ou.path AS cell_path").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id")
}

// checkCell makes sure id is a live unit of kind cell (members belong to cells) and returns it.
func checkCell(ctx context.Context, db bun.IDB, id string) (*OrgUnit, error) {
	cell, err := GetOrgUnit(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if cell.Kind != domain.KindCell {
		return nil, domain.Invalid("cell_id", "org.not_cell")
	}
	// A closed cell takes no new members or assignments after its closing day.
	if !cell.ClosedOn.IsZero() && cell.ClosedOn.Before(domain.DateOf(time.Now())) {
		return nil, domain.Invalid("cell_id", "org.closed", "name", cell.Name, "date", cell.ClosedOn.VN())
	}
	return cell, nil
}

// CreateMember inserts m into its cell.
func CreateMember(ctx context.Context, db bun.IDB, m *Member) error {
	if err := m.Normalize(); err != nil {
		return err
	}
	if _, err := checkCell(ctx, db, m.CellID); err != nil {
		return err
	}
	if err := Insert(ctx, db, m); err != nil {
		return uniqueOr(err, "@what.card_number")
	}
	return Audit(ctx, db, "create", "member", m.ID, &m.CellID, nil, m)
}

// CreateMemberDeferred inserts m like CreateMember, for a bulk import whose plan has already checked the cell (a
// live cell) and the card numbers: the INSERT is queued and goes to the database with the transaction's other
// queued rows in one statement when it commits (InsertDeferred), so a 2,000-row roster holds its transaction for
// a fraction of the time. Reads inside the transaction do not see m.
func CreateMemberDeferred(ctx context.Context, db bun.IDB, m *Member) error {
	if err := m.Normalize(); err != nil {
		return err
	}
	if err := InsertDeferred(ctx, db, m); err != nil {
		return uniqueOr(err, "@what.card_number")
	}
	return Audit(ctx, db, "create", "member", m.ID, &m.CellID, nil, m)
}

// UpdateMember writes the changed member m (which may move to another cell).
func UpdateMember(ctx context.Context, db bun.IDB, m *Member) error {
	before, err := GetMember(ctx, db, m.ID)
	if err != nil {
		return err
	}
	if err := m.Normalize(); err != nil {
		return err
	}
	if m.CellID != before.CellID {
		if _, err := checkCell(ctx, db, m.CellID); err != nil {
			return err
		}
	}
	m.CreatedAt = before.CreatedAt
	if err := Update(ctx, db, &before.Member, m); err != nil {
		return uniqueOr(err, "@what.card_number")
	}
	return Audit(ctx, db, "update", "member", m.ID, &m.CellID, &before.Member, m)
}

// DeleteMember soft-deletes a member entered by mistake (members who leave are transferred or deceased instead).
func DeleteMember(ctx context.Context, db bun.IDB, id string) error {
	before, err := GetMember(ctx, db, id)
	if err != nil {
		return err
	}
	m := before.Member
	if err := SoftDelete(ctx, db, &m); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "member", id, &before.CellID, &before.Member, nil)
}

// MemberFilter selects members.
type MemberFilter struct {
	CellID     string
	Under      string // members of cells in this unit's subtree
	Query      string // name or card number contains, ignoring diacritics and case
	Status     domain.MemberStatus
	Membership domain.Membership
}

// ListMembers lists the members of cells under roots that match f, by name.
func ListMembers(ctx context.Context, db bun.IDB, f MemberFilter, roots []string, p PageRequest) (Page[MemberView], error) {
	q := inSubtrees(memberQuery(db), "ou.path", roots)
	if f.CellID != "" {
		q = q.Where("m.cell_id = ?", f.CellID)
	}
	if f.Under != "" {
		u, err := GetOrgUnit(ctx, db, f.Under)
		if err != nil {
			return Page[MemberView]{}, err
		}
		q = q.Where("ou.path >= ? AND ou.path < ?", u.Path, domain.PathUpper(u.Path))
	}
	if f.Status != "" {
		q = q.Where("m.status = ?", f.Status)
	}
	if f.Membership != "" {
		q = q.Where("m.membership = ?", f.Membership)
	}
	if f.Query != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = whereFold(q, "m.name_fold", f.Query)
			return q.WhereOr("m.card_number = ?", domain.CleanText(f.Query))
		})
	}
	return keysetPage(ctx, q, p, "m.name_fold", "m.id", func(m MemberView) (string, string) { return m.NameFold, m.ID })
}

// CellMembers returns every live member of a cell, by name (a roster is small: 3 to a few hundred).
func CellMembers(ctx context.Context, db bun.IDB, cellIDs ...string) ([]Member, error) {
	out := []Member{}
	if len(cellIDs) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model(&out).Where("m.cell_id IN (?)", bun.List(cellIDs)).OrderExpr("m.name_fold, m.id").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}
