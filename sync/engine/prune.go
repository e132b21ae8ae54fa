package engine

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Prune removes changes older than the retention period from the log, and the stored outcomes of mutations as
// old. A device whose cursor falls before the pruned changes gets a full snapshot on its next pull. It is safe to
// run on several instances at once.
func (e *Engine) Prune(ctx context.Context) (removed int64, err error) {
	cutoff := e.now().Add(-Retention).UTC()
	err = e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var top sql.NullInt64
		if err := tx.NewRaw(`SELECT max(tx) FROM sync_changes WHERE at < ?`, cutoff).Scan(ctx, &top); err != nil {
			return err
		}
		if top.Valid {
			res, err := tx.NewRaw(`DELETE FROM sync_changes WHERE tx <= ?`, top.Int64).Exec(ctx)
			if err != nil {
				return err
			}
			removed, _ = res.RowsAffected()
			upd := `UPDATE sync_state SET pruned_tx = MAX(pruned_tx, ?) WHERE id = 1`
			if e.db.Dialect == "pg" {
				upd = `UPDATE sync_state SET pruned_tx = GREATEST(pruned_tx, ?) WHERE id = 1`
			}
			if _, err := tx.NewRaw(upd, top.Int64).Exec(ctx); err != nil {
				return err
			}
		}
		_, err := tx.NewRaw(`DELETE FROM sync_results WHERE at < ?`, cutoff).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, domain.Internalf("prune: %w", err)
	}
	return removed, nil
}

// RunPruner prunes once an hour until ctx ends.
func (e *Engine) RunPruner(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.Prune(ctx); err != nil {
			e.log.ErrorContext(ctx, "sync prune failed", "err", err)
		} else if n > 0 {
			e.log.InfoContext(ctx, "sync log pruned", "changes", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
