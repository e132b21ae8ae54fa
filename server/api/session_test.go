package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/store"
)

func (w *world) refresh(t *testing.T, tok string) (response, api.TokenResponse) {
	t.Helper()
	r := w.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
	var tr api.TokenResponse
	if r.status == http.StatusOK {
		r.json(t, &tr)
	}
	return r, tr
}

// familyTokens counts the refresh tokens of a session family, and the revoked ones.
func (w *world) familyTokens(t *testing.T, access string) (all, revoked int) {
	t.Helper()
	c, err := w.tokens.Parse(access)
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.RefreshToken
	if err := w.db.R.NewSelect().Model(&rows).Where("family_id = ?", c.Family).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.RevokedAt != nil {
			revoked++
		}
	}
	return len(rows), revoked
}

// A refresh whose answer is lost (a dropped connection) is retried with the same token: within the grace window
// it gets the same successor, and no third token; the session carries on.
func TestRefreshGraceAfterDroppedAnswer(t *testing.T) {
	w := newWorld(t)
	_, first := login(t, w, "off1", "password-off1")
	r, second := w.refresh(t, first.RefreshToken) // the answer is "lost": the device still holds first
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	r, again := w.refresh(t, first.RefreshToken)
	if r.status != http.StatusOK {
		t.Fatalf("retry within the grace window: %d %s", r.status, r.body)
	}
	if again.RefreshToken != second.RefreshToken {
		t.Errorf("retry got another successor")
	}
	if all, revoked := w.familyTokens(t, again.AccessToken); all != 2 || revoked != 0 {
		t.Errorf("family: %d tokens, %d revoked; want 2, 0", all, revoked)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(again.AccessToken)...); r.status != http.StatusOK {
		t.Errorf("access token of the retry: %d", r.status)
	}
	// The session goes on from the successor.
	r, third := w.refresh(t, again.RefreshToken)
	if r.status != http.StatusOK {
		t.Fatalf("next refresh: %d %s", r.status, r.body)
	}
	// first is now two rotations back: not the immediately previous token, so it is a replay.
	if r, _ := w.refresh(t, first.RefreshToken); r.status != http.StatusUnauthorized || r.errorCode(t) != "unauthorized" {
		t.Errorf("older token: %d %s", r.status, r.body)
	}
	if r, _ := w.refresh(t, third.RefreshToken); r.status != http.StatusUnauthorized {
		t.Errorf("the family was not revoked: %d", r.status)
	}
}

// After the grace window the previous token is a replay again: the family is revoked.
func TestRefreshReuseAfterGrace(t *testing.T) {
	w := newWorld(t)
	_, first := login(t, w, "off1", "password-off1")
	r, second := w.refresh(t, first.RefreshToken)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	// Move the use back beyond the window.
	if _, err := w.db.W.NewUpdate().Model((*store.RefreshToken)(nil)).Set("used_at = ?", store.Now().Add(-auth.RefreshGrace-time.Second)).
		Where("token_hash = ?", auth.HashRefreshToken(first.RefreshToken)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := w.refresh(t, first.RefreshToken); r.status != http.StatusUnauthorized {
		t.Fatalf("reuse after the window: %d %s", r.status, r.body)
	}
	if r, _ := w.refresh(t, second.RefreshToken); r.status != http.StatusUnauthorized {
		t.Errorf("successor after the family was revoked: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(second.AccessToken)...); r.status != http.StatusUnauthorized {
		t.Errorf("access token of the revoked family: %d", r.status)
	}
}

// Two devices racing with the same token (or a retry racing the first try) both get the one successor.
func TestRefreshConcurrentRetries(t *testing.T) {
	w := newWorld(t)
	_, first := login(t, w, "off1", "password-off1")
	const n = 4
	got := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			r := w.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
			var tr api.TokenResponse
			if r.status == http.StatusOK {
				r.json(t, &tr)
			}
			got <- tr.RefreshToken
		}()
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		seen[<-got] = true
	}
	if len(seen) != 1 || seen[""] {
		t.Errorf("successors: %v", seen)
	}
}

