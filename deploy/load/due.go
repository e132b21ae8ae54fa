package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// dueKinds are the reminders the harness brings forward: an official's meeting reminders (the evening before,
// the morning of) and late-report notices, which become a notification with a web push when they fire.
var dueKinds = []string{"meeting_eve", "meeting_day", "report_overdue"}

// dueTimes spreads n reminders over the measured time in bursts: burst k of b comes due at start +
// window·(k+1)/(b+1), with one burst about every 10 s, so that several reminders come due at the same moment and
// every instance's worker (polling every CHIBO_PUSH_POLL) races to claim them.
func dueTimes(n int, start time.Time, window time.Duration) []time.Time {
	if n <= 0 {
		return nil
	}
	bursts := max(1, min(n, int(window/(10*time.Second))))
	out := make([]time.Time, n)
	for i := range out {
		k := i % bursts
		out[i] = start.Add(window * time.Duration(k+1) / time.Duration(bursts+1)).UTC()
	}
	return out
}

// bringRemindersDue is a harness step, not something the product does: it moves up to n pending reminders'
// next_at into the measured time (dueTimes), so that reminders come due during the run on every instance. It
// takes one reminder per kind, user and meeting, those of users (the phones with a push subscription) first, in
// an order fixed by seed, and returns the ids it moved. The reminders it moves are spent: they fire now, not at
// their planned time.
func bringRemindersDue(ctx context.Context, db *sql.DB, users []string, n int, start time.Time, window time.Duration, seed uint64) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	if users == nil {
		users = []string{} // an empty array, not NULL
	}
	rows, err := db.QueryContext(ctx, `SELECT id FROM (
			SELECT DISTINCT ON (kind, user_id, meeting_id) id, user_id::text = ANY($1) AS mine
			FROM reminders WHERE status = 'pending' AND kind = ANY($2) AND next_at > $3 AND claimed_until IS NULL
			ORDER BY kind, user_id, meeting_id, next_at) r
		ORDER BY mine DESC, md5(id::text || $4) LIMIT $5`,
		pq.Array(users), pq.Array(dueKinds), start.Add(window).UTC(), fmt.Sprint(seed), n)
	if err != nil {
		return nil, fmt.Errorf("reminders to bring due: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	at := dueTimes(len(ids), start, window)
	texts := make([]string, len(at))
	for i, t := range at {
		texts[i] = t.Format(time.RFC3339Nano)
	}
	_, err = db.ExecContext(ctx, `UPDATE reminders AS r SET next_at = v.at
		FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::text[])::timestamptz AS at) v
		WHERE r.id = v.id AND r.status = 'pending'`, pq.Array(ids), pq.Array(texts))
	if err != nil {
		return nil, fmt.Errorf("bringing reminders due: %w", err)
	}
	return ids, nil
}

// DueFigures are the reminders the harness brought into the measured time and what became of them.
type DueFigures struct {
	Moved int `json:"moved"`
	// ByStatus is what they are at the end: sent (a notification was created), skipped (nothing to say: the
	// meeting was recorded, the report was in), withdrawn, or still pending.
	ByStatus map[string]int `json:"by_status"`
}

// dueStatus returns what became of the reminders ids.
func dueStatus(ctx context.Context, db *sql.DB, ids []string) (map[string]int, error) {
	out := map[string]int{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT status, count(*) FROM reminders WHERE id = ANY($1::uuid[]) GROUP BY status`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("reminders brought due: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// outbox reads push_outbox for the endpoints: the rows by status, the rows marked sent per endpoint and per
// worker (claimed_by: host/pid/random of the instance that delivered it).
func outbox(ctx context.Context, db *sql.DB, endpoints []string) (byStatus, sentBy, byWorker map[string]int, err error) {
	byStatus, sentBy, byWorker = map[string]int{}, map[string]int{}, map[string]int{}
	if len(endpoints) == 0 {
		return byStatus, sentBy, byWorker, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT ps.endpoint, po.status, po.claimed_by, count(*)
		FROM push_outbox po JOIN push_subscriptions ps ON ps.id = po.subscription_id
		WHERE ps.endpoint = ANY($1) GROUP BY 1, 2, 3`, pq.Array(endpoints))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("push_outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ep, status, by string
		var n int
		if err := rows.Scan(&ep, &status, &by, &n); err != nil {
			return nil, nil, nil, err
		}
		byStatus[status] += n
		if status == "sent" {
			sentBy[ep] += n
			byWorker[workerName(by)] += n
		}
	}
	return byStatus, sentBy, byWorker, rows.Err()
}

// workerName shortens a worker's holder (host/pid/random) to host/pid, which names the instance.
func workerName(holder string) string {
	if i := strings.LastIndex(holder, "/"); i > 0 {
		return holder[:i]
	}
	return holder
}

// settle waits, after the load, until the work the run started is done: no reminder brought due is still
// pending and no push to the phones is pending (with a database), and the receiver has had nothing for 10 s
// (without one); at most limit. It returns how long it waited.
func settle(ctx context.Context, db *sql.DB, rcv *receiver, due, endpoints []string, limit time.Duration) time.Duration {
	start := time.Now()
	for time.Since(start) < limit {
		done := true
		if db != nil {
			var pending int
			err := db.QueryRowContext(ctx, `SELECT
					(SELECT count(*) FROM reminders WHERE id = ANY($1::uuid[]) AND status = 'pending') +
					(SELECT count(*) FROM push_outbox po JOIN push_subscriptions ps ON ps.id = po.subscription_id
						WHERE ps.endpoint = ANY($2) AND po.status = 'pending')`, pq.Array(due), pq.Array(endpoints)).Scan(&pending)
			done = err == nil && pending == 0
		} else if rcv != nil {
			done = rcv.received().Quiet >= 10*time.Second
		}
		if done {
			break
		}
		if !sleepUntil(ctx, time.Now().Add(2*time.Second)) {
			break
		}
	}
	return time.Since(start)
}
