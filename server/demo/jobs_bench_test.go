package demo_test

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/engine"
)

// jobsDBName is the copy of the province database the jobs benchmark runs on (the jobs change it).
const jobsDBName = "chibo_bench_jobs"

// txTimes keeps the longest transaction, the number of transactions and the rows of each step of the jobs.
type txTimes struct {
	mu      sync.Mutex
	longest map[string]time.Duration
	all     map[string][]time.Duration
	txs     map[string]int
	rows    map[string]int
}

func (t *txTimes) observe(step string, rows int, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.longest == nil {
		t.longest, t.txs, t.rows = map[string]time.Duration{}, map[string]int{}, map[string]int{}
		t.all = map[string][]time.Duration{}
	}
	t.all[step] = append(t.all[step], took)
	t.longest[step] = max(t.longest[step], took)
	t.txs[step]++
	t.rows[step] += rows
}

// timedTx is a write pool that times its transactions (the coverage summary's rebuilds run their own).
type timedTx struct {
	*bun.DB
	t *txTimes
}

func (w timedTx) RunInTx(ctx context.Context, opts *sql.TxOptions, fn func(ctx context.Context, tx bun.Tx) error) error {
	start := time.Now()
	err := w.DB.RunInTx(ctx, opts, fn)
	w.t.observe("warm_coverage", 0, time.Since(start))
	return err
}

