package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/push"
	"github.com/chibo-vn/chibo/server/push/pushtest"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestRemindersThroughTheRealSender runs the worker over the demo data with a clock it moves to canbo's next
// meeting: the evening and morning reminders leave at 19:00 and 07:00 local time through the real sender, with a
// 12-hour TTL and a topic per meeting, and the push service decrypts them to the Vietnamese texts.
func TestRemindersThroughTheRealSender(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := demo.Generate(ctx, db, demo.Config{}); err != nil {
		t.Fatal(err)
	}
	keys, err := vapidKeys(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	again, err := vapidKeys(ctx, db)
	if err != nil || again != keys {
		t.Fatalf("the second start read other keys (%v): never rotate silently", err)
	}
	svc := pushtest.NewService(t)
	svc.ExpectKey(keys.Public)
	sender, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: "mailto:ops@chibo.example", AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	var canbo store.User
	if err := db.R.NewSelect().Model(&canbo).Where("username = 'canbo'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sub := svc.NewSubscription()
	if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.SavePushSubscription(ctx, tx, &store.PushSubscription{UserID: canbo.ID, Endpoint: sub.Endpoint, P256DH: sub.P256DH, Auth: sub.Auth})
	}); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	w := notify.NewWorker(db, pusher{sender}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
		notify.Options{Now: clock.Now, Holder: "test"})
	if _, err := w.Plan(ctx, true); err != nil {
		t.Fatal(err)
	}
	// The first pending reminders of canbo's next meeting.
	var eve store.Reminder
	if err := db.R.NewSelect().Model(&eve).Where("user_id = ? AND kind = ? AND status = ?", canbo.ID, store.ReminderEve, store.ReminderPending).
		OrderExpr("next_at").Limit(1).Scan(ctx); err != nil {
		t.Fatalf("no evening reminder planned for canbo: %v", err)
	}
	var day store.Reminder
	if err := db.R.NewSelect().Model(&day).Where("user_id = ? AND kind = ? AND meeting_id = ?", canbo.ID, store.ReminderDay, *eve.MeetingID).
		Scan(ctx); err != nil {
		t.Fatalf("no morning reminder for meeting %s: %v", *eve.MeetingID, err)
	}
	if got := eve.NextAt.In(domain.Zone).Format("15:04"); got != "19:00" {
		t.Errorf("evening reminder at %s local", got)
	}
	if got := day.NextAt.In(domain.Zone).Format("15:04"); got != "07:00" {
		t.Errorf("morning reminder at %s local", got)
	}
	if d := day.NextAt.Sub(eve.NextAt); d != 12*time.Hour {
		t.Errorf("evening to morning: %s", d)
	}

	run := func() {
		t.Helper()
		for {
			n, err := w.FireReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			m, err := w.Deliver(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n+m == 0 {
				return
			}
		}
	}
	// A minute before: nothing of this meeting goes out.
	clock.Set(eve.NextAt.Add(-time.Minute))
	run()
	for _, d := range svc.Deliveries() {
		var p struct{ Kind, Tag string }
		_ = json.Unmarshal(d.Plaintext, &p)
		if p.Kind == store.ReminderEve && d.Topic != "" && p.Tag == "meeting:"+*eve.MeetingID {
			t.Fatalf("the evening reminder left before 19:00")
		}
	}
	for _, step := range []struct {
		at    time.Time
		kind  string
		title string
	}{
		{eve.NextAt, store.ReminderEve, "Nhắc lịch: sinh hoạt chi bộ ngày mai"},
		{day.NextAt, store.ReminderDay, "Hôm nay: sinh hoạt chi bộ"},
	} {
		clock.Set(step.at)
		run()
		var got *pushtest.Delivery
		for _, d := range svc.Deliveries() {
			var p struct{ Kind, Title, Tag, Link string }
			if err := json.Unmarshal(d.Plaintext, &p); err != nil {
				t.Fatal(err)
			}
			if p.Kind == step.kind && p.Tag == "meeting:"+*eve.MeetingID {
				if p.Title != step.title || p.Link != "#/m/"+*eve.MeetingID {
					t.Errorf("%s: title %q link %q", step.kind, p.Title, p.Link)
				}
				got = &d
			}
		}
		if got == nil {
			t.Fatalf("%s: not delivered at %s (deliveries %d, failures %v)", step.kind, step.at.In(domain.Zone), len(svc.Deliveries()), svc.Failures())
		}
		if got.TTL != int((12*time.Hour)/time.Second) || got.Topic == "" || got.Urgency == "" {
			t.Errorf("%s: TTL %d, topic %q, urgency %q", step.kind, got.TTL, got.Topic, got.Urgency)
		}
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Errorf("the push service refused: %v", f)
	}
}

// TestTwoInstancesSendEachPushOnce has two workers, each with its own sender as two server processes would,
// drain one outbox concurrently into the test push service: every (device, notification) arrives exactly once.
func TestTwoInstancesSendEachPushOnce(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := demo.Generate(ctx, db, demo.Config{Communes: 1, CellsPerCommune: 3, MembersPerCell: 5, Officials: 2, Months: 1}); err != nil {
		t.Fatal(err)
	}
	keys, err := vapidKeys(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.NewService(t)
	svc.ExpectKey(keys.Public)
	var canbo store.User
	if err := db.R.NewSelect().Model(&canbo).Where("username = 'canbo'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	phone, tablet := svc.NewSubscription(), svc.NewSubscription()
	const notes = 30
	if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range []push.Subscription{phone, tablet} {
			if err := store.SavePushSubscription(ctx, tx, &store.PushSubscription{UserID: canbo.ID, Endpoint: s.Endpoint, P256DH: s.P256DH, Auth: s.Auth}); err != nil {
				return err
			}
		}
		for i := 0; i < notes; i++ {
			if _, err := notify.Send(ctx, tx, notify.Note{UserID: canbo.ID, Kind: notify.KindDigest,
				Args: map[string]string{"count": "1"}, Link: "#/supervise"}, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, holder := range []string{"instance-1", "instance-2"} {
		sender, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: "mailto:ops@chibo.example", AllowHTTP: true})
		if err != nil {
			t.Fatal(err)
		}
		w := notify.NewWorker(db, pusher{sender}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
			notify.Options{Holder: holder, Batch: 4, Concurrency: 4})
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
	for _, d := range svc.Deliveries() {
		var p struct{ ID string }
		if err := json.Unmarshal(d.Plaintext, &p); err != nil {
			t.Fatal(err)
		}
		seen[d.Endpoint+" "+p.ID]++
	}
	if len(seen) != 2*notes {
		t.Errorf("%d distinct (device, notification) pushes arrived, want %d", len(seen), 2*notes)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", k, n)
		}
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Errorf("the push service refused: %v", f)
	}
}

// BenchmarkDeliver measures the outbox drained through the real sender (ECDH, aes128gcm, a signed VAPID token per
// message) into the local test push service: b.N pushes, reported as pushes per second.
func BenchmarkDeliver(b *testing.B) {
	ctx := context.Background()
	db := testdb.New(b)
	if _, err := demo.Generate(ctx, db, demo.Config{Communes: 1, CellsPerCommune: 2, MembersPerCell: 3, Officials: 1, Months: 1}); err != nil {
		b.Fatal(err)
	}
	keys, err := vapidKeys(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	svc := pushtest.NewService(b)
	svc.ExpectKey(keys.Public)
	sender, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: "mailto:ops@chibo.example", AllowHTTP: true})
	if err != nil {
		b.Fatal(err)
	}
	var canbo store.User
	if err := db.R.NewSelect().Model(&canbo).Where("username = 'canbo'").Scan(ctx); err != nil {
		b.Fatal(err)
	}
	sub := svc.NewSubscription()
	if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.SavePushSubscription(ctx, tx, &store.PushSubscription{UserID: canbo.ID, Endpoint: sub.Endpoint, P256DH: sub.P256DH, Auth: sub.Auth}); err != nil {
			return err
		}
		for i := 0; i < b.N; i++ {
			if _, err := notify.Send(ctx, tx, notify.Note{UserID: canbo.ID, Kind: notify.KindDigest,
				Args: map[string]string{"count": "1"}, Link: "#/supervise"}, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	w := notify.NewWorker(db, pusher{sender}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, notify.Options{Holder: "bench"})
	b.ResetTimer()
	start := time.Now()
	for {
		n, err := w.Deliver(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pushes/s")
	if got := len(svc.Deliveries()); got != b.N {
		b.Fatalf("%d delivered, want %d (failures %v)", got, b.N, svc.Failures())
	}
}
