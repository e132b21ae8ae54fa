package store

// The directory of addressees (issue #12): the bodies of a province that recommendations are addressed to, their
// parents (where a matter beyond a body's competence goes up to) and their responders. Rows are synced as the
// province's reference data, so every write goes through the change log (Insert, Update) and is audited.

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"unicode"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Normalize cleans an addressee's names, folds them for search and matching and checks the fields.
func (a *Addressee) Normalize() error {
	a.Name = domain.CleanText(a.Name)
	a.ShortName = domain.CleanText(a.ShortName)
	a.Code = domain.CleanText(a.Code)
	var aliases []string
	seen := map[string]bool{}
	for _, l := range strings.FieldsFunc(a.Aliases, func(r rune) bool { return r == '\n' || r == ';' }) {
		if l = domain.CleanText(l); l != "" && !seen[domain.Fold(l)] {
			seen[domain.Fold(l)] = true
			aliases = append(aliases, l)
		}
	}
	a.Aliases = strings.Join(aliases, "\n")
	a.NameFold = domain.Fold(strings.Join(append([]string{a.Name, a.ShortName}, aliases...), " | "))
	switch {
	case a.Name == "":
		return domain.Invalid("name", "error.required", "field", "name")
	case !a.Kind.Valid():
		return domain.Invalid("kind", "addr.bad_kind")
	case !a.Level.Valid():
		return domain.Invalid("level", "addr.bad_level")
	case a.SortOrder < 0 || a.SortOrder > 9999999:
		return badValue("sort_order")
	case !a.ActiveFrom.IsZero() && !a.ActiveTo.IsZero() && a.ActiveTo.Before(a.ActiveFrom):
		return domain.Invalid("active_to", "ref.valid_order")
	}
	return checkLens(lenRule{"name", a.Name, 300}, lenRule{"short_name", a.ShortName, 120},
		lenRule{"code", a.Code, 60}, lenRule{"aliases", a.Aliases, 2000})
}

// ActiveOn reports whether the body is in the directory on day (its active dates include it).
func (a *Addressee) ActiveOn(day domain.Date) bool {
	return (a.ActiveFrom.IsZero() || !day.Before(a.ActiveFrom)) && (a.ActiveTo.IsZero() || !day.After(a.ActiveTo))
}

// AddresseeFilter selects the bodies of a directory. Empty fields do not filter.
type AddresseeFilter struct {
	ProvinceID string                // the province whose directory (required)
	Query      string                // name, short name or an alias contains, ignoring diacritics and case
	Level      domain.AddresseeLevel // only this level
	Kind       domain.AddresseeKind  // only this kind
	ParentID   string                // direct children of this body
	OrgUnitID  string                // bodies sitting at this party unit
	ActiveOn   domain.Date           // only bodies active on this day
}

// ListAddressees returns one page of a province's directory, ordered by level (province first), then the order
// the admins gave and the name.
func ListAddressees(ctx context.Context, db bun.IDB, f AddresseeFilter, p PageRequest) (Page[Addressee], error) {
	q := db.NewSelect().Model((*Addressee)(nil)).Where("ad.province_id = ?", f.ProvinceID)
	q = whereFold(q, "ad.name_fold", f.Query)
	if f.Level != "" {
		q = q.Where("ad.level = ?", f.Level)
	}
	if f.Kind != "" {
		q = q.Where("ad.kind = ?", f.Kind)
	}
	if f.ParentID != "" {
		q = q.Where("ad.parent_id = ?", f.ParentID)
	}
	if f.OrgUnitID != "" {
		q = q.Where("ad.org_unit_id = ?", f.OrgUnitID)
	}
	if !f.ActiveOn.IsZero() {
		q = q.Where("(ad.active_from IS NULL OR ad.active_from <= ?) AND (ad.active_to IS NULL OR ad.active_to >= ?)",
			f.ActiveOn, f.ActiveOn)
	}
	// The sort key: level rank, sort order and folded name in one comparable text.
	key := "(CASE ad.level WHEN 'central' THEN '0' WHEN 'province' THEN '1' WHEN 'district' THEN '2' ELSE '3' END" +
		" || CAST(ad.sort_order + 10000000 AS TEXT) || ad.name_fold)"
	return keysetPage(ctx, q, p, key, "ad.id", func(a Addressee) (string, string) { return addresseeKey(&a), a.ID })
}

