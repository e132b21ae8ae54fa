package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/engine"
)

// cheap argon2 parameters keep the tests fast; the hash format and checks are the real ones.
var cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

const testKey = "test-signing-key-0123456789abcdef0123456789"

// testMetricsToken opens /metrics on the test server's main listener.
const testMetricsToken = "test-metrics-token-0123456789"

// world is a small province with two communes, each with its cells, members, meetings and recommendations,
// and one user per role. Users scoped to commune 1 (C1) have commune 2 (C2) as their foreign subtree.
type world struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	api    *api.Server
	tokens *auth.Tokens

	province, c1, c2, cellA, cellB, cellX *store.OrgUnit // cellA, cellB in C1; cellX in C2
	memberA, memberB, memberX             *store.Member
	meetingA, meetingB, meetingX          *store.Meeting
	recA, recX                            *store.Recommendation
	users                                 map[string]*store.User // by username
	assignA, assignX                      *store.Assignment
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, db: testdb.New(t), users: map[string]*store.User{}}
	ctx := context.Background()
	var err error
	w.tokens, err = auth.NewTokens([]byte(testKey), "chibo", "chibo-api")
	if err != nil {
		t.Fatal(err)
	}
	err = w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		w.province = unit("Đảng bộ tỉnh Quảng Trị", domain.KindProvince, nil)
		w.c1 = unit("Đảng bộ xã Triệu Phong", domain.KindCommune, w.province)
		w.c2 = unit("Đảng bộ xã Ái Tử", domain.KindCommune, w.province)
		w.cellA = unit("Chi bộ thôn An Lợi", domain.KindCell, w.c1)
		w.cellB = unit("Chi bộ thôn Phước Thị", domain.KindCell, w.c1)
		w.cellX = unit("Chi bộ khu phố 3", domain.KindCell, w.c2)
		member := func(name string, cell *store.OrgUnit) *store.Member {
			y := 1958
			m := &store.Member{CellID: cell.ID, FullName: name, BirthYear: &y}
			if err := store.CreateMember(ctx, tx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		w.memberA = member("Nguyễn Văn Đức", w.cellA)
		w.memberB = member("Lê Thị Hoa", w.cellB)
		w.memberX = member("Trần Quốc Toản", w.cellX)
		user := func(username string, home *store.OrgUnit, role domain.Role, over *store.OrgUnit) *store.User {
			h, _ := auth.HashPassword("password-"+username, cheap)
			u := &store.User{Username: username, DisplayName: "Người dùng " + username, PasswordHash: h, Active: true}
			if home != nil {
				u.HomeOrgUnitID = &home.ID
			}
			if err := store.CreateUser(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			g := &store.RoleGrant{UserID: u.ID, Role: role}
			if over != nil {
				g.OrgUnitID = &over.ID
			}
			if err := store.CreateGrant(ctx, tx, g); err != nil {
				t.Fatal(err)
			}
			w.users[username] = u
			return u
		}
		user("root", nil, domain.RoleAdmin, nil)
		user("admin1", w.c1, domain.RoleAdmin, w.c1)
		user("sup1", w.c1, domain.RoleSupervisor, w.c1)
		user("off1", w.c1, domain.RoleOfficial, w.c1)
		user("sec1", w.c1, domain.RoleSecretary, w.cellB)
		user("admin2", w.c2, domain.RoleAdmin, w.c2)
		user("off2", w.c2, domain.RoleOfficial, w.c2)
		today := domain.DateOf(store.Now())
		assign := func(off string, cell *store.OrgUnit) *store.Assignment {
			a := &store.Assignment{OfficialID: w.users[off].ID, CellID: cell.ID, StartsOn: today.AddMonths(-6),
				Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: domain.AssignmentActive}
			a.ID = domain.NewID()
			a.CreatedAt, a.UpdatedAt = store.Now(), store.Now()
			if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return a
		}
		w.assignA = assign("off1", w.cellA)
		w.assignX = assign("off2", w.cellX)
		meeting := func(cell *store.OrgUnit) *store.Meeting {
			m := &store.Meeting{CellID: cell.ID, MeetingDate: today.AddDays(-10), Type: domain.MeetingRegular, Mode: "in_person", Status: domain.MeetingHeld}
			m.ID = domain.NewID()
			m.CreatedAt, m.UpdatedAt = store.Now(), store.Now()
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		w.meetingA, w.meetingB, w.meetingX = meeting(w.cellA), meeting(w.cellB), meeting(w.cellX)
		rec := func(cell *store.OrgUnit, mt *store.Meeting) *store.Recommendation {
			r := &store.Recommendation{CellID: cell.ID, MeetingID: &mt.ID, Content: "Đề nghị sửa đường liên thôn", ContentFold: domain.Fold("Đề nghị sửa đường liên thôn"),
				Urgency: "normal", Status: domain.RecNew, RaisedOn: today.AddDays(-10)}
			r.ID = domain.NewID()
			r.CreatedAt, r.UpdatedAt = store.Now(), store.Now()
			if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return r
		}
		w.recA, w.recX = rec(w.cellA, w.meetingA), rec(w.cellX, w.meetingX)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fsvc, err := files.Open(ctx, files.Config{DataDir: t.TempDir()}, w.db, files.Options{Authorize: engine.CanWriteFiles, RenderError: api.ErrorJSON, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	w.api = api.New(w.db, w.tokens, log, api.Config{Argon2: cheap, PublicURL: "http://localhost", Files: fsvc,
		MetricsToken: testMetricsToken})
	w.srv = httptest.NewServer(w.api.Handler())
	t.Cleanup(w.srv.Close)
	return w
}

// token returns an access token for username, issued directly (login itself has its own tests).
func (w *world) token(username string) string {
	w.t.Helper()
	tok, _, err := w.tokens.Issue(w.users[username].ID, testdb.Session(w.t, w.db, w.users[username].ID))
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e api.ErrorBody
	r.json(t, &e)
	return string(e.Code)
}

// do sends a request as username ("" for none) with a JSON body (string, []byte or a value to encode).
func (w *world) do(method, path, username string, body any, headers ...string) response {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+w.token(username))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}
