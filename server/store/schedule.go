package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

// ScheduleRuleRow is a stored schedule rule of an org unit's subtree.
type ScheduleRuleRow struct {
	bun.BaseModel   `bun:"table:schedule_rules,alias:sr"`
	ID              string `bun:"id,pk" json:"id"`
	OrgUnitID       string `bun:"org_unit_id,notnull" json:"org_unit_id"`
	DayOfMonth      int    `bun:"day_of_month,notnull" json:"day_of_month"`
	ThematicMonths  string `bun:"thematic_months,notnull" json:"thematic_months"`
	EveReminder     string `bun:"eve_reminder,notnull" json:"eve_reminder"`
	MorningReminder string `bun:"morning_reminder,notnull" json:"morning_reminder"`
	ReportDueDays   int    `bun:"report_due_days,notnull" json:"report_due_days"`
	DigestAt        string `bun:"digest_at,notnull" json:"digest_at"`
	BriefingFrom    int    `bun:"briefing_from,notnull" json:"briefing_from"`
	BriefingTo      int    `bun:"briefing_to,notnull" json:"briefing_to"`
	CommitteeDay    int    `bun:"committee_day,notnull" json:"committee_day"`
	// The cross-checks' settings (issue #13): when the cells meet and for how long, and the check-in's radius.
	MeetsAt          string     `bun:"meets_at,notnull" json:"meets_at"`
	MeetingMinutes   int        `bun:"meeting_minutes,notnull" json:"meeting_minutes"`
	LocationRadiusM  int        `bun:"location_radius_m,notnull" json:"location_radius_m"`
	LocationRequired bool       `bun:"location_required,notnull" json:"location_required"`
	CreatedAt        time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	DeletedAt        *time.Time `bun:"deleted_at,soft_delete,nullzero" json:"-"`
}

// Rule decodes the stored row.
func (r *ScheduleRuleRow) Rule() (domain.ScheduleRule, error) {
	out := domain.ScheduleRule{DayOfMonth: r.DayOfMonth, ReportDueDays: r.ReportDueDays, BriefingFrom: r.BriefingFrom,
		BriefingTo: r.BriefingTo, CommitteeDay: r.CommitteeDay, MeetingMinutes: r.MeetingMinutes,
		LocationRadiusM: r.LocationRadiusM, LocationRequired: r.LocationRequired}
	var err error
	if out.ThematicMonths, err = domain.ParseMonths(r.ThematicMonths); err != nil {
		return out, err
	}
	for _, c := range []struct {
		s   string
		dst *domain.Clock
	}{{r.EveReminder, &out.EveReminder}, {r.MorningReminder, &out.MorningReminder}, {r.DigestAt, &out.DigestAt}, {r.MeetsAt, &out.MeetsAt}} {
		if *c.dst, err = domain.ParseClock(c.s); err != nil {
			return out, err
		}
	}
	return out.WithCheckDefaults(), nil
}

func (r *ScheduleRuleRow) set(rule domain.ScheduleRule) {
	r.DayOfMonth = rule.DayOfMonth
	r.ThematicMonths = domain.FormatMonths(rule.ThematicMonths)
	r.EveReminder = rule.EveReminder.String()
	r.MorningReminder = rule.MorningReminder.String()
	r.ReportDueDays = rule.ReportDueDays
	r.DigestAt = rule.DigestAt.String()
	r.BriefingFrom, r.BriefingTo, r.CommitteeDay = rule.BriefingFrom, rule.BriefingTo, rule.CommitteeDay
	r.MeetsAt, r.MeetingMinutes = rule.MeetsAt.String(), rule.MeetingMinutes
	r.LocationRadiusM, r.LocationRequired = rule.LocationRadiusM, rule.LocationRequired
}

// EffectiveRule is the rule that applies to a unit and where it comes from.
type EffectiveRule struct {
	Rule domain.ScheduleRule
	// From is the unit whose rule applies ("" for the built-in default).
	From string
}

