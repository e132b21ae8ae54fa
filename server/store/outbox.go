package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// The states of a queued push delivery.
const (
	PushPending  = "pending"  // waiting for its next attempt
	PushSent     = "sent"     // the push service accepted it
	PushGone     = "gone"     // the subscription expired or was removed (404, 410)
	PushRejected = "rejected" // the push service refused it (400, 401, 403): our own fault, logged and counted
	PushExpired  = "expired"  // its time to live ran out before a delivery succeeded
)

// PushItem is one queued web push delivery: one notification to one device. The unique (notification,
// subscription) pair makes each delivery one row, however often it is queued.
type PushItem struct {
	bun.BaseModel  `bun:"table:push_outbox,alias:po"`
	ID             string     `bun:"id,pk"`
	NotificationID string     `bun:"notification_id,notnull"`
	SubscriptionID string     `bun:"subscription_id,notnull"`
	Payload        string     `bun:"payload,notnull"`
	Topic          string     `bun:"topic,notnull"`
	Urgency        string     `bun:"urgency,notnull"`
	TTLSeconds     int        `bun:"ttl_seconds,notnull"`
	ExpiresAt      time.Time  `bun:"expires_at,notnull"`
	Status         string     `bun:"status,notnull"`
	Attempts       int        `bun:"attempts,notnull"`
	NextAt         time.Time  `bun:"next_at,notnull"`
	ClaimedUntil   *time.Time `bun:"claimed_until"`
	ClaimedBy      string     `bun:"claimed_by,notnull"`
	LastStatus     int        `bun:"last_status,notnull"`
	LastError      string     `bun:"last_error,notnull"`
	SentAt         *time.Time `bun:"sent_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
}

// PushOptions are the delivery options of a notification's pushes.
type PushOptions struct {
	TTL     time.Duration
	Urgency string
	Topic   string
}

// QueuePush queues the delivery of notification n (already inserted) to every live push subscription of its user,
// with payload as the message. It returns how many deliveries it queued.
func QueuePush(ctx context.Context, db bun.IDB, n *Notification, payload []byte, opt PushOptions, now time.Time) (int, error) {
	now = now.UTC()
	var subs []string
	if err := db.NewSelect().Model((*PushSubscription)(nil)).Column("id").Where("user_id = ?", n.UserID).
		Scan(ctx, &subs); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, domain.Internal(err)
	}
	if len(subs) == 0 {
		return 0, nil
	}
	if opt.TTL <= 0 {
		opt.TTL = 24 * time.Hour
	}
	if opt.Urgency == "" {
		opt.Urgency = "normal"
	}
	items := make([]PushItem, len(subs))
	for i, s := range subs {
		items[i] = PushItem{ID: domain.NewID(), NotificationID: n.ID, SubscriptionID: s, Payload: string(payload),
			Topic: opt.Topic, Urgency: opt.Urgency, TTLSeconds: int(opt.TTL / time.Second), ExpiresAt: now.Add(opt.TTL),
			Status: PushPending, NextAt: now, CreatedAt: now, UpdatedAt: now}
	}
	if _, err := db.NewInsert().Model(&items).On("CONFLICT (notification_id, subscription_id) DO NOTHING").Exec(ctx); err != nil {
		return 0, domain.Internal(err)
	}
	return len(items), nil
}

// PushJob is a claimed delivery with the subscription it goes to.
type PushJob struct {
	PushItem `bun:",extend"`
	UserID   string `bun:"user_id"`
	Endpoint string `bun:"endpoint"`
	P256DH   string `bun:"p256dh"`
	Auth     string `bun:"auth"`
}

// ClaimPush claims up to limit due deliveries for holder until now+lease and counts the attempt. Two workers
// never claim one row at once: PostgreSQL skips rows another claim has locked, SQLite has one writer. A claim
// whose worker died runs out and the row is claimed again.
func ClaimPush(ctx context.Context, db bun.IDB, now time.Time, lease time.Duration, holder string, limit int) ([]PushJob, error) {
	now = now.UTC()
	lock := ""
	if changelog.IsPG(db) {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []string
	err := db.NewRaw(`UPDATE push_outbox SET claimed_until = ?, claimed_by = ?, attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM push_outbox WHERE status = 'pending' AND next_at <= ?
			AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_at LIMIT ?`+lock+`)
		RETURNING id`, now.Add(lease), holder, now, now, now, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var jobs []PushJob
	if err := db.NewSelect().Model(&jobs).
		ColumnExpr("po.*, ps.user_id, ps.endpoint, ps.p256dh, ps.auth").
		Join("JOIN push_subscriptions AS ps ON ps.id = po.subscription_id").
		Where("po.id IN (?)", bun.List(ids)).Where("po.claimed_by = ?", holder).
		OrderExpr("po.next_at").Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	return jobs, nil
}

// PushDone records the end of a claimed delivery: status is PushSent, PushRejected or PushExpired. It reports
// false when the claim was lost (it ran out and another worker took the row).
func PushDone(ctx context.Context, db bun.IDB, job *PushJob, holder, status string, httpStatus int, msg string, now time.Time) (bool, error) {
	now = now.UTC()
	q := db.NewUpdate().Model((*PushItem)(nil)).
		Set("status = ?", status).Set("claimed_until = NULL").Set("last_status = ?", httpStatus).
		Set("last_error = ?", truncate(msg, 500)).Set("updated_at = ?", now).
		Where("id = ?", job.ID).Where("claimed_by = ?", holder).Where("status = ?", PushPending)
	if status == PushSent {
		q = q.Set("sent_at = ?", now)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, domain.Internal(err)
	}
	n, _ := res.RowsAffected()
	sub := db.NewUpdate().Model((*PushSubscription)(nil)).Where("id = ?", job.SubscriptionID).Set("updated_at = ?", now)
	switch status {
	case PushSent:
		sub = sub.Set("last_success_at = ?", now).Set("failure_count = 0")
	case PushRejected:
		sub = sub.Set("failure_count = failure_count + 1")
	default:
		return n == 1, nil
	}
	if _, err := sub.Exec(ctx); err != nil {
		return false, domain.Internal(err)
	}
	return n == 1, nil
}

// PushRetry puts a claimed delivery back to be tried again at next.
func PushRetry(ctx context.Context, db bun.IDB, job *PushJob, holder string, httpStatus int, msg string, next, now time.Time) error {
	now, next = now.UTC(), next.UTC()
	_, err := db.NewUpdate().Model((*PushItem)(nil)).
		Set("claimed_until = NULL").Set("next_at = ?", next).Set("last_status = ?", httpStatus).
		Set("last_error = ?", truncate(msg, 500)).Set("updated_at = ?", now).
		Where("id = ?", job.ID).Where("claimed_by = ?", holder).Where("status = ?", PushPending).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// DropPushSubscription removes a subscription the push service no longer knows (404, 410) and drops what was queued for it.
func DropPushSubscription(ctx context.Context, db bun.IDB, subscriptionID string, httpStatus int, now time.Time) error {
	now = now.UTC()
	if _, err := db.NewUpdate().Model((*PushItem)(nil)).Set("status = ?", PushGone).Set("claimed_until = NULL").
		Set("last_status = ?", httpStatus).Set("updated_at = ?", now).
		Where("subscription_id = ?", subscriptionID).Where("status = ?", PushPending).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	if _, err := db.NewUpdate().Model((*PushSubscription)(nil)).Set("deleted_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", subscriptionID).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	return nil
}

// PushCounts returns how many deliveries are in each state (for metrics and tests).
func PushCounts(ctx context.Context, db bun.IDB) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := db.NewSelect().Model((*PushItem)(nil)).ColumnExpr("status, count(*) AS n").Group("status").
		Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// SavePushSubscription records a device's push subscription for user. A device has one endpoint: saving it again
// (a new login on a shared phone, new keys) takes it over.
func SavePushSubscription(ctx context.Context, db bun.IDB, s *PushSubscription) error {
	now := Now()
	cur := new(PushSubscription)
	err := db.NewSelect().Model(cur).Where("endpoint = ?", s.Endpoint).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.ID, s.CreatedAt, s.UpdatedAt = domain.NewID(), now, now
		if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
			return domain.Internal(err)
		}
		return Audit(ctx, db, "create", "push_subscription", s.ID, nil, nil, map[string]string{"user_id": s.UserID})
	case err != nil:
		return domain.Internal(err)
	}
	s.ID, s.CreatedAt, s.UpdatedAt = cur.ID, cur.CreatedAt, now
	if _, err := db.NewUpdate().Model(s).Column("user_id", "p256dh", "auth", "user_agent", "updated_at").WherePK().Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	if cur.UserID == s.UserID {
		return nil
	}
	return Audit(ctx, db, "update", "push_subscription", s.ID, nil, map[string]string{"user_id": cur.UserID},
		map[string]string{"user_id": s.UserID})
}

// DeletePushSubscription removes userID's subscription with endpoint (signing out); it reports whether there was one.
func DeletePushSubscription(ctx context.Context, db bun.IDB, userID, endpoint string) (bool, error) {
	cur := new(PushSubscription)
	if err := db.NewSelect().Model(cur).Where("endpoint = ?", endpoint).Where("user_id = ?", userID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, domain.Internal(err)
	}
	now := Now()
	if err := DropPushSubscription(ctx, db, cur.ID, 0, now); err != nil {
		return false, err
	}
	return true, Audit(ctx, db, "delete", "push_subscription", cur.ID, nil, map[string]string{"user_id": userID}, nil)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// ListNotifications returns user's notifications, newest first.
func ListNotifications(ctx context.Context, db bun.IDB, userID string, unreadOnly bool, p PageRequest) (Page[Notification], error) {
	var page Page[Notification]
	q := db.NewSelect().Model((*Notification)(nil)).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, 2)
		if err != nil {
			return page, err
		}
		at, err := time.Parse(sqlTime, keys[0])
		if _, ok := domain.ParseID(keys[1]); !ok || err != nil {
			return page, domain.Invalid("cursor", "error.bad_cursor")
		}
		q = q.Where("(n.created_at < ? OR (n.created_at = ? AND n.id < ?))", at, at, keys[1])
	}
	limit := p.limit()
	var items []Notification
	if err := q.OrderExpr("n.created_at DESC, n.id DESC").Limit(int64(limit+1)).Scan(ctx, &items); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return page, domain.Internal(err)
	}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page.NextCursor = encodeCursor(last.CreatedAt.UTC().Format(sqlTime), last.ID)
	}
	if items == nil {
		items = []Notification{}
	}
	page.Items = items
	return page, nil
}

// MarkNotificationRead marks user's notification id read (once).
func MarkNotificationRead(ctx context.Context, db bun.IDB, userID, id string, at time.Time) (*Notification, error) {
	before := new(Notification)
	if err := db.NewSelect().Model(before).Where("id = ? AND user_id = ?", id, userID).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.notification")
	}
	if before.ReadAt != nil {
		return before, nil
	}
	n := *before
	at = at.UTC()
	n.ReadAt = &at
	if err := Update(ctx, db, before, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// OldestDuePush returns the time the oldest pending delivery due at now became due (when it was queued, or when
// its backoff ended), and false when none is due. A delivery in backoff is not counted until its next attempt is
// due. The read is one step down the push_outbox_due index (status, next_at).
func OldestDuePush(ctx context.Context, db bun.IDB, now time.Time) (time.Time, bool, error) {
	var at []time.Time
	err := db.NewSelect().Model((*PushItem)(nil)).Column("next_at").Where("status = ?", PushPending).
		Where("next_at <= ?", now.UTC()).OrderExpr("next_at").Limit(1).Scan(ctx, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, domain.Internal(err)
	}
	if len(at) == 0 {
		return time.Time{}, false, nil
	}
	return at[0], true, nil
}
