package store_test

import (
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// TestAttendanceJSONIsEncodingJSON: the attendance rows' own JSON (what the change log records and a snapshot
// sends) is byte for byte what encoding/json writes, for every kind of text a reason may hold: HTML characters,
// control characters, quotes, invalid UTF-8, line and paragraph separators, Vietnamese; with and without a
// deletion time, at any time zone and precision.
func TestAttendanceJSONIsEncodingJSON(t *testing.T) {
	texts := []string{"", "Ốm", "đi công tác <xa> & \"về\" muộn\\", "\x00\x01\x1f\x7f", "a\nb\rc\td\be\ff", "\xff\xfeabc\xc3",
		"dòng\u2028đoạn\u2029", "😀 emoji", "</script>", "trailing\\"}
	hcm := time.FixedZone("ICT", 7*3600)
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		at := &store.Attendance{MeetingID: "m-" + texts[r.Intn(len(texts))], MemberID: "01a24497-aeff-7796-ad7a-7a7041ec3f88",
			Status: domain.AttendanceStatus(texts[r.Intn(len(texts))]), Reason: texts[r.Intn(len(texts))]}
		at.ID = texts[r.Intn(len(texts))] + "id"
		at.CreatedAt = time.Unix(r.Int63n(4e9), r.Int63n(1e9)).UTC()
		at.UpdatedAt = time.Unix(r.Int63n(4e9), int64(r.Intn(3))*1000).In(hcm)
		at.Version = r.Int63() - r.Int63()
		if r.Intn(2) == 0 {
			d := time.Unix(r.Int63n(4e9), 0).In(hcm)
			at.DeletedAt = &d
		}
		want, err := json.Marshal(at)
		if err != nil {
			t.Fatal(err)
		}
		got, err := changelog.Marshal(at)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Fatalf("row %d (-encoding/json +own):\n%s", i, d)
		}
	}
}
