package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq" // the duplicates check and pg_stat_activity
)

// RSS is one server instance's resident memory over the run.
type RSS struct {
	URL       string `json:"url"`
	Samples   int    `json:"samples"`
	MaxBytes  int64  `json:"max_bytes"`
	LastBytes int64  `json:"last_bytes"`
	// CPUSeconds is the CPU time the instance used between the first and the last sample
	// (process_cpu_seconds_total); CPUCores that over the time between them.
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUCores   float64 `json:"cpu_cores"`
	Error      string  `json:"error,omitempty"`
	firstCPU   float64
	firstAt    time.Time
}

// rssProbe samples process_resident_memory_bytes from each instance's metrics endpoint.
type rssProbe struct {
	hc    *http.Client
	token string
	mu    sync.Mutex
	by    []*RSS
}

func newRSSProbe(urls []string, token string) *rssProbe {
	p := &rssProbe{hc: &http.Client{Timeout: 5 * time.Second}, token: token}
	for _, u := range urls {
		p.by = append(p.by, &RSS{URL: u})
	}
	return p
}

func (p *rssProbe) sample(ctx context.Context) {
	for _, r := range p.by {
		v, cpu, err := p.read(ctx, r.URL)
		now := time.Now()
		p.mu.Lock()
		switch {
		case err != nil:
			r.Error = err.Error()
		case r.Samples == 0:
			r.firstCPU, r.firstAt = cpu, now
			fallthrough
		default:
			r.Samples++
			r.MaxBytes, r.LastBytes, r.Error = max(r.MaxBytes, v), v, ""
			r.CPUSeconds = round2(cpu - r.firstCPU)
			if d := now.Sub(r.firstAt).Seconds(); d > 0 {
				r.CPUCores = round2(r.CPUSeconds / d)
			}
		}
		p.mu.Unlock()
	}
}

// read returns the instance's resident memory and the CPU seconds it has used.
func (p *rssProbe) read(ctx context.Context, url string) (int64, float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("metrics answered %d", resp.StatusCode)
	}
	var rss, cpu float64
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for name, dst := range map[string]*float64{"process_resident_memory_bytes ": &rss, "process_cpu_seconds_total ": &cpu} {
			if v, ok := strings.CutPrefix(sc.Text(), name); ok {
				if *dst, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
					return 0, 0, fmt.Errorf("metrics: %s: %w", name, err)
				}
				found++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found < 2 {
		return 0, 0, fmt.Errorf("no process_resident_memory_bytes or process_cpu_seconds_total in the metrics")
	}
	return int64(rss), cpu, nil
}

// result returns the figures, or nil when no instance ever answered.
func (p *rssProbe) result() []RSS {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []RSS
	any := false
	for _, r := range p.by {
		out = append(out, *r)
		any = any || r.Samples > 0
	}
	if !any {
		return nil
	}
	return out
}

// Conns is the database's connections (pg_stat_activity rows of the database, the probe's own left out).
type Conns struct {
	Samples    int     `json:"samples"`
	Max        int     `json:"max"`
	Mean       float64 `json:"mean"`
	MaxActive  int     `json:"max_active"`
	MaxClients int     `json:"max_connections_setting"`
}

// dbProbe samples pg_stat_activity.
type dbProbe struct {
	db  *sql.DB
	mu  sync.Mutex
	c   Conns
	sum int
}

func openDB(ctx context.Context, url string) (*sql.DB, error) {
	db, err := sql.Open("postgres", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return db, nil
}

func (p *dbProbe) sample(ctx context.Context) error {
	var n, active int
	err := p.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'active')
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n, &active)
	if err != nil {
		return fmt.Errorf("pg_stat_activity: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c.Samples++
	p.sum += n
	p.c.Max, p.c.MaxActive = max(p.c.Max, n), max(p.c.MaxActive, active)
	p.c.Mean = round2(float64(p.sum) / float64(p.c.Samples))
	return nil
}

func (p *dbProbe) result(ctx context.Context) Conns {
	p.mu.Lock()
	c := p.c
	p.mu.Unlock()
	var s string
	if err := p.db.QueryRowContext(ctx, `SHOW max_connections`).Scan(&s); err == nil {
		c.MaxClients, _ = strconv.Atoi(s)
	}
	return c
}

// Duplicates are notifications delivered more than once. Each is a count of groups that should hold one row and
// hold more:
//   - push_deliveries: push_outbox rows of the same notification to the same subscription (one device would
//     show it twice);
//   - reminders: live reminders (not withdrawn) of the same kind, user, subject (the meeting or recommendation
//     their key names second; for a digest, the user) and time under different keys (the same event planned
//     twice; the key itself, kind:subject:user:day, is unique);
//   - notifications: notifications created during the run with the same user, kind, data, title and body (the
//     same event told twice: a reminder fired by two instances, an answer announced twice).
//
// A push delivered twice (two POSTs to the push service for one push_outbox row) leaves no trace in these
// tables: the push receiver's counts (PushFigures) see it.
type Duplicates struct {
	PushDeliveries int `json:"push_deliveries"`
	Reminders      int `json:"reminders"`
	Notifications  int `json:"notifications"`
	// What the run produced, so that a zero above can be told from nothing having happened: notifications
	// created, reminders fired (sent: a notification was created; or skipped: nothing to say when it came due),
	// pushes queued and pushes sent, to any device.
	NotificationsCreated int `json:"notifications_created"`
	RemindersFired       int `json:"reminders_fired"`
	RemindersSent        int `json:"reminders_sent"`
	PushesQueued         int `json:"pushes_queued"`
	PushesSent           int `json:"pushes_sent"`
}

// Total is the number of duplicates of every kind.
func (d Duplicates) Total() int { return d.PushDeliveries + d.Reminders + d.Notifications }

func duplicates(ctx context.Context, db *sql.DB, since time.Time) (Duplicates, error) {
	var d Duplicates
	queries := []struct {
		dst *int
		sql string
	}{
		{&d.PushDeliveries, `SELECT count(*) FROM (SELECT 1 FROM push_outbox GROUP BY notification_id, subscription_id HAVING count(*) > 1) g`},
		{&d.Reminders, `SELECT count(*) FROM (SELECT 1 FROM reminders WHERE status <> 'withdrawn'
			GROUP BY kind, user_id, split_part(key, ':', 2), next_at HAVING count(*) > 1) g`},
		{&d.Notifications, `SELECT count(*) FROM (SELECT 1 FROM notifications WHERE created_at >= $1
			GROUP BY user_id, kind, data, title, body HAVING count(*) > 1) g`},
		{&d.NotificationsCreated, `SELECT count(*) FROM notifications WHERE created_at >= $1`},
		{&d.RemindersFired, `SELECT count(*) FROM reminders WHERE status IN ('sent', 'skipped') AND updated_at >= $1`},
		{&d.RemindersSent, `SELECT count(*) FROM reminders WHERE status = 'sent' AND updated_at >= $1`},
		{&d.PushesQueued, `SELECT count(*) FROM push_outbox WHERE created_at >= $1`},
		{&d.PushesSent, `SELECT count(*) FROM push_outbox WHERE status = 'sent' AND sent_at >= $1`},
	}
	for _, q := range queries {
		var args []any
		if strings.Contains(q.sql, "$1") {
			args = append(args, since)
		}
		if err := db.QueryRowContext(ctx, q.sql, args...).Scan(q.dst); err != nil {
			return d, fmt.Errorf("duplicates: %w", err)
		}
	}
	return d, nil
}
