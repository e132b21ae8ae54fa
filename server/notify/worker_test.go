package notify_test

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/wire"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// ict is a local time in Asia/Ho_Chi_Minh.
func ict(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Zone)
}

// pusher is a scripted push service: it answers each endpoint with the outcomes queued for it (then Delivered)
// and records what it delivered.
type pusher struct {
	mu        sync.Mutex
	script    map[string][]notify.Result
	delivered []notify.Delivery
	calls     int
	block     chan struct{} // when set, Push waits on it
}

func newPusher() *pusher { return &pusher{script: map[string][]notify.Result{}} }

func (p *pusher) Push(ctx context.Context, d notify.Delivery) notify.Result {
	if p.block != nil {
		<-p.block
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if s := p.script[d.Endpoint]; len(s) > 0 {
		p.script[d.Endpoint] = s[1:]
		if s[0].Outcome != notify.Delivered {
			return s[0]
		}
	}
	p.delivered = append(p.delivered, d)
	return notify.Result{Outcome: notify.Delivered, Status: 201}
}

func (p *pusher) Delivered() []notify.Delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notify.Delivery(nil), p.delivered...)
}

type fixture struct {
	t                 *testing.T
	db                *store.DB
	clock             *clock
	province, commune *store.OrgUnit
	cellA, cellB      *store.OrgUnit
	off, sup          *store.User
	assignA           *store.Assignment
	subs              []*store.PushSubscription
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, db: testdb.New(t), clock: &clock{t: now}}
	f.write(func(ctx context.Context, tx bun.Tx) error {
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		f.province = unit("Đảng bộ tỉnh Quảng Trị", domain.KindProvince, nil)
		f.commune = unit("Đảng bộ xã Triệu Phong", domain.KindCommune, f.province)
		f.cellA = unit("Chi bộ thôn An Lợi", domain.KindCell, f.commune)
		f.cellB = unit("Chi bộ thôn Phước Thị", domain.KindCell, f.commune)
		user := func(name string, role domain.Role) *store.User {
			u := &store.User{Username: name, DisplayName: "Đồng chí " + name, PasswordHash: "x", Active: true, HomeOrgUnitID: &f.commune.ID}
			if err := store.CreateUser(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			if err := store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: role, OrgUnitID: &f.commune.ID}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		f.off = user("canbo", domain.RoleOfficial)
		f.sup = user("giamsat", domain.RoleSupervisor)
		f.assignA = &store.Assignment{OfficialID: f.off.ID, CellID: f.cellA.ID, StartsOn: domain.NewDate(2026, 1, 1),
			Frequency: domain.FrequencyMonthly}
		if _, err := store.CreateAssignment(ctx, tx, f.assignA); err != nil {
			t.Fatal(err)
		}
		for _, ep := range []string{"https://push.example/phone", "https://push.example/tablet"} {
			s := &store.PushSubscription{UserID: f.off.ID, Endpoint: ep, P256DH: "k", Auth: "a"}
			if err := store.SavePushSubscription(ctx, tx, s); err != nil {
				t.Fatal(err)
			}
			f.subs = append(f.subs, s)
		}
		return nil
	})
	return f
}

