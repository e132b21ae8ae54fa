package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AccessTTL is the lifetime of an access token. Short, because an access token cannot be revoked; the refresh
// token, which can, keeps the session.
const AccessTTL = 15 * time.Minute

// RefreshTTL is the lifetime of a refresh token. Officials can be out of signal for weeks, so it is long; it
// rotates on every use and is revoked on logout, password change or reuse.
const RefreshTTL = 60 * 24 * time.Hour

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	// Family is the refresh-token family (the session) the token was issued under.
	Family string `json:"sid,omitempty"`
}

// Tokens issues and verifies HS256 access tokens. One parser, built once, accepts only HS256 with the expected
// issuer and audience and a required expiry, so "alg: none" and algorithm-confusion tokens are refused.
type Tokens struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	parser   *jwt.Parser
	now      func() time.Time
}

// NewTokens returns a token issuer for key (at least 32 bytes).
func NewTokens(key []byte, issuer, audience string) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("auth: signing key shorter than 32 bytes")
	}
	t := &Tokens{key: key, issuer: issuer, audience: audience, ttl: AccessTTL, now: time.Now}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t, nil
}

// Issue returns a signed access token for the user in session family, and its expiry.
func (t *Tokens) Issue(userID, family string) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
		},
		Family: family,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	return s, exp, err
}

// Parse verifies an access token and returns its claims.
func (t *Tokens) Parse(token string) (*Claims, error) {
	c := new(Claims)
	if _, err := t.parser.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return t.key, nil }); err != nil {
		return nil, err
	}
	if c.Subject == "" {
		return nil, errors.New("auth: token without subject")
	}
	return c, nil
}

// SetTTL shortens the access tokens' lifetime (never beyond AccessTTL); end-to-end tests use it to let tokens
// expire while a device is offline.
func (t *Tokens) SetTTL(d time.Duration) {
	if d > 0 && d <= AccessTTL {
		t.ttl = d
	}
}

// TTL returns the access tokens' lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// SetClock replaces the clock (tests).
func (t *Tokens) SetClock(now func() time.Time) { t.now = now }

// NewRefreshToken returns a new opaque refresh token (256 random bits) and the hash to store.
func NewRefreshToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashRefreshToken(token), nil
}

// HashRefreshToken returns the stored form of a refresh token. A plain SHA-256 is right here: the token has 256
// bits of entropy, so there is nothing to brute-force.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewSigningKey returns a random 256-bit key, base64url-encoded.
func NewSigningKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
