package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/wire"
)

func (s *Server) syncPull(c echo.Context) error {
	var req wire.PullRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	resp, err := s.sync.Pull(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	if len(resp.Ops) == 0 && len(resp.Runs) == 0 && !resp.HasMore && !resp.Reset && len(resp.Drop) == 0 {
		beQuiet(c) // a poll that found nothing: logged at debug level
	}
	hint := bodyHint(resp)
	var buf *[]byte
	if hint > maxPooledBody {
		select {
		case buf = <-s.pages:
		default:
			buf = new([]byte)
		}
	} else if buf, _ = s.bodies.Get().(*[]byte); buf == nil {
		buf = new([]byte)
	}
	if cap(*buf) < hint {
		*buf = make([]byte, 0, hint) // once, rather than doubling a page of a first sync from a poll's few bytes
	}
	var body []byte
	if resp.Protocol >= wire.Protocol2 {
		body, err = resp.AppendJSONRuns((*buf)[:0])
	} else {
		body, err = resp.AppendJSON((*buf)[:0])
	}
	if err != nil {
		return domain.Internal(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	err = c.JSONBlob(http.StatusOK, body) // written (and compressed) before it returns: the buffer is free again
	*buf = body
	switch {
	case cap(body) <= maxPooledBody:
		s.bodies.Put(buf)
	case cap(body) <= maxPageBody:
		select {
		case s.pages <- buf:
		default:
		}
	}
	return err
}

// maxPooledBody is the largest pull answer buffer kept in the pool of polls' buffers; larger ones, up to
// maxPageBody (a page of a first sync: at most wire.MaxPageBytes of rows' data, with their ids and buckets), are
// kept apart, a few at most.
const (
	maxPooledBody = 64 << 10
	maxPageBody   = 2 * wire.MaxPageBytes
)

// bodyHint is about the size of resp's JSON: its rows' data and, per row, its id, version and bucket.
func bodyHint(resp *wire.PullResponse) int {
	n := 1024
	for i := range resp.Ops {
		n += len(resp.Ops[i].Data) + 100
	}
	return min(n, maxPageBody)
}

func (s *Server) syncPush(c echo.Context) error {
	body, err := requestBody(c, wire.MaxPushBytes)
	if err != nil {
		return jsonError(err)
	}
	req, err := wire.DecodePush(body)
	if err != nil {
		return pushError(err)
	}
	resp, err := s.sync.Push(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	resp.Protocol = wire.Negotiate(req.Protocol)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONBlob(http.StatusOK, resp.AppendJSON(make([]byte, 0, 64+160*len(resp.Results))))
}

// pushError explains a push the wire format refuses. A shape error (wire.ShapeError: too many mutations, seqs out
// of order…) is said in the user's language from its message key, on its field. A JSON decoding error is explained
// like any other body's, never in Go's words (type names like wire.PushRequest).
func pushError(err error) error {
	if se := (*wire.ShapeError)(nil); errors.As(err, &se) {
		return domain.Invalid(se.Field, se.Key, se.Args...)
	}
	return jsonError(err)
}