func (f *fixture) write(fn func(ctx context.Context, tx bun.Tx) error) {
	f.t.Helper()
	if err := f.db.Write(context.Background(), fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) worker(p notify.Pusher, holder string) *notify.Worker {
	return notify.NewWorker(f.db, p, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
		notify.Options{Now: f.clock.Now, Holder: holder, Lease: time.Minute, Batch: 20})
}

// plan runs the planner as the worker does, ignoring its lease interval.
func (f *fixture) plan(w *notify.Worker) {
	f.t.Helper()
	if ran, err := w.Plan(context.Background(), true); err != nil || !ran {
		f.t.Fatalf("plan: ran %v, %v", ran, err)
	}
}

type rem struct {
	Kind, Status string
	At           string // local time
}

// reminders lists the reminders of user at meetings in month ("2026-12"), as kind/status/local time.
func (f *fixture) reminders(user, month string) []rem {
	f.t.Helper()
	var rs []store.Reminder
	if err := f.db.R.NewSelect().Model(&rs).Where("user_id = ?", user).Scan(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	var out []rem
	for _, r := range rs {
		at := r.NextAt.In(domain.Zone)
		if r.Kind != store.ReminderOverdue && !strings.HasPrefix(at.Format("2006-01-02"), month) {
			continue
		}
		if r.Kind == store.ReminderOverdue && !strings.Contains(r.Key, ":"+month) {
			continue
		}
		out = append(out, rem{r.Kind, r.Status, at.Format("2006-01-02 15:04")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At+out[i].Kind+out[i].Status < out[j].At+out[j].Kind+out[j].Status })
	return out
}

func (f *fixture) notifications(user string) []store.Notification {
	f.t.Helper()
	var ns []store.Notification
	if err := f.db.R.NewSelect().Model(&ns).Where("user_id = ?", user).OrderExpr("id").Scan(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return ns
}

func TestPlanMeetingsAndReminders(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	w := f.worker(nil, "a")
	f.plan(w)
	ctx := context.Background()
	// The scheduled meetings of November and December exist under their scheduled ids, on the 3rd.
	for _, month := range []string{"2026-11", "2026-12"} {
		var m store.Meeting
		if err := f.db.R.NewSelect().Model(&m).Where("id = ?", wire.ScheduledMeetingID(f.cellA.ID, month)).Scan(ctx); err != nil {
			t.Fatalf("%s: %v", month, err)
		}
		if m.MeetingDate.String() != month+"-03" || m.Status != domain.MeetingPlanned {
			t.Errorf("%s: meeting %s %s", month, m.MeetingDate, m.Status)
		}
		if want := map[string]domain.MeetingType{"2026-11": domain.MeetingRegular, "2026-12": domain.MeetingThematic}[month]; m.Type != want {
			t.Errorf("%s: type %s, want %s (December closes a quarter)", month, m.Type, want)
		}
	}
	// Planning again changes nothing.
	f.plan(w)
	n, err := f.db.R.NewSelect().Model((*store.Meeting)(nil)).Where("cell_id = ?", f.cellA.ID).Count(ctx)
	if err != nil || n != 2 {
		t.Fatalf("cell A has %d meetings (%v), want 2", n, err)
	}
	want := []rem{
		{store.ReminderEve, store.ReminderPending, "2026-12-02 19:00"},
		{store.ReminderDay, store.ReminderPending, "2026-12-03 07:00"},
		{store.ReminderOverdue, store.ReminderPending, "2026-12-06 08:00"},
	}
	if diff := cmp.Diff(want, f.reminders(f.off.ID, "2026-12")); diff != "" {
		t.Errorf("December reminders (-want +got):\n%s", diff)
	}
	// The supervisor gets tomorrow's digest (today's 08:00 has passed), and the weekly digest of overdue
	// recommendations on the coming Monday.
	if diff := cmp.Diff([]rem{{store.ReminderDigest, store.ReminderPending, "2026-11-26 08:00"},
		{store.ReminderRecDigest, store.ReminderPending, "2026-11-30 08:00"}}, f.reminders(f.sup.ID, "2026-11")); diff != "" {
		t.Errorf("digest (-want +got):\n%s", diff)
	}
}

func TestRemindersFireAtLocalTimes(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	p := newPusher()
	w := f.worker(p, "a")
	f.plan(w)
	ctx := context.Background()
	steps := []struct {
		at        time.Time
		wantTitle string
	}{
		{ict(2026, 12, 2, 18, 59), ""},
		{ict(2026, 12, 2, 19, 0), "Nhắc lịch: sinh hoạt chi bộ ngày mai"},
		{ict(2026, 12, 3, 6, 59), ""},
		{ict(2026, 12, 3, 7, 0), "Hôm nay: sinh hoạt chi bộ"},
		{ict(2026, 12, 6, 8, 0), "Chưa gửi báo cáo dự sinh hoạt"},
	}
	seen := 0
	for _, s := range steps {
		f.clock.Set(s.at)
		if _, err := w.FireReminders(ctx); err != nil {
			t.Fatal(err)
		}
		ns := f.notifications(f.off.ID)
		if s.wantTitle == "" {
			if len(ns) != seen {
				t.Fatalf("%s: %d notifications, want %d", s.at, len(ns), seen)
			}
			continue
		}
		seen++
		if len(ns) != seen {
			t.Fatalf("%s: %d notifications, want %d", s.at, len(ns), seen)
		}
		got := ns[len(ns)-1]
		if got.Title != s.wantTitle || !strings.Contains(got.Body, "Chi bộ thôn An Lợi") || !strings.Contains(got.Body, "03/12/2026") {
			t.Errorf("%s: notification %q / %q", s.at, got.Title, got.Body)
		}
		if !strings.HasPrefix(got.Link, "#/m/"+wire.ScheduledMeetingID(f.cellA.ID, "2026-12")) {
			t.Errorf("link %q", got.Link)
		}
		// Each notification goes to both devices, once.
		if _, err := w.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		if d := p.Delivered(); len(d) != 2*seen {
			t.Errorf("%s: %d pushes delivered, want %d", s.at, len(d), 2*seen)
		}
	}
	pushes := p.Delivered()
	if pushes[2].Urgency != "high" || pushes[0].Urgency != "normal" || pushes[0].TTL > 12*time.Hour || pushes[0].TTL < 11*time.Hour {
		t.Errorf("eve push urgency %s ttl %s; day push urgency %s", pushes[0].Urgency, pushes[0].TTL, pushes[2].Urgency)
	}
	if pushes[0].Topic != pushes[2].Topic {
		t.Errorf("the day's reminder should replace the eve's: topics %q, %q", pushes[0].Topic, pushes[2].Topic)
	}
}

func TestMovedMeetingCancelledAssignmentAndMonthWithoutMeeting(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	w := f.worker(newPusher(), "a")
	f.plan(w)
	ctx := context.Background()
	// December's meeting moves to the 5th: its reminders follow.
	f.write(func(ctx context.Context, tx bun.Tx) error {
		if _, err := store.MoveScheduledMeeting(ctx, tx, f.cellA, "2026-12", domain.NewDate(2026, 12, 5), false, "Lũ lụt"); err != nil {
			return err
		}
		return notify.PlanFor(ctx, tx, []string{f.off.ID}, f.clock.Now())
	})
	want := []rem{
		{store.ReminderEve, store.ReminderWithdrawn, "2026-12-02 19:00"},
		{store.ReminderDay, store.ReminderWithdrawn, "2026-12-03 07:00"},
		{store.ReminderEve, store.ReminderPending, "2026-12-04 19:00"},
		{store.ReminderDay, store.ReminderPending, "2026-12-05 07:00"},
		{store.ReminderOverdue, store.ReminderWithdrawn, "2026-12-06 08:00"},
		{store.ReminderOverdue, store.ReminderPending, "2026-12-08 08:00"},
	}
	if diff := cmp.Diff(want, f.reminders(f.off.ID, "2026-12")); diff != "" {
		t.Errorf("after the move (-want +got):\n%s", diff)
	}
	// A reminder planned before the move that fires late (the plan ran behind) checks the meeting and says nothing.
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*store.Reminder)(nil)).Set("status = 'pending'").
			Where("kind = ? AND status = 'withdrawn' AND user_id = ?", store.ReminderEve, f.off.ID).Exec(ctx)
		return err
	})
	f.clock.Set(ict(2026, 12, 2, 19, 0))
	if _, err := w.FireReminders(ctx); err != nil {
		t.Fatal(err)
	}
	if ns := f.notifications(f.off.ID); len(ns) != 0 {
		t.Errorf("a reminder for the old day was sent: %q", ns[0].Title)
	}

	// January is cancelled: Expected says so, and no reminder is planned for it.
	f.clock.Set(ict(2026, 12, 20, 9, 0))
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := store.MoveScheduledMeeting(ctx, tx, f.cellA, "2027-01", domain.Date{}, true, "Tết")
		return err
	})
	f.plan(w)
	if got := f.reminders(f.off.ID, "2027-01"); len(got) != 0 {
		t.Errorf("reminders for a cancelled month: %v", got)
	}
	exp, err := store.Expected(ctx, f.db.R, []string{f.cellA.Path}, nil, domain.NewDate(2027, 1, 1), domain.NewDate(2027, 1, 1))
	if err != nil || len(exp) != 1 || exp[0].Status != domain.MeetingCancelled {
		t.Fatalf("expected January: %+v, %v", exp, err)
	}

	// The assignment is cancelled: everything still pending is withdrawn and nothing fires.
	f.write(func(ctx context.Context, tx bun.Tx) error {
		a, err := store.GetAssignment(ctx, tx, f.assignA.ID)
		if err != nil {
			return err
		}
		if _, err := store.CancelAssignment(ctx, tx, a); err != nil {
			return err
		}
		return notify.PlanFor(ctx, tx, []string{f.off.ID}, f.clock.Now())
	})
	pending, err := f.db.R.NewSelect().Model((*store.Reminder)(nil)).Where("user_id = ? AND status = 'pending'", f.off.ID).Count(ctx)
	if err != nil || pending != 0 {
		t.Errorf("%d reminders still pending after the cancellation (%v)", pending, err)
	}
	f.clock.Set(ict(2027, 2, 2, 19, 0))
	f.plan(w)
	if _, err := w.FireReminders(ctx); err != nil {
		t.Fatal(err)
	}
	if ns := f.notifications(f.off.ID); len(ns) != 0 {
		t.Errorf("notifications after the cancellation: %d", len(ns))
	}
}

