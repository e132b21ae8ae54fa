package wire

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// quickPushCases are push bodies as the clients write them and as they should not: whitespace, escapes, nulls,
// repeated and odd-case names, numbers in other notations, unknown members.
var quickPushCases = []string{
	`{"client_id":"c1","mutations":[{"seq":1,"t":"meetings","op":"upsert","row_id":"0190c0de-0000-7000-8000-000000000001","base_version":0,"fields":{"topic":"Sinh hoạt thường kỳ","cell_id":"x"}}]}`,
	`{"protocol":2,"client_id":"c1","mutations":[{"seq":7,"id":"m7","t":"attendance","op":"upsert","row_id":"r","base_version":12,"fields":{"status":"excused","reason":"Ốm"},"base":{"status":"present"}},{"seq":8,"t":"attendance","op":"delete","row_id":"r2","base_version":3}]}`,
	` { "client_id" : "c" , "mutations" : [ { "seq" : 1 , "t" : "a" , "op" : "delete" , "row_id" : "r" } ] } `,
	`{"client_id":"c","mutations":[]}`,
	`{"client_id":"c"}`,
	`{"client_id":"c","mutations":null}`,
	`{"client_id":"c\u0031","mutations":[]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":"r","fields":{"notes":"{\"text\":\"dòng 1\\ndòng 2\"}","n":[1, 2 ,{"a":null}],"x":null}}]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":"r","fields":null}]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":"r","fields":{"a":1,"a":2}}]}`,
	`{"client_id":"c","mutations":[{"seq":1,"seq":2,"t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","Mutations":[{"Seq":1,"T":"a","OP":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":1e0,"t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":1.0,"t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":-0,"t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":99999999999999999999,"t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":"1","t":"a","op":"upsert","row_id":"r"}]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":null}]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":"r","extra":true}]}`,
	`{"client_id":"c","extra":1}`,
	`{"protocol":1.5,"client_id":"c"}`,
	`{"client_id":"c","mutations":{}}`,
	`{"client_id":"c","mutations":[1]}`,
	`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"upsert","row_id":"r","fields":{"k\u0031":1}}]}`,
	"{\"client_id\":\"\xff\",\"mutations\":[]}",
	`[]`,
	`{"client_id":"c","mutations":[]} {}`,
}

// TestQuickPushIsEncodingJSON: whatever the quick decoder takes, it decodes as encoding/json does.
func TestQuickPushIsEncodingJSON(t *testing.T) {
	taken := 0
	for _, c := range quickPushCases {
		if checkQuickPush(t, []byte(c)) {
			taken++
		}
	}
	if taken < 5 {
		t.Errorf("the quick decoder took %d of the well-formed bodies, want the 5 written as clients write them", taken)
	}
}

// checkQuickPush compares the quick decoder with encoding/json (strict, as DecodePush) on b and reports whether the
// quick one took it.
func checkQuickPush(t *testing.T, b []byte) bool {
	t.Helper()
	return checkQuick(t, b, quickPush, func(b []byte, v *PushRequest) error {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	})
}

// checkQuick compares a quick decoder with encoding/json's decode on b, when b is valid JSON (the quick decoders
// are only tried then), and reports whether the quick one took it.
func checkQuick[T any](t *testing.T, b []byte, quick func([]byte) (*T, bool), decode func([]byte, *T) error) bool {
	t.Helper()
	if !json.Valid(b) {
		return false
	}
	got, ok := quick(b)
	if !ok {
		return false
	}
	var want T
	if err := decode(b, &want); err != nil {
		t.Errorf("%s: quick decoder took what encoding/json refuses (%v)", b, err)
		return true
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("%s: quick decoder (-encoding/json +quick):\n%s", b, diff)
	}
	return true
}

// FuzzQuickPush: on any bytes, the quick decoder agrees with encoding/json or leaves the body to it.
func FuzzQuickPush(f *testing.F) {
	for _, c := range quickPushCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkQuickPush(t, b) })
}

// quickAnswerCases are push answers as the server writes them and as it does not.
var quickAnswerCases = []string{
	`{"results":[{"seq":10,"id":"a","status":"applied","version":77,"own":{"op":"put","c":"meetings","s":"s","p":"/p/q/","m":"2026-12","d":{"created_at":"2026-12-06T03:00:00Z"}}},{"seq":11,"id":"b","status":"applied","duplicate":true,"version":78,"conflicts":["status","reason"],"own":{"op":"del"}},{"seq":12,"status":"rejected","code":"invalid","message":"Đồng chí không có quyền","field":"status","reason":"sync.not_own_cell"},{"seq":13,"status":"gap","expected":10}],"last_seq":12}`,
	`{"results":[],"last_seq":3}`,
	`{"results":null,"last_seq":0}`,
	` { "results" : [ { "seq" : 1 , "status" : "applied" , "duplicate" : false } ] , "last_seq" : 1 } `,
	`{"results":[{"seq":1,"status":"rejected","message":"tr\u00f9ng \"s\u1ed1 th\u1ebb\""}],"last_seq":1}`,
	`{"results":[{"seq":1,"status":"applied","own":{"op":"put","d":null}}],"last_seq":1}`,
	`{"results":[{"seq":1,"status":"applied","own":null}],"last_seq":1}`,
	`{"results":[{"seq":1,"status":"applied","conflicts":null}],"last_seq":1}`,
	`{"results":[{"seq":1,"status":"applied","conflicts":[]}],"last_seq":1}`,
	`{"results":[{"seq":1,"Status":"applied"}],"last_seq":1}`,
	`{"results":[{"seq":1,"status":"applied","new_member":1}],"last_seq":1,"later":true}`,
	`{"results":[{"seq":1,"status":"applied","duplicate":1}],"last_seq":1}`,
	`{"results":[{"seq":1,"seq":2,"status":"applied"}],"last_seq":1}`,
}

// TestQuickAnswerIsEncodingJSON: whatever the quick decoder takes of a push answer, it decodes as encoding/json.
func TestQuickAnswerIsEncodingJSON(t *testing.T) {
	taken := 0
	for _, c := range quickAnswerCases {
		if checkQuickAnswer(t, []byte(c)) {
			taken++
		}
	}
	if taken < 4 {
		t.Errorf("the quick decoder took %d answers, want at least the 4 the server writes", taken)
	}
	// And the server's own writing of every kind of result.
	r := PushResponse{LastSeq: 9, Results: []Result{{Seq: 9, ID: "x", Status: StatusApplied, Version: 4, Duplicate: true, Conflicts: []string{"a"},
		Own: &Own{Op: "put", Class: "c", Scope: "s", Path: "/p/", Part: "2026-01", Data: json.RawMessage(`{"a":1}`)}}, {Seq: 10, Status: StatusGap, Expected: 9}}}
	if !checkQuickAnswer(t, r.AppendJSON(nil)) {
		t.Errorf("the quick decoder left the server's own answer to encoding/json: %s", r.AppendJSON(nil))
	}
}

func checkQuickAnswer(t *testing.T, b []byte) bool {
	t.Helper()
	return checkQuick(t, b, quickPushResponse, func(b []byte, v *PushResponse) error { return json.Unmarshal(b, v) })
}

// FuzzQuickAnswer: on any bytes, the quick decoder of push answers agrees with encoding/json or leaves them to it.
func FuzzQuickAnswer(f *testing.F) {
	for _, c := range quickAnswerCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkQuickAnswer(t, b) })
}
