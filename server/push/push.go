// Package push sends Web Push messages (RFC 8030) to browsers: payloads encrypted with aes128gcm (RFC 8291) and
// signed with the server's VAPID key (RFC 8292), through github.com/SherClockHolmes/webpush-go.
//
// The sender does not retry, log or delete anything itself: Send returns a Result whose Outcome tells the caller
// (the notification worker) whether to mark the message sent, try again later, drop the subscription, or keep it
// and count the failure.
package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
)

// Keys is a VAPID key pair, base64url (no padding) as webpush-go takes them: Public is the uncompressed P-256 point
// (65 bytes), Private the 32-byte scalar. The pair is generated once, on the server's first start, and kept in the
// database: browsers subscribe with the public key, so changing it orphans every subscription.
type Keys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// GenerateKeys returns a fresh VAPID key pair.
func GenerateKeys() (Keys, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, fmt.Errorf("push: generate VAPID keys: %w", err)
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}, nil
}

// Validate reports whether both keys decode, the public key is a point on P-256 and it belongs to the private key.
func (k Keys) Validate() error {
	_, _, err := k.decode()
	return err
}

// LogValue keeps the private key out of logs.
func (k Keys) LogValue() slog.Value {
	return slog.GroupValue(slog.String("public", k.Public))
}

// decode returns both keys as base64url without padding, the form handed to webpush-go.
func (k Keys) decode() (public, private string, err error) {
	pub, err := decodeB64URL(k.Public)
	if err != nil {
		return "", "", fmt.Errorf("push: VAPID public key: %w", err)
	}
	if len(pub) != 65 {
		return "", "", fmt.Errorf("push: VAPID public key: %d bytes, want 65 (an uncompressed P-256 point)", len(pub))
	}
	pk, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("push: VAPID public key: %w", err)
	}
	priv, err := decodeB64URL(k.Private)
	if err != nil {
		return "", "", fmt.Errorf("push: VAPID private key: %w", err)
	}
	if len(priv) != 32 {
		return "", "", fmt.Errorf("push: VAPID private key: %d bytes, want 32", len(priv))
	}
	sk, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("push: VAPID private key: %w", err)
	}
	if !sk.PublicKey().Equal(pk) {
		return "", "", errors.New("push: VAPID public key does not belong to the private key")
	}
	return base64.RawURLEncoding.EncodeToString(pub), base64.RawURLEncoding.EncodeToString(priv), nil
}

// Subscription is a browser's PushSubscription: the push service's endpoint and the keys that the browser
// decrypts with (p256dh, its P-256 public key, and auth, a 16-byte secret), both base64url.
type Subscription struct {
	Endpoint, P256DH, Auth string
}

// Validate reports whether s can be sent to: an https endpoint (http too when allowHTTP, for tests), a p256dh that
// decodes (base64url, padded or not) to an uncompressed P-256 point and an auth that decodes to 16 bytes.
// The error names the field at fault.
func (s Subscription) Validate(allowHTTP bool) error {
	u, err := url.Parse(s.Endpoint)
	switch {
	case s.Endpoint == "":
		return errors.New("push: subscription endpoint: empty")
	case err != nil:
		return errors.New("push: subscription endpoint: not a URL")
	case u.Scheme != "https" && (u.Scheme != "http" || !allowHTTP):
		return fmt.Errorf("push: subscription endpoint: scheme %q, want https", u.Scheme)
	case u.Host == "":
		return errors.New("push: subscription endpoint: no host")
	case u.User != nil:
		return errors.New("push: subscription endpoint: has user info")
	}
	key, err := decodeB64URL(s.P256DH)
	if err != nil {
		return fmt.Errorf("push: subscription p256dh: %w", err)
	}
	if len(key) != 65 {
		return fmt.Errorf("push: subscription p256dh: %d bytes, want 65 (an uncompressed P-256 point)", len(key))
	}
	if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return fmt.Errorf("push: subscription p256dh: %w", err)
	}
	auth, err := decodeB64URL(s.Auth)
	if err != nil {
		return fmt.Errorf("push: subscription auth: %w", err)
	}
	if len(auth) != 16 {
		return fmt.Errorf("push: subscription auth: %d bytes, want 16", len(auth))
	}
	return nil
}

// decodeB64URL decodes base64url with or without padding.
func decodeB64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	return b, nil
}

// checkSubscriber validates a VAPID subject and returns the form webpush-go v1.4 wants: it prefixes "mailto:" to
// anything that does not start with "https:", so a mailto subject is passed without its scheme.
func checkSubscriber(sub string) (string, error) {
	switch {
	case strings.HasPrefix(sub, "mailto:"):
		addr := strings.TrimPrefix(sub, "mailto:")
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr || strings.Contains(addr, ":") {
			return "", fmt.Errorf("push: subscriber %q: not a mailto: e-mail address", sub)
		}
		return addr, nil
	case strings.HasPrefix(sub, "https://"):
		u, err := url.Parse(sub)
		if err != nil || u.Host == "" || u.User != nil {
			return "", fmt.Errorf("push: subscriber %q: not an https URL", sub)
		}
		return sub, nil
	default:
		return "", fmt.Errorf("push: subscriber %q: want mailto:address or https://URL", sub)
	}
}

// topicHeader returns topic as a valid Topic header (RFC 8030: at most 32 characters of the base64url alphabet):
// unchanged when it already is one, else the first 32 characters of base64url(sha256(topic)), so that the same
// topic always collapses onto the same header.
func topicHeader(topic string) string {
	if len(topic) <= 32 && isB64URL(topic) {
		return topic
	}
	sum := sha256.Sum256([]byte(topic))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:32]
}

func isB64URL(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
