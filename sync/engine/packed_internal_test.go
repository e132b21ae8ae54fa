package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/sync/wire"
)

// TestPackedResultsRoundTrip: a push's outcomes stored as one batch row come back whole — owns in one bucket and
// in another, outcomes without an own, a refusal with its arguments — and a batch row written before owns were
// packed (the own as a JSON string) still reads.
func TestPackedResultsRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	bucket := func(meeting string) wire.Own {
		return wire.Own{Op: "put", Class: "meetings", Scope: "cell-1", Path: "/p/c/cell-1/", Part: "2026-11",
			Data: json.RawMessage(`{"updated_at":"2026-12-05T08:00:00Z","meeting":"` + meeting + `"}`)}
	}
	var rows []resultRow
	for i := 1; i <= 8; i++ {
		r := resultRow{ClientID: "dev", Seq: int64(i), FirstSeq: int64(i), MutationID: fmt.Sprint("m", i), Status: wire.StatusApplied,
			Version: 40, At: at}
		switch {
		case i <= 3:
			own := bucket("a")
			r.own = &own
		case i == 4:
			r.Status, r.Code, r.MessageKey, r.Args, r.Version = wire.StatusRejected, "invalid", "error.bad_value", `{"_field":"status"}`, 0
		case i <= 6:
			own := bucket("b")
			own.Part = "2026-12" // another bucket
			r.own = &own
		case i == 7:
			r.own = &wire.Own{Op: "del"}
			r.Conflicts = "*"
		default:
			own := bucket("c")
			r.own = &own
		}
		rows = append(rows, r)
	}
	packed, err := packResults(append([]resultRow(nil), rows...))
	if err != nil || len(packed) != 1 || packed[0].Status != statusBatch || packed[0].FirstSeq != 1 || packed[0].Seq != 8 {
		t.Fatalf("packed: %+v, %v", packed, err)
	}
	if !strings.Contains(packed[0].Batch, `"d=":true`) {
		t.Errorf("no own's data was left out as the previous one's: %s", packed[0].Batch)
	}
	got, err := packed[0].unpack()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows, got, cmp.AllowUnexported(resultRow{})); diff != "" {
		t.Errorf("unpacked outcomes differ (-want +got):\n%s", diff)
	}

	// One outcome is stored as itself, its own as JSON.
	one, err := packResults([]resultRow{rows[0]})
	wantOwn, _ := json.Marshal(rows[0].own)
	if err != nil || len(one) != 1 || one[0].Status != wire.StatusApplied || one[0].Own != string(wantOwn) {
		t.Errorf("one outcome: %+v, %v", one, err)
	}

	// A batch row as written before the data was left out: each own's data whole, the bucket left out.
	mid := resultRow{ClientID: "dev", Seq: 2, FirstSeq: 1, Status: statusBatch, At: at,
		Batch: `[{"q":1,"s":"applied","v":40,"o":{"op":"put","c":"meetings","s":"cell-1","p":"/p/","m":"2026-11","d":{"x":1}}},` +
			`{"q":2,"s":"applied","v":40,"o":{"op":"put","=":true,"d":{"x":2}}}]`}
	got, err = mid.unpack()
	if err != nil || len(got) != 2 || got[1].own == nil || string(got[1].own.Data) != `{"x":2}` || got[1].own.Part != "2026-11" {
		t.Fatalf("batch row with whole data: %+v, %v", got, err)
	}

	// A batch row as written before owns were packed.
	old := resultRow{ClientID: "dev", Seq: 2, FirstSeq: 1, Status: statusBatch, At: at,
		Batch: `[{"q":1,"i":"m1","s":"applied","v":40,"o":"{\"op\":\"put\",\"c\":\"meetings\",\"s\":\"cell-1\",\"p\":\"/p/\",\"m\":\"2026-11\",\"d\":{\"x\":1}}"},` +
			`{"q":2,"s":"rejected","c":"invalid","k":"error.bad_value","a":"{\"_field\":\"status\"}"}]`}
	got, err = old.unpack()
	if err != nil || len(got) != 2 {
		t.Fatalf("old batch row: %+v, %v", got, err)
	}
	if got[0].Own != `{"op":"put","c":"meetings","s":"cell-1","p":"/p/","m":"2026-11","d":{"x":1}}` || got[0].Version != 40 ||
		got[1].Status != wire.StatusRejected || got[1].Args != `{"_field":"status"}` || got[1].At != at {
		t.Errorf("old batch row read as %+v", got)
	}
}