// RulesFor returns the rule of each unit path given: the rule of its nearest ancestor (itself included) that has
// one, or the default. One query for any number of paths.
func RulesFor(ctx context.Context, db bun.IDB, paths []string) (map[string]EffectiveRule, error) {
	seen := map[string]bool{}
	var ids []string
	for _, p := range paths {
		for _, id := range domain.PathIDs(p) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	byUnit := map[string]*ScheduleRuleRow{}
	if len(ids) > 0 {
		var rows []ScheduleRuleRow
		q := db.NewSelect().Model(&rows)
		if len(ids) <= 1000 {
			q = q.Where("org_unit_id IN (?)", bun.List(ids))
		} // else all rules: they are few (set per province, commune or cell by hand), a list of ids is not
		if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for i := range rows {
			byUnit[rows[i].OrgUnitID] = &rows[i]
		}
	}
	out := make(map[string]EffectiveRule, len(paths))
	for _, p := range paths {
		eff := EffectiveRule{Rule: domain.DefaultScheduleRule()}
		ids := domain.PathIDs(p)
		for i := len(ids) - 1; i >= 0; i-- {
			if row := byUnit[ids[i]]; row != nil {
				r, err := row.Rule()
				if err != nil {
					return nil, domain.Internal(err)
				}
				eff = EffectiveRule{Rule: r, From: row.OrgUnitID}
				break
			}
		}
		out[p] = eff
	}
	return out, nil
}

// ScheduleRuleView is what the API shows of a unit's schedule: its own rule, if it sets one, and the rule that
// applies.
type ScheduleRuleView struct {
	OrgUnitID string           `json:"org_unit_id"`
	Own       *ScheduleRuleRow `json:"own"`
	Effective ScheduleRuleJSON `json:"effective"`
	// InheritedFrom is the unit whose rule applies, when it is not this one ("" for the built-in default).
	InheritedFrom string `json:"inherited_from"`
}

// ScheduleRuleJSON is a rule as the API reads and writes it.
type ScheduleRuleJSON struct {
	DayOfMonth      int    `json:"day_of_month"`
	ThematicMonths  []int  `json:"thematic_months"`
	EveReminder     string `json:"eve_reminder"`
	MorningReminder string `json:"morning_reminder"`
	ReportDueDays   int    `json:"report_due_days"`
	DigestAt        string `json:"digest_at"`
	// BriefingFrom, BriefingTo: the briefing's window (left out: the 5th to the 10th); CommitteeDay: the expanded
	// committee meeting's day (0: any).
	BriefingFrom int `json:"briefing_from"`
	BriefingTo   int `json:"briefing_to"`
	CommitteeDay int `json:"committee_day"`
	// MeetsAt ("HH:MM", default 19:30) and MeetingMinutes (default 120): when the cells usually meet and for how
	// long, the planned interval the cross-checks use when the minutes record no times. LocationRadiusM (default
	// 500): a check-in farther than this from the cell's position is "far". LocationRequired: a visit is verified
	// only by a check-in within the radius (the secretary's confirmation alone is not enough). Left out (zero):
	// the defaults.
	MeetsAt          string `json:"meets_at"`
	MeetingMinutes   int    `json:"meeting_minutes"`
	LocationRadiusM  int    `json:"location_radius_m"`
	LocationRequired bool   `json:"location_required"`
}

// RuleJSON encodes a rule for the API.
func RuleJSON(r domain.ScheduleRule) ScheduleRuleJSON {
	return ScheduleRuleJSON{DayOfMonth: r.DayOfMonth, ThematicMonths: r.ThematicMonths, EveReminder: r.EveReminder.String(),
		MorningReminder: r.MorningReminder.String(), ReportDueDays: r.ReportDueDays, DigestAt: r.DigestAt.String(),
		BriefingFrom: r.BriefingFrom, BriefingTo: r.BriefingTo, CommitteeDay: r.CommitteeDay, MeetsAt: r.MeetsAt.String(),
		MeetingMinutes: r.MeetingMinutes, LocationRadiusM: r.LocationRadiusM, LocationRequired: r.LocationRequired}
}

// Rule decodes and checks a rule from the API.
func (j ScheduleRuleJSON) Rule() (domain.ScheduleRule, error) {
	r := domain.ScheduleRule{DayOfMonth: j.DayOfMonth, ThematicMonths: j.ThematicMonths, ReportDueDays: j.ReportDueDays,
		BriefingFrom: j.BriefingFrom, BriefingTo: j.BriefingTo, CommitteeDay: j.CommitteeDay, MeetingMinutes: j.MeetingMinutes,
		LocationRadiusM: j.LocationRadiusM, LocationRequired: j.LocationRequired}
	if j.MeetsAt == "" {
		j.MeetsAt = domain.DefaultScheduleRule().MeetsAt.String()
	}
	if r.BriefingFrom == 0 && r.BriefingTo == 0 {
		def := domain.DefaultScheduleRule()
		r.BriefingFrom, r.BriefingTo = def.BriefingFrom, def.BriefingTo
	}
	for _, c := range []struct {
		field, s string
		dst      *domain.Clock
	}{{"eve_reminder", j.EveReminder, &r.EveReminder}, {"morning_reminder", j.MorningReminder, &r.MorningReminder},
		{"digest_at", j.DigestAt, &r.DigestAt}, {"meets_at", j.MeetsAt, &r.MeetsAt}} {
		var err error
		if *c.dst, err = domain.ParseClock(c.s); err != nil {
			return r, domain.Invalid(c.field, "error.clock")
		}
	}
	r = r.WithCheckDefaults()
	return r, r.Validate()
}

// GetScheduleRule returns the schedule of unit.
func GetScheduleRule(ctx context.Context, db bun.IDB, unit *OrgUnit) (*ScheduleRuleView, error) {
	v := &ScheduleRuleView{OrgUnitID: unit.ID}
	own := new(ScheduleRuleRow)
	err := db.NewSelect().Model(own).Where("org_unit_id = ?", unit.ID).Scan(ctx)
	switch {
	case err == nil:
		v.Own = own
	case !errors.Is(err, sql.ErrNoRows):
		return nil, domain.Internal(err)
	}
	rules, err := RulesFor(ctx, db, []string{unit.Path})
	if err != nil {
		return nil, err
	}
	eff := rules[unit.Path]
	v.Effective = RuleJSON(eff.Rule)
	if eff.From != unit.ID {
		v.InheritedFrom = eff.From
	}
	return v, nil
}

// PutScheduleRule sets the rule of unit's subtree, creating or replacing the unit's own rule.
func PutScheduleRule(ctx context.Context, db bun.IDB, unit *OrgUnit, rule domain.ScheduleRule) (_ *ScheduleRuleRow, err error) {
	if rule.BriefingFrom == 0 && rule.BriefingTo == 0 { // a rule from before the briefings' window: the default one
		def := domain.DefaultScheduleRule()
		rule.BriefingFrom, rule.BriefingTo = def.BriefingFrom, def.BriefingTo
	}
	rule = rule.WithCheckDefaults()
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	was, err := RulesFor(ctx, db, []string{unit.Path})
	if err != nil {
		return nil, err
	}
	if checksSettingsDiffer(was[unit.Path].Rule, rule) {
		defer func() {
			if err == nil {
				err = RefreshChecksUnder(ctx, db, unit.Path)
			}
		}()
	}
	now := Now()
	row := new(ScheduleRuleRow)
	err = db.NewSelect().Model(row).Where("org_unit_id = ?", unit.ID).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		row = &ScheduleRuleRow{ID: domain.NewID(), OrgUnitID: unit.ID, CreatedAt: now, UpdatedAt: now}
		row.set(rule)
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			return nil, domain.Internal(err)
		}
		return row, Audit(ctx, db, "create", "schedule_rule", row.ID, &unit.ID, nil, row)
	case err != nil:
		return nil, domain.Internal(err)
	}
	before := *row
	row.set(rule)
	row.UpdatedAt = now
	if _, err := db.NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return row, Audit(ctx, db, "update", "schedule_rule", row.ID, &unit.ID, &before, row)
}

