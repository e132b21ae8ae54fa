package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/store"
)

// TestOpenAPIDescribesSyncedTables checks the OpenAPI document gives, for every table of the sync registry, the
// schema of the rows a pull sends, with every JSON field of the table's model.
func TestOpenAPIDescribesSyncedTables(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	var doc struct {
		Synced     map[string]map[string]any `json:"x-sync-tables"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tb := range store.Tables() {
		ref, _ := doc.Synced[tb.Name]["$ref"].(string)
		if !strings.HasPrefix(ref, "#/components/schemas/") {
			t.Errorf("%s: no schema in x-sync-tables", tb.Name)
			continue
		}
		schema, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			t.Errorf("%s: %s is not a component", tb.Name, ref)
			continue
		}
		var got []string
		for p := range schema.Properties {
			got = append(got, p)
		}
		want := jsonNames(reflect.TypeOf(tb.New()).Elem())
		sort.Strings(got)
		sort.Strings(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (%s): schema properties (+) and JSON fields (-) differ:\n%s", tb.Name, reflect.TypeOf(tb.New()).Elem().Name(), diff)
		}
	}
	if len(doc.Synced) != len(store.Tables()) {
		t.Errorf("x-sync-tables has %d tables, the registry %d", len(doc.Synced), len(store.Tables()))
	}
}

// jsonNames returns the JSON names of struct t's fields, embedded structs flattened.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			out = append(out, jsonNames(f.Type)...)
		case name != "-" && name != "" && f.IsExported():
			out = append(out, name)
		}
	}
	return out
}
