package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// The cross-checks of attendance (issue #13). A visit (an official's visit report of a meeting) is checked against
// the official's other visits of the same day, the cell secretary's word and the cell's position:
//
//   - Interval: the meeting's starts_at..ends_at from the minutes; without them the planned time, meeting_date at
//     the rule's meets_at for meeting_minutes (an end before the start, or none, is start + meeting_minutes). A
//     check-in time, when recorded, is a moment the official was at that meeting: the interval takes it in.
//   - Clash: two visits of the same official on the same day whose intervals overlap ("overlap"), or whose places
//     (the check-in position, else the cell's position) are farther apart than TravelKmh allows in the time between
//     the first's end and the second's start ("travel"). Cancelled meetings are not visits.
//   - Distance: from the check-in position to the cell's position, when both are known; within the radius when
//     at most the rule's location_radius_m.
//   - Verified: not disputed by the secretary, in no clash, and (confirmed by the secretary or checked in within
//     the radius); with the rule's location_required: not disputed, in no clash, and checked in within the radius.
//
// The outcome of every live visit is kept in visit_checks (derived data, never synced), one row a visit. The rows
// of an official's day are recomputed together, in the transaction of any write they depend on: the synced writes
// (visit reports, meetings, confirmations, cells' positions, a cell's place in the tree) through the change log's
// flush hook (checksAfterWrite, registered on the registry), a schedule rule's through PutScheduleRule and
// DeleteScheduleRule (the rule's subtree), and the demo's bulk load through RebuildChecks. Only rows whose outcome
// changed are written, and each such write bumps its cell's coverage stamp (triggers of migration 0024), so the
// coverage summary, which reads visit_checks like the direct computation does, stays equal to a recomputation.
// CheckVisitChecks compares the table with a fresh computation.

// TravelKmh is the speed at which an official is assumed to travel between two meetings of a day.
const TravelKmh = 60.0

// The kinds of clash.
const (
	ClashOverlap = "overlap"
	ClashTravel  = "travel"
)

// Clash is another visit of the same official that a visit clashes with.
type Clash struct {
	Kind        string      `json:"kind"`
	MeetingID   string      `json:"meeting_id"`
	CellID      string      `json:"cell_id"`
	CellName    string      `json:"cell_name"`
	MeetingDate domain.Date `json:"meeting_date"`
	StartsAt    time.Time   `json:"starts_at"`
	// DistanceM is how far apart the two places are (metres), when both are known.
	DistanceM *int `json:"distance_m"`
}

// VisitCheck is a row of visit_checks: the cross-checks' outcome for one visit.
type VisitCheck struct {
	bun.BaseModel `bun:"table:visit_checks,alias:vk"`
	MeetingID     string      `bun:"meeting_id,pk"`
	OfficialID    string      `bun:"official_id,pk"`
	CellID        string      `bun:"cell_id,notnull"`
	MeetingDate   domain.Date `bun:"meeting_date,notnull"`
	// Confirmation is the secretary's word: "confirmed", "disputed" or "" (none).
	Confirmation string `bun:"confirmation,notnull"`
	DistanceM    *int   `bun:"distance_m"`
	Clash        bool   `bun:"clash,notnull"`
	Verified     bool   `bun:"verified,notnull"`
}

func (c *VisitCheck) same(o *VisitCheck) bool {
	return c.CellID == o.CellID && c.MeetingDate == o.MeetingDate && c.Confirmation == o.Confirmation &&
		c.Clash == o.Clash && c.Verified == o.Verified &&
		(c.DistanceM == nil) == (o.DistanceM == nil) && (c.DistanceM == nil || *c.DistanceM == *o.DistanceM)
}

// CheckKey names an official's day, the unit the checks are recomputed by.
type CheckKey struct {
	OfficialID string
	Date       domain.Date
}

// checkedVisit is a visit as the checks read it, and their outcome.
type checkedVisit struct {
	MeetingID   string      `bun:"meeting_id"`
	OfficialID  string      `bun:"official_id"`
	CheckedInAt *time.Time  `bun:"checked_in_at"`
	Latitude    *float64    `bun:"latitude"`
	Longitude   *float64    `bun:"longitude"`
	CellID      string      `bun:"cell_id"`
	CellName    string      `bun:"cell_name"`
	CellPath    string      `bun:"cell_path"`
	MeetingDate domain.Date `bun:"meeting_date"`
	StartsAt    *time.Time  `bun:"starts_at"`
	EndsAt      *time.Time  `bun:"ends_at"`

	start, end time.Time
	rule       domain.ScheduleRule
	conf       *VisitConfirmation
	pos        *CellPosition
	distance   *int
	within     *bool
	clashes    []Clash
	verified   bool
}