// DeleteScheduleRule removes unit's own rule, so the unit takes its parent's again.
func DeleteScheduleRule(ctx context.Context, db bun.IDB, unit *OrgUnit) error {
	row := new(ScheduleRuleRow)
	if err := db.NewSelect().Model(row).Where("org_unit_id = ?", unit.ID).Scan(ctx); err != nil {
		return notFound(err, "@what.schedule_rule")
	}
	if _, err := db.NewDelete().Model(row).WherePK().Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	if err := RefreshChecksUnder(ctx, db, unit.Path); err != nil {
		return err
	}
	return Audit(ctx, db, "delete", "schedule_rule", row.ID, &unit.ID, row, nil)
}

// checksSettingsDiffer reports whether two rules differ in what the cross-checks read.
func checksSettingsDiffer(a, b domain.ScheduleRule) bool {
	a, b = a.WithCheckDefaults(), b.WithCheckDefaults()
	return a.MeetsAt != b.MeetsAt || a.MeetingMinutes != b.MeetingMinutes || a.LocationRadiusM != b.LocationRadiusM ||
		a.LocationRequired != b.LocationRequired
}

// ExpectedMeeting is the meeting a cell's schedule expects in a month: the one on record, if the month has one
// (moved or cancelled as it may be), otherwise the rule's date.
type ExpectedMeeting struct {
	CellID    string               `json:"cell_id"`
	CellName  string               `json:"cell_name"`
	Month     string               `json:"month"`
	Date      domain.Date          `json:"date"`
	Type      domain.MeetingType   `json:"type"`
	Status    domain.MeetingStatus `json:"status"`
	MeetingID string               `json:"meeting_id,omitempty"`
	// Moved says the meeting on record is not on the rule's day.
	Moved bool `json:"moved"`
	// For the commune's meetings of the other forms (ExpectedForms; CellID is then the commune): the form, the zone
	// and the host cell of a briefing in its turn, and the last day of the briefing's window (Date the first).
	Form       domain.MeetingForm `json:"form,omitempty"`
	ZoneID     string             `json:"zone_id,omitempty"`
	ZoneName   string             `json:"zone_name,omitempty"`
	HostCellID string             `json:"host_cell_id,omitempty"`
	HostName   string             `json:"host_name,omitempty"`
	WindowTo   domain.Date        `json:"window_to"`
}

