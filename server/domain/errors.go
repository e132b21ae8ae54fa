// Package domain holds the types every part of Chibo shares: the error type and its codes, roles, the
// enumerations of the party-cell domain, the caller's scope, dates and diacritic-insensitive text folding.
// It depends on nothing else in the project.
package domain

import (
	"errors"
	"fmt"
)

// Code is the machine-readable class of an error. The HTTP layer maps each code to one status.
type Code string

// The error codes. Clients switch on these; the message is for people.
const (
	CodeInvalid  Code = "invalid"
	CodeNotFound Code = "not_found"
	CodeConflict Code = "conflict"
	// CodeInvalidTransition refuses a step a record's current status does not allow (a recommendation
	// accepted before it was answered); HTTP 409 like a conflict, with its own code so clients can tell.
	CodeInvalidTransition Code = "invalid_transition"
	CodeUnauthorized      Code = "unauthorized"
	CodeForbidden         Code = "forbidden"
	CodeRateLimited       Code = "rate_limited"
	CodeTooLarge          Code = "too_large"
	// CodeUnprocessable refuses content that does not match what was declared about it (an upload whose bytes
	// have another SHA-256 or type than its row says); HTTP 422.
	CodeUnprocessable Code = "unprocessable"
	CodeBadMethod     Code = "method_not_allowed"
	CodeInternal      Code = "internal"
	// CodeUnavailable says the server cannot reach its database for now (a PostgreSQL failover, a restart): HTTP
	// 503 with Retry-After. Nothing was written; the same request may be sent again.
	CodeUnavailable Code = "unavailable"
	// CodeMustChangePassword refuses every call but changing the password (and reading one's own account) to a
	// user an administrator requires to choose a new password; HTTP 403.
	CodeMustChangePassword Code = "must_change_password"
)

// Error is the one error type that crosses package boundaries. Key names a message in the catalogue
// (server/i18n) and Args fill its placeholders, so the HTTP layer can answer in the caller's language.
type Error struct {
	Code  Code
	Key   string
	Args  map[string]string
	Field string // the offending input field, when there is one
	Err   error  // the cause, logged but never shown to users
}

// Error implements the error interface. It is for logs; users see the translated message.
func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E builds an Error. kv are placeholder name/value pairs for the message, e.g. E(CodeInvalid, "x", "n", "3").
func E(code Code, key string, kv ...string) *Error {
	e := &Error{Code: code, Key: key}
	if len(kv) > 0 {
		e.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Args[kv[i]] = kv[i+1]
		}
	}
	return e
}

// Invalid is an input error on one field; key is the catalogue message.
func Invalid(field, key string, kv ...string) *Error {
	e := E(CodeInvalid, key, kv...)
	e.Field = field
	return e
}

// NotFound says the thing does not exist or is outside the caller's scope (the two look the same on purpose).
func NotFound(what string) *Error {
	return E(CodeNotFound, "error.not_found", "what", what)
}

// Forbidden refuses a write outside the caller's scope or role.
func Forbidden() *Error { return E(CodeForbidden, "error.forbidden") }

// Unauthorized asks the caller to log in (again).
func Unauthorized(key string) *Error { return E(CodeUnauthorized, key) }

// Internal wraps an unexpected error; users only see "internal error".
func Internal(err error) *Error { return &Error{Code: CodeInternal, Key: "error.internal", Err: err} }

// Unavailable wraps a lost or refused database connection: the request can be sent again shortly.
func Unavailable(err error) *Error {
	return &Error{Code: CodeUnavailable, Key: "error.unavailable", Err: err}
}

// Internalf wraps an unexpected error with context.
func Internalf(format string, args ...any) *Error {
	return Internal(fmt.Errorf(format, args...))
}

// ErrorCode returns the code of err: the Code of a wrapped *Error, CodeInternal for anything else, "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping unknown errors as internal ones.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
