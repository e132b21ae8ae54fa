package changelog

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"
)

// EnsureAs runs EnsureSyncState (start: at the server's start) with the identity read by read, which returns the
// system identifier and timeline: tests simulate a failover or another cluster with it.
func EnsureAs(ctx context.Context, db bun.IDB, reg *Registry, log *slog.Logger, start bool,
	read func(ctx context.Context, db bun.IDB) (system, timeline string, err error)) error {
	t := newTimeline(reg, log)
	t.read = func(ctx context.Context, db bun.IDB) (identity, error) {
		s, tl, err := read(ctx, db)
		return identity{system: s, timeline: tl}, err
	}
	return t.ensure(ctx, db, start)
}
