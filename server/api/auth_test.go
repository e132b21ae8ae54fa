package api_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/testdb"
)

func login(t *testing.T, w *world, username, password string) (response, api.TokenResponse) {
	t.Helper()
	r := w.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	var tr api.TokenResponse
	if r.status == http.StatusOK {
		r.json(t, &tr)
	}
	return r, tr
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestLoginAndMe(t *testing.T) {
	w := newWorld(t)
	r, tr := login(t, w, "OFF1", "password-off1") // usernames are case-insensitive
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn > 15*60 || tr.RefreshToken == "" || tr.User == nil {
		t.Fatalf("token response: %+v", tr)
	}
	if len(tr.User.AssignedCells) != 1 || tr.User.AssignedCells[0].ID != w.cellA.ID {
		t.Errorf("assigned cells: %+v", tr.User.AssignedCells)
	}
	if strings.Contains(string(r.body), "password_hash") || strings.Contains(string(r.body), "$argon2id$") {
		t.Error("the login response leaks the password hash")
	}
	me := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tr.AccessToken)...)
	if me.status != http.StatusOK {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	// The token is a JWT with issuer, audience and a short expiry.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tr.AccessToken, claims); err != nil {
		t.Fatal(err)
	}
	exp, _ := claims.GetExpirationTime()
	if claims["iss"] != "chibo" || exp == nil || time.Until(exp.Time) > 15*time.Minute {
		t.Errorf("claims: %v", claims)
	}
}

func TestLoginFailures(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, user, pass string
		status           int
		code             string
	}{
		{"wrong password", "off1", "wrong", http.StatusUnauthorized, "unauthorized"},
		{"unknown user", "nobody", "whatever", http.StatusUnauthorized, "unauthorized"},
		{"missing password", "off1", "", http.StatusBadRequest, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := login(t, w, tc.user, tc.pass)
			if r.status != tc.status || r.errorCode(t) != tc.code {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
}

func TestAccountLockoutAfterFailures(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 5; i++ {
		if r, _ := login(t, w, "sup1", "wrong"); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.status)
		}
	}
	// Now even the right password is refused for a while, with a Vietnamese message.
	r, _ := login(t, w, "sup1", "password-sup1")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: %d %s", r.status, r.body)
	}
	var e api.ErrorBody
	r.json(t, &e)
	if e.Code != "rate_limited" || !strings.Contains(e.Message, "Đăng nhập sai quá nhiều lần") || r.header.Get("Retry-After") == "" {
		t.Errorf("lockout answer: %+v", e)
	}
	// Other accounts are not affected.
	if r, _ := login(t, w, "sec1", "password-sec1"); r.status != http.StatusOK {
		t.Errorf("other account: %d", r.status)
	}
}

func TestIPRateLimit(t *testing.T) {
	w := newWorld(t)
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		r, _ := login(t, w, "nobody", "x")
		limited = r.status == http.StatusTooManyRequests
		if limited { // the message and Retry-After give the same wait
			var e api.ErrorBody
			r.json(t, &e)
			if ra := r.header.Get("Retry-After"); ra != "6" || !strings.Contains(e.Message, "sau "+ra+" giây") {
				t.Errorf("Retry-After %q, message %q", ra, e.Message)
			}
		}
	}
	if !limited {
		t.Error("40 quick logins from one address were never limited")
	}
}

func TestRejectedTokens(t *testing.T) {
	w := newWorld(t)
	uid := w.users["root"].ID
	sid := testdb.Session(t, w.db, uid)
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": uid, "iss": "chibo", "aud": "chibo-api", "exp": time.Now().Add(5 * time.Minute).Unix(), "iat": time.Now().Unix(), "sid": sid}
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	b64 := base64.RawURLEncoding.EncodeToString
	noneToken := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(`{"sub":"`+uid+`","iss":"chibo","aud":"chibo-api","exp":9999999999}`)) + "."
	expired := w.tokens
	_ = expired
	tests := []struct{ name, token string }{
		{"forged with another key", sign(jwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), good())},
		{"alg none", noneToken},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, []byte(testKey), good())},
		{"expired", sign(jwt.SigningMethodHS256, []byte(testKey), with("exp", time.Now().Add(-time.Hour).Unix()))},
		{"no expiry", sign(jwt.SigningMethodHS256, []byte(testKey), without("exp"))},
		{"wrong audience", sign(jwt.SigningMethodHS256, []byte(testKey), with("aud", "other"))},
		{"wrong issuer", sign(jwt.SigningMethodHS256, []byte(testKey), with("iss", "evil"))},
		{"unknown user", sign(jwt.SigningMethodHS256, []byte(testKey), with("sub", "0190c0de-0000-7000-8000-000000000000"))},
		{"garbage", "not.a.token"},
		{"tampered payload", tamper(sign(jwt.SigningMethodHS256, []byte(testKey), good()))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tc.token)...)
			if r.status != http.StatusUnauthorized || r.errorCode(t) != "unauthorized" {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
	// The same claims signed properly are accepted, so the refusals above are about the flaw each one has.
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(sign(jwt.SigningMethodHS256, []byte(testKey), good()))...); r.status != http.StatusOK {
		t.Errorf("well-formed token refused: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", r.status)
	}
}

