package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPISyncSchemas: the sync endpoints' schemas say what the server sends: the push answer's results are
// the push results (not another package's type of the same Go name) with every key of one, and notes and scores
// are JSON objects, not strings.
func TestOpenAPISyncSchemas(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	ref := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["$ref"].(string)
		return strings.TrimPrefix(s, "#/components/schemas/")
	}
	var push struct {
		Responses map[string]struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/sync/push"]["post"], &push); err != nil {
		t.Fatal(err)
	}
	resp := ref(push.Responses["200"].Content["application/json"].Schema)
	results := schemas[resp].Properties["results"]
	result := ref(results["items"])
	var keys []string
	for k := range schemas[result].Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"code", "conflicts", "duplicate", "expected", "field", "id", "message", "own", "reason", "seq", "status", "version", "want"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("push result schema %q (-want +got):\n%s", result, diff)
	}
	for _, c := range []struct{ schema, field string }{{"Meeting", "notes"}, {"VisitReport", "notes"}, {"VisitReport", "scores"}} {
		got := schemas[c.schema].Properties[c.field]["type"]
		if !cmp.Equal(got, []any{"object", "null"}) {
			t.Errorf("%s.%s: type %v, want [object null]", c.schema, c.field, got)
		}
	}
}
