package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// harness is a server over a fresh database with a small province: commune C1 with cells A and B, commune C2
// with cell X, five members per cell, a held meeting in A last month, and users: off1 (official assigned to A),
// off2 (official assigned to A and X), sec (secretary of B), sup (supervisor of C1), root (admin of everything).
type harness struct {
	t        testing.TB
	db       *store.DB
	srv      *httptest.Server
	api      *api.Server
	tokens   *auth.Tokens
	province *store.OrgUnit
	c1, c2   *store.OrgUnit
	cells    map[string]*store.OrgUnit // A, B, X
	members  map[string][]*store.Member
	users    map[string]*store.User
	meeting  *store.Meeting // held in A last month
	today    domain.Date
	sessions sessions
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, testdb.New(t))
}

func newHarnessOn(t testing.TB, db *store.DB) *harness {
	t.Helper()
	h := &harness{t: t, db: db, cells: map[string]*store.OrgUnit{}, members: map[string][]*store.Member{},
		users: map[string]*store.User{}, today: domain.DateOf(time.Now())}
	var err error
	if h.tokens, err = auth.NewTokens([]byte("sync-test-key-0123456789abcdef0123"), "chibo", "chibo-api"); err != nil {
		t.Fatal(err)
	}
	h.write(func(ctx context.Context, tx bun.IDB) error {
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			must(t, store.CreateOrgUnit(ctx, tx, u))
			return u
		}
		h.province = unit("Đảng bộ tỉnh Quảng Trị", domain.KindProvince, nil)
		h.c1 = unit("Đảng bộ xã Triệu Phong", domain.KindCommune, h.province)
		h.c2 = unit("Đảng bộ xã Ái Tử", domain.KindCommune, h.province)
		h.cells["A"] = unit("Chi bộ thôn An Lợi", domain.KindCell, h.c1)
		h.cells["B"] = unit("Chi bộ thôn Phước Thị", domain.KindCell, h.c1)
		h.cells["X"] = unit("Chi bộ khu phố 3", domain.KindCell, h.c2)
		for _, c := range []string{"A", "B", "X"} {
			for i := 0; i < 5; i++ {
				y := 1950 + i
				m := &store.Member{CellID: h.cells[c].ID, FullName: fmt.Sprintf("Đảng viên %s%d", c, i), BirthYear: &y}
				must(t, store.CreateMember(ctx, tx, m))
				h.members[c] = append(h.members[c], m)
			}
		}
		user := func(name string, home *store.OrgUnit, role domain.Role, over *store.OrgUnit) {
			u := &store.User{Username: name, DisplayName: "Người dùng " + name, PasswordHash: "x", Active: true}
			if home != nil {
				u.HomeOrgUnitID = &home.ID
			}
			must(t, store.CreateUser(ctx, tx, u))
			g := &store.RoleGrant{UserID: u.ID, Role: role}
			if over != nil {
				g.OrgUnitID = &over.ID
			}
			must(t, store.CreateGrant(ctx, tx, g))
			h.users[name] = u
		}
		user("off1", h.c1, domain.RoleOfficial, h.c1)
		user("off2", h.c1, domain.RoleOfficial, h.province)
		user("sec", h.c1, domain.RoleSecretary, h.cells["B"])
		user("sup", h.c1, domain.RoleSupervisor, h.c1)
		user("root", nil, domain.RoleAdmin, nil)
		return nil
	})
	h.assign("off1", "A")
	h.assign("off2", "A")
	h.assign("off2", "X")
	h.write(func(ctx context.Context, tx bun.IDB) error {
		h.meeting = &store.Meeting{CellID: h.cells["A"].ID, MeetingDate: h.today.AddMonths(-1), Type: domain.MeetingRegular,
			Mode: "in_person", Status: domain.MeetingHeld, Topic: "Sinh hoạt thường kỳ"}
		must(t, store.Insert(ctx, tx, h.meeting))
		for i, m := range h.members["A"] {
			st := domain.AttendPresent
			if i == 4 {
				st = domain.AttendExcused
			}
			at := &store.Attendance{MeetingID: h.meeting.ID, MemberID: m.ID, Status: st}
			at.ID = wire.AttendanceID(h.meeting.ID, m.ID)
			must(t, store.Insert(ctx, tx, at))
		}
		return nil
	})
	log := slog.New(slog.NewTextHandler(logOut(), nil))
	h.api = api.New(h.db, h.tokens, log, api.Config{PublicURL: "http://localhost"})
	h.srv = httptest.NewServer(h.api.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// write runs fn in a tracked write transaction.
func (h *harness) write(fn func(ctx context.Context, tx bun.IDB) error) {
	h.t.Helper()
	must(h.t, h.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) }))
}

