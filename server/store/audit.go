package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// Audit appends one entry to the audit log in db, which should be the transaction that made the change, so the
// entry and the change commit or roll back together. The actor and request id come from ctx. before and after
// are the record as JSON (nil for a create's before and a delete's after); fields tagged json:"-", such as
// password hashes, never reach the log.
func Audit(ctx context.Context, db bun.IDB, action, entity, entityID string, orgUnitID *string, before, after any) error {
	e := &AuditEntry{
		At:        Now(),
		Action:    action,
		Entity:    entity,
		EntityID:  entityID,
		OrgUnitID: orgUnitID,
		RequestID: domain.RequestIDFrom(ctx),
	}
	if p := domain.PrincipalFrom(ctx); p != nil {
		e.ActorUserID = &p.UserID
	}
	var err error
	if e.Before, err = jsonOrNil(before); err != nil {
		return domain.Internal(err)
	}
	if row, ok := after.(SyncRow); ok {
		e.After = changelog.LastJSON(ctx, row) // the JSON the change log just recorded for it, if it did
	}
	if e.After == nil {
		if e.After, err = jsonOrNil(after); err != nil {
			return domain.Internal(err)
		}
	}
	if changelog.Queue(ctx, *e) {
		return nil // written with the transaction's other queued rows
	}
	if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
		return domain.Internalf("audit: %w", err)
	}
	return nil
}

// auditKey is what the entries an AuditEntry.Group makes one have in common.
type auditKey struct{ action, entity, unit, actor, request string }

// Group implements changelog.Grouper: of the entries one transaction queued, those the sync engine wrote for
// several records of one kind, changed the same way in the same unit by the same person in the same request (a
// phone's report: its thirty attendance marks), become one entry standing for all of them. EntityIDs lists the
// records, EntityID is the first, and Before and After are JSON arrays of the records' JSON in the same order (null
// for a record that has none; the column null when none has). Other entries, and a record alone of its kind, stay
// as they are. A push of 500 marks so costs the audit log one row instead of 500 (issue #15); nothing of what the
// entries held is lost.
func (AuditEntry) Group(es []AuditEntry) []AuditEntry {
	// The entries of each key, in order; an entry of another action has none.
	keys := make([]*auditKey, len(es))
	members := map[auditKey][]int{}
	several := false
	for i, e := range es {
		if !strings.HasPrefix(e.Action, "sync.") {
			continue
		}
		k := auditKey{e.Action, e.Entity, deref(e.OrgUnitID), deref(e.ActorUserID), e.RequestID}
		keys[i] = &k
		members[k] = append(members[k], i)
		several = several || len(members[k]) > 1
	}
	if !several {
		return es
	}
	out := make([]AuditEntry, 0, len(es))
	for i, e := range es {
		idx := []int{i}
		if keys[i] != nil {
			idx = members[*keys[i]]
		}
		switch {
		case len(idx) == 0:
			continue // already written as part of its group
		case len(idx) > 1:
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j] = es[i].EntityID
			}
			b, _ := json.Marshal(ids) // strings always encode
			list := string(b)
			e.EntityIDs = &list
			e.Before = jsonArray(es, idx, func(e *AuditEntry) *string { return e.Before })
			e.After = jsonArray(es, idx, func(e *AuditEntry) *string { return e.After })
			delete(members, *keys[i])
		}
		out = append(out, e)
	}
	return out
}

// jsonArray joins the JSON of field of the entries idx of es into one array (null for an entry without it), or
// returns nil when none has it.
func jsonArray(es []AuditEntry, idx []int, field func(*AuditEntry) *string) *string {
	size, some := 2, false
	for _, i := range idx {
		if v := field(&es[i]); v != nil {
			size, some = size+len(*v)+1, true
		} else {
			size += 5
		}
	}
	if !some {
		return nil
	}
	var sb strings.Builder
	sb.Grow(size)
	sb.WriteByte('[')
	for j, i := range idx {
		if j > 0 {
			sb.WriteByte(',')
		}
		if v := field(&es[i]); v != nil {
			sb.WriteString(*v)
		} else {
			sb.WriteString("null")
		}
	}
	sb.WriteByte(']')
	s := sb.String()
	return &s
}

