package engine

import "context"

// SetApplied sets the engine's hook run once a push is applied, before it writes (see Engine.applied).
func SetApplied(e *Engine, f func(ctx context.Context, clientID string, first int64) error) {
	e.applied = f
}

// ObserveQueries has f called with the text of each prepared statement the engine runs (prepared.go): bun's query
// hooks do not see them.
func ObserveQueries(e *Engine, f func(query string)) {
	e.prep.observe.Store(&f)
}
