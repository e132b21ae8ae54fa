package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestPruneRetained: the retention job deletes exactly the push deliveries, spent reminders and sessions past
// their retention periods, and nothing else, at most two rows a transaction.
func TestPruneRetained(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	ago := func(days float64) time.Time { return now.Add(-time.Duration(days * float64(day))) }
	ptr := func(t time.Time) *time.Time { return &t }
	user := &store.User{Username: "canbo", DisplayName: "Đồng chí Cán bộ", PasswordHash: "x", Active: true}
	sub := &store.PushSubscription{Endpoint: "https://push.example/phone", P256DH: "k", Auth: "a"}
	kept := map[string]bool{} // id → should be kept
	var pushes []store.PushItem
	var reminders []store.Reminder
	var tokens []store.RefreshToken
	err := inTx(db, func(ctx context.Context, tx bun.IDB) error {
		if err := store.CreateUser(ctx, tx, user); err != nil {
			return err
		}
		sub.UserID = user.ID
		if err := store.SavePushSubscription(ctx, tx, sub); err != nil {
			return err
		}
		push := func(status string, updated, expires time.Time, keep bool) {
			n := &store.Notification{UserID: user.ID, Kind: "test", Title: "t", Data: domain.JSONText("{}")}
			if err := store.Insert(ctx, tx, n); err != nil {
				t.Fatal(err)
			}
			p := store.PushItem{ID: domain.NewID(), NotificationID: n.ID, SubscriptionID: sub.ID, Payload: "{}",
				Urgency: "normal", TTLSeconds: 60, ExpiresAt: expires, Status: status, NextAt: updated,
				CreatedAt: updated, UpdatedAt: updated}
			pushes = append(pushes, p)
			kept[p.ID] = keep
		}
		push(store.PushSent, ago(31), ago(30.5), false)
		push(store.PushSent, ago(29), ago(28), true)
		push(store.PushGone, ago(40), ago(39), false)
		push(store.PushRejected, ago(40), ago(39), false)
		push(store.PushExpired, ago(31), ago(31), false)
		push(store.PushPending, ago(32), ago(31), false) // could never be sent
		push(store.PushPending, ago(30), ago(29), true)  // its time to live ran out, not yet a month ago
		push(store.PushPending, ago(100), ago(-1), true) // still deliverable
		rem := func(status string, due time.Time, keep bool) {
			r := store.Reminder{ID: domain.NewID(), Key: fmt.Sprintf("test:%d", len(reminders)), Kind: store.ReminderEve,
				UserID: user.ID, NextAt: due, Status: status, CreatedAt: due, UpdatedAt: due}
			reminders = append(reminders, r)
			kept[r.ID] = keep
		}
		rem(store.ReminderSent, ago(91), false)
		rem(store.ReminderSkipped, ago(95), false)
		rem(store.ReminderWithdrawn, ago(200), false)
		rem(store.ReminderSent, ago(89), true)
		rem(store.ReminderPending, ago(200), true)
		rem(store.ReminderSent, ago(44), true)
		token := func(expires time.Time, revoked, used *time.Time, keep bool) {
			r := store.RefreshToken{ID: domain.NewID(), UserID: user.ID, TokenHash: domain.NewID(), CreatedAt: ago(120),
				ExpiresAt: expires, RevokedAt: revoked, UsedAt: used}
			r.FamilyID = r.ID
			tokens = append(tokens, r)
			kept[r.ID] = keep
		}
		token(ago(31), nil, nil, false)
		token(ago(29), nil, nil, true)
		token(ago(-10), ptr(ago(31)), nil, false)
		token(ago(-10), ptr(ago(29)), nil, true)
		token(ago(-10), nil, ptr(ago(100)), true) // spent but its family lives on: kept to detect its reuse
		for _, rows := range []any{&pushes, &reminders, &tokens} {
			if _, err := tx.NewInsert().Model(rows).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	most, txs := map[string]int{}, map[string]int{}
	b := store.Batch{Size: 2, Observe: func(step string, rows int, _ time.Duration) {
		txs[step]++
		most[step] = max(most[step], rows)
	}}
	got, err := store.PruneRetained(ctx, db, now, store.Retention{}, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Retained{Pushes: 5, Reminders: 3, Sessions: 2}); got != want {
		t.Errorf("deleted %+v, want %+v", got, want)
	}
	// Two rows a transaction: 5 pushes in 3, 3 reminders in 2, 2 sessions in 2 (the second finds none left).
	if diff := cmp.Diff(map[string]int{"retain_pushes": 3, "retain_reminders": 2, "retain_sessions": 2}, txs); diff != "" {
		t.Errorf("transactions (-want +got):\n%s", diff)
	}
	for step, n := range most {
		if n > 2 {
			t.Errorf("%s deleted %d rows in one transaction", step, n)
		}
	}
	var left []string
	for _, q := range []struct{ table string }{{"push_outbox"}, {"reminders"}, {"refresh_tokens"}} {
		var ids []string
		if err := db.R.NewSelect().Table(q.table).Column("id").Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		left = append(left, ids...)
	}
	var want []string
	for id, keep := range kept {
		if keep {
			want = append(want, id)
		}
	}
	sort.Strings(left)
	sort.Strings(want)
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("rows left (-want +got):\n%s", diff)
	}

	// Reminders are kept at least MinReminderRetention (45 days), however short the setting: planning looks back
	// 40 days, and would plan a deleted one again.
	got, err = store.PruneRetained(ctx, db, now, store.Retention{Pushes: day, Reminders: day, Sessions: day}, store.Batch{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Retained{Pushes: 2, Reminders: 1, Sessions: 2}); got != want {
		t.Errorf("with one day's retention: deleted %+v, want %+v (the reminder due 89 days ago, not 44)", got, want)
	}
	n, err := db.R.NewSelect().Model((*store.Reminder)(nil)).Where("id = ?", reminders[5].ID).Count(ctx)
	if err != nil || n != 1 {
		t.Errorf("the reminder sent 44 days ago: %d rows (%v), want kept", n, err)
	}
}
