package engine_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	gosync "sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/engine"
	"github.com/chibo-vn/chibo/sync/wire"
)

// A PostgreSQL timeline cannot change inside a test. These tests simulate the two halves of a failover on a real
// database: the changes the old primary committed that the standby never received are deleted (lose), and the
// stored identity is set to another timeline of the same cluster (moveTimeline), so the server finds the database
// on "a new timeline" exactly as after a promotion. The detection and the rebase then run for real.

// logBuffer collects what the store logs, for checking the operator's log lines.
type logBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLog makes the store log into a buffer.
func (h *harness) captureLog() *logBuffer {
	b := &logBuffer{}
	h.db.Log = slog.New(slog.NewTextHandler(b, nil))
	return b
}

// lose deletes what every transaction from version v on wrote, as if the database had never received those
// commits: the synced rows they created (children first), their log entries, and the push outcomes they stored.
func (h *harness) lose(v int64) {
	h.t.Helper()
	ctx := context.Background()
	err := h.db.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		names := store.SyncedTables()
		for _, t := range slices.Backward(names) {
			if _, err := tx.NewRaw(`DELETE FROM ? WHERE version >= ?`, bun.Ident(t), v).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw(`DELETE FROM sync_changes WHERE tx >= ?`, v).Exec(ctx); err != nil {
			return err
		}
		return store.RebuildBuckets(ctx, tx)
	})
	must(h.t, err)
}

// moveTimeline sets the stored identity to another timeline of the same cluster (system "" keeps the stored
// one) or to another cluster, and returns the identity the server really runs on.
func (h *harness) moveTimeline(system string) string {
	h.t.Helper()
	ctx := context.Background()
	var live string
	must(h.t, h.db.W.NewRaw(`SELECT system_id FROM sync_state WHERE id = 1`).Scan(ctx, &live))
	if h.db.Dialect == "pg" && live == "" {
		h.t.Fatal("the sync state holds no PostgreSQL identity: the test database's user cannot read pg_control_system()")
	}
	sys, _, _ := strings.Cut(live, "/")
	if system == "" {
		system = sys
	}
	_, err := h.db.W.NewRaw(`UPDATE sync_state SET system_id = ? WHERE id = 1`, system+"/977").Exec(ctx)
	must(h.t, err)
	return live
}

// cursorOf returns the position and the highest version sent that a device's cursor holds.
func cursorOf(t testing.TB, c *client.Client) (tx, high int64) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(c.Local.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	var cur struct {
		Tx   int64 `json:"x"`
		High int64 `json:"h"`
	}
	must(t, json.Unmarshal(b, &cur))
	return cur.Tx, cur.High
}

func rebases(t testing.TB, db *store.DB) []changelog.Rebase {
	t.Helper()
	rs, err := changelog.Rebases(context.Background(), db.R)
	must(t, err)
	return rs
}

func syncInfo(t testing.TB, db *store.DB) store.SyncInfo {
	t.Helper()
	si, err := store.ReadSyncInfo(context.Background(), db.R)
	must(t, err)
	return si
}

func maxVersion(t testing.TB, db *store.DB, table string) int64 {
	t.Helper()
	var v int64
	must(t, db.R.NewRaw(`SELECT COALESCE(max(version), 0) FROM ?`, bun.Ident(table)).Scan(context.Background(), &v))
	return v
}

// sameAsNew checks a device holds exactly what a new device of the same user receives.
func (h *harness) sameAsNew(c *client.Client, user string) {
	h.t.Helper()
	fresh := h.device(user)
	pull(h.t, fresh)
	type row struct {
		Version int64
		Data    string
	}
	view := func(c *client.Client) map[string]row {
		out := map[string]row{}
		for k, r := range c.Local.Rows {
			out[k] = row{r.Version, string(r.Data)}
		}
		return out
	}
	if d := cmp.Diff(view(fresh), view(c)); d != "" {
		h.t.Errorf("%s's device differs from a new one (-new +device):\n%s", user, d)
	}
}

