package notify_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
)

// outboxAge scrapes chibo_push_outbox_oldest_age_seconds as /metrics does and returns its value, failing when the
// gauge is missing.
func outboxAge(t *testing.T, f *fixture) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(notify.NewOutboxAge(f.db.R, slog.New(slog.NewTextHandler(io.Discard, nil)), f.clock.Now))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "chibo_push_outbox_oldest_age_seconds" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("chibo_push_outbox_oldest_age_seconds missing from %v", mfs)
	return 0
}

// TestOutboxOldestAge: the gauge is 0 for an empty outbox, the age of the oldest due delivery (a newer one does
// not lower it), 0 while the deliveries wait for a later attempt, the time since that attempt became due after
// it, and 0 again once everything was sent.
func TestOutboxOldestAge(t *testing.T) {
	start := ict(2026, 3, 2, 9, 0)
	f := newFixture(t, start)
	steps := []struct {
		name string
		do   func()
		want float64
	}{
		{"empty outbox", func() {}, 0},
		{"a delivery queued 5 minutes ago", func() { f.queue(1); f.clock.Add(5 * time.Minute) }, 300},
		{"a newer one does not lower it", func() { f.queue(1); f.clock.Add(time.Minute) }, 360},
		{"in backoff: nothing is due", func() {
			f.write(func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewUpdate().Model((*store.PushItem)(nil)).Set("next_at = ?", f.clock.Now().Add(time.Hour)).
					Where("status = ?", store.PushPending).Exec(ctx)
				return err
			})
		}, 0},
		{"due again 30 minutes ago", func() { f.clock.Add(90 * time.Minute) }, 1800},
		{"all sent", func() {
			f.write(func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewUpdate().Model((*store.PushItem)(nil)).Set("status = ?", store.PushSent).
					Where("status = ?", store.PushPending).Exec(ctx)
				return err
			})
		}, 0},
	}
	for _, s := range steps {
		s.do()
		if got := outboxAge(t, f); math.Abs(got-s.want) > 1 {
			t.Errorf("%s: age %.1f s, want %.0f", s.name, got, s.want)
		}
	}
	if n := f.outbox(); n[store.PushSent] != 4 {
		t.Errorf("outbox %v, want 4 sent (2 notes to 2 devices)", n)
	}
}
