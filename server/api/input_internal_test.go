package api

import "testing"

func TestCleanEscapes(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"a":"b"}`, true},
		{`{"a":"\u0000"}`, false},
		{`{"a":"x\u0000y"}`, false},
		{`{"a":"\\u0000"}`, true}, // an escaped backslash, then text
		{`{"a":"\\\u0000"}`, false},
		{`{"a":"\"\u0000"}`, false},
		{`{"\u0000":1}`, false},
		{`{"a":"\ud83c\udf3e"}`, true},
		{`{"a":"\ud83c"}`, false},
		{`{"a":"\ud83cx"}`, false},
		{`{"a":"\udf3e"}`, false},
		{`{"a":"\ud83c\u0041"}`, false},
		{`{"a":"\u1ec5"}`, true},
		{`{"a":"\u00"}`, true}, // malformed: left to the decoder
		{`{"a":"\`, true},
		{`"\u0000" outside a string is no matter: \u0000`, false},
	}
	for _, tc := range tests {
		if got := cleanEscapes([]byte(tc.in)); got != tc.ok {
			t.Errorf("%s: %v, want %v", tc.in, got, tc.ok)
		}
	}
}
