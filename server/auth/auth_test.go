package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/auth"
)

func TestPasswordHash(t *testing.T) {
	p := auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	h, err := auth.HashPassword("mật khẩu đúng", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not PHC argon2id", h)
	}
	h2, _ := auth.HashPassword("mật khẩu đúng", p)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		pw, hash string
		ok       bool
		err      bool
	}{
		{"mật khẩu đúng", h, true, false},
		{"mật khẩu sai", h, false, false},
		{"", h, false, false},
		{"x", "$2a$10$bcrypt", false, true},
		{"x", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", false, true},
	}
	for _, tc := range tests {
		ok, err := auth.CheckPassword(tc.pw, tc.hash)
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("CheckPassword(%q, %.20s) = %v, %v", tc.pw, tc.hash, ok, err)
		}
	}
}

func TestTokens(t *testing.T) {
	if _, err := auth.NewTokens([]byte("short"), "i", "a"); err == nil {
		t.Error("a short key was accepted")
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	tk, _ := auth.NewTokens(key, "chibo", "chibo-api")
	tok, exp, err := tk.Issue("user-1", "fam-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp); d > auth.AccessTTL || d < auth.AccessTTL-time.Minute {
		t.Errorf("expires in %s", d)
	}
	c, err := tk.Parse(tok)
	if err != nil || c.Subject != "user-1" || c.Family != "fam-1" {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	// A token verified once is answered from the instance's cache: the same claims, and only for the very token.
	if again, err := tk.Parse(tok); err != nil || again.Subject != "user-1" || again.Family != "fam-1" {
		t.Fatalf("Parse again = %+v, %v", again, err)
	}
	tampered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
	if _, err := tk.Parse(tampered); err == nil {
		t.Error("a token with another signature was accepted after the real one")
	}
	other, _ := auth.NewTokens(key, "chibo", "other-audience")
	if _, err := other.Parse(tok); err == nil {
		t.Error("a token for another audience was accepted")
	}
	tk.SetClock(func() time.Time { return time.Now().Add(auth.AccessTTL + time.Minute) })
	if _, err := tk.Parse(tok); err == nil {
		t.Error("an expired token was accepted")
	}
}

func TestRefreshTokens(t *testing.T) {
	a, ha, err := auth.NewRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := auth.NewRefreshToken()
	if a == b || len(a) < 40 || auth.HashRefreshToken(a) != ha || ha == a {
		t.Errorf("tokens %q %q hash %q", a, b, ha)
	}
}

func TestIPLimiter(t *testing.T) {
	l := auth.NewIPLimiter(3, time.Hour)
	for i := 0; i < 3; i++ {
		if !l.Allow("10.0.0.1") {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.Allow("10.0.0.1") {
		t.Error("the 4th attempt within the burst was allowed")
	}
	if !l.Allow("10.0.0.2") {
		t.Error("another address was refused")
	}
}