// strpos is the SQL of the position of needle in s (0 when absent) in db's dialect.
func strpos(db bun.IDB, s, needle string) string {
	if changelog.IsPG(db) {
		return "strpos(" + s + ", " + needle + ")"
	}
	return "instr(" + s + ", " + needle + ")"
}

func jsonOrNil(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Entity   string // the kind of record (member, org_unit, user, role_grant, assignment…; meeting and meetings alike)
	EntityID string
	ActorID  string // who made the change
	// Unit limits the entries to those about units in this subtree (its path; "" for no limit).
	Unit string
	// From and To bound the day of the change (both included; zero for no bound), days in Vietnam's time zone.
	From, To domain.Date
}

// AuditView is an audit entry with the names of its actor and unit, for reading.
type AuditView struct {
	AuditEntry  `bun:",extend"`
	ActorName   string `bun:"actor_name" json:"actor_name"`
	ActorLogin  string `bun:"actor_login" json:"actor_login"`
	OrgUnitName string `bun:"org_unit_name" json:"org_unit_name"`
}

// ListAudit returns audit entries, newest first, limited to entries about org units under roots (and entries
// with no org unit only for callers whose roots include the whole installation, "/").
func ListAudit(ctx context.Context, db bun.IDB, f AuditFilter, roots []string, p PageRequest) (Page[AuditView], error) {
	var page Page[AuditView]
	q := db.NewSelect().Model((*AuditEntry)(nil)).
		Join("LEFT JOIN org_units AS ou ON ou.id = al.org_unit_id").
		Join("LEFT JOIN users AS au ON au.id = al.actor_user_id")
	global := false
	for _, r := range roots {
		global = global || r == "/"
	}
	if !global {
		q = inSubtrees(q, "ou.path", roots)
	}
	if f.Unit != "" {
		q = q.Where("ou.path >= ? AND ou.path < ?", f.Unit, domain.PathUpper(f.Unit))
	}
	if f.Entity != "" {
		// A kind of record is named in the singular by the server's writes (meeting) and by its table by the
		// devices' (meetings): the filter takes either name and finds both.
		kinds := []string{f.Entity}
		if s := strings.TrimSuffix(f.Entity, "s"); s != f.Entity && NewRow(f.Entity) != nil {
			kinds = append(kinds, s)
		} else if NewRow(f.Entity+"s") != nil {
			kinds = append(kinds, f.Entity+"s")
		}
		q = q.Where("al.entity IN (?)", bun.List(kinds))
	}
	if f.EntityID != "" {
		// An entry standing for several records lists them all in entity_ids (see AuditEntry.Group).
		needle, _ := json.Marshal(f.EntityID) // the id as the list writes it
		q = q.Where("(al.entity_id = ? OR "+strpos(db, "al.entity_ids", "?")+" > 0)", f.EntityID, string(needle))
	}
	if f.ActorID != "" {
		q = q.Where("al.actor_user_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("al.at >= ?", f.From.Time().UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("al.at < ?", f.To.AddDays(1).Time().UTC())
	}
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, 1)
		if err != nil {
			return page, err
		}
		var id int64
		if err := json.Unmarshal([]byte(keys[0]), &id); err != nil {
			return page, domain.Invalid("cursor", "error.bad_cursor")
		}
		q = q.Where("al.id < ?", id)
	}
	limit := p.limit()
	var items []AuditView
	err := q.Column("al.*").ColumnExpr("COALESCE(au.display_name, '') AS actor_name, COALESCE(au.username, '') AS actor_login").
		ColumnExpr("COALESCE(ou.name, '') AS org_unit_name").
		OrderExpr("al.id DESC").Limit(int64(limit+1)).Scan(ctx, &items)
	if err != nil {
		return page, domain.Internal(err)
	}
	if len(items) > limit {
		items = items[:limit]
		page.NextCursor = encodeCursor(itoa(int(items[limit-1].ID)))
	}
	if items == nil {
		items = []AuditView{}
	}
	page.Items = items
	return page, nil
}
