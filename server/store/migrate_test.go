package store_test

import (
	"context"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/migrations"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

func migrationNames(t *testing.T, dialect string) []string {
	t.Helper()
	fsys, err := migrations.FS(dialect)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestMigrationSetsHaveSameNames(t *testing.T) {
	sqlite, pg := migrationNames(t, "sqlite"), migrationNames(t, "pg")
	if diff := cmp.Diff(sqlite, pg); diff != "" {
		t.Errorf("migrations/sqlite and migrations/postgres differ (-sqlite +postgres):\n%s", diff)
	}
	for _, n := range sqlite {
		if !strings.HasSuffix(n, ".tx.up.sql") {
			t.Errorf("%s: migrations are transactional up files named NNNN_name.tx.up.sql", n)
		}
	}
}

// columns returns "table.column" for every user table of the database.
func columns(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var cols []string
	var err error
	if db.Dialect == "pg" {
		err = db.R.NewRaw(`SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = 'public'`).Scan(ctx, &cols)
	} else {
		err = db.R.NewRaw(`SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`).Scan(ctx, &cols)
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(cols)
	return cols
}

// TestMigrationsProduceSameSchema migrates an SQLite and a PostgreSQL database and compares their tables and
// columns. It needs PostgreSQL, so it runs in the PostgreSQL pass of `make test`.
func TestMigrationsProduceSameSchema(t *testing.T) {
	if testdb.Dialect() != "pg" {
		t.Log("compared in the PostgreSQL pass (CHIBO_TEST_DB=postgres)")
		return
	}
	pg := testdb.New(t)
	lite, err := store.Open(context.Background(), store.Options{URL: "sqlite::memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(columns(t, lite), columns(t, pg)); diff != "" {
		t.Errorf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
}

func TestMigrateIsIdempotentAndReady(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", again)
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("pending after migrate: %v", pending)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := db.W.NewInsert().Model(&store.AuditEntry{Action: "create", Entity: "x", EntityID: "1"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.NewRaw(`UPDATE audit_log SET action = 'forged'`).Exec(ctx); err == nil {
		t.Error("UPDATE of audit_log succeeded; want the trigger to refuse it")
	}
	if _, err := db.W.NewRaw(`DELETE FROM audit_log`).Exec(ctx); err == nil {
		t.Error("DELETE from audit_log succeeded; want the trigger to refuse it")
	}
}
