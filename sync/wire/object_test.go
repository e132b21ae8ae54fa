package wire

import (
	"encoding/json"
	"testing"
)

// TestObjectIsMarshal: Object writes the bytes json.Marshal writes for the same map.
func TestObjectIsMarshal(t *testing.T) {
	for _, fields := range []map[string]json.RawMessage{
		{},
		{"status": json.RawMessage(`"present"`)},
		{"z": json.RawMessage(`1`), "a": json.RawMessage(`"x y"`), "m_id": json.RawMessage(`null`), "version": json.RawMessage(`12`)},
		{"topic": json.RawMessage(`"Sinh hoạt <thường> kỳ"`), "o": json.RawMessage("{ \"a\" : [1, 2],\n\t\"b\": \"c d\" }")},
		{"khóa lạ": json.RawMessage(`true`), `a"b`: json.RawMessage(`false`), "<x>": json.RawMessage(`[]`)},
		{"q": json.RawMessage(`"nói \"có\" rồi"`), "e": json.RawMessage(`"a\\" `), "s": json.RawMessage(`["x y", "z"]`)},
		{"u": json.RawMessage("\"dòng\u2028mới\u2029\""), "n": json.RawMessage(`{"a":"b c","d":[1,{"e":" "}]}`)},
		{"h": json.RawMessage(`"a & b"`), "t": json.RawMessage("[1,\t2]"), "r": json.RawMessage("\"\\\\\" ")},
	} {
		want, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		if got := Object(fields); string(got) != string(want) {
			t.Errorf("Object(%v) = %s, want %s", fields, got, want)
		}
	}
}

// TestMergeIsMarshal: Merge writes the bytes json.Marshal writes for the map of the fields with over's members and
// then last's set over them — keys in both, values to escape, an empty over — and refuses an over that is no object.
func TestMergeIsMarshal(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	for _, tc := range []struct {
		fields map[string]json.RawMessage
		over   string
		last   []Field
	}{
		{nil, `{}`, nil},
		{map[string]json.RawMessage{"status": raw(`"present"`), "member_id": raw(`"m1"`)}, ``, nil},
		{map[string]json.RawMessage{"status": raw(`"excused"`), "reason": raw(`"Ốm <nặng>"`), "meeting_id": raw(`"x"`)},
			`{"created_at":"2026-12-05T08:00:00Z","reason":"","updated_at":"2026-12-05T08:00:00Z"}`,
			[]Field{{"id", []byte(`"a1"`)}, {"version", []byte(`42`)}}},
		{map[string]json.RawMessage{"id": raw(`"sent"`), "topic": raw("\"a  b\""), "z": raw(`[1, 2]`)},
			`{"topic":"chuẩn hóa","a":null,"version":1}`, []Field{{"id", []byte(`"kept"`)}, {"version", []byte(`7`)}}},
	} {
		want := map[string]json.RawMessage{}
		for k, v := range tc.fields {
			want[k] = v
		}
		if tc.over != "" {
			EachField([]byte(tc.over), func(k string, v []byte) { want[k] = v })
		}
		for _, f := range tc.last {
			want[f.Key] = f.Value
		}
		wantJSON, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := Merge(tc.fields, []byte(tc.over), tc.last...)
		if !ok || string(got) != string(wantJSON) {
			t.Errorf("Merge(%v, %s, %v) = %s, %v; want %s", tc.fields, tc.over, tc.last, got, ok, wantJSON)
		}
	}
	if _, ok := Merge(nil, []byte(`[1]`)); ok {
		t.Error("Merge took an array for an object")
	}
}
