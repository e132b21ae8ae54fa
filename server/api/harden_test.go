package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// countMembers counts the live members named like name.
func (w *world) countMembers(name string) int64 {
	w.t.Helper()
	n, err := w.db.R.NewSelect().Model((*store.Member)(nil)).Where("full_name LIKE ?", name+"%").Count(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// The input check refuses NUL characters and text that is not UTF-8 anywhere in a request, on every route,
// before a handler stores anything.
func TestInputRejectsNulAndInvalidUTF8(t *testing.T) {
	w := newWorld(t)
	member := func(name string) string {
		return `{"cell_id":"` + w.cellA.ID + `","full_name":"` + name + `","gender":"male","membership":"full","status":"active"}`
	}
	form := func(orgUnit string) (string, []byte) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("org_unit_id", orgUnit)
		_ = mw.WriteField("mode", "preview")
		fw, _ := mw.CreateFormFile("file", "a.csv")
		_, _ = fw.Write([]byte("\x00\xff binary is fine in a file\n"))
		mw.Close()
		return mw.FormDataContentType(), body.Bytes()
	}
	ct, nulForm := form(w.cellA.ID + "\x00")
	tests := []struct {
		name, method, path, user string
		body                     any
		headers                  []string
	}{
		{"escaped NUL in a JSON body", http.MethodPost, "/api/v1/members", "admin1", member(`Probe\u0000Nul`), nil},
		{"escaped NUL, upper-case hex", http.MethodPost, "/api/v1/members", "admin1", member(`Probe\U0000Nul`), nil},
		{"raw NUL byte in a body", http.MethodPost, "/api/v1/members", "admin1", []byte(member("Probe\x00Nul")), nil},
		{"invalid UTF-8 in a body", http.MethodPost, "/api/v1/members", "admin1", []byte(member("Probe\xff\xfeNul")), nil},
		{"lone surrogate escape", http.MethodPost, "/api/v1/members", "admin1", member(`Probe\ud800Nul`), nil},
		{"lone low surrogate escape", http.MethodPost, "/api/v1/members", "admin1", member(`Probe\udc00Nul`), nil},
		{"NUL in a query", http.MethodGet, "/api/v1/members?q=%00", "admin1", nil, nil},
		{"invalid UTF-8 in a query", http.MethodGet, "/api/v1/members?q=%ff", "admin1", nil, nil},
		{"NUL in a query name", http.MethodGet, "/api/v1/members?a%00=1", "admin1", nil, nil},
		{"NUL in the path", http.MethodGet, "/api/v1/members/abc%00def", "admin1", nil, nil},
		{"NUL in a login", http.MethodPost, "/api/v1/auth/login", "", `{"username":"off1\u0000","password":"password-off1"}`, nil},
		{"NUL in a sync push", http.MethodPost, "/api/v1/sync/push", "sec1", `{"client_id":"dev\u0000","mutations":[]}`, nil},
		{"NUL in a sync pull", http.MethodPost, "/api/v1/sync/pull", "off1", `{"cursor":"\u0000"}`, nil},
		{"NUL in a form field", http.MethodPost, "/api/v1/rosters/import", "admin1", nulForm, []string{"Content-Type", ct}},
		{"NUL in a JSON body sent as a form (curl -d)", http.MethodPost, "/api/v1/members", "admin1", member(`Probe\u0000Nul`), []string{"Content-Type", "application/x-www-form-urlencoded"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(tc.method, tc.path, tc.user, tc.body, tc.headers...)
			if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			var e api.ErrorBody
			r.json(t, &e)
			if !strings.Contains(e.Message, "không hợp lệ") && !strings.Contains(e.Message, "UTF-8") {
				t.Errorf("message: %q", e.Message)
			}
		})
	}
	if n := w.countMembers("Probe"); n != 0 {
		t.Errorf("%d probe members stored", n)
	}
	// A change with invalid UTF-8 leaves a real member's name as it was (it used to become U+FFFD).
	if r := w.do(http.MethodPatch, "/api/v1/members/"+w.memberA.ID, "admin1", []byte("{\"full_name\":\"Nguy\xe1\xbb n\"}")); r.status != http.StatusBadRequest {
		t.Errorf("patch with invalid UTF-8: %d %s", r.status, r.body)
	}
	if m, err := store.GetMember(context.Background(), w.db.R, w.memberA.ID); err != nil || m.FullName != w.memberA.FullName {
		t.Errorf("member after the refused patch: %+v %v", m, err)
	}
	// The same requests with clean text go through: escapes of real characters, surrogate pairs, a binary file.
	for _, name := range []string{`Probe Nguy\u1ec5n`, `Probe \ud83c\udf3e`, `Probe \\u0000 literal`} {
		if r := w.do(http.MethodPost, "/api/v1/members", "admin1", member(name)); r.status != http.StatusCreated {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	ct, okForm := form(w.cellA.ID)
	if r := w.do(http.MethodPost, "/api/v1/rosters/import", "admin1", okForm, "Content-Type", ct); r.status == http.StatusInternalServerError ||
		r.errorCode(t) == "invalid" && strings.Contains(string(r.body), "NUL") {
		t.Errorf("binary file in a clean form: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/members?q="+"Nguy%E1%BB%85n", "admin1", nil); r.status != http.StatusOK {
		t.Errorf("UTF-8 query: %d %s", r.status, r.body)
	}
}

// Dates are accepted from 1900 to 2100 only, the same on both databases, from the API and from a sync push.
func TestDateRange(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		date string
		ok   bool
	}{
		{"0000-01-01", false}, {"0001-01-01", false}, {"9999-12-31", false}, {"1899-12-31", false}, {"2101-01-01", false},
		{"1900-01-01", true}, {"2100-12-31", true}, {"1975-04-30", true},
	}
	for i, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			name := fmt.Sprintf("Ngày Thử %d", i)
			body := `{"cell_id":"` + w.cellA.ID + `","full_name":"` + name + `","gender":"male","membership":"full","status":"active","joined_on":"` + tc.date + `"}`
			r := w.do(http.MethodPost, "/api/v1/members", "admin1", body)
			if tc.ok {
				if r.status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.status, r.body)
				}
				var m store.Member
				r.json(t, &m)
				if m.JoinedOn.String() != tc.date {
					t.Errorf("stored %s", m.JoinedOn)
				}
			} else {
				var e api.ErrorBody
				r.json(t, &e)
				if r.status != http.StatusBadRequest || e.Code != "invalid" || e.Field != "joined_on" || !strings.Contains(e.Message, "1900") {
					t.Errorf("create: %d %s", r.status, r.body)
				}
				if n := w.countMembers(name); n != 0 {
					t.Errorf("stored anyway")
				}
				// A change, a query and a sync push are refused alike.
				if r := w.do(http.MethodPatch, "/api/v1/members/"+w.memberA.ID, "admin1", `{"official_on":"`+tc.date+`"}`); r.status != http.StatusBadRequest {
					t.Errorf("patch: %d %s", r.status, r.body)
				}
				if r := w.do(http.MethodGet, "/api/v1/meetings?from="+tc.date, "admin1", nil); r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
					t.Errorf("query: %d %s", r.status, r.body)
				}
			}
			res := w.pushMember(t, "joined_on", tc.date)
			if (res.Status == "applied") != tc.ok {
				t.Errorf("push: %+v", res)
			}
			if !tc.ok && res.Field != "joined_on" {
				t.Errorf("push field: %+v", res)
			}
		})
	}
}

