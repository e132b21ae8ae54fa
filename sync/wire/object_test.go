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