// tamper changes the subject inside a signed token without re-signing it.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"someone-else","iss":"chibo","aud":"chibo-api","exp":9999999999}`))
	return strings.Join(parts, ".")
}

func TestExpiredTokenFromOurIssuer(t *testing.T) {
	w := newWorld(t)
	old, err := auth.NewTokens([]byte(testKey), "chibo", "chibo-api")
	if err != nil {
		t.Fatal(err)
	}
	old.SetClock(func() time.Time { return time.Now().Add(-20 * time.Minute) })
	tok, _, err := old.Issue(w.users["root"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tok)...); r.status != http.StatusUnauthorized {
		t.Errorf("a 20-minute-old token: %d", r.status)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	w := newWorld(t)
	_, first := login(t, w, "off1", "password-off1")
	refresh := func(tok string) (response, api.TokenResponse) {
		r := w.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		var tr api.TokenResponse
		if r.status == http.StatusOK {
			r.json(t, &tr)
		}
		return r, tr
	}
	r, second := refresh(first.RefreshToken)
	if r.status != http.StatusOK || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(second.AccessToken)...); r.status != http.StatusOK {
		t.Fatalf("new access token: %d", r.status)
	}
	r, third := refresh(second.RefreshToken)
	if r.status != http.StatusOK {
		t.Fatalf("second refresh: %d %s", r.status, r.body)
	}
	second = third
	// Using the first refresh token again, two rotations back, is a replay: it fails and revokes the whole
	// family (grace or not: it is not the immediately previous token).
	r, _ = refresh(first.RefreshToken)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("reuse: %d %s", r.status, r.body)
	}
	var e api.ErrorBody
	r.json(t, &e)
	if !strings.Contains(e.Message, "dùng lại") {
		t.Errorf("reuse message: %q", e.Message)
	}
	if r, _ := refresh(second.RefreshToken); r.status != http.StatusUnauthorized {
		t.Errorf("the family's newest token after reuse: %d, want 401", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(second.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("access token of a revoked family: %d, want 401", r.status)
	}
	// Another session of the same user is untouched.
	_, other := login(t, w, "off1", "password-off1")
	if r, _ := refresh(other.RefreshToken); r.status != http.StatusOK {
		t.Errorf("other session: %d", r.status)
	}
}

func TestLogoutRevokes(t *testing.T) {
	w := newWorld(t)
	_, s := login(t, w, "sec1", "password-sec1")
	if r := w.do(http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": s.RefreshToken}); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s.RefreshToken}); r.status != http.StatusUnauthorized {
		t.Errorf("refresh after logout: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(s.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("access token after logout: %d", r.status)
	}
}

func TestDisabledUserLosesAccess(t *testing.T) {
	w := newWorld(t)
	_, s := login(t, w, "off1", "password-off1")
	if r := w.do(http.MethodPatch, "/api/v1/users/"+w.users["off1"].ID, "admin1", `{"active":false}`); r.status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(s.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user's token: %d", r.status)
	}
	if r, _ := login(t, w, "off1", "password-off1"); r.status != http.StatusUnauthorized {
		t.Errorf("disabled user's login: %d", r.status)
	}
}

func TestPasswordChange(t *testing.T) {
	w := newWorld(t)
	_, s := login(t, w, "sup1", "password-sup1")
	tests := []struct {
		body   string
		status int
	}{
		{`{"current_password":"wrong","new_password":"mat-khau-moi-dai"}`, http.StatusBadRequest},
		{`{"current_password":"password-sup1","new_password":"short"}`, http.StatusBadRequest},
		{`{"current_password":"password-sup1","new_password":"mat-khau-moi-dai"}`, http.StatusNoContent},
	}
	for _, tc := range tests {
		if r := w.do(http.MethodPut, "/api/v1/me/password", "", tc.body, bearer(s.AccessToken)...); r.status != tc.status {
			t.Errorf("%s: %d %s", tc.body, r.status, r.body)
		}
	}
	if r, _ := login(t, w, "sup1", "mat-khau-moi-dai"); r.status != http.StatusOK {
		t.Errorf("login with the new password: %d", r.status)
	}
}
