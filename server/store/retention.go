package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Retention says how long finished rows are kept before the retention job deletes them. The audit log is not
// among them: it keeps everything (see the README's deploy section for archiving it).
type Retention struct {
	// Pushes: push deliveries finished (sent, gone, rejected, expired) this long ago, and pending ones whose time
	// to live ran out this long ago (they can never be sent). The notifications themselves stay in the inbox.
	Pushes time.Duration
	// Reminders: spent reminders (sent, skipped, withdrawn) due this long ago; at least MinReminderRetention.
	Reminders time.Duration
	// Sessions: refresh tokens expired or revoked this long ago (they can no longer be used either way).
	Sessions time.Duration
}

// DefaultRetention keeps finished pushes and ended sessions 30 days and spent reminders 90.
var DefaultRetention = Retention{Pushes: 30 * 24 * time.Hour, Reminders: 90 * 24 * time.Hour, Sessions: 30 * 24 * time.Hour}

// MinReminderRetention is the least time spent reminders are kept: planning looks back reminderLookback days for
// the meetings it reminds of, and a reminder deleted within that time would be planned again.
const MinReminderRetention = (reminderLookback + 5) * 24 * time.Hour

// WithDefaults fills the zero periods from DefaultRetention and raises Reminders to MinReminderRetention.
func (r Retention) WithDefaults() Retention {
	if r.Pushes <= 0 {
		r.Pushes = DefaultRetention.Pushes
	}
	if r.Reminders <= 0 {
		r.Reminders = DefaultRetention.Reminders
	}
	r.Reminders = max(r.Reminders, MinReminderRetention)
	if r.Sessions <= 0 {
		r.Sessions = DefaultRetention.Sessions
	}
	return r
}

// Retained counts what the retention job deleted.
type Retained struct {
	Pushes, Reminders, Sessions int
}

// Total is the number of rows deleted.
func (r Retained) Total() int { return r.Pushes + r.Reminders + r.Sessions }

// PruneRetained deletes the rows r no longer keeps at now, in transactions of at most b's size, table by table.
// Deleting is idempotent, so a run cut short (or two runs at once) leaves nothing wrong; the notify worker runs it
// under the "retention" job lease.
func PruneRetained(ctx context.Context, d *DB, now time.Time, r Retention, b Batch) (Retained, error) {
	r = r.WithDefaults()
	now = now.UTC() // stored times are UTC, so SQLite compares them as text correctly
	var out Retained
	steps := []struct {
		step, table, where string
		args               []any
		n                  *int
	}{
		{"retain_pushes", "push_outbox",
			"(status <> 'pending' AND updated_at < ?) OR (status = 'pending' AND expires_at < ?)",
			[]any{now.Add(-r.Pushes), now.Add(-r.Pushes)}, &out.Pushes},
		{"retain_reminders", "reminders", "status IN ('sent', 'skipped', 'withdrawn') AND next_at < ?",
			[]any{now.Add(-r.Reminders)}, &out.Reminders},
		{"retain_sessions", "refresh_tokens", "expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)",
			[]any{now.Add(-r.Sessions), now.Add(-r.Sessions)}, &out.Sessions},
	}
	for _, s := range steps {
		n, err := b.Run(ctx, d, s.step, func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
			return deleteSome(ctx, tx, s.table, s.where, s.args, limit)
		})
		*s.n = n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// deleteSome deletes up to limit rows of table (which has an id primary key) matching where, reporting whether
// more may be left.
func deleteSome(ctx context.Context, db bun.IDB, table, where string, args []any, limit int) (int, bool, error) {
	q := `DELETE FROM ` + table + ` WHERE id IN (SELECT id FROM ` + table + ` WHERE ` + where + ` LIMIT ?)`
	res, err := db.NewRaw(q, append(args, limit)...).Exec(ctx)
	if err != nil {
		return 0, false, domain.Internal(err)
	}
	n, _ := res.RowsAffected()
	return int(n), int(n) == limit, nil
}
