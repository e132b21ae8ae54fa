package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/wire"
)

// The tests of this file read protocol 2 as sync/PROTOCOL.md ("Protocol 2") describes it, with their own decoder
// over plain JSON values, not the wire package's: what a client written from the document alone would do.

// docNS is the namespace of the protocol's name-based ids, as PROTOCOL.md gives it.
var docNS = uuid.MustParse("3a1d4e2c-7b9f-5c60-8e41-2f6a9d0b7c15")

// docOp is a version 1 op as plain JSON values.
type docOp map[string]any

// docRuns reads a version 2 page's runs back into version 1 ops, by the document's rules.
func docRuns(t *testing.T, page map[string]any) []docOp {
	t.Helper()
	if _, ok := page["ops"]; ok {
		t.Fatal("a protocol 2 page has ops")
	}
	var out []docOp
	runs, _ := page["runs"].([]any)
	for _, r := range runs {
		run := r.(map[string]any)
		for k := range run {
			if !strings.Contains(" op t c s p m v same cols rows ", " "+k+" ") {
				t.Errorf("a run has the undocumented key %q", k)
			}
		}
		cols, _ := run["cols"].([]any)
		same, _ := run["same"].(map[string]any)
		for _, rr := range run["rows"].([]any) {
			row := rr.([]any)
			op := docOp{"op": run["op"], "t": run["t"], "c": run["c"], "s": run["s"], "p": run["p"], "m": run["m"]}
			i := 1
			if v, ok := run["v"]; ok {
				op["v"] = v
			} else {
				op["v"], i = row[1], 2
			}
			if len(row) != i+len(cols) {
				t.Fatalf("row %v: %d values for %d cols", row, len(row)-i, len(cols))
			}
			if run["op"] == "put" {
				d := map[string]any{}
				for f, v := range same {
					d[f] = v
				}
				for c, f := range cols {
					d[f.(string)] = row[i+c]
				}
				id := row[0]
				if id == nil {
					switch run["t"] {
					case "attendance":
						id = uuid.NewSHA1(docNS, []byte(fmt.Sprint("attendance:", d["meeting_id"], ":", d["member_id"]))).String()
					case "visit_reports":
						id = uuid.NewSHA1(docNS, []byte(fmt.Sprint("report:", d["meeting_id"], ":", d["official_id"]))).String()
					default:
						t.Fatalf("a null id in a run of %v", run["t"])
					}
				}
				if _, ok := d["id"]; !ok {
					d["id"] = id
				}
				if _, ok := d["version"]; !ok {
					d["version"] = op["v"]
				}
				op["d"] = d
				op["id"] = id
			} else {
				op["id"] = row[0]
			}
			out = append(out, op)
		}
	}
	return out
}

// rawPage posts a pull request of its own JSON and returns the answer as plain JSON values.
func (h *harness) rawPage(user string, req map[string]any) map[string]any {
	h.t.Helper()
	body, _ := json.Marshal(req)
	r, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/sync/pull", bytes.NewReader(body))
	tok, _ := h.issue(h.users[user].ID)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("pull: %d %s", resp.StatusCode, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// v1Ops returns a version 1 page's ops as plain JSON values, p and m filled in as the document says when left out.
func v1Ops(page map[string]any) []docOp {
	var out []docOp
	ops, _ := page["ops"].([]any)
	for _, o := range ops {
		op := docOp(o.(map[string]any))
		out = append(out, op)
	}
	return out
}

// normal turns an op into a comparable string: empty p and m as absent.
func normal(op docOp) string {
	c := docOp{}
	for k, v := range op {
		if (k == "p" || k == "m") && (v == nil || v == "") {
			continue
		}
		c[k] = v
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// TestProtocol2PagesAreTheSameOps: from the same cursor, a version 2 round read by the document's rules gives the
// very ops of a version 1 round, page by page (a first sync's snapshot, then changes: marks changed, cleared,
// meetings of several months, attendance of members of other cells), and the answers say which version they are.
func TestProtocol2PagesAreTheSameOps(t *testing.T) {
	h := newHarness(t)
	h.bigCell(30, 4)
	round := func(extra map[string]any, cursor string) (ops []string, last string) {
		for {
			req := map[string]any{"cursor": cursor, "limit": 50}
			for k, v := range extra {
				req[k] = v
			}
			page := h.rawPage("off1", req)
			want := float64(1)
			if extra["protocol"] != nil {
				want = 2
			}
			if page["protocol"] != want {
				t.Fatalf("asked %v, answered in protocol %v", extra["protocol"], page["protocol"])
			}
			var got []docOp
			if want == 2 {
				got = docRuns(t, page)
			} else {
				got = v1Ops(page)
			}
			for _, op := range got {
				ops = append(ops, normal(op))
			}
			cursor = page["cursor"].(string)
			if page["has_more"] != true {
				return ops, cursor
			}
		}
	}
	v2 := map[string]any{"protocol": 2, "client_id": uuid.NewString()}
	one, c1 := round(nil, "")
	two, c2 := round(v2, "")
	if len(one) < 150 || !reflect.DeepEqual(one, two) {
		t.Fatalf("first sync: protocol 1 sent %d ops, protocol 2 %d; they differ", len(one), len(two))
	}
	// Changes by another device: a mark changed, one cleared, a new meeting with its attendance.
	other := h.device("off2")
	pull(t, other)
	atts := other.Local.Table("attendance")
	other.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: atts[0].ID, BaseVersion: atts[0].Version,
		Fields: fields("status", "excused", "reason", "Ốm")})
	other.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutDelete, RowID: atts[1].ID, BaseVersion: atts[1].Version})
	h.recordMeetings(other, 2, 3)
	push(t, other)
	h.waitHorizon()
	one, _ = round(nil, c1)
	two, _ = round(v2, c2)
	sort.Strings(one) // the same ops; compare as sets, then order per row below
	sorted := append([]string(nil), two...)
	sort.Strings(sorted)
	if len(one) < 60 || !reflect.DeepEqual(one, sorted) {
		t.Fatalf("changes: protocol 1 sent %d ops, protocol 2 %d; they differ", len(one), len(two))
	}
}