// scheduledMeeting is a cell's regular or thematic meeting of a month as stored.
type scheduledMeeting struct {
	ID          string               `bun:"id"`
	CellID      string               `bun:"cell_id"`
	MeetingDate domain.Date          `bun:"meeting_date"`
	Type        domain.MeetingType   `bun:"type"`
	Status      domain.MeetingStatus `bun:"status"`
}

// cellRow is an active cell and its path.
type cellRow struct {
	ID       string      `bun:"id"`
	Name     string      `bun:"name"`
	Path     string      `bun:"path"`
	OpenedOn domain.Date `bun:"opened_on"`
	ClosedOn domain.Date `bun:"closed_on"`
}

// cellsUnder returns the cells in the subtrees of roots (all cells when roots holds "/"), with the given ids only
// when ids is not empty.
func cellsUnder(ctx context.Context, db bun.IDB, roots, ids []string) ([]cellRow, error) {
	var cells []cellRow
	q := db.NewSelect().Model((*OrgUnit)(nil)).Column("id", "name", "path", "opened_on", "closed_on").
		Where("kind = ?", domain.KindCell)
	q = inSubtrees(q, "path", roots)
	if len(ids) > 0 {
		q = q.Where("id IN (?)", bun.List(ids))
	}
	if err := q.OrderExpr("path").Scan(ctx, &cells); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return cells, nil
}

// Expected returns the meetings the schedules expect of the cells in the subtrees of roots (or of cellIDs, when
// given) in the months from..to (both "2026-01" form, inclusive), cell by cell and month by month. A cell counts
// only in the months it is open.
func Expected(ctx context.Context, db bun.IDB, roots, cellIDs []string, from, to domain.Date) ([]ExpectedMeeting, error) {
	cells, err := cellsUnder(ctx, db, roots, cellIDs)
	if err != nil || len(cells) == 0 {
		return nil, err
	}
	root := ""
	if len(roots) == 1 && len(cellIDs) == 0 {
		root = roots[0]
	}
	out, _, err := expectedFor(ctx, db, cells, root, from, to, nil)
	return out, err
}

