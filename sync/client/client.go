package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/wire"
)

// Client talks to a Chibo server for one device.
type Client struct {
	// BaseURL is the server, e.g. http://localhost:8080.
	BaseURL string
	// HTTP is the HTTP client (default defaultHTTP).
	HTTP *http.Client
	// Token returns a valid access token (the caller logs in and refreshes).
	Token func(ctx context.Context) (string, error)
	// Local is the device's state.
	Local *Local
	// Limit is the pull page size (default the server's).
	Limit int
	// PushBatch is how many mutations one push carries (default 100).
	PushBatch int
	// Protocol is the version of the protocol the client speaks: 3 (the default), 2 or 1.
	Protocol int
	// Pipeline is how many pushes may be in flight at once (default 1: each waits for the answer before).
	Pipeline int
}

// defaultHTTP is the HTTP client of a Client without one: http.DefaultClient's settings but for the idle
// connections it keeps to a server — enough for every device of a process to keep its own open between requests,
// as a phone does. http.DefaultClient keeps two: fifty Clients in one process (a benchmark's devices, a
// simulator's) opened a new connection for most of their requests, and the server accepted one each time.
var defaultHTTP = &http.Client{Transport: func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 1024
	return t
}()}

// gzipReaders are gzip readers used again from answer to answer, by every client of the process (a new one
// allocates a 32 KB window); a pool holds no state a caller could see.
var gzipReaders sync.Pool

// protocol returns the version the client asks for.
func (c *Client) protocol() int {
	if c.Protocol == 0 {
		return wire.Protocol
	}
	return c.Protocol
}

// pullRequest is the request of a round's page.
func (c *Client) pullRequest(cursor string, resync []string, checksums bool) wire.PullRequest {
	req := wire.PullRequest{Protocol: c.protocol(), Cursor: cursor, Limit: c.Limit, Resync: resync, Checksums: checksums}
	if req.Protocol >= wire.Protocol2 {
		req.ClientID, req.Landed = c.Local.ClientID, c.Local.Landed
	}
	return req
}

// Error is an error response of the server.
type Error struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func (c *Client) post(ctx context.Context, path string, in, out any) error {
	var body []byte
	var err error
	if pr, ok := in.(wire.PushRequest); ok {
		body = pr.AppendJSON(make([]byte, 0, 160*len(pr.Mutations)+64)) // encoding/json's bytes, without its reflection
	} else if body, err = json.Marshal(in); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	if c.Token != nil {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body) // drain, so the connection is reused
		resp.Body.Close()
	}()
	var rd io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		gz, _ := gzipReaders.Get().(*gzip.Reader)
		if gz == nil {
			gz, err = gzip.NewReader(resp.Body)
		} else {
			err = gz.Reset(resp.Body)
		}
		if err != nil {
			return err
		}
		defer func() {
			gz.Close()
			gzipReaders.Put(gz)
		}()
		rd = gz
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode}
		_ = json.NewDecoder(rd).Decode(e)
		return e
	}
	if pr, ok := out.(*wire.PushResponse); ok {
		// A push answer (one result per mutation) is read whole and decoded by the protocol's quick decoder.
		b, err := io.ReadAll(rd)
		if err != nil {
			return err
		}
		r, err := wire.DecodePushResponse(b)
		if err != nil {
			return err
		}
		*pr = *r
		return nil
	}
	return json.NewDecoder(rd).Decode(out)
}

// RoundStats says what a pull round did.
type RoundStats struct {
	Pages     int
	Ops       int
	Reset     bool
	Dropped   []string
	Mismatch  []string // scopes whose checksum did not match: asked to resync on the next round
	Verified  int      // scopes whose checksum matched
	Responses []*wire.PullResponse
}

// Pull runs pull rounds until the device holds its own applied writes (the server's position may trail them
// while another transaction is open), each round paging until the server says there is no more, applied at
// once, its checksums checked. A reset round ends the wait for writes the server lost (see Local.Landed).
func (c *Client) Pull(ctx context.Context) (*RoundStats, error) {
	st, err := c.round(ctx)
	for err == nil && c.Local.Position < c.Local.Landed {
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		var more *RoundStats
		if more, err = c.round(ctx); err == nil {
			st.Pages, st.Ops = st.Pages+more.Pages, st.Ops+more.Ops
			st.Mismatch, st.Verified = more.Mismatch, more.Verified
			st.Reset, st.Dropped = st.Reset || more.Reset, append(st.Dropped, more.Dropped...)
		}
	}
	return st, err
}

// PullChecksums runs a round asking for every scope's checksum even if nothing changed, as a device does when it
// starts; RoundStats.Mismatch lists the scopes that differ (they are resynced on the next round).
func (c *Client) PullChecksums(ctx context.Context) (*RoundStats, error) {
	return c.roundWith(ctx, true)
}

