package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/push"
	"github.com/chibo-vn/chibo/server/store"
)

// vapidKeys returns the web push key pair generated on the first start and kept in the database. Two instances
// starting together agree on one pair (the first insert wins, both read it back); a stored pair that does not
// validate stops the start rather than being replaced, since replacing it would silently drop every subscription.
func vapidKeys(ctx context.Context, db *store.DB) (push.Keys, error) {
	raw, err := store.Secret(ctx, db.W, "vapid_keys", func() (string, error) {
		k, err := push.GenerateKeys()
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(k)
		return string(b), err
	})
	if err != nil {
		return push.Keys{}, fmt.Errorf("web push keys: %w", err)
	}
	var k push.Keys
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return push.Keys{}, fmt.Errorf("web push keys stored in server_secrets are unreadable: %w", err)
	}
	if err := k.Validate(); err != nil {
		return push.Keys{}, fmt.Errorf("web push keys stored in server_secrets are invalid: %w", err)
	}
	return k, nil
}

// pushSubject is the contact push services see in the VAPID JWT: CHIBO_PUSH_SUBJECT, else the public URL when
// it is https, else a mailto: address at the public host.
func pushSubject(cfg *Config, public string) (string, error) {
	if s := strings.TrimSpace(cfg.PushSubject); s != "" {
		if !strings.HasPrefix(s, "mailto:") && !strings.HasPrefix(s, "https://") {
			return "", fmt.Errorf("CHIBO_PUSH_SUBJECT must start with mailto: or https:// (got %q)", s)
		}
		return s, nil
	}
	u, err := url.Parse(public)
	if err == nil && u.Scheme == "https" && u.Host != "" {
		return u.Scheme + "://" + u.Host, nil
	}
	host := "localhost"
	if err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if !strings.Contains(host, ".") {
		host += ".invalid"
	}
	return "mailto:chibo@" + host, nil
}

// pusher adapts push.Sender to the notification worker.
type pusher struct{ s *push.Sender }

// Push sends one delivery.
func (p pusher) Push(ctx context.Context, d notify.Delivery) notify.Result {
	r := p.s.Send(ctx, push.Subscription{Endpoint: d.Endpoint, P256DH: d.P256DH, Auth: d.Auth}, d.Payload,
		push.Options{TTL: d.TTL, Urgency: d.Urgency, Topic: d.Topic})
	out := notify.Result{Status: r.Status, RetryAfter: r.RetryAfter, Err: r.Err}
	switch r.Outcome {
	case push.Delivered:
		out.Outcome = notify.Delivered
	case push.Retry:
		out.Outcome = notify.Retry
	case push.Gone:
		out.Outcome = notify.Gone
	default:
		out.Outcome = notify.Rejected
	}
	return out
}
