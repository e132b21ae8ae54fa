package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// TryLease takes the lease of the periodic job name for holder until now+ttl, if no other holder has it and the
// job last ran at least every ago. It reports whether holder got it. Several instances may call it at once; one
// wins.
func TryLease(ctx context.Context, db bun.IDB, name, holder string, now time.Time, ttl, every time.Duration) (bool, error) {
	now = now.UTC()
	if _, err := db.NewRaw(`INSERT INTO job_leases (name, holder) VALUES (?, '') ON CONFLICT (name) DO NOTHING`, name).
		Exec(ctx); err != nil {
		return false, domain.Internal(err)
	}
	res, err := db.NewRaw(`UPDATE job_leases SET holder = ?, until = ?, last_run_at = ?
		WHERE name = ? AND (until IS NULL OR until < ?) AND (last_run_at IS NULL OR last_run_at <= ?)`,
		holder, now.Add(ttl), now, name, now, now.Add(-every)).Exec(ctx)
	if err != nil {
		return false, domain.Internal(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseLease ends holder's lease of job name, keeping the time it last ran.
func ReleaseLease(ctx context.Context, db bun.IDB, name, holder string) error {
	if _, err := db.NewRaw(`UPDATE job_leases SET until = NULL WHERE name = ? AND holder = ?`, name, holder).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	return nil
}
