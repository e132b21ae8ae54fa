package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
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

// TestAPIAndPushRefuseAlike checks that a recommendation's addressee text one character too long is refused the
// same way whether a supervisor forwards it through the API or an official raises it through a push: both run
// the model's one Normalize.
func TestAPIAndPushRefuseAlike(t *testing.T) {
	w := newWorld(t)
	long := strings.Repeat("ý", 301)
	r := w.do(http.MethodPost, "/api/v1/recommendations/"+w.recA.ID+"/forward", "sup1", map[string]any{
		"addressee_org_unit_id": w.c1.ID, "addressee_text": long, "due_on": domain.DateOf(time.Now()).AddDays(30)})
	var apiErr struct{ Code, Message, Field string }
	r.json(t, &apiErr)
	if r.status != http.StatusBadRequest || apiErr.Field != "addressee_text" {
		t.Fatalf("API: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodPost, "/api/v1/sync/push", "off1", wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{{
		Seq: 1, Table: "recommendations", Op: wire.MutUpsert, RowID: uuid.NewString(),
		Fields: map[string]json.RawMessage{"cell_id": jsonOf(t, w.cellA.ID), "content": jsonOf(t, "Đề nghị"), "addressee_text": jsonOf(t, long)},
	}}})
	var push wire.PushResponse
	r.json(t, &push)
	if r.status != http.StatusOK || len(push.Results) != 1 {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	got := push.Results[0]
	if got.Status != wire.StatusRejected || got.Code != apiErr.Code || got.Field != apiErr.Field || got.Message != apiErr.Message {
		t.Errorf("the push refused with %+v, the API with %+v", got, apiErr)
	}
}

func jsonOf(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
