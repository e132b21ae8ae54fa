package domain

import (
	"context"
	"strings"
	"sync"
)

// Grant is one role a user holds over the subtree of an org unit. Path is that unit's stored path; a grant over
// the whole installation (admins only) has an empty OrgUnitID and the path "/".
type Grant struct {
	ID        string `json:"id"`
	Role      Role   `json:"role"`
	OrgUnitID string `json:"org_unit_id,omitempty"`
	Path      string `json:"-"`
}

// Principal is the authenticated caller and everything needed to decide what it may read and write. It is read
// from the database, and the API keeps it while nothing that makes it changes (server/api/cache.go), sharing it
// among the caller's requests: a principal is not changed once it is in use.
type Principal struct {
	UserID   string
	Username string
	Locale   string
	Grants   []Grant
	// Assigned are the cells the user is currently assigned to as an official.
	Assigned []UnitRef
	// Committees are the communes whose expanded party committee meetings the user is assigned to attend as an
	// official (assignments of form committee); they give no read scope of the commune's cells.
	Committees []UnitRef
	// MustChangePassword: an administrator requires a new password; until then the user may only read its own
	// account, change the password and log out.
	MustChangePassword bool
	// WorkCommunes are the communes the user works with (store.WorkCommunes), found when the API loads the
	// principal into its cache, so that a sync poll reads no org unit; nil otherwise, and then read when needed.
	WorkCommunes []UnitRef

	// derived holds what other packages compute from the principal alone, once (Derived).
	derived sync.Map
}

// Derived returns the value another package computes from p alone under key (a type of its own), calling compute
// the first time only: a caller's sync scopes, for instance, are the same on each of its polls while the API keeps
// its principal. The value is shared by every request of the caller and must not be changed.
func (p *Principal) Derived(key any, compute func() any) any {
	if v, ok := p.derived.Load(key); ok {
		return v
	}
	v, _ := p.derived.LoadOrStore(key, compute())
	return v
}

// UnitRef names an org unit and its path.
type UnitRef struct {
	ID   string `json:"id"`
	Path string `json:"path"`
}

// AssignedPaths returns the paths of the assigned cells.
func (p *Principal) AssignedPaths() []string {
	out := make([]string, len(p.Assigned))
	for i, u := range p.Assigned {
		out[i] = u.Path
	}
	return out
}

// ReadRoots returns the paths whose subtrees the principal may read: every grant but the official's (an official
// reads only the cells it is assigned to) and the responder's (a responder reads only the recommendations
// addressed to its subtree), and each assigned cell.
func (p *Principal) ReadRoots() []string {
	var roots []string
	for _, g := range p.Grants {
		if g.Role != RoleOfficial && g.Role != RoleResponder {
			roots = append(roots, g.Path)
		}
	}
	return append(roots, p.AssignedPaths()...)
}

// Roots returns the paths of the grants holding one of roles.
func (p *Principal) Roots(roles ...Role) []string {
	var roots []string
	for _, g := range p.Grants {
		if oneOf(g.Role, roles) {
			roots = append(roots, g.Path)
		}
	}
	return roots
}

// CanRead reports whether the org unit at path is in the principal's read scope.
func (p *Principal) CanRead(path string) bool { return underAny(path, p.ReadRoots()) }

// Can reports whether one of the principal's grants with one of roles covers path.
func (p *Principal) Can(path string, roles ...Role) bool { return underAny(path, p.Roots(roles...)) }

// HasRole reports whether the principal holds role anywhere.
func (p *Principal) HasRole(role Role) bool {
	for _, g := range p.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// Under reports whether path lies in the subtree rooted at root (a unit is under itself).
func Under(path, root string) bool { return root != "" && strings.HasPrefix(path, root) }

func underAny(path string, roots []string) bool {
	for _, r := range roots {
		if Under(path, r) {
			return true
		}
	}
	return false
}

// PathUpper is the smallest string greater than every path in the subtree rooted at root, so a subtree is the
// index range root <= path < PathUpper(root). Paths are "/" followed by "id/" per level; '0' sorts just after '/'.
func PathUpper(root string) string { return strings.TrimSuffix(root, "/") + "0" }

// PathIDs returns the unit ids on a stored path ("/a/b/c/"), root first; none for "/".
func PathIDs(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
)

// WithPrincipal returns ctx carrying p, so the audit log can name who made a change.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the caller carried by ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request id carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}
