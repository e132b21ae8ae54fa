package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// openapiDoc builds the OpenAPI 3.1 document from the route table; schemas come from the Go types by reflection,
// so they say what the handlers really read and write.
type openapiDoc struct {
	schemas map[string]any
	// seen are the struct types met under each Go name; ambiguous names (two packages' types called Result) are
	// qualified with the package name in the document (see nameOf).
	seen      map[string]map[reflect.Type]bool
	ambiguous map[string]bool
}

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// OpenAPI returns the OpenAPI 3.1 document of the server as JSON.
func (s *Server) OpenAPI() ([]byte, error) {
	s.docOnce.Do(func() { s.doc, s.docErr = s.buildOpenAPI() })
	return s.doc, s.docErr
}

func (s *Server) openapi(c echo.Context) error {
	b, err := s.OpenAPI()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSONBlob(http.StatusOK, b)
}

// docCache holds the built document; it is derived from the route table and never changes.
type docCache struct {
	docOnce sync.Once
	doc     []byte
	docErr  error
}

func (s *Server) buildOpenAPI() ([]byte, error) {
	// A first pass finds the Go names that two types share; the second builds the document with them qualified.
	first := &openapiDoc{schemas: map[string]any{}, seen: map[string]map[reflect.Type]bool{}}
	s.describe(first)
	d := &openapiDoc{schemas: map[string]any{}, seen: map[string]map[reflect.Type]bool{}, ambiguous: map[string]bool{}}
	for n, ts := range first.seen {
		d.ambiguous[n] = len(ts) > 1
	}
	paths, synced := s.describe(d)
	doc := map[string]any{
		"openapi":       "3.1.0",
		"x-sync-tables": synced,
		"info": map[string]any{
			"title":   "Chibo API",
			"version": "1",
			"description": "API of Chibo: party-cell supervision. Errors are JSON {code, message, field?, request_id}; " +
				"messages follow ?lang=, the user's locale or Accept-Language (Vietnamese by default). Lists are " +
				"paginated with limit (1–500, default 50) and the opaque cursor of the previous page's next_cursor.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": d.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (d *openapiDoc) operation(r route) map[string]any {
	op := map[string]any{
		"summary":     r.summary,
		"tags":        []string{r.tag},
		"operationId": operationID(r),
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": paramSchema(param{typ: "uuid"})})
	}
	qs := r.query
	if r.paged {
		qs = append(qs, param{name: "limit", typ: "integer", desc: "page size, 1–500 (default 50)"},
			param{name: "cursor", typ: "string", desc: "next_cursor of the previous page"})
	}
	for _, q := range qs {
		p := map[string]any{"name": q.name, "in": "query", "schema": paramSchema(q)}
		if q.required {
			p["required"] = true
		}
		if q.desc != "" {
			p["description"] = q.desc
		}
		params = append(params, p)
	}
	if params != nil {
		op["parameters"] = params
	}
	if r.in != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": d.schema(reflect.TypeOf(r.in))},
		}}
	}
	if r.multipart != nil {
		props := map[string]any{}
		var required []string
		for _, f := range r.multipart {
			props[f.name] = paramSchema(f)
			if f.required {
				required = append(required, f.name)
			}
		}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "properties": props, "required": required}},
		}}
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	switch {
	case r.out != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": d.schema(reflect.TypeOf(r.out))}}
	case r.raw != nil:
		content := map[string]any{}
		for _, ct := range r.raw {
			content[ct] = map[string]any{}
		}
		ok["content"] = content
	}
	op["responses"] = map[string]any{
		itoa(status): ok,
		"default": map[string]any{"description": "Error", "content": map[string]any{
			"application/json": map[string]any{"schema": d.schema(reflect.TypeOf(ErrorBody{}))},
		}},
	}
	if !r.public {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	return op
}

func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, part := range strings.FieldsFunc(strings.TrimPrefix(r.path, "/api/v1"), func(r rune) bool { return r == '/' || r == '-' || r == '.' }) {
		if strings.HasPrefix(part, ":") {
			part = "by_" + part[1:]
		}
		b.WriteString("_" + part)
	}
	return b.String()
}

