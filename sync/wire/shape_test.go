package wire_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/sync/wire"
)

// TestShapeErrorsSayWhatAndWhere: each shape rule a push breaks is refused with a *wire.ShapeError whose message
// key, field and parameters the server turns into the user's language, and whose Error keeps the protocol's words
// (for logs).
func TestShapeErrorsSayWhatAndWhere(t *testing.T) {
	okMut := `{"seq":1,"op":"upsert","t":"meetings","row_id":"r1","fields":{}}`
	for _, tc := range []struct {
		name, body     string
		key, field, is string
		args           []string
	}{
		{"trailing data", `{"client_id":"c","mutations":[]} {}`, "sync.trailing", "", "trailing data after the request", nil},
		{"negative protocol", `{"protocol":-1,"client_id":"c","mutations":[]}`, "sync.bad_protocol", "protocol", "protocol: 1 or more", nil},
		{"no device id", `{"client_id":"","mutations":[]}`, "sync.bad_client_id", "client_id", "client_id: 1 to 64 characters", nil},
		{"seq below 1", `{"client_id":"c","mutations":[{"seq":0,"op":"upsert","t":"meetings","row_id":"r1"}]}`,
			"sync.bad_seq", "mutations[0].seq", "mutations[0].seq: must be 1 or more", []string{"n", "1"}},
		{"seq skips", `{"client_id":"c","mutations":[` + okMut + `,{"seq":3,"op":"upsert","t":"meetings","row_id":"r2"}]}`,
			"sync.seq_order", "mutations[1].seq", "mutations[1].seq: must follow 1", []string{"n", "2", "prev", "1"}},
		{"unknown op", `{"client_id":"c","mutations":[{"seq":1,"op":"merge","t":"meetings","row_id":"r1"}]}`,
			"sync.bad_op", "mutations[0].op", "mutations[0].op: upsert or delete", []string{"n", "1"}},
		{"no row id", `{"client_id":"c","mutations":[{"seq":1,"op":"upsert","t":"meetings"}]}`,
			"sync.no_target", "mutations[0]", "mutations[0]: t and row_id are required", []string{"n", "1"}},
		{"negative base", `{"client_id":"c","mutations":[{"seq":1,"op":"upsert","t":"meetings","row_id":"r1","base_version":-1}]}`,
			"sync.bad_base", "mutations[0].base_version", "mutations[0].base_version: must not be negative", []string{"n", "1"}},
	} {
		_, err := wire.DecodePush([]byte(tc.body))
		var se *wire.ShapeError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a shape error", tc.name, err)
			continue
		}
		got := []any{se.Key, se.Field, se.Error(), se.Args}
		want := []any{tc.key, tc.field, tc.is, tc.args}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	req := &wire.PushRequest{ClientID: "c", Mutations: make([]wire.Mutation, wire.MaxPushBatch+1)}
	var se *wire.ShapeError
	if err := req.Validate(); !errors.As(err, &se) || se.Key != "sync.too_many" || se.Field != "mutations" ||
		se.Error() != "mutations: at most 500 per push" || !cmp.Equal(se.Args, []string{"max", "500"}) {
		t.Errorf("501 mutations: %#v", err)
	}
}
