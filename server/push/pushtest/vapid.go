package pushtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// vapid is what a valid VAPID Authorization header says.
type vapid struct {
	key      []byte // k, the uncompressed P-256 point
	subject  string
	audience string
	expiry   time.Time
}

// maxExpiry is how far ahead a VAPID JWT may expire (RFC 8292 section 2).
const maxExpiry = 24 * time.Hour

// verifyVAPID checks an Authorization header as a push service does (RFC 8292): scheme vapid with the parameters
// t (a JWT) and k (the application server's public key); a JWT with alg ES256, signed with k, whose aud is
// audience, whose exp is after now and at most 24 hours ahead, and whose sub is one mailto: or https: URI.
// When wantKey is not nil, k must be it.
func verifyVAPID(header, audience string, wantKey []byte, now time.Time) (vapid, error) {
	var v vapid
	scheme, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "vapid") {
		return v, fmt.Errorf("authorization scheme %q, want vapid", scheme)
	}
	var token, key string
	for p := range strings.SplitSeq(params, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return v, fmt.Errorf("authorization parameter %q without a value", p)
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "t":
			token = value
		case "k":
			key = value
		}
	}
	if token == "" || key == "" {
		return v, errors.New("authorization without t= or k=")
	}

	kb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
	if err != nil {
		return v, errors.New("vapid k: not base64url")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return v, fmt.Errorf("vapid k: %w", err)
	}
	if wantKey != nil && !bytes.Equal(kb, wantKey) {
		return v, fmt.Errorf("vapid k %s is not the expected key", base64.RawURLEncoding.EncodeToString(kb))
	}
	v.key = kb

	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("jwt: %d parts, want 3", len(parts))
	}
	var head struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := decodeJSONPart(parts[0], &head); err != nil {
		return v, fmt.Errorf("jwt header: %w", err)
	}
	if head.Alg != "ES256" {
		return v, fmt.Errorf("jwt alg %q, want ES256", head.Alg)
	}
	if head.Typ != "" && !strings.EqualFold(head.Typ, "JWT") {
		return v, fmt.Errorf("jwt typ %q, want JWT", head.Typ)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return v, errors.New("jwt signature: not 64 bytes of base64url (ES256 is r || s)")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return v, errors.New("jwt signature does not verify with k")
	}

	var claims struct {
		Aud any `json:"aud"`
		Exp any `json:"exp"`
		Sub any `json:"sub"`
	}
	if err := decodeJSONPart(parts[1], &claims); err != nil {
		return v, fmt.Errorf("jwt claims: %w", err)
	}
	aud, ok := claims.Aud.(string)
	if !ok || aud != audience {
		return v, fmt.Errorf("jwt aud %v, want %q", claims.Aud, audience)
	}
	num, ok := claims.Exp.(json.Number)
	if !ok {
		return v, fmt.Errorf("jwt exp %v: not a number", claims.Exp)
	}
	exp, err := num.Float64()
	if err != nil || math.IsNaN(exp) || math.IsInf(exp, 0) {
		return v, fmt.Errorf("jwt exp %s: not a number", num)
	}
	expiry := time.Unix(int64(exp), 0)
	if !expiry.After(now) {
		return v, fmt.Errorf("jwt exp %s is not in the future", expiry.UTC().Format(time.RFC3339))
	}
	if expiry.After(now.Add(maxExpiry)) {
		return v, fmt.Errorf("jwt exp %s is more than 24 h ahead", expiry.UTC().Format(time.RFC3339))
	}
	sub, ok := claims.Sub.(string)
	if !ok {
		return v, errors.New("jwt sub: missing")
	}
	if err := checkSubject(sub); err != nil {
		return v, err
	}
	v.subject, v.audience, v.expiry = sub, aud, expiry
	return v, nil
}

// checkSubject accepts one mailto: URI with a plain address, or an https: URL with a host.
func checkSubject(sub string) error {
	switch {
	case strings.HasPrefix(sub, "mailto:"):
		addr := strings.TrimPrefix(sub, "mailto:")
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr || strings.Contains(addr, ":") {
			return fmt.Errorf("jwt sub %q: not mailto: and one e-mail address", sub)
		}
		return nil
	case strings.HasPrefix(sub, "https://"):
		u, err := url.Parse(sub)
		if err != nil || u.Host == "" {
			return fmt.Errorf("jwt sub %q: not an https URL", sub)
		}
		return nil
	default:
		return fmt.Errorf("jwt sub %q: want a mailto: or https: URI", sub)
	}
}

// decodeJSONPart decodes a base64url JSON part of a JWT.
func decodeJSONPart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