// pushResult is one result of a sync push.
type pushResult struct {
	Status, Code, Message, Field string
}

// pushMember pushes a change of one field of memberB (the cell of sec1) and returns its result.
func (w *world) pushMember(t *testing.T, field, date string) pushResult {
	t.Helper()
	var m store.Member
	if r := w.do(http.MethodGet, "/api/v1/members/"+w.memberB.ID, "sec1", nil); r.status != http.StatusOK {
		t.Fatalf("get member: %d %s", r.status, r.body)
	} else {
		r.json(t, &m)
	}
	seq := time.Now().UnixNano()
	body := fmt.Sprintf(`{"client_id":"dev-%d","mutations":[{"seq":1,"t":"members","op":"upsert","row_id":%q,"base_version":%d,"fields":{%q:%q}}]}`,
		seq, w.memberB.ID, m.Version, field, date)
	r := w.do(http.MethodPost, "/api/v1/sync/push", "sec1", body)
	if r.status != http.StatusOK {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	var resp struct{ Results []pushResult }
	r.json(t, &resp)
	if len(resp.Results) != 1 {
		t.Fatalf("push: %s", r.body)
	}
	return resp.Results[0]
}

// Org units follow the kind hierarchy, on creation and on a move or a change of kind.
func TestOrgUnitKindHierarchy(t *testing.T) {
	w := newWorld(t)
	create := func(parent *store.OrgUnit, kind domain.OrgKind, name string) response {
		return w.do(http.MethodPost, "/api/v1/org-units", "root", fmt.Sprintf(`{"parent_id":%q,"kind":%q,"name":%q}`, parent.ID, kind, name))
	}
	r := create(w.c1, domain.KindGrassroots, "Đảng bộ cơ sở Trường học")
	if r.status != http.StatusCreated {
		t.Fatalf("grassroots: %d %s", r.status, r.body)
	}
	var grassroots store.OrgUnit
	r.json(t, &grassroots)
	r = create(w.cellA, domain.KindPartyGroup, "Tổ đảng 1")
	if r.status != http.StatusCreated {
		t.Fatalf("party group: %d %s", r.status, r.body)
	}
	var group store.OrgUnit
	r.json(t, &group)
	r = create(w.province, domain.KindDistrict, "Đảng bộ huyện Hải Lăng")
	if r.status != http.StatusCreated {
		t.Fatalf("district: %d %s", r.status, r.body)
	}
	var district store.OrgUnit
	r.json(t, &district)
	units := map[domain.OrgKind]*store.OrgUnit{domain.KindProvince: w.province, domain.KindDistrict: &district, domain.KindCommune: w.c1,
		domain.KindGrassroots: &grassroots, domain.KindCell: w.cellA, domain.KindPartyGroup: &group}
	for _, parentKind := range domain.OrgKinds {
		for _, kind := range domain.OrgKinds {
			name := fmt.Sprintf("Thử %s dưới %s", kind, parentKind)
			r := create(units[parentKind], kind, name)
			if kind.CanBeUnder(parentKind) {
				if r.status != http.StatusCreated {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
				continue
			}
			var e api.ErrorBody
			r.json(t, &e)
			if r.status != http.StatusBadRequest || e.Code != "invalid" || e.Field != "parent_id" {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
	}
	var e api.ErrorBody
	r = create(w.c1, domain.KindProvince, "Tỉnh dưới xã")
	r.json(t, &e)
	if e.Message != "Không thể đặt đảng bộ tỉnh trực thuộc đảng bộ xã." {
		t.Errorf("message: %q", e.Message)
	}
	// Moves and kind changes.
	for _, tc := range []struct{ name, id, body string }{
		{"commune moved under a cell", w.c2.ID, `{"parent_id":"` + w.cellA.ID + `"}`},
		{"cell moved under a cell", w.cellX.ID, `{"parent_id":"` + w.cellA.ID + `"}`},
		{"province moved under a commune", w.province.ID, `{"parent_id":"` + w.c2.ID + `"}`},
		{"commune turned into a cell (its cells below)", w.c2.ID, `{"kind":"cell"}`},
		{"cell turned into a province (under a commune)", w.cellX.ID, `{"kind":"province"}`},
	} {
		r := w.do(http.MethodPatch, "/api/v1/org-units/"+tc.id, "root", tc.body)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := w.do(http.MethodPatch, "/api/v1/org-units/"+w.cellX.ID, "root", `{"parent_id":"`+grassroots.ID+`"}`); r.status != http.StatusOK {
		t.Errorf("cell moved under a grassroots unit: %d %s", r.status, r.body)
	}
}

// Signature-valid tokens the server would never have issued are refused: too long a life, a made-up session,
// another user's session.
func TestTokensBeyondTTLOrSession(t *testing.T) {
	w := newWorld(t)
	_, off1 := login(t, w, "off1", "password-off1")
	claims, err := w.tokens.Parse(off1.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	uid := w.users["off1"].ID
	now := time.Now()
	sign := func(c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testKey))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	claim := func(sub, sid string, iat, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"sub": sub, "iss": "chibo", "aud": "chibo-api", "iat": iat.Unix(), "exp": exp.Unix(), "sid": sid}
	}
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"the session's own token", sign(claim(uid, claims.Family, now, now.Add(15*time.Minute))), true},
		{"exp ten years ahead", sign(claim(uid, claims.Family, now, now.AddDate(10, 0, 0))), false},
		{"exp one hour ahead", sign(claim(uid, claims.Family, now, now.Add(time.Hour))), false},
		{"iat back-dated to stretch the life", sign(claim(uid, claims.Family, now.Add(-time.Hour), now.Add(10*time.Minute))), false},
		{"no iat", sign(jwt.MapClaims{"sub": uid, "iss": "chibo", "aud": "chibo-api", "exp": now.Add(10 * time.Minute).Unix(), "sid": claims.Family}), false},
		{"unknown session id", sign(claim(uid, domain.NewID(), now, now.Add(15*time.Minute))), false},
		{"no session id", sign(claim(uid, "", now, now.Add(15*time.Minute))), false},
		{"another user's session", sign(claim(w.users["root"].ID, claims.Family, now, now.Add(15*time.Minute))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tc.token)...)
			if tc.ok && r.status != http.StatusOK {
				t.Errorf("got %d %s", r.status, r.body)
			}
			if !tc.ok && (r.status != http.StatusUnauthorized || r.errorCode(t) != "unauthorized") {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
	// A logged-out session is refused on this instance at once.
	if r := w.do(http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": off1.RefreshToken}); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(off1.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("revoked session: %d", r.status)
	}
}

// Answers carrying credentials or the account are never cached.
func TestAuthAnswersNotStored(t *testing.T) {
	w := newWorld(t)
	r, tr := login(t, w, "off1", "password-off1")
	check := func(what string, r response) {
		t.Helper()
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q", what, r.status, r.header.Get("Cache-Control"))
		}
	}
	check("login", r)
	check("refresh", w.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken}))
	check("me", w.do(http.MethodGet, "/api/v1/me", "off1", nil))
}

// A sync push the wire format refuses is explained without Go's words.
func TestSyncErrorsSanitised(t *testing.T) {
	w := newWorld(t)
	for _, body := range []string{`{"client_id":5}`, `{"client_id":"d","mutations":{}}`, `{"client_id":"d","mutations":[{"seq":"x"}]}`, `[1,2]`, `{"client_id":"d","extra":1}`, `{"client_id":"d"`} {
		r := w.do(http.MethodPost, "/api/v1/sync/push", "sec1", body)
		var e api.ErrorBody
		r.json(t, &e)
		if r.status != http.StatusBadRequest || e.Code != "invalid" {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
		for _, leak := range []string{"json:", "wire.", "Go ", "PushRequest", "unmarshal", "[]", " ."} {
			if strings.Contains(e.Message, leak) {
				t.Errorf("%s: message shows %q: %s", body, leak, e.Message)
			}
		}
	}
	r := w.do(http.MethodPost, "/api/v1/sync/push", "sec1", `{"client_id":"d","mutations":[{"seq":"x"}]}`)
	var e api.ErrorBody
	r.json(t, &e)
	if e.Field != "mutations.seq" {
		t.Errorf("field: %+v", e)
	}
}

// The lockout message and the Retry-After header give the same wait.
func TestLockMessageMatchesRetryAfter(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 5; i++ {
		login(t, w, "off2", "wrong-password")
	}
	r, _ := login(t, w, "off2", "password-off2")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("locked login: %d %s", r.status, r.body)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 14*60 || secs > 15*60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	var e api.ErrorBody
	r.json(t, &e)
	want := fmt.Sprintf("sau %d phút", (secs+59)/60)
	if !strings.Contains(e.Message, want) {
		t.Errorf("message %q, Retry-After %d s: want %q", e.Message, secs, want)
	}
}
