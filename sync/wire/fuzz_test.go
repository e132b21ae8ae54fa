package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/chibo-vn/chibo/sync/wire"
)

// FuzzDecodePush feeds arbitrary bytes to the push decoder: it must never panic, and whatever it accepts must
// satisfy the request's shape rules and survive a round trip.
func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"client_id":"c1","mutations":[{"seq":1,"t":"meetings","op":"upsert","row_id":"0190c0de-0000-7000-8000-000000000001","base_version":0,"fields":{"topic":"x"}}]}`))
	f.Add([]byte(`{"client_id":"c1","mutations":[]}`))
	f.Add([]byte(`{"client_id":"","mutations":[{"seq":0}]}`))
	f.Add([]byte(`{"client_id":"c","mutations":[{"seq":1,"t":"a","op":"delete","row_id":"r"},{"seq":3,"t":"a","op":"delete","row_id":"r"}]}`))
	f.Add([]byte(`{"client_id":"c","extra":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := wire.DecodePush(b)
		if err != nil {
			return
		}
		if err := req.Validate(); err != nil {
			t.Fatalf("accepted an invalid request: %v", err)
		}
		for i, m := range req.Mutations {
			if m.Seq < 1 || (i > 0 && m.Seq != req.Mutations[i-1].Seq+1) || (m.Op != wire.MutUpsert && m.Op != wire.MutDelete) {
				t.Fatalf("accepted mutation %d: %+v", i, m)
			}
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wire.DecodePush(again); err != nil {
			t.Fatalf("round trip refused: %v", err)
		}
	})
}
