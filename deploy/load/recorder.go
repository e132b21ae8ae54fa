package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// idSegment matches a path segment that names a record (a UUID or a number), so that /meetings/<id> and
// /meetings/<other id> count as one endpoint.
var idSegment = regexp.MustCompile(`/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]+)(/|$)`)

// endpointOf names the endpoint of a request: its method and path, ids replaced by :id, the query left out.
func endpointOf(method, path string) string {
	for {
		p := idSegment.ReplaceAllString(path, "/:id$2")
		if p == path {
			return method + " " + p
		}
		path = p
	}
}

// refusal says whether a status the server answered on an endpoint is a refusal the protocol expects and a
// client handles without losing anything: a pull answered 409 while the epoch changes (the round starts again).
func refusal(endpoint string, status int) bool {
	return strings.HasPrefix(endpoint, "POST /api/v1/sync/pull") && status == http.StatusConflict
}

// sample is one request's outcome.
type sample struct {
	ms     float32
	status int // 0: transport error
}

// Recorder keeps every request's latency and outcome per endpoint. It is an http.RoundTripper wrapping another,
// so the sync client, the logins and the supervisors' reads are all measured at the same place.
type Recorder struct {
	Next http.RoundTripper

	mu        sync.Mutex
	endpoints map[string][]sample
	errors    []string // the first few, for the report
	nErrors   int
}

// NewRecorder measures the requests next sends.
func NewRecorder(next http.RoundTripper) *Recorder {
	return &Recorder{Next: next, endpoints: map[string][]sample{}}
}

// RoundTrip sends the request and records its status and how long the whole answer took: the time runs until
// its body is read to the end or closed, so a large coverage report or pull page counts whole.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ep := endpointOf(req.Method, req.URL.Path)
	if phase, ok := req.Context().Value(phaseKey{}).(string); ok {
		ep += " (" + phase + ")"
	}
	start := time.Now()
	resp, err := r.Next.RoundTrip(req)
	if err != nil {
		r.add(ep, sample{ms: float32(time.Since(start).Seconds() * 1000)}, err)
		return resp, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() {
		r.add(ep, sample{ms: float32(time.Since(start).Seconds() * 1000), status: resp.StatusCode}, nil)
	}}
	return resp, nil
}

// timedBody calls done once, when the body reaches its end or is closed.
type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

func (r *Recorder) add(ep string, s sample, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endpoints[ep] = append(r.endpoints[ep], s)
	bad := s.status == 0 || (s.status >= 300 && !refusal(ep, s.status))
	if !bad {
		return
	}
	r.nErrors++
	if len(r.errors) < 20 {
		msg := fmt.Sprintf("%s: status %d", ep, s.status)
		if err != nil {
			msg = fmt.Sprintf("%s: %v", ep, err)
		}
		r.errors = append(r.errors, msg)
	}
}

// Fail records an error the client saw outside an HTTP status (a push that made no progress, an answer that
// could not be decoded).
func (r *Recorder) Fail(what string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nErrors++
	if len(r.errors) < 20 {
		r.errors = append(r.errors, fmt.Sprintf("%s: %v", what, err))
	}
}

// EndpointStats are one endpoint's figures.
type EndpointStats struct {
	Count    int         `json:"count"`
	Errors   int         `json:"errors"`
	Refusals int         `json:"refusals"`
	P50      float64     `json:"p50_ms"`
	P95      float64     `json:"p95_ms"`
	P99      float64     `json:"p99_ms"`
	Max      float64     `json:"max_ms"`
	Status   map[int]int `json:"status"`
	PerSec   float64     `json:"per_second"`
}

// Stats returns the figures per endpoint over a run of the given length, the error count and the first errors.
func (r *Recorder) Stats(over time.Duration) (map[string]EndpointStats, int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]EndpointStats{}
	for ep, ss := range r.endpoints {
		st := EndpointStats{Count: len(ss), Status: map[int]int{}}
		ms := make([]float64, 0, len(ss))
		for _, s := range ss {
			st.Status[s.status]++
			switch {
			case s.status == 0 || (s.status >= 300 && !refusal(ep, s.status)):
				st.Errors++
			case s.status >= 300:
				st.Refusals++
			}
			ms = append(ms, float64(s.ms))
		}
		sort.Float64s(ms)
		st.P50, st.P95, st.P99 = percentile(ms, 50), percentile(ms, 95), percentile(ms, 99)
		st.Max = percentile(ms, 100)
		if over > 0 {
			st.PerSec = round2(float64(len(ss)) / over.Seconds())
		}
		out[ep] = st
	}
	return out, r.nErrors, slices.Clone(r.errors)
}

// percentile returns the p-th percentile (nearest rank) of sorted values, rounded to 0.01 ms.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return round2(sorted[rank])
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
