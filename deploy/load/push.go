package main

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	// Decrypt only: the RFC 8291 reader the server's tests hold the sender to, written with the standard library.
	"github.com/chibo-vn/chibo/server/push/pushtest"
)

// receiver is the push service of the simulated phones: an HTTP server on loopback that answers every POST 201
// as a push service accepting a message does, and counts what it got per subscription (the endpoint's path). It
// holds each subscription's private key and auth secret, as the browser does, so it decrypts every message
// (RFC 8291) and reads the notification id the server put in it: the same notification arriving twice at one
// device is a duplicate seen at the device, whatever the database says.
type receiver struct {
	base string // http://<host>:<port>/push/
	srv  *http.Server

	mu   sync.Mutex
	subs map[string]*subKeys // by id (the path after /push/)
	// posts counts the POSTs per id; notes the arrivals of each notification per id.
	posts map[string]int
	notes map[string]map[string]int
	// bad counts the messages that could not be read (unknown id, no body, not decryptable), first reasons kept.
	bad    int
	badWhy []string
	vapid  map[string]int // the VAPID public keys (k=) the requests carried: one pair for all instances
	last   time.Time      // the last POST (the start until one came)
}

// subKeys are the private parts of one subscription, as a browser keeps them.
type subKeys struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// Subscription is what a phone sends to POST /api/v1/push/subscriptions (PushSubscription.toJSON()).
type Subscription struct {
	Endpoint  string            `json:"endpoint"`
	Keys      map[string]string `json:"keys"`
	UserAgent string            `json:"user_agent"`
}

// newReceiver starts the push receiver on listen (host:port, loopback) and names it host in the endpoints it
// hands out: the server refuses http endpoints unless CHIBO_PUSH_ALLOW_HTTP is set, and an endpoint is best a
// host name (localhost), not an address literal.
func newReceiver(listen, host string) (*receiver, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("push receiver: %w", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	r := &receiver{base: "http://" + net.JoinHostPort(host, port) + "/push/", subs: map[string]*subKeys{},
		posts: map[string]int{}, notes: map[string]map[string]int{}, vapid: map[string]int{}, last: time.Now()}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Close stops the receiver.
func (r *receiver) Close() { _ = r.srv.Close() }

// newSubscription makes a subscription for user as pushManager.subscribe does: a fresh P-256 key pair, a 16-byte
// auth secret and an endpoint of its own on this receiver.
func (r *receiver) newSubscription(user string) Subscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic("push receiver: " + err.Error()) // crypto/rand does not fail
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	id := user + "-" + strings.ToLower(rand.Text()[:16])
	r.mu.Lock()
	r.subs[id] = &subKeys{priv: priv, auth: auth}
	r.mu.Unlock()
	return Subscription{Endpoint: r.base + id, UserAgent: "chibo-load (simulated phone)", Keys: map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}}
}

// ServeHTTP takes POST /push/<id>: it counts the POST, reads the message and answers 201 with a Location, as
// RFC 8030 section 5 says a push service does.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id, ok := strings.CutPrefix(req.URL.Path, "/push/")
	if req.Method != http.MethodPost || !ok || id == "" {
		http.NotFound(w, req)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 8192))
	r.mu.Lock()
	r.posts[id]++
	r.last = time.Now()
	keys := r.subs[id]
	if k := vapidKey(req.Header.Get("Authorization")); k != "" {
		r.vapid[k]++
	}
	r.mu.Unlock()
	note, why := "", ""
	switch {
	case err != nil:
		why = "reading the body: " + err.Error()
	case keys == nil:
		why = "unknown subscription " + id
	default:
		note, why = readNote(body, keys)
	}
	r.mu.Lock()
	if why != "" {
		r.bad++
		if len(r.badWhy) < 5 {
			r.badWhy = append(r.badWhy, why)
		}
	} else {
		if r.notes[id] == nil {
			r.notes[id] = map[string]int{}
		}
		r.notes[id][note]++
	}
	r.mu.Unlock()
	w.Header().Set("Location", "/msg/"+id+"/"+strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusCreated)
}

// readNote decrypts a message and returns the notification id in it, or why it could not.
func readNote(body []byte, k *subKeys) (string, string) {
	plain, err := pushtest.Decrypt(body, k.priv, k.auth)
	if err != nil {
		return "", err.Error()
	}
	var p struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(bytes.NewReader(plain)).Decode(&p); err != nil || p.ID == "" {
		return "", fmt.Sprintf("payload without a notification id: %.80q", plain)
	}
	return p.ID, ""
}

// vapidKey returns the k= parameter of a "vapid t=…, k=…" Authorization header.
func vapidKey(h string) string {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return ""
	}
	for _, p := range strings.Split(rest, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "k="); ok {
			return v
		}
	}
	return ""
}

// Received is what the receiver got.
type Received struct {
	// Posts are the POSTs per endpoint; Twice the arrivals of a notification beyond the first at one endpoint.
	Posts map[string]int
	Total int
	Twice int
	// TwiceSamples name the first of them (endpoint path and notification).
	TwiceSamples []string
	Bad          int
	BadSamples   []string
	VAPIDKeys    int
	// Quiet is how long no POST came (the whole life of the receiver when none did).
	Quiet time.Duration
}

// received returns the counts so far.
func (r *receiver) received() Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Received{Posts: map[string]int{}, Bad: r.bad, BadSamples: append([]string(nil), r.badWhy...), VAPIDKeys: len(r.vapid)}
	for id, n := range r.posts {
		out.Posts[r.base+id] = n
		out.Total += n
	}
	ids := make([]string, 0, len(r.notes))
	for id := range r.notes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for note, n := range r.notes[id] {
			if n > 1 {
				out.Twice += n - 1
				if len(out.TwiceSamples) < 5 {
					out.TwiceSamples = append(out.TwiceSamples, fmt.Sprintf("notification %s reached %s %d times", note, id, n))
				}
			}
		}
	}
	out.Quiet = time.Since(r.last)
	return out
}

