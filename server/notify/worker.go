package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// Delivery is one web push to send: a payload for one device subscription.
type Delivery struct {
	Endpoint, P256DH, Auth string
	Payload                []byte
	TTL                    time.Duration
	Urgency, Topic         string
}

// Outcome is what became of a push attempt.
type Outcome int

// The outcomes of a push attempt.
const (
	Delivered Outcome = iota // accepted by the push service
	Retry                    // network error, 408, 413, 429, 5xx: try again later
	Gone                     // 404, 410: the subscription is dead; remove it
	Rejected                 // 400, 401, 403 and other 4xx: our own fault; keep the subscription, log, count
)

// Result is the answer of a Pusher.
type Result struct {
	Outcome    Outcome
	Status     int
	RetryAfter time.Duration
	Err        error
}

// Pusher sends web pushes (server/push.Sender behind an adapter; tests may use any push service).
type Pusher interface {
	Push(ctx context.Context, d Delivery) Result
}

// Metrics receives counts from the worker (Prometheus in production); nil counts nothing.
type Metrics interface {
	Pushed(outcome string)
	Reminded(status string)
}

// Options tune the worker. Zero values take the defaults.
type Options struct {
	// PlanEvery is how often meetings and reminders are planned (one instance at a time): 10 minutes.
	PlanEvery time.Duration
	// PollEvery is how often the outbox and the reminders are polled when nothing wakes the worker: 5 seconds.
	PollEvery time.Duration
	// Lease is how long a claim holds a row: 2 minutes (more than a push's HTTP timeout).
	Lease time.Duration
	// Batch is how many rows one claim takes: 50. Concurrency is how many pushes go out at once: 8.
	Batch, Concurrency int
	// MonthsAhead is how many months of scheduled meetings are planned, this one included: 2.
	MonthsAhead int
	// Now is the clock (tests set it).
	Now func() time.Time
	// Holder names this worker in claims; a random id by default.
	Holder string
	// JobBatch is how many rows one transaction of planning or retention touches at most: store.DefaultJobBatch.
	JobBatch int
	// Observe, if set, is told of each transaction of planning and retention (tests and benchmarks).
	Observe func(step string, rows int, took time.Duration)
	// RetainEvery is how often the retention job runs (one instance at a time): an hour.
	RetainEvery time.Duration
	// WarmEvery is how often the coverage summary of the last twelve months is brought up to date (one instance at a
	// time): 5 seconds, so that a supervisor's read rebuilds only the few cells written since, not an evening's worth.
	WarmEvery time.Duration
	// Retention says how long finished rows are kept; zero fields take store.DefaultRetention's.
	Retention store.Retention
}

// Worker is the background worker of one server process.
type Worker struct {
	db      *store.DB
	pusher  Pusher
	log     *slog.Logger
	metrics Metrics
	opt     Options
	wake    chan struct{}
}

