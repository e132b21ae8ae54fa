package wire_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/wire"
)

func TestIDsAreUUIDv5(t *testing.T) {
	ns := uuid.MustParse("3a1d4e2c-7b9f-5c60-8e41-2f6a9d0b7c15")
	m, p := "0190c0de-0000-7000-8000-000000000001", "0190c0de-0000-7000-8000-000000000002"
	if got, want := wire.AttendanceID(m, p), uuid.NewSHA1(ns, []byte("attendance:"+m+":"+p)).String(); got != want {
		t.Errorf("AttendanceID = %s, want %s", got, want)
	}
	if got, want := wire.ReportID(m, p), uuid.NewSHA1(ns, []byte("report:"+m+":"+p)).String(); got != want {
		t.Errorf("ReportID = %s, want %s", got, want)
	}
	if got, want := wire.ScheduledMeetingID(m, "2026-12"), uuid.NewSHA1(ns, []byte("meeting:"+m+":2026-12")).String(); got != want {
		t.Errorf("ScheduledMeetingID = %s, want %s", got, want)
	}
	// Ids in upper case name the same row; a name longer than the hash's buffer on the stack hashes the same.
	if got, want := wire.AttendanceID(strings.ToUpper(m), p), uuid.NewSHA1(ns, []byte("attendance:"+m+":"+p)).String(); got != want {
		t.Errorf("AttendanceID of an upper-case id = %s, want %s", got, want)
	}
	long := strings.Repeat("0190c0de-", 30)
	if got, want := wire.AttendanceID(long, p), uuid.NewSHA1(ns, []byte("attendance:"+long+":"+p)).String(); got != want {
		t.Errorf("AttendanceID of a long id = %s, want %s", got, want)
	}
}

func TestRowHash(t *testing.T) {
	// FNV-1a 32 of "members:abc:7", computed independently (Python: h ^= byte; h = h * 16777619 mod 2^32).
	if got := wire.RowHash("members", "abc", 7); got != 0x02467f35 {
		t.Errorf("RowHash = %#x", got)
	}
}