// TestProtocol2Examples: the version 2 examples of PROTOCOL.md read as the document says, and a real answer
// has the documented keys.
func TestProtocol2Examples(t *testing.T) {
	ex := docExamples(t)
	for _, name := range []string{"pull-request-v2", "pull-response-v2", "push-response-v2"} {
		if ex[name] == nil {
			t.Fatalf("PROTOCOL.md has no example %q", name)
		}
	}
	var page map[string]any
	_ = json.Unmarshal(ex["pull-response-v2"], &page)
	ops := docRuns(t, page)
	if len(ops) != 2 || ops[0]["op"] != "put" || ops[1]["op"] != "del" {
		t.Fatalf("the example's runs read as %v", ops)
	}
	d := ops[0]["d"].(map[string]any)
	if want := uuid.NewSHA1(docNS, []byte("attendance:<meeting id>:<member id>")).String(); ops[0]["id"] != want || d["id"] != want || d["version"] != float64(48213) {
		t.Errorf("the example's first row reads as %v", ops[0])
	}
	// The document's version 1 answer holds the same ops.
	var v1 map[string]any
	_ = json.Unmarshal(ex["pull-response"], &v1)
	want := v1Ops(v1)
	want[0]["id"], want[0]["d"].(map[string]any)["id"] = ops[0]["id"], ops[0]["id"] // the example's placeholder id
	for i := range want {
		if normal(want[i]) != normal(ops[i]) {
			t.Errorf("op %d: version 1 example %s, version 2 example %s", i, normal(want[i]), normal(ops[i]))
		}
	}
	// A real version 2 answer has the documented top-level keys, and a push answer's own the documented ones.
	h := newHarness(t)
	var req map[string]any
	_ = json.Unmarshal(ex["pull-request-v2"], &req)
	req["cursor"] = ""
	real := h.rawPage("off1", req)
	for k := range real {
		if _, ok := page[k]; !ok && k != "retry_after_ms" {
			t.Errorf("the server's version 2 answer has the undocumented key %q", k)
		}
	}
	for k := range page {
		if _, ok := real[k]; !ok && k != "checksums" {
			t.Errorf("the server's version 2 answer lacks the documented key %q", k)
		}
	}
	c := h.device("off1")
	pull(t, c)
	h.recordMeetings(c, 1, 2)
	for _, r := range push(t, c).Results {
		if r.Own == nil {
			t.Fatalf("result %+v: no own", r)
		}
		b, _ := json.Marshal(r.Own)
		var own map[string]any
		_ = json.Unmarshal(b, &own)
		for k := range own {
			if !strings.Contains(" op c s p m d ", " "+k+" ") {
				t.Errorf("own has the undocumented key %q", k)
			}
		}
	}
}
