package engine

import "context"

// SetApplied sets the engine's hook run once a push is applied, before it writes (see Engine.applied).
func SetApplied(e *Engine, f func(ctx context.Context, clientID string, first int64) error) {
	e.applied = f
}
