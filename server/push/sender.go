package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// MaxPayload is the largest payload Send takes, in bytes: a push service only has to accept a 4096-byte body, and
// the aes128gcm header (86 bytes), the padding delimiter (1) and the tag (16) leave 3993 for the message.
const MaxPayload = 3993

// ErrPayloadTooLarge is the error of a Rejected Result for a payload over MaxPayload; Send never truncates.
var ErrPayloadTooLarge = errors.New("push: payload over 3993 bytes")

// Options of one message.
type Options struct {
	// TTL is how long the push service keeps the message for an offline device; 0 means deliver now or drop it.
	// It is sent in whole seconds, rounded up.
	TTL time.Duration
	// Urgency is very-low, low, normal or high; "" is normal.
	Urgency string
	// Topic names what the message is about, so that a newer message with the same topic replaces one still
	// waiting at the push service (a reminder replaces the older reminder of the same meeting). It is sent as the
	// Topic header; a topic longer than 32 characters or with characters outside base64url is replaced by the
	// first 32 characters of base64url(sha256(topic)), so it is always valid. "" sends no Topic.
	Topic string
}

// Outcome is what the caller should do after a Send.
type Outcome int

// The outcomes of Send.
const (
	// Delivered: the push service accepted the message (200, 201, 202, 204).
	Delivered Outcome = iota
	// Retry: a network error, a timeout, 408, 413, 429 or 5xx; send again later, not before RetryAfter.
	Retry
	// Gone: 404 or 410; the subscription is dead and should be deleted.
	Gone
	// Rejected: 400, 401, 403, any other status, or a message that could not be sent at all (too large, bad
	// options, invalid subscription); keep the subscription, log and count.
	Rejected
)

// String returns the outcome's name, as used in logs and metrics.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Gone:
		return "gone"
	case Rejected:
		return "rejected"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is the answer of Send.
type Result struct {
	Outcome Outcome
	// Status is the push service's HTTP status; 0 when no answer came.
	Status int
	// RetryAfter is the push service's Retry-After (seconds or an HTTP date), 0 when absent.
	RetryAfter time.Duration
	// Err is nil exactly when Outcome is Delivered. For an HTTP answer it is a *StatusError.
	Err error
}

// StatusError is the error of a Result that carries an HTTP answer other than success.
type StatusError struct {
	Status int
	// Body is the start of the answer's body (at most 200 bytes), which push services use to say what is wrong.
	Body string
}

// Error returns the status and the start of the body.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("push: push service answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + strconv.Quote(e.Body)
	}
	return msg
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Keys is the server's VAPID key pair.
	Keys Keys
	// Subscriber is the VAPID subject, a contact for the push services: "mailto:..." or "https://...".
	Subscriber string
	// HTTPClient sends the requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// AllowHTTP lets subscriptions have http endpoints (tests only).
	AllowHTTP bool
}

// Sender sends web push messages. It holds no mutable state and is safe for concurrent use.
type Sender struct {
	public, private string // base64url, no padding
	subscriber      string // as webpush-go wants it (see checkSubscriber)
	client          *http.Client
	allowHTTP       bool
}

// NewSender returns a Sender after checking the keys and the subscriber.
func NewSender(cfg SenderConfig) (*Sender, error) {
	pub, priv, err := cfg.Keys.decode()
	if err != nil {
		return nil, err
	}
	sub, err := checkSubscriber(cfg.Subscriber)
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Sender{public: pub, private: priv, subscriber: sub, client: client, allowHTTP: cfg.AllowHTTP}, nil
}

// Send encrypts payload for sub and posts it to the subscription's push service. It makes one attempt: retrying,
// deleting a Gone subscription and counting rejections are the caller's part.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte, opt Options) Result {
	if len(payload) > MaxPayload {
		return Result{Outcome: Rejected, Err: fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(payload))}
	}
	if err := sub.Validate(s.allowHTTP); err != nil {
		return Result{Outcome: Rejected, Err: err}
	}
	urgency := webpush.Urgency(opt.Urgency)
	switch urgency {
	case "":
		urgency = webpush.UrgencyNormal
	case webpush.UrgencyVeryLow, webpush.UrgencyLow, webpush.UrgencyNormal, webpush.UrgencyHigh:
	default:
		return Result{Outcome: Rejected, Err: fmt.Errorf("push: urgency %q: want very-low, low, normal or high", opt.Urgency)}
	}
	ttl := 0
	if opt.TTL > 0 {
		ttl = int((opt.TTL + time.Second - 1) / time.Second)
	}
	topic := ""
	if opt.Topic != "" {
		topic = topicHeader(opt.Topic)
	}

	// webpush-go appends the padding to the message's slice in place: give it its own, with room for all of it,
	// so that the caller's array is never written to.
	msg := make([]byte, len(payload), webpush.MaxRecordSize)
	copy(msg, payload)

	resp, err := webpush.SendNotificationWithContext(ctx, msg,
		&webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256DH}},
		&webpush.Options{
			HTTPClient:      s.client,
			RecordSize:      0, // webpush-go's default, 4096: one record, the payload padded to fill it
			Subscriber:      s.subscriber,
			Topic:           topic,
			TTL:             ttl,
			Urgency:         urgency,
			VAPIDPublicKey:  s.public,
			VAPIDPrivateKey: s.private,
		})
	if err != nil {
		return sendError(ctx, err)
	}
	return result(resp)
}

// sendError maps an error without an HTTP answer: a failed request (network, timeout, cancelled) is worth a retry,
// anything webpush-go refused before sending is not.
func sendError(ctx context.Context, err error) Result {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		// url.Error's text holds the whole endpoint, a capability of the subscription: keep only its origin.
		origin := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			origin = u.Scheme + "://" + u.Host
		}
		return Result{Outcome: Retry, Err: fmt.Errorf("push: %s %s: %w", ue.Op, origin, ue.Err)}
	}
	if ctx.Err() != nil {
		return Result{Outcome: Retry, Err: fmt.Errorf("push: %w", err)}
	}
	return Result{Outcome: Rejected, Err: fmt.Errorf("push: %w", err)}
}

// result maps the push service's answer to an Outcome, always draining and closing the body so that the
// connection can be reused.
func result(resp *http.Response) Result {
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	r := Result{Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	switch code := resp.StatusCode; {
	case code == http.StatusOK, code == http.StatusCreated, code == http.StatusAccepted, code == http.StatusNoContent:
		r.Outcome = Delivered
		return r
	case code == http.StatusNotFound, code == http.StatusGone:
		r.Outcome = Gone
	case code == http.StatusRequestTimeout, code == http.StatusRequestEntityTooLarge,
		code == http.StatusTooManyRequests, code >= 500 && code <= 599:
		r.Outcome = Retry
	default:
		r.Outcome = Rejected
	}
	r.Err = &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(strings.ToValidUTF8(string(head), ""))}
	return r
}

// maxRetryAfter bounds a Retry-After so that a wild value cannot overflow a Duration or park a message for months.
const maxRetryAfter = 7 * 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). Anything
// else, or a time in the past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
