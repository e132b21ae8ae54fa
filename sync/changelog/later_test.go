package changelog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// laterRow is a row of a table made for these tests, with a column of each kind InsertLater writes out itself.
type laterRow struct {
	bun.BaseModel `bun:"table:later_rows"`
	ID            string    `bun:"id,pk"`
	Text          string    `bun:"text"`
	Note          *string   `bun:"note"`
	N             int64     `bun:"n"`
	F             float64   `bun:"f"`
	B             bool      `bun:"b"`
	At            time.Time `bun:"at"`
}

// statementCounter counts the statements a bun.DB runs that write the table later_rows.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *statementCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, `"later_rows"`) {
		c.n.Add(1)
	}
}

// TestLaterStatementsKeepTheirValues: rows queued by InsertLater and an update queued by ExecLater (as a push
// queues its results, its device's position and its few rows) are stored exactly as written, whatever their text
// holds (quotes, backslashes, question marks bun would take for placeholders, a semicolon, Vietnamese, a line
// break, the word NULL, braces, spaces at both ends, an infinite float), sent together on PostgreSQL (one
// statement for all three); a batch of more rows than one INSERT takes goes by COPY, with the same
// values; and a queued statement that breaks a constraint fails the whole write, leaving nothing of it.
func TestLaterStatementsKeepTheirValues(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE later_rows (id TEXT PRIMARY KEY, text TEXT NOT NULL, note TEXT,
		n BIGINT NOT NULL, f DOUBLE PRECISION NOT NULL, b BOOLEAN NOT NULL, at TIMESTAMPTZ NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	at := time.Date(2026, 12, 6, 10, 23, 59, 171284000, time.UTC)
	note := `ghi chú: "Đồng chí" vắng; lý do?`
	texts := []string{`it's`, `back\slash`, `a ? b ?0 ?name`, `'; DROP TABLE later_rows; --`, "Đồng chí\nxuống dòng", ``, `\'`,
		`NULL`, `{a,"b"}`, ` cách hai đầu `, `\"`, `\\`}
	var want []laterRow
	for i, s := range texts {
		r := laterRow{ID: fmt.Sprintf("r%02d", i), Text: s, N: int64(-i) << 40, F: float64(i) / 3, B: i%2 == 0, At: at.Add(time.Duration(i) * time.Second)}
		if i == 4 {
			r.F = math.Inf(-1)
		}
		if i%3 == 0 {
			r.Note = &note
		}
		want = append(want, r)
	}
	var c statementCounter
	//lint:ignore SA1019 the hook goes on the database the test writes through
	db.W.AddQueryHook(&c)
	_, err := changelog.Write(ctx, db.W, changelog.NewRegistry(), log, func(ctx context.Context, tx bun.Tx) error {
		first, second := want[:3], want[3:]
		if err := changelog.InsertLater(ctx, tx, &first); err != nil {
			return err
		}
		if err := changelog.InsertLater(ctx, tx, &second); err != nil {
			return err
		}
		return changelog.ExecLater(ctx, tx, tx.NewUpdate().Table("later_rows").Set("text = text || ?", " ?").Where("id = ?", "r00"))
	})
	if err != nil {
		t.Fatal(err)
	}
	want[0].Text += " ?"
	if n := c.n.Load(); testdb.Dialect() == "pg" && n != 1 || testdb.Dialect() != "pg" && n != 3 {
		t.Errorf("%d statements for two inserts and an update; want 1 on PostgreSQL, 3 on SQLite", n) // SQLite runs each at once
	}

	// More rows than one INSERT takes: COPY on PostgreSQL.
	var many []laterRow
	for i := 0; i < 100; i++ {
		many = append(many, laterRow{ID: fmt.Sprintf("m%03d", i), Text: texts[i%len(texts)], N: int64(i), At: at})
	}
	if _, err := changelog.Write(ctx, db.W, changelog.NewRegistry(), log, func(ctx context.Context, tx bun.Tx) error {
		return changelog.InsertLater(ctx, tx, &many)
	}); err != nil {
		t.Fatal(err)
	}
	want = append(want, many...)

	// A duplicate key among the queued rows: the write fails whole.
	_, err = changelog.Write(ctx, db.W, changelog.NewRegistry(), log, func(ctx context.Context, tx bun.Tx) error {
		fresh := []laterRow{{ID: "z1", Text: "new", At: at}}
		if err := changelog.InsertLater(ctx, tx, &fresh); err != nil {
			return err
		}
		dup := []laterRow{{ID: "r01", Text: "again", At: at}}
		return changelog.InsertLater(ctx, tx, &dup)
	})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
		t.Errorf("a duplicate key among queued rows: %v, want a unique violation", err)
	}

	slices.SortFunc(want, func(a, b laterRow) int { return strings.Compare(a.ID, b.ID) })
	var got []laterRow
	if err := db.R.NewSelect().Model(&got).Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].At = got[i].At.UTC()
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stored rows (-want +got):\n%s", d)
	}
}
