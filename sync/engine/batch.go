package engine

import (
	"context"
	"slices"
	"sort"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// The applier's view of a batch: rows and the records they refer to, loaded in a few queries before the mutations
// are checked, and kept up to date as they apply (a meeting created by one mutation is there for the next). A
// lookup the preload missed falls back to the database.

// rowRef names a row: its table and id (a map key made without joining strings).
type rowRef struct{ table, id string }

func rowKey(table, id string) rowRef { return rowRef{table, id} }

// preload loads, with one query per table, the rows the mutations change and the meetings, members, units and
// assignments their checks read. On PostgreSQL the changed rows are locked, so concurrent pushes to one row wait
// for each other instead of overwriting blindly.
func (a *applier) preload(ctx context.Context, ms []wire.Mutation) error {
	ids := map[string][]string{}
	meetingOf := map[rowRef]string{} // the meeting_id a mutation of a byMeeting table gives its row
	var meetingIDs, memberIDs, unitIDs []string
	str := func(m wire.Mutation, f string) string { return wire.JSONString(m.Fields[f]) }
	for _, m := range ms {
		if _, ok := specs[m.Table]; !ok {
			continue
		}
		if id, ok := domain.ParseID(m.RowID); ok {
			ids[m.Table] = append(ids[m.Table], id)
			if mt, ok := domain.ParseID(str(m, "meeting_id")); ok && byMeeting[m.Table] {
				meetingOf[rowKey(m.Table, id)] = mt
			}
		}
		meetingIDs = append(meetingIDs, str(m, "meeting_id"))
		memberIDs = append(memberIDs, str(m, "member_id"))
		unitIDs = append(unitIDs, str(m, "cell_id"))
		if m.Table == "meetings" {
			meetingIDs = append(meetingIDs, m.RowID)
		}
	}
	// Meetings first: the rows of a meeting that does not exist yet (the batch creates it) cannot exist either,
	// since their meeting_id references it, and are known absent without a read. A phone's report comes as a new
	// meeting with its 30 (or 500) attendance marks.
	tables := make([]string, 0, len(ids))
	for table := range ids {
		tables = append(tables, table)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i] == "meetings" && tables[j] != "meetings" })
	newMeetings := map[string]bool{}
	for _, table := range tables {
		list := ids[table]
		if byMeeting[table] && len(newMeetings) > 0 {
			list = slices.DeleteFunc(list, func(id string) bool {
				if mt := meetingOf[rowKey(table, id)]; newMeetings[mt] {
					a.rows[rowKey(table, id)] = nil
					return true
				}
				return false
			})
			if len(list) == 0 {
				continue
			}
		}
		rows, err := a.load(ctx, table, list, true)
		if err != nil {
			return err
		}
		for _, id := range list {
			a.rows[rowKey(table, id)] = nil // known absent unless loaded below
		}
		if table == "meetings" {
			for _, id := range list {
				newMeetings[id] = true
			}
			for _, r := range rows {
				delete(newMeetings, r.SyncBase().ID)
			}
		}
		for _, r := range rows {
			a.rows[rowKey(table, r.SyncBase().ID)] = r
			switch x := r.(type) {
			case *store.Attendance:
				meetingIDs, memberIDs = append(meetingIDs, x.MeetingID), append(memberIDs, x.MemberID)
			case *store.VisitReport:
				meetingIDs = append(meetingIDs, x.MeetingID)
			case *store.Recommendation:
				unitIDs = append(unitIDs, x.CellID)
			case *store.Member:
				unitIDs = append(unitIDs, x.CellID)
			}
		}
	}
	if list := valid(meetingIDs); len(list) > 0 {
		// The meetings the batch's rows name, as they are before it: those the batch itself changes or creates
		// were read above (a copy of a live one, none for one known absent); the others are read here.
		list = slices.DeleteFunc(list, func(id string) bool {
			r, read := a.rows[rowKey("meetings", id)]
			if m, ok := r.(*store.Meeting); ok && m.DeletedAt == nil {
				cp := *m
				a.meetings[id] = &cp
				unitIDs = append(unitIDs, m.CellID)
			}
			return read
		})
		var ms []*store.Meeting
		if len(list) > 0 {
			if err := a.e.selectByID(ctx, a.tx, stmtMeetings, list, &ms); err != nil {
				return domain.Internal(err)
			}
		}
		for _, m := range ms {
			a.meetings[m.ID] = m
			unitIDs = append(unitIDs, m.CellID)
		}
	}
	if list := valid(memberIDs); len(list) > 0 {
		var ms []*store.Member
		if err := a.e.selectByID(ctx, a.tx, stmtMembers, list, &ms); err != nil {
			return domain.Internal(err)
		}
		for _, m := range ms {
			a.members[m.ID] = m
		}
	}
	if list := valid(unitIDs); len(list) > 0 {
		var us []*store.OrgUnit
		if err := a.e.selectByID(ctx, a.tx, stmtUnits, list, &us); err != nil {
			return domain.Internal(err)
		}
		for _, u := range us {
			a.units[u.ID] = u
			changelog.KnownPath(ctx, u.ID, u.Path)
		}
	}
	return nil
}

