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

// RenewLease extends holder's lease of job name to until. It reports false when holder no longer has it (it ran
// out and another instance took it): the holder should then stop.
func RenewLease(ctx context.Context, db bun.IDB, name, holder string, until time.Time) (bool, error) {
	res, err := db.NewRaw(`UPDATE job_leases SET until = ? WHERE name = ? AND holder = ? AND until IS NOT NULL`,
		until.UTC(), name, holder).Exec(ctx)
	if err != nil {
		return false, domain.Internal(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Background jobs (planning, reminders, pruning the change log, retention) write in batches: each transaction
// touches at most Batch.Size rows and commits, and the job loops until nothing is left. A long write transaction
// holds PostgreSQL's horizon (the oldest transaction still running), and every device's pull waits for the changes
// behind it, so no background transaction may run long.
const (
	// JobTxBudget is the longest a background job's transaction may hold at province scale (10,000 cells):
	// BenchmarkJobsProvince measures the longest one of each job against it.
	JobTxBudget = 500 * time.Millisecond
	// DefaultJobBatch is how many rows a background transaction touches at most, unless told otherwise.
	DefaultJobBatch = 1000
)

// Batch tunes a background job's batched writes. The zero value writes DefaultJobBatch rows a transaction.
type Batch struct {
	// Size is the most rows one transaction touches.
	Size int
	// Before, if set, runs before each transaction (a job renews its lease there); an error stops the job.
	Before func(ctx context.Context) error
	// Observe, if set, is told of each committed transaction: the job's step, the rows it touched and how long it
	// took (tests count transactions with it, the benchmark times them).
	Observe func(step string, rows int, took time.Duration)
}

// SizeOr returns the batch size, or def when none is set.
func (b Batch) SizeOr(def int) int {
	if b.Size > 0 {
		return b.Size
	}
	return def
}

func (b Batch) size() int { return b.SizeOr(DefaultJobBatch) }

// Run runs step's transactions one after the other until fn reports that nothing is left (more false), ctx ends or
// an error occurs. Each call of fn is one transaction of at most Size rows, committed before the next; fn returns
// how many rows it touched. It returns the rows touched in all. Every step must be idempotent: the process may
// die between two transactions, and another instance may run the same step.
func (b Batch) Run(ctx context.Context, db *DB, step string, fn func(ctx context.Context, tx bun.Tx, limit int) (rows int, more bool, err error)) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		if b.Before != nil {
			if err := b.Before(ctx); err != nil {
				return total, err
			}
		}
		var rows int
		var more bool
		start := time.Now()
		err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			rows, more, err = fn(ctx, tx, b.size())
			return err
		})
		if err != nil {
			return total, err
		}
		if b.Observe != nil {
			b.Observe(step, rows, time.Since(start))
		}
		total += rows
		if !more {
			return total, nil
		}
	}
}