// NewWorker returns a worker over db sending through pusher (nil: pushes stay queued).
func NewWorker(db *store.DB, pusher Pusher, log *slog.Logger, metrics Metrics, opt Options) *Worker {
	if opt.PlanEvery <= 0 {
		opt.PlanEvery = 10 * time.Minute
	}
	if opt.PollEvery <= 0 {
		opt.PollEvery = 5 * time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if opt.Batch <= 0 {
		opt.Batch = 50
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.MonthsAhead <= 0 {
		opt.MonthsAhead = 2
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RetainEvery <= 0 {
		opt.RetainEvery = time.Hour
	}
	if opt.WarmEvery <= 0 {
		opt.WarmEvery = 5 * time.Second
	}
	opt.Retention = opt.Retention.WithDefaults()
	if opt.Holder == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		opt.Holder = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return &Worker{db: db, pusher: pusher, log: log, metrics: metrics, opt: opt, wake: make(chan struct{}, 1)}
}

// Wake makes the worker look at the outbox and reminders now (a notification was just queued by this instance).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run plans, fires and delivers until ctx ends; it returns when its last batch is done.
func (w *Worker) Run(ctx context.Context) {
	plan := time.NewTicker(w.opt.PlanEvery)
	defer plan.Stop()
	poll := time.NewTicker(w.opt.PollEvery)
	defer poll.Stop()
	retain := time.NewTicker(w.opt.RetainEvery)
	defer retain.Stop()
	warm := time.NewTicker(w.opt.WarmEvery)
	defer warm.Stop()
	w.tryPlan(ctx)
	w.tryRetain(ctx)
	w.tryWarm(ctx)
	for {
		w.work(ctx)
		select {
		case <-ctx.Done():
			return
		case <-plan.C:
			w.tryPlan(ctx)
		case <-retain.C:
			w.tryRetain(ctx)
		case <-warm.C:
			w.tryWarm(ctx)
		case <-poll.C:
		case <-w.wake:
		}
	}
}

func (w *Worker) tryPlan(ctx context.Context) {
	if _, err := w.Plan(ctx, false); err != nil && ctx.Err() == nil {
		w.log.Error("planning meetings and reminders", "err", err)
	}
}

func (w *Worker) tryWarm(ctx context.Context) {
	if _, _, err := w.Warm(ctx, false); err != nil && ctx.Err() == nil {
		w.log.Error("warming the coverage summary", "err", err)
	}
}

func (w *Worker) tryRetain(ctx context.Context) {
	if _, _, err := w.Retain(ctx, false); err != nil && ctx.Err() == nil {
		w.log.Error("pruning finished rows", "err", err)
	}
}

// errLeaseLost stops a job whose lease ran out and was taken by another instance.
var errLeaseLost = errors.New("notify: job lease taken by another instance")

// batch returns how the job holding lease name writes: JobBatch rows a transaction, renewing the lease before
// each one (so a long run at province scale keeps it), stopping if another instance took it meanwhile.
func (w *Worker) batch(name string) store.Batch {
	return store.Batch{Size: w.opt.JobBatch, Observe: w.opt.Observe, Before: func(ctx context.Context) error {
		ok, err := store.RenewLease(ctx, w.db.W, name, w.opt.Holder, w.opt.Now().Add(w.opt.Lease))
		if err == nil && !ok {
			err = errLeaseLost
		}
		return err
	}}
}

// work fires due reminders and delivers due pushes until none are left.
func (w *Worker) work(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.FireReminders(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("firing reminders", "err", err)
		}
		m, err := w.Deliver(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("delivering pushes", "err", err)
		}
		if n+m == 0 || err != nil {
			return
		}
	}
}

// Plan records the coming months' scheduled meetings and brings the reminders up to date, if no other instance did
// so within PlanEvery (force skips that check). It reports whether it ran.
func (w *Worker) Plan(ctx context.Context, force bool) (bool, error) {
	return w.leased(ctx, "plan", w.opt.PlanEvery, force, w.plan)
}

// leased runs job under the lease of job name, if no instance ran it within every (force: whenever no instance is
// running it), and releases the lease after. It reports whether job ran.
func (w *Worker) leased(ctx context.Context, name string, every time.Duration, force bool, job func(ctx context.Context, now time.Time) error) (bool, error) {
	now := w.opt.Now()
	if force {
		every = 0
	}
	ok, err := store.TryLease(ctx, w.db.W, name, w.opt.Holder, now, w.opt.Lease, every)
	if err != nil || !ok {
		return false, err
	}
	err = job(ctx, now)
	if relErr := store.ReleaseLease(context.WithoutCancel(ctx), w.db.W, name, w.opt.Holder); err == nil {
		err = relErr
	}
	return true, err
}

func (w *Worker) plan(ctx context.Context, now time.Time) error {
	// Each step writes in short transactions (a long one would stall every device's pull on PostgreSQL) and
	// can be cut short anywhere: the next run finishes it.
	b := w.batch("plan")
	today := domain.DateOf(now)
	ended, err := b.Run(ctx, w.db, "end_assignments", func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
		return store.EndDueAssignments(ctx, tx, today, limit)
	})
	var meetings, added, withdrawn int
	if err == nil {
		meetings, err = store.PlanMeetings(ctx, w.db, today, w.opt.MonthsAhead, b)
	}
	if err == nil {
		added, withdrawn, err = store.PlanAllReminders(ctx, w.db, now, b)
	}
	if err == nil && ended+meetings+added+withdrawn > 0 {
		w.log.Info("planned", "assignments_ended", ended, "meetings", meetings, "reminders_added", added, "reminders_withdrawn", withdrawn)
	}
	return err
}

// Warm brings the coverage summary of the last twelve months up to date, if no other instance did so within
// WarmEvery (force skips that check), so that supervisors' reads seldom rebuild. It reports whether it ran and how
// many cells it rebuilt.
func (w *Worker) Warm(ctx context.Context, force bool) (bool, int, error) {
	var warmed int
	ran, err := w.leased(ctx, "coverage", w.opt.WarmEvery, force, func(ctx context.Context, now time.Time) error {
		month := domain.DateOf(now)
		month = domain.NewDate(month.Year(), month.Month(), 1)
		var err error
		warmed, err = store.WarmCoverage(ctx, w.db.R, w.db.W, month.AddMonths(-11), month)
		return err
	})
	if warmed > 0 {
		w.log.Debug("coverage summary warmed", "cells_rebuilt", warmed)
	}
	return ran, warmed, err
}

// PlanFor brings the reminders of some officials up to date inside the caller's transaction (their assignments
// just changed), so a cancelled assignment's reminders are withdrawn at once.
func PlanFor(ctx context.Context, tx bun.IDB, officials []string, now time.Time) error {
	_, _, err := store.PlanReminders(ctx, tx, now, officials)
	return err
}

// Retain deletes what has been finished for longer than the retention periods (store.PruneRetained), if no other
// instance did so within RetainEvery (force skips that check). It reports whether it ran and what it deleted.
func (w *Worker) Retain(ctx context.Context, force bool) (bool, store.Retained, error) {
	var got store.Retained
	ran, err := w.leased(ctx, "retention", w.opt.RetainEvery, force, func(ctx context.Context, now time.Time) error {
		var err error
		got, err = store.PruneRetained(ctx, w.db, now, w.opt.Retention, w.batch("retention"))
		return err
	})
	if err == nil && got.Total() > 0 {
		w.log.Info("pruned finished rows", "pushes", got.Pushes, "reminders", got.Reminders, "sessions", got.Sessions)
	}
	return ran, got, err
}

// errLost rolls back a reminder's transaction when another worker finished it first.
var errLost = errors.New("notify: reminder finished by another worker")

// FireReminders claims the reminders that are due and turns each into a notification (or withdraws or skips it
// when it no longer applies). It returns how many it claimed.
func (w *Worker) FireReminders(ctx context.Context) (int, error) {
	now := w.opt.Now()
	var rs []store.Reminder
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		rs, err = store.ClaimReminders(ctx, tx, now, w.opt.Lease, w.opt.Batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, r := range rs {
		if err := w.fire(ctx, r, now); err != nil && !errors.Is(err, errLost) {
			return len(rs), fmt.Errorf("reminder %s: %w", r.Key, err)
		}
	}
	return len(rs), nil
}

func (w *Worker) fire(ctx context.Context, r store.Reminder, now time.Time) error {
	var status string
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		note, st, why, err := compose(ctx, tx, r, now)
		if err != nil {
			return err
		}
		status = st
		ok, err := store.FinishReminder(ctx, tx, r.ID, st, why, now)
		if err != nil {
			return err
		}
		if !ok {
			return errLost
		}
		if note != nil {
			_, err = Send(ctx, tx, *note, now)
		}
		return err
	})
	if err == nil && w.metrics != nil {
		w.metrics.Reminded(status)
	}
	return err
}