func TestScopeCovers(t *testing.T) {
	cell := wire.ScopeDef{Kind: wire.KindCell, Path: "/p/c/x/", Classes: []string{"meetings", "roster"}}
	tests := []struct {
		class, scope, path, part string
		want                     bool
	}{
		{"meetings", "x", "/p/c/x/", "2026-11", true},
		{"meetings", "x", "/p/c/x/", "2024-11", false}, // before the window
		{"roster", "x", "/p/c/x/", "", true},
		{"roster", "y", "/p/c/y/", "", false},
		{"inbox", "x", "/p/c/x/", "", false},
	}
	for _, tc := range tests {
		if got := cell.Covers(tc.class, tc.scope, tc.path, tc.part, "2024-12"); got != tc.want {
			t.Errorf("Covers(%+v) = %v", tc, got)
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	// The head (all but the ops) holds characters encoding/json escapes (<, >, &, U+2028) and a line break.
	r := &wire.PullResponse{Protocol: 1, Epoch: "e", Scopes: []wire.ScopeDef{{Key: "cell:x<&>\u2028\n", Kind: "cell", ID: "x", Path: "/a/", Classes: []string{"roster"}}},
		Drop: []string{}, Window: "2024-12", Cursor: "c", Position: 7, HasMore: true,
		Ops: []wire.Op{{Op: "put", Table: "members", ID: "i\"d", Version: 3, Class: "roster", Scope: "x", Path: "/a/", Part: "", Data: json.RawMessage(`{"full_name":"Lê Văn \"A\""}`)},
			{Op: "del", Table: "attendance", ID: "z\u0001", Version: 4, Class: "meetings", Scope: "x", Part: "2026-11"}}}
	got, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(r)
	if string(got) != string(want) {
		t.Errorf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
	}
	// Again, after a larger head went through the buffers spliceOps reuses.
	big := *r
	big.Scopes = append(slices.Repeat(r.Scopes, 50), r.Scopes...)
	if _, err := big.AppendJSON(nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := r.AppendJSON([]byte("prefix")); string(again) != "prefix"+string(want) {
		t.Errorf("AppendJSON the second time:\n%s", again)
	}
}

// TestPushAnswerMatchesEncodingJSON: the push answer written by hand is encoding/json's, every field set and none.
func TestPushAnswerMatchesEncodingJSON(t *testing.T) {
	for _, r := range []*wire.PushResponse{
		{},
		{Results: []wire.Result{}, LastSeq: 3},
		{LastSeq: 12, Results: []wire.Result{
			{Seq: 10, ID: "a", Status: wire.StatusApplied, Version: 77, Own: &wire.Own{Op: "put", Class: "meetings", Scope: "s", Path: "/p/q/", Part: "2026-12", Data: json.RawMessage(`{"created_at":"2026-12-06T03:00:00Z"}`)}},
			{Seq: 11, ID: "b", Status: wire.StatusApplied, Duplicate: true, Version: 78, Conflicts: []string{"status", "reason"}, Own: &wire.Own{Op: "del"}},
			{Seq: 12, ID: "c\"\\\u0001", Status: wire.StatusRejected, Code: "invalid", Message: "Đồng chí không có quyền <sửa> & \"xóa\"\n\u2028", Field: "status", Reason: "sync.not_own_cell"},
			{Seq: 13, Status: wire.StatusGap, Expected: 10},
			{Seq: 14, ID: "d", Status: wire.StatusRejected, Code: "invalid", Message: "m", Field: "row_id", Reason: "sync.bad_id", Want: "540e3a0e-5e2c-5f38-9c1a-2b7d4e6f8a90"},
		}},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

// TestPushRequestMatchesEncodingJSON: the push request written by hand is encoding/json's.
func TestPushRequestMatchesEncodingJSON(t *testing.T) {
	for _, r := range []*wire.PushRequest{
		{ClientID: "c"},
		{ClientID: "c", Mutations: []wire.Mutation{}},
		{Protocol: 2, ClientID: "c<1>", Mutations: []wire.Mutation{
			{Seq: 1, ID: "m1", Table: "attendance", Op: wire.MutUpsert, RowID: "r", BaseVersion: 7,
				Fields: map[string]json.RawMessage{"status": json.RawMessage(`"present"`), "reason": json.RawMessage(`"Ốm & <mệt>"`)},
				Base:   map[string]json.RawMessage{"status": json.RawMessage(`"excused"`)}},
			{Seq: 2, Table: "meetings", Op: wire.MutDelete, RowID: "r\"2\u2028"},
			{Seq: 3, Table: "meetings", Op: wire.MutUpsert, RowID: "r3", Fields: map[string]json.RawMessage{"notes": json.RawMessage("{ \"text\": \"a\\nb\" }")}},
		}},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

// TestPushAnswerBucketsOnce: from protocol 3 a push answer writes an own's bucket only when it is not the bucket of
// the own of op put before it (a del, a refusal and a result without own between them do not count), and the
// decoder gives each own its bucket back; in protocol 2 every own has its bucket.
func TestPushAnswerBucketsOnce(t *testing.T) {
	a := func(d string) *wire.Own {
		return &wire.Own{Op: "put", Class: "meetings", Scope: "cell-a", Path: "/p/c/cell-a/", Part: "2026-12", Data: json.RawMessage(d)}
	}
	b := &wire.Own{Op: "put", Class: "meetings", Scope: "cell-b", Path: "/p/c/cell-b/", Part: "2026-12"}
	march := &wire.Own{Op: "put", Class: "meetings", Scope: "cell-b", Path: "/p/c/cell-b/", Part: "2026-03"}
	want := wire.PushResponse{LastSeq: 9, Results: []wire.Result{
		{Seq: 1, Status: wire.StatusApplied, Version: 5, Own: a(`{"created_at":"2026-12-03T09:14:02Z"}`)},
		{Seq: 2, Status: wire.StatusApplied, Version: 5, Own: a(`{"reason":""}`)},
		{Seq: 3, Status: wire.StatusApplied, Version: 5, Own: &wire.Own{Op: "del"}},
		{Seq: 4, Status: wire.StatusRejected, Code: "invalid", Message: "Đồng chí không có quyền"},
		{Seq: 5, Status: wire.StatusApplied, Version: 5, Own: a(`{"reason":""}`)},
		{Seq: 6, Status: wire.StatusApplied, Version: 5},
		{Seq: 7, Status: wire.StatusApplied, Version: 5, Own: b},
		{Seq: 8, Status: wire.StatusApplied, Version: 5, Own: march},
		{Seq: 9, Status: wire.StatusApplied, Version: 5, Own: b},
	}}
	for _, tc := range []struct {
		protocol, buckets int
	}{{wire.Protocol2, 6}, {wire.Protocol3, 4}} {
		r := want
		r.Protocol = tc.protocol
		body := r.AppendJSON(nil)
		if n := strings.Count(string(body), `"c":`); n != tc.buckets {
			t.Errorf("protocol %d: %d buckets written, want %d: %s", tc.protocol, n, tc.buckets, body)
		}
		// Both decoders: the quick one, and encoding/json for an answer written otherwise (here with spaces).
		for _, in := range [][]byte{body, []byte(strings.ReplaceAll(string(body), `,"`, `, "`))} {
			got, err := wire.DecodePushResponse(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(&want, got, cmpopts.IgnoreFields(wire.PushResponse{}, "Protocol")); d != "" {
				t.Errorf("protocol %d, %.40s…: decoded (-want +got):\n%s", tc.protocol, in, d)
			}
		}
	}
}