func addresseeKey(a *Addressee) string {
	rank := map[domain.AddresseeLevel]string{domain.LevelCentral: "0", domain.LevelProvince: "1", domain.LevelDistrict: "2"}[a.Level]
	if rank == "" {
		rank = "3"
	}
	return rank + itoa(a.SortOrder+10000000) + a.NameFold
}

// AddresseeResponderUser is a responder of a body as the directory shows it.
type AddresseeResponderUser struct {
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Title       string `json:"title"`
}

// AddresseeDetail is one body with the chain of bodies above it (nearest first) and its responders.
type AddresseeDetail struct {
	Addressee
	Parents    []Addressee              `json:"parents"`
	Responders []AddresseeResponderUser `json:"responders"`
}

// GetAddressee returns one body of a directory; provinceID, when set, must be its province (else not found).
func GetAddressee(ctx context.Context, db bun.IDB, provinceID, id string) (*Addressee, error) {
	a := new(Addressee)
	q := db.NewSelect().Model(a).Where("ad.id = ?", id)
	if provinceID != "" {
		q = q.Where("ad.province_id = ?", provinceID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "@what.addressee")
	}
	return a, nil
}

// AddresseeDetailOf returns a body with its parents and responders.
func AddresseeDetailOf(ctx context.Context, db bun.IDB, provinceID, id string) (*AddresseeDetail, error) {
	a, err := GetAddressee(ctx, db, provinceID, id)
	if err != nil {
		return nil, err
	}
	d := &AddresseeDetail{Addressee: *a, Parents: []Addressee{}, Responders: []AddresseeResponderUser{}}
	seen := map[string]bool{a.ID: true}
	for p := a.ParentID; p != nil && !seen[*p] && len(d.Parents) < 20; {
		seen[*p] = true
		up, err := GetAddressee(ctx, db, "", *p)
		if err != nil {
			return nil, err
		}
		d.Parents = append(d.Parents, *up)
		p = up.ParentID
	}
	if err := db.NewSelect().TableExpr("addressee_responders AS adr").Join("JOIN users AS u ON u.id = adr.user_id").
		ColumnExpr("u.id AS user_id, u.username, u.display_name, u.title").
		Where("adr.addressee_id = ?", a.ID).OrderExpr("u.display_name, u.id").Scan(ctx, &d.Responders); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return d, nil
}

// AddresseeInput is what an admin writes of a body; nil fields keep their value on update.
type AddresseeInput struct {
	// ID is the new body's id, when the client (or an import) chose it; ignored on update.
	ID         string                 `json:"id"`
	Name       *string                `json:"name"`
	ShortName  *string                `json:"short_name"`
	Code       *string                `json:"code"`
	Aliases    *string                `json:"aliases"`
	Kind       *domain.AddresseeKind  `json:"kind"`
	Level      *domain.AddresseeLevel `json:"level"`
	ParentID   *string                `json:"parent_id"`
	OrgUnitID  *string                `json:"org_unit_id"`
	ActiveFrom *domain.Date           `json:"active_from"`
	ActiveTo   *domain.Date           `json:"active_to"`
	SortOrder  *int                   `json:"sort_order"`
}