// place is where the official was at the visit: the check-in position, else the cell's.
func (v *checkedVisit) place() (lat, lon float64, ok bool) {
	if v.Latitude != nil && v.Longitude != nil {
		return *v.Latitude, *v.Longitude, true
	}
	if v.pos != nil {
		return v.pos.Latitude, v.pos.Longitude, true
	}
	return 0, 0, false
}

func (v *checkedVisit) row() VisitCheck {
	r := VisitCheck{MeetingID: v.MeetingID, OfficialID: v.OfficialID, CellID: v.CellID, MeetingDate: v.MeetingDate,
		DistanceM: v.distance, Clash: len(v.clashes) > 0, Verified: v.verified}
	if v.conf != nil {
		r.Confirmation = string(v.conf.Status)
	}
	return r
}

// DistanceM is the great-circle distance between two points in metres (haversine, mean Earth radius).
func DistanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// visitsQuery reads the live visits of live meetings that are not cancelled.
func visitsQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().TableExpr("visit_reports AS vr").
		ColumnExpr("vr.meeting_id, vr.official_id, vr.checked_in_at, vr.latitude, vr.longitude").
		ColumnExpr("m.cell_id, ou.name AS cell_name, ou.path AS cell_path, m.meeting_date, m.starts_at, m.ends_at").
		Join("JOIN meetings AS m ON m.id = vr.meeting_id").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id").
		Where("vr.deleted_at IS NULL AND m.deleted_at IS NULL AND m.status <> ?", domain.MeetingCancelled)
}

// loadVisits reads the visits of the officials' days in keys (every visit when keys is nil), with what the checks
// compare them with, and computes the checks. Queries: one for the visits per 200 officials, then one each for the
// confirmations, positions and rules of them all (by 500 ids).
func loadVisits(ctx context.Context, db bun.IDB, keys []CheckKey) ([]*checkedVisit, error) {
	var vs []*checkedVisit
	if keys == nil {
		if err := visitsQuery(db).OrderExpr("vr.official_id, m.meeting_date, vr.meeting_id").Scan(ctx, &vs); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
	} else {
		want := map[CheckKey]bool{}
		byOfficial := map[string][2]domain.Date{}
		var officials []string
		for _, k := range keys {
			if want[k] {
				continue
			}
			want[k] = true
			r, ok := byOfficial[k.OfficialID]
			if !ok {
				officials = append(officials, k.OfficialID)
				r = [2]domain.Date{k.Date, k.Date}
			}
			if k.Date.Before(r[0]) {
				r[0] = k.Date
			}
			if k.Date.After(r[1]) {
				r[1] = k.Date
			}
			byOfficial[k.OfficialID] = r
		}
		sort.Strings(officials)
		for _, chunk := range chunks(officials, 200) {
			from, to := byOfficial[chunk[0]][0], byOfficial[chunk[0]][1]
			for _, o := range chunk {
				from, to = minDate(from, byOfficial[o][0]), maxDate(to, byOfficial[o][1])
			}
			var got []*checkedVisit
			if err := visitsQuery(db).Where("vr.official_id IN (?)", bun.List(chunk)).
				Where("m.meeting_date >= ? AND m.meeting_date <= ?", from, to).
				OrderExpr("vr.official_id, m.meeting_date, vr.meeting_id").Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, domain.Internal(err)
			}
			for _, v := range got {
				if want[CheckKey{v.OfficialID, v.MeetingDate}] {
					vs = append(vs, v)
				}
			}
		}
	}
	if err := annotateVisits(ctx, db, vs, keys == nil); err != nil {
		return nil, err
	}
	computeChecks(vs)
	return vs, nil
}

func minDate(a, b domain.Date) domain.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b domain.Date) domain.Date {
	if b.After(a) {
		return b
	}
	return a
}

