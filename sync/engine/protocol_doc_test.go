package engine_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/wire"
)

// docExamples returns the JSON examples of sync/PROTOCOL.md by name (the `<!-- example: name -->` comment before
// each block), checking every JSON block of the document is named and parses.
func docExamples(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)(<!-- example: ([a-z0-9-]+) -->\\n)?```json\\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	out := map[string]json.RawMessage{}
	for _, m := range blocks {
		if m[2] == "" {
			t.Errorf("a JSON block of PROTOCOL.md has no example name: %.80s", m[3])
			continue
		}
		if !json.Valid([]byte(m[3])) {
			t.Errorf("example %s is not valid JSON", m[2])
			continue
		}
		out[m[2]] = json.RawMessage(m[3])
	}
	return out
}

// sameShape reports where got differs in shape from the documented example doc: an object must have exactly the
// documented keys, each value of the documented JSON type; arrays are compared element by element, each
// documented element with the real one picked by match (same "op" and "t", same "kind", or the same index).
func sameShape(path string, doc, got any) []string {
	kind := func(v any) string {
		switch v.(type) {
		case map[string]any:
			return "object"
		case []any:
			return "array"
		case string:
			return "string"
		case float64:
			return "number"
		case bool:
			return "boolean"
		}
		return "null"
	}
	if kind(doc) != kind(got) {
		return []string{fmt.Sprintf("%s: documented %s, server sends %s", path, kind(doc), kind(got))}
	}
	var diffs []string
	switch d := doc.(type) {
	case map[string]any:
		g := got.(map[string]any)
		var keys []string
		for k := range d {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := d[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: sent by the server, not documented", path, k))
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: documented, not sent by the server", path, k))
				continue
			}
			diffs = append(diffs, sameShape(path+"."+k, d[k], gv)...)
		}
	case []any:
		g := got.([]any)
		for i, de := range d {
			var match any
			for j, ge := range g {
				dm, _ := de.(map[string]any)
				gm, _ := ge.(map[string]any)
				switch {
				case dm != nil && dm["op"] != nil:
					if gm["op"] == dm["op"] && gm["t"] == dm["t"] {
						match = ge
					}
				case dm != nil && dm["kind"] != nil:
					if gm["kind"] == dm["kind"] {
						match = ge
					}
				case j == i:
					match = ge
				}
				if match != nil {
					break
				}
			}
			if match == nil {
				diffs = append(diffs, fmt.Sprintf("%s[%d]: documented, no such element in the server's answer", path, i))
				continue
			}
			diffs = append(diffs, sameShape(fmt.Sprintf("%s[%d]", path, i), de, match)...)
		}
	}
	return diffs
}

// sameValues checks the documented values of the given keys in each element of results against the server's.
func sameValues(t *testing.T, name string, doc, got json.RawMessage, keys ...string) {
	t.Helper()
	var d, g struct{ Results []map[string]any }
	_ = json.Unmarshal(doc, &d)
	_ = json.Unmarshal(got, &g)
	if len(d.Results) != len(g.Results) {
		t.Fatalf("%s: %d results documented, %d sent", name, len(d.Results), len(g.Results))
	}
	for i := range d.Results {
		for _, k := range keys {
			if fmt.Sprint(d.Results[i][k]) != fmt.Sprint(g.Results[i][k]) {
				t.Errorf("%s: results[%d].%s documented %v, server sends %v", name, i, k, d.Results[i][k], g.Results[i][k])
			}
		}
	}
}

func checkShape(t *testing.T, name string, doc json.RawMessage, got any) {
	t.Helper()
	var d, g any
	b, _ := json.Marshal(got)
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(b, &g)
	for _, diff := range sameShape(name, d, g) {
		t.Error(diff)
	}
}

// TestProtocolExamplesMatchTheServer sends every request example of sync/PROTOCOL.md to a real server, real ids
// put in for the placeholders, and checks the answers have exactly the documented keys, of the documented types
// (and, for push results, the documented statuses, codes, fields and conflicts).
func TestProtocolExamplesMatchTheServer(t *testing.T) {
	h := newHarness(t)
	ex := docExamples(t)
	for _, name := range []string{"pull-request", "pull-response", "push-request", "push-response", "push-resend-response", "push-gap-response"} {
		if ex[name] == nil {
			t.Fatalf("PROTOCOL.md has no example %q", name)
		}
	}
	a := h.device("off1")
	other := h.device("off2")
	pull(t, a)
	pull(t, other)
	meeting := a.Local.Row("meetings", h.meeting.ID)
	// What the pull example shows: one mark changed, another cleared, since the device's last round.
	att := func(i int) *wire.Mutation {
		id := wire.AttendanceID(h.meeting.ID, h.members["A"][i].ID)
		r := a.Local.Row("attendance", id)
		return &wire.Mutation{Table: "attendance", RowID: id, BaseVersion: r.Version}
	}
	changed, cleared := att(2), att(3)
	changed.Op, changed.Fields = wire.MutUpsert, fields("status", "excused", "reason", "Ốm")
	cleared.Op = wire.MutDelete
	other.Mutate(*changed)
	other.Mutate(*cleared)
	push(t, other)
	h.waitHorizon()

	// Pull.
	var preq wire.PullRequest
	if err := json.Unmarshal(ex["pull-request"], &preq); err != nil {
		t.Fatalf("pull-request: %v", err)
	}
	preq.Cursor = a.Local.Cursor
	pr := h.rawPull("off1", preq)
	checkShape(t, "pull-response", ex["pull-response"], pr)

	// Push: the notes were changed by another device since the version the example's device saw.
	other.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: h.meeting.ID, BaseVersion: meeting.Version,
		Fields: fields("notes", map[string]any{"items": []any{map[string]any{"key": "opening", "text": "Máy khác"}}}),
		Base:   map[string]json.RawMessage{"notes": meeting.Field("notes")}})
	push(t, other)
	body := string(ex["push-request"])
	strange := h.members["B"][0].ID
	for placeholder, v := range map[string]string{
		"<new meeting id>": uuid.NewString(),
		"<cell id>":        h.cells["A"].ID,
		"<meeting id>":     h.meeting.ID,
		"<attendance id of another cell's member>": wire.AttendanceID(h.meeting.ID, strange),
		"<member of another cell>":                 strange,
		"<attendance id>":                          wire.AttendanceID(h.meeting.ID, h.members["A"][0].ID),
	} {
		body = strings.ReplaceAll(body, placeholder, v)
	}
	if strings.Contains(body, "<") {
		t.Fatalf("push-request: a placeholder is left: %s", body)
	}
	var req wire.PushRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("push-request: %v", err)
	}
	req.ClientID = uuid.NewString()
	for i := range req.Mutations {
		if req.Mutations[i].BaseVersion != 0 {
			req.Mutations[i].BaseVersion = meeting.Version // the version the device saw
		}
	}
	first := h.rawPush("off1", req)
	checkShape(t, "push-response", ex["push-response"], first)
	got, _ := json.Marshal(first)
	sameValues(t, "push-response", ex["push-response"], got, "seq", "id", "status", "code", "field", "conflicts", "duplicate")

	again := h.rawPush("off1", req)
	checkShape(t, "push-resend-response", ex["push-resend-response"], again)
	got, _ = json.Marshal(again)
	sameValues(t, "push-resend-response", ex["push-resend-response"], got, "seq", "id", "status", "code", "field", "conflicts", "duplicate")
	for i := range first.Results {
		if again.Results[i].Version != first.Results[i].Version {
			t.Errorf("resent seq %d: version %d, first %d", again.Results[i].Seq, again.Results[i].Version, first.Results[i].Version)
		}
	}

	var gapDoc wire.PushResponse
	if err := json.Unmarshal(ex["push-gap-response"], &gapDoc); err != nil {
		t.Fatal(err)
	}
	var gapReq wire.PushRequest
	gapReq.ClientID = req.ClientID
	for _, r := range gapDoc.Results {
		gapReq.Mutations = append(gapReq.Mutations, wire.Mutation{Seq: r.Seq + first.LastSeq - gapDoc.LastSeq, Table: "meetings",
			Op: wire.MutUpsert, RowID: h.meeting.ID, Fields: fields("topic", "x")})
	}
	gap := h.rawPush("off1", gapReq)
	checkShape(t, "push-gap-response", ex["push-gap-response"], gap)
	got, _ = json.Marshal(gap)
	sameValues(t, "push-gap-response", ex["push-gap-response"], got, "status")
}