func applyAddressee(ctx context.Context, db bun.IDB, province *OrgUnit, a *Addressee, in AddresseeInput) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Name, in.Name)
	set(&a.ShortName, in.ShortName)
	set(&a.Code, in.Code)
	set(&a.Aliases, in.Aliases)
	if in.Kind != nil {
		a.Kind = *in.Kind
	}
	if in.Level != nil {
		a.Level = *in.Level
	}
	if in.ActiveFrom != nil {
		a.ActiveFrom = *in.ActiveFrom
	}
	if in.ActiveTo != nil {
		a.ActiveTo = *in.ActiveTo
	}
	if in.SortOrder != nil {
		a.SortOrder = *in.SortOrder
	}
	if in.ParentID != nil {
		a.ParentID = nil
		if *in.ParentID != "" {
			p, err := GetAddressee(ctx, db, province.ID, *in.ParentID)
			if err != nil {
				return domain.Invalid("parent_id", "addr.bad_parent")
			}
			// No cycles: the new parent must not be the body or lie below it.
			for up, n := p, 0; up != nil && n < 50; n++ {
				if up.ID == a.ID {
					return domain.Invalid("parent_id", "addr.parent_cycle")
				}
				if up.ParentID == nil {
					break
				}
				if up, _ = GetAddressee(ctx, db, province.ID, *up.ParentID); up == nil {
					break
				}
			}
			a.ParentID = &p.ID
		}
	}
	if in.OrgUnitID != nil {
		a.OrgUnitID = nil
		if *in.OrgUnitID != "" {
			u, err := GetOrgUnit(ctx, db, *in.OrgUnitID)
			if err != nil || ProvinceOf(u) != province.ID {
				return domain.Invalid("org_unit_id", "addr.bad_unit")
			}
			a.OrgUnitID = &u.ID
		}
	}
	return a.Normalize()
}

// CreateAddressee adds a body to a province's directory.
func CreateAddressee(ctx context.Context, db bun.IDB, province *OrgUnit, in AddresseeInput) (*Addressee, error) {
	a := &Addressee{ProvinceID: &province.ID, Kind: domain.AddrOther, Level: domain.LevelCommune}
	a.ID = domain.NewID()
	if in.ID != "" {
		id, ok := domain.ParseID(in.ID)
		if !ok {
			return nil, domain.Invalid("id", "error.bad_id")
		}
		a.ID = id
	}
	if err := applyAddressee(ctx, db, province, a, in); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, a); err != nil {
		return nil, uniqueOr(err, "@what.addressee")
	}
	return a, Audit(ctx, db, "create", "addressee", a.ID, &province.ID, nil, a)
}

// UpdateAddressee changes a body of a province's directory.
func UpdateAddressee(ctx context.Context, db bun.IDB, province *OrgUnit, id string, in AddresseeInput) (*Addressee, error) {
	before, err := GetAddressee(ctx, db, province.ID, id)
	if err != nil {
		return nil, err
	}
	a := *before
	if err := applyAddressee(ctx, db, province, &a, in); err != nil {
		return nil, err
	}
	if err := Update(ctx, db, before, &a); err != nil {
		return nil, uniqueOr(err, "@what.addressee")
	}
	return &a, Audit(ctx, db, "update", "addressee", a.ID, &province.ID, before, &a)
}

// RetireAddressee ends a body's presence in the directory on day (its active_to): recommendations addressed to it
// keep it, new ones no longer find it.
func RetireAddressee(ctx context.Context, db bun.IDB, province *OrgUnit, id string, day domain.Date) (*Addressee, error) {
	if day.IsZero() {
		return nil, domain.Invalid("active_to", "error.required", "field", "active_to")
	}
	return UpdateAddressee(ctx, db, province, id, AddresseeInput{ActiveTo: &day})
}

// DeleteAddressee removes a body no recommendation, answer, step, responder or child body refers to; a body in
// use is retired instead (addr.in_use).
func DeleteAddressee(ctx context.Context, db bun.IDB, province *OrgUnit, id string) error {
	a, err := GetAddressee(ctx, db, province.ID, id)
	if err != nil {
		return err
	}
	for _, t := range []struct{ table, col string }{{"recommendations", "addressee_id"}, {"recommendation_answers", "addressee_id"},
		{"recommendation_events", "addressee_id"}, {"addressees", "parent_id"}} {
		n, err := db.NewSelect().TableExpr(t.table).Where("? = ?", bun.Ident(t.col), id).Count(ctx)
		if err != nil {
			return domain.Internal(err)
		}
		if n > 0 {
			return domain.E(domain.CodeConflict, "addr.in_use")
		}
	}
	if _, err := db.NewDelete().TableExpr("addressee_responders").Where("addressee_id = ?", id).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	if err := SoftDelete(ctx, db, a); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "delete", "addressee", a.ID, &province.ID, a, nil)
}

