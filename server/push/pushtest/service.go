// Package pushtest is a Web Push service for tests: an httptest server that checks every request as a strict push
// service would (headers, the VAPID JWT of RFC 8292, the aes128gcm encryption of RFC 8291), decrypts the payload
// with keys it holds for its subscriptions, and answers with scripted statuses.
//
// Its checks are written with the standard library alone, so that they test the sender rather than repeat it.
package pushtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/push"
)

// maxBody is the largest body a push service has to accept (RFC 8030 section 7.2); more is refused with 413.
const maxBody = 4096

// Delivery is a message that the service accepted: decrypted, with what its request said.
type Delivery struct {
	Endpoint  string
	Plaintext []byte
	// TTL is the TTL header in seconds.
	TTL int
	// Urgency and Topic are the headers as sent ("" when absent).
	Urgency, Topic string
	// JWTSubject and JWTAudience are the VAPID JWT's sub and aud, Expiry its exp.
	JWTSubject, JWTAudience string
	Expiry                  time.Time
	// At is when the service accepted the message.
	At time.Time
}

// Service is a push service for tests. Its methods are safe for concurrent use.
type Service struct {
	// URL is the service's base URL (http://127.0.0.1:port).
	URL string

	srv *httptest.Server

	mu         sync.Mutex
	subs       map[string]*subscriber // by id
	attempts   map[string]int         // by id, known or not
	wantKey    []byte
	deliveries []Delivery
	failures   []string
	changed    chan struct{} // closed and replaced on every delivery
}

// subscriber is the browser's side of one subscription.
type subscriber struct {
	priv   *ecdh.PrivateKey // nil for an id that was only scripted
	auth   []byte
	script []scripted
}

// scripted is one answer given by Respond.
type scripted struct {
	status     int
	retryAfter string
}

// NewService starts a push service, closed when the test ends.
func NewService(t testing.TB) *Service {
	t.Helper()
	s := &Service{
		subs:     map[string]*subscriber{},
		attempts: map[string]int{},
		changed:  make(chan struct{}),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Close stops the service now, so that later sends to it fail with a network error.
func (s *Service) Close() { s.srv.Close() }

// NewSubscription returns a subscription to this service, as a browser's pushManager.subscribe would: a fresh
// P-256 key pair and 16-byte auth secret whose private parts the service keeps to decrypt what is sent to it.
func (s *Service) NewSubscription() push.Subscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic("pushtest: " + err.Error()) // crypto/rand does not fail
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	id := strings.ToLower(rand.Text())

	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs[id] = &subscriber{priv: priv, auth: auth}
	return push.Subscription{
		Endpoint: s.URL + "/push/" + id,
		P256DH:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
}

// ExpectKey sets the VAPID public key (base64url) that requests must present in k=; a request with another key
// is refused with 401 and recorded in Failures. Until it is called any valid key is accepted.
func (s *Service) ExpectKey(publicKey string) {
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(publicKey, "="))
	if err != nil {
		panic("pushtest: ExpectKey: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wantKey = k
}

// Respond scripts the next answers to the subscription's valid requests (e.g. 503, 503, 201); after the script
// the service answers 201. A 2xx in the script accepts the message, anything else refuses it. Requests that fail
// the checks are refused whatever the script says, and do not use it up.
//
// endpointOrID may name an id that NewSubscription did not make: requests to it are checked but cannot be
// decrypted, so they get the scripted statuses and then 404.
func (s *Service) Respond(endpointOrID string, statuses ...int) {
	for _, st := range statuses {
		s.respond(endpointOrID, scripted{status: st})
	}
}

// RespondRetryAfter scripts one answer with a Retry-After header of the given seconds.
func (s *Service) RespondRetryAfter(endpointOrID string, status, seconds int) {
	s.respond(endpointOrID, scripted{status: status, retryAfter: strconv.Itoa(seconds)})
}

// RespondRetryAfterHeader scripts one answer with a Retry-After header as given (for an HTTP date).
func (s *Service) RespondRetryAfterHeader(endpointOrID string, status int, retryAfter string) {
	s.respond(endpointOrID, scripted{status: status, retryAfter: retryAfter})
}

func (s *Service) respond(endpointOrID string, a scripted) {
	id := s.id(endpointOrID)
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[id]
	if sub == nil {
		sub = &subscriber{}
		s.subs[id] = sub
	}
	sub.script = append(sub.script, a)
}

// Deliveries returns the accepted messages, in the order they were accepted.
func (s *Service) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Wait waits until at least n messages were accepted and returns them; it fails the test after timeout.
func (s *Service) Wait(t testing.TB, n int, timeout time.Duration) []Delivery {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.deliveries) >= n {
			d := append([]Delivery(nil), s.deliveries...)
			s.mu.Unlock()
			return d
		}
		changed, got, failures := s.changed, len(s.deliveries), append([]string(nil), s.failures...)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("pushtest: %d deliveries after %v, want %d; refused: %q", got, timeout, n, failures)
			return nil
		}
	}
}