// byMeeting are the tables whose rows belong to a meeting: meeting_id NOT NULL REFERENCES meetings (id), in both
// dialects' migrations.
var byMeeting = map[string]bool{"attendance": true, "visit_reports": true}

// load reads rows of table by id (deleted ones too), locking them on PostgreSQL when lock is set.
func (a *applier) load(ctx context.Context, table string, ids []string, lock bool) ([]changelog.Row, error) {
	slice := newRows(table)
	name := rowsName + table
	if lock && !a.noLock {
		name = lockName + table
	}
	if err := a.e.selectByID(ctx, a.tx, name, ids, slice.Interface()); err != nil {
		return nil, domain.Internal(err)
	}
	out := make([]changelog.Row, slice.Elem().Len())
	for i := range out {
		out[i] = slice.Elem().Index(i).Interface().(changelog.Row)
	}
	return out, nil
}

func valid(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if v, ok := domain.ParseID(id); ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// current returns the row table/id as the batch knows it (nil if it does not exist).
func (a *applier) current(ctx context.Context, table, id string) (changelog.Row, error) {
	if r, ok := a.rows[rowKey(table, id)]; ok {
		return r, nil
	}
	rows, err := a.load(ctx, table, []string{id}, true)
	if err != nil {
		return nil, err
	}
	var r changelog.Row
	if len(rows) == 1 {
		r = rows[0]
	}
	a.rows[rowKey(table, id)] = r
	return r, nil
}

// remember records the new state of a row the batch wrote and, the first time, the version it had before (when
// the batch had read it).
func (a *applier) remember(table string, row changelog.Row) {
	k := rowKey(table, row.SyncBase().ID)
	if prev, known := a.rows[k]; known && !a.written[k] { // the row before the batch wrote it (nil: none)
		var v int64
		if prev != nil {
			v = prev.SyncBase().Version
		}
		a.firstOf[k] = v
	}
	a.rows[k] = row
	a.written[k] = true
	live := row.SyncBase().DeletedAt == nil
	switch x := row.(type) {
	case *store.Meeting:
		if live {
			a.meetings[x.ID] = x
		} else {
			delete(a.meetings, x.ID)
		}
	case *store.Member:
		if live {
			a.members[x.ID] = x
		} else {
			delete(a.members, x.ID)
		}
	}
}

// unit returns the live org unit id.
func (a *applier) unit(ctx context.Context, id string) (*store.OrgUnit, error) {
	if u, ok := a.units[id]; ok {
		return u, nil
	}
	u, err := store.GetOrgUnit(ctx, a.tx, id)
	if err != nil {
		return nil, err
	}
	a.units[id] = u
	return u, nil
}

// meeting returns the live meeting id.
func (a *applier) meeting(ctx context.Context, id string) (*store.Meeting, error) {
	if m, ok := a.meetings[id]; ok {
		return m, nil
	}
	v, err := store.GetMeeting(ctx, a.tx, id)
	if err != nil {
		return nil, err
	}
	a.meetings[id] = &v.Meeting
	return &v.Meeting, nil
}

// member returns the live member id.
func (a *applier) member(ctx context.Context, id string) (*store.Member, error) {
	if m, ok := a.members[id]; ok {
		return m, nil
	}
	v, err := store.GetMember(ctx, a.tx, id)
	if err != nil {
		return nil, err
	}
	a.members[id] = &v.Member
	return &v.Member, nil
}

// assignedOn reports whether the caller had an assignment (not cancelled) to cell covering day. The caller's
// assignments are read once per batch.
func (a *applier) assignedOn(ctx context.Context, cellID string, day domain.Date) (bool, error) {
	if a.assigns == nil {
		a.assigns = []store.Assignment{}
		if err := a.tx.NewSelect().Model(&a.assigns).Where("a.official_id = ? AND a.status <> ?", a.p.UserID, domain.AssignmentCancelled).
			Scan(ctx); err != nil {
			return false, domain.Internal(err)
		}
	}
	for _, as := range a.assigns {
		if as.CellID == cellID && !as.StartsOn.After(day) && (as.EndsOn.IsZero() || !as.EndsOn.Before(day)) {
			return true, nil
		}
	}
	return false, nil
}

// reference returns a province's reference data, read once per batch.
func (a *applier) reference(ctx context.Context, province string) (*store.ReferenceData, error) {
	if r, ok := a.refs[province]; ok {
		return r, nil
	}
	r, err := store.Reference(ctx, a.tx, province)
	if err != nil {
		return nil, err
	}
	a.refs[province] = r
	return r, nil
}

// rubricOn returns the rubric in force in a province on a day, read once per push (a phone's score taps come as
// many mutations of one report).
func (a *applier) rubricOn(ctx context.Context, province string, day domain.Date) (*store.Rubric, error) {
	key := province + "|" + day.String()
	if r, ok := a.rubrics[key]; ok {
		return r, nil
	}
	r, err := store.RubricOn(ctx, a.tx, province, day)
	if err != nil {
		return nil, err
	}
	a.rubrics[key] = r
	return r, nil
}
