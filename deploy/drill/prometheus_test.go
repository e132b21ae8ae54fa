package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The drill lists the rules whose metrics no target exports: metricNames must find every metric an expression
// reads and nothing else (functions, keywords, label names, durations, numbers).
func TestMetricNames(t *testing.T) {
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"selector", `up{job="patroni"} == 0`, []string{"up"}},
		{"aggregation and vector matching",
			`max by (scope) (patroni_xlog_location) - min by (scope) (patroni_xlog_replayed_location and on (instance) patroni_replica == 1) > 64 * 1024 * 1024`,
			[]string{"patroni_xlog_location", "patroni_xlog_replayed_location", "patroni_replica"}},
		{"functions and ranges", `changes(patroni_postgres_timeline[15m]) > 0 or changes(patroni_primary[15m]) > 0`,
			[]string{"patroni_postgres_timeline", "patroni_primary"}},
		{"absent and time", `time() - max(chibo_pgbackrest_last_backup_timestamp_seconds) > 26 * 3600 or absent(chibo_pgbackrest_last_backup_timestamp_seconds)`,
			[]string{"chibo_pgbackrest_last_backup_timestamp_seconds"}},
		{"label values with names in them", `sum(rate(chibo_http_requests_total{route=~"/api/v1/sync/.*",status=~"5.."}[5m])) / sum(rate(chibo_http_requests_total{route=~"/api/v1/sync/.*"}[5m])) > 0.01`,
			[]string{"chibo_http_requests_total"}},
		{"histogram", `histogram_quantile(0.95, sum by (le) (rate(chibo_http_request_duration_seconds_bucket{route=~"/api/v1/coverage.*"}[10m]))) > 2`,
			[]string{"chibo_http_request_duration_seconds_bucket"}},
		{"grouping after, offset, exponent", `sum(x_total offset 5m) without (instance) > 1e3 unless y`, []string{"x_total", "y"}},
		{"a number only", `vector(1)`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, metricNames(tt.expr)); diff != "" {
				t.Errorf("metricNames(%q) (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}
