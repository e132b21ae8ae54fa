package demo_test

import (
	"context"
	"database/sql"
	"net/url"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// provinceConfig is a province-sized data set: 100 communes of 100 cells (10,000 cells, about 240,000 members),
// 12 months of meetings and attendance (about 120,000 meetings and 2.5 million attendance rows).
var provinceConfig = demo.Config{Seed: 1, Communes: 100, CellsPerCommune: 100, Officials: 3300, Supervisors: 101,
	Months: 12, Today: domain.NewDate(2026, time.December, 1)}

// provinceDBName names the cached province database; change it when provinceConfig or the generator changes.
const provinceDBName = "chibo_bench_province_v1"

// provinceDB opens the province-sized PostgreSQL database, generating it on the first run only (it takes
// minutes): it is kept on the server between runs under provinceDBName, and migrated to the current schema on
// each run. It skips unless the run selected PostgreSQL.
func provinceDB(b *testing.B) *store.DB {
	b.Helper()
	if testdb.Dialect() != "pg" {
		b.Skip("the province benchmark runs on PostgreSQL (CHIBO_TEST_DB=postgres)")
	}
	if testing.Short() {
		b.Skip("-short")
	}
	admin, err := testdb.PostgresAdminURL()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	adb, err := sql.Open("postgres", admin)
	if err != nil {
		b.Fatal(err)
	}
	defer adb.Close()
	var exists bool
	if err := adb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, provinceDBName).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		building := provinceDBName + "_new"
		_, _ = adb.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		if _, err := adb.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(ctx, store.Options{URL: withDB(admin, building)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		cfg := provinceConfig
		cfg.PasswordHash = hash(b)
		start := time.Now()
		if _, err := demo.Generate(ctx, db, cfg); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated the province in %s", time.Since(start).Round(time.Second))
		if _, err := db.W.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		db.Close()
		if _, err := adb.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+provinceDBName); err != nil {
			b.Fatal(err)
		}
	}
	db, err := store.Open(ctx, store.Options{URL: withDB(admin, provinceDBName)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if applied, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	} else if len(applied) > 0 {
		_, _ = db.W.ExecContext(ctx, "ANALYZE")
	}
	return db
}

func withDB(u, name string) string {
	p, _ := url.Parse(u)
	p.Path = "/" + name
	return p.String()
}

// BenchmarkProvinceData only makes sure the cached province database exists.
func BenchmarkProvinceData(b *testing.B) {
	provinceDB(b)
	for b.Loop() {
	}
}
