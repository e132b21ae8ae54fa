package api

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

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

// TestReadUpTo: the input check reads a body into a buffer of its announced length, whatever that length says: the
// whole body up to the limit and one byte more (to see it goes on), never more.
func TestReadUpTo(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 100) // 1,000 bytes
	for _, tc := range []struct {
		name             string
		limit, announced int64
		want             int
	}{
		{"announced exactly", 5000, 1000, 1000},
		{"not announced", 5000, -1, 1000},
		{"announced short", 5000, 10, 1000},
		{"announced long", 5000, 4000, 1000},
		{"over the limit", 501, 1000, 501},
		{"over the limit, not announced", 501, -1, 501},
		{"at the limit", 1000, 1000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readUpTo(iotest.HalfReader(bytes.NewReader(body)), tc.limit, tc.announced)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body[:tc.want]) {
				t.Errorf("read %d bytes, want the first %d", len(got), tc.want)
			}
		})
	}
	if _, err := readUpTo(iotest.ErrReader(errors.New("cut")), 100, 50); err == nil {
		t.Error("a failed read gave no error")
	}
}