// compose decides what a due reminder becomes: a notification (status sent), or nothing (withdrawn or skipped,
// with the reason).
func compose(ctx context.Context, tx bun.IDB, r store.Reminder, now time.Time) (*Note, string, string, error) {
	if r.Kind == store.ReminderDigest {
		return digest(ctx, tx, r, now)
	}
	if isRecReminder(r.Kind) {
		return composeRec(ctx, tx, r, now)
	}
	if r.MeetingID == nil {
		return nil, store.ReminderWithdrawn, "no meeting", nil
	}
	m := new(store.MeetingView)
	err := tx.NewSelect().Model(m).Column("mt.*").ColumnExpr("ou.name AS cell_name, ou.path AS cell_path").
		Join("JOIN org_units AS ou ON ou.id = mt.cell_id").Where("mt.id = ?", *r.MeetingID).Scan(ctx)
	if err != nil {
		return nil, store.ReminderWithdrawn, "meeting gone", nil
	}
	if m.Status == domain.MeetingCancelled {
		return nil, store.ReminderWithdrawn, "meeting cancelled", nil
	}
	// The key ends with the day the reminder was planned for: the meeting's (or, for a late report, the due day).
	day := r.Key[strings.LastIndex(r.Key, ":")+1:]
	var rules map[string]store.EffectiveRule
	if rules, err = store.RulesFor(ctx, tx, []string{m.CellPath}); err != nil {
		return nil, "", "", err
	}
	rule := rules[m.CellPath].Rule
	planned := m.MeetingDate
	if r.Kind == store.ReminderOverdue {
		planned = m.MeetingDate.AddDays(rule.ReportDueDays)
	}
	if planned.String() != day {
		return nil, store.ReminderWithdrawn, "meeting moved", nil
	}
	var a store.Assignment
	err = tx.NewSelect().Model(&a).Where("official_id = ? AND cell_id = ?", r.UserID, m.CellID).
		Where("status = ?", domain.AssignmentActive).Where("starts_on <= ?", m.MeetingDate).
		Where("ends_on IS NULL OR ends_on >= ?", m.MeetingDate).Limit(1).Scan(ctx)
	if err != nil {
		return nil, store.ReminderWithdrawn, "no active assignment", nil
	}
	lang := Locale(ctx, tx, r.UserID)
	args := map[string]string{"cell": m.CellName, "date": m.MeetingDate.VN(), "place": ""}
	if m.Place != "" {
		args["place"] = i18n.T(lang, "notify.place", map[string]string{"place": m.Place})
	}
	note := &Note{UserID: r.UserID, Kind: r.Kind, Args: args, Link: "#/m/" + m.ID,
		Data: map[string]string{"meeting_id": m.ID, "cell_id": m.CellID}, Topic: "meeting:" + m.ID}
	if m.Form != "" && m.Form != domain.FormCell {
		note.Link = "#/f/" + m.ID // the commune's meetings of the other forms open in their own screen
	}
	if m.Form == domain.FormCommittee && (r.Kind == store.ReminderEve || r.Kind == store.ReminderDay) {
		// an expanded committee meeting of the commune: its own wording (notify.committee_eve, committee_day)
		note.Kind = "committee_" + strings.TrimPrefix(r.Kind, "meeting_")
	}
	switch r.Kind {
	case store.ReminderEve, store.ReminderDay:
		if m.Status == domain.MeetingHeld {
			return nil, store.ReminderSkipped, "meeting already recorded", nil
		}
		if now.After(domain.NewDate(m.MeetingDate.Year(), m.MeetingDate.Month(), m.MeetingDate.Day()).AddDays(1).Time()) {
			return nil, store.ReminderSkipped, "too late", nil
		}
		note.TTL, note.Urgency = 12*time.Hour, "normal"
		if r.Kind == store.ReminderDay {
			note.Urgency = "high"
		}
		return note, store.ReminderSent, "", nil
	case store.ReminderOverdue:
		var status string
		err := tx.NewSelect().Model((*store.VisitReport)(nil)).Column("status").
			Where("meeting_id = ? AND official_id = ?", m.ID, r.UserID).Scan(ctx, &status)
		if err == nil && status == domain.ReportSubmitted {
			return nil, store.ReminderSkipped, "report submitted", nil
		}
		if now.After(r.NextAt.Add(48 * time.Hour)) {
			return nil, store.ReminderSkipped, "too late", nil
		}
		note.Args["days"] = itoa(rule.ReportDueDays)
		note.Link = "#/m/" + m.ID + "/review"
		note.TTL, note.Urgency, note.Topic = 24*time.Hour, "normal", "report:"+m.ID
		return note, store.ReminderSent, "", nil
	}
	return nil, store.ReminderWithdrawn, "unknown kind", nil
}

