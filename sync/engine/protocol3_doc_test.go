package engine_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The tests of this file read protocol 3 as sync/PROTOCOL.md ("Protocol 3") describes it, over plain JSON values.

// docCarry gives each own of op put without "c" the bucket of the own of op put before it, by the document's rule,
// and returns the owns of the answer in order (nil for a result without one).
func docCarry(t *testing.T, answer []byte) []map[string]any {
	t.Helper()
	var resp struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(answer, &resp); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var last map[string]any
	for _, r := range resp.Results {
		own, _ := r["own"].(map[string]any)
		out = append(out, own)
		if own == nil || own["op"] != "put" {
			continue
		}
		if _, ok := own["c"]; !ok && last != nil {
			for _, k := range []string{"c", "s", "p", "m"} {
				if v, ok := last[k]; ok {
					own[k] = v
				}
			}
		}
		last = own
	}
	return out
}

// answerTap keeps the last push answer's body, as it came (gunzipped).
type answerTap struct{ last []byte }

func (a *answerTap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.URL.Path != "/api/v1/sync/push" {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	a.last = b
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if a.last, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// TestProtocol3Examples: the document's version 3 push answer reads, by its rule, as one bucket for both marks;
// and the server's answers to the same push of a meeting and its marks, from a version 2 and a version 3 device,
// hold the same owns read that way, version 3 writing the bucket once, the marks' results in less than half the bytes. The version 3
// device then holds the rows a pull gives a fresh device.
func TestProtocol3Examples(t *testing.T) {
	ex := docExamples(t)
	if ex["push-response-v3"] == nil {
		t.Fatal(`PROTOCOL.md has no example "push-response-v3"`)
	}
	owns := docCarry(t, ex["push-response-v3"])
	if len(owns) != 2 || owns[1]["c"] != owns[0]["c"] || owns[1]["s"] != owns[0]["s"] || owns[1]["p"] != owns[0]["p"] || owns[1]["m"] != owns[0]["m"] {
		t.Fatalf("the example's owns read as %v", owns)
	}

	h := newHarness(t)
	h.assign("off1", "A")
	answers := map[int][]byte{}
	for _, protocol := range []int{2, 3} {
		c := h.device("off1")
		c.Protocol = protocol
		tap := &answerTap{}
		c.HTTP = &http.Client{Transport: tap}
		pull(t, c)
		h.recordMeetings(c, 1, 3+protocol)
		push(t, c)
		answers[protocol] = tap.last
		if protocol == 3 {
			fresh := h.device("off1")
			pull(t, fresh)
			pull(t, c)
			sameRows(t, c, fresh)
		}
	}
	v2, v3 := docCarry(t, answers[2]), docCarry(t, answers[3])
	if len(v2) != len(v3) || len(v3) < 3 {
		t.Fatalf("%d owns in version 2, %d in version 3", len(v2), len(v3))
	}
	if n := strings.Count(string(answers[3]), `"c":`); n != 1 {
		t.Errorf("the version 3 answer writes %d buckets for one meeting and its marks, want 1", n)
	}
	for i := range v3 {
		for _, k := range []string{"op", "c", "s", "p", "m"} {
			if v2[i][k] != v3[i][k] {
				t.Errorf("own %d: %s is %v in version 2, %v in version 3 (read by the document)", i, k, v2[i][k], v3[i][k])
			}
		}
	}
	// The marks' results, as written: under half their version 2 size.
	marks := map[int]int{}
	for _, protocol := range []int{2, 3} {
		var resp struct{ Results []json.RawMessage }
		if err := json.Unmarshal(answers[protocol], &resp); err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Results[1:] {
			marks[protocol] += len(r)
		}
	}
	if marks[3]*2 >= marks[2] {
		t.Errorf("the marks' results take %d bytes in version 3, %d in version 2: want under half", marks[3], marks[2])
	}
	t.Logf("the answer to a push of a meeting and its %d marks: %d bytes in version 2, %d in version 3 (the marks' results %d and %d)",
		len(v3)-1, len(answers[2]), len(answers[3]), marks[2], marks[3])
}