// AddAddresseeResponder makes a user a responder of a body. A user without the responder role gets a responder
// grant scoped to the body's party unit (the province when it has none), audited with it: an admin who names the
// person who answers for UBND xã expects that person to be able to answer, not an error to go and grant a role
// first. A user outside the province is refused (addr.responder_outside).
func AddAddresseeResponder(ctx context.Context, db bun.IDB, province *OrgUnit, id, userID string, today domain.Date) (*AddresseeResponder, error) {
	a, err := GetAddressee(ctx, db, province.ID, id)
	if err != nil {
		return nil, err
	}
	u := new(User)
	if err := db.NewSelect().Model(u).Where("u.id = ?", userID).Scan(ctx); err != nil {
		return nil, domain.Invalid("user_id", "addr.bad_user")
	}
	// The user belongs to the province: its home unit is there, or (no home unit) one of its grants is.
	inside := false
	if u.HomeOrgUnitID != nil {
		home, err := GetOrgUnit(ctx, db, *u.HomeOrgUnitID)
		inside = err == nil && ProvinceOf(home) == province.ID
	} else {
		n, err := db.NewSelect().TableExpr("role_grants AS rg").Join("JOIN org_units AS ou ON ou.id = rg.org_unit_id").
			Where("rg.user_id = ? AND rg.deleted_at IS NULL AND ou.path >= ? AND ou.path < ?", userID, province.Path,
				domain.PathUpper(province.Path)).Count(ctx)
		if err != nil {
			return nil, domain.Internal(err)
		}
		inside = n > 0
	}
	if !inside {
		return nil, domain.Invalid("user_id", "addr.responder_outside")
	}
	n, err := db.NewSelect().Model((*RoleGrant)(nil)).Where("rg.user_id = ? AND rg.role = ?", userID, domain.RoleResponder).
		Where("(rg.valid_to IS NULL OR rg.valid_to >= ?)", today).Count(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	if n == 0 {
		scope := province.ID
		if a.OrgUnitID != nil {
			scope = *a.OrgUnitID
		}
		if err := CreateGrant(ctx, db, &RoleGrant{UserID: userID, Role: domain.RoleResponder, OrgUnitID: &scope}); err != nil {
			return nil, err
		}
	}
	r := &AddresseeResponder{ID: domain.NewID(), AddresseeID: a.ID, UserID: userID, CreatedAt: Now()}
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		if isUnique(err) {
			return nil, domain.E(domain.CodeConflict, "addr.responder_taken")
		}
		return nil, domain.Internal(err)
	}
	return r, Audit(ctx, db, "add_responder", "addressee", a.ID, &province.ID, nil, r)
}

// RemoveAddresseeResponder takes a user off a body's responders (its role grant stays).
func RemoveAddresseeResponder(ctx context.Context, db bun.IDB, province *OrgUnit, id, userID string) error {
	a, err := GetAddressee(ctx, db, province.ID, id)
	if err != nil {
		return err
	}
	r := new(AddresseeResponder)
	if err := db.NewSelect().Model(r).Where("adr.addressee_id = ? AND adr.user_id = ?", a.ID, userID).Scan(ctx); err != nil {
		return notFound(err, "@what.responder")
	}
	if _, err := db.NewDelete().Model(r).WherePK().Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "remove_responder", "addressee", a.ID, &province.ID, r, nil)
}

// abbreviations are the short forms officials write, folded, and what they stand for.
var abbreviations = map[string]string{
	"ubnd": "uy ban nhan dan", "ub": "uy ban", "hdnd": "hoi dong nhan dan", "mttq": "mat tran to quoc",
	"ubmttq": "uy ban mat tran to quoc", "ubkt": "uy ban kiem tra", "btv": "ban thuong vu", "cty": "cong ty",
	"cp": "co phan", "bchqs": "ban chi huy quan su", "vp": "van phong", "hlhpn": "hoi lien hiep phu nu",
	"dtn": "doan thanh nien", "hccb": "hoi cuu chien binh", "hnd": "hoi nong dan", "nn": "nong nghiep",
	"mt": "moi truong", "ca": "cong an", "tu": "tinh uy", "du": "dang uy", "gd": "giao duc", "dt": "dao tao",
	"bhxh": "bao hiem xa hoi", "pnd": "phong nong nghiep", "so": "so", "ubndx": "uy ban nhan dan xa",
}