// annotateVisits reads the confirmations, the cells' positions and the rules of the visits (all of them when all).
func annotateVisits(ctx context.Context, db bun.IDB, vs []*checkedVisit, all bool) error {
	if len(vs) == 0 {
		return nil
	}
	meetings, cells, paths := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var mids, cids, ps []string
	for _, v := range vs {
		if !meetings[v.MeetingID] {
			meetings[v.MeetingID] = true
			mids = append(mids, v.MeetingID)
		}
		if !cells[v.CellID] {
			cells[v.CellID] = true
			cids = append(cids, v.CellID)
		}
		if !paths[v.CellPath] {
			paths[v.CellPath] = true
			ps = append(ps, v.CellPath)
		}
	}
	var confs []VisitConfirmation
	var pos []CellPosition
	if all {
		if err := db.NewSelect().Model(&confs).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		if err := db.NewSelect().Model(&pos).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
	} else {
		for _, chunk := range chunks(mids, 500) {
			var got []VisitConfirmation
			if err := db.NewSelect().Model(&got).Where("meeting_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return domain.Internal(err)
			}
			confs = append(confs, got...)
		}
		for _, chunk := range chunks(cids, 500) {
			var got []CellPosition
			if err := db.NewSelect().Model(&got).Where("cell_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return domain.Internal(err)
			}
			pos = append(pos, got...)
		}
	}
	confOf := map[[2]string]*VisitConfirmation{}
	for i := range confs {
		confOf[[2]string{confs[i].MeetingID, confs[i].OfficialID}] = &confs[i]
	}
	posOf := map[string]*CellPosition{}
	for i := range pos {
		posOf[pos[i].CellID] = &pos[i]
	}
	rules, err := RulesFor(ctx, db, ps)
	if err != nil {
		return err
	}
	for _, v := range vs {
		v.conf = confOf[[2]string{v.MeetingID, v.OfficialID}]
		v.pos = posOf[v.CellID]
		v.rule = rules[v.CellPath].Rule.WithCheckDefaults()
	}
	return nil
}

// computeChecks computes the checks of visits given in official and date order (every visit of each official's
// day, as loadVisits reads them).
func computeChecks(vs []*checkedVisit) {
	for _, v := range vs {
		v.start, v.end = MeetingInterval(v.rule, v.MeetingDate, v.StartsAt, v.EndsAt)
		if t := v.CheckedInAt; t != nil {
			if t.Before(v.start) {
				v.start = *t
			}
			if t.After(v.end) {
				v.end = *t
			}
		}
		v.clashes = nil
		v.distance, v.within = distanceFrom(v.Latitude, v.Longitude, v.pos, v.rule.LocationRadiusM)
	}
	for i := 0; i < len(vs); {
		j := i + 1
		for j < len(vs) && vs[j].OfficialID == vs[i].OfficialID && vs[j].MeetingDate == vs[i].MeetingDate {
			j++
		}
		day := vs[i:j]
		for a := range day {
			for b := a + 1; b < len(day); b++ {
				clashPair(day[a], day[b])
			}
		}
		i = j
	}
	for _, v := range vs {
		within := v.within != nil && *v.within
		disputed := v.conf != nil && v.conf.Status == domain.ConfirmDisputed
		confirmed := v.conf != nil && v.conf.Status == domain.ConfirmConfirmed
		v.verified = !disputed && len(v.clashes) == 0 && (within || (confirmed && !v.rule.LocationRequired))
	}
}

// clashPair records the clash of two visits of an official's day, if they clash.
func clashPair(a, b *checkedVisit) {
	var dist *int
	la, oa, oka := a.place()
	lb, ob, okb := b.place()
	if oka && okb {
		d := int(math.Round(DistanceM(la, oa, lb, ob)))
		dist = &d
	}
	kind := ""
	if a.start.Before(b.end) && b.start.Before(a.end) {
		kind = ClashOverlap
	} else if dist != nil {
		first, second := a, b
		if b.end.Before(a.start) || b.end.Equal(a.start) {
			first, second = b, a
		}
		gap := second.start.Sub(first.end)
		need := time.Duration(float64(*dist) / (TravelKmh * 1000) * float64(time.Hour))
		if need > gap {
			kind = ClashTravel
		}
	}
	if kind == "" {
		return
	}
	a.clashes = append(a.clashes, Clash{Kind: kind, MeetingID: b.MeetingID, CellID: b.CellID, CellName: b.CellName,
		MeetingDate: b.MeetingDate, StartsAt: b.start, DistanceM: dist})
	b.clashes = append(b.clashes, Clash{Kind: kind, MeetingID: a.MeetingID, CellID: a.CellID, CellName: a.CellName,
		MeetingDate: a.MeetingDate, StartsAt: a.start, DistanceM: dist})
}

