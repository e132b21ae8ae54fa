package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// The kinds of reminder.
const (
	ReminderEve     = "meeting_eve"    // the evening before a meeting, to the officials assigned
	ReminderDay     = "meeting_day"    // the morning of a meeting
	ReminderOverdue = "report_overdue" // the visit report is late, to the official
	ReminderDigest  = "digest"         // a supervisor's daily digest of late reports
)

// The states of a reminder.
const (
	ReminderPending   = "pending"   // waiting for next_at
	ReminderSent      = "sent"      // its notification was created
	ReminderWithdrawn = "withdrawn" // no longer wanted: the meeting moved or was cancelled, the assignment ended
	ReminderSkipped   = "skipped"   // nothing to say when it came due (the report was in, no late reports)
)

// Reminder is a notification due at NextAt. Key names it (kind, meeting, user, day), so planning it twice is
// harmless; a moved meeting gets reminders under new keys and the old ones are withdrawn.
type Reminder struct {
	bun.BaseModel `bun:"table:reminders,alias:rm"`
	ID            string     `bun:"id,pk" json:"id"`
	Key           string     `bun:"key,notnull" json:"key"`
	Kind          string     `bun:"kind,notnull" json:"kind"`
	UserID        string     `bun:"user_id,notnull" json:"user_id"`
	MeetingID     *string    `bun:"meeting_id" json:"meeting_id"`
	NextAt        time.Time  `bun:"next_at,notnull" json:"next_at"`
	Status        string     `bun:"status,notnull" json:"status"`
	ClaimedUntil  *time.Time `bun:"claimed_until" json:"-"`
	Note          string     `bun:"note,notnull" json:"note"`
	CreatedAt     time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// sqlTime is how bun writes a time, so a cursor compares with stored values on SQLite too.
const sqlTime = "2006-01-02 15:04:05.999999999-07:00"

// ReminderWindow is how far ahead reminders are planned; PlanReminders must run more often than this.
const ReminderWindow = 35 * 24 * time.Hour

// reminderLookback is how many days back planning looks for the meetings it reminds of (late reports).
const reminderLookback = 40

// assignedMeeting is a meeting an official is assigned to attend.
type assignedMeeting struct {
	OfficialID  string               `bun:"official_id"`
	Frequency   domain.Frequency     `bun:"frequency"`
	MeetingID   string               `bun:"meeting_id"`
	MeetingDate domain.Date          `bun:"meeting_date"`
	Status      domain.MeetingStatus `bun:"status"`
	CellPath    string               `bun:"cell_path"`
	Form        domain.MeetingForm   `bun:"form"`
}

// PlanReminders brings the reminders in line with the assignments, meetings and rules as they are at now: it adds
// the ones now wanted and withdraws pending ones no longer wanted. officials limits it to those users (after an
// assignment changes); nil plans everyone, supervisors' digests included. It returns how many it added and withdrew.
//
// Officials assigned every month are reminded the evening before and the morning of each meeting and told when
// their report is late; officials with a number of visits a year (who do not go every month) get the evening
// reminder only, and a late notice only for meetings whose report they started.
func PlanReminders(ctx context.Context, db bun.IDB, now time.Time, officials []string) (added, withdrawn int, err error) {
	now = now.UTC() // stored times are UTC, so SQLite compares them as text correctly
	if officials != nil && len(officials) == 0 {
		return 0, 0, nil
	}
	want, err := wantReminders(ctx, db, now, officials)
	if err != nil {
		return 0, 0, err
	}
	diff, err := diffReminders(ctx, db, now, want, officials)
	if err != nil {
		return 0, 0, err
	}
	// apply takes what it writes off the diff: count first.
	added, withdrawn = len(diff.fresh)+len(diff.revive), len(diff.drop)
	if _, _, err := diff.apply(ctx, db, now, added+withdrawn); err != nil {
		return 0, 0, err
	}
	return added, withdrawn, nil
}

// PlanAllReminders is PlanReminders for everyone, as the planner runs it: it works out what to add and withdraw
// outside any transaction, then writes it in transactions of at most b's size. Each write is idempotent (insert
// unless the key exists, revive only what is withdrawn, withdraw only what is pending), and a reminder that no
// longer applies when it comes due is withdrawn then, so an assignment changed meanwhile is never wrongly reminded.
func PlanAllReminders(ctx context.Context, d *DB, now time.Time, b Batch) (added, withdrawn int, err error) {
	now = now.UTC()
	want, err := wantReminders(ctx, d.R, now, nil)
	if err != nil {
		return 0, 0, err
	}
	diff, err := diffReminders(ctx, d.R, now, want, nil)
	if err != nil {
		return 0, 0, err
	}
	_, err = b.Run(ctx, d, "plan_reminders", func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
		a, w, err := diff.apply(ctx, tx, now, limit)
		added, withdrawn = added+a, withdrawn+w
		return a + w, len(diff.fresh)+len(diff.revive)+len(diff.drop) > 0, err
	})
	return added, withdrawn, err
}

