package api

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

// inputCheckLimit is the largest text body the input check reads; a larger one is left to the handler, which
// refuses it as too large (the largest text body any route takes is a sync push).
const inputCheckLimit = wire.MaxPushBytes

// checkInput refuses, for every request and before any handler, input no handler can store faithfully: a NUL
// character anywhere in the path, the query or the body (PostgreSQL cannot store one in text, and SQLite cuts
// strings at it), and text that is not valid UTF-8 (it would be stored as U+FFFD). JSON bodies are also checked
// for the escapes that decode to such characters: \u0000 and unpaired surrogates. Multipart bodies (roster
// uploads) are parsed here with the upload limit and only their text fields and file names are checked; the
// files themselves are binary. A body with a Content-Encoding is passed through unchecked (no route decodes one,
// so it is refused as bad JSON anyway).
func (s *Server) checkInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !cleanText(req.URL.Path) {
			return badInput("path")
		}
		for k, vs := range req.URL.Query() {
			if !cleanText(k) {
				return badInput("query")
			}
			for _, v := range vs {
				if !cleanText(v) {
					return badInput(k)
				}
			}
		}
		if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
			return next(c)
		}
		if enc := req.Header.Get(echo.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
			return next(c)
		}
		mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
		if mt == "application/offset+octet-stream" { // bytes of a file upload (tus): binary, checked by the upload
			return next(c)
		}
		if mt == "multipart/form-data" {
			if err := checkMultipart(c); err != nil {
				return err
			}
			return next(c)
		}
		buf, err := readUpTo(req.Body, inputCheckLimit+1, req.ContentLength)
		if err != nil {
			return domain.E(domain.CodeInvalid, "error.bad_body")
		}
		if len(buf) > inputCheckLimit {
			// The handler reads the body again, whole, and applies its own size limit.
			req.Body = readCloser{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}
			return next(c)
		}
		req.Body = &checkedBody{Reader: bytes.NewReader(buf), Closer: req.Body, whole: buf}
		if bytes.IndexByte(buf, 0) >= 0 {
			return badInput("body")
		}
		if !utf8.Valid(buf) {
			return domain.E(domain.CodeInvalid, "error.bad_utf8", "field", "body")
		}
		if !cleanEscapes(buf) {
			return badInput("body")
		}
		return next(c)
	}
}

// checkMultipart parses a multipart form with the upload limit and checks its text fields and file names.
func checkMultipart(c echo.Context) error {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, fileBodyLimit)
	if err := req.ParseMultipartForm(8 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return domain.E(domain.CodeTooLarge, "error.too_large", "limit", sizeText(fileBodyLimit))
		}
		return domain.E(domain.CodeInvalid, "error.bad_body")
	}
	for k, vs := range req.MultipartForm.Value {
		if !cleanText(k) {
			return badInput("form")
		}
		for _, v := range vs {
			if !cleanText(v) {
				return badInput(k)
			}
		}
	}
	for k, fhs := range req.MultipartForm.File {
		for _, fh := range fhs {
			if !cleanText(k) || !cleanText(fh.Filename) {
				return badInput(k)
			}
		}
	}
	return nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// checkedBody is a request body checkInput read whole: a handler reads it again as any body, or takes it at once
// with requestBody.
type checkedBody struct {
	*bytes.Reader
	io.Closer
	whole []byte
}

// readUpTo reads r to its end or to limit bytes, into a buffer of the announced length when there is one (io.ReadAll
// grows its buffer from 512 bytes: a 15 KB push was copied six times, twice).
func readUpTo(r io.Reader, limit, announced int64) ([]byte, error) {
	size := int64(512)
	if announced > 0 {
		size = min(announced, limit) + 1 // one more, to see the end without growing
	}
	buf := make([]byte, 0, size)
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// requestBody returns the request's body, refusing one over limit bytes as http.MaxBytesReader does: the bytes
// checkInput read when it read them all, without copying them again.
func requestBody(c echo.Context, limit int64) ([]byte, error) {
	req := c.Request()
	if b, ok := req.Body.(*checkedBody); ok && b.Len() == len(b.whole) && int64(len(b.whole)) <= limit {
		b.Reset(nil) // read, as io.ReadAll would leave it
		return b.whole, nil
	}
	return io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, limit))
}

// badInput refuses a NUL character or invalid text in where.
func badInput(where string) error {
	e := domain.E(domain.CodeInvalid, "error.bad_chars", "field", where)
	e.Field = where
	return e
}

// cleanText reports whether s is valid UTF-8 without a NUL.
func cleanText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// cleanEscapes reports whether the JSON strings in b hold no \u0000 escape and no unpaired surrogate escape
// (which decodes to U+FFFD). b need not be valid JSON: outside strings nothing is checked.
func cleanEscapes(b []byte) bool {
	if bytes.IndexByte(b, '\\') < 0 {
		return true
	}
	in := false
	for i := 0; i < len(b); i++ {
		switch ch := b[i]; {
		case ch == '"':
			in = !in
		case ch == '\\' && in:
			if i+1 >= len(b) {
				return true
			}
			if b[i+1] != 'u' {
				i++ // skip the escaped character (\" or \\ among them)
				continue
			}
			r, ok := hex4(b, i+2)
			if !ok {
				return true // malformed: the decoder refuses it
			}
			switch {
			case r == 0:
				return false
			case r >= 0xD800 && r < 0xDC00: // a high surrogate needs a low one right after
				lo, ok := hex4(b, i+8)
				if !ok || b[i+6] != '\\' || b[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
					return false
				}
				i += 11
			case r >= 0xDC00 && r <= 0xDFFF:
				return false
			default:
				i += 5
			}
		}
	}
	return true
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, ch := range b[i : i+4] {
		r <<= 4
		switch {
		case ch >= '0' && ch <= '9':
			r |= rune(ch - '0')
		case ch >= 'a' && ch <= 'f':
			r |= rune(ch - 'a' + 10)
		case ch >= 'A' && ch <= 'F':
			r |= rune(ch - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
