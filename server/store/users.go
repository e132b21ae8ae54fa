package store

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,39}$`)

// NormalizeUsername lower-cases a login name; usernames compare case-insensitively.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Normalize cleans and checks the user's fields.
func (u *User) Normalize() error {
	u.Username = NormalizeUsername(u.Username)
	u.DisplayName = domain.CleanText(u.DisplayName)
	u.NameFold = domain.Fold(u.DisplayName + " " + u.Username)
	u.Phone = domain.CleanText(u.Phone)
	u.Title = domain.CleanText(u.Title)
	if u.Locale == "" {
		u.Locale = "vi"
	}
	switch {
	case !usernameRE.MatchString(u.Username):
		return domain.Invalid("username", "user.bad_username")
	case u.DisplayName == "":
		return domain.Invalid("display_name", "error.required", "field", "display_name")
	case u.Locale != "vi" && u.Locale != "en":
		return domain.Invalid("locale", "user.bad_locale")
	}
	return checkLens(lenRule{"display_name", u.DisplayName, 120}, lenRule{"phone", u.Phone, 30}, lenRule{"title", u.Title, 200})
}

// UserView is a user with the path of the home unit (for scope checks) and the user's role grants.
type UserView struct {
	User     `bun:",extend"`
	HomePath string      `bun:"home_path" json:"-"`
	Grants   []GrantView `bun:"-" json:"grants"`
	// MustChange shows User.MustChangePassword, which the sync protocol does not carry, to the API.
	MustChange bool `bun:"-" json:"must_change_password"`
}

// GrantView is a role grant with the name of the unit it covers.
type GrantView struct {
	RoleGrant   `bun:",extend"`
	OrgUnitName string `bun:"org_unit_name" json:"org_unit_name"`
	OrgUnitPath string `bun:"org_unit_path" json:"-"`
}

func userQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*User)(nil)).Column("u.*").
		ColumnExpr("COALESCE(ou.path, '/') AS home_path").
		Join("LEFT JOIN org_units AS ou ON ou.id = u.home_org_unit_id")
}

// GetUser returns the live user id with its grants.
func GetUser(ctx context.Context, db bun.IDB, id string) (*UserView, error) {
	u := new(UserView)
	if err := userQuery(db).Where("u.id = ?", id).Scan(ctx, u); err != nil {
		return nil, notFound(err, "@what.user")
	}
	grants, err := UserGrants(ctx, db, id)
	if err != nil {
		return nil, err
	}
	u.Grants = grants
	u.MustChange = u.MustChangePassword
	return u, nil
}

// UserByUsername returns the live user with this login name.
func UserByUsername(ctx context.Context, db bun.IDB, username string) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("u.username = ?", NormalizeUsername(username)).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.user")
	}
	return u, nil
}

// UserGrants returns the live grants of a user, with the units they cover.
func UserGrants(ctx context.Context, db bun.IDB, userID string) ([]GrantView, error) {
	out := []GrantView{}
	err := db.NewSelect().Model((*RoleGrant)(nil)).Column("rg.*").
		ColumnExpr("COALESCE(ou.name, '') AS org_unit_name").ColumnExpr(grantPathExpr).
		Join("LEFT JOIN org_units AS ou ON ou.id = rg.org_unit_id AND ou.deleted_at IS NULL").
		Where("rg.user_id = ?", userID).OrderExpr("rg.role, ou.path").Scan(ctx, &out)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// CreateUser inserts u; its PasswordHash must already be set.
func CreateUser(ctx context.Context, db bun.IDB, u *User) error {
	if err := u.Normalize(); err != nil {
		return err
	}
	if u.HomeOrgUnitID != nil {
		if _, err := GetOrgUnit(ctx, db, *u.HomeOrgUnitID); err != nil {
			return err
		}
	}
	if err := Insert(ctx, db, u); err != nil {
		return uniqueOr(err, "@what.username")
	}
	return Audit(ctx, db, "create", "user", u.ID, u.HomeOrgUnitID, nil, u)
}

// UpdateUser writes the changed user u. The password hash and login counters are kept unless the caller changed
// them on u.
func UpdateUser(ctx context.Context, db bun.IDB, u *User) error {
	before, err := GetUser(ctx, db, u.ID)
	if err != nil {
		return err
	}
	if err := u.Normalize(); err != nil {
		return err
	}
	if u.HomeOrgUnitID != nil && deref(u.HomeOrgUnitID) != deref(before.HomeOrgUnitID) {
		if _, err := GetOrgUnit(ctx, db, *u.HomeOrgUnitID); err != nil {
			return err
		}
	}
	u.CreatedAt = before.CreatedAt
	if err := Update(ctx, db, &before.User, u); err != nil {
		return uniqueOr(err, "@what.username")
	}
	if before.Active && !u.Active {
		if err := RevokeUserTokens(ctx, db, u.ID); err != nil {
			return err
		}
	}
	return Audit(ctx, db, "update", "user", u.ID, u.HomeOrgUnitID, &before.User, u)
}

// DeleteUser soft-deletes a user, its grants and its sessions.
func DeleteUser(ctx context.Context, db bun.IDB, id string) error {
	before, err := GetUser(ctx, db, id)
	if err != nil {
		return err
	}
	u := before.User
	if err := SoftDelete(ctx, db, &u); err != nil {
		return err
	}
	at := Now()
	if _, err := db.NewUpdate().Model((*RoleGrant)(nil)).Set("deleted_at = ?", at).Set("updated_at = ?", at).
		Where("user_id = ?", id).Where("deleted_at IS NULL").Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	if err := RevokeUserTokens(ctx, db, id); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "user", id, before.HomeOrgUnitID, before, nil)
}

// UserFilter selects users.
type UserFilter struct {
	Query     string      // name or username contains, ignoring diacritics and case
	Role      domain.Role // users holding this role
	OrgUnitID string      // users whose home unit is in this unit's subtree
	Active    *bool
}

// ListUsers lists the users whose home unit is under roots ("/" covers users without one too), by name.
func ListUsers(ctx context.Context, db bun.IDB, f UserFilter, roots []string, p PageRequest) (Page[UserView], error) {
	q := inSubtrees(userQuery(db), "COALESCE(ou.path, '/')", roots)
	q = whereFold(q, "u.name_fold", f.Query)
	if f.Role != "" {
		q = q.Where("EXISTS (SELECT 1 FROM role_grants AS g WHERE g.user_id = u.id AND g.role = ? AND g.deleted_at IS NULL)", f.Role)
	}
	if f.OrgUnitID != "" {
		unit, err := GetOrgUnit(ctx, db, f.OrgUnitID)
		if err != nil {
			return Page[UserView]{}, err
		}
		q = q.Where("ou.path >= ? AND ou.path < ?", unit.Path, domain.PathUpper(unit.Path))
	}
	if f.Active != nil {
		q = q.Where("u.active = ?", *f.Active)
	}
	page, err := keysetPage(ctx, q, p, "u.name_fold", "u.id", func(u UserView) (string, string) { return u.NameFold, u.ID })
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		if page.Items[i].Grants, err = UserGrants(ctx, db, page.Items[i].ID); err != nil {
			return page, err
		}
		page.Items[i].MustChange = page.Items[i].MustChangePassword
	}
	return page, nil
}

// CreateGrant gives a user a role over a unit's subtree (nil: the whole installation, admins only).
func CreateGrant(ctx context.Context, db bun.IDB, g *RoleGrant) error {
	if !g.Role.Valid() {
		return domain.Invalid("role", "user.bad_role")
	}
	if g.OrgUnitID == nil && g.Role != domain.RoleAdmin {
		return domain.Invalid("org_unit_id", "user.global_grant")
	}
	if err := g.checkPeriod(); err != nil {
		return err
	}
	if g.OrgUnitID != nil {
		if _, err := GetOrgUnit(ctx, db, *g.OrgUnitID); err != nil {
			return err
		}
	}
	touch(&g.Base, Now())
	if _, err := db.NewInsert().Model(g).Exec(ctx); err != nil {
		return uniqueOr(err, "@what.grant")
	}
	return Audit(ctx, db, "create", "role_grant", g.ID, g.OrgUnitID, nil, g)
}

// checkPeriod refuses a grant that ends before it starts.
func (g *RoleGrant) checkPeriod() error {
	if !g.ValidFrom.IsZero() && !g.ValidTo.IsZero() && g.ValidTo.Before(g.ValidFrom) {
		return domain.Invalid("valid_to", "error.ends_before_start")
	}
	return nil
}

// UpdateGrantPeriod changes the days a grant holds (its start and end; a zero date removes the bound).
func UpdateGrantPeriod(ctx context.Context, db bun.IDB, id string, from, to domain.Date) (*GrantView, error) {
	before, err := GetGrant(ctx, db, id)
	if err != nil {
		return nil, err
	}
	g := before.RoleGrant
	g.ValidFrom, g.ValidTo = from, to
	if err := g.checkPeriod(); err != nil {
		return nil, err
	}
	if g.ValidFrom.String() == before.ValidFrom.String() && g.ValidTo.String() == before.ValidTo.String() {
		return before, nil
	}
	g.UpdatedAt = Now()
	if _, err := db.NewUpdate().Model(&g).Column("valid_from", "valid_to", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if err := Audit(ctx, db, "update", "role_grant", id, g.OrgUnitID, &before.RoleGrant, &g); err != nil {
		return nil, err
	}
	return GetGrant(ctx, db, id)
}

// grantInForce is the condition on a grant aliased g that it holds on a day (the argument, twice).
const grantInForce = "(g.valid_from IS NULL OR g.valid_from <= ?) AND (g.valid_to IS NULL OR g.valid_to >= ?)"

// InForce reports whether a grant holds on day.
func (g *RoleGrant) InForce(day domain.Date) bool {
	return (g.ValidFrom.IsZero() || !day.Before(g.ValidFrom)) && (g.ValidTo.IsZero() || !day.After(g.ValidTo))
}

// grantPathExpr is the path a grant covers: "/" for the whole installation, "" when its unit was deleted.
const grantPathExpr = "CASE WHEN rg.org_unit_id IS NULL THEN '/' ELSE COALESCE(ou.path, '') END AS org_unit_path"

// GetGrant returns the live grant id with its unit.
func GetGrant(ctx context.Context, db bun.IDB, id string) (*GrantView, error) {
	g := new(GrantView)
	err := db.NewSelect().Model((*RoleGrant)(nil)).Column("rg.*").
		ColumnExpr("COALESCE(ou.name, '') AS org_unit_name").ColumnExpr(grantPathExpr).
		Join("LEFT JOIN org_units AS ou ON ou.id = rg.org_unit_id").
		Where("rg.id = ?", id).Scan(ctx, g)
	if err != nil {
		return nil, notFound(err, "@what.grant")
	}
	return g, nil
}

// DeleteGrant revokes a grant.
func DeleteGrant(ctx context.Context, db bun.IDB, id string) error {
	g, err := GetGrant(ctx, db, id)
	if err != nil {
		return err
	}
	at := Now()
	if _, err := db.NewUpdate().Model((*RoleGrant)(nil)).Set("deleted_at = ?", at).Set("updated_at = ?", at).
		Where("id = ?", id).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "delete", "role_grant", id, g.OrgUnitID, g, nil)
}

// LoadPrincipal builds the caller of a request from the database: the active user, its grants with their paths
// and the cells it is assigned to today. It fails with unauthorized when the user is gone or disabled.
func LoadPrincipal(ctx context.Context, db bun.IDB, userID string) (*domain.Principal, error) {
	return LoadSession(ctx, db, userID, "")
}

// LoadSession is LoadPrincipal for a request carrying an access token of session family (may be ""): it also
// fails with unauthorized when that session was revoked or never existed for this user (a token signed with a
// made-up session id). It is one query, since every API request runs it.
func LoadSession(ctx context.Context, db bun.IDB, userID, family string) (*domain.Principal, error) {
	type row struct {
		K string `bun:"k"`
		A string `bun:"a"`
		B string `bun:"b"`
		C string `bun:"c"`
	}
	today := domain.DateOf(time.Now())
	parts := []string{
		`SELECT 'user' AS k, u.username AS a, u.locale AS b,
				CASE WHEN NOT u.active THEN '0' WHEN u.must_change_password THEN 'm' ELSE '1' END AS c
			FROM users AS u WHERE u.id = ? AND u.deleted_at IS NULL`,
		`SELECT 'grant', rg.role, COALESCE(CAST(rg.org_unit_id AS TEXT), ''),
				CASE WHEN rg.org_unit_id IS NULL THEN '/' ELSE COALESCE(ou.path, '') END
			FROM role_grants AS rg LEFT JOIN org_units AS ou ON ou.id = rg.org_unit_id AND ou.deleted_at IS NULL
			WHERE rg.user_id = ? AND rg.deleted_at IS NULL
				AND (rg.valid_from IS NULL OR rg.valid_from <= ?) AND (rg.valid_to IS NULL OR rg.valid_to >= ?)`,
		`SELECT DISTINCT 'cell', CAST(ou.id AS TEXT), ou.path, a.form
			FROM assignments AS a JOIN org_units AS ou ON ou.id = a.cell_id AND ou.deleted_at IS NULL
			WHERE a.official_id = ? AND a.deleted_at IS NULL AND a.status = 'active' AND (a.ends_on IS NULL OR a.ends_on >= ?)`,
	}
	args := []any{userID, userID, today, today, userID, today}
	if family != "" {
		// The session exists for this user (a row), and whether any token of it was revoked (c > 0).
		parts = append(parts, `SELECT 'session', '', '', CAST(count(revoked_at) AS TEXT)
			FROM refresh_tokens WHERE family_id = ? AND user_id = ? HAVING count(*) > 0`)
		args = append(args, family, userID)
	}
	var rows []row
	if err := db.NewRaw(strings.Join(parts, " UNION ALL "), args...).Scan(ctx, &rows); err != nil {
		return nil, domain.Internal(err)
	}
	p := &domain.Principal{UserID: userID}
	found, session := false, family == ""
	for _, r := range rows {
		switch r.K {
		case "user":
			found = true
			if r.C == "0" {
				return nil, domain.Unauthorized("auth.inactive")
			}
			p.Username, p.Locale, p.MustChangePassword = r.A, r.B, r.C == "m"
		case "session":
			if r.C != "0" {
				return nil, domain.Unauthorized("auth.refresh_invalid")
			}
			session = true
		case "grant":
			if r.C != "" { // a grant whose unit was deleted covers nothing
				p.Grants = append(p.Grants, domain.Grant{Role: domain.Role(r.A), OrgUnitID: r.B, Path: r.C})
			}
		case "cell":
			if r.C == string(domain.FormCommittee) {
				p.Committees = append(p.Committees, domain.UnitRef{ID: r.A, Path: r.B})
			} else {
				p.Assigned = append(p.Assigned, domain.UnitRef{ID: r.A, Path: r.B})
			}
		}
	}
	if !found || !session {
		return nil, domain.Unauthorized("auth.bad_token")
	}
	if !p.HasRole(domain.RoleOfficial) {
		p.Assigned, p.Committees = nil, nil
	}
	sort.Slice(p.Grants, func(i, j int) bool {
		if p.Grants[i].Role != p.Grants[j].Role {
			return p.Grants[i].Role < p.Grants[j].Role
		}
		return p.Grants[i].Path < p.Grants[j].Path
	})
	sort.Slice(p.Assigned, func(i, j int) bool { return p.Assigned[i].Path < p.Assigned[j].Path })
	return p, nil
}

// AssignedCells returns the cells an official is assigned to on day (assignments of form cell): active assignments that have not ended
// (upcoming ones included, so the official can prepare).
func AssignedCells(ctx context.Context, db bun.IDB, officialID string, day domain.Date) ([]domain.UnitRef, error) {
	var rows []struct {
		ID   string `bun:"id"`
		Path string `bun:"path"`
	}
	err := db.NewSelect().Model((*Assignment)(nil)).ColumnExpr("DISTINCT ou.id, ou.path").
		Join("JOIN org_units AS ou ON ou.id = a.cell_id AND ou.deleted_at IS NULL").
		Where("a.official_id = ?", officialID).
		Where("a.status = ?", domain.AssignmentActive).
		Where("a.form = ?", domain.FormCell).
		Where("(a.ends_on IS NULL OR a.ends_on >= ?)", day).
		OrderExpr("ou.path").
		Scan(ctx, &rows)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out := make([]domain.UnitRef, len(rows))
	for i, r := range rows {
		out[i] = domain.UnitRef{ID: r.ID, Path: r.Path}
	}
	return out, nil
}

// SetMustChangePassword sets or clears the user's obligation to choose a new password before anything else.
func SetMustChangePassword(ctx context.Context, db bun.IDB, userID string, must bool) error {
	res, err := db.NewUpdate().Model((*User)(nil)).Set("must_change_password = ?", must).Set("updated_at = ?", Now()).
		Where("id = ?", userID).Where("must_change_password <> ?", must).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return Audit(ctx, db, "must_change_password", "user", userID, nil, nil, map[string]bool{"must_change_password": must})
}
