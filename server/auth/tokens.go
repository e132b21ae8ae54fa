package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AccessTTL is the lifetime of an access token. Short, because an access token cannot be revoked; the refresh
// token, which can, keeps the session.
const AccessTTL = 15 * time.Minute

// RefreshTTL is the lifetime of a refresh token. Officials can be out of signal for weeks, so it is long; it
// rotates on every use and is revoked on logout, password change or reuse.
const RefreshTTL = 60 * 24 * time.Hour

// RefreshGrace is how long after a refresh token was traded the same token still gets the same successor
// instead of revoking its family: an official whose phone lost the answer to a refresh (a dropped connection in
// the field) retries with the old token and carries on. Any other reuse still revokes the family.
const RefreshGrace = 30 * time.Second

// clockSkew is the clock difference tolerated between instances when checking a token's times.
const clockSkew = 30 * time.Second

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
	verified verifiedCache
}

// verifiedCache remembers, per instance, the tokens whose signature and claims were checked, so a device that polls
// every few seconds with the same token is not verified again each time (decoding and an HMAC were a fifth of an
// empty poll's cost). Only what cannot change is cached: the times are checked again on every use. Instances
// share nothing here; each verifies a token once.
type verifiedCache struct {
	mu sync.RWMutex // polls read it thousands of times a second: readers do not queue behind each other
	m  map[string]*Claims
}

// verifiedMax bounds the cache: past it, the cache starts again empty.
const verifiedMax = 8192

func (v *verifiedCache) get(token string) *Claims {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.m[token]
}

func (v *verifiedCache) put(token string, c *Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= verifiedMax {
		v.m = make(map[string]*Claims, 256)
	}
	v.m[token] = c
}

func (v *verifiedCache) clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m = nil
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
		jwt.WithLeeway(clockSkew),
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
	if c := t.verified.get(token); c != nil {
		// Verified before: still valid if its times are (as the parser checks them, with the same leeway).
		now := t.now()
		if now.Before(c.ExpiresAt.Add(clockSkew)) && !now.Before(c.IssuedAt.Add(-clockSkew)) &&
			(c.NotBefore == nil || !now.Before(c.NotBefore.Add(-clockSkew))) {
			cp := *c
			return &cp, nil
		}
	}
	c := new(Claims)
	if _, err := t.parser.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return t.key, nil }); err != nil {
		return nil, err
	}
	if c.Subject == "" {
		return nil, errors.New("auth: token without subject")
	}
	// A token signed to live longer than this server issues (a leaked key, or a token from a misconfigured
	// instance) is refused: its lifetime, not only its expiry, must be one the server would have given.
	if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > t.ttl+clockSkew {
		return nil, errors.New("auth: token lifetime beyond the access token TTL")
	}
	cp := *c
	t.verified.put(token, &cp)
	return c, nil
}

// SetTTL shortens the access tokens' lifetime (never beyond AccessTTL); end-to-end tests use it to let tokens
// expire while a device is offline.
func (t *Tokens) SetTTL(d time.Duration) {
	if d > 0 && d <= AccessTTL {
		t.ttl = d
		t.verified.clear() // tokens verified under the longer lifetime are checked again
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

// SuccessorToken returns the refresh token that follows prev in its family, and its hash. It is derived from prev
// with the signing key (HMAC-SHA256), so a server instance that receives prev again within RefreshGrace can hand
// back the same successor without storing it; nobody without the key can compute it.
func (t *Tokens) SuccessorToken(prev string) (token, hash string) {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("chibo refresh successor\x00"))
	m.Write([]byte(prev))
	token = base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	return token, HashRefreshToken(token)
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
