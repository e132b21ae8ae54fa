package wire_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chibo-vn/chibo/sync/wire"
)

// pushOf50 returns a push of a meeting's fifty marks as the Go client sends it, and the server's protocol 2 answer
// to it, each row answered with its own (the bench's push, issue #15).
func pushOf50() (req, answer []byte) {
	meeting := "01a24edc-0bd2-77e9-a8d0-308c8f0716f7"
	path := "/01a24edc-0bd0-778f-b510-d4f9b88a0db6/01a24edc-0bd1-79e4-9061-958acafbfeb2/" + meeting + "/"
	r := wire.PushRequest{Protocol: 2, ClientID: "5f0c1a52-8d3e-4d7b-9a51-0f3c2b7e9d11"}
	resp := wire.PushResponse{LastSeq: 1050}
	for k := 0; k < 50; k++ {
		member := fmt.Sprintf("01a24edc-0bd3-7%03d-a8d0-308c8f0716f7", k)
		r.Mutations = append(r.Mutations, wire.Mutation{Seq: int64(1001 + k), Table: "attendance", Op: wire.MutUpsert,
			RowID: wire.AttendanceID(meeting, member), Fields: map[string]json.RawMessage{
				"meeting_id": json.RawMessage(`"` + meeting + `"`), "member_id": json.RawMessage(`"` + member + `"`),
				"status": json.RawMessage(`"present"`)}})
		resp.Results = append(resp.Results, wire.Result{Seq: int64(1001 + k), Status: wire.StatusApplied, Version: 48230,
			Own: &wire.Own{Op: "put", Class: "meetings", Scope: meeting, Path: path, Part: "2026-12",
				Data: json.RawMessage(`{"created_at":"2026-12-07T04:56:13.550876Z","updated_at":"2026-12-07T04:56:13.550876Z","reason":""}`)}})
	}
	return r.AppendJSON(nil), resp.AppendJSON(nil)
}

// BenchmarkDecodePush: the server reading a push of fifty marks.
func BenchmarkDecodePush(b *testing.B) {
	req, _ := pushOf50()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if _, err := wire.DecodePush(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePushResponse: a device reading the answer to a push of fifty marks.
func BenchmarkDecodePushResponse(b *testing.B) {
	_, answer := pushOf50()
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if _, err := wire.DecodePushResponse(answer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValid: json.Valid over the answer above, which both decoders run first.
func BenchmarkValid(b *testing.B) {
	_, answer := pushOf50()
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if !json.Valid(answer) {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkWireValid: wire.Valid over the same answer.
func BenchmarkWireValid(b *testing.B) {
	_, answer := pushOf50()
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if !wire.Valid(answer) {
			b.Fatal("invalid")
		}
	}
}
