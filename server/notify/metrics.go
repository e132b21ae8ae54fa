package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
)

// outboxAgeTimeout bounds the query a scrape runs, so a slow database never holds /metrics up.
const outboxAgeTimeout = 2 * time.Second

// OutboxAge is the Prometheus collector of chibo_push_outbox_oldest_age_seconds: how long the oldest push delivery
// that is due has waited to be sent (since it was queued, or since its backoff ended), read from the database at
// scrape time; 0 when none is due. A worker that stopped or falls behind shows as an age that grows; a delivery
// retried with backoff does not (chibo_push_total{outcome="retry"} counts those), so one failing device never
// looks like a stuck queue.
type OutboxAge struct {
	db   bun.IDB
	log  *slog.Logger
	now  func() time.Time
	desc *prometheus.Desc
}

// NewOutboxAge returns the collector reading the outbox of db; now is the clock (time.Now in production).
func NewOutboxAge(db bun.IDB, log *slog.Logger, now func() time.Time) *OutboxAge {
	return &OutboxAge{db: db, log: log, now: now, desc: prometheus.NewDesc("chibo_push_outbox_oldest_age_seconds",
		"Seconds the oldest due web push delivery has waited to be sent (0 when none is due).", nil, nil)}
}

// Describe sends the gauge's description.
func (o *OutboxAge) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

// Collect reads the oldest due delivery and sends its age. When the database does not answer in time the
// gauge is left out of this scrape (and logged) rather than failing every other metric.
func (o *OutboxAge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxAgeTimeout)
	defer cancel()
	age, err := o.age(ctx)
	if err != nil {
		o.log.Warn("metrics: reading the push outbox's oldest delivery failed", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, age.Seconds())
}

func (o *OutboxAge) age(ctx context.Context) (time.Duration, error) {
	now := o.now()
	at, ok, err := store.OldestDuePush(ctx, o.db, now)
	if err != nil || !ok {
		return 0, err
	}
	return max(now.Sub(at), 0), nil
}
