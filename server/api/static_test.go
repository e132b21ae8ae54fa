package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/chibo-vn/chibo/server/api"
)

func TestStatic(t *testing.T) {
	w := newWorld(t)
	app := fstest.MapFS{
		"index.html":              {Data: []byte("<!doctype html><title>Chibo</title>")},
		"sw.js":                   {Data: []byte("self.addEventListener('fetch', () => {});")},
		"manifest.webmanifest":    {Data: []byte(`{"name":"Chibo"}`)},
		"assets/main-ABCD1234.js": {Data: []byte("console.log(1)")},
		"icons/192.png":           {Data: []byte("\x89PNG")},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(w.db, w.tokens, log, api.Config{PublicURL: "http://localhost", App: app}).Handler())
	t.Cleanup(srv.Close)

	get := func(method, path, ifNoneMatch string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tests := []struct {
		path, ctype, cache, body string
	}{
		{"/", "text/html; charset=utf-8", "no-cache", "<!doctype html><title>Chibo</title>"},
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache", "self.addEventListener('fetch', () => {});"},
		{"/manifest.webmanifest", "application/manifest+json", "public, max-age=86400", `{"name":"Chibo"}`},
		{"/assets/main-ABCD1234.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1)"},
		{"/icons/192.png", "image/png", "public, max-age=86400", "\x89PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(http.MethodGet, tt.path, "")
			if resp.StatusCode != http.StatusOK || body != tt.body {
				t.Fatalf("GET %s = %d %q", tt.path, resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			resp, body = get(http.MethodGet, tt.path, `W/"other", `+etag)
			if resp.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("revalidation = %d %q, want 304 and no body", resp.StatusCode, body)
			}
			resp, body = get(http.MethodHead, tt.path, "")
			if resp.StatusCode != http.StatusOK || body != "" || resp.Header.Get("ETag") != etag {
				t.Errorf("HEAD = %d %q etag %q", resp.StatusCode, body, resp.Header.Get("ETag"))
			}
		})
	}
	for _, path := range []string{"/assets/missing.js", "/assets/../index.html", "/icons/%2e%2e/sw.js"} {
		if resp, _ := get(http.MethodGet, path, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}