// matchTokens folds text, splits it into words and expands abbreviations.
func matchTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(domain.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if e, ok := abbreviations[w]; ok {
			out = append(out, strings.Fields(e)...)
		} else {
			out = append(out, w)
		}
	}
	return out
}

// MatchScore scores how well a typed addressee (its tokens, see matchTokens) names a body: the best over the
// body's name, short name and aliases of the share of typed words the name has, plus a little for how few other
// words the name has. 0 means no match.
func matchScore(query []string, a *Addressee) float64 {
	if len(query) == 0 {
		return 0
	}
	best := 0.0
	names := append([]string{a.Name, a.ShortName}, strings.Split(a.Aliases, "\n")...)
	for _, n := range names {
		toks := matchTokens(n)
		if len(toks) == 0 {
			continue
		}
		have := map[string]bool{}
		for _, t := range toks {
			have[t] = true
		}
		hit := 0
		for _, t := range query {
			if have[t] {
				hit++
			}
		}
		qset := map[string]bool{}
		for _, t := range query {
			qset[t] = true
		}
		used := 0
		for t := range have {
			if qset[t] {
				used++
			}
		}
		cover := float64(hit) / float64(len(query))
		if cover < 0.6 {
			continue
		}
		s := cover*10 + 3*float64(used)/float64(len(have))
		if cover == 1 && used == len(have) {
			s += 2 // the name itself
		}
		best = max(best, s)
	}
	return best
}

// MatchAddressee returns the body of a province's directory, active on day, that best matches a free-text
// addressee ("UBND xã", "Ủy ban nhân dân xã Triệu Phong", "Điện lực"), ignoring diacritics and case, with the
// usual abbreviations (UBND, HĐND, MTTQ, UB, CA …) and aliases. cellID, when set, is the cell the recommendation
// comes from: bodies of its commune come first and a generic "UBND xã" means that commune's. nil when nothing
// matches well enough.
func MatchAddressee(ctx context.Context, db bun.IDB, provinceID, text string, day domain.Date, cellID string) (*Addressee, error) {
	query := matchTokens(text)
	if len(query) == 0 {
		return nil, nil
	}
	var all []Addressee
	q := db.NewSelect().Model(&all).Where("ad.province_id = ?", provinceID)
	if !day.IsZero() {
		q = q.Where("(ad.active_from IS NULL OR ad.active_from <= ?) AND (ad.active_to IS NULL OR ad.active_to >= ?)", day, day)
	}
	commune := map[string]bool{}
	if cellID != "" {
		if c, err := GetOrgUnit(ctx, db, cellID); err == nil {
			path := splitPath(c.Path)
			for _, id := range path[1:] { // the province's own bodies are no nearer than others
				commune[id] = true
			}
			// From a cell, the bodies of other communes are not read: a province has thousands of them.
			q = q.Where("(ad.level <> ? OR ad.org_unit_id IS NULL OR ad.org_unit_id IN (?))", domain.LevelCommune, bun.List(path))
		}
	}
	if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return bestAddressee(query, all, commune), nil
}

// bestAddressee picks the best-scoring body; near the cell (its org unit on the cell's path) wins ties and small
// differences, bodies of other communes lose to those of the province.
func bestAddressee(query []string, all []Addressee, near map[string]bool) *Addressee {
	type cand struct {
		a *Addressee
		s float64
	}
	var cs []cand
	for i := range all {
		a := &all[i]
		s := matchScore(query, a)
		if s == 0 {
			continue
		}
		if len(near) > 0 && a.OrgUnitID != nil {
			if near[*a.OrgUnitID] {
				s += 2.5
			} else if a.Level == domain.LevelCommune {
				s -= 2.5
			}
		}
		cs = append(cs, cand{a, s})
	}
	if len(cs) == 0 {
		return nil
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].s != cs[j].s {
			return cs[i].s > cs[j].s
		}
		return addresseeKey(cs[i].a) < addresseeKey(cs[j].a)
	})
	return cs[0].a
}