// expectedFor is Expected for the cells given, which are all the cells under root when root is not empty (their
// meetings are then read by one range of paths rather than by lists of ids); it also returns the rule of each
// cell path. A caller that has read the cells' regular and thematic meetings of those months already (each cell's
// in date and id order) passes them as known, and none are read again.
func expectedFor(ctx context.Context, db bun.IDB, cells []cellRow, root string, from, to domain.Date,
	known *[]scheduledMeeting) ([]ExpectedMeeting, map[string]EffectiveRule, error) {
	first := domain.NewDate(from.Year(), from.Month(), 1)
	end := domain.NewDate(to.Year(), to.Month(), 1).AddMonths(1)
	paths := make([]string, len(cells))
	ids := make([]string, len(cells))
	for i, c := range cells {
		paths[i], ids[i] = c.Path, c.ID
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return nil, nil, err
	}
	recorded := map[string]scheduledMeeting{} // cell + month
	rank := func(ms []scheduledMeeting) {
		for _, m := range ms {
			k := m.CellID + m.MeetingDate.String()[:7]
			// The scheduled meeting under its own id wins; otherwise the first of the month that was not cancelled.
			// (Ranking costs a UUID each, so only months with two meetings pay it.)
			if cur, ok := recorded[k]; ok && scheduleRank(cur) <= scheduleRank(m) {
				continue
			}
			recorded[k] = m
		}
	}
	batches := chunks(ids, 500)
	switch {
	case known != nil:
		rank(*known)
		batches = nil
	case root != "":
		batches = [][]string{nil}
	}
	for _, chunk := range batches {
		var ms []scheduledMeeting
		q := db.NewSelect().Model((*Meeting)(nil)).Column("mt.id", "mt.cell_id", "mt.meeting_date", "mt.type", "mt.status").
			Where("mt.meeting_date >= ? AND mt.meeting_date < ?", first, end).
			Where("mt.type IN (?)", bun.List([]domain.MeetingType{domain.MeetingRegular, domain.MeetingThematic})).
			Where("mt.form = ?", domain.FormCell)
		if root != "" {
			q = q.Join("JOIN org_units AS ou ON ou.id = mt.cell_id").Where("ou.path >= ? AND ou.path < ?", root, domain.PathUpper(root))
		} else {
			q = q.Where("mt.cell_id IN (?)", bun.List(chunk))
		}
		if err := q.OrderExpr("mt.meeting_date, mt.id").Scan(ctx, &ms); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, domain.Internal(err)
		}
		rank(ms)
	}
	var out []ExpectedMeeting
	for _, c := range cells {
		rule := rules[c.Path].Rule
		for d := first; d.Before(end); d = d.AddMonths(1) {
			monthEnd := d.AddMonths(1).AddDays(-1)
			if (!c.OpenedOn.IsZero() && c.OpenedOn.After(monthEnd)) || (!c.ClosedOn.IsZero() && c.ClosedOn.Before(d)) {
				continue
			}
			month := d.String()[:7]
			e := ExpectedMeeting{CellID: c.ID, CellName: c.Name, Month: month, Date: rule.MeetingDate(d.Year(), d.Month()),
				Type: rule.MeetingType(d.Month()), Status: domain.MeetingPlanned}
			if m, ok := recorded[c.ID+month]; ok {
				e.MeetingID, e.Status, e.Type = m.ID, m.Status, m.Type
				e.Moved = m.MeetingDate != e.Date
				e.Date = m.MeetingDate
			}
			out = append(out, e)
		}
	}
	return out, rules, nil
}

// scheduleRank orders the meetings of a cell's month by how well they stand for its scheduled meeting.
func scheduleRank(m scheduledMeeting) int {
	switch {
	case m.ID == wire.ScheduledMeetingID(m.CellID, m.MeetingDate.String()[:7]):
		return 0
	case m.Status != domain.MeetingCancelled:
		return 1
	}
	return 2
}

func chunks[T any](ids []T, n int) [][]T {
	var out [][]T
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// PlanMeetings records, for every open cell, the scheduled meeting of each of the months from month `from` on
// (count months) that has none yet, as a planned meeting under its scheduled id, so that officials' devices and
// the reminders see it. It returns how many it created. It reads what is expected outside any transaction and
// writes in transactions of at most b's size; each checks again that the ids are free, so another instance (or a
// device recording the meeting first) is never doubled, and a run cut short is finished by the next.
func PlanMeetings(ctx context.Context, d *DB, from domain.Date, count int, b Batch) (int, error) {
	to := domain.NewDate(from.Year(), from.Month(), 1).AddMonths(count - 1)
	exp, err := Expected(ctx, d.R, []string{"/"}, nil, from, to)
	if err != nil {
		return 0, err
	}
	var want []ExpectedMeeting
	for _, e := range exp {
		if e.MeetingID == "" {
			want = append(want, e)
		}
	}
	return b.Run(ctx, d, "plan_meetings", func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
		// A meeting writes about four rows: itself, its change in the log, its bucket's checksum, its cell's stamp.
		batch := want[:min(max(1, limit/4), len(want))]
		want = want[len(batch):]
		n, err := planMeetings(ctx, tx, batch)
		return n, len(want) > 0, err
	})
}