func TestProvinceRule(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	rule := domain.ScheduleRule{DayOfMonth: 31, ThematicMonths: []int{2, 5, 8, 11}, EveReminder: domain.Clock{Hour: 18, Minute: 30},
		MorningReminder: domain.Clock{Hour: 6, Minute: 15}, ReportDueDays: 5, DigestAt: domain.Clock{Hour: 7}}
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := store.PutScheduleRule(ctx, tx, f.province, rule)
		return err
	})
	f.plan(f.worker(nil, "a"))
	// November 30 (a 31st that does not exist), thematic; reminders at the province's times.
	want := []rem{
		{store.ReminderEve, store.ReminderPending, "2026-11-29 18:30"},
		{store.ReminderDay, store.ReminderPending, "2026-11-30 06:15"},
	}
	if diff := cmp.Diff(want, f.reminders(f.off.ID, "2026-11")[:2]); diff != "" {
		t.Errorf("November (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]rem{{store.ReminderOverdue, store.ReminderPending, "2026-12-05 07:00"}}, f.reminders(f.off.ID, "2026-12-05")); diff != "" {
		t.Errorf("overdue after 5 days at the digest hour (-want +got):\n%s", diff)
	}
	var m store.Meeting
	if err := f.db.R.NewSelect().Model(&m).Where("id = ?", wire.ScheduledMeetingID(f.cellB.ID, "2026-11")).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.MeetingDate.String() != "2026-11-30" || m.Type != domain.MeetingThematic {
		t.Errorf("cell B November: %s %s", m.MeetingDate, m.Type)
	}
}