// RefreshChecks recomputes the visit_checks rows of the officials' days in keys, writing only those that changed
// (and deleting those of visits gone or moved away).
func RefreshChecks(ctx context.Context, db bun.IDB, keys []CheckKey) error {
	if len(keys) == 0 {
		return nil
	}
	vs, err := loadVisits(ctx, db, keys)
	if err != nil {
		return err
	}
	want := map[CheckKey]bool{}
	byOfficial := map[string]bool{}
	var officials []string
	from, to := keys[0].Date, keys[0].Date
	for _, k := range keys {
		want[k] = true
		if !byOfficial[k.OfficialID] {
			byOfficial[k.OfficialID] = true
			officials = append(officials, k.OfficialID)
		}
		from, to = minDate(from, k.Date), maxDate(to, k.Date)
	}
	have := map[[2]string]*VisitCheck{}
	for _, chunk := range chunks(officials, 500) {
		var rows []VisitCheck
		if err := db.NewSelect().Model(&rows).Where("official_id IN (?)", bun.List(chunk)).
			Where("meeting_date >= ? AND meeting_date <= ?", from, to).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		for i := range rows {
			if want[CheckKey{rows[i].OfficialID, rows[i].MeetingDate}] {
				have[[2]string{rows[i].MeetingID, rows[i].OfficialID}] = &rows[i]
			}
		}
	}
	return writeChecks(ctx, db, vs, have)
}

// writeChecks writes the rows of the visits computed that differ from those held, and deletes the held rows of
// visits not computed.
func writeChecks(ctx context.Context, db bun.IDB, vs []*checkedVisit, have map[[2]string]*VisitCheck) error {
	var put []VisitCheck
	seen := map[[2]string]bool{}
	for _, v := range vs {
		r := v.row()
		k := [2]string{r.MeetingID, r.OfficialID}
		seen[k] = true
		if h := have[k]; h == nil || !h.same(&r) {
			put = append(put, r)
		}
	}
	// Not by an upsert: on SQLite an upsert's conflict clause overrides the INSERT OR IGNORE of the coverage
	// triggers it fires.
	var fresh []VisitCheck
	var mids []string
	for _, r := range put {
		if have[[2]string{r.MeetingID, r.OfficialID}] == nil {
			mids = append(mids, r.MeetingID)
		}
	}
	held := map[[2]string]bool{} // rows of visits not among those read (a meeting moved to another day)
	for _, chunk := range chunks(mids, 500) {
		var got []VisitCheck
		if err := db.NewSelect().Model(&got).Column("meeting_id", "official_id").Where("meeting_id IN (?)", bun.List(chunk)).
			Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		for _, g := range got {
			held[[2]string{g.MeetingID, g.OfficialID}] = true
		}
	}
	// Rows held are replaced, and those of visits gone deleted: official by official (a rule changed for a province
	// changes many rows, of few officials each); then the new rows are inserted.
	replace := map[string][]string{} // official → meetings
	var officials []string
	for k := range have {
		if !seen[k] {
			if replace[k[1]] == nil {
				officials = append(officials, k[1])
			}
			replace[k[1]] = append(replace[k[1]], k[0])
		}
	}
	for i := range put {
		r := &put[i]
		k := [2]string{r.MeetingID, r.OfficialID}
		if have[k] != nil || held[k] {
			if replace[r.OfficialID] == nil {
				officials = append(officials, r.OfficialID)
			}
			replace[r.OfficialID] = append(replace[r.OfficialID], r.MeetingID)
		}
		fresh = append(fresh, *r)
	}
	sort.Strings(officials)
	for _, o := range officials {
		for _, chunk := range chunks(replace[o], 500) {
			if _, err := db.NewDelete().Model((*VisitCheck)(nil)).Where("official_id = ? AND meeting_id IN (?)", o, bun.List(chunk)).
				Exec(ctx); err != nil {
				return domain.Internal(err)
			}
		}
	}
	for len(fresh) > 0 {
		n := min(len(fresh), 500)
		batch := fresh[:n]
		if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
		fresh = fresh[n:]
	}
	return nil
}

