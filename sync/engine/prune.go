package engine

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// Prune removes changes older than the retention period from the log, and the stored outcomes of mutations as
// old. A device whose cursor falls before the pruned changes gets a full snapshot on its next pull. It is safe to
// run on several instances at once.
func (e *Engine) Prune(ctx context.Context) (removed int64, err error) {
	return e.PruneBatched(ctx, store.Batch{})
}

// PruneBatched is Prune in transactions of at most b's size (a long delete would hold PostgreSQL's horizon and stall
// every pull). Changes go oldest first, and each transaction raises pruned_tx to the last transaction it removed
// changes of (even partly), so a device is reset exactly when it might have missed one; a run cut short is
// finished by the next.
func (e *Engine) PruneBatched(ctx context.Context, b store.Batch) (removed int64, err error) {
	cutoff := e.now().Add(-Retention).UTC()
	var top sql.NullInt64
	if err := e.db.W.NewRaw(`SELECT max(tx) FROM sync_changes WHERE at < ?`, cutoff).Scan(ctx, &top); err != nil {
		return 0, domain.Internalf("prune: %w", err)
	}
	upd := `UPDATE sync_state SET pruned_tx = ` + changelog.Greatest(e.db.W) + `(pruned_tx, ?) WHERE id = 1`
	if top.Valid {
		n, err := b.Run(ctx, e.db, "prune_changes", func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
			// The transactions come from what was deleted, not from a query before it: another instance may
			// have pruned meanwhile, and pruned_tx must cover every change gone.
			var txs []int64
			if err := tx.NewRaw(`DELETE FROM sync_changes WHERE seq IN
				(SELECT seq FROM sync_changes WHERE tx <= ? ORDER BY tx, seq LIMIT ?) RETURNING tx`, top.Int64, limit).
				Scan(ctx, &txs); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, false, err
			}
			if len(txs) == 0 {
				return 0, false, nil
			}
			if _, err := tx.NewRaw(upd, slices.Max(txs)).Exec(ctx); err != nil {
				return 0, false, err
			}
			return len(txs), len(txs) == limit, nil
		})
		removed = int64(n)
		if err != nil {
			return removed, domain.Internalf("prune: %w", err)
		}
	}
	_, err = b.Run(ctx, e.db, "prune_results", func(ctx context.Context, tx bun.Tx, limit int) (int, bool, error) {
		res, err := tx.NewRaw(`DELETE FROM sync_results WHERE (client_id, seq) IN
			(SELECT client_id, seq FROM sync_results WHERE at < ? LIMIT ?)`, cutoff, limit).Exec(ctx)
		if err != nil {
			return 0, false, err
		}
		n, _ := res.RowsAffected()
		return int(n), int(n) == limit, nil
	})
	if err != nil {
		return removed, domain.Internalf("prune: %w", err)
	}
	return removed, nil
}

// RunPruner prunes once an hour until ctx ends, in transactions of at most b's size.
func (e *Engine) RunPruner(ctx context.Context, b store.Batch) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.PruneBatched(ctx, b); err != nil {
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
