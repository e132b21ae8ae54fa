package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Protocol is the newest version of the sync protocol these types describe. A client names the version it speaks
// in each request (none: 1); the server answers in the highest version it speaks that is not above it.
const Protocol = 3

// The versions of the protocol.
const (
	// Protocol1 sends a page's rows as ops, each with its id twice and its bucket, and sends a device back the
	// rows it wrote.
	Protocol1 = 1
	// Protocol2 sends a page's rows as runs (see Run), and never sends a device the rows it wrote itself: the push
	// answer says what they became (Result.Own).
	Protocol2 = 2
	// Protocol3 writes a push answer's buckets once: an Own that is in the bucket of the answer's Own before it
	// leaves its bucket out (PushResponse.AppendJSON; DecodePushResponse puts it back).
	Protocol3 = 3
)

// Negotiate returns the version of the protocol to answer a client that asked for asked (0: it did not say).
func Negotiate(asked int) int {
	if asked <= Protocol1 {
		return Protocol1
	}
	return min(asked, Protocol)
}

// Limits of one request.
const (
	DefaultPullLimit = 1000 // rows per pull page when the client does not say
	MaxPullLimit     = 5000 // rows per pull page at most
	MaxPushBatch     = 500  // mutations per push at most
	MaxPushBytes     = 4 << 20
)

// MaxPageBytes bounds a pull page by its rows' data (JSON, before gzip), so that a low-end phone never parses much
// more at once: a page ends with the row (in a snapshot) or the transaction (in the change log) that passes it.
const MaxPageBytes = 1 << 20

// PullRequest asks for the next page of changes after Cursor.
type PullRequest struct {
	// Protocol is the version the client speaks (0 or 1: version 1).
	Protocol int `json:"protocol,omitempty"`
	// ClientID (protocol 2) is the device's push client_id: the rows it wrote itself, which the push answer
	// described, are not sent back.
	ClientID string `json:"client_id,omitempty"`
	// Landed (protocol 2) is the highest version the device's push answers gave it: it holds rows at that version
	// that no pull sent it (Result.Own), so a failover that lost them must reset it as if it had pulled them.
	Landed int64 `json:"landed,omitempty"`
	// Cursor is the opaque cursor of the last page received; empty for a device that has nothing yet.
	Cursor string `json:"cursor"`
	// Limit is the most rows the page may carry (default 1000, at most 5000). A page never splits a server
	// transaction, so it may carry more when one transaction is larger.
	Limit int `json:"limit,omitempty"`
	// Checksums asks for the scopes' checksums at the end of the round even if nothing changed.
	Checksums bool `json:"checksums,omitempty"`
	// Resync lists scope keys whose local copy failed its checksum: the server drops and resends them.
	Resync []string `json:"resync,omitempty"`
}

// PullResponse is one page of a pull round. A round starts when the client sends the cursor it stored after its
// last complete round, and ends with the page whose HasMore is false; the client applies the whole round at once.
type PullResponse struct {
	Protocol int    `json:"protocol"`
	Epoch    string `json:"epoch"`
	// Reset (first page of a round only): discard every synced row before applying this round; the round then
	// holds a full snapshot. Unsent local changes are kept.
	Reset bool `json:"reset"`
	// Drop (first page of a round only): scope keys whose rows to discard before applying this round (their
	// fresh snapshot follows), unless another current scope still covers them.
	Drop []string `json:"drop"`
	// Scopes are the caller's scopes now; rows no current scope covers are removed at the end of the round.
	Scopes []ScopeDef `json:"scopes"`
	// Window is the oldest month ("2024-12") of meetings and visit reports kept on the device.
	Window string `json:"window"`
	// Ops are the rows to apply, in order. Protocol 2 sends them as Runs instead (see AppendJSONRuns and Expand).
	Ops []Op `json:"ops"`
	// Runs are the ops of a protocol 2 page, as the client receives them.
	Runs []Run `json:"runs,omitempty"`
	// Cursor is the cursor to send next; store it only when HasMore is false (the end of a round).
	Cursor string `json:"cursor"`
	// Position is the sync transaction the cursor stands at: every change up to it is in this round or before.
	Position int64 `json:"position"`
	HasMore  bool  `json:"has_more"`
	// RetryAfterMS, when set with HasMore and no ops, asks the client to wait before the next page (the server is
	// waiting for a long transaction to finish).
	RetryAfterMS int `json:"retry_after_ms,omitempty"`
	// Checksums (last page of a round) are the count and checksum of every scope.
	Checksums []Checksum `json:"checksums,omitempty"`
}

// ScopeDef describes one scope: which rows it covers.
type ScopeDef struct {
	Key     string   `json:"key"`            // "cell:ID", "root:ID", "user:ID", "ref:ID"
	Kind    string   `json:"kind"`           // cell, unit, root, user, ref
	ID      string   `json:"id"`             // the unit, user or province
	Path    string   `json:"path,omitempty"` // cell and root: rows whose path starts with it
	Classes []string `json:"classes"`        // the classes it covers
	Refs    []string `json:"refs,omitempty"` // ref: the scope ids it covers (the province and "default")
}