// Passwords: at least ten characters, none of the common ones whatever the case.
func TestPasswordPolicy(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		password, key string
	}{
		{"short", "weak_password"},
		{"123456a@", "weak_password"},
		{"123456aA@", "weak_password"},
		{"Abc@12345", "weak_password"},
		{"matkhau123", "common_password"},
		{"MatKhau123", "common_password"},
		{"anhyeuem123", "common_password"},
		{"1234567890", "common_password"},
		{"qwertyuiop", "common_password"},
		{"Password123", "common_password"},
		{"iloveyou123", "common_password"},
		{"Vietnam@123", "common_password"},
		{"tre-xanh-que-nha", ""},
	}
	for i, tc := range tests {
		t.Run(tc.password, func(t *testing.T) {
			body := map[string]any{"username": "moi" + string(rune('a'+i)) + "x", "password": tc.password, "display_name": "Mới", "home_org_unit_id": w.c1.ID}
			r := w.do(http.MethodPost, "/api/v1/users", "admin1", body)
			if tc.key == "" {
				if r.status != http.StatusCreated {
					t.Errorf("got %d %s", r.status, r.body)
				}
				return
			}
			var e api.ErrorBody
			r.json(t, &e)
			if r.status != http.StatusBadRequest || e.Field != "password" {
				t.Errorf("got %d %s", r.status, r.body)
			}
			want := map[string]string{"weak_password": "ít nhất 10 ký tự", "common_password": "quá phổ biến"}[tc.key]
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q, want %q", e.Message, want)
			}
			// A change of one's own password follows the same rule.
			r = w.do(http.MethodPut, "/api/v1/me/password", "sup1", map[string]string{"current_password": "password-sup1", "new_password": tc.password})
			if r.status != http.StatusBadRequest {
				t.Errorf("change: %d %s", r.status, r.body)
			}
		})
	}
}

// An admin can make a user change the password: the login says so, and until it is done the user may only
// read its account, change the password and log out.
func TestMustChangePassword(t *testing.T) {
	w := newWorld(t)
	_, open := login(t, w, "off1", "password-off1") // a session already open is held too
	r := w.do(http.MethodPatch, "/api/v1/users/"+w.users["off1"].ID, "admin1", map[string]any{"must_change_password": true})
	if r.status != http.StatusOK {
		t.Fatalf("set: %d %s", r.status, r.body)
	}
	var view store.UserView
	r.json(t, &view)
	if !view.MustChange {
		t.Errorf("user view: %s", r.body)
	}
	r, tr := login(t, w, "off1", "password-off1")
	if r.status != http.StatusOK || !tr.MustChangePassword || !tr.User.MustChange {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	for _, tok := range []string{tr.AccessToken, open.AccessToken} {
		for _, path := range []string{"/api/v1/members", "/api/v1/assignments", "/api/v1/meetings"} {
			r := w.do(http.MethodGet, path, "", nil, bearer(tok)...)
			if r.status != http.StatusForbidden || r.errorCode(t) != "must_change_password" {
				t.Errorf("%s: %d %s", path, r.status, r.body)
			}
		}
		if r := w.do(http.MethodPost, "/api/v1/sync/pull", "", `{}`, bearer(tok)...); r.status != http.StatusForbidden {
			t.Errorf("pull: %d %s", r.status, r.body)
		}
		if r := w.do(http.MethodGet, "/api/v1/me", "", nil, bearer(tok)...); r.status != http.StatusOK {
			t.Errorf("me: %d %s", r.status, r.body)
		}
	}
	r = w.do(http.MethodPut, "/api/v1/me/password", "", map[string]string{"current_password": "password-off1", "new_password": "password-off1"}, bearer(tr.AccessToken)...)
	if r.status != http.StatusBadRequest {
		t.Errorf("the same password again: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodPut, "/api/v1/me/password", "", map[string]string{"current_password": "password-off1", "new_password": "song-huong-nui-ngu"}, bearer(tr.AccessToken)...)
	if r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	r, tr = login(t, w, "off1", "song-huong-nui-ngu")
	if r.status != http.StatusOK || tr.MustChangePassword {
		t.Fatalf("login after the change: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/members", "", nil, bearer(tr.AccessToken)...); r.status != http.StatusOK {
		t.Errorf("members after the change: %d %s", r.status, r.body)
	}
	// Only an admin of the user sets it.
	if r := w.do(http.MethodPatch, "/api/v1/users/"+w.users["off1"].ID, "sup1", map[string]any{"must_change_password": true}); r.status != http.StatusForbidden {
		t.Errorf("supervisor sets it: %d", r.status)
	}
	// A new user can be created with it.
	r = w.do(http.MethodPost, "/api/v1/users", "admin1", map[string]any{"username": "canbo.moi", "password": "tre-xanh-que-nha", "display_name": "Mới",
		"home_org_unit_id": w.c1.ID, "must_change_password": true})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r, tr := login(t, w, "canbo.moi", "tre-xanh-que-nha"); r.status != http.StatusOK || !tr.MustChangePassword {
		t.Errorf("new user's login: %d %s", r.status, r.body)
	}
}