// digest composes a supervisor's daily digest of late visit reports in their subtrees.
func digest(ctx context.Context, tx bun.IDB, r store.Reminder, now time.Time) (*Note, string, string, error) {
	if now.After(r.NextAt.Add(12 * time.Hour)) {
		return nil, store.ReminderSkipped, "too late", nil
	}
	late, err := store.OverdueReports(ctx, tx, r.UserID, now)
	if err != nil {
		return nil, "", "", err
	}
	if len(late) == 0 {
		return nil, store.ReminderSkipped, "nothing overdue", nil
	}
	seen := map[string]bool{}
	var names []string
	for _, l := range late {
		if !seen[l.OfficialName] {
			seen[l.OfficialName] = true
			names = append(names, l.OfficialName)
		}
	}
	list := strings.Join(names[:min(3, len(names))], ", ")
	if len(names) > 3 {
		list += ", …"
	}
	return &Note{UserID: r.UserID, Kind: store.ReminderDigest, Args: map[string]string{"count": itoa(len(late)), "names": list},
		Link: "#/supervise", Data: map[string]string{"count": itoa(len(late))}, TTL: 12 * time.Hour, Urgency: "low",
		Topic: "digest:" + r.UserID}, store.ReminderSent, "", nil
}

// Deliver claims due pushes and sends them, Concurrency at a time. It returns how many it claimed.
func (w *Worker) Deliver(ctx context.Context) (int, error) {
	if w.pusher == nil {
		return 0, nil
	}
	now := w.opt.Now()
	var jobs []store.PushJob
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		jobs, err = store.ClaimPush(ctx, tx, now, w.opt.Lease, w.opt.Holder, w.opt.Batch)
		return err
	})
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, w.opt.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func(j *store.PushJob) {
			defer func() { <-sem; wg.Done() }()
			if err := w.deliver(ctx, j); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(&jobs[i])
	}
	wg.Wait()
	return len(jobs), firstErr
}