// queue creates n notifications for the official, each queued to both devices.
func (f *fixture) queue(n int) {
	f.t.Helper()
	f.write(func(ctx context.Context, tx bun.Tx) error {
		for i := 0; i < n; i++ {
			note := notify.AssignmentNote(notify.KindAssignmentChanged, f.assignA, f.cellA.Name, "vi")
			if _, err := notify.Send(ctx, tx, note, f.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) outbox() map[string]int {
	f.t.Helper()
	c, err := store.PushCounts(context.Background(), f.db.R)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func TestDeliveryOutcomes(t *testing.T) {
	ctx := context.Background()
	phone, tablet := "https://push.example/phone", "https://push.example/tablet"
	tests := []struct {
		name       string
		script     map[string][]notify.Result
		wantCounts map[string]int
		wantSubs   int64 // live subscriptions after
		wantTries  int   // push attempts
	}{
		{"delivered", nil, map[string]int{store.PushSent: 2}, 2, 2},
		{"503 then delivered", map[string][]notify.Result{phone: {{Outcome: notify.Retry, Status: 503}}},
			map[string]int{store.PushSent: 2}, 2, 3},
		{"429 twice with Retry-After", map[string][]notify.Result{phone: {{Outcome: notify.Retry, Status: 429, RetryAfter: 10 * time.Minute}, {Outcome: notify.Retry, Status: 429}}},
			map[string]int{store.PushSent: 2}, 2, 4},
		{"410 removes the subscription", map[string][]notify.Result{tablet: {{Outcome: notify.Gone, Status: 410}}},
			map[string]int{store.PushSent: 1, store.PushGone: 1}, 1, 2},
		{"404 removes the subscription", map[string][]notify.Result{phone: {{Outcome: notify.Gone, Status: 404}}},
			map[string]int{store.PushSent: 1, store.PushGone: 1}, 1, 2},
		{"403 is our fault: kept, not retried", map[string][]notify.Result{phone: {{Outcome: notify.Rejected, Status: 403}}},
			map[string]int{store.PushSent: 1, store.PushRejected: 1}, 2, 2},
		{"retries until the TTL runs out", map[string][]notify.Result{phone: make([]notify.Result, 100)},
			map[string]int{store.PushSent: 1, store.PushExpired: 1}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ict(2026, 11, 25, 10, 0))
			p := newPusher()
			for ep, s := range tt.script {
				for i := range s {
					if s[i].Outcome == notify.Delivered && s[i].Status == 0 { // the zero Result: a 500
						s[i] = notify.Result{Outcome: notify.Retry, Status: 500}
					}
				}
				p.script[ep] = s
			}
			w := f.worker(p, "a")
			f.queue(1)
			// Deliver, then let time pass to the next attempt, until nothing is pending.
			for i := 0; i < 100 && f.outbox()[store.PushPending] > 0; i++ {
				if _, err := w.Deliver(ctx); err != nil {
					t.Fatal(err)
				}
				f.clock.Add(75 * time.Minute)
			}
			if diff := cmp.Diff(tt.wantCounts, f.outbox()); diff != "" {
				t.Errorf("outbox (-want +got):\n%s", diff)
			}
			n, err := f.db.R.NewSelect().Model((*store.PushSubscription)(nil)).Count(ctx)
			if err != nil || n != tt.wantSubs {
				t.Errorf("%d live subscriptions (%v), want %d", n, err, tt.wantSubs)
			}
			if tt.wantTries > 0 && p.calls != tt.wantTries {
				t.Errorf("%d push attempts, want %d", p.calls, tt.wantTries)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		attempts   int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 24 * time.Second, 36 * time.Second},
		{2, 0, 48 * time.Second, 72 * time.Second},
		{5, 0, 384 * time.Second, 576 * time.Second},
		{20, 0, 48 * time.Minute, 72 * time.Minute},
		{1, 10 * time.Minute, 10 * time.Minute, 10 * time.Minute},
	} {
		for i := 0; i < 50; i++ {
			if d := notify.Backoff(tt.attempts, tt.retryAfter); d < tt.lo || d > tt.hi {
				t.Fatalf("Backoff(%d, %s) = %s, want within [%s, %s]", tt.attempts, tt.retryAfter, d, tt.lo, tt.hi)
			}
		}
	}
}

func TestTwoWorkersSendEachPushOnce(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	f.queue(60)
	p := newPusher()
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, h := range []string{"instance-1", "instance-2"} {
		w := f.worker(p, h)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := w.Deliver(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, d := range p.Delivered() {
		seen[d.Endpoint+string(d.Payload)]++
	}
	if len(seen) != 120 {
		t.Errorf("%d distinct pushes delivered, want 120", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("push delivered %d times: %s", n, k)
		}
	}
	if diff := cmp.Diff(map[string]int{store.PushSent: 120}, f.outbox()); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestRestartInTheMiddleOfABatch(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	f.queue(10)
	ctx := context.Background()
	// Instance 1 delivers some, then claims a batch and dies before sending it.
	p := newPusher()
	w1 := f.worker(p, "instance-1")
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*store.PushItem)(nil)).Set("next_at = ?", f.clock.Now().Add(time.Hour)).
			Where("id IN (SELECT id FROM push_outbox ORDER BY id LIMIT 14)").Exec(ctx)
		return err
	})
	if n, err := w1.Deliver(ctx); err != nil || n != 6 {
		t.Fatalf("first batch: %d, %v", n, err)
	}
	f.clock.Add(time.Hour)
	var claimed []store.PushJob
	f.write(func(ctx context.Context, tx bun.Tx) error {
		var err error
		claimed, err = store.ClaimPush(ctx, tx, f.clock.Now(), time.Minute, "instance-1", 100)
		return err
	})
	if len(claimed) != 14 {
		t.Fatalf("claimed %d", len(claimed))
	}
	// Instance 2 starts: while the dead claim holds, it sends nothing; once the claim runs out, it sends the rest once.
	w2 := f.worker(p, "instance-2")
	if n, err := w2.Deliver(ctx); err != nil || n != 0 {
		t.Fatalf("during the claim: %d, %v", n, err)
	}
	f.clock.Add(2 * time.Minute)
	if n, err := w2.Deliver(ctx); err != nil || n != 14 {
		t.Fatalf("after the claim ran out: %d, %v", n, err)
	}
	seen := map[string]int{}
	for _, d := range p.Delivered() {
		seen[d.Endpoint+string(d.Payload)]++
	}
	if len(seen) != 20 || len(p.Delivered()) != 20 {
		t.Errorf("%d pushes, %d distinct, want 20 each", len(p.Delivered()), len(seen))
	}
	// The dead instance's late answer is refused: the row is another's now.
	ok, err := store.PushDone(ctx, f.db.W, &claimed[0], "instance-1", store.PushRejected, 400, "", f.clock.Now())
	if err != nil || ok {
		t.Errorf("stale claim recorded a result: %v, %v", ok, err)
	}
	if diff := cmp.Diff(map[string]int{store.PushSent: 20}, f.outbox()); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestTwoWorkersFireEachReminderOnce(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	// More officials and cells make more reminders due at once.
	f.write(func(ctx context.Context, tx bun.Tx) error {
		a := &store.Assignment{OfficialID: f.off.ID, CellID: f.cellB.ID, StartsOn: domain.NewDate(2026, 1, 1), Frequency: domain.FrequencyMonthly}
		_, err := store.CreateAssignment(ctx, tx, a)
		return err
	})
	w1, w2 := f.worker(nil, "instance-1"), f.worker(nil, "instance-2")
	f.plan(w1)
	f.clock.Set(ict(2026, 12, 3, 7, 0)) // both eve and day reminders of both cells are due
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, w := range []*notify.Worker{w1, w2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.FireReminders(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ns := f.notifications(f.off.ID)
	kinds := map[string]int{}
	for _, n := range ns {
		kinds[n.Kind]++
	}
	// The eve reminders are late (it is the meeting day) but still useful; each fires once per cell.
	if diff := cmp.Diff(map[string]int{store.ReminderEve: 2, store.ReminderDay: 2}, kinds); diff != "" {
		t.Errorf("notifications by kind (-want +got):\n%s", diff)
	}
}

func TestPlannerEndsDueAssignments(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	w := f.worker(nil, "a")
	f.plan(w)
	if got := f.reminders(f.off.ID, "2026-12"); len(got) == 0 {
		t.Fatal("no December reminders before the assignment ends")
	}
	// The assignment ends on 30/11; on 1/12 the planner marks it ended and withdraws December's reminders.
	f.write(func(ctx context.Context, tx bun.Tx) error {
		before := *f.assignA
		f.assignA.EndsOn = domain.NewDate(2026, 11, 30)
		return store.Update(ctx, tx, &before, f.assignA)
	})
	f.clock.Set(ict(2026, 12, 1, 6, 0))
	f.plan(w)
	var a store.Assignment
	if err := f.db.R.NewSelect().Model(&a).Where("id = ?", f.assignA.ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.Status != domain.AssignmentEnded {
		t.Errorf("status %s, want ended", a.Status)
	}
	for _, r := range f.reminders(f.off.ID, "2026-12") {
		if r.Status == store.ReminderPending {
			t.Errorf("reminder %+v still pending after the assignment ended", r)
		}
	}
	n, err := f.db.R.NewSelect().Table("audit_log").Where("entity = 'assignment' AND action = 'end' AND entity_id = ?", a.ID).Count(context.Background())
	if err != nil || n != 1 {
		t.Errorf("audit rows for the automatic end: %d (%v), want 1", n, err)
	}
}

func TestRecommendationAnswered(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	var sec store.User
	f.write(func(ctx context.Context, tx bun.Tx) error {
		sec = store.User{Username: "bithu", DisplayName: "Bí thư", PasswordHash: "x", Active: true, HomeOrgUnitID: &f.cellA.ID}
		if err := store.CreateUser(ctx, tx, &sec); err != nil {
			return err
		}
		if err := store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: sec.ID, Role: domain.RoleSecretary, OrgUnitID: &f.cellA.ID}); err != nil {
			return err
		}
		rec := &store.Recommendation{CellID: f.cellA.ID, Content: "Đề nghị sửa đường liên thôn", Status: domain.RecAnswered,
			Urgency: "normal", RaisedOn: domain.NewDate(2026, 11, 3), RaisedBy: &f.off.ID}
		if err := store.Insert(ctx, tx, rec); err != nil {
			return err
		}
		ans := &store.RecommendationAnswer{RecommendationID: rec.ID, Body: "Xã đã bố trí kinh phí", AnsweredBy: &f.sup.ID,
			AnsweredAt: f.clock.Now(), Verdict: "pending"}
		if err := store.Insert(ctx, tx, ans); err != nil {
			return err
		}
		return notify.RecommendationAnswered(ctx, tx, rec, ans, f.clock.Now())
	})
	for _, u := range []*store.User{f.off, &sec} {
		ns := f.notifications(u.ID)
		if len(ns) != 1 || ns[0].Kind != notify.KindRecommendation || !strings.Contains(ns[0].Body, "sửa đường") || !strings.HasPrefix(ns[0].Link, "#/recs/") {
			t.Errorf("%s: notifications %+v, want one recommendation_answered", u.Username, ns)
		}
	}
	if n := len(f.notifications(f.sup.ID)); n != 0 {
		t.Errorf("the answerer got %d notifications of their own answer", n)
	}
	if diff := cmp.Diff(map[string]int{store.PushPending: 2}, f.outbox()); diff != "" {
		t.Errorf("outbox: the official's two devices (-want +got):\n%s", diff)
	}
}

// TestNoDigestAfterTheGrantIsRevoked: a supervisor whose grant was revoked (soft-deleted) gets neither the daily
// digest nor the weekly digest of overdue recommendations.
func TestNoDigestAfterTheGrantIsRevoked(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	ctx := context.Background()
	var ids []string
	if err := f.db.R.NewSelect().Model((*store.RoleGrant)(nil)).Column("id").Where("user_id = ?", f.sup.ID).Scan(ctx, &ids); err != nil || len(ids) == 0 {
		t.Fatalf("the supervisor's grants: %v %v", ids, err)
	}
	for _, id := range ids {
		if err := store.DeleteGrant(ctx, f.db.W, id); err != nil {
			t.Fatal(err)
		}
	}
	f.plan(f.worker(nil, "a"))
	if got := f.reminders(f.sup.ID, "2026-11"); len(got) != 0 {
		t.Errorf("digests of a supervisor whose grant was revoked: %v", got)
	}
}

// TestCommitteeReminderOpensTheCommuneMeeting: the eve reminder of an expanded committee meeting speaks of that
// meeting and opens it in the commune meetings' screen (#/f/…), not the cell meeting screen.
func TestCommitteeReminderOpensTheCommuneMeeting(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 25, 10, 0))
	m := &store.Meeting{CellID: f.commune.ID, Form: domain.FormCommittee, MeetingDate: domain.NewDate(2026, 12, 10),
		Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned}
	f.write(func(ctx context.Context, tx bun.Tx) error {
		a := &store.Assignment{OfficialID: f.off.ID, CellID: f.commune.ID, Form: domain.FormCommittee,
			StartsOn: domain.NewDate(2026, 1, 1), Frequency: domain.FrequencyMonthly}
		if _, err := store.CreateAssignment(ctx, tx, a); err != nil {
			return err
		}
		return store.Insert(ctx, tx, m)
	})
	w := f.worker(newPusher(), "a")
	f.plan(w)
	f.clock.Set(ict(2026, 12, 9, 19, 0))
	if _, err := w.FireReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, n := range f.notifications(f.off.ID) {
		if strings.Contains(n.Link, m.ID) {
			found = true
			if n.Link != "#/f/"+m.ID || !strings.Contains(n.Title+n.Body, "10/12/2026") {
				t.Errorf("the committee meeting's eve reminder: %q %q → %q", n.Title, n.Body, n.Link)
			}
		}
	}
	if !found {
		t.Errorf("no eve reminder of the committee meeting among %d notifications", len(f.notifications(f.off.ID)))
	}
}

// TestWarmKeepsCoverageCurrent: the worker's warming builds the coverage summary of every cell, one instance at a
// time and at most once per WarmEvery; after a write only the written cell is rebuilt, on the next round.
func TestWarmKeepsCoverageCurrent(t *testing.T) {
	f := newFixture(t, ict(2026, time.December, 4, 20, 0))
	ctx := context.Background()
	w1, w2 := f.worker(nil, "one"), f.worker(nil, "two")
	warm := func(w *notify.Worker, force bool) (bool, int) {
		t.Helper()
		ran, n, err := w.Warm(ctx, force)
		if err != nil {
			t.Fatal(err)
		}
		return ran, n
	}
	if ran, n := warm(w1, false); !ran || n != 2 {
		t.Fatalf("first warming: ran %v, rebuilt %d cells; want the fixture's 2", ran, n)
	}
	if ran, _ := warm(w2, false); ran {
		t.Error("the other instance warmed again within WarmEvery")
	}
	f.clock.Add(6 * time.Second)
	if ran, n := warm(w2, false); !ran || n != 0 {
		t.Errorf("warming with no write since: ran %v, rebuilt %d cells; want 0", ran, n)
	}
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw(`UPDATE assignments SET note = 'x', ends_on = ? WHERE id = ?`, domain.NewDate(2026, 11, 30), f.assignA.ID).Exec(ctx)
		return err
	})
	f.clock.Add(6 * time.Second)
	if ran, n := warm(w1, false); !ran || n != 1 {
		t.Errorf("warming after a write to cell A: ran %v, rebuilt %d cells; want 1", ran, n)
	}
}
