package api

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// gzipMin is the smallest response worth compressing: below it the gzip header and the compressor's setup cost
// more than they save (an empty sync poll is a few hundred bytes).
const gzipMin = 1400

// gzipper compresses responses for clients that accept gzip, with fast (level 1) pooled compressors. The response
// is buffered, so small ones go out as they are.
type gzipper struct{ pool sync.Pool }

func newGzipper() *gzipper {
	return &gzipper{pool: sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return w
	}}}
}

func (g *gzipper) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
			return next(c)
		}
		res := c.Response()
		res.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		orig := res.Writer
		bw := &bufferedWriter{ResponseWriter: orig}
		res.Writer = bw
		err := next(c)
		res.Writer = orig
		if err != nil && bw.buf.Len() == 0 {
			return err // the error handler writes the answer
		}
		if bw.status == 0 {
			bw.status = http.StatusOK
		}
		h := orig.Header()
		if bw.buf.Len() < gzipMin || h.Get(echo.HeaderContentEncoding) != "" {
			writeHeader(res, orig, bw.status)
			_, _ = res.Write(bw.buf.Bytes())
			return err
		}
		h.Set(echo.HeaderContentEncoding, "gzip")
		h.Del(echo.HeaderContentLength)
		writeHeader(res, orig, bw.status)
		zw := g.pool.Get().(*gzip.Writer)
		zw.Reset(res)
		_, _ = zw.Write(bw.buf.Bytes())
		_ = zw.Close()
		g.pool.Put(zw)
		return err
	}
}

// writeHeader sends the status the handler chose. When the handler already called WriteHeader, echo's Response
// counts as committed and would ignore a second call, so the status goes to the real writer directly (echo has
// already recorded it for the access log).
func writeHeader(res *echo.Response, orig http.ResponseWriter, status int) {
	if res.Committed {
		orig.WriteHeader(status)
		return
	}
	res.WriteHeader(status)
}

// bufferedWriter holds a response until the handler is done.
type bufferedWriter struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *bufferedWriter) WriteHeader(code int)        { w.status = code }
func (w *bufferedWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *bufferedWriter) Flush()                      {}
func (w *bufferedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
