package api

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
)

// static serves the officials' app (pwa/dist, embedded). Hashed assets are cached for a year and never change;
// index.html and the service worker are revalidated every time, so a new version reaches devices; every file carries
// an ETag of its content, so a revalidation that finds nothing new costs a 304 and no body.
func (s *Server) static(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	if strings.Contains(name, "..") {
		return domain.E(domain.CodeNotFound, "error.route_not_found")
	}
	b, err := fs.ReadFile(s.app, name)
	if err != nil {
		return domain.E(domain.CodeNotFound, "error.route_not_found")
	}
	h := c.Response().Header()
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h.Set("ETag", etag)
	switch {
	case strings.HasPrefix(name, "assets/"):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case name == "index.html" || name == "sw.js":
		h.Set("Cache-Control", "no-cache")
	default:
		h.Set("Cache-Control", "public, max-age=86400")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".webmanifest":
		ctype = "application/manifest+json"
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".html":
		ctype = "text/html; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if etagMatch(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, ctype, b)
}

// etagMatch reports whether an If-None-Match header names etag (weak or strong, or "*").
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