// Failures returns why requests were refused (bad headers, JWT or encryption, wrong key, unknown subscription),
// each as "id: reason". Scripted refusals are not failures.
func (s *Service) Failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.failures...)
}

// Attempts returns how many requests reached the subscription, whatever the answer.
func (s *Service) Attempts(endpointOrID string) int {
	id := s.id(endpointOrID)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[id]
}

func (s *Service) id(endpointOrID string) string {
	return strings.TrimPrefix(endpointOrID, s.URL+"/push/")
}

// serve is the push service's one route, POST /push/{id}.
func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/push/")
	if !ok || id == "" || strings.Contains(id, "/") {
		s.refuse(w, r.URL.Path, http.StatusNotFound, "no such route")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.refuse(w, id, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}

	s.mu.Lock()
	s.attempts[id]++
	sub := s.subs[id]
	var priv *ecdh.PrivateKey
	var auth []byte
	scriptLen := 0
	if sub != nil {
		priv, auth, scriptLen = sub.priv, sub.auth, len(sub.script)
	}
	wantKey := s.wantKey
	s.mu.Unlock()

	if sub == nil || (priv == nil && scriptLen == 0) {
		s.refuse(w, id, http.StatusNotFound, "unknown subscription")
		return
	}
	d, status, reason := s.check(r, body, priv, auth, wantKey)
	if reason != "" {
		s.refuse(w, id, status, reason)
		return
	}

	s.mu.Lock()
	answer := scripted{status: http.StatusCreated}
	if len(sub.script) > 0 {
		answer, sub.script = sub.script[0], sub.script[1:]
	} else if priv == nil {
		answer = scripted{status: http.StatusNotFound} // a scripted-only id whose script ran out meanwhile
	}
	accepted := answer.status >= 200 && answer.status <= 299 && priv != nil
	if accepted {
		d.Endpoint = s.URL + r.URL.Path
		d.At = time.Now()
		s.deliveries = append(s.deliveries, d)
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()

	if answer.retryAfter != "" {
		w.Header().Set("Retry-After", answer.retryAfter)
	}
	if accepted {
		w.Header().Set("Location", s.URL+"/message/"+strings.ToLower(rand.Text()))
		w.WriteHeader(answer.status)
		return
	}
	http.Error(w, fmt.Sprintf("pushtest: scripted %d", answer.status), answer.status)
}

// refuse records a failure and answers with status.
func (s *Service) refuse(w http.ResponseWriter, id string, status int, reason string) {
	s.mu.Lock()
	s.failures = append(s.failures, id+": "+reason)
	s.mu.Unlock()
	http.Error(w, reason, status)
}

// check verifies one request; a non-empty reason refuses it with status.
func (s *Service) check(r *http.Request, body []byte, priv *ecdh.PrivateKey, auth, wantKey []byte) (d Delivery, status int, reason string) {
	if r.Method != http.MethodPost {
		return d, http.StatusMethodNotAllowed, "method " + r.Method + ", want POST"
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return d, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q, want aes128gcm", ce)
	}
	ttls := r.Header.Values("TTL")
	if len(ttls) != 1 {
		return d, http.StatusBadRequest, fmt.Sprintf("%d TTL headers, want 1", len(ttls))
	}
	ttl, err := strconv.Atoi(ttls[0])
	if err != nil || ttl < 0 {
		return d, http.StatusBadRequest, fmt.Sprintf("TTL %q: not a number of seconds", ttls[0])
	}
	d.TTL = ttl
	if u, ok := header(r, "Urgency"); ok {
		switch u {
		case "very-low", "low", "normal", "high":
		default:
			return d, http.StatusBadRequest, fmt.Sprintf("Urgency %q: want very-low, low, normal or high", u)
		}
		d.Urgency = u
	}
	if t, ok := header(r, "Topic"); ok {
		if t == "" || len(t) > 32 || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return d, http.StatusBadRequest, fmt.Sprintf("Topic %q: want 1 to 32 base64url characters", t)
		}
		d.Topic = t
	}
	if len(body) > maxBody {
		return d, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody)
	}
	v, err := verifyVAPID(r.Header.Get("Authorization"), s.URL, wantKey, time.Now())
	if err != nil {
		return d, http.StatusUnauthorized, "vapid: " + err.Error()
	}
	d.JWTSubject, d.JWTAudience, d.Expiry = v.subject, v.audience, v.expiry
	if priv != nil {
		if d.Plaintext, err = Decrypt(body, priv, auth); err != nil {
			return d, http.StatusBadRequest, err.Error()
		}
	}
	return d, 0, ""
}

// header returns a header that must appear at most once.
func header(r *http.Request, name string) (string, bool) {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	if len(vs) > 1 {
		return "", true // refused as invalid by the callers: "" is never valid
	}
	return vs[0], true
}