// counters returns the engine's counter metric by the value of its label, as the server's registry exports it.
func counters(t testing.TB, e *engine.Engine, metric, label string) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.Metrics()...)
	mfs, err := reg.Gather()
	must(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestFailoverKeepsTheEpoch (PostgreSQL): after the database moved to a new timeline of its cluster (a standby
// promoted, a point-in-time restore) that lacks the last commit, the epoch is kept and versions start above the
// recorded interval; a device that never received the lost commit goes on with deltas, even one whose cursor
// followed the horizon past it; the device that received it is reset, alone, and converges; every device ends
// equal to a new one. The rebase is logged and counted.
func TestFailoverKeepsTheEpoch(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("SQLite has no timelines (TestTimelinesLeaveSQLiteAlone)")
	}
	logs := h.captureLog()
	ctx := context.Background()
	safe, seen, other := h.device("off1"), h.device("off2"), h.device("sec")
	for _, c := range []*client.Client{safe, seen, other} {
		pull(t, c)
	}
	before := syncInfo(t, h.db)

	// The old primary commits a meeting of cell A; off2's device receives it, the secretary of cell B pulls
	// past it (nothing of cell B changed), off1's device is offline. Then the primary dies before the standby
	// received the commit.
	lost := h.writeMeeting("A", h.today.AddDays(-1))
	v := maxVersion(t, h.db, "meetings")
	pull(t, seen)
	pull(t, other)
	if seen.Local.Row("meetings", lost) == nil {
		t.Fatal("off2's device did not receive the meeting")
	}
	if tx, high := cursorOf(t, other); tx < v || high >= v {
		t.Fatalf("the secretary's cursor (x %d, h %d) should be past the lost version %d without having been sent it", tx, high, v)
	}
	h.lose(v)
	var floor int64
	must(t, h.db.R.NewRaw(`SELECT max(tx) FROM sync_changes`).Scan(ctx, &floor))
	h.moveTimeline("")

	// The first write on the new timeline rebases the versions first.
	kept := h.writeMeeting("A", h.today.AddDays(-2))
	after := syncInfo(t, h.db)
	if after.Epoch != before.Epoch {
		t.Errorf("the epoch changed from %s to %s", before.Epoch, after.Epoch)
	}
	rs := rebases(t, h.db)
	if len(rs) != 1 || rs[0].Floor != floor || !rs[0].Within(v) || rs[0].Base-rs[0].Floor < changelog.RebaseGap {
		t.Fatalf("rebases %+v, want one from floor %d over the lost version %d, at least 2^32 wide", rs, floor, v)
	}
	if nv := maxVersion(t, h.db, "meetings"); nv <= rs[0].Base || nv >= changelog.MaxVersion {
		t.Errorf("the meeting written after the move has version %d, want above base %d (and below 2^53)", nv, rs[0].Base)
	}
	line := fmt.Sprintf("floor=%d base=%d", rs[0].Floor, rs[0].Base)
	if l := logs.String(); !strings.Contains(l, "sync: database moved to a new timeline; epoch kept, versions rebased") ||
		!strings.Contains(l, line) || !strings.Contains(l, "old_timeline=977") {
		t.Errorf("the rebase was not logged with %q:\n%s", line, l)
	}

	// The device that received the lost meeting is reset; the counter says why. (A second engine over the same
	// database answers the same; its counter is its own.)
	eng := engine.New(h.db, slog.New(slog.DiscardHandler))
	p, err := store.LoadPrincipal(ctx, h.db.R, h.users["off2"].ID)
	must(t, err)
	resp, err := eng.Pull(ctx, p, wire.PullRequest{Cursor: seen.Local.Cursor})
	must(t, err)
	if !resp.Reset {
		t.Error("a cursor that was sent a lost version did not get a reset")
	}
	if got := counters(t, eng, "chibo_sync_resets_total", "reason"); len(got) != 5 || got[engine.ResetBehind] != 1 || got[engine.ResetEpoch] != 0 {
		t.Errorf("resets counted %v, want one behind", got)
	}

	st := pull(t, safe)
	if st.Reset || st.Ops != 6 {
		t.Errorf("off1's device: reset %v, %d rows; want the new meeting and its 5 attendance rows as deltas", st.Reset, st.Ops)
	}
	if st = pull(t, other); st.Reset {
		t.Error("the secretary's device was reset, though it was never sent the lost meeting")
	}
	if st = pull(t, seen); !st.Reset {
		t.Error("off2's device was not reset")
	}
	if seen.Local.Row("meetings", lost) != nil || seen.Local.Row("meetings", kept) == nil {
		t.Error("off2's device still holds the lost meeting, or lacks the new one")
	}
	// Later changes reach everyone as deltas.
	h.writeMeeting("A", h.today.AddDays(-3))
	for user, c := range map[string]*client.Client{"off1": safe, "off2": seen, "sec": other} {
		if st := pull(t, c); st.Reset {
			t.Errorf("%s's device was reset again", user)
		}
		h.sameAsNew(c, user)
	}
	if rs := rebases(t, h.db); len(rs) != 1 {
		t.Errorf("%d rebases after more writes, want 1", len(rs))
	}
}

// TestFailoverNoticedByAPull (PostgreSQL): a pull that finds the database on a new timeline before anything was
// written rebases it too, and a server that starts on a new timeline does so at start.
func TestFailoverNoticedByAPull(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("SQLite has no timelines (TestTimelinesLeaveSQLiteAlone)")
	}
	c := h.device("off1")
	pull(t, c)
	epoch := syncInfo(t, h.db).Epoch
	h.moveTimeline("")
	if st := pull(t, c); st.Reset {
		t.Error("a device that saw nothing lost was reset")
	}
	if len(rebases(t, h.db)) != 1 || syncInfo(t, h.db).Epoch != epoch {
		t.Fatalf("after a pull on a new timeline: %d rebases, epoch %s (was %s)", len(rebases(t, h.db)), syncInfo(t, h.db).Epoch, epoch)
	}
	live := h.moveTimeline("")
	must(t, store.EnsureSyncState(context.Background(), h.db.W, nil))
	var stored string
	must(t, h.db.R.NewRaw(`SELECT system_id FROM sync_state WHERE id = 1`).Scan(context.Background(), &stored))
	if len(rebases(t, h.db)) != 2 || stored != live {
		t.Errorf("a start on a new timeline: %d rebases, identity %q, want 2 and %q", len(rebases(t, h.db)), stored, live)
	}
	h.writeMeeting("A", h.today)
	if st := pull(t, c); st.Reset || st.Ops != 6 {
		t.Errorf("after two rebases: reset %v, %d rows, want 6 as deltas", st.Reset, st.Ops)
	}
	h.sameAsNew(c, "off1")
}

