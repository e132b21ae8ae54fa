package files

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLateReadDeadlineSparesTheNextRequest: tusd interrupts an upload by setting the connection's read deadline to
// now. When that comes after the request's body has all arrived, net/http is already reading ahead for the next
// request on the kept-alive connection, and the next request starts with a canceled context. Through tusWriter the
// deadline is dropped; the bare writer shows the harm, so the test can tell the two apart.
func TestLateReadDeadlineSparesTheNextRequest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		guarded  bool
		canceled bool
	}{
		{"through tusWriter", true, false},
		{"bare writer", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nextCanceled := make(chan bool, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					time.Sleep(50 * time.Millisecond) // as long as a download takes to start
					nextCanceled <- r.Context().Err() != nil
					return
				}
				var rw http.ResponseWriter = w
				if tc.guarded {
					tw := newTusWriter(w, r)
					defer tw.end()
					rw = tw
				}
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					t.Errorf("body: %v", err)
				}
				// tusd's goroutine closing the body of an upload another request took the lock of, late.
				time.Sleep(20 * time.Millisecond)
				_ = http.NewResponseController(rw).SetReadDeadline(time.Now())
				time.Sleep(20 * time.Millisecond)
				rw.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			client := srv.Client()
			resp, err := client.Post(srv.URL, "application/offset+octet-stream", bytes.NewReader([]byte(strings.Repeat("x", 1000))))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			resp, err = client.Get(srv.URL) // the same kept-alive connection
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := <-nextCanceled; got != tc.canceled {
				t.Errorf("the next request's context canceled: %v, want %v", got, tc.canceled)
			}
		})
	}
}
