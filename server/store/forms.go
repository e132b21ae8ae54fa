package store

// The commune's meetings of the other forms (issue #12): who works in which commune, and the reads of briefings,
// dialogues and expanded committee meetings.

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// WorkCommunes returns the communes whose own meetings of the other forms (and commune-level recommendations) the
// caller works with: for each cell it keeps as secretary or is assigned to as an official, the nearest ancestor of
// kind commune; and each commune whose expanded committee meetings it is assigned to attend. It is the unit scope
// of sync (sync/PROTOCOL.md) and the API's read of those meetings. One query by primary key; none for a principal
// that carries them (Principal.WorkCommunes).
func WorkCommunes(ctx context.Context, db bun.IDB, p *domain.Principal) ([]domain.UnitRef, error) {
	if p.WorkCommunes != nil { // kept with the cached principal; a copy, the principal is shared
		return slices.Clone(p.WorkCommunes), nil
	}
	var sources []string
	for _, g := range p.Grants {
		if g.Role == domain.RoleSecretary && g.OrgUnitID != "" {
			sources = append(sources, g.Path)
		}
	}
	for _, c := range p.Assigned {
		sources = append(sources, c.Path)
	}
	out := []domain.UnitRef{}
	seen := map[string]bool{}
	for _, c := range p.Committees {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	if len(sources) == 0 {
		return out, nil
	}
	idSet := map[string]bool{}
	var ids []string
	for _, s := range sources {
		for _, id := range domain.PathIDs(s) {
			if !idSet[id] {
				idSet[id] = true
				ids = append(ids, id)
			}
		}
	}
	var rows []struct {
		ID   string `bun:"id"`
		Path string `bun:"path"`
	}
	if err := db.NewSelect().Table(UnitTable).Column("id", "path").Where("id IN (?)", bun.List(ids)).
		Where("kind = ? AND deleted_at IS NULL", domain.KindCommune).Scan(ctx, &rows); err != nil {
		return nil, domain.Internal(err)
	}
	communes := map[string]string{}
	for _, r := range rows {
		communes[r.ID] = r.Path
	}
	for _, s := range sources {
		path := domain.PathIDs(s)
		for i := len(path) - 1; i >= 0; i-- {
			if cp, ok := communes[path[i]]; ok {
				if !seen[path[i]] {
					seen[path[i]] = true
					out = append(out, domain.UnitRef{ID: path[i], Path: cp})
				}
				break
			}
		}
	}
	return out, nil
}

// CommunePaths returns the paths of refs.
func CommunePaths(refs []domain.UnitRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Path
	}
	return out
}

// meetingsInScope limits q (meetings joined to their unit as ou) to those of units under roots, and the meetings of
// the other forms held by the communes at exactly the paths communes.
func meetingsInScope(q *bun.SelectQuery, roots, communes []string) *bun.SelectQuery {
	if len(communes) == 0 {
		return inSubtrees(q, "ou.path", roots)
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, r := range roots {
			q = q.WhereOr("(ou.path >= ? AND ou.path < ?)", r, domain.PathUpper(r))
		}
		return q.WhereOr("(ou.path IN (?) AND mt.form <> ?)", bun.List(communes), domain.FormCell)
	})
}