// planMeetings inserts the scheduled meetings of exp whose ids are free.
func planMeetings(ctx context.Context, db bun.IDB, exp []ExpectedMeeting) (int, error) {
	ids := make([]string, len(exp))
	for i, e := range exp {
		ids[i] = wire.ScheduledMeetingID(e.CellID, e.Month)
	}
	// A scheduled id may be taken by a meeting recorded or deleted since: the month then stays as its people left it.
	taken := map[string]bool{}
	for _, chunk := range chunks(ids, 500) {
		var got []string
		if err := db.NewSelect().Model((*Meeting)(nil)).WhereAllWithDeleted().Column("id").
			Where("id IN (?)", bun.List(chunk)).Scan(ctx, &got); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, domain.Internal(err)
		}
		for _, id := range got {
			taken[id] = true
		}
	}
	var rows []SyncRow
	for i, e := range exp {
		if taken[ids[i]] {
			continue
		}
		m := &Meeting{CellID: e.CellID, MeetingDate: e.Date, Type: e.Type, Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned}
		m.ID = ids[i]
		if err := m.Normalize(); err != nil {
			return 0, err
		}
		rows = append(rows, m)
	}
	// The cells' paths in one query rather than one per meeting.
	if sc := TxScoper(ctx); sc != nil {
		if err := sc.Preload(ctx, rows); err != nil {
			return 0, domain.Internal(err)
		}
	}
	for i, m := range rows {
		// Queued, and written in one statement at commit: reminders are planned after this transaction.
		if err := InsertDeferred(ctx, db, m); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}

// scheduleChange is what the audit log keeps of a move or cancellation: the meeting and the reason given.
type scheduleChange struct {
	*Meeting
	Reason string `json:"reason"`
}

// MoveScheduledMeeting moves or cancels the scheduled meeting of a cell's month, creating it first if the month
// has none on record yet. A zero date with cancel false restores the rule's day.
func MoveScheduledMeeting(ctx context.Context, db bun.IDB, cell *OrgUnit, month string, date domain.Date, cancel bool, reason string) (*Meeting, error) {
	start, err := domain.ParseDate(month + "-01")
	if err != nil || len(month) != 7 {
		return nil, domain.Invalid("month", "error.month")
	}
	if !date.IsZero() && date.String()[:7] != month {
		return nil, domain.Invalid("date", "error.move_other_month")
	}
	exp, err := Expected(ctx, db, []string{"/"}, []string{cell.ID}, start, start)
	if err != nil {
		return nil, err
	}
	if len(exp) == 0 {
		return nil, domain.Invalid("month", "error.cell_closed")
	}
	e := exp[0]
	if date.IsZero() && !cancel {
		rules, err := RulesFor(ctx, db, []string{cell.Path})
		if err != nil {
			return nil, err
		}
		date = rules[cell.Path].Rule.MeetingDate(start.Year(), start.Month())
	}
	if e.MeetingID == "" {
		m := &Meeting{CellID: cell.ID, MeetingDate: e.Date, Type: e.Type, Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned}
		m.ID = wire.ScheduledMeetingID(cell.ID, month)
		if !date.IsZero() {
			m.MeetingDate = date
		}
		if cancel {
			m.Status = domain.MeetingCancelled
		}
		if err := m.Normalize(); err != nil {
			return nil, err
		}
		if err := Insert(ctx, db, m); err != nil {
			return nil, uniqueOr(err, "@what.meeting")
		}
		return m, Audit(ctx, db, "schedule", "meeting", m.ID, &cell.ID, nil, scheduleChange{m, reason})
	}
	before := new(Meeting)
	if err := db.NewSelect().Model(before).Where("id = ?", e.MeetingID).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.meeting")
	}
	if before.Status == domain.MeetingHeld {
		return nil, domain.E(domain.CodeConflict, "error.meeting_held")
	}
	m := *before
	switch {
	case cancel:
		m.Status = domain.MeetingCancelled
	default:
		m.Status = domain.MeetingPlanned
		m.MeetingDate = date
	}
	if err := m.Normalize(); err != nil {
		return nil, err
	}
	if err := Update(ctx, db, before, &m); err != nil {
		return nil, err
	}
	return &m, Audit(ctx, db, "schedule", "meeting", m.ID, &cell.ID, before, scheduleChange{&m, reason})
}