// The scope kinds.
const (
	KindCell = "cell" // a cell an official attends or a secretary keeps: its unit, roster, meetings, recommendations, assignments
	KindRoot = "root" // a supervisor's or admin's subtree: units, users, assignments, recommendations
	KindUser = "user" // the caller's own visit reports and notifications
	KindRef  = "ref"  // a province's reference data and the defaults
	// KindUnit is a commune's own rows: its meetings of the other forms (briefings, dialogues, expanded committee
	// meetings) and the recommendations raised at the commune level, at exactly the commune's path, and the unit
	// class (names, zones) of the commune's whole subtree.
	KindUnit = "unit"
)

// SubtreeClasses are the classes a unit scope covers over the whole subtree; its other classes it covers at
// exactly its path.
var SubtreeClasses = []string{"unit"}

// Covers reports whether the scope covers a row with this meta, given the window.
func (s ScopeDef) Covers(class, scope, path, part, window string) bool {
	found := false
	for _, c := range s.Classes {
		found = found || c == class
	}
	if !found {
		return false
	}
	if part != "" && part < window {
		return false
	}
	switch s.Kind {
	case KindCell, KindRoot:
		return s.Path != "" && strings.HasPrefix(path, s.Path)
	case KindUnit:
		for _, c := range SubtreeClasses {
			if c == class {
				return s.Path != "" && strings.HasPrefix(path, s.Path)
			}
		}
		return s.Path != "" && path == s.Path
	case KindUser:
		return scope == s.ID
	case KindRef:
		for _, r := range s.Refs {
			if r == scope || r == "*" {
				return true
			}
		}
	}
	return false
}

// Op is one row to apply: the row's content at a version (put) or its removal (del). Class, Scope, Path and Part
// place the row in a bucket, which says which scopes cover it.
type Op struct {
	Op      string          `json:"op"` // put or del
	Table   string          `json:"t"`
	ID      string          `json:"id"`
	Version int64           `json:"v"`
	Class   string          `json:"c"`
	Scope   string          `json:"s"`
	Path    string          `json:"p,omitempty"`
	Part    string          `json:"m,omitempty"`
	Data    json.RawMessage `json:"d,omitempty"`
}

// The row operations.
const (
	OpPut = "put"
	OpDel = "del"
)

// Checksum is the count and checksum (sum of RowHash modulo 2^32) of the rows a scope covers, as of AsOf: compare
// only when AsOf <= the round's Position.
type Checksum struct {
	Scope string `json:"scope"`
	Count int64  `json:"count"`
	Sum   uint32 `json:"sum"`
	AsOf  int64  `json:"as_of"`
}

// PushRequest sends a device's mutations, in order.
type PushRequest struct {
	// Protocol is the version the client speaks (0 or 1: version 1). With 2, an applied mutation's result says
	// what the row became when the device can tell it from what it sent (Result.Own), and its pulls will not send
	// that version of the row back.
	Protocol int `json:"protocol,omitempty"`
	// ClientID identifies the device (a UUID it generates once and keeps until it signs out).
	ClientID  string     `json:"client_id"`
	Mutations []Mutation `json:"mutations"`
}

// Mutation is one change made on a device: create or change fields of a row (upsert), or delete it.
type Mutation struct {
	// Seq numbers the device's mutations 1, 2, 3… with no gaps; the server applies each once, in order.
	Seq int64 `json:"seq"`
	// ID is an optional id of the mutation, echoed in its result.
	ID    string `json:"id,omitempty"`
	Table string `json:"t"`
	Op    string `json:"op"` // upsert or delete
	RowID string `json:"row_id"`
	// BaseVersion is the version of the row the device last saw (0 when creating it).
	BaseVersion int64 `json:"base_version"`
	// Fields are the fields the mutation sets.
	Fields map[string]json.RawMessage `json:"fields,omitempty"`
	// Base are the values the device saw for those fields before changing them; a field whose server value
	// differs from its base changed meanwhile, and is recorded as a conflict.
	Base map[string]json.RawMessage `json:"base,omitempty"`
}

// The mutation operations.
const (
	MutUpsert = "upsert"
	MutDelete = "delete"
)

// PushResponse has one result per mutation, in order.
type PushResponse struct {
	Results []Result `json:"results"`
	// LastSeq is the last mutation of the device the server has processed.
	LastSeq int64 `json:"last_seq"`
	// Protocol is the version the answer is written in (not sent): from 3, AppendJSON writes an Own's bucket only
	// when it is not the bucket of the Own of op put before it.
	Protocol int `json:"-"`
}

