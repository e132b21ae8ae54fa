package api

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// PushKey is the server's VAPID public key, which the app passes to pushManager.subscribe.
type PushKey struct {
	PublicKey string `json:"public_key"`
}

// PushSubscriptionInput is a browser's PushSubscription.toJSON(), with the device's user agent.
type PushSubscriptionInput struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *int64   `json:"expirationTime,omitempty"`
	Keys           PushKeys `json:"keys"`
	UserAgent      string   `json:"user_agent"`
}

// PushKeys are a subscription's keys (base64url).
type PushKeys struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// PushEndpoint names a subscription to remove.
type PushEndpoint struct {
	Endpoint string `json:"endpoint"`
}

// PushSubscriptionOut is what the server keeps of a device's subscription.
type PushSubscriptionOut struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
}

func (s *Server) pushKey(c echo.Context) error {
	if s.cfg.PushPublicKey == "" {
		return domain.E(domain.CodeNotFound, "error.route_not_found")
	}
	return c.JSON(http.StatusOK, PushKey{PublicKey: s.cfg.PushPublicKey})
}

func b64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// checkSubscription validates a subscription: an https endpoint without user information (http only when the
// server allows it, for tests), a P-256 public key and a 16-byte auth secret.
func (s *Server) checkSubscription(in *PushSubscriptionInput) error {
	u, err := url.Parse(in.Endpoint)
	if err != nil || u.Host == "" || len(in.Endpoint) > 1000 {
		return domain.Invalid("endpoint", "error.push_endpoint", "detail", "URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && s.cfg.PushAllowHTTP) {
		return domain.Invalid("endpoint", "error.push_endpoint", "detail", "https")
	}
	if u.User != nil {
		return domain.Invalid("endpoint", "error.push_endpoint", "detail", "userinfo")
	}
	p, err := b64(in.Keys.P256DH)
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(p)
	}
	if err != nil {
		return domain.Invalid("keys.p256dh", "error.push_keys", "detail", "p256dh")
	}
	if a, err := b64(in.Keys.Auth); err != nil || len(a) != 16 {
		return domain.Invalid("keys.auth", "error.push_keys", "detail", "auth")
	}
	if len(in.UserAgent) > 300 {
		in.UserAgent = in.UserAgent[:300]
	}
	return nil
}

func (s *Server) savePushSubscription(c echo.Context) error {
	var in PushSubscriptionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.checkSubscription(&in); err != nil {
		return err
	}
	if in.UserAgent == "" {
		in.UserAgent = c.Request().UserAgent()
	}
	p := principal(c)
	sub := &store.PushSubscription{UserID: p.UserID, Endpoint: in.Endpoint, P256DH: in.Keys.P256DH, Auth: in.Keys.Auth,
		UserAgent: truncateRunes(in.UserAgent, 300)}
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		return store.SavePushSubscription(ctx, tx, sub)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, PushSubscriptionOut{ID: sub.ID, Endpoint: sub.Endpoint})
}

func (s *Server) deletePushSubscription(c echo.Context) error {
	var in PushEndpoint
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return domain.Invalid("endpoint", "error.required", "field", "endpoint")
	}
	p := principal(c)
	var found bool
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		found, err = store.DeletePushSubscription(ctx, tx, p.UserID, in.Endpoint)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return domain.NotFound("@what.subscription")
	}
	return c.NoContent(http.StatusNoContent)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func (s *Server) listNotifications(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	unread := c.QueryParam("unread") == "true"
	page, err := store.ListNotifications(c.Request().Context(), s.db.R, principal(c).UserID, unread, pr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) readNotification(c echo.Context) error {
	id, err := idParam(c, "id", "@what.notification")
	if err != nil {
		return err
	}
	p := principal(c)
	var n *store.Notification
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		n, err = store.MarkNotificationRead(ctx, tx, p.UserID, id, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (s *Server) listReminders(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	status, err := oneOf(c, "status", func(v string) bool {
		return v == store.ReminderPending || v == store.ReminderSent || v == store.ReminderWithdrawn || v == store.ReminderSkipped
	})
	if err != nil {
		return err
	}
	page, err := store.ListReminders(c.Request().Context(), s.db.R, principal(c).UserID, status, pr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
