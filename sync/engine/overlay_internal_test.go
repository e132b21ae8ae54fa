package engine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/store"
)

// TestOverlayAttendanceIsUnmarshal: a mark's fields decoded by overlay's quick path are what encoding/json
// decodes, and fields the quick path does not take (escapes, other types, other names, nulls) still are.
func TestOverlayAttendanceIsUnmarshal(t *testing.T) {
	for _, fields := range []map[string]json.RawMessage{
		{"meeting_id": json.RawMessage(`"m1"`), "member_id": json.RawMessage(`"p1"`), "status": json.RawMessage(`"present"`)},
		{"status": json.RawMessage(`"excused"`), "reason": json.RawMessage(`"Ốm, nằm viện"`)},
		{"reason": json.RawMessage(`"đi \"công tác\"\n xa"`)},
		{"reason": json.RawMessage(`"\u00e1"`)},
		{"reason": json.RawMessage(`null`)},
		{"reason": json.RawMessage(`12`)},
		{"Reason": json.RawMessage(`"hoa"`)},
		{"status": json.RawMessage(`"present"`), "created_at": json.RawMessage(`"2026-12-06T00:00:00Z"`)},
		{"reason": json.RawMessage("\"\xff\"")},
		{},
	} {
		var got, want store.Attendance
		got.Reason, want.Reason = "trước", "trước"
		errGot := overlay(&got, fields)
		b, _ := json.Marshal(fields)
		errWant := json.Unmarshal(b, &want)
		if (errGot != nil) != (errWant != nil) {
			t.Errorf("%s: overlay error %v, encoding/json %v", b, errGot, errWant)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: overlay (-encoding/json +overlay):\n%s", b, diff)
		}
	}
}
