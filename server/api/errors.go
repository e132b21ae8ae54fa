package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// statusOf maps each error code to its HTTP status. This is the only place that does.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:            http.StatusBadRequest,
	domain.CodeNotFound:           http.StatusNotFound,
	domain.CodeConflict:           http.StatusConflict,
	domain.CodeInvalidTransition:  http.StatusConflict,
	domain.CodeUnauthorized:       http.StatusUnauthorized,
	domain.CodeForbidden:          http.StatusForbidden,
	domain.CodeMustChangePassword: http.StatusForbidden,
	domain.CodeRateLimited:        http.StatusTooManyRequests,
	domain.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	domain.CodeUnprocessable:      http.StatusUnprocessableEntity,
	domain.CodeBadMethod:          http.StatusMethodNotAllowed,
	domain.CodeInternal:           http.StatusInternalServerError,
	domain.CodeUnavailable:        http.StatusServiceUnavailable,
}

// unavailableRetryAfter is the Retry-After of a 503: about the time Patroni takes to promote a standby is too
// long for a phone to wait in one go, so it asks again after a few seconds.
const unavailableRetryAfter = "5"

// retryAfterArg is the argument of a rate_limited error giving the seconds to wait, sent as Retry-After.
const retryAfterArg = "retry_after"

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Code      domain.Code `json:"code"`
	Message   string      `json:"message"`
	Field     string      `json:"field,omitempty"`
	RequestID string      `json:"request_id"`
	// Details carries structured detail for some errors (e.g. the bad rows of a roster import).
	Details any `json:"details,omitempty"`
}

// detailedError is an error with a structured detail to send along.
type detailedError struct {
	err     *domain.Error
	details any
}

func (d *detailedError) Error() string { return d.err.Error() }
func (d *detailedError) Unwrap() error { return d.err }

// statusClientClosed is the status of a request whose client went away before the answer (nginx's 499).
const statusClientClosed = 499

