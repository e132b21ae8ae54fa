package wire_test

import (
	"fmt"
	"testing"

	"github.com/chibo-vn/chibo/sync/wire"
)

// snapshotPage is a page of a first sync as the server sends it: 5,000 attendance marks of meetings of 25 members,
// their data as the change log writes a row, ids derived from the meeting and the member.
func snapshotPage() *wire.PullResponse {
	r := &wire.PullResponse{Protocol: wire.Protocol2, Ops: make([]wire.Op, 0, 5000)}
	path := "/01a24bc3-786e-7a74-a364-e80fe8b11884/01a24bc3-787e-7f10-a366-3d6aa2aae490/01a24bc3-7aff-74d2-95f7-30e2feabb1a9/"
	for i := range 5000 {
		meeting := fmt.Sprintf("c75f4f82-7499-4ce8-8639-%012x", i/25)
		member := fmt.Sprintf("01a24bc3-7b01-76ac-bf5b-%012x", i%25)
		id := wire.AttendanceID(meeting, member)
		version := int64(21000 + i/25)
		status := "present"
		if i%7 == 0 {
			status = "excused"
		}
		data := fmt.Sprintf(`{"id":%q,"created_at":"2026-11-06T14:30:34.286081Z","updated_at":"2026-11-06T14:30:34.286081Z","version":%d,"meeting_id":%q,"member_id":%q,"status":%q,"reason":""}`,
			id, version, meeting, member, status)
		r.Ops = append(r.Ops, wire.Op{Op: wire.OpPut, Table: "attendance", ID: id, Version: version, Class: "meetings",
			Scope: "01a24bc3-7aff-74d2-95f7-30e2feabb1a9", Path: path, Part: "2026-11", Data: []byte(data)})
	}
	return r
}

// BenchmarkAppendJSONRuns: the encoding of a first sync's page as runs (protocol 2), the server's own share of an
// initial pull after reading the rows.
func BenchmarkAppendJSONRuns(b *testing.B) {
	r := snapshotPage()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = r.AppendJSONRuns(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(r.Ops)), "ns/row")
}
