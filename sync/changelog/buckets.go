package changelog

import (
	"context"
	"reflect"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

// BucketSum is the count and checksum of one bucket.
type BucketSum struct {
	Class string `bun:"class"`
	Scope string `bun:"scope"`
	Part  string `bun:"part"`
	Path  string `bun:"path"`
	Count int64  `bun:"count"`
	Sum   int64  `bun:"sum"`
	Tx    int64  `bun:"tx"`
}

// ComputeBuckets recomputes every bucket's count and checksum from the live rows of the synced tables of reg,
// reading in batches. It is the reference the incrementally kept sync_buckets must equal.
func ComputeBuckets(ctx context.Context, db bun.IDB, reg *Registry) (map[BucketKey]*BucketSum, error) {
	out := map[BucketKey]*BucketSum{}
	sc := NewScoper(reg, db)
	for _, t := range reg.list {
		table, alias := t.Name, bun.Ident(t.Alias(db))
		after := ""
		for {
			slice := reflect.New(reflect.SliceOf(reflect.TypeOf(t.New()))).Interface()
			q := db.NewSelect().Model(slice).OrderExpr("?.id", alias).Limit(2000)
			if after != "" {
				q = q.Where("?.id > ?", alias, after)
			}
			if err := q.Scan(ctx); err != nil {
				return nil, err
			}
			rows := reflect.ValueOf(slice).Elem()
			if rows.Len() == 0 {
				break
			}
			batch := make([]Row, rows.Len())
			for i := range batch {
				batch[i] = rows.Index(i).Interface().(Row)
			}
			if err := sc.Preload(ctx, batch); err != nil {
				return nil, err
			}
			for _, r := range batch {
				s, err := sc.Scope(ctx, r)
				if err != nil {
					return nil, err
				}
				k := BucketKey{s.Class, s.Scope, s.Part}
				b := out[k]
				if b == nil {
					b = &BucketSum{Class: s.Class, Scope: s.Scope, Part: s.Part, Path: s.Path}
					out[k] = b
				}
				b.Count++
				b.Sum += int64(wire.RowHash(table, r.SyncBase().ID, r.SyncBase().Version))
				b.Tx = max(b.Tx, r.SyncBase().Version)
			}
			after = batch[len(batch)-1].SyncBase().ID
			if len(batch) < 2000 {
				break
			}
		}
	}
	return out, nil
}

// RebuildBuckets replaces sync_buckets with a recomputation. Run it after rows were written without Track (the
// demo generator's bulk inserts, the migrations' reference data) and after an org subtree moved.
func RebuildBuckets(ctx context.Context, db bun.IDB, reg *Registry) error {
	sums, err := ComputeBuckets(ctx, db, reg)
	if err != nil {
		return domain.Internalf("rebuild buckets: %w", err)
	}
	if _, err := db.NewRaw(`DELETE FROM sync_buckets`).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	rows := make([]BucketSum, 0, len(sums))
	for _, b := range sums {
		rows = append(rows, *b)
	}
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		if _, err := db.NewInsert().Model(&chunk).ModelTableExpr("sync_buckets").Exec(ctx); err != nil {
			return domain.Internalf("rebuild buckets: %w", err)
		}
	}
	return nil
}

// StoredBuckets returns the buckets as sync_buckets keeps them, without empty ones.
func StoredBuckets(ctx context.Context, db bun.IDB) (map[BucketKey]*BucketSum, error) {
	var rows []BucketSum
	if err := db.NewRaw(`SELECT class, scope, part, path, count, sum, tx FROM sync_buckets WHERE count <> 0 OR sum <> 0`).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[BucketKey]*BucketSum{}
	for i := range rows {
		out[BucketKey{rows[i].Class, rows[i].Scope, rows[i].Part}] = &rows[i]
	}
	return out, nil
}
