// Package api is the HTTP adapter: the Echo server, its middleware, the error mapping, every route (in one
// function, routes.go) with its OpenAPI description, and the handlers. Handlers are methods on Server, which holds
// their dependencies; they parse input, check the caller's scope and call server/store.
package api

import (
	"cmp"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chibo-vn/chibo/pwa"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/engine"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	// PublicURL is the address users reach the server at, e.g. https://chibo.example.vn. An https URL turns on
	// HSTS.
	PublicURL string
	// TrustedProxies are the networks of reverse proxies whose X-Forwarded-For is believed when finding a
	// client's address (for the login rate limit). Empty: the connection's address is used.
	TrustedProxies []netip.Prefix
	// Argon2 are the password hashing parameters for new passwords.
	Argon2 auth.Argon2Params
	// Version is reported by /healthz.
	Version string
	// App is the officials' app to serve at / (pwa.FS()); nil serves none.
	App fs.FS
	// PushPublicKey is the VAPID public key devices subscribe with (empty: web push is off).
	PushPublicKey string
	// PushAllowHTTP accepts push endpoints over plain http (tests with a local push service only).
	PushAllowHTTP bool
	// MaxExportRows caps the rows of a recommendations export; a larger one is refused with too_large rather than
	// cut short (0: 20000).
	MaxExportRows int
	// LoginBurst is the sign-ins one client address may make at once before the per-address limiter makes it
	// wait (0: 20). The limiter is per instance.
	LoginBurst int
	// MetricsToken opens GET /metrics on the main listener to a request with "Authorization: Bearer <token>".
	// Empty: /metrics there answers 404 like any unknown address, and only MetricsHandler (a listener of its own,
	// CHIBO_METRICS_ADDR) serves the metrics.
	MetricsToken string
	// Files keeps meetings' photos: the tus endpoint and the blob store (server/files); nil answers the upload and
	// download routes with an internal error.
	Files *files.Service
}

// Login throttling. The per-account lockout is in the database (shared by instances); the per-address limiter
// is per instance.
const (
	maxFailedLogins = 5
	lockoutFor      = 15 * time.Minute
	ipBurst         = 20 // the default of Config.LoginBurst
	ipEvery         = 6 * time.Second
	jsonBodyLimit   = 1 << 20  // 1 MiB for JSON requests
	fileBodyLimit   = 16 << 20 // 16 MiB for roster uploads
)

// Server holds the handlers' dependencies.
type Server struct {
	db      *store.DB
	tokens  *auth.Tokens
	log     *slog.Logger
	cfg     Config
	limiter *auth.IPLimiter
	metrics *metrics
	sync    *engine.Engine
	gzip    echo.MiddlewareFunc
	cache   *principalCache
	app     fs.FS
	echo    *echo.Echo
	docCache
	// bodies are pull answers' buffers, used again: a poll that finds nothing new is most of the traffic, and a
	// fresh 4 KiB buffer for each was the largest single piece of its garbage (per instance, nothing shared).
	bodies sync.Pool
	// pages are the buffers of large pull answers (the pages of a first sync), kept apart from bodies and out of
	// the garbage collector's reach: a sync.Pool is emptied by every other collection, which a first sync's
	// garbage makes frequent, and a fresh megabyte buffer is zeroed each time (at most cap(pages) are kept).
	pages chan *[]byte
}

// New builds the server and its routes.
func New(db *store.DB, tokens *auth.Tokens, log *slog.Logger, cfg Config) *Server {
	if cfg.Argon2.Memory == 0 {
		cfg.Argon2 = auth.DefaultArgon2
	}
	s := &Server{
		db:      db,
		tokens:  tokens,
		log:     log,
		cfg:     cfg,
		limiter: auth.NewIPLimiter(cmp.Or(cfg.LoginBurst, ipBurst), ipEvery),
		metrics: newMetrics(db),
		sync:    engine.New(db, log),
		gzip:    newGzip(),
		cache:   newPrincipalCache(func(ctx context.Context) (int64, error) { return store.AccessVersion(ctx, db.R) }),
		app:     cfg.App,
		pages:   make(chan *[]byte, 2),
	}
	if s.app == nil {
		s.app = pwa.FS()
	}
	s.metrics.reg.MustRegister(s.sync.Metrics()...)                      // chibo_sync_resets_total, chibo_sync_push_overlapped_total
	s.metrics.reg.MustRegister(notify.NewOutboxAge(db.R, log, time.Now)) // chibo_push_outbox_oldest_age_seconds
	db.OnCommit(func(tables map[string]bool) {
		if tables["assignments"] || tables["users"] || tables["org_units"] {
			s.cache.forget() // who may read what changed
		}
	})
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		var opts []echo.TrustOption
		for _, p := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(netipToNet(p)))
		}
		opts = append(opts, echo.TrustLoopback(false), echo.TrustPrivateNet(false), echo.TrustLinkLocal(false))
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Use(
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: domain.NewID}),
		s.requestContext,
		s.securityHeaders,
		s.metrics.middleware,
		s.recover,
	)
	s.echo = e
	s.register(e)
	return s
}

// Sync returns the sync engine the server mounts.
func (s *Server) Sync() *engine.Engine { return s.sync }

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the Echo instance (tests list its routes).
func (s *Server) Echo() *echo.Echo { return s.echo }