// wantReminders returns the reminders the assignments, meetings and rules call for at now, by key.
func wantReminders(ctx context.Context, db bun.IDB, now time.Time, officials []string) (map[string]Reminder, error) {
	today := domain.DateOf(now)
	lo, hi := today.AddDays(-reminderLookback), domain.DateOf(now.Add(ReminderWindow))
	q := db.NewSelect().TableExpr("assignments AS a").
		ColumnExpr("a.official_id, a.frequency, m.id AS meeting_id, m.meeting_date, m.status, ou.path AS cell_path, m.form").
		Join("JOIN meetings AS m ON m.cell_id = a.cell_id AND m.form = a.form").
		Join("JOIN org_units AS ou ON ou.id = a.cell_id").
		Join("JOIN users AS u ON u.id = a.official_id").
		Where("a.deleted_at IS NULL AND m.deleted_at IS NULL AND u.deleted_at IS NULL AND u.active").
		Where("a.status = ?", domain.AssignmentActive).
		Where("m.status <> ?", domain.MeetingCancelled).
		Where("m.meeting_date >= a.starts_on AND (a.ends_on IS NULL OR m.meeting_date <= a.ends_on)").
		Where("m.meeting_date >= ? AND m.meeting_date <= ?", lo, hi)
	if officials != nil {
		q = q.Where("a.official_id IN (?)", bun.List(officials))
	}
	var rows []assignedMeeting
	if err := q.Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	paths := make([]string, 0, len(rows))
	for _, r := range rows {
		paths = append(paths, r.CellPath)
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return nil, err
	}
	started, err := startedReports(ctx, db, rows)
	if err != nil {
		return nil, err
	}
	want := map[string]Reminder{}
	add := func(kind, user, meeting string, day domain.Date, at time.Time) {
		key := kind + ":" + meeting + ":" + user + ":" + day.String()
		m := meeting
		want[key] = Reminder{Key: key, Kind: kind, UserID: user, MeetingID: &m, NextAt: at.UTC()}
	}
	for _, r := range rows {
		rule := rules[r.CellPath].Rule
		monthly := r.Frequency == domain.FrequencyMonthly
		if r.Status == domain.MeetingPlanned {
			if at := rule.EveReminder.On(r.MeetingDate.AddDays(-1)); at.After(now) {
				add(ReminderEve, r.OfficialID, r.MeetingID, r.MeetingDate, at)
			}
			if at := rule.MorningReminder.On(r.MeetingDate); monthly && at.After(now) {
				add(ReminderDay, r.OfficialID, r.MeetingID, r.MeetingDate, at)
			}
		}
		// (an expanded committee meeting, the other form officials are assigned to, has no visit report to send)
		if r.Form == domain.FormCell && (monthly || started[r.OfficialID+r.MeetingID]) {
			due := r.MeetingDate.AddDays(rule.ReportDueDays)
			add(ReminderOverdue, r.OfficialID, r.MeetingID, due, rule.DigestAt.On(due))
		}
	}
	if officials == nil {
		if err := wantDigests(ctx, db, now, func(user string, day domain.Date, at time.Time) {
			key := ReminderDigest + ":" + user + ":" + day.String()
			want[key] = Reminder{Key: key, Kind: ReminderDigest, UserID: user, NextAt: at.UTC()}
		}); err != nil {
			return nil, err
		}
		if err := wantRecReminders(ctx, db, now, "", want); err != nil {
			return nil, err
		}
		if err := wantRecDigests(ctx, db, now, want); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// startedReports returns which (official, meeting) pairs of rows have a visit report.
func startedReports(ctx context.Context, db bun.IDB, rows []assignedMeeting) (map[string]bool, error) {
	var ids []string
	for _, r := range rows {
		if r.Frequency != domain.FrequencyMonthly {
			ids = append(ids, r.MeetingID)
		}
	}
	out := map[string]bool{}
	for _, chunk := range chunks(ids, 500) {
		var rs []VisitReport
		if err := db.NewSelect().Model(&rs).Column("official_id", "meeting_id").Where("meeting_id IN (?)", bun.List(chunk)).
			Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, r := range rs {
			out[r.OfficialID+r.MeetingID] = true
		}
	}
	return out, nil
}

// supervisorGrant is a supervisor's grant in force: the user and the path of the unit it covers ("/" for all).
type supervisorGrant struct {
	UserID string `bun:"user_id"`
	Path   string `bun:"path"`
}

// supervisorsInForce returns the supervisors' grants in force on now's day, of active users, by user, and the
// schedule rules of their units (the time of their digests).
func supervisorsInForce(ctx context.Context, db bun.IDB, now time.Time) ([]supervisorGrant, map[string]EffectiveRule, error) {
	var sups []supervisorGrant
	if err := db.NewSelect().TableExpr("role_grants AS g").ColumnExpr("g.user_id, COALESCE(ou.path, '/') AS path").
		Join("LEFT JOIN org_units AS ou ON ou.id = g.org_unit_id").
		Join("JOIN users AS u ON u.id = g.user_id").
		Where("g.role = ?", domain.RoleSupervisor).Where("g.deleted_at IS NULL AND u.deleted_at IS NULL AND u.active").
		Where(grantInForce, domain.DateOf(now), domain.DateOf(now)).OrderExpr("g.user_id, path").
		Scan(ctx, &sups); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, domain.Internal(err)
	}
	paths := make([]string, len(sups))
	for i, s := range sups {
		paths[i] = s.Path
	}
	rules, err := RulesFor(ctx, db, paths)
	return sups, rules, err
}

// wantDigests calls add for each supervisor's digest of today (if its time is still to come) and tomorrow.
func wantDigests(ctx context.Context, db bun.IDB, now time.Time, add func(user string, day domain.Date, at time.Time)) error {
	sups, rules, err := supervisorsInForce(ctx, db, now)
	if err != nil {
		return err
	}
	today := domain.DateOf(now)
	done := map[string]bool{}
	for _, s := range sups {
		if done[s.UserID] {
			continue
		}
		done[s.UserID] = true
		at := rules[s.Path].Rule.DigestAt
		for _, d := range []domain.Date{today, today.AddDays(1)} {
			if t := at.On(d); t.After(now) {
				add(s.UserID, d, t)
			}
		}
	}
	return nil
}

// reminderDiff is what planning changes: reminders to add, withdrawn ones to bring back, pending ones to withdraw.
type reminderDiff struct {
	fresh  []Reminder
	revive []string
	drop   []string
}

// diffReminders works out how the stored reminders differ from want: the wanted ones that are missing (or were
// withdrawn) and the pending ones of the planned users that are no longer wanted.
func diffReminders(ctx context.Context, db bun.IDB, now time.Time, want map[string]Reminder, officials []string) (*reminderDiff, error) {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	have := map[string]Reminder{}
	for _, chunk := range chunks(keys, 500) {
		var rs []Reminder
		if err := db.NewSelect().Model(&rs).Column("id", "key", "status").Where("key IN (?)", bun.List(chunk)).
			Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, r := range rs {
			have[r.Key] = r
		}
	}
	diff := &reminderDiff{}
	for _, k := range keys {
		r, ok := have[k]
		switch {
		case !ok:
			w := want[k]
			w.ID, w.Status, w.CreatedAt, w.UpdatedAt = domain.NewID(), ReminderPending, now, now
			diff.fresh = append(diff.fresh, w)
		case r.Status == ReminderWithdrawn:
			diff.revive = append(diff.revive, r.ID)
		}
	}
	// Withdraw what is pending but no longer wanted.
	q := db.NewSelect().Model((*Reminder)(nil)).Column("id", "key").Where("status = ?", ReminderPending)
	if officials != nil {
		q = q.Where("user_id IN (?)", bun.List(officials)).Where("kind IN (?)", bun.List(officialKinds))
	}
	var pending []Reminder
	if err := q.Scan(ctx, &pending); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, r := range pending {
		if _, ok := want[r.Key]; !ok {
			diff.drop = append(diff.drop, r.ID)
		}
	}
	return diff, nil
}

// apply writes up to limit rows of the diff (additions first) and removes them from it. It returns how many it
// added or revived, and how many it withdrew.
func (diff *reminderDiff) apply(ctx context.Context, db bun.IDB, now time.Time, limit int) (added, withdrawn int, err error) {
	take := func(n int) int { n = min(n, limit); limit -= n; return n }
	fresh := diff.fresh[:take(len(diff.fresh))]
	revive := diff.revive[:take(len(diff.revive))]
	drop := diff.drop[:take(len(diff.drop))]
	for i := 0; i < len(fresh); i += 500 {
		batch := fresh[i:min(len(fresh), i+500)]
		if _, err := db.NewInsert().Model(&batch).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
			return 0, 0, domain.Internal(err)
		}
	}
	for _, chunk := range chunks(revive, 500) {
		if _, err := db.NewUpdate().Model((*Reminder)(nil)).Set("status = ?", ReminderPending).Set("updated_at = ?", now).
			Where("id IN (?)", bun.List(chunk)).Where("status = ?", ReminderWithdrawn).Exec(ctx); err != nil {
			return 0, 0, domain.Internal(err)
		}
	}
	for _, chunk := range chunks(drop, 500) {
		if _, err := db.NewUpdate().Model((*Reminder)(nil)).Set("status = ?", ReminderWithdrawn).Set("updated_at = ?", now).
			Where("id IN (?)", bun.List(chunk)).Where("status = ?", ReminderPending).Exec(ctx); err != nil {
			return 0, 0, domain.Internal(err)
		}
	}
	diff.fresh, diff.revive, diff.drop = diff.fresh[len(fresh):], diff.revive[len(revive):], diff.drop[len(drop):]
	return len(fresh) + len(revive), len(drop), nil
}

