package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/sync/wire"
)

// validCases are JSON texts at the edges of the grammar, valid and not.
var validCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `.5`, `1.5`, `1e5`, `1E+5`, `1e-05`, `1e`, `1e+`, `-01`, `2.0e3x`, `+1`,
	`true`, `tru`, `truee`, `false`, `null`, `nul`, `NULL`, `"`, `""`, `"a`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\x"`,
	`"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00"`, "\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\xff\xfe\"", `"Đồng chí"`,
	"\"a\tb\"", "\"a\nb\"", `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, `{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b":[]}`,
	`{"a"}`, `{"a":}`, `{a:1}`, `{"a":1,}`, `{,"a":1}`, `{"a":1 "b":2}`, `{"a":1}}`, `[[]]]`, `[`, `{`, `]`, `}`,
	" \t\r\n{\"a\":[1,{\"b\":null}]}\n ", "\v1", "1\v", `[1]x`, `"a" "b"`, `{"a":{"b":{"c":[true,false,null]}}}`,
	`{"results":[{"seq":1,"status":"applied","version":7,"own":{"op":"put","d":{"reason":""}}}],"last_seq":1}`,
}

// TestValidIsJSONValid: wire.Valid says what json.Valid says, at the grammar's edges and at encoding/json's depth
// limit.
func TestValidIsJSONValid(t *testing.T) {
	cases := append([]string{}, validCases...)
	for _, depth := range []int{9999, 10000, 10001} {
		cases = append(cases, strings.Repeat("[", depth)+strings.Repeat("]", depth),
			strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth))
	}
	for _, c := range cases {
		if got, want := wire.Valid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.80q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

// FuzzValid: wire.Valid and json.Valid agree on any input.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := wire.Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

// TestJSONStringIsUnmarshal: JSONString gives what json.Unmarshal into a string gives, "" where it refuses.
func TestJSONStringIsUnmarshal(t *testing.T) {
	for _, v := range []string{``, `"abc"`, ` "abc" `, "\t\"a\\u00e9\\\"b\"", `"0190c0de-0000-7000-8000-000000000000"`, `12`,
		`null`, `true`, `{"a":"b"}`, `["x"]`, `"Nguyễn Thị"`, `"a\nb"`, `x"y"`} {
		var want string
		if json.Unmarshal([]byte(v), &want) != nil {
			want = ""
		}
		if got := wire.JSONString([]byte(v)); got != want {
			t.Errorf("JSONString(%q) = %q, want %q", v, got, want)
		}
	}
}
