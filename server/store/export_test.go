package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// SummaryStamps reads the summary state of the cells under root (every cell: the months asked for are none), as
// a rebuild does before it reads their data.
func SummaryStamps(ctx context.Context, db bun.IDB, root string) ([]coverageCell, error) {
	return staleCells(ctx, db, root, domain.NewDate(1, 1, 1), domain.NewDate(9999, 12, 1))
}

// RebuildSummary rebuilds the months from..to of the cells whose state was read earlier by SummaryStamps.
func RebuildSummary(ctx context.Context, r, w bun.IDB, cells []coverageCell, from, to domain.Date) error {
	for i := range cells {
		cells[i].BuiltStamp = -1 // stale, whatever it was
	}
	_, err := refreshCoverage(ctx, r, w, cells, from, to)
	return err
}

// CheckRestored runs the start-up check of a SQLite file against the note beside it (changelog.CheckRestored) and
// reports whether it found the file restored from a backup.
func CheckRestored(ctx context.Context, d *DB) (bool, error) { return d.checkRestored(ctx) }
