package engine

import (
	"context"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// SetApplied sets the engine's hook run once a push is applied, before it writes (see Engine.applied).
func SetApplied(e *Engine, f func(ctx context.Context, clientID string, first int64) error) {
	e.applied = f
}

// Overlapped returns how many pushes were applied while the push before them wrote: committed so, and processed
// again.
func Overlapped(e *Engine) (committed, again int) {
	return int(testutil.ToFloat64(e.overlaps.WithLabelValues("committed"))), int(testutil.ToFloat64(e.overlaps.WithLabelValues("again")))
}
