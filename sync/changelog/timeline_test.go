package changelog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// TestTimelineChanges: what the server does at start (and on a write or pull that notices a move) for each
// identity the database can show, against the one stored with its versions. The identity reading is replaced,
// since a test cannot move a database to another timeline; the rebase and the new epoch run for real.
func TestTimelineChanges(t *testing.T) {
	type outcome struct {
		epochKept bool
		rebases   int
		stored    string // the identity stored after, "" for "as live"
		log       string // a line that must be logged ("" none)
	}
	errDenied := errors.New(`pq: permission denied for function pg_control_system`)
	cases := []struct {
		name       string
		stored     string
		system, tl string // the live identity
		readErr    error
		start      bool
		pg, sqlite outcome
	}{
		{name: "unchanged", stored: "7/1", system: "7", tl: "1", start: true,
			pg:     outcome{epochKept: true, stored: "7/1"},
			sqlite: outcome{epochKept: true, stored: "7/1"}},
		{name: "failover", stored: "7/1", system: "7", tl: "2",
			pg:     outcome{epochKept: true, rebases: 1, stored: "7/2", log: "sync: database moved to a new timeline; epoch kept, versions rebased"},
			sqlite: outcome{epochKept: true, stored: "7/1"}},
		{name: "point-in-time restore to an older timeline number", stored: "7/5", system: "7", tl: "3", start: true,
			pg:     outcome{epochKept: true, rebases: 1, stored: "7/3", log: "old_timeline=5 new_timeline=3"},
			sqlite: outcome{epochKept: true, stored: "7/5"}},
		{name: "another cluster", stored: "7/1", system: "8", tl: "1", start: true,
			pg:     outcome{rebases: 0, log: "another PostgreSQL cluster (system identifier 8, was 7)"},
			sqlite: outcome{epochKept: true, stored: "7/1"}},
		{name: "first identity", stored: "", system: "7", tl: "1", start: true,
			pg:     outcome{epochKept: true, stored: "7/1"},
			sqlite: outcome{epochKept: true, stored: ""}},
		{name: "unreadable at start", stored: "7/1", readErr: errDenied, start: true,
			pg:     outcome{epochKept: true, stored: "7/1", log: "GRANT pg_monitor TO"},
			sqlite: outcome{epochKept: true, stored: "7/1"}},
		{name: "unreadable, never read", stored: "", readErr: errDenied, start: true,
			pg:     outcome{epochKept: true, stored: "", log: "restore and failover detection is off"},
			sqlite: outcome{epochKept: true, stored: ""}},
		{name: "unreadable, and the live timeline moved", stored: "7/9999", readErr: errDenied,
			pg:     outcome{epochKept: true, rebases: 1, stored: "7/LIVE", log: "epoch kept, versions rebased"},
			sqlite: outcome{epochKept: true, stored: "7/9999"}},
		{name: "unreadable later", stored: "7/1", readErr: errDenied,
			pg:     outcome{epochKept: true, stored: "7/1"},
			sqlite: outcome{epochKept: true, stored: "7/1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.New(t)
			want := tc.sqlite
			if db.Dialect == "pg" {
				want = tc.pg
			}
			var real string
			must(t, db.W.NewRaw(`SELECT system_id FROM sync_state WHERE id = 1`).Scan(ctx, &real))
			_, err := db.W.NewRaw(`UPDATE sync_state SET system_id = ? WHERE id = 1`, tc.stored).Exec(ctx)
			must(t, err)
			before := info(t, db.R)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			read := func(context.Context, bun.IDB) (string, string, error) { return tc.system, tc.tl, tc.readErr }
			must(t, changelog.EnsureAs(ctx, db.W, changelog.NewRegistry(), log, tc.start, read))

			after := info(t, db.R)
			if kept := after.Epoch == before.Epoch; kept != want.epochKept {
				t.Errorf("epoch kept %v, want %v", kept, want.epochKept)
			}
			rs, err := changelog.Rebases(ctx, db.R)
			must(t, err)
			if len(rs) != want.rebases {
				t.Fatalf("%d rebases, want %d", len(rs), want.rebases)
			}
			for _, r := range rs {
				if r.Base-r.Floor < changelog.RebaseGap || after.MaxTx < r.Base || r.Base > changelog.MaxVersion-changelog.RebaseGap {
					t.Errorf("rebase %+v: want a gap of at least 2^32, the next versions (up to %d) above base, far below 2^53", r, after.MaxTx)
				}
			}
			var stored string
			must(t, db.R.NewRaw(`SELECT system_id FROM sync_state WHERE id = 1`).Scan(ctx, &stored))
			if wantStored := want.stored; !want.epochKept && db.Dialect == "pg" {
				// A new epoch stores the identity it reads itself: the real one.
				if stored != real {
					t.Errorf("identity after a new epoch %q, want the database's %q", stored, real)
				}
			} else if _, tl, _ := strings.Cut(real, "/"); stored != strings.ReplaceAll(wantStored, "LIVE", tl) {
				t.Errorf("identity stored %q, want %q", stored, wantStored)
			}
			if l := logs.String(); want.log != "" && !strings.Contains(l, want.log) {
				t.Errorf("log lacks %q:\n%s", want.log, l)
			} else if want.log == "" && l != "" {
				t.Errorf("logged, though nothing happened:\n%s", l)
			}
		})
	}
}

// TestNewEpochLogsItsReason: every epoch change says why in the log.
func TestNewEpochLogsItsReason(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	var logs bytes.Buffer
	err := changelog.NewEpoch(ctx, db.W, changelog.NewRegistry(), slog.New(slog.NewTextHandler(&logs, nil)), "restored by hand")
	must(t, err)
	if l := logs.String(); !strings.Contains(l, "sync: new epoch") || !strings.Contains(l, `reason="restored by hand"`) {
		t.Errorf("log: %s", l)
	}
}

func info(t *testing.T, db bun.IDB) changelog.SyncInfo {
	t.Helper()
	si, err := changelog.ReadSyncInfo(context.Background(), db)
	must(t, err)
	return si
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