func paramSchema(p param) map[string]any {
	var s map[string]any
	switch p.typ {
	case "uuid":
		s = map[string]any{"type": "string", "format": "uuid"}
	case "date":
		s = map[string]any{"type": "string", "format": "date"}
	case "boolean", "integer":
		s = map[string]any{"type": p.typ}
	case "file":
		s = map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}
	default:
		s = map[string]any{"type": "string"}
	}
	if p.enum != nil {
		s["enum"] = p.enum
	}
	if p.desc != "" {
		s["description"] = p.desc
	}
	return s
}

var (
	timeType = reflect.TypeOf(time.Time{})
	dateType = reflect.TypeOf(domain.Date{})
	rawType  = reflect.TypeOf(json.RawMessage{})
	// jsonTextType is sent as the JSON object it holds, not as a string.
	jsonTextType = reflect.TypeOf(domain.JSONText(""))
)

// schema returns the JSON schema of t, registering named struct types as components.
func (d *openapiDoc) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		return map[string]any{"type": []string{"string", "null"}, "format": "date"}
	case t == rawType:
		return map[string]any{}
	case t == jsonTextType:
		// A JSON document kept as text: meeting and report notes ({"items": [...]}), report scores
		// ({criterion code: points}); null when empty.
		return map[string]any{"type": []string{"object", "null"}}
	}
	if t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Opt[") {
		inner := d.schema(t.Field(2).Type)
		return nullable(inner)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(d.schema(t.Elem()))
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": d.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": d.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := d.nameOf(t)
		if _, ok := d.schemas[name]; !ok {
			d.schemas[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			d.fields(t, props)
			d.schemas[name] = map[string]any{"type": "object", "properties": props}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// fields adds the JSON properties of struct t, flattening embedded structs as encoding/json does.
func (d *openapiDoc) fields(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				d.fields(ft, props)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = d.schema(ft)
	}
}

func nullable(s map[string]any) map[string]any {
	if ref, ok := s["$ref"]; ok {
		return map[string]any{"oneOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
	}
	out := map[string]any{}
	for k, v := range s {
		out[k] = v
	}
	switch t := s["type"].(type) {
	case string:
		out["type"] = []string{t, "null"}
	case []string:
		out["type"] = t
	}
	return out
}

// describe adds to d the operations of every route, by path and method, and the schemas of the synced tables' rows
// (what a pull sends as wire.Op.Data), by table name.
func (s *Server) describe(d *openapiDoc) (paths map[string]map[string]any, synced map[string]any) {
	paths = map[string]map[string]any{}
	for _, r := range s.routes() {
		p := pathParam.ReplaceAllString(r.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.method)] = d.operation(r)
	}
	synced = map[string]any{}
	for _, t := range store.Tables() {
		synced[t.Name] = d.schema(reflect.TypeOf(t.New()).Elem())
	}
	return paths, synced
}

// nameOf returns the component name of struct type t: its Go name, prefixed with its package's name when a type
// of another package has the same name (wire.Result and roster.Result become WireResult and RosterResult).
func (d *openapiDoc) nameOf(t reflect.Type) string {
	n := schemaName(t)
	if d.seen[n] == nil {
		d.seen[n] = map[reflect.Type]bool{}
	}
	d.seen[n][t] = true
	if d.ambiguous[n] {
		return qualified(t)
	}
	return n
}

func qualified(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "" {
		return schemaName(t)
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + schemaName(t)
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func schemaName(t reflect.Type) string {
	n := t.Name()
	// Generic instantiations like Page[github.com/…/store.OrgUnit] become PageOrgUnit.
	if i := strings.IndexByte(n, '['); i >= 0 {
		args := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(args, '.'); j >= 0 {
			args = args[j+1:]
		}
		n = n[:i] + args
	}
	return nonWord.ReplaceAllString(n, "")
}
