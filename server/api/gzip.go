package api

import (
	"compress/gzip"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// gzipMin is the smallest response worth compressing: below it the gzip header and the compressor's setup cost
// more than they save (an empty sync poll is a few hundred bytes).
const gzipMin = 1400

// newGzip compresses the responses of the routes marked gzip for clients that accept it, with Echo's middleware:
// fast compression (level 1, pooled writers), responses under gzipMin sent as they are, "Vary: Accept-Encoding" on
// every response of those routes so caches keep the two forms apart, errors and bodiless answers (304) sent
// uncompressed.
func newGzip() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, MinLength: gzipMin})
}