// subscribe registers sub for the session's user (POST /api/v1/push/subscriptions, as the app does after
// pushManager.subscribe). A refusal is returned with the server's reason: the recorder counts it as an error too.
func subscribe(ctx context.Context, hc *http.Client, base string, sess *session, sub Subscription) error {
	return pushCall(ctx, hc, base, sess, http.MethodPost, sub, http.StatusCreated)
}

// unsubscribe removes the subscription (DELETE /api/v1/push/subscriptions, as the app does on signing out).
func unsubscribe(ctx context.Context, hc *http.Client, base string, sess *session, endpoint string) error {
	return pushCall(ctx, hc, base, sess, http.MethodDelete, map[string]string{"endpoint": endpoint}, http.StatusNoContent)
}

func pushCall(ctx context.Context, hc *http.Client, base string, sess *session, method string, body any, want int) error {
	tok, err := sess.Token(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/api/v1/push/subscriptions", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode != want {
		return fmt.Errorf("%s /api/v1/push/subscriptions as %s: %d %s", method, sess.user, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

// pushTally is the subscriptions the phones made during the run.
type pushTally struct {
	mu        sync.Mutex
	endpoints map[string]*official // endpoint → the phone that registered it
	refused   []string             // the first refusals, with the server's reason
	nRefused  int
}

func (p *pushTally) add(endpoint string, o *official) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.endpoints == nil {
		p.endpoints = map[string]*official{}
	}
	p.endpoints[endpoint] = o
}

func (p *pushTally) refuse(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nRefused++
	if len(p.refused) < 3 {
		p.refused = append(p.refused, err.Error())
	}
}

// list returns the registered endpoints, sorted, and the user ids of their phones.
func (p *pushTally) list() (endpoints, users []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	for e, o := range p.endpoints {
		endpoints = append(endpoints, e)
		if id := o.sess.UserID(); id != "" && !seen[id] {
			seen[id] = true
			users = append(users, id)
		}
	}
	sort.Strings(endpoints)
	sort.Strings(users)
	return endpoints, users
}

// PushFigures are the run's web pushes to the simulated phones: what the server queued and marked sent (from
// push_outbox, with -database-url) against what the receiver got.
type PushFigures struct {
	Subscriptions int `json:"subscriptions"`
	// Refused is how many subscriptions the server refused (an http endpoint without CHIBO_PUSH_ALLOW_HTTP).
	Refused        int      `json:"subscriptions_refused"`
	RefusedSamples []string `json:"refused_samples,omitempty"`
	// Received is the POSTs the receiver got; ReceivedTwice the arrivals of a notification already received at
	// the same endpoint (decrypted), Unreadable the messages it could not decrypt.
	Received          int      `json:"received"`
	ReceivedTwice     int      `json:"received_twice"`
	TwiceSamples      []string `json:"received_twice_samples,omitempty"`
	Unreadable        int      `json:"unreadable"`
	UnreadableSamples []string `json:"unreadable_samples,omitempty"`
	VAPIDKeys         int      `json:"vapid_keys_seen"`
	// Removed is how many subscriptions the phones removed at the end (signing out).
	Removed int `json:"removed_at_end"`
	// From push_outbox (nil without -database-url): the rows of these subscriptions by status, the rows marked
	// sent by each instance's worker (claimed_by), and the comparison with the receiver per endpoint.
	Outbox *OutboxFigures `json:"outbox,omitempty"`
}

// OutboxFigures compare push_outbox with the receiver.
type OutboxFigures struct {
	Queued   int            `json:"queued"`
	ByStatus map[string]int `json:"by_status"`
	ByWorker map[string]int `json:"sent_by_worker"`
	// ExtraPOSTs is, summed over the endpoints, the POSTs beyond the rows marked sent: a delivery made twice
	// (by two instances, or again after its result was lost). Unreceived is the rows marked sent that the
	// receiver never got. Mismatches name the first endpoints where the two differ.
	ExtraPOSTs int      `json:"extra_posts"`
	Unreceived int      `json:"sent_not_received"`
	Mismatches []string `json:"mismatches,omitempty"`
}

// Duplicates is the pushes delivered more than once: the larger of the two ways of seeing it (the receiver's
// decrypted notification ids; its POSTs against the rows marked sent).
func (p *PushFigures) Duplicates() int {
	if p == nil {
		return 0
	}
	n := p.ReceivedTwice
	if p.Outbox != nil {
		n = max(n, p.Outbox.ExtraPOSTs)
	}
	return n
}

// compareDeliveries compares the receiver's POSTs per endpoint with the push_outbox rows marked sent per
// endpoint: POSTs beyond the sent rows are deliveries made twice; sent rows beyond the POSTs were never
// received. It returns both sums and the first few endpoints where they differ.
func compareDeliveries(posts, sent map[string]int) (extra, unreceived int, mismatches []string) {
	keys := make([]string, 0, len(posts)+len(sent))
	for k := range posts {
		keys = append(keys, k)
	}
	for k := range sent {
		if _, ok := posts[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p, s := posts[k], sent[k]
		if p == s {
			continue
		}
		extra += max(0, p-s)
		unreceived += max(0, s-p)
		if len(mismatches) < 5 {
			mismatches = append(mismatches, fmt.Sprintf("%s: %d POSTs received, %d rows sent", k, p, s))
		}
	}
	return extra, unreceived, mismatches
}