// TestFailoverLostPushShowsAsGap (PostgreSQL): an asynchronous standby promoted without a push the old primary
// had acknowledged. The device's next push is answered `gap` with `expected` at the first lost mutation, so the
// device starts again as a new device; its next pull is a reset (it had received its own lost rows), and it ends
// equal to a new device: the lost mutations are gone, the others landed.
func TestFailoverLostPushShowsAsGap(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("SQLite has no timelines (TestTimelinesLeaveSQLiteAlone)")
	}
	ctx := context.Background()
	c := h.device("off1")
	pull(t, c)
	meeting := func(topic string) string {
		id := uuid.NewString()
		c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: id,
			Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", topic)})
		return id
	}
	first := meeting("Giữ lại")
	push(t, c)
	lost := []string{meeting("Mất 1"), meeting("Mất 2")}
	push(t, c)
	pull(t, c)
	v := maxVersion(t, h.db, "meetings")
	h.lose(v)
	_, err := h.db.W.NewRaw(`DELETE FROM sync_results WHERE client_id = ? AND seq > 1`, c.Local.ClientID).Exec(ctx)
	must(t, err)
	_, err = h.db.W.NewRaw(`UPDATE sync_clients SET last_seq = 1 WHERE client_id = ?`, c.Local.ClientID).Exec(ctx)
	must(t, err)
	h.moveTimeline("")

	later := meeting("Sau khi chuyển")
	resp := h.rawPush("off1", wire.PushRequest{ClientID: c.Local.ClientID, Mutations: c.Local.Outbox})
	want := []wire.Result{{Seq: 4, Status: wire.StatusGap, Expected: 2}}
	if d := cmp.Diff(want, resp.Results); d != "" || resp.LastSeq != 1 {
		t.Fatalf("push after the loss (-want +got), last_seq %d:\n%s", resp.LastSeq, d)
	}
	old := c.Local.ClientID
	push(t, c)
	if c.Local.ClientID == old || len(c.Local.Outbox) != 0 {
		t.Errorf("the device did not start again as a new device (client %s, outbox %d)", c.Local.ClientID, len(c.Local.Outbox))
	}
	if st := pull(t, c); !st.Reset {
		t.Error("the device that received its lost rows was not reset")
	}
	for _, id := range lost {
		if c.Local.Row("meetings", id) != nil {
			t.Errorf("the device still holds lost meeting %s", id)
		}
	}
	if c.Local.Row("meetings", first) == nil || c.Local.Row("meetings", later) == nil {
		t.Error("a meeting that landed is missing")
	}
	h.sameAsNew(c, "off1")
}