// BenchmarkJobsProvince runs every background job once over a copy of the province (10,000 cells, 3,400 users)
// on PostgreSQL, with a backlog seeded for each: a million changes past the log's retention, 200,000 sent pushes
// and as many spent reminders, 34,000 expired sessions. It reports the longest transaction of each step in
// milliseconds (the budget is store.JobTxBudget) and the longest of all. Run it with -benchtime 1x: the jobs
// leave nothing to do for a second round.
func BenchmarkJobsProvince(b *testing.B) {
	src := provinceDB(b)
	src.Close() // a database is copied only while nobody is connected to it
	admin, err := testdb.PostgresAdminURL()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	adb, err := sql.Open("postgres", admin)
	if err != nil {
		b.Fatal(err)
	}
	defer adb.Close()
	start := time.Now()
	for _, stmt := range []string{`DROP DATABASE IF EXISTS ` + jobsDBName + ` WITH (FORCE)`,
		`CREATE DATABASE ` + jobsDBName + ` TEMPLATE ` + provinceDBName} {
		if _, err := adb.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	db, err := store.Open(ctx, store.Options{URL: withDB(admin, jobsDBName)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { // after the deferred close of adb, so with a connection of its own
		db.Close()
		if adb, err := sql.Open("postgres", admin); err == nil {
			_, _ = adb.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+jobsDBName+` WITH (FORCE)`)
			adb.Close()
		}
	})
	// The backlogs, as a year of a province's use would leave them.
	for _, stmt := range []string{
		`INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at, updated_at)
		 SELECT gen_random_uuid(), id, 'https://push.example/' || id, 'k', 'a', now(), now() FROM users`,
		`INSERT INTO notifications (id, user_id, kind, title, data, created_at, updated_at)
		 SELECT gen_random_uuid(), u.id, 'bench', 't', '{}', now() - interval '60 days', now() - interval '60 days'
		 FROM users AS u, generate_series(1, 60)`,
		`INSERT INTO push_outbox (id, notification_id, subscription_id, payload, ttl_seconds, expires_at, status, attempts,
		     next_at, last_status, sent_at, created_at, updated_at)
		 SELECT gen_random_uuid(), n.id, s.id, '{}', 86400, n.created_at + interval '1 day', 'sent', 1, n.created_at, 201,
		     n.created_at, n.created_at, n.created_at
		 FROM notifications AS n JOIN push_subscriptions AS s ON s.user_id = n.user_id WHERE n.kind = 'bench'`,
		`INSERT INTO reminders (id, key, kind, user_id, next_at, status, created_at, updated_at)
		 SELECT gen_random_uuid(), 'bench:' || u.id || ':' || g, 'meeting_eve', u.id, now() - interval '100 days',
		     'sent', now() - interval '120 days', now() - interval '100 days'
		 FROM users AS u, generate_series(1, 60) AS g`,
		`INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, used_at)
		 SELECT x.id, x.id, x.user_id, x.id::text, now() - interval '120 days', now() - interval '60 days', now() - interval '90 days'
		 FROM (SELECT gen_random_uuid() AS id, u.id AS user_id FROM users AS u, generate_series(1, 10)) AS x`,
		`INSERT INTO sync_changes (tx, tbl, row_id, op, class, scope, path, part, data, at)
		 SELECT g / 20, 'members', gen_random_uuid()::text, 'upsert', 'roster', 'x', '/', '', '{}', now() - interval '300 days'
		 FROM generate_series(1, 1000000) AS g`,
		`INSERT INTO sync_results (client_id, seq, status, at)
		 SELECT 'bench', g, 'applied', now() - interval '300 days' FROM generate_series(1, 100000) AS g`,
		`UPDATE coverage_cells SET built_stamp = -1`,
		`ANALYZE`,
	} {
		if _, err := db.W.ExecContext(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
	b.Logf("copied the province and seeded the backlogs in %s", time.Since(start).Round(time.Second))

	var times txTimes
	log := slog.New(slog.DiscardHandler)
	w := notify.NewWorker(db, nil, log, nil, notify.Options{Holder: "bench", Observe: times.observe})
	eng := engine.New(db, log)
	for b.Loop() {
		// A cold coverage summary first (as after a rule changed for the whole province), so planning's own
		// warming has little left; its rebuilds are timed through the write pool.
		month := domain.DateOf(time.Now())
		month = domain.NewDate(month.Year(), month.Month(), 1)
		t0 := time.Now()
		if _, err := store.WarmCoverage(ctx, db.R, timedTx{db.W, &times}, month.AddMonths(-11), month); err != nil {
			b.Fatal(err)
		}
		b.Logf("warm_coverage: %s", time.Since(t0).Round(time.Millisecond))
		t0 = time.Now()
		if ran, err := w.Plan(ctx, true); err != nil || !ran {
			b.Fatalf("plan: %v %v", ran, err)
		}
		b.Logf("plan: %s", time.Since(t0).Round(time.Millisecond))
		t0 = time.Now()
		if ran, got, err := w.Retain(ctx, true); err != nil || !ran || got.Total() == 0 {
			b.Fatalf("retention: %v %+v %v", ran, got, err)
		}
		b.Logf("retention: %s", time.Since(t0).Round(time.Millisecond))
		t0 = time.Now()
		if n, err := eng.PruneBatched(ctx, store.Batch{Observe: times.observe}); err != nil || n == 0 {
			b.Fatalf("prune: %d %v", n, err)
		}
		b.Logf("prune: %s", time.Since(t0).Round(time.Millisecond))
	}
	var steps []string
	var longest time.Duration
	for s := range times.longest {
		steps = append(steps, s)
	}
	sort.Strings(steps)
	for _, s := range steps {
		d := times.longest[s]
		longest = max(longest, d)
		b.ReportMetric(float64(d.Microseconds())/1000, s+"-max-tx-ms")
		all := times.all[s]
		slices.Sort(all)
		b.Logf("%-16s %5d transactions, %8d rows, median %s, 95th percentile %s, longest %s", s, times.txs[s], times.rows[s],
			all[len(all)/2].Round(100*time.Microsecond), all[len(all)*95/100].Round(100*time.Microsecond), d.Round(100*time.Microsecond))
	}
	b.ReportMetric(float64(longest.Microseconds())/1000, "longest-tx-ms")
	if longest > store.JobTxBudget {
		b.Logf("the longest transaction, %s, is over the budget of %s", longest, store.JobTxBudget)
	}
}
