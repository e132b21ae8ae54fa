package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

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
	body, err := resp.AppendJSON(make([]byte, 0, 4096))
	if err != nil {
		return domain.Internal(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONBlob(http.StatusOK, body)
}

func (s *Server) syncPush(c echo.Context) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, wire.MaxPushBytes))
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
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, resp)
}

// pushError explains a push the wire format refuses. A JSON decoding error is explained like any other body's,
// never in Go's words (type names like wire.PushRequest); a shape error (wire.PushRequest.Validate, e.g.
// "mutations[3].seq: must follow 2") is the protocol's own description and is passed on.
func pushError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.HasPrefix(msg, "json:") || strings.Contains(msg, "wire.") || strings.Contains(msg, "Go ") {
		return jsonError(err)
	}
	return domain.E(domain.CodeInvalid, "sync.bad_request", "detail", msg)
}