// requestContext puts the request id into the request's context and logs the request when it ends.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		req := c.Request()
		c.SetRequest(req.WithContext(domain.WithRequestID(req.Context(), rid)))
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		} else if c.Path() == "/healthz" || c.Path() == "/readyz" || c.Path() == "/metrics" || quiet(c) {
			level = slog.LevelDebug
		}
		if !s.log.Enabled(req.Context(), level) { // an empty poll at info: its line's attributes are not even made
			return nil
		}
		attrs := []slog.Attr{
			slog.String("request_id", rid),
			slog.String("method", req.Method),
			slog.String("route", c.Path()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", c.Response().Size),
		}
		if p := principal(c); p != nil {
			attrs = append(attrs, slog.String("user_id", p.UserID))
		}
		s.log.LogAttrs(req.Context(), level, "http request", attrs...)
		return nil
	}
}

// quietKey marks a request whose log line is written at debug level, like a health check's (see beQuiet).
const quietKey = "chibo.quiet"

// beQuiet asks requestContext to log the request at debug level: a device's poll that found nothing new is most of
// a server's requests (every device, every few seconds while the app is open) and tells an operator nothing.
func beQuiet(c echo.Context) { c.Set(quietKey, true) }

// quiet tells whether the request was marked by beQuiet.
func quiet(c echo.Context) bool { q, _ := c.Get(quietKey).(bool); return q }

// recover turns a panic into a logged internal error.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = domain.Internalf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// securityHeaderValues are the headers every response of the app (its page, scripts, styles, icons) carries, each
// value its own one-element slice, made once and put in every response's header as it is (Header.Set made a slice
// per header per request, the largest part of an empty poll's garbage after net/http's own). Nothing may change
// one in place: Set and Add replace or grow it, which leaves the shared slice as it was. Read only.
var securityHeaderValues = map[string][]string{
	"Content-Security-Policy": {"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
	"X-Content-Type-Options":     {"nosniff"},
	"X-Frame-Options":            {"DENY"},
	"Referrer-Policy":            {"same-origin"},
	"Permissions-Policy":         {"camera=(), microphone=(), geolocation=(self)"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
}

// apiSecurityHeaderValues are the headers every answer under /api/ carries (see securityHeaderValues): nothing to
// sniff, and a policy that lets the answer load nothing and be framed by no page if a browser ever opens it as a
// document (a file a user uploaded included; frame-ancestors is what X-Frame-Options said, in every browser the
// app runs on). The app's other headers (Permissions-, Referrer- and Cross-Origin-Opener-Policy, X-Frame-Options)
// govern its documents, which no answer of the API is. Fewer headers keep a poll's header within the eight
// entries a Go map holds without growing — with Cache-Control, Content-Type, Vary, X-Request-Id and, when they
// apply, Content-Encoding and Strict-Transport-Security —: net/http copies the map once more when it writes it, and
// the two maps' growth was 1.2 KB of an empty poll's 11.2 KB of garbage.
var apiSecurityHeaderValues = map[string][]string{
	"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"},
	"X-Content-Type-Options":  {"nosniff"},
}

// hstsValue is the Strict-Transport-Security header of a server reached over HTTPS (see securityHeaderValues).
var hstsValue = []string{"max-age=63072000; includeSubDomains"}

// securityHeaders sets the headers every response carries (securityHeaderValues, or apiSecurityHeaderValues under
// /api/; Echo builds its middleware chain again for each request, so nothing is made here).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		values := securityHeaderValues
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			values = apiSecurityHeaderValues
		}
		for k, v := range values {
			h[k] = v[:1:1]
		}
		if strings.HasPrefix(s.cfg.PublicURL, "https://") || c.Request().TLS != nil {
			h["Strict-Transport-Security"] = hstsValue[:1:1]
		}
		return next(c)
	}
}

// metrics are the Prometheus metrics of one server. They live in their own registry, not the global one.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	// pushes and reminders count the notification worker's work.
	pushes, reminders *prometheus.CounterVec
}

func newMetrics(db *store.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chibo_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "chibo_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chibo_logins_total", Help: "Login attempts by outcome.",
	}, []string{"outcome"})
	m.pushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chibo_push_total", Help: "Web push attempts by outcome (sent, retry, gone, rejected, expired).",
	}, []string{"outcome"})
	m.reminders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chibo_reminders_total", Help: "Reminders that came due, by what became of them (sent, skipped, withdrawn).",
	}, []string{"status"})
	// Every outcome shows, at 0, from the start: an alert on a rate of failures has a series to read before the
	// first push (the drill's Prometheus found none).
	for _, o := range []string{"sent", "retry", "gone", "rejected", "expired"} {
		m.pushes.WithLabelValues(o)
	}
	for _, st := range []string{"sent", "skipped", "withdrawn"} {
		m.reminders.WithLabelValues(st)
	}
	m.reg.MustRegister(m.requests, m.duration, m.logins, m.pushes, m.reminders,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.W.DB, "write"))
	if db.R != db.W {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db.R.DB, "read"))
	}
	return m
}

// Pushed counts a web push outcome (notify.Metrics).
func (m *metrics) Pushed(outcome string) { m.pushes.WithLabelValues(outcome).Inc() }

// Reminded counts a reminder that came due (notify.Metrics).
func (m *metrics) Reminded(status string) { m.reminders.WithLabelValues(status).Inc() }

// NotifyMetrics returns the counters the notification worker reports to, exported at /metrics.
func (s *Server) NotifyMetrics() notify.Metrics { return s.metrics }

func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the error response now so the status below is the one sent
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, c.Request().Method, itoa(c.Response().Status)).Inc()
		m.duration.WithLabelValues(route, c.Request().Method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// Ready reports whether the database answers and every migration is applied.
func (s *Server) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return err
	}
	pending, err := s.db.PendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return domain.Internalf("pending migrations: %v", pending)
	}
	return nil
}
