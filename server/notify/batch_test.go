package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
)

// txLog records the transactions of background jobs.
type txLog struct {
	mu    sync.Mutex
	txs   map[string]int // step → transactions
	most  map[string]int // step → most rows in one
	after func(step string, n int)
}

func (l *txLog) observe(step string, rows int, _ time.Duration) {
	l.mu.Lock()
	if l.txs == nil {
		l.txs, l.most = map[string]int{}, map[string]int{}
	}
	l.txs[step]++
	l.most[step] = max(l.most[step], rows)
	n := l.txs[step]
	l.mu.Unlock()
	if l.after != nil {
		l.after(step, n)
	}
}

// grow adds ten more cells the official is assigned to every month, and four assignments that ended last week.
func (f *fixture) grow() {
	f.write(func(ctx context.Context, tx bun.Tx) error {
		for i := range 10 {
			c := &store.OrgUnit{Name: fmt.Sprintf("Chi bộ thôn %d", i+1), Kind: domain.KindCell, ParentID: &f.commune.ID}
			if err := store.CreateOrgUnit(ctx, tx, c); err != nil {
				return err
			}
			a := &store.Assignment{OfficialID: f.off.ID, CellID: c.ID, StartsOn: domain.NewDate(2026, 1, 1),
				Frequency: domain.FrequencyMonthly}
			if i < 4 {
				a.EndsOn = domain.NewDate(2026, 11, 20)
			}
			if _, err := store.CreateAssignment(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// planned sums up what planning left: assignments by status, meetings by status, reminders by kind and status.
func (f *fixture) planned() map[string]int {
	f.t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	var as []store.Assignment
	var ms []store.Meeting
	var rs []store.Reminder
	for _, q := range []any{&as, &ms, &rs} {
		if err := f.db.R.NewSelect().Model(q).Scan(ctx); err != nil {
			f.t.Fatal(err)
		}
	}
	for _, a := range as {
		out["assignment "+string(a.Status)]++
	}
	for _, m := range ms {
		out["meeting "+string(m.Status)]++
	}
	for _, r := range rs {
		out["reminder "+r.Kind+" "+r.Status]++
	}
	return out
}

// TestPlanInBoundedBatches: with three rows a transaction (one meeting, which writes four), planning ends the due assignments, plans every
// meeting and reminder in many short transactions, and a run cut short between two of them is finished by the
// next run, with the same result as planning in one go.
func TestPlanInBoundedBatches(t *testing.T) {
	now := ict(2026, 11, 25, 10, 0)
	whole := newFixture(t, now)
	whole.grow()
	whole.plan(whole.worker(nil, "a"))
	want := whole.planned()
	if want["meeting planned"] != 24 || want["assignment ended"] != 4 || want["reminder meeting_eve pending"] == 0 {
		t.Fatalf("planning in one go: %v", want)
	}

	f := newFixture(t, now)
	f.grow()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log txLog
	log.after = func(step string, n int) {
		if step == "plan_meetings" && n == 2 {
			cancel() // the process dies after its second transaction of meetings
		}
	}
	w := notify.NewWorker(f.db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
		notify.Options{Now: f.clock.Now, Holder: "a", Lease: time.Minute, JobBatch: 3, Observe: log.observe})
	if ran, err := w.Plan(ctx, true); !ran || err == nil {
		t.Fatalf("the interrupted run: ran %v, err %v; want an error", ran, err)
	}
	if got := f.planned()["meeting planned"]; got != 2 {
		t.Errorf("after two transactions of one meeting (a meeting writes four rows), %d meetings", got)
	}
	log.after = nil
	f.plan(w)
	if diff := cmp.Diff(want, f.planned()); diff != "" {
		t.Errorf("batched planning differs from planning in one go (-want +got):\n%s", diff)
	}
	for step, most := range log.most {
		want := 3
		if step == "plan_meetings" {
			want = 1
		}
		if most > want {
			t.Errorf("%s wrote %d in one transaction, want at most %d", step, most, want)
		}
	}
	// 4 ended assignments: 3 + 1, then one round finding none on the second run; 24 meetings: 2 rounds before
	// the interruption, then the 22 left one by one; reminders: at least one round per 3.
	if log.txs["end_assignments"] != 2+1 || log.txs["plan_meetings"] != 2+22 {
		t.Errorf("transactions: %v", log.txs)
	}
	reminders := 0
	for k, n := range want {
		if len(k) > 8 && k[:8] == "reminder" {
			reminders += n
		}
	}
	if got := log.txs["plan_reminders"]; got < (reminders+2)/3 {
		t.Errorf("%d transactions for %d reminders, want at least %d", got, reminders, (reminders+2)/3)
	}
}

// TestRetainUnderLease: the retention job runs on one instance at a time, at most every RetainEvery, and deletes
// finished pushes older than the retention period.
func TestRetainUnderLease(t *testing.T) {
	f := newFixture(t, ict(2026, 11, 1, 10, 0))
	p := newPusher()
	opt := func(holder string) notify.Options {
		return notify.Options{Now: f.clock.Now, Holder: holder, Lease: time.Minute, RetainEvery: time.Hour,
			Retention: store.Retention{Pushes: 24 * time.Hour}}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := notify.NewWorker(f.db, p, quiet, nil, opt("a"))
	b := notify.NewWorker(f.db, p, quiet, nil, opt("b"))
	ctx := context.Background()
	f.write(func(ctx context.Context, tx bun.Tx) error {
		_, err := notify.Send(ctx, tx, notify.AssignmentNote(notify.KindAssignmentCreated, f.assignA, "Chi bộ thôn An Lợi", "vi"), f.clock.Now())
		return err
	})
	if _, err := a.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := store.PushCounts(ctx, f.db.R); c[store.PushSent] != 2 {
		t.Fatalf("push counts %v, want 2 sent", c)
	}
	// Two days later: a runs and deletes both; b, within the hour, does not run.
	f.clock.Add(48 * time.Hour)
	ran, got, err := a.Retain(ctx, false)
	if err != nil || !ran || got.Pushes != 2 {
		t.Fatalf("a: ran %v, deleted %+v, %v; want 2 pushes", ran, got, err)
	}
	if ran, _, err := b.Retain(ctx, false); err != nil || ran {
		t.Errorf("b within the hour: ran %v, %v; want not run", ran, err)
	}
	f.clock.Add(61 * time.Minute)
	if ran, got, err := b.Retain(ctx, false); err != nil || !ran || got.Total() != 0 {
		t.Errorf("b an hour later: ran %v, deleted %+v, %v; want run, nothing left", ran, got, err)
	}
	if c, _ := store.PushCounts(ctx, f.db.R); len(c) != 0 {
		t.Errorf("push counts %v, want none left", c)
	}
}