// Result is what became of one mutation.
type Result struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id,omitempty"`
	Status string `json:"status"` // applied, rejected or gap
	// Duplicate says the mutation had been processed before; Status is the first outcome and nothing changed.
	Duplicate bool   `json:"duplicate,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	Field     string `json:"field,omitempty"`
	// Reason is the refusal's message key, a machine-readable reason (e.g. sync.not_own_cell) for a device to act on.
	Reason string `json:"reason,omitempty"`
	// Want is, for a refusal with reason sync.bad_id, the id the table's id rule gives the row (PROTOCOL.md).
	Want string `json:"want,omitempty"`
	// Version is the row's version after an applied mutation.
	Version int64 `json:"version,omitempty"`
	// Conflicts names the fields recorded as conflicts (the row changed on the server meanwhile).
	Conflicts []string `json:"conflicts,omitempty"`
	// Expected is, for a gap, the sequence number the server expects next.
	Expected int64 `json:"expected,omitempty"`
	// Own (protocol 2) is, for an applied mutation, the op a pull would have sent for the row at Version, given
	// as what the device lacks: Data holds only the fields of the stored row that differ from the device's row at
	// base_version (nothing, for a create) with the mutation's fields set over it, and its id and version, which
	// the device knows. Pulls of this client_id do not send the row at this version. Without Own, the row comes
	// back by pull as in protocol 1. In protocol 3 an Own of op put without Class is in the bucket of the answer's
	// Own of op put before it (DecodePushResponse gives it that bucket).
	Own *Own `json:"own,omitempty"`
}

// Own is what became of a row a device's mutation wrote, when the device can build it from what it sent.
type Own struct {
	Op    string          `json:"op"` // put or del
	Class string          `json:"c,omitempty"`
	Scope string          `json:"s,omitempty"`
	Path  string          `json:"p,omitempty"`
	Part  string          `json:"m,omitempty"`
	Data  json.RawMessage `json:"d,omitempty"`
}

// The result statuses.
const (
	StatusApplied  = "applied"
	StatusRejected = "rejected"
	StatusGap      = "gap"
)

// ShapeError is a push request that is valid JSON of the right types but breaks the protocol's shape rules. Key
// names the server's message for it (said in the user's language), Field the member of the request it is about
// ("mutations[3].seq"; empty for the whole request) and Args the message's parameters, name then value. Its Error
// says it in the protocol's terms, for logs: "mutations[3].seq: must follow 2". DecodePush returns it, or the JSON
// decoder's own error for a body that is not a push request at all.
type ShapeError struct {
	Key, Field string
	Args       []string
	words      string // what is wrong with Field, in the protocol's terms
}

func (e *ShapeError) Error() string {
	if e.Field == "" {
		return e.words
	}
	return e.Field + ": " + e.words
}

// shape returns a ShapeError: the message key, the field, the message's parameters (name, value…) and the
// protocol's words for what is wrong.
func shape(key, field string, args []string, words string) error {
	return &ShapeError{Key: key, Field: field, Args: args, words: words}
}

// nth is the parameter "n": the mutation's place in the request, counted from 1 as people count.
func nth(i int) []string { return []string{"n", strconv.Itoa(i + 1)} }

// DecodePush reads a push request strictly: unknown fields, trailing data and malformed mutations are errors.
func DecodePush(b []byte) (*PushRequest, error) {
	if Valid(b) {
		if req, ok := quickPush(b); ok {
			if err := req.Validate(); err != nil {
				return nil, err
			}
			return req, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var req PushRequest
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, shape("sync.trailing", "", nil, "trailing data after the request")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks the shape of a push request (not its content, which the server checks per mutation); the error
// is a *ShapeError.
func (r *PushRequest) Validate() error {
	if r.Protocol < 0 {
		return shape("sync.bad_protocol", "protocol", nil, "1 or more")
	}
	if r.ClientID == "" || len(r.ClientID) > 64 {
		return shape("sync.bad_client_id", "client_id", nil, "1 to 64 characters")
	}
	if len(r.Mutations) > MaxPushBatch {
		n := strconv.Itoa(MaxPushBatch)
		return shape("sync.too_many", "mutations", []string{"max", n}, "at most "+n+" per push")
	}
	for i, m := range r.Mutations {
		field := func(member string) string { return fmt.Sprintf("mutations[%d]%s", i, member) }
		if m.Seq < 1 {
			return shape("sync.bad_seq", field(".seq"), nth(i), "must be 1 or more")
		}
		if i > 0 && m.Seq != r.Mutations[i-1].Seq+1 {
			prev := strconv.FormatInt(r.Mutations[i-1].Seq, 10)
			return shape("sync.seq_order", field(".seq"), append(nth(i), "prev", prev), "must follow "+prev)
		}
		if m.Op != MutUpsert && m.Op != MutDelete {
			return shape("sync.bad_op", field(".op"), nth(i), "upsert or delete")
		}
		if m.Table == "" || m.RowID == "" {
			return shape("sync.no_target", field(""), nth(i), "t and row_id are required")
		}
		if m.BaseVersion < 0 {
			return shape("sync.bad_base", field(".base_version"), nth(i), "must not be negative")
		}
	}
	return nil
}