// round runs one pull round.
func (c *Client) round(ctx context.Context) (*RoundStats, error) { return c.roundWith(ctx, false) }

func (c *Client) roundWith(ctx context.Context, checksums bool) (*RoundStats, error) {
	for try := 0; ; try++ {
		st, err := c.roundOnce(ctx, checksums)
		var e *Error
		if try < 3 && errors.As(err, &e) && e.Status == http.StatusConflict {
			// The server's epoch changed during the round: throw the round away and start again from the stored
			// cursor; that round begins with the reset.
			c.Local.Stats["rounds_restarted"]++
			continue
		}
		return st, err
	}
}

func (c *Client) roundOnce(ctx context.Context, checksums bool) (*RoundStats, error) {
	st := &RoundStats{}
	r := &round{}
	req := c.pullRequest(c.Local.Cursor, c.Local.Resync, checksums)
	var last *wire.PullResponse
	for {
		var resp wire.PullResponse
		if err := c.post(ctx, "/api/v1/sync/pull", req, &resp); err != nil {
			return st, err
		}
		st.Pages++
		if resp.Protocol >= wire.Protocol2 {
			ops, err := wire.Expand(resp.Runs)
			if err != nil {
				return st, err
			}
			resp.Ops, resp.Runs = ops, nil
		}
		if st.Pages == 1 {
			r.reset, r.drop = resp.Reset, resp.Drop
		}
		r.ops = append(r.ops, resp.Ops...)
		last = &resp
		if !resp.HasMore {
			break
		}
		if resp.RetryAfterMS > 0 && len(resp.Ops) == 0 {
			select {
			case <-ctx.Done():
				return st, ctx.Err()
			case <-time.After(time.Duration(resp.RetryAfterMS) * time.Millisecond):
			}
		}
		req = c.pullRequest(resp.Cursor, nil, checksums)
	}
	st.Ops, st.Reset, st.Dropped = len(r.ops), r.reset, r.drop
	c.Local.apply(r, last)
	c.Local.Resync = nil
	for _, cs := range last.Checksums {
		if cs.AsOf > last.Position {
			continue
		}
		for _, s := range c.Local.Scopes {
			if s.Key != cs.Scope {
				continue
			}
			n, sum := c.Local.Checksum(s)
			if n != cs.Count || sum != cs.Sum {
				st.Mismatch = append(st.Mismatch, s.Key)
			} else {
				st.Verified++
			}
		}
	}
	c.Local.Resync = st.Mismatch
	c.Local.Stats["rounds"]++
	return st, nil
}

// Mutate queues a mutation (its sequence number is assigned here) and returns it.
func (c *Client) Mutate(m wire.Mutation) wire.Mutation {
	m.Seq = c.Local.NextSeq
	c.Local.NextSeq++
	c.Local.Outbox = append(c.Local.Outbox, m)
	return m
}

// PushStats says what a push did.
type PushStats struct {
	Applied, Rejected, Duplicates int
	Conflicts                     int
	Results                       []wire.Result
}

// Push sends the outbox in batches. A mutation leaves the outbox once the server has processed it: applied, or
// refused (then it moves to Rejected, for the user to fix and send again as a new mutation). With Pipeline above
// 1 it sends the next batch as soon as the previous one is on the wire, without waiting for its answer (the
// server processes them in order, PROTOCOL.md "Push"); a batch answered "gap" (it overtook the one before) is sent
// again.
func (c *Client) Push(ctx context.Context) (*PushStats, error) {
	st := &PushStats{Results: make([]wire.Result, 0, len(c.Local.Outbox))} // one result per mutation sent
	batch := c.PushBatch
	if batch <= 0 {
		batch = 100
	}
	depth := max(1, c.Pipeline)
	type answer struct {
		resp *wire.PushResponse
		err  error
	}
	var inflight []chan answer
	var firstErr error
	sendFrom := int64(0) // the first seq not sent yet
	for {
		// Fill the pipeline: the next batch goes once the previous one is written.
		for firstErr == nil && len(inflight) < depth {
			i := 0
			for i < len(c.Local.Outbox) && c.Local.Outbox[i].Seq < sendFrom {
				i++
			}
			if i == len(c.Local.Outbox) {
				break
			}
			n := min(batch, len(c.Local.Outbox)-i)
			req := wire.PushRequest{ClientID: c.Local.ClientID, Mutations: append([]wire.Mutation(nil), c.Local.Outbox[i:i+n]...)}
			if c.protocol() >= wire.Protocol2 {
				req.Protocol = c.protocol()
			}
			sendFrom = req.Mutations[n-1].Seq + 1
			done, wrote := make(chan answer, 1), make(chan struct{})
			go func() {
				var resp wire.PushResponse
				var once sync.Once
				tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
					once.Do(func() { close(wrote) })
				}})
				err := c.post(tctx, "/api/v1/sync/push", req, &resp)
				once.Do(func() { close(wrote) })
				done <- answer{&resp, err}
			}()
			inflight = append(inflight, done)
			if depth > 1 {
				select {
				case <-wrote:
				case <-ctx.Done():
				}
			}
		}
		if len(inflight) == 0 {
			return st, firstErr
		}
		a := <-inflight[0]
		inflight = inflight[1:]
		if firstErr != nil {
			continue // drain what is in flight; their outcomes come again on the next push
		}
		if a.err != nil {
			firstErr = a.err
			continue
		}
		if len(c.Local.Outbox) > 0 && a.resp.LastSeq+1 < c.Local.Outbox[0].Seq {
			// The server has forgotten mutations it acknowledged (it was restored from a backup): start again as a
			// new device, numbering the unsent mutations from 1.
			for _, ch := range inflight {
				<-ch
			}
			inflight = nil
			c.renumber()
			sendFrom = 0
			continue
		}
		gap, err := c.settle(a.resp, st, len(inflight) > 0)
		if err != nil {
			firstErr = err
			continue
		}
		if gap {
			// This batch overtook the one before it (or the server lost track): what is in flight after it is
			// behind a gap too; send everything left again once they are back.
			for _, ch := range inflight {
				if b := <-ch; b.err == nil {
					if _, err := c.settle(b.resp, st, true); err != nil && firstErr == nil {
						firstErr = err
					}
				}
			}
			inflight = nil
			sendFrom = 0
		}
	}
}

