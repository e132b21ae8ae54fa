package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"

	"github.com/chibo-vn/chibo/server/domain"
)

// touch sets the timestamps of a row being written: created_at once, updated_at every time.
func touch(b *Base, at time.Time) {
	if b.ID == "" {
		b.ID = domain.NewID()
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = at
	}
	b.UpdatedAt = at
}

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// PageRequest asks for one page of a list: at most Limit items after the opaque Cursor of the previous page.
type PageRequest struct {
	Limit  int
	Cursor string
}

// Page is one page of a list. NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (p PageRequest) limit() int {
	if p.Limit <= 0 {
		return DefaultLimit
	}
	return min(p.Limit, MaxLimit)
}

func encodeCursor(keys ...string) string {
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var keys []string
	if err == nil {
		err = json.Unmarshal(b, &keys)
	}
	if err != nil || len(keys) != n {
		return nil, domain.Invalid("cursor", "error.bad_cursor")
	}
	return keys, nil
}

// keysetPage orders q by (sortCol, idCol), starts it after the cursor and fetches one row more than the limit so
// the page knows whether another follows. key returns the (sort, id) values of an item.
func keysetPage[T any](ctx context.Context, q *bun.SelectQuery, p PageRequest, sortCol, idCol string,
	key func(T) (string, string)) (Page[T], error) {
	var page Page[T]
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, 2)
		if err != nil {
			return page, err
		}
		if _, ok := domain.ParseID(keys[1]); !ok {
			return page, domain.Invalid("cursor", "error.bad_cursor")
		}
		q = q.Where("(? > ? OR (? = ? AND ? > ?))", bun.Safe(sortCol), keys[0], bun.Safe(sortCol), keys[0],
			bun.Safe(idCol), keys[1])
	}
	limit := p.limit()
	var items []T
	if err := q.OrderExpr("? ASC, ? ASC", bun.Safe(sortCol), bun.Safe(idCol)).Limit(int64(limit+1)).Scan(ctx, &items); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return page, domain.Internal(err)
	}
	if len(items) > limit {
		items = items[:limit]
		s, id := key(items[limit-1])
		page.NextCursor = encodeCursor(s, id)
	}
	if items == nil {
		items = []T{}
	}
	page.Items = items
	return page, nil
}

// inSubtrees limits q to rows whose pathCol lies under one of roots; no roots means no rows.
func inSubtrees(q *bun.SelectQuery, pathCol string, roots []string) *bun.SelectQuery {
	if len(roots) == 0 {
		return q.Where("1 = 0")
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, r := range roots {
			q = q.WhereOr("(? >= ? AND ? < ?)", bun.Safe(pathCol), r, bun.Safe(pathCol), domain.PathUpper(r))
		}
		return q
	})
}

// likeFold returns a LIKE pattern matching folded text that contains the folded query, with LIKE's wildcards
// escaped (use with ESCAPE '\').
func likeFold(q string) string {
	f := domain.Fold(q)
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(f) + "%"
}

// whereFold adds a diacritic- and case-insensitive "contains" filter on a folded column.
func whereFold(q *bun.SelectQuery, col, text string) *bun.SelectQuery {
	if strings.TrimSpace(text) == "" {
		return q
	}
	return q.Where(`? LIKE ? ESCAPE '\'`, bun.Safe(col), likeFold(text))
}

// isUnique reports whether err is a unique-constraint violation on either database.
func isUnique(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKey reports whether err is a foreign-key violation on either database.
func isForeignKey(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 787 // SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// notFound turns sql.ErrNoRows into a domain not-found error naming what, and anything else into internal.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(what)
	}
	return domain.Internal(err)
}

// checkLen refuses text longer than max runes.
func checkLen(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return domain.Invalid(field, "error.too_long", "field", field, "max", itoa(max))
	}
	return nil
}

// lenRule is one text field and the most runes it may hold.
type lenRule struct {
	field, v string
	max      int
}

// checkLens checks each field's length in turn, returning the first that is too long.
func checkLens(rules ...lenRule) error {
	for _, r := range rules {
		if err := checkLen(r.field, r.v, r.max); err != nil {
			return err
		}
	}
	return nil
}

// badValue refuses a field whose value is not one the field takes.
func badValue(field string) error { return domain.Invalid(field, "error.bad_value", "field", field) }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ConstraintError turns a unique or foreign-key violation into the error a user can act on, or returns nil for any
// other error.
func ConstraintError(err error) *domain.Error {
	switch {
	case isUnique(err):
		return domain.E(domain.CodeConflict, "error.duplicate", "what", "@what.record")
	case isForeignKey(err):
		return domain.E(domain.CodeInvalid, "error.bad_value", "field", "id")
	}
	return nil
}

// SlicePage returns one page of a list computed in full (a report over a bounded set): the cursor is the offset.
func SlicePage[T any](items []T, p PageRequest) (Page[T], error) {
	off := 0
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, 1)
		if err != nil {
			return Page[T]{}, err
		}
		if off, err = strconv.Atoi(keys[0]); err != nil || off < 0 || off > len(items) {
			return Page[T]{}, domain.Invalid("cursor", "error.bad_cursor")
		}
	}
	page := Page[T]{Items: items[off:min(len(items), off+p.limit())]}
	if end := off + len(page.Items); end < len(items) {
		page.NextCursor = encodeCursor(strconv.Itoa(end))
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page, nil
}