// RebuildChecks recomputes every row of visit_checks (after a bulk load, such as the demo's, that bypassed the
// change log), writing only those that changed.
func RebuildChecks(ctx context.Context, db bun.IDB) error {
	vs, err := loadVisits(ctx, db, nil)
	if err != nil {
		return err
	}
	var rows []VisitCheck
	if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	have := make(map[[2]string]*VisitCheck, len(rows))
	for i := range rows {
		have[[2]string{rows[i].MeetingID, rows[i].OfficialID}] = &rows[i]
	}
	return writeChecks(ctx, db, vs, have)
}

// CheckVisitChecks recomputes every visit's checks and returns the visits (meeting:official) whose stored row
// differs from the recomputation, or is missing or extra; none when visit_checks is true.
func CheckVisitChecks(ctx context.Context, db bun.IDB) ([]string, error) {
	vs, err := loadVisits(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	var rows []VisitCheck
	if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	have := map[[2]string]*VisitCheck{}
	for i := range rows {
		have[[2]string{rows[i].MeetingID, rows[i].OfficialID}] = &rows[i]
	}
	var out []string
	for _, v := range vs {
		r := v.row()
		k := [2]string{r.MeetingID, r.OfficialID}
		if h := have[k]; h == nil || !h.same(&r) {
			out = append(out, k[0]+":"+k[1])
		}
		delete(have, k)
	}
	for k := range have {
		out = append(out, k[0]+":"+k[1]+" (extra)")
	}
	sort.Strings(out)
	return out, nil
}

// refreshChecksOfCells recomputes the checks of every visit to a meeting of the cells (a position set, a cell
// moved), and of the other visits of those officials' days.
func refreshChecksOfCells(ctx context.Context, db bun.IDB, cells []string) error {
	var keys []CheckKey
	for _, chunk := range chunks(cells, 500) {
		var got []struct {
			OfficialID  string      `bun:"official_id"`
			MeetingDate domain.Date `bun:"meeting_date"`
		}
		if err := db.NewSelect().TableExpr("visit_reports AS vr").ColumnExpr("DISTINCT vr.official_id, m.meeting_date").
			Join("JOIN meetings AS m ON m.id = vr.meeting_id").
			Where("m.cell_id IN (?) AND vr.deleted_at IS NULL", bun.List(chunk)).Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		for _, g := range got {
			keys = append(keys, CheckKey{g.OfficialID, g.MeetingDate})
		}
	}
	// Rows of visits that are gone (a deleted report) have no key here; their own change removed them.
	if err := RefreshChecks(ctx, db, keys); err != nil {
		return err
	}
	return nil
}

// RefreshChecksUnder recomputes the checks of every visit to a meeting of a cell under path (its schedule rule
// changed), and of the other visits of those officials' days.
func RefreshChecksUnder(ctx context.Context, db bun.IDB, path string) error {
	var cells []string
	if err := db.NewSelect().Model((*OrgUnit)(nil)).Column("id").Where("kind = ? AND path >= ? AND path < ?",
		domain.KindCell, path, domain.PathUpper(path)).Scan(ctx, &cells); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	return refreshChecksOfCells(ctx, db, cells)
}

// checkedTables are the synced tables whose writes the checks depend on.
var checkedTables = []string{"visit_reports", "meetings", "visit_confirmations", "cell_positions", UnitTable}

func init() { tables.OnFlush(checkedTables, checksAfterWrite) }

// checksAfterWrite recomputes, at the end of a write transaction, the checks of the officials' days its changes
// touch: a visit report's or a confirmation's official on its meeting's day; the officials of a meeting whose day,
// times, cell or status changed, on its old and new days; every visit to a cell whose position or place in the
// tree changed.
func checksAfterWrite(ctx context.Context, db bun.IDB, changes []changelog.Change) error {
	pairs := map[[2]string]bool{} // meeting, official
	var meetingDays []struct {
		id   string
		days []domain.Date
	}
	cells := map[string]bool{}
	var moved []string
	for _, c := range changes {
		for _, r := range []changelog.Row{c.Before, c.After} {
			switch x := r.(type) {
			case *VisitReport:
				pairs[[2]string{x.MeetingID, x.OfficialID}] = true
			case *VisitConfirmation:
				pairs[[2]string{x.MeetingID, x.OfficialID}] = true
			case *CellPosition:
				cells[x.CellID] = true
			}
		}
		switch c.Table {
		case "meetings":
			b, _ := c.Before.(*Meeting)
			a, _ := c.After.(*Meeting)
			if b == nil || a == nil || !meetingChecksChanged(b, a) {
				continue // a new meeting has no visits yet (those written with it are changes of their own)
			}
			meetingDays = append(meetingDays, struct {
				id   string
				days []domain.Date
			}{a.ID, []domain.Date{b.MeetingDate, a.MeetingDate}})
		case UnitTable:
			// A unit moved takes its subtree to another rule (its cells' paths follow it by one statement, which
			// the change log does not see); a cell deleted or changed to another kind leaves its visits.
			b, _ := c.Before.(*OrgUnit)
			a, _ := c.After.(*OrgUnit)
			switch {
			case b == nil || a == nil:
			case a.Path != b.Path:
				moved = append(moved, a.Path)
			case b.Kind == domain.KindCell && (a.DeletedAt != nil || a.Kind != b.Kind):
				cells[a.ID] = true
			}
		}
	}
	var keys []CheckKey
	if len(pairs) > 0 {
		ids := map[string]bool{}
		var mids []string
		for p := range pairs {
			if !ids[p[0]] {
				ids[p[0]] = true
				mids = append(mids, p[0])
			}
		}
		dates := map[string]domain.Date{}
		for _, chunk := range chunks(mids, 500) {
			var got []struct {
				ID          string      `bun:"id"`
				MeetingDate domain.Date `bun:"meeting_date"`
			}
			if err := db.NewSelect().TableExpr("meetings").Column("id", "meeting_date").Where("id IN (?)", bun.List(chunk)).
				Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return domain.Internal(err)
			}
			for _, g := range got {
				dates[g.ID] = g.MeetingDate
			}
		}
		for p := range pairs {
			if d, ok := dates[p[0]]; ok {
				keys = append(keys, CheckKey{p[1], d})
			}
		}
	}
	if len(meetingDays) > 0 {
		days := map[string][]domain.Date{}
		var ids []string
		for _, md := range meetingDays {
			if days[md.id] == nil {
				ids = append(ids, md.id)
			}
			days[md.id] = append(days[md.id], md.days...)
		}
		for _, chunk := range chunks(ids, 500) {
			var got []struct {
				MeetingID  string `bun:"meeting_id"`
				OfficialID string `bun:"official_id"`
			}
			if err := db.NewSelect().TableExpr("visit_reports").Column("meeting_id", "official_id").
				Where("meeting_id IN (?)", bun.List(chunk)).Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return domain.Internal(err)
			}
			for _, g := range got {
				for _, d := range days[g.MeetingID] {
					keys = append(keys, CheckKey{g.OfficialID, d})
				}
			}
		}
	}
	for _, p := range moved {
		if err := RefreshChecksUnder(ctx, db, p); err != nil {
			return err
		}
	}
	if len(cells) > 0 {
		ids := make([]string, 0, len(cells))
		for id := range cells {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if err := refreshChecksOfCells(ctx, db, ids); err != nil {
			return err
		}
	}
	return RefreshChecks(ctx, db, keys)
}

// meetingChecksChanged reports whether a meeting's change can change its visits' checks.
func meetingChecksChanged(b, a *Meeting) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return b.MeetingDate != a.MeetingDate || b.CellID != a.CellID || b.Status != a.Status ||
		(b.DeletedAt == nil) != (a.DeletedAt == nil) || !eqTime(b.StartsAt, a.StartsAt) || !eqTime(b.EndsAt, a.EndsAt)
}

// distanceFrom is how far a check-in at lat, lon is from the cell's position (metres, rounded) and whether that is
// within radius metres; both nil when either place is unknown.
func distanceFrom(lat, lon *float64, pos *CellPosition, radius int) (*int, *bool) {
	if lat == nil || lon == nil || pos == nil {
		return nil, nil
	}
	d := int(math.Round(DistanceM(*lat, *lon, pos.Latitude, pos.Longitude)))
	in := d <= radius
	return &d, &in
}