// renumber gives the device a new id and numbers its unsent mutations from 1.
func (c *Client) renumber() {
	c.Local.ClientID = uuid.NewString()
	if c.protocol() >= wire.Protocol2 {
		// Rows built from the answers to the forgotten mutations (Result.Own) are gone from the server: start
		// the next pull from nothing (a reset), as a device that had pulled them would be reset.
		c.Local.Cursor = ""
	}
	for i := range c.Local.Outbox {
		c.Local.Outbox[i].Seq = int64(i + 1)
	}
	c.Local.NextSeq = int64(len(c.Local.Outbox) + 1)
	c.Local.Stats["renumbered"]++
}

// settle removes processed mutations from the outbox; it reports whether the answer had gaps. A push that made
// no progress is an error, unless more pushes were in flight (pipelined): they may have made it.
func (c *Client) settle(resp *wire.PushResponse, st *PushStats, pipelined bool) (bool, error) {
	done := map[int64]wire.Result{}
	gap := false
	for _, r := range resp.Results {
		st.Results = append(st.Results, r)
		if r.Status == wire.StatusGap {
			gap = true
			continue
		}
		done[r.Seq] = r
		if r.Duplicate {
			st.Duplicates++
		}
		switch r.Status {
		case wire.StatusApplied:
			st.Applied++
			st.Conflicts += len(r.Conflicts)
			c.Local.Landed = max(c.Local.Landed, r.Version)
			if r.Own != nil {
				// The outbox is in seq order (Mutate); one kept by other means is searched through.
				out := c.Local.Outbox
				i := sort.Search(len(out), func(i int) bool { return out[i].Seq >= r.Seq })
				if i == len(out) || out[i].Seq != r.Seq {
					i = slices.IndexFunc(out, func(m wire.Mutation) bool { return m.Seq == r.Seq })
				}
				if i >= 0 {
					c.Local.own(out[i], r)
				}
			}
		case wire.StatusRejected:
			st.Rejected++
		}
	}
	keep := c.Local.Outbox[:0]
	for _, m := range c.Local.Outbox {
		r, ok := done[m.Seq]
		switch {
		case !ok && m.Seq <= resp.LastSeq:
			// Processed long ago (its outcome was pruned): nothing more to send.
		case !ok:
			keep = append(keep, m)
		case r.Status == wire.StatusRejected:
			c.Local.Rejected = append(c.Local.Rejected, Rejected{Mutation: m, Code: r.Code, Message: r.Message, Field: r.Field})
		}
	}
	if len(keep) == len(c.Local.Outbox) && len(keep) > 0 && !pipelined {
		return gap, fmt.Errorf("push made no progress: the server expects seq %d next (first pending %d, results %+v)", resp.LastSeq+1, c.Local.Outbox[0].Seq, resp.Results)
	}
	c.Local.Outbox = keep
	return gap, nil
}

// Sync pushes the outbox, then pulls a round (and a second one when a checksum failed, to repair it).
func (c *Client) Sync(ctx context.Context) error {
	if _, err := c.Push(ctx); err != nil {
		return err
	}
	st, err := c.Pull(ctx)
	if err != nil {
		return err
	}
	if len(st.Mismatch) > 0 {
		_, err = c.Pull(ctx)
	}
	return err
}

// Field returns the JSON value of field in the synced row, or nil.
func (r *Row) Field(field string) json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &obj); err != nil {
		return nil
	}
	return obj[field]
}
