// Package auth holds the credentials: argon2id password hashes, short-lived JWT access tokens, opaque rotating
// refresh tokens, and the per-address login rate limiter.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane): about 30 ms on a small
// server, which the login rate limits make ample.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinPasswordLen is the shortest password accepted for a new or changed password.
const MinPasswordLen = 10

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords are the lower-case forms of the passwords attackers try first.
var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = struct{}{}
		}
	}
	return m
}()

// The reasons CheckPolicy refuses a new password.
var (
	ErrPasswordShort  = errors.New("auth: password too short")
	ErrPasswordCommon = errors.New("auth: password too common")
)

// CheckPolicy checks a new password: at least MinPasswordLen characters and not one of the most common passwords
// (compared without regard to case or surrounding spaces).
func CheckPolicy(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return ErrPasswordShort
	}
	if IsCommonPassword(password) {
		return ErrPasswordCommon
	}
	return nil
}

// CommonPasswordCount returns the number of passwords in the list.
func CommonPasswordCount() int { return len(commonPasswords) }

// IsCommonPassword reports whether password is in the embedded list of common passwords, ignoring case, or is one
// of them with digits and symbols added at the end: people told their password is too common add "12" or "@"
// ("123456a@12", "matkhau2027!"), which guessing tools try just as early.
func IsCommonPassword(password string) bool {
	pw := strings.ToLower(strings.TrimSpace(password))
	if _, ok := commonPasswords[pw]; ok {
		return true
	}
	stem := strings.TrimRightFunc(pw, func(r rune) bool { return !unicode.IsLetter(r) })
	if stem == pw || len(stem) < 4 {
		return false
	}
	// "123456a@12" → "123456a" (+ "@"): the stem alone or with the endings that often close a common one.
	for _, end := range []string{"", "@", "!", "#", "123", "@123"} {
		if _, ok := commonPasswords[stem+end]; ok {
			return true
		}
	}
	return false
}

// HashPassword returns the PHC-format argon2id hash of password: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash reports a stored hash that cannot be read.
var ErrBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches the PHC hash, in constant time. The parameters are read from
// the hash, so raising the defaults later keeps old hashes working.
func CheckPassword(password, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the username is unknown, so a login takes as long whether or not the user
// exists.
var dummyHash, _ = HashPassword("not-a-real-password", DefaultArgon2)

// BurnTime spends the time of one password check; call it when there is no user to check against.
func BurnTime(password string) { _, _ = CheckPassword(password, dummyHash) }
