package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chibo-vn/chibo/server/api"
)

// TestMetricsAreNotPublic: /metrics on the main listener opens only to the metrics token and otherwise answers as
// an unknown address does; the metrics handler of a listener of its own serves /metrics without a token and
// nothing else.
func TestMetricsAreNotPublic(t *testing.T) {
	w := newWorld(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	noToken := httptest.NewServer(api.New(w.db, w.tokens, log, api.Config{Argon2: cheap}).Handler())
	t.Cleanup(noToken.Close)
	own := httptest.NewServer(w.api.MetricsHandler())
	t.Cleanup(own.Close)
	w.do(http.MethodGet, "/api/v1/me", "", nil) // a request the metrics count

	tests := []struct {
		name, base, path, auth string
		want                   int
	}{
		{"main listener, no token configured", noToken.URL, "/metrics", "", http.StatusNotFound},
		{"main listener, no token configured, a bearer sent", noToken.URL, "/metrics", "Bearer ", http.StatusNotFound},
		{"main listener, no token sent", w.srv.URL, "/metrics", "", http.StatusNotFound},
		{"main listener, wrong token", w.srv.URL, "/metrics", "Bearer " + testMetricsToken + "x", http.StatusNotFound},
		{"main listener, token without Bearer", w.srv.URL, "/metrics", testMetricsToken, http.StatusNotFound},
		{"main listener, a user's access token", w.srv.URL, "/metrics", "Bearer " + w.token("root"), http.StatusNotFound},
		{"main listener, right token", w.srv.URL, "/metrics", "Bearer " + testMetricsToken, http.StatusOK},
		{"own listener", own.URL, "/metrics", "", http.StatusOK},
		{"own listener, another address", own.URL, "/api/v1/me", "", http.StatusNotFound},
		{"own listener, health stays on the main one", own.URL, "/healthz", "", http.StatusNotFound},
		{"main listener, health stays public", w.srv.URL, "/healthz", "", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tc.base+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.want, body)
			}
			r := response{status: resp.StatusCode, header: resp.Header, body: body}
			switch {
			case tc.want == http.StatusNotFound:
				if code := r.errorCode(t); code != "not_found" {
					t.Errorf("error code %q, want not_found", code)
				}
				if strings.Contains(string(body), "chibo_") {
					t.Errorf("a refused answer carries metrics: %.300s", body)
				}
			case tc.path == "/metrics":
				if !strings.Contains(string(body), `chibo_http_requests_total{method="GET",route="/api/v1/me",status="401"}`) {
					t.Errorf("metrics without the request counted: %.500s", body)
				}
			}
		})
	}
}

// TestGzip: the app's files and the sync responses are compressed for clients that accept gzip, once they are
// large enough to gain; small ones, errors and 304s go out as they are; every answer of those routes varies on
// Accept-Encoding.
func TestGzip(t *testing.T) {
	w := newWorld(t)
	big := bytes.Repeat([]byte("self.addEventListener('fetch', () => {});\n"), 200) // 8.6 KB
	app := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Chibo</title>")}, "sw.js": {Data: big}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(w.db, w.tokens, log, api.Config{Argon2: cheap, App: app}).Handler())
	t.Cleanup(srv.Close)
	get := func(method, path string, headers ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	tests := []struct {
		name, method, path string
		headers            []string
		status             int
		gzipped            bool
		plain              []byte // the body once decompressed (nil: not checked)
	}{
		{"large, gzip accepted", http.MethodGet, "/sw.js", []string{"Accept-Encoding", "gzip, deflate, br"}, 200, true, big},
		{"large, gzip not accepted", http.MethodGet, "/sw.js", nil, 200, false, big},
		{"large, identity only", http.MethodGet, "/sw.js", []string{"Accept-Encoding", "identity"}, 200, false, big},
		{"small, gzip accepted", http.MethodGet, "/", []string{"Accept-Encoding", "gzip"}, 200, false, app["index.html"].Data},
		{"not modified", http.MethodGet, "/sw.js", []string{"Accept-Encoding", "gzip", "If-None-Match", "*"}, 304, false, []byte{}},
		{"an error", http.MethodPost, "/api/v1/sync/pull", []string{"Accept-Encoding", "gzip"}, 401, false, nil},
		{"HEAD", http.MethodHead, "/sw.js", []string{"Accept-Encoding", "gzip"}, 200, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(tc.method, tc.path, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzipped {
				t.Errorf("Content-Encoding %q, want gzip: %v", resp.Header.Get("Content-Encoding"), tc.gzipped)
			}
			if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Values("Vary"))
			}
			if tc.gzipped && tc.method == http.MethodGet {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tc.plain != nil && !bytes.Equal(body, tc.plain) {
				t.Errorf("body %d bytes %.80q, want %d bytes", len(body), body, len(tc.plain))
			}
			if tc.status == 401 {
				r := response{status: resp.StatusCode, body: body}
				if code := r.errorCode(t); code != "unauthorized" {
					t.Errorf("error code %q", code)
				}
			}
		})
	}
}
