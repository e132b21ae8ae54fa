package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/api"
)

// A query parameter a route does not take is refused, not ignored: a misspelt filter would otherwise answer as if
// nothing were filtered (members?unit= lists every member the caller may read). So is one given twice that the
// route reads once (of limit=5&limit=50 only the first would count).
func TestUnknownQueryParameterIsRefused(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, path string
		status     int
		field      string
		message    []string // substrings of the message
	}{
		{"a filter another list takes", "/api/v1/members?unit=" + w.c1.ID, http.StatusBadRequest, "unit",
			[]string{"Tham số không được hỗ trợ ở địa chỉ này: unit", "cell_id", "under", "limit", "cursor"}},
		{"in English", "/api/v1/members?cell=" + w.cellA.ID + "&lang=en", http.StatusBadRequest, "cell",
			[]string{"Unknown query parameter: cell", "this address takes: cell_id, under, status, membership, q, limit, cursor, lang"}},
		{"beside known ones", "/api/v1/members?cell_id=" + w.cellA.ID + "&limit=5&sort=name", http.StatusBadRequest, "sort", nil},
		{"a list's paging on a route that has none", "/api/v1/me?limit=5", http.StatusBadRequest, "limit", nil},
		{"a page size given twice", "/api/v1/members?limit=5&limit=50", http.StatusBadRequest, "limit",
			[]string{"Tham số limit chỉ được ghi một lần."}},
		{"a filter given twice", "/api/v1/members?cell_id=" + w.cellA.ID + "&cell_id=" + w.cellB.ID + "&lang=en", http.StatusBadRequest,
			"cell_id", []string{"The query parameter cell_id may be given only once."}},
		{"a repeatable one, twice", "/api/v1/recommendations?status=new&status=forwarded", http.StatusOK, "", nil},
		{"the known ones", "/api/v1/members?cell_id=" + w.cellA.ID + "&limit=5&lang=en", http.StatusOK, "", nil},
		{"an empty pair", "/api/v1/members?cell_id=" + w.cellA.ID + "&&limit=5", http.StatusOK, "", nil},
		{"no query", "/api/v1/me", http.StatusOK, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(http.MethodGet, tc.path, "admin1", nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == http.StatusOK {
				return
			}
			var e api.ErrorBody
			r.json(t, &e)
			if e.Code != "invalid" || e.Field != tc.field {
				t.Errorf("code %q field %q, want invalid %q: %s", e.Code, e.Field, tc.field, r.body)
			}
			for _, s := range tc.message {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q lacks %q", e.Message, s)
				}
			}
		})
	}
}

// From the OpenAPI document alone: every GET route of the API without path parameters refuses a parameter the
// document does not list for it, and takes those it lists (with no value, which every filter reads as "no
// filter") without calling them unknown.
func TestDocumentedParametersAreTheOnesTaken(t *testing.T) {
	w := newWorld(t)
	r := w.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || !strings.HasPrefix(path, "/api/") || strings.Contains(path, "{") {
			continue
		}
		checked++
		var names []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		r := w.do(http.MethodGet, path+"?no_such_filter=1", "admin1", nil)
		var e api.ErrorBody
		if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &e) != nil || e.Field != "no_such_filter" {
			t.Errorf("GET %s?no_such_filter=1: %d %s; want 400 naming no_such_filter", path, r.status, r.body)
		}
		for _, n := range names {
			r := w.do(http.MethodGet, path+"?"+n+"=", "admin1", nil)
			var e api.ErrorBody
			if json.Unmarshal(r.body, &e) == nil && strings.Contains(e.Message, "Tham số không được hỗ trợ") {
				t.Errorf("GET %s?%s=: the documented parameter is called unknown: %s", path, n, r.body)
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked %d GET routes; the document lists more", checked)
	}
}
