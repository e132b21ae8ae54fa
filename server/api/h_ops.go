package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chibo-vn/chibo/server/domain"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, Health{Status: "ok", Version: s.cfg.Version})
}

func (s *Server) readyz(c echo.Context) error {
	if err := s.Ready(c.Request().Context()); err != nil {
		s.log.WarnContext(c.Request().Context(), "not ready", "err", err)
		return c.JSON(http.StatusServiceUnavailable, Health{Status: "unavailable", Error: "database not ready"})
	}
	return c.JSON(http.StatusOK, Health{Status: "ok", Version: s.cfg.Version})
}

// metricsHandler serves the metrics on the main listener to a caller with the metrics token; to anyone else, and
// to everyone when no token is set, it answers as an unknown address does, so scanners learn nothing.
func (s *Server) metricsHandler(c echo.Context) error {
	if !s.metricsAllowed(c.Request().Header.Get(echo.HeaderAuthorization)) {
		return domain.E(domain.CodeNotFound, "error.route_not_found")
	}
	s.promHandler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// metricsAllowed reports whether an Authorization header carries the metrics token (compared in constant time).
func (s *Server) metricsAllowed(authorization string) bool {
	want := s.cfg.MetricsToken
	got, ok := strings.CutPrefix(authorization, "Bearer ")
	if want == "" || !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want)) // equal lengths: the length leaks nothing
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (s *Server) promHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// MetricsHandler serves GET /metrics and nothing else, without a token: it is for a listener of its own
// (CHIBO_METRICS_ADDR) on an address only the monitoring system reaches. Any other address answers not_found in
// the API's error format.
func (s *Server) MetricsHandler() http.Handler {
	prom := s.promHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			prom.ServeHTTP(w, r)
			return
		}
		status, body := ErrorJSON(r.Context(), r.Header, domain.E(domain.CodeNotFound, "error.route_not_found"))
		w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}