// ClaimReminders claims up to limit reminders due at now until now+lease, as ClaimPush does for pushes.
func ClaimReminders(ctx context.Context, db bun.IDB, now time.Time, lease time.Duration, limit int) ([]Reminder, error) {
	now = now.UTC()
	lock := ""
	if changelog.IsPG(db) {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []string
	err := db.NewRaw(`UPDATE reminders SET claimed_until = ?
		WHERE id IN (SELECT id FROM reminders WHERE status = 'pending' AND next_at <= ?
			AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_at LIMIT ?`+lock+`)
		RETURNING id`, now.Add(lease), now, now, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rs []Reminder
	if err := db.NewSelect().Model(&rs).Where("id IN (?)", bun.List(ids)).OrderExpr("next_at, id").Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return rs, nil
}

// FinishReminder moves a pending reminder to status (sent, skipped, withdrawn) with a note. It reports false when
// the reminder was no longer pending (another worker finished it): the caller's transaction must then roll back
// whatever it wrote for it.
func FinishReminder(ctx context.Context, db bun.IDB, id, status, note string, now time.Time) (bool, error) {
	now = now.UTC()
	res, err := db.NewUpdate().Model((*Reminder)(nil)).Set("status = ?", status).Set("note = ?", truncate(note, 200)).
		Set("claimed_until = NULL").Set("updated_at = ?", now).
		Where("id = ?", id).Where("status = ?", ReminderPending).Exec(ctx)
	if err != nil {
		return false, domain.Internal(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ListReminders returns reminders of user (all users when empty), in next_at order, for the API and tests.
func ListReminders(ctx context.Context, db bun.IDB, userID, status string, p PageRequest) (Page[Reminder], error) {
	q := db.NewSelect().Model((*Reminder)(nil))
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return keysetPage(ctx, q, p, "rm.next_at", "rm.id", func(r Reminder) (string, string) {
		return r.NextAt.UTC().Format(sqlTime), r.ID
	})
}

// LateReport is a visit report that is overdue: an official assigned every month to a cell has not submitted
// the report of a meeting whose deadline has passed.
type LateReport struct {
	MeetingID    string      `bun:"meeting_id" json:"meeting_id"`
	MeetingDate  domain.Date `bun:"meeting_date" json:"meeting_date"`
	CellID       string      `bun:"cell_id" json:"cell_id"`
	CellName     string      `bun:"cell_name" json:"cell_name"`
	CellPath     string      `bun:"cell_path" json:"-"`
	OfficialID   string      `bun:"official_id" json:"official_id"`
	OfficialName string      `bun:"official_name" json:"official_name"`
}

// OverdueReports returns the late visit reports of the last 30 days in the subtrees supervisor supervises, by
// meeting date.
func OverdueReports(ctx context.Context, db bun.IDB, supervisorID string, now time.Time) ([]LateReport, error) {
	var roots []string
	if err := db.NewSelect().TableExpr("role_grants AS g").ColumnExpr("COALESCE(ou.path, '/')").
		Join("LEFT JOIN org_units AS ou ON ou.id = g.org_unit_id").
		Where("g.user_id = ? AND g.role = ? AND g.deleted_at IS NULL", supervisorID, domain.RoleSupervisor).
		Where(grantInForce, domain.DateOf(now), domain.DateOf(now)).
		Scan(ctx, &roots); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if len(roots) == 0 {
		return nil, nil
	}
	today := domain.DateOf(now)
	q := db.NewSelect().TableExpr("meetings AS m").
		ColumnExpr("m.id AS meeting_id, m.meeting_date, m.cell_id, ou.name AS cell_name, ou.path AS cell_path").
		ColumnExpr("a.official_id, u.display_name AS official_name").
		Join("JOIN org_units AS ou ON ou.id = m.cell_id").
		Join("JOIN assignments AS a ON a.cell_id = m.cell_id").
		Join("JOIN users AS u ON u.id = a.official_id").
		Where("m.deleted_at IS NULL AND a.deleted_at IS NULL AND u.deleted_at IS NULL").
		Where("m.form = ? AND a.form = ?", domain.FormCell, domain.FormCell).
		Where("m.status <> ?", domain.MeetingCancelled).
		Where("a.status = ? AND a.frequency = ?", domain.AssignmentActive, domain.FrequencyMonthly).
		Where("m.meeting_date >= a.starts_on AND (a.ends_on IS NULL OR m.meeting_date <= a.ends_on)").
		Where("m.meeting_date >= ? AND m.meeting_date < ?", today.AddDays(-30), today).
		Where("NOT EXISTS (SELECT 1 FROM visit_reports AS vr WHERE vr.meeting_id = m.id AND vr.official_id = a.official_id AND vr.status = 'submitted' AND vr.deleted_at IS NULL)")
	q = inSubtrees(q, "ou.path", roots)
	var rows []LateReport
	if err := q.OrderExpr("m.meeting_date, ou.path, u.display_name").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	paths := make([]string, len(rows))
	for i, r := range rows {
		paths[i] = r.CellPath
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if !today.Before(r.MeetingDate.AddDays(rules[r.CellPath].Rule.ReportDueDays)) {
			out = append(out, r)
		}
	}
	return out, nil
}
