package wire

import (
	"strings"
	"testing"
)

// TestDerivableAsDerivedID: derivable, which hashes the fields' bytes where it can, answers as DerivedID on the
// decoded fields does, for ids in upper case, fields with escapes, empty or missing fields and other tables.
func TestDerivableAsDerivedID(t *testing.T) {
	mt, mb := "0190c0de-0000-7000-8000-00000000000a", "0190c0de-0000-7000-8000-00000000000b"
	id := AttendanceID(mt, mb)
	tests := []struct {
		name, table, data, id string
		want                  bool
	}{
		{"plain", "attendance", `{"meeting_id":"` + mt + `","member_id":"` + mb + `"}`, id, true},
		{"upper-case fields", "attendance", `{"meeting_id":"` + strings.ToUpper(mt) + `","member_id":"` + mb + `"}`, id, true},
		{"escaped field", "attendance", `{"meeting_id":"\u0030` + mt[1:] + `","member_id":"` + mb + `"}`, id, true},
		{"another id", "attendance", `{"meeting_id":"` + mt + `","member_id":"` + mb + `"}`, AttendanceID(mb, mt), false},
		{"upper-case id", "attendance", `{"meeting_id":"` + mt + `","member_id":"` + mb + `"}`, strings.ToUpper(id), false},
		{"no member", "attendance", `{"meeting_id":"` + mt + `"}`, id, false},
		{"empty member", "attendance", `{"meeting_id":"` + mt + `","member_id":""}`, id, false},
		{"empty member, id of an empty name", "attendance", `{"meeting_id":"` + mt + `","member_id":""}`, AttendanceID(mt, ""), false},
		{"member not a string", "attendance", `{"meeting_id":"` + mt + `","member_id":7}`, id, false},
		{"report", "visit_reports", `{"meeting_id":"` + mt + `","official_id":"` + mb + `"}`, ReportID(mt, mb), true},
		{"report under attendance's rule", "visit_reports", `{"meeting_id":"` + mt + `","member_id":"` + mb + `"}`, id, false},
		{"meeting", "meetings", `{"meeting_id":"` + mt + `","member_id":"` + mb + `"}`, id, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, ok := members([]byte(tt.data), nil)
			if !ok {
				t.Fatalf("bad test data %s", tt.data)
			}
			old := DerivedID(tt.table, func(name string) []byte {
				for _, m := range fields {
					if string(m.key) == name {
						return m.val
					}
				}
				return nil
			}) == tt.id
			if got := derivable(tt.table, fields, tt.id); got != tt.want || got != old {
				t.Errorf("derivable = %v, want %v (DerivedID says %v)", got, tt.want, old)
			}
		})
	}
}
