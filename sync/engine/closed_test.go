package engine_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// After a merge a device that has not heard of it yet may still write to the old cell: a meeting dated after its
// closing day, or a new member, is refused with the reason (the successor holds them now); a meeting before the
// closing day is still taken.
func TestClosedCellTakesNoNewMeetingOrMember(t *testing.T) {
	h := newHarness(t)
	on := h.today.AddDays(-10)
	h.write(func(ctx context.Context, tx bun.IDB) error {
		_, err := store.MergeOrgUnits(ctx, tx, store.MergeSpec{Into: store.OrgUnit{Name: "Chi bộ thôn An Lợi - Phước Thị"},
			From: []string{h.cells["A"].ID, h.cells["B"].ID}, On: on}, func(*store.OrgUnit) error { return nil })
		return err
	})
	meeting := func(seq int64, day string) wire.Mutation {
		return wire.Mutation{Seq: seq, Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(),
			Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", day, "type", "regular", "status", "held")}
	}
	res := h.rawPush("root", wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{
		meeting(1, on.String()),
		meeting(2, on.AddDays(-3).String()),
		{Seq: 3, Table: "members", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID, "full_name", "Đảng viên mới")},
	}})
	want := []string{"rejected meeting_date", "applied ", "rejected cell_id"}
	if len(res.Results) != len(want) {
		t.Fatalf("results: %+v", res.Results)
	}
	for i, r := range res.Results {
		if got := r.Status + " " + r.Field; i >= len(want) || got != want[i] {
			t.Errorf("mutation %d: %s (%s), want %s", r.Seq, got, r.Message, want[min(i, len(want)-1)])
		}
	}
}
