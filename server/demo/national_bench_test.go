package demo_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lib/pq"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// nationalProvinces is how many provinces' worth of cells the national benchmark database holds.
const nationalProvinces = 8

// nationalDBName names the cached national database; change it when the province database (provinceDBName) or
// the way it is cloned (nationalClone) changes.
const nationalDBName = "chibo_bench_national_v3"

// nationalDB opens the national-sized PostgreSQL database: nationalProvinces provinces of 10,000 cells each
// (80,000 cells, 1.9 million members, 1.4 million meetings, 28.6 million attendance rows, 14 GB), kept on the
// server under nationalDBName like the province's, built on the first run only (8 minutes here).
//
// It is not generated: the demo generator makes one installation's province (it refuses a database that holds
// one, and its logins are fixed), and generating eight would take eight times its 4.5 minutes. The province
// database is copied (CREATE DATABASE … TEMPLATE, seconds) and its rows cloned seven times in SQL (nationalClone):
// every uuid is replaced by md5(copy || uuid) in every table of a province's data, the ids inside org_units.path
// too, and the ids the app derives from others (sync/wire: a month's scheduled meeting, a report, an attendance
// row, a confirmation, a cell's position) derived again from the copy's, so that each copy is a province of its
// own with the same shape, the same meetings and the same figures (the benchmark checks every copy's report
// against the first's); logins, membership cards and unit codes get the copy's number; the shared reference data
// (rubrics, recommendation fields, rating labels, minutes templates) is kept once. Logs and sync state (audit,
// change log, sync buckets and clients, notifications, push) are not cloned: nothing the coverage reads. The
// copies are loaded one after the other, so each province's rows sit together as if loaded one by one. The
// coverage summaries of the copies are left to build, as after an upgrade.
func nationalDB(b *testing.B) *store.DB {
	b.Helper()
	admin := benchAdmin(b)
	ctx := context.Background()
	adb, err := sql.Open("postgres", admin)
	if err != nil {
		b.Fatal(err)
	}
	defer adb.Close()
	if !dbExists(b, adb, nationalDBName) {
		ensureProvince(b, admin)
		building := nationalDBName + "_new"
		start := time.Now()
		_, _ = adb.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		// A template must have no other session: wait a little for one (`make bench-device`, another benchmark) to go.
		for try := 0; ; try++ {
			_, err := adb.ExecContext(ctx, `CREATE DATABASE `+building+` TEMPLATE `+provinceDBName)
			var pe *pq.Error
			if err == nil {
				break
			} else if !errors.As(err, &pe) || pe.Code != "55006" || try == 60 {
				b.Fatalf("copy %s: %v", provinceDBName, err)
			}
			time.Sleep(time.Second)
		}
		db, err := store.Open(ctx, store.Options{URL: withDB(admin, building)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.Logf("copied the province in %s", time.Since(start).Round(time.Second))
		if err := nationalClone(ctx, b, withDB(admin, building), nationalProvinces-1); err != nil {
			b.Fatal(err)
		}
		b.Logf("built the national database in %s", time.Since(start).Round(time.Second))
		if _, err := adb.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+nationalDBName); err != nil {
			b.Fatal(err)
		}
	}
	return openCached(b, admin, nationalDBName)
}

// The tables of a province's data, cloned with their rows' ids replaced, and the condition of the rows cloned
// ("" for all). Every other table is in nationalKept, with the reason; a table in neither (a new migration) stops
// the build until it is placed.
var nationalCloned = map[string]string{
	"org_units": "", "zones": "", "org_unit_links": "", "schedule_rules": "org_unit_id IS NOT NULL", "users": "",
	"role_grants": "org_unit_id IS NOT NULL", "members": "", "assignments": "", "meetings": "", "meeting_tallies": "",
	"attendance": "", "visit_reports": "", "visit_checks": "", "visit_confirmations": "", "cell_positions": "",
	"recommendations": "", "recommendation_answers": "", "recommendation_events": "", "annual_ratings": "",
	"addressees": "", "addressee_responders": "", "meeting_participants": "", "briefing_reports": "",
	"dialogue_questions": "", "meeting_files": "", "coverage_cells": "",
}

var nationalKept = map[string]string{
	"rubrics": "shared reference data", "rubric_criteria": "shared", "recommendation_fields": "shared",
	"rating_labels": "shared", "minutes_templates": "shared", "file_blobs": "shared by content",
	"coverage_months": "rebuilt by the reads", "coverage_visits": "rebuilt by the reads",
	"coverage_parents": "rebuilt by the reads", "coverage_rollups": "rebuilt by the reads",
	"audit_log": "log", "notifications": "log", "push_subscriptions": "devices", "push_outbox": "log",
	"refresh_tokens": "sessions", "reminders": "planner's queue", "job_leases": "planner's", "server_secrets": "one",
	"sync_state": "one", "sync_changes": "sync log", "sync_buckets": "sync state", "sync_clients": "devices",
	"sync_results": "sync log", "sync_conflicts": "sync log", "sync_rebases": "sync log",
	"bun_migrations": "schema", "bun_migration_locks": "schema",
}

// nationalKeptIDs are uuid columns of cloned tables that point at shared rows, so keep their values.
var nationalKeptIDs = map[string]bool{
	"visit_reports.rubric_id": true, "recommendations.field_id": true, "annual_ratings.label_id": true,
}

// nationalValues are the columns of cloned tables whose values change otherwise than an id's, as SQL over the
// original row t and the copy's number n (1…copies).
var nationalValues = map[string]string{
	// The ids of the path's units, as the ids are replaced.
	"org_units.path": `'/' || (SELECT string_agg(md5(n::text || s)::uuid::text, '/' ORDER BY o)
		FROM unnest(string_to_array(btrim(t.path, '/'), '/')) WITH ORDINALITY AS seg(s, o)) || '/'`,
	"org_units.code":      `CASE WHEN t.code = '' THEN t.code ELSE t.code || '.' || n END`,
	"org_units.name":      `CASE WHEN t.parent_id IS NULL THEN t.name || ' (' || (n + 1) || ')' ELSE t.name END`,
	"org_units.name_fold": `CASE WHEN t.parent_id IS NULL THEN t.name_fold || ' (' || (n + 1) || ')' ELSE t.name_fold END`,
	"users.username":      `t.username || '.' || n`,
	"members.card_number": `t.card_number || '.' || n`,
	// The copies' summaries are not built yet.
	"coverage_cells.stamp": "1", "coverage_cells.built_stamp": "0", "coverage_cells.built_algo": "0",
	"coverage_cells.from_month": "NULL", "coverage_cells.to_month": "NULL", "coverage_cells.bumped_tx": "NULL",
}

// nationalDerived are the ids two devices can compute for the same row (sync/wire: UUIDv5 of a name made of
// other ids): a row whose id is so derived gets the id derived from its copy's ids, as the app would make it
// (coverage finds a month's scheduled meeting by its id). Each is the name's prefix and the columns it is made of.
var nationalDerived = map[string][]string{
	"meetings":            {"meeting:", "cell_id", "month"},
	"visit_reports":       {"report:", "meeting_id", "official_id"},
	"attendance":          {"attendance:", "meeting_id", "member_id"},
	"visit_confirmations": {"confirmation:", "meeting_id", "official_id"},
	"cell_positions":      {"position:", "cell_id"},
}

// nationalNamespace is sync/wire's namespace of the derived ids.
const nationalNamespace = "3a1d4e2c-7b9f-5c60-8e41-2f6a9d0b7c15"

// nationalClone clones the province's rows copies times in the database at url (see nationalDB), table by table
// and copy after copy (so that each province's rows sit together, as if loaded one by one), with the triggers and foreign keys off (session_replication_role) and the indexes
// dropped and rebuilt (a primary key only where no foreign key needs it); then it checks every foreign key of the
// cloned tables and vacuums. The new ids of meetings and visit reports, which other rows point at and which may
// be derived, are worked out first into two tables (clone_meetings, clone_reports), dropped at the end with the
// uuid-ossp extension that derives them.
func nationalClone(ctx context.Context, b *testing.B, url string, copies int) error {
	pool, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%w\n%s", err, q)
		}
		return nil
	}
	if err := exec(`SET session_replication_role = replica; SET maintenance_work_mem = '512MB'`); err != nil {
		return err
	}
	type column struct{ table, name, typ string }
	rows, err := conn.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return err
	}
	cols := map[string][]column{}
	var tables []string
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			return err
		}
		if cols[c.table] == nil {
			tables = append(tables, c.table)
		}
		cols[c.table] = append(cols[c.table], c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, t := range tables {
		_, cloned := nationalCloned[t]
		if _, kept := nationalKept[t]; cloned == kept {
			return fmt.Errorf("table %s: place it in nationalCloned or nationalKept", t)
		}
	}
	// derive is the SQL of table's derived id over the ids given (SQL of uuids, by column; "month" is the meeting's).
	v5 := func(table string, ids map[string]string) string {
		d := nationalDerived[table]
		parts := []string{"'" + d[0] + "'"}
		for i, c := range d[1:] {
			if i > 0 {
				parts = append(parts, "':'")
			}
			parts = append(parts, ids[c]+"::text")
		}
		return `uuid_generate_v5('` + nationalNamespace + `'::uuid, ` + strings.Join(parts, " || ") + `)`
	}
	derived := func(table string, old map[string]string, fresh map[string]string) string {
		return `CASE WHEN t.id = ` + v5(table, old) + ` THEN ` + v5(table, fresh) + ` ELSE md5(n::text || t.id::text)::uuid END`
	}
	month := `to_char(t.meeting_date, 'YYYY-MM')`
	nid := func(col string) string { return `md5(n::text || t.` + col + `::text)::uuid` }
	maps := []string{
		`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`,
		`CREATE TABLE clone_meetings AS SELECT n AS k, t.id AS old, ` +
			derived("meetings", map[string]string{"cell_id": "t.cell_id", "month": month}, map[string]string{"cell_id": nid("cell_id"), "month": month}) +
			` AS new FROM meetings t CROSS JOIN generate_series(1, ` + fmt.Sprint(copies) + `) AS copy(n)`,
		`CREATE UNIQUE INDEX ON clone_meetings (old, k)`,
		`CREATE TABLE clone_reports AS SELECT n AS k, t.id AS old, ` +
			derived("visit_reports", map[string]string{"meeting_id": "t.meeting_id", "official_id": "t.official_id"},
				map[string]string{"meeting_id": "m.new", "official_id": nid("official_id")}) +
			` AS new FROM visit_reports t CROSS JOIN generate_series(1, ` + fmt.Sprint(copies) + `) AS copy(n)
			JOIN clone_meetings m ON m.old = t.meeting_id AND m.k = copy.n`,
		`CREATE UNIQUE INDEX ON clone_reports (old, k)`,
		`ANALYZE clone_meetings, clone_reports`,
	}
	for _, q := range maps {
		if err := exec(q); err != nil {
			return err
		}
	}
	for _, t := range tables {
		where, ok := nationalCloned[t]
		if !ok {
			continue
		}
		start := time.Now()
		// The indexes are rebuilt after the rows are in: much faster than inserting 25 million rows into them, and
		// the unique ones check the copies' uniqueness. A primary key some foreign key needs stays.
		var drops, rebuild []string
		irows, err := conn.QueryContext(ctx, `SELECT i.indexname, i.indexdef, c.conname, pg_get_constraintdef(c.oid)
			FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.conrelid = $1::text::regclass
			WHERE i.schemaname = 'public' AND i.tablename = $1::text
			AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = $1::text::regclass AND c.oid IS NOT NULL)
			ORDER BY 1`, t)
		if err != nil {
			return err
		}
		for irows.Next() {
			var name, def string
			var con, condef sql.NullString
			if err := irows.Scan(&name, &def, &con, &condef); err != nil {
				return err
			}
			if con.Valid {
				drops = append(drops, `ALTER TABLE `+pq.QuoteIdentifier(t)+` DROP CONSTRAINT `+pq.QuoteIdentifier(name))
				rebuild = append(rebuild, `ALTER TABLE `+pq.QuoteIdentifier(t)+` ADD CONSTRAINT `+pq.QuoteIdentifier(name)+` `+condef.String)
			} else {
				drops = append(drops, `DROP INDEX `+pq.QuoteIdentifier(name))
				rebuild = append(rebuild, def)
			}
		}
		if err := irows.Close(); err != nil {
			return err
		}
		for _, q := range drops {
			if err := exec(q); err != nil {
				return err
			}
		}
		// The new value of each uuid column: through clone_meetings and clone_reports for the ids of meetings and
		// visit reports, kept for shared rows, md5(n || id) otherwise.
		var joins []string
		fresh := map[string]string{}
		for _, c := range cols[t] {
			key := t + "." + c.name
			mapped := ""
			switch {
			case c.typ != "uuid":
				continue
			case nationalKeptIDs[key]:
				fresh[c.name] = "t." + pq.QuoteIdentifier(c.name)
				continue
			case t == "meetings" && c.name == "id" || strings.HasSuffix(c.name, "meeting_id"):
				mapped = "clone_meetings"
			case t == "visit_reports" && c.name == "id" || c.name == "visit_report_id":
				mapped = "clone_reports"
			default:
				fresh[c.name] = nid(pq.QuoteIdentifier(c.name))
				continue
			}
			alias := fmt.Sprintf("j%d", len(joins))
			joins = append(joins, fmt.Sprintf(` LEFT JOIN %s %s ON %s.old = t.%s AND %s.k = copy.n`, mapped, alias, alias,
				pq.QuoteIdentifier(c.name), alias))
			fresh[c.name] = alias + ".new"
		}
		if d, ok := nationalDerived[t]; ok && t != "meetings" && t != "visit_reports" {
			old := map[string]string{}
			for _, c := range d[1:] {
				old[c] = "t." + c
			}
			fresh["id"] = derived(t, old, fresh)
		}
		var names, exprs []string
		for _, c := range cols[t] {
			expr := "t." + pq.QuoteIdentifier(c.name)
			if v := nationalValues[t+"."+c.name]; v != "" {
				expr = v
			} else if f, ok := fresh[c.name]; ok {
				expr = f
			}
			names, exprs = append(names, pq.QuoteIdentifier(c.name)), append(exprs, expr)
		}
		// One copy after the other, from the province's rows set aside: each province's rows sit together, as if
		// the provinces had been loaded one by one.
		if where == "" {
			where = "TRUE"
		}
		if err := exec(`CREATE TEMP TABLE clone_src AS SELECT * FROM ` + pq.QuoteIdentifier(t) + ` WHERE ` + where); err != nil {
			return err
		}
		var n int64
		for copyN := 1; copyN <= copies; copyN++ {
			q := `INSERT INTO ` + pq.QuoteIdentifier(t) + ` (` + strings.Join(names, ", ") + `) SELECT ` + strings.Join(exprs, ", ") +
				` FROM clone_src t CROSS JOIN (SELECT ` + fmt.Sprint(copyN) + ` AS n) AS copy` + strings.Join(joins, "")
			res, err := conn.ExecContext(ctx, q)
			if err != nil {
				return fmt.Errorf("clone %s: %w\n%s", t, err, q)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		if err := exec(`DROP TABLE clone_src`); err != nil {
			return err
		}
		for _, q := range rebuild {
			if err := exec(q); err != nil {
				return err
			}
		}
		if time.Since(start) > 5*time.Second {
			b.Logf("cloned %s: %d rows in %s", t, n, time.Since(start).Round(time.Second))
		}
	}
	for _, q := range []string{`DROP TABLE clone_meetings, clone_reports`, `DROP EXTENSION "uuid-ossp"`} {
		if err := exec(q); err != nil {
			return err
		}
	}
	// Every foreign key of the cloned tables holds (they were not checked while the rows went in).
	start := time.Now()
	type fk struct{ table, col, ref, refCol string }
	var fks []fk
	frows, err := conn.QueryContext(ctx, `SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, r.attname
		FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 ORDER BY 1, 2`)
	if err != nil {
		return err
	}
	for frows.Next() {
		var f fk
		if err := frows.Scan(&f.table, &f.col, &f.ref, &f.refCol); err != nil {
			return err
		}
		if _, ok := nationalCloned[f.table]; ok {
			fks = append(fks, f)
		}
	}
	if err := frows.Close(); err != nil {
		return err
	}
	for _, f := range fks {
		var bad int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s t WHERE t.%s IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM %s r WHERE r.%s = t.%s)`, pq.QuoteIdentifier(f.table), pq.QuoteIdentifier(f.col), pq.QuoteIdentifier(f.ref),
			pq.QuoteIdentifier(f.refCol), pq.QuoteIdentifier(f.col))).Scan(&bad); err != nil {
			return err
		}
		if bad > 0 {
			return fmt.Errorf("%s.%s: %d rows point at no %s", f.table, f.col, bad, f.ref)
		}
	}
	b.Logf("checked %d foreign keys in %s", len(fks), time.Since(start).Round(time.Second))
	start = time.Now()
	if err := exec(`VACUUM (ANALYZE)`); err != nil {
		return err
	}
	b.Logf("vacuumed in %s", time.Since(start).Round(time.Second))
	return nil
}

// BenchmarkCoverageNational times coverage on the national database (nationalDB: eight provinces of 10,000
// cells on one PostgreSQL), for a month and for the 12 months of history, and reports the median of the warm reads
// in milliseconds (ms-median) and the first, cold read on its own (cold-ms: every summary of the scope rebuilt).
//
// Chibo has no report of the whole installation: the coverage API answers for one unit, and an admin of the
// whole installation (a grant without a unit) gets its first top unit unless it names another (api
// readCoverageQuery). So "national" is what such a national supervisor reads to see the country, and what a
// national roll-up pulls (deploy/SCALE.md, section 3): every province's report, one after another (month,
// year). "province-month" and "province-year" time one province's report inside the national database, the
// report that admin gets first. At least five warm reads are timed whatever -benchtime says, so that `make bench`
// (-benchtime 1x) reports a median. Each report is checked against a recomputation, and every province's figures
// against the first's (the provinces are copies of one).
func BenchmarkCoverageNational(b *testing.B) {
	db := nationalDB(b)
	ctx := context.Background()
	var provinces []store.OrgUnit
	if err := db.R.NewSelect().Model(&provinces).Where("parent_id IS NULL").OrderExpr("name_fold, id").Scan(ctx); err != nil {
		b.Fatal(err)
	}
	if len(provinces) != nationalProvinces {
		b.Fatalf("%d provinces, want %d", len(provinces), nationalProvinces)
	}
	today := provinceConfig.Today
	month := store.Period{From: domain.NewDate(2026, time.November, 1), To: domain.NewDate(2026, time.November, 30)}
	year := store.Period{From: domain.NewDate(2025, time.December, 1), To: domain.NewDate(2026, time.November, 30)}
	for _, bc := range []struct {
		name   string
		period store.Period
		units  []store.OrgUnit
	}{
		{"month", month, provinces},
		{"year", year, provinces},
		{"province-month", month, provinces[:1]},
		{"province-year", year, provinces[:1]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// A cold start of the scope: every summary of its cells is rebuilt on the first read.
			for _, u := range bc.units {
				if _, err := db.W.ExecContext(ctx, `UPDATE coverage_cells SET built_stamp = -1 WHERE cell_id IN (
					SELECT id FROM org_units WHERE kind = 'cell' AND path >= ? AND path < ?)`, u.Path, domain.PathUpper(u.Path)); err != nil {
					b.Fatal(err)
				}
			}
			reps := make([]*store.CoverageReport, len(bc.units))
			read := func() time.Duration {
				start := time.Now()
				for i := range bc.units {
					var err error
					if reps[i], err = store.CoverageOf(ctx, db.R, db.W, &bc.units[i], bc.period, today); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			cold := read()
			// Autovacuum, off on the benchmarks' server, would clean up after the rebuild within the minute.
			if _, err := db.W.ExecContext(ctx, `VACUUM (ANALYZE) coverage_cells, coverage_months, coverage_visits, coverage_parents, coverage_rollups`); err != nil {
				b.Fatal(err)
			}
			var times []time.Duration
			for b.Loop() {
				times = append(times, read())
			}
			for len(times) < 5 {
				times = append(times, read())
			}
			cells, meetings := 0, 0
			for i, u := range bc.units {
				want, err := store.CoverageRecomputed(ctx, db.R, &u, bc.period, today)
				if err != nil {
					b.Fatal(err)
				}
				if diff := cmp.Diff(want, reps[i], cmpopts.EquateComparable(domain.Date{})); diff != "" {
					b.Fatalf("%s: the summary differs from a recomputation (-recomputed +summary):\n%s", u.Name, diff)
				}
				if diff := cmp.Diff(reps[0].Totals, reps[i].Totals); diff != "" {
					b.Fatalf("%s differs from %s, of which it is a copy:\n%s", u.Name, bc.units[0].Name, diff)
				}
				cells += reps[i].Totals.Cells
				meetings += reps[i].Totals.HeldMeetings
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
			b.ReportMetric(float64(cells), "cells")
			b.ReportMetric(float64(meetings), "meetings")
		})
	}
}

// BenchmarkNationalData only makes sure the cached national database exists.
func BenchmarkNationalData(b *testing.B) {
	nationalDB(b)
	for b.Loop() {
	}
}