// assign assigns an official to a cell from six months ago, open-ended.
func (h *harness) assign(official, cell string) *store.Assignment {
	a := &store.Assignment{OfficialID: h.users[official].ID, CellID: h.cells[cell].ID, StartsOn: h.today.AddMonths(-6),
		Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: domain.AssignmentActive}
	h.write(func(ctx context.Context, tx bun.IDB) error { return store.Insert(ctx, tx, a) })
	return a
}

// device returns a new device of user.
func (h *harness) device(user string) *client.Client {
	h.t.Helper()
	id := h.users[user].ID
	c := &client.Client{
		BaseURL: h.srv.URL,
		Local:   client.NewLocal(uuid.NewString()),
		Token: func(context.Context) (string, error) {
			return h.issue(id)
		},
	}
	deviceDBs.Store(c, h.db)
	h.t.Cleanup(func() { deviceDBs.Delete(c) })
	return c
}

// deviceDBs maps each test device made by harness.device to the database its server writes, so that pull can wait
// until that database's committed writes are below the horizon.
var deviceDBs gosync.Map // *client.Client → *store.DB

// waitCommitted waits until every change committed to db so far is below the sync horizon. On PostgreSQL the
// horizon is the oldest transaction running anywhere on the server, so a transaction of another test (another
// package's, on the same server) can hold it back for a while: a test that reads its own writes waits for it, as a
// device does for its own pushes (client.Local.Landed).
//
// It returns the newest committed change it waited for.
func waitCommitted(t testing.TB, db *store.DB) int64 {
	t.Helper()
	ctx := context.Background()
	var top int64
	if err := db.R.NewRaw("SELECT COALESCE(max(tx), 0) FROM sync_changes").Scan(ctx, &top); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		si, err := store.ReadSyncInfo(ctx, db.R)
		if err != nil {
			t.Fatal(err)
		}
		if si.Horizon > top {
			return top
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sync horizon stays at %d, at or below the newest committed change %d", si.Horizon, top)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pull runs a pull round, once every write committed so far can be read, and fails the test on an error or a
// checksum mismatch.
//
// On PostgreSQL a pull's horizon may dip for a moment below one read before (a transaction of another test's
// database that ends while the pull reads the server's activity counts as running): the round then stops short of
// changes waitCommitted saw committed, and a device gets them at its next poll. The test's device polls again,
// for up to 3 seconds, until its position covers them.
func pull(t testing.TB, c *client.Client) *client.RoundStats {
	t.Helper()
	var top int64
	if db, ok := deviceDBs.Load(c); ok {
		top = waitCommitted(t, db.(*store.DB))
	}
	st, err := c.Pull(context.Background())
	for deadline := time.Now().Add(3 * time.Second); err == nil && len(st.Mismatch) == 0 && c.Local.Position < top && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		var more *client.RoundStats
		if more, err = c.Pull(context.Background()); err == nil {
			st.Pages, st.Ops, st.Reset = st.Pages+more.Pages, st.Ops+more.Ops, st.Reset || more.Reset
			st.Mismatch, st.Verified, st.Dropped = more.Mismatch, more.Verified, append(st.Dropped, more.Dropped...)
		}
	}
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if len(st.Mismatch) > 0 {
		t.Fatalf("checksum mismatch for %v", st.Mismatch)
	}
	return st
}

func push(t testing.TB, c *client.Client) *client.PushStats {
	t.Helper()
	st, err := c.Push(context.Background())
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return st
}

// raw turns a Go value into a JSON field value.
func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func fields(kv ...any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = raw(kv[i+1])
	}
	return m
}

// tables counts a device's rows per table.
func tables(c *client.Client) map[string]int {
	out := map[string]int{}
	for _, r := range c.Local.Rows {
		out[r.Table]++
	}
	return out
}

// rawPush sends a push request as user exactly as given, bypassing the client's bookkeeping.
func (h *harness) rawPush(user string, req wire.PushRequest) wire.PushResponse {
	h.t.Helper()
	var out wire.PushResponse
	h.post("/api/v1/sync/push", user, req, &out)
	return out
}

// rawPull sends one pull request as user.
func (h *harness) rawPull(user string, req wire.PullRequest) wire.PullResponse {
	h.t.Helper()
	var out wire.PullResponse
	h.post("/api/v1/sync/pull", user, req, &out)
	return out
}

// post sends a JSON request as user and decodes the 200 answer into out.
func (h *harness) post(path, user string, in, out any) {
	h.t.Helper()
	body, _ := json.Marshal(in)
	r, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	tok, _ := h.issue(h.users[user].ID)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		h.t.Fatal(err)
	}
}

// logOut is where the test server logs: nowhere, unless CHIBO_TEST_LOG is set.
func logOut() io.Writer {
	if os.Getenv("CHIBO_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// postStatus sends a JSON request as user and returns the status and body, whatever they are.
func (h *harness) postStatus(path, user string, in any) (int, string) {
	h.t.Helper()
	body, _ := json.Marshal(in)
	r, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	tok, _ := h.issue(h.users[user].ID)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
