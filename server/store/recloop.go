package store

// The loop's reach to the directory of addressees (issue #12): who answers for a directory body, the reminders of
// the due dates of forwarded recommendations, the supervisors' weekly digest of overdue ones, and the statistics
// by addressee.

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// The kinds of the loop's reminders (they are notification kinds too). Their keys are
// "<kind>:<recommendation id>:<user id>:<day>", and "<kind>:<user id>:<day>" for the weekly digest.
const (
	ReminderRecDueSoon = "recommendation_due_soon" // 3 days before the due date, to the addressee's responders
	ReminderRecOverdue = "recommendation_overdue"  // the day after the due date, still open: responders and the forwarder
	ReminderRecDigest  = "recommendation_digest"   // every Monday, to supervisors: the overdue ones in their subtrees
)

// RecDueSoonDays is how many days before its due date the responders are reminded of a recommendation.
const RecDueSoonDays = 3

// officialKinds are the reminder kinds planned per official (PlanReminders with a list of officials).
var officialKinds = []string{ReminderEve, ReminderDay, ReminderOverdue}

// AddresseeResponderIDs returns the active users who answer for the directory body id, by id.
func AddresseeResponderIDs(ctx context.Context, db bun.IDB, id string) ([]string, error) {
	var out []string
	err := db.NewSelect().TableExpr("addressee_responders AS adr").ColumnExpr("DISTINCT adr.user_id").
		Join("JOIN users AS u ON u.id = adr.user_id").
		Where("adr.addressee_id = ?", id).Where("u.active AND u.deleted_at IS NULL").OrderExpr("adr.user_id").Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// ResponderOf returns the directory bodies user answers for.
func ResponderOf(ctx context.Context, db bun.IDB, userID string) ([]string, error) {
	var out []string
	err := db.NewSelect().TableExpr("addressee_responders AS adr").Column("adr.addressee_id").
		Where("adr.user_id = ?", userID).OrderExpr("adr.addressee_id").Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// IsAddresseeResponder reports whether user answers for the directory body id.
func IsAddresseeResponder(ctx context.Context, db bun.IDB, userID, id string) (bool, error) {
	n, err := db.NewSelect().TableExpr("addressee_responders AS adr").
		Where("adr.user_id = ? AND adr.addressee_id = ?", userID, id).Count(ctx)
	if err != nil {
		return false, domain.Internal(err)
	}
	return n > 0, nil
}

// AddresseeNames returns the names of the directory bodies ids, by id.
func AddresseeNames(ctx context.Context, db bun.IDB, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Addressee
	if err := db.NewSelect().Model(&rows).Column("id", "name").Where("ad.id IN (?)", bun.List(ids)).Scan(ctx); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// levelRank orders the levels, the commune lowest.
func levelRank(l domain.AddresseeLevel) int {
	for i, x := range domain.AddresseeLevels {
		if x == l {
			return len(domain.AddresseeLevels) - i
		}
	}
	return 0
}

// IsHigherBody reports whether to may receive what from passes up as beyond its competence: a body above it in
// the directory (its parent, or the parent's parent …), or a body of a higher level.
func IsHigherBody(ctx context.Context, db bun.IDB, from, to *Addressee) (bool, error) {
	if from.ID == to.ID {
		return false, nil
	}
	if levelRank(to.Level) > levelRank(from.Level) {
		return true, nil
	}
	cur := from
	for i := 0; i < 10 && cur.ParentID != nil; i++ {
		if *cur.ParentID == to.ID {
			return true, nil
		}
		next, err := GetAddressee(ctx, db, "", *cur.ParentID)
		if err != nil {
			return false, nil
		}
		cur = next
	}
	return false, nil
}

// RecResponders returns the users who answer for a recommendation where it now stands: the responders of its
// directory body, or (the old way) the users with a responder grant on its addressee org unit or a unit above it.
func RecResponders(ctx context.Context, db bun.IDB, r *Recommendation) ([]string, error) {
	if r.AddresseeID != nil {
		return AddresseeResponderIDs(ctx, db, *r.AddresseeID)
	}
	if r.AddresseeOrgUnitID == nil {
		return nil, nil
	}
	var path string
	if err := db.NewSelect().Model((*OrgUnit)(nil)).Column("path").Where("id = ?", *r.AddresseeOrgUnitID).Scan(ctx, &path); err != nil {
		return nil, domain.Internal(err)
	}
	units := domain.PathIDs(path)
	if len(units) == 0 {
		return nil, nil
	}
	var users []string
	if err := db.NewSelect().Model((*RoleGrant)(nil)).ColumnExpr("DISTINCT rg.user_id").
		Join("JOIN users AS u ON u.id = rg.user_id").
		Where("rg.org_unit_id IN (?)", bun.List(units)).Where("rg.role = ?", domain.RoleResponder).Where("u.active").
		OrderExpr("rg.user_id").Scan(ctx, &users); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return users, nil
}

// dueRec is an open recommendation with a due date, for planning its reminders.
type dueRec struct {
	Recommendation `bun:",extend"`
	CellPath       string `bun:"cell_path"`
}

// wantRecReminders adds the reminders the open, forwarded recommendations call for at now (only recID when set):
// 3 days before the due date to the responders, and the day after it (overdue) to the responders and the
// supervisor who forwarded it; each at the digest time of the cell's schedule rule.
func wantRecReminders(ctx context.Context, db bun.IDB, now time.Time, recID string, want map[string]Reminder) error {
	today := domain.DateOf(now)
	q := db.NewSelect().Model((*Recommendation)(nil)).Column("r.*").ColumnExpr("ou.path AS cell_path").
		Join("JOIN org_units AS ou ON ou.id = r.cell_id").
		Where("r.deleted_at IS NULL").
		Where("r.status IN (?)", bun.List([]domain.RecStatus{domain.RecForwarded, domain.RecSentBack})).
		Where("r.due_on IS NOT NULL AND r.due_on >= ? AND r.due_on <= ?", today.AddDays(-3), domain.DateOf(now.Add(ReminderWindow)).AddDays(RecDueSoonDays))
	if recID != "" {
		q = q.Where("r.id = ?", recID)
	}
	var recs []dueRec
	if err := q.Scan(ctx, &recs); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	paths := make([]string, len(recs))
	for i, r := range recs {
		paths[i] = r.CellPath
	}
	rules, err := RulesFor(ctx, db, paths)
	if err != nil {
		return err
	}
	// The responders of the directory bodies, in one query (the old way's units are looked up one by one).
	var bodies []string
	for _, r := range recs {
		if r.AddresseeID != nil {
			bodies = append(bodies, *r.AddresseeID)
		}
	}
	byBody := map[string][]string{}
	for _, chunk := range chunks(bodies, 500) {
		var rows []struct {
			AddresseeID string `bun:"addressee_id"`
			UserID      string `bun:"user_id"`
		}
		if err := db.NewSelect().TableExpr("addressee_responders AS adr").Column("adr.addressee_id", "adr.user_id").
			Join("JOIN users AS u ON u.id = adr.user_id").Where("adr.addressee_id IN (?)", bun.List(chunk)).
			Where("u.active AND u.deleted_at IS NULL").OrderExpr("adr.user_id").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		for _, x := range rows {
			if !contains(byBody[x.AddresseeID], x.UserID) {
				byBody[x.AddresseeID] = append(byBody[x.AddresseeID], x.UserID)
			}
		}
	}
	for _, r := range recs {
		var users []string
		if r.AddresseeID != nil {
			users = byBody[*r.AddresseeID]
		} else if users, err = RecResponders(ctx, db, &r.Recommendation); err != nil {
			return err
		}
		at := rules[r.CellPath].Rule.DigestAt
		add := func(kind, user string, day domain.Date, t time.Time) {
			key := kind + ":" + r.ID + ":" + user + ":" + day.String()
			want[key] = Reminder{Key: key, Kind: kind, UserID: user, NextAt: t.UTC()}
		}
		soon, late := r.DueOn.AddDays(-RecDueSoonDays), r.DueOn.AddDays(1)
		for _, u := range users {
			if t := at.On(soon); t.After(now) {
				add(ReminderRecDueSoon, u, r.DueOn, t)
			}
		}
		if t := at.On(late); t.After(now.Add(-48 * time.Hour)) {
			for _, u := range users {
				add(ReminderRecOverdue, u, r.DueOn, t)
			}
			if r.ForwardedBy != nil {
				add(ReminderRecOverdue, *r.ForwardedBy, r.DueOn, t)
			}
		}
	}
	return nil
}

// wantRecDigests adds each supervisor's weekly digest of overdue recommendations: on the coming Monday (today if
// it is Monday and the digest time is still to come), at the digest time of the supervisor's unit.
func wantRecDigests(ctx context.Context, db bun.IDB, now time.Time, want map[string]Reminder) error {
	sups, rules, err := supervisorsInForce(ctx, db, now)
	if err != nil {
		return err
	}
	today := domain.DateOf(now)
	for _, s := range sups {
		at := rules[s.Path].Rule.DigestAt
		for d := today; d.Before(today.AddDays(8)); d = d.AddDays(1) {
			if d.Time().Weekday() != time.Monday {
				continue
			}
			if t := at.On(d); t.After(now) {
				key := ReminderRecDigest + ":" + s.UserID + ":" + d.String()
				if _, ok := want[key]; !ok {
					want[key] = Reminder{Key: key, Kind: ReminderRecDigest, UserID: s.UserID, NextAt: t.UTC()}
				}
				break
			}
		}
	}
	return nil
}

// PlanRecReminders brings the reminders of recommendation recID in line with where it stands at now (after a step
// of the loop): it adds those now wanted and withdraws its pending ones no longer wanted (answered, due date
// moved, passed up to another body). It runs in the step's transaction.
func PlanRecReminders(ctx context.Context, db bun.IDB, recID string, now time.Time) error {
	now = now.UTC()
	want := map[string]Reminder{}
	if err := wantRecReminders(ctx, db, now, recID, want); err != nil {
		return err
	}
	diff := &reminderDiff{}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	have := map[string]Reminder{}
	if len(keys) > 0 {
		var rs []Reminder
		if err := db.NewSelect().Model(&rs).Column("id", "key", "status").Where("key IN (?)", bun.List(keys)).
			Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return domain.Internal(err)
		}
		for _, r := range rs {
			have[r.Key] = r
		}
	}
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
	var pending []Reminder
	if err := db.NewSelect().Model(&pending).Column("id", "key").Where("status = ?", ReminderPending).
		Where("kind IN (?)", bun.List([]string{ReminderRecDueSoon, ReminderRecOverdue})).
		Where("key LIKE ?", "%:"+recID+":%").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Internal(err)
	}
	for _, r := range pending {
		if _, ok := want[r.Key]; !ok {
			diff.drop = append(diff.drop, r.ID)
		}
	}
	_, _, err := diff.apply(ctx, db, now, len(diff.fresh)+len(diff.revive)+len(diff.drop))
	return err
}

// RecReminderTarget reads the recommendation id and the planned day out of a loop reminder's key.
func RecReminderTarget(r Reminder) (recID string, day string) {
	parts := strings.Split(r.Key, ":")
	if len(parts) != 4 {
		return "", ""
	}
	return parts[1], parts[3]
}

// OverdueRecommendations returns the open recommendations whose due date is before now's day, of cells in the
// subtrees supervisor supervises, oldest due first (at most limit).
func OverdueRecommendations(ctx context.Context, db bun.IDB, supervisorID string, now time.Time, limit int) ([]RecommendationView, error) {
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
	var out []RecommendationView
	q := recommendationQuery(db).Where("r.due_on IS NOT NULL AND r.due_on < ? AND r.status IN (?)", today, bun.List(openStatuses))
	q = inSubtrees(q, "ou.path", roots)
	if err := q.OrderExpr("r.due_on, r.id").Limit(int64(limit)).Scan(ctx, &out); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	for i := range out {
		out[i].fill(today)
	}
	return out, nil
}

// RecAddresseeStats is one row of the statistics by addressee: a body of the directory (AddresseeID), or a party
// unit recommendations were forwarded to the old way (OrgUnitID).
//
// Received counts the recommendations forwarded or passed up to the body; Answered those it answered (an answer
// that the matter is beyond its competence is counted in Escalated instead); AnsweredOnTime those whose first
// answer by the body came on or before the due date then in force; Overdue those still waiting for its answer
// past their due date today; SentBack those whose answer by the body was sent back at least once; Escalated those
// it passed up as beyond its competence.
type RecAddresseeStats struct {
	AddresseeID    *string `json:"addressee_id"`
	OrgUnitID      *string `json:"org_unit_id"`
	Name           string  `json:"name"`
	Received       int     `json:"received"`
	Answered       int     `json:"answered"`
	AnsweredOnTime int     `json:"answered_on_time"`
	Overdue        int     `json:"overdue"`
	SentBack       int     `json:"sent_back"`
	Escalated      int     `json:"escalated"`
}

// RecommendationStatsByAddressee computes the statistics by addressee over the recommendations of cells under
// roots raised between from and to (either may be zero), from their histories, in Go (both databases give the same
// numbers), with today the day overdue is judged on. Rows are ordered by name.
func RecommendationStatsByAddressee(ctx context.Context, db bun.IDB, roots []string, from, to, today domain.Date) ([]RecAddresseeStats, error) {
	q := db.NewSelect().TableExpr("recommendation_events AS re").ColumnExpr("re.*").
		Join("JOIN recommendations AS r ON r.id = re.recommendation_id").
		Join("JOIN org_units AS ou ON ou.id = r.cell_id").Where("r.deleted_at IS NULL")
	q = inSubtrees(q, "ou.path", roots)
	if !from.IsZero() {
		q = q.Where("r.raised_on >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("r.raised_on <= ?", to)
	}
	var evs []RecommendationEvent
	if err := q.OrderExpr("re.recommendation_id, re.at, re.id").Scan(ctx, &evs); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return addresseeStats(ctx, db, evs, today)
}

// RecommendationStatsByAddresseeOf is RecommendationStatsByAddressee over the recommendations ids (an export's rows).
func RecommendationStatsByAddresseeOf(ctx context.Context, db bun.IDB, ids []string, today domain.Date) ([]RecAddresseeStats, error) {
	var evs []RecommendationEvent
	for _, chunk := range chunks(ids, 500) {
		var part []RecommendationEvent
		if err := db.NewSelect().Model(&part).Where("re.recommendation_id IN (?)", bun.List(chunk)).
			OrderExpr("re.recommendation_id, re.at, re.id").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		evs = append(evs, part...)
	}
	return addresseeStats(ctx, db, evs, today)
}

// addresseeStats computes the rows by addressee from histories, grouped by recommendation, each oldest first.
func addresseeStats(ctx context.Context, db bun.IDB, evs []RecommendationEvent, today domain.Date) ([]RecAddresseeStats, error) {
	type key struct{ dir, unit string }
	rows := map[key]*RecAddresseeStats{}
	row := func(k key) *RecAddresseeStats {
		if s, ok := rows[k]; ok {
			return s
		}
		s := &RecAddresseeStats{AddresseeID: ptrOrNil(k.dir), OrgUnitID: ptrOrNil(k.unit)}
		rows[k] = s
		return s
	}
	type state struct {
		cur                                 key
		due                                 domain.Date
		status                              domain.RecStatus
		received, answered, sent, escalated map[key]bool
	}
	flush := func(st *state) {
		if st == nil {
			return
		}
		for k := range st.received {
			row(k).Received++
		}
		for k := range st.answered {
			row(k).Answered++
		}
		for k := range st.sent {
			row(k).SentBack++
		}
		for k := range st.escalated {
			row(k).Escalated++
		}
		if st.status.Open() && st.status != domain.RecNew && (st.cur != key{}) && !st.due.IsZero() && st.due.Before(today) {
			row(st.cur).Overdue++
		}
	}
	var st *state
	recID := ""
	for _, e := range evs {
		if e.RecommendationID != recID {
			flush(st)
			recID = e.RecommendationID
			st = &state{received: map[key]bool{}, answered: map[key]bool{}, sent: map[key]bool{}, escalated: map[key]bool{}}
		}
		st.status = e.ToStatus
		switch e.Action {
		case domain.RecActionForward, domain.RecActionEscalate:
			if e.Action == domain.RecActionEscalate && (st.cur != key{}) {
				st.escalated[st.cur] = true
			}
			st.cur = key{deref(e.AddresseeID), ""}
			if e.AddresseeID == nil {
				st.cur = key{"", deref(e.AddresseeOrgUnitID)}
			}
			if st.cur != (key{}) {
				st.received[st.cur] = true
			}
			st.due = e.DueOn
		case domain.RecActionAnswer:
			if st.cur != (key{}) && !st.answered[st.cur] {
				st.answered[st.cur] = true
				if !st.due.IsZero() && !st.due.Before(domain.DateOf(e.At)) {
					row(st.cur).AnsweredOnTime++
				}
			}
		case domain.RecActionSendBack:
			if st.cur != (key{}) {
				st.sent[st.cur] = true
			}
			st.due = e.DueOn
		}
	}
	flush(st)
	var dirIDs, unitIDs []string
	for k := range rows {
		if k.dir != "" {
			dirIDs = append(dirIDs, k.dir)
		} else {
			unitIDs = append(unitIDs, k.unit)
		}
	}
	names, err := AddresseeNames(ctx, db, dirIDs)
	if err != nil {
		return nil, err
	}
	if len(unitIDs) > 0 {
		var us []OrgUnit
		if err := db.NewSelect().Model(&us).Column("id", "name").Where("id IN (?)", bun.List(unitIDs)).Scan(ctx); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, u := range us {
			names[u.ID] = u.Name
		}
	}
	out := make([]RecAddresseeStats, 0, len(rows))
	for k, s := range rows {
		s.Name = names[k.dir+k.unit]
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return deref(out[i].AddresseeID)+deref(out[i].OrgUnitID) < deref(out[j].AddresseeID)+deref(out[j].OrgUnitID)
	})
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