// handleError is Echo's HTTPErrorHandler: it turns any error into {code, message} with the right status, in the
// caller's language. Internal errors are logged with the request id and shown only as "internal error".
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var de *detailedError
	var details any
	if errors.As(err, &de) {
		details = de.details
		err = de.err
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away (a page closed, a phone lost its signal): not a failure of the server. Answered
		// 499 as nginx counts it, and logged as an ordinary request, not as an error.
		_ = c.NoContent(statusClientClosed)
		return
	}
	var he *echo.HTTPError
	var e *domain.Error
	if !errors.As(err, &e) && errors.As(err, &he) {
		e = fromEcho(he)
	} else {
		e = domainError(err)
	}
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if status == http.StatusServiceUnavailable {
		s.log.WarnContext(c.Request().Context(), "database unavailable", "request_id", rid, "route", c.Path(), "err", err)
	} else if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "request_id", rid, "route", c.Path(), "err", err)
	}
	body := ErrorBody{Code: e.Code, Message: i18n.T(lang(c), e.Key, e.Args), Field: e.Field, RequestID: rid, Details: details}
	if e.Code == domain.CodeRateLimited {
		retry := e.Args[retryAfterArg] // the same number of seconds the message counts in
		if retry == "" {
			retry = "60"
		}
		c.Response().Header().Set("Retry-After", retry)
	}
	if e.Code == domain.CodeUnavailable {
		c.Response().Header().Set("Retry-After", unavailableRetryAfter)
	}
	if e.Code == domain.CodeUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="chibo"`)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

// domainError is err as the API's error: the domain.Error it carries, or an internal error; either becomes
// unavailable when it is a lost or refused database connection (a failover, a restart: not a defect, and worth
// sending again). Both ways of answering errors (Echo's handler and ErrorJSON for the file service) use it.
func domainError(err error) *domain.Error {
	var e *domain.Error
	if !errors.As(err, &e) {
		e = domain.Internal(err)
	}
	if e.Code == domain.CodeInternal && changelog.ConnLost(err) {
		e = domain.Unavailable(err)
	}
	return e
}

func fromEcho(he *echo.HTTPError) *domain.Error {
	switch he.Code {
	case http.StatusNotFound:
		return domain.E(domain.CodeNotFound, "error.route_not_found")
	case http.StatusMethodNotAllowed:
		return domain.E(domain.CodeBadMethod, "error.method_not_allowed")
	case http.StatusRequestEntityTooLarge:
		return domain.E(domain.CodeTooLarge, "error.too_large", "limit", sizeText(jsonBodyLimit))
	case http.StatusUnauthorized:
		return domain.Unauthorized("auth.required")
	case http.StatusForbidden:
		return domain.Forbidden()
	case http.StatusBadRequest:
		return domain.E(domain.CodeInvalid, "error.bad_json", "detail", fmt.Sprint(he.Message))
	}
	if he.Code >= 500 {
		return domain.Internal(he)
	}
	return domain.E(domain.CodeInvalid, "error.bad_value", "field", "request")
}

// lang picks the language of a response: an explicit ?lang=, the user's saved locale, then Accept-Language;
// Vietnamese by default.
func lang(c echo.Context) i18n.Lang {
	if l := c.QueryParam("lang"); l != "" {
		return i18n.Parse(l)
	}
	if p := principal(c); p != nil && p.Locale != "" {
		return i18n.Parse(p.Locale)
	}
	return i18n.Parse(c.Request().Header.Get("Accept-Language"))
}

// decode reads a JSON request body into v strictly: unknown fields, trailing data and bodies over the limit are
// refused with a clear error.
func decode(c echo.Context, v any) error {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, jsonBodyLimit)
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.E(domain.CodeInvalid, "error.bad_json", "detail", "trailing data after the JSON value")
	}
	return nil
}

// sizeText writes a body limit as a message states it: "4 MiB", "512 KiB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return domain.E(domain.CodeTooLarge, "error.too_large", "limit", sizeText(mbe.Limit))
	case errors.Is(err, io.EOF):
		return domain.E(domain.CodeInvalid, "error.bad_json", "detail", "empty body")
	case errors.As(err, &se):
		return domain.E(domain.CodeInvalid, "error.bad_json", "detail", fmt.Sprintf("syntax error at byte %d", se.Offset))
	case errors.As(err, &te) && te.Type == reflect.TypeFor[domain.Date]():
		return domain.Invalid(te.Field, "error.bad_date_field", "field", te.Field, "min", itoa(domain.MinYear), "max", itoa(domain.MaxYear))
	case errors.As(err, &te) && te.Field == "": // the body itself has the wrong type (an array for an object)
		return domain.E(domain.CodeInvalid, "error.bad_body")
	case errors.As(err, &te):
		e := domain.E(domain.CodeInvalid, "error.bad_value", "field", te.Field)
		e.Field = te.Field
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := domain.E(domain.CodeInvalid, "error.unknown_field", "field", f)
		e.Field = f
		return e
	}
	var de *domain.Error
	if errors.As(err, &de) { // a value's own check (a date out of range): its message, never Go's
		return de
	}
	// Anything else would show Go's own wording (type names, offsets): say only that the body is invalid.
	return domain.E(domain.CodeInvalid, "error.bad_body")
}

// idParam reads a UUID path parameter; a malformed id is simply not found.
func idParam(c echo.Context, name, what string) (string, error) {
	id, ok := domain.ParseID(c.Param(name))
	if !ok {
		return "", domain.NotFound(what)
	}
	return id, nil
}

// clientID accepts an id the client generated (offline clients create records with their own UUIDs) into dst;
// an empty id leaves dst for the store to fill.
func clientID(id string, dst *string) error {
	if id == "" {
		return nil
	}
	v, ok := domain.ParseID(id)
	if !ok {
		return domain.Invalid("id", "error.bad_id")
	}
	*dst = v
	return nil
}

// queryID reads an optional UUID query parameter.
func queryID(c echo.Context, name string) (string, error) {
	v := c.QueryParam(name)
	if v == "" {
		return "", nil
	}
	id, ok := domain.ParseID(v)
	if !ok {
		return "", domain.Invalid(name, "error.bad_id")
	}
	return id, nil
}

// queryDate reads an optional YYYY-MM-DD query parameter.
func queryDate(c echo.Context, name string) (domain.Date, error) {
	v := c.QueryParam(name)
	if v == "" {
		return domain.Date{}, nil
	}
	d, err := domain.ParseDate(v)
	if errors.Is(err, domain.ErrDateRange) {
		return d, domain.Invalid(name, "error.date_range", "min", itoa(domain.MinYear), "max", itoa(domain.MaxYear))
	}
	if err != nil {
		return d, domain.Invalid(name, "error.bad_date")
	}
	return d, nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(c echo.Context, name string) (*bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, domain.Invalid(name, "error.bad_bool")
	}
	return &b, nil
}

// pageRequest reads limit and cursor.
func pageRequest(c echo.Context) (store.PageRequest, error) {
	p := store.PageRequest{Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxLimit {
			return p, domain.Invalid("limit", "error.bad_limit", "max", itoa(store.MaxLimit))
		}
		p.Limit = n
	}
	return p, nil
}

// sendSlice answers the page pr asks for of a list computed whole (store.SlicePage).
func sendSlice[T any](c echo.Context, rows []T, pr store.PageRequest) error {
	page, err := store.SlicePage(rows, pr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// oneOf checks an optional enumerated query parameter.
func oneOf[T ~string](c echo.Context, name string, valid func(T) bool) (T, error) {
	v := T(c.QueryParam(name))
	if v != "" && !valid(v) {
		return "", domain.Invalid(name, "error.bad_value", "field", name)
	}
	return v, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func netipToNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
