package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chibo-vn/chibo/server/auth"
)

func TestCheckPolicy(t *testing.T) {
	tests := []struct {
		pw   string
		want error
	}{
		{"", auth.ErrPasswordShort},
		{"123456a@", auth.ErrPasswordShort},
		{"chín-ký-tự", nil}, // ten characters, counted as characters not bytes
		{"chín-kýtự", auth.ErrPasswordShort},
		{"1234567890", auth.ErrPasswordCommon},
		{"MATKHAU123", auth.ErrPasswordCommon},
		{" anhyeuem123 ", auth.ErrPasswordCommon},
		{"Admin@12345", auth.ErrPasswordCommon},
		{"123456a@12", auth.ErrPasswordCommon}, // a refused one padded at the end
		{"matkhau2027!", auth.ErrPasswordCommon},
		{"Password12345", auth.ErrPasswordCommon},
		{"lúa-chiêm-2027", nil},
		{"chibo-demo", nil},
		{"mat-khau-dai", nil},
	}
	for _, tc := range tests {
		if err := auth.CheckPolicy(tc.pw); !errors.Is(err, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.pw, err, tc.want)
		}
	}
	for _, pw := range []string{"123456a@", "123456aA@", "Abc@12345", "matkhau123", "anhyeuem", "123456", "password", "qwerty", "iloveyou"} {
		if !auth.IsCommonPassword(pw) {
			t.Errorf("%q is not in the list", pw)
		}
	}
	if n := auth.CommonPasswordCount(); n < 1000 {
		t.Errorf("only %d common passwords", n)
	}
}

func TestTokenLifetimeCap(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tk, err := auth.NewTokens(key, "chibo", "chibo-api")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sign := func(iat, exp time.Time) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u", "iss": "chibo", "aud": "chibo-api",
			"iat": iat.Unix(), "exp": exp.Unix(), "sid": "f"}).SignedString(key)
		return s
	}
	tests := []struct {
		name     string
		iat, exp time.Time
		ok       bool
	}{
		{"the TTL", now, now.Add(auth.AccessTTL), true},
		{"the TTL and a little skew", now, now.Add(auth.AccessTTL + 20*time.Second), true},
		{"an hour", now, now.Add(time.Hour), false},
		{"ten years", now, now.AddDate(10, 0, 0), false},
	}
	for _, tc := range tests {
		if _, err := tk.Parse(sign(tc.iat, tc.exp)); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// A shorter configured TTL caps lower.
	tk.SetTTL(time.Minute)
	if _, err := tk.Parse(sign(now, now.Add(10*time.Minute))); err == nil {
		t.Error("a 10-minute token with a 1-minute TTL was accepted")
	}
}

func TestSuccessorToken(t *testing.T) {
	a, _ := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), "chibo", "chibo-api")
	b, _ := auth.NewTokens([]byte("another-key-another-key-another-key"), "chibo", "chibo-api")
	s1, h1 := a.SuccessorToken("prev")
	s2, _ := a.SuccessorToken("prev")
	s3, _ := a.SuccessorToken("prev2")
	s4, _ := b.SuccessorToken("prev")
	if s1 != s2 || s1 == s3 || s1 == s4 || h1 != auth.HashRefreshToken(s1) || len(s1) < 43 {
		t.Errorf("successors: %q %q %q %q", s1, s2, s3, s4)
	}
}
