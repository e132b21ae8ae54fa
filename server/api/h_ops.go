package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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

func (s *Server) metricsHandler(c echo.Context) error {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}