// TestPackedResultsAreShort: 500 marks of one meeting's report, created in one transaction (so written at one
// time), take less than a quarter of the bytes they took as they were stored before (each own whole, as a JSON
// string).
func TestPackedResultsAreShort(t *testing.T) {
	var rows []resultRow
	type before struct {
		Seq     int64  `json:"q"`
		Status  string `json:"s"`
		Version int64  `json:"v"`
		Own     string `json:"o"`
	}
	var old []before
	for i := 1; i <= 500; i++ {
		own := wire.Own{Op: "put", Class: "meetings", Scope: "01a2454e-092f-7c73-bdc1-cf3751287a9a",
			Path: "/01a2454e-0922-7aeb-8f3e-01329df15671/01a2454e-092e-7151-be82-c753a94b7e0c/01a2454e-092f-7c73-bdc1-cf3751287a9a/",
			Part: "2026-11", Data: json.RawMessage(`{"created_at":"2026-12-05T08:24:33.291348Z","updated_at":"2026-12-05T08:24:33.291348Z"}`)}
		b, _ := json.Marshal(own)
		old = append(old, before{int64(i), wire.StatusApplied, 1370, string(b)})
		rows = append(rows, resultRow{ClientID: "dev", Seq: int64(i), Status: wire.StatusApplied, Version: 1370, own: &own})
	}
	packed, err := packResults(rows)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(old)
	if n := len(packed[0].Batch); n*4 > len(b) {
		t.Errorf("500 outcomes packed in %d bytes; before, %d", n, len(b))
	}
	t.Logf("500 outcomes: %d bytes packed, before %d", len(packed[0].Batch), len(b))
}

// TestAppendPackedIsMarshal: a batch row's JSON, written by hand, is the bytes json.Marshal wrote for the same
// outcomes — owns in one bucket and another, with and without data, refusals with arguments that need escaping.
func TestAppendPackedIsMarshal(t *testing.T) {
	marshal := func(rows []resultRow) string { // how packResults wrote it before appendPacked
		packed := make([]packedResult, len(rows))
		var prev *wire.Own
		for i, r := range rows {
			packed[i] = packedResult{Seq: r.Seq, MutationID: r.MutationID, Status: r.Status, Code: r.Code,
				MessageKey: r.MessageKey, Args: r.Args, Version: r.Version, Conflicts: r.Conflicts}
			if r.own == nil {
				continue
			}
			po := packedOwn{Own: *r.own}
			if prev != nil && sameBucket(prev, r.own) {
				po.Class, po.Scope, po.Path, po.Part, po.Same = "", "", "", "", true
			}
			if prev != nil && len(r.own.Data) > 0 && string(prev.Data) == string(r.own.Data) {
				po.Data, po.SameData = nil, true
			}
			packed[i].Own, _ = json.Marshal(po)
			prev = r.own
		}
		b, err := json.Marshal(packed)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	own := func(part, data string) *wire.Own {
		o := &wire.Own{Op: "put", Class: "meetings", Scope: "cell-1", Path: "/p/c/cell-1/", Part: part}
		if data != "" {
			o.Data = json.RawMessage(data)
		}
		return o
	}
	rows := []resultRow{
		{Seq: 1, MutationID: "m1", Status: wire.StatusApplied, Version: 40, own: own("2026-11", `{"updated_at":"2026-12-05T08:00:00Z"}`)},
		{Seq: 2, Status: wire.StatusApplied, Version: 40, own: own("2026-11", `{"updated_at":"2026-12-05T08:00:00Z"}`)},
		{Seq: 3, Status: wire.StatusApplied, Version: 40, own: own("2026-11", `{"reason":""}`)},
		{Seq: 4, MutationID: `"quoted" <id> & co`, Status: wire.StatusRejected, Code: "invalid", MessageKey: "error.bad_value",
			Args: `{"_field":"status","v":"<b>Hà Nội</b>"}`},
		{Seq: 5, Status: wire.StatusApplied, Version: 41, own: own("2026-12", "")},
		{Seq: 6, Status: wire.StatusApplied, Version: 41, own: &wire.Own{Op: "del"}, Conflicts: "*"},
		{Seq: 7, Status: wire.StatusApplied, Version: 41, own: own("2026-12", `{"x":1}`)},
	}
	for n := 2; n <= len(rows); n++ {
		if got, want := string(appendPacked(nil, rows[:n])), marshal(rows[:n]); got != want {
			t.Errorf("%d outcomes:\n got %s\nwant %s", n, got, want)
		}
	}
}