func (w *Worker) deliver(ctx context.Context, j *store.PushJob) error {
	now := w.opt.Now()
	if now.After(j.ExpiresAt) {
		return w.finish(ctx, j, store.PushExpired, 0, "expired before delivery")
	}
	ttl := j.ExpiresAt.Sub(now).Truncate(time.Second)
	res := w.pusher.Push(ctx, Delivery{Endpoint: j.Endpoint, P256DH: j.P256DH, Auth: j.Auth, Payload: []byte(j.Payload),
		TTL: ttl, Urgency: j.Urgency, Topic: j.Topic})
	// The result is recorded even when the process is shutting down: a push that went out must not go out again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	msg := ""
	if res.Err != nil {
		msg = res.Err.Error()
	}
	switch res.Outcome {
	case Delivered:
		return w.finish(ctx, j, store.PushSent, res.Status, "")
	case Gone:
		w.count("gone")
		return w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			return store.DropPushSubscription(ctx, tx, j.SubscriptionID, res.Status, w.opt.Now())
		})
	case Rejected:
		w.log.Error("push service refused a push: check the VAPID keys and subject", "status", res.Status,
			"subscription", j.SubscriptionID, "err", msg)
		return w.finish(ctx, j, store.PushRejected, res.Status, msg)
	}
	next := now.Add(Backoff(j.Attempts, res.RetryAfter))
	if next.After(j.ExpiresAt) {
		return w.finish(ctx, j, store.PushExpired, res.Status, msg)
	}
	w.count("retry")
	w.log.Warn("push failed, will retry", "status", res.Status, "attempt", j.Attempts, "next", next, "err", msg)
	return w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.PushRetry(ctx, tx, j, w.opt.Holder, res.Status, msg, next, w.opt.Now())
	})
}

func (w *Worker) finish(ctx context.Context, j *store.PushJob, status string, httpStatus int, msg string) error {
	w.count(status)
	return w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := store.PushDone(ctx, tx, j, w.opt.Holder, status, httpStatus, msg, w.opt.Now())
		if err == nil && !ok {
			w.log.Warn("push claim ran out before its result was recorded", "push", j.ID)
		}
		return err
	})
}

func (w *Worker) count(outcome string) {
	if w.metrics != nil {
		w.metrics.Pushed(outcome)
	}
}

// Backoff is the wait before attempt n+1 of a push: 30 s doubled each time up to an hour, with ±20 % jitter so
// that devices of one failing push service are not retried in step; a Retry-After the service sent wins if longer.
func Backoff(attempts int, retryAfter time.Duration) time.Duration {
	d := 30 * time.Second * time.Duration(math.Pow(2, float64(max(0, attempts-1))))
	d = min(d, time.Hour)
	d = time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
	return max(d, retryAfter)
}