// TestAnotherClusterStartsANewEpoch (PostgreSQL): a database that starts in another cluster (a dump restored
// elsewhere) gets a new epoch, logged with its reason, and no rebase; devices resync and converge.
func TestAnotherClusterStartsANewEpoch(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("SQLite has no clusters (TestTimelinesLeaveSQLiteAlone)")
	}
	logs := h.captureLog()
	c := h.device("off1")
	pull(t, c)
	epoch := syncInfo(t, h.db).Epoch
	h.moveTimeline("1234567")
	must(t, store.EnsureSyncState(context.Background(), h.db.W, h.db.Log))
	if got := syncInfo(t, h.db).Epoch; got == epoch {
		t.Fatal("the epoch was kept in another cluster")
	}
	if len(rebases(t, h.db)) != 0 {
		t.Error("a rebase was recorded for another cluster")
	}
	if l := logs.String(); !strings.Contains(l, "sync: new epoch") || !strings.Contains(l, "another PostgreSQL cluster") {
		t.Errorf("the new epoch was not logged with its reason:\n%s", l)
	}
	if st := pull(t, c); !st.Reset {
		t.Error("the device was not reset in the new epoch")
	}
	h.sameAsNew(c, "off1")
}

// TestTimelinesLeaveSQLiteAlone (SQLite): the identity means nothing on SQLite; whatever it says, nothing is
// rebased, the epoch is kept and devices go on with deltas.
func TestTimelinesLeaveSQLiteAlone(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "sqlite" {
		t.Skip("PostgreSQL: see TestFailoverKeepsTheEpoch")
	}
	c := h.device("off1")
	pull(t, c)
	epoch := syncInfo(t, h.db).Epoch
	h.moveTimeline("1234567")
	must(t, store.EnsureSyncState(context.Background(), h.db.W, nil))
	h.writeMeeting("A", h.today)
	if si := syncInfo(t, h.db); si.Epoch != epoch || si.Moved {
		t.Errorf("epoch %s (was %s), moved %v", si.Epoch, epoch, si.Moved)
	}
	if st := pull(t, c); st.Reset || st.Ops != 6 {
		t.Errorf("reset %v, %d rows; want 6 as deltas", st.Reset, st.Ops)
	}
	if len(rebases(t, h.db)) != 0 {
		t.Error("SQLite recorded a rebase")
	}
	h.sameAsNew(c, "off1")
}

// TestFailoverLostOwnRowsReset (PostgreSQL): a protocol 2 device holds the rows its push answers described, which
// no pull sent it; when a failover loses them, its next pull — with no push in between — is a reset (it says
// which versions it landed), and it ends with the server's rows.
func TestFailoverLostOwnRowsReset(t *testing.T) {
	h := newHarness(t)
	if h.db.Dialect != "pg" {
		t.Skip("SQLite has no timelines (TestTimelinesLeaveSQLiteAlone)")
	}
	ctx := context.Background()
	c := h.device("off1")
	pull(t, c)
	id := uuid.NewString()
	c.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: id,
		Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Mất")})
	if res := push(t, c).Results; len(res) != 1 || res[0].Own == nil || c.Local.Row("meetings", id) == nil {
		t.Fatalf("push: %+v", res)
	}
	h.lose(maxVersion(t, h.db, "meetings"))
	_, err := h.db.W.NewRaw(`DELETE FROM sync_results WHERE client_id = ?`, c.Local.ClientID).Exec(ctx)
	must(t, err)
	_, err = h.db.W.NewRaw(`UPDATE sync_clients SET last_seq = 0 WHERE client_id = ?`, c.Local.ClientID).Exec(ctx)
	must(t, err)
	h.moveTimeline("")
	if st := pull(t, c); !st.Reset {
		t.Error("the device holding a lost row from a push answer was not reset")
	}
	if c.Local.Row("meetings", id) != nil {
		t.Error("the device still holds the lost meeting")
	}
	h.sameAsNew(c, "off1")
}