// MeetingParticipants returns the live participants of a meeting: chair, minute-taker, then the others by name.
func MeetingParticipants(ctx context.Context, db bun.IDB, meetingID string) ([]MeetingParticipant, error) {
	out := []MeetingParticipant{}
	if err := db.NewSelect().Model(&out).Where("mp.meeting_id = ?", meetingID).
		OrderExpr("CASE mp.role WHEN 'chair' THEN 0 WHEN 'minute_taker' THEN 1 WHEN 'participant' THEN 2 ELSE 3 END, mp.name, mp.id").
		Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// BriefingReportView is a cell's report at a briefing with the cell's name.
type BriefingReportView struct {
	BriefingReport `bun:",extend"`
	CellName       string `bun:"cell_name" json:"cell_name"`
}

// MeetingBriefingReports returns the live briefing reports of a meeting, by cell name.
func MeetingBriefingReports(ctx context.Context, db bun.IDB, meetingID string) ([]BriefingReportView, error) {
	out := []BriefingReportView{}
	if err := db.NewSelect().Model(&out).ColumnExpr("br.*, ou.name AS cell_name").
		Join("JOIN org_units AS ou ON ou.id = br.cell_id").
		Where("br.meeting_id = ?", meetingID).OrderExpr("ou.name, br.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// MeetingDialogueQuestions returns the live questions of a dialogue, in their order.
func MeetingDialogueQuestions(ctx context.Context, db bun.IDB, meetingID string) ([]DialogueQuestion, error) {
	out := []DialogueQuestion{}
	if err := db.NewSelect().Model(&out).Where("dq.meeting_id = ?", meetingID).OrderExpr("dq.sort_order, dq.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

var (
	_ bun.BeforeAppendModelHook = (*Meeting)(nil)
	_ bun.BeforeAppendModelHook = (*Assignment)(nil)
)

// BeforeAppendModel gives a meeting written without a form (every writer from before the other forms: the
// schedule's planning, the demo, tests) the form cell, which the column's default would give an INSERT that left
// it out; bun writes the empty string otherwise.
func (m *Meeting) BeforeAppendModel(_ context.Context, _ bun.Query) error {
	if m.Form == "" {
		m.Form = domain.FormCell
	}
	return nil
}

// BeforeAppendModel gives an assignment written without a form the form cell (see Meeting.BeforeAppendModel).
func (a *Assignment) BeforeAppendModel(_ context.Context, _ bun.Query) error {
	if a.Form == "" {
		a.Form = domain.FormCell
	}
	return nil
}

// ZoneView is a zone with the number of its cells.
type ZoneView struct {
	Zone  `bun:",extend"`
	Cells int `bun:"cells" json:"cells"`
}

// ListZones lists the live zones of a commune by sort order then name.
func ListZones(ctx context.Context, db bun.IDB, communeID string, p PageRequest) (Page[ZoneView], error) {
	q := db.NewSelect().Model((*Zone)(nil)).Column("zn.*").
		ColumnExpr("(SELECT count(*) FROM org_units AS ou WHERE ou.zone_id = zn.id AND ou.deleted_at IS NULL) AS cells").
		Where("zn.commune_id = ?", communeID)
	return keysetPage(ctx, q, p, "zn.name", "zn.id", func(z ZoneView) (string, string) { return z.Name, z.ID })
}

// GetZone returns the live zone id.
func GetZone(ctx context.Context, db bun.IDB, id string) (*Zone, error) {
	z := new(Zone)
	if err := db.NewSelect().Model(z).Where("zn.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.zone")
	}
	return z, nil
}

// Normalize cleans a zone's name and checks it.
func (z *Zone) Normalize() error {
	z.Name = domain.CleanText(z.Name)
	if z.Name == "" {
		return domain.Invalid("name", "error.required", "field", "name")
	}
	return checkLen("name", z.Name, 120)
}

// CreateZone adds a zone to a commune (which must be one), audited.
func CreateZone(ctx context.Context, db bun.IDB, z *Zone) error {
	if err := z.Normalize(); err != nil {
		return err
	}
	u, err := GetOrgUnit(ctx, db, z.CommuneID)
	if err != nil {
		return err
	}
	if u.Kind != domain.KindCommune {
		return domain.Invalid("commune_id", "error.not_commune")
	}
	if err := Insert(ctx, db, z); err != nil {
		return domain.Internal(err)
	}
	return Audit(ctx, db, "create", "zone", z.ID, &z.CommuneID, nil, z)
}

// UpdateZone writes a zone's new name and order, audited.
func UpdateZone(ctx context.Context, db bun.IDB, before, z *Zone) error {
	if err := z.Normalize(); err != nil {
		return err
	}
	if err := Update(ctx, db, before, z); err != nil {
		return err
	}
	return Audit(ctx, db, "update", "zone", z.ID, &z.CommuneID, before, z)
}

// DeleteZone deletes a zone, its cells left without one, audited.
func DeleteZone(ctx context.Context, db bun.IDB, z *Zone) error {
	if err := SetZoneCells(ctx, db, z, nil); err != nil {
		return err
	}
	before := Clone(z)
	if err := SoftDelete(ctx, db, z); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "zone", z.ID, &z.CommuneID, before, nil)
}

// SetZoneCells makes cellIDs (cells of the zone's commune) the zone's cells: they join it (leaving their former
// zone) and the zone's other cells leave it. Each change of a cell is a tracked, audited update.
func SetZoneCells(ctx context.Context, db bun.IDB, z *Zone, cellIDs []string) error {
	commune, err := GetOrgUnit(ctx, db, z.CommuneID)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range cellIDs {
		want[id] = true
	}
	var cells []OrgUnit
	if err := db.NewSelect().Model(&cells).Where("ou.kind = ? AND ou.path >= ? AND ou.path < ?", domain.KindCell, commune.Path, domain.PathUpper(commune.Path)).
		OrderExpr("ou.id").Scan(ctx); err != nil {
		return domain.Internal(err)
	}
	found := 0
	for i := range cells {
		c := &cells[i]
		in := c.ZoneID != nil && *c.ZoneID == z.ID
		if want[c.ID] {
			found++
		}
		if in == want[c.ID] {
			continue
		}
		before := Clone(c).(*OrgUnit)
		if want[c.ID] {
			c.ZoneID = &z.ID
		} else {
			c.ZoneID = nil
		}
		if err := Update(ctx, db, before, c); err != nil {
			return err
		}
		if err := Audit(ctx, db, "update", "org_unit", c.ID, &c.ID, before, c); err != nil {
			return err
		}
	}
	if found != len(want) {
		return domain.Invalid("cell_ids", "sync.cell_not_in_commune", "name", commune.Name)
	}
	return nil
}

// BriefingMonthReport is one report of a cell at a briefing of the month, with the briefing's date, zone and host.
type BriefingMonthReport struct {
	BriefingReport `bun:",extend"`
	MeetingDate    domain.Date `bun:"meeting_date" json:"meeting_date"`
	ZoneID         *string     `bun:"zone_id" json:"zone_id"`
	ZoneName       string      `bun:"zone_name" json:"zone_name"`
	HostCellID     *string     `bun:"host_cell_id" json:"host_cell_id"`
	HostName       string      `bun:"host_name" json:"host_name"`
}

// BriefingMonthCell is a cell of a commune in a month of briefings: its zone and its reports (none: not reported).
type BriefingMonthCell struct {
	CellID   string                `bun:"id" json:"cell_id"`
	CellName string                `bun:"name" json:"cell_name"`
	ZoneID   *string               `bun:"zone_id" json:"zone_id"`
	ZoneName string                `bun:"zone_name" json:"zone_name"`
	Reported bool                  `bun:"-" json:"reported"`
	Reports  []BriefingMonthReport `bun:"-" json:"reports"`
}

// BriefingMonth lists a commune's cells (open in the month, by name) with their reports at the month's briefings
// of the commune (not cancelled), a page at a time; from is the month's first day.
func BriefingMonth(ctx context.Context, db bun.IDB, commune *OrgUnit, from domain.Date, p PageRequest) (Page[BriefingMonthCell], error) {
	to := from.AddMonths(1).AddDays(-1)
	q := db.NewSelect().TableExpr("org_units AS ou").ColumnExpr("ou.id, ou.name, ou.zone_id, COALESCE(zn.name, '') AS zone_name").
		Join("LEFT JOIN zones AS zn ON zn.id = ou.zone_id AND zn.deleted_at IS NULL").
		Where("ou.kind = ? AND ou.deleted_at IS NULL AND ou.path >= ? AND ou.path < ?", domain.KindCell, commune.Path, domain.PathUpper(commune.Path)).
		Where("(ou.opened_on IS NULL OR ou.opened_on <= ?) AND (ou.closed_on IS NULL OR ou.closed_on >= ?)", to, from)
	page, err := keysetPage(ctx, q, p, "ou.name", "ou.id", func(c BriefingMonthCell) (string, string) { return c.CellName, c.CellID })
	if err != nil || len(page.Items) == 0 {
		return page, err
	}
	ids := make([]string, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.CellID
	}
	var reps []BriefingMonthReport
	if err := db.NewSelect().Model(&reps).ColumnExpr("br.*, mt.meeting_date, mt.zone_id, COALESCE(zn.name, '') AS zone_name, mt.host_cell_id, COALESCE(h.name, '') AS host_name").
		Join("JOIN meetings AS mt ON mt.id = br.meeting_id AND mt.deleted_at IS NULL").
		Join("LEFT JOIN zones AS zn ON zn.id = mt.zone_id").
		Join("LEFT JOIN org_units AS h ON h.id = mt.host_cell_id").
		Where("mt.form = ? AND mt.cell_id = ? AND mt.status <> ?", domain.FormBriefing, commune.ID, domain.MeetingCancelled).
		Where("mt.meeting_date >= ? AND mt.meeting_date <= ?", from, to).
		Where("br.cell_id IN (?)", bun.List(ids)).
		OrderExpr("mt.meeting_date, br.id").Scan(ctx); err != nil {
		return page, domain.Internal(err)
	}
	by := map[string][]BriefingMonthReport{}
	for _, r := range reps {
		by[r.CellID] = append(by[r.CellID], r)
	}
	for i := range page.Items {
		c := &page.Items[i]
		c.Reports = by[c.CellID]
		if c.Reports == nil {
			c.Reports = []BriefingMonthReport{}
		}
		c.Reported = len(c.Reports) > 0
	}
	return page, nil
}

// checkAssignedUnit checks the unit of an assignment: a cell for form cell (the default), an open commune for form
// committee (its expanded party committee meetings).
func checkAssignedUnit(ctx context.Context, db bun.IDB, a *Assignment) (*OrgUnit, error) {
	switch a.Form {
	case "", domain.FormCell:
		a.Form = domain.FormCell
		return checkCell(ctx, db, a.CellID)
	case domain.FormCommittee:
		u, err := GetOrgUnit(ctx, db, a.CellID)
		if err != nil {
			return nil, err
		}
		if u.Kind != domain.KindCommune {
			return nil, domain.Invalid("cell_ids", "error.not_commune")
		}
		if !u.ClosedOn.IsZero() && u.ClosedOn.Before(domain.DateOf(Now())) {
			return nil, domain.Invalid("cell_ids", "org.closed", "name", u.Name, "date", u.ClosedOn.VN())
		}
		return u, nil
	}
	return nil, domain.Invalid("form", "error.bad_value", "field", "form")
}

// zoneCells is a commune's zone with its open cells, by name then id.
type zoneCells struct {
	zone  *Zone
	cells []OrgUnit
}

// cellsOpenIn returns the cells open during some of month (the first day of a month).
func cellsOpenIn(cells []OrgUnit, month domain.Date) []OrgUnit {
	last := month.AddMonths(1).AddDays(-1)
	out := make([]OrgUnit, 0, len(cells))
	for _, c := range cells {
		if (c.OpenedOn.IsZero() || !c.OpenedOn.After(last)) && (c.ClosedOn.IsZero() || !c.ClosedOn.Before(month)) {
			out = append(out, c)
		}
	}
	return out
}

// HostIndex is the turn of a zone's cells to host the briefing of month: month after month each cell in turn (by
// name, then id), the same on every server.
func HostIndex(n int, month domain.Date) int {
	if n <= 0 {
		return -1
	}
	k := month.Year()*12 + int(month.Month()) - 1
	return k % n
}

// ExpectedForms returns what the schedules expect of the communes in the subtrees of roots (communeID only, when
// given) in the months from..to: each month, a briefing of the cell secretaries per zone (hosted in turn by the
// zone's cells, HostIndex) or, for a commune without zones, one for the commune, in the rule's window; and an
// expanded party committee meeting. A month's meeting of that form (and zone) on record gives its date and status.
// form, when not empty, keeps the rows of that form.
func ExpectedForms(ctx context.Context, db bun.IDB, roots []string, communeID string, form domain.MeetingForm, from, to domain.Date) ([]ExpectedMeeting, error) {
	var communes []OrgUnit
	q := db.NewSelect().Model(&communes).Where("ou.kind = ?", domain.KindCommune)
	q = inSubtrees(q, "ou.path", roots)
	if communeID != "" {
		q = q.Where("ou.id = ?", communeID)
	}
	if err := q.OrderExpr("ou.path").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if len(communes) == 0 {
		return []ExpectedMeeting{}, nil
	}
	ids := make([]string, len(communes))
	paths := make([]string, len(communes))
	for i, c := range communes {
		ids[i], paths[i] = c.ID, c.Path
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return nil, err
	}
	first := domain.NewDate(from.Year(), from.Month(), 1)
	end := domain.NewDate(to.Year(), to.Month(), 1).AddMonths(1)
	var zones []Zone
	if err := db.NewSelect().Model(&zones).Where("zn.commune_id IN (?)", bun.List(ids)).OrderExpr("zn.sort_order, zn.name, zn.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	var cells []OrgUnit
	if len(zones) > 0 {
		zids := make([]string, len(zones))
		for i, z := range zones {
			zids[i] = z.ID
		}
		if err := db.NewSelect().Model(&cells).Where("ou.zone_id IN (?) AND ou.kind = ?", bun.List(zids), domain.KindCell).
			Where("(ou.opened_on IS NULL OR ou.opened_on < ?) AND (ou.closed_on IS NULL OR ou.closed_on >= ?)", end, first).
			OrderExpr("ou.name, ou.id").Scan(ctx); err != nil {
			return nil, domain.Internal(err)
		}
	}
	byCommune := map[string][]*zoneCells{}
	byZone := map[string]*zoneCells{}
	for i := range zones {
		zc := &zoneCells{zone: &zones[i]}
		byZone[zones[i].ID] = zc
		byCommune[zones[i].CommuneID] = append(byCommune[zones[i].CommuneID], zc)
	}
	for _, c := range cells {
		if zc := byZone[*c.ZoneID]; zc != nil {
			zc.cells = append(zc.cells, c)
		}
	}
	var recorded []Meeting
	if err := db.NewSelect().Model(&recorded).Where("mt.cell_id IN (?) AND mt.form IN (?)", bun.List(ids),
		bun.List([]domain.MeetingForm{domain.FormBriefing, domain.FormCommittee})).
		Where("mt.meeting_date >= ? AND mt.meeting_date < ?", first, end).OrderExpr("mt.meeting_date, mt.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	onRecord := func(commune string, f domain.MeetingForm, zone string, month domain.Date) *Meeting {
		var best *Meeting
		for i := range recorded {
			m := &recorded[i]
			if m.CellID != commune || m.Form != f || m.MeetingDate.String()[:7] != month.String()[:7] {
				continue
			}
			if zone != "" && (m.ZoneID == nil || *m.ZoneID != zone) {
				continue
			}
			if best == nil || best.Status == domain.MeetingCancelled && m.Status != domain.MeetingCancelled {
				best = m
			}
		}
		return best
	}
	out := []ExpectedMeeting{}
	for _, c := range communes {
		rule := rules[c.Path].Rule
		if rule.BriefingFrom == 0 || rule.BriefingTo == 0 {
			def := domain.DefaultScheduleRule()
			rule.BriefingFrom, rule.BriefingTo = def.BriefingFrom, def.BriefingTo
		}
		for month := first; month.Before(end); month = month.AddMonths(1) {
			if !c.ClosedOn.IsZero() && c.ClosedOn.Before(month) || !c.OpenedOn.IsZero() && c.OpenedOn.After(month.AddMonths(1).AddDays(-1)) {
				continue
			}
			mk := month.String()[:7]
			add := func(e ExpectedMeeting, rec *Meeting) {
				e.CellID, e.CellName, e.Month, e.Type, e.Status = c.ID, c.Name, mk, domain.MeetingRegular, domain.MeetingPlanned
				if rec != nil {
					e.MeetingID, e.Status, e.Type = rec.ID, rec.Status, rec.Type
					e.Moved = rec.MeetingDate.Before(e.Date) || (!e.WindowTo.IsZero() && rec.MeetingDate.After(e.WindowTo)) ||
						(e.WindowTo.IsZero() && !e.Date.IsZero() && rec.MeetingDate != e.Date)
					e.Date = rec.MeetingDate
				}
				out = append(out, e)
			}
			if form == "" || form == domain.FormBriefing {
				win := ExpectedMeeting{Form: domain.FormBriefing, Date: domain.NewDate(month.Year(), month.Month(), rule.BriefingFrom),
					WindowTo: domain.NewDate(month.Year(), month.Month(), rule.BriefingTo)}
				if zs := byCommune[c.ID]; len(zs) > 0 {
					for _, zc := range zs {
						e := win
						e.ZoneID, e.ZoneName = zc.zone.ID, zc.zone.Name
						if open := cellsOpenIn(zc.cells, month); len(open) > 0 {
							h := open[HostIndex(len(open), month)]
							e.HostCellID, e.HostName = h.ID, h.Name
						}
						add(e, onRecord(c.ID, domain.FormBriefing, zc.zone.ID, month))
					}
				} else {
					add(win, onRecord(c.ID, domain.FormBriefing, "", month))
				}
			}
			if form == "" || form == domain.FormCommittee {
				e := ExpectedMeeting{Form: domain.FormCommittee}
				if rule.CommitteeDay > 0 {
					e.Date = domain.NewDate(month.Year(), month.Month(), min(rule.CommitteeDay, month.AddMonths(1).AddDays(-1).Day()))
				} else {
					e.Date, e.WindowTo = month, month.AddMonths(1).AddDays(-1)
				}
				add(e, onRecord(c.ID, domain.FormCommittee, "", month))
			}
		}
	}
	return out, nil
}
