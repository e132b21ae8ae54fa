package engine_test

import (
	"sync"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/sync/wire"
)

// TestPipelinedPushes: a device that sends its next push before the answer to the one before (Pipeline 3, small
// batches) gets every mutation applied once, in order; and a push that arrives before the one it follows (sent
// out of order) waits for it instead of being answered "gap".
func TestPipelinedPushes(t *testing.T) {
	h := newHarness(t)
	h.bigCell(60, 0)
	c := h.device("off1")
	c.Pipeline, c.PushBatch = 3, 25
	pull(t, c)
	h.recordMeetings(c, 3, 1)
	st := push(t, c)
	if st.Applied != 183 || st.Rejected != 0 || len(c.Local.Outbox) != 0 {
		t.Fatalf("pipelined push: %d applied, %d rejected, %d left", st.Applied, st.Rejected, len(c.Local.Outbox))
	}
	fresh := h.device("off1")
	pull(t, fresh)
	pull(t, c)
	sameRows(t, c, fresh)

	// Out of order: the second request first.
	d := h.device("off1")
	h.recordMeetings(d, 1, 5)
	first := wire.PushRequest{Protocol: 2, ClientID: d.Local.ClientID, Mutations: d.Local.Outbox[:30]}
	second := wire.PushRequest{Protocol: 2, ClientID: d.Local.ClientID, Mutations: d.Local.Outbox[30:]}
	var wg sync.WaitGroup
	var late wire.PushResponse
	wg.Add(1)
	go func() {
		defer wg.Done()
		late = h.rawPush("off1", second)
	}()
	time.Sleep(150 * time.Millisecond)
	early := h.rawPush("off1", first)
	wg.Wait()
	for _, r := range append(early.Results, late.Results...) {
		if r.Status != wire.StatusApplied || r.Duplicate {
			t.Fatalf("seq %d: %+v, want applied", r.Seq, r)
		}
	}
	if late.LastSeq != 61 {
		t.Errorf("last_seq %d after both, want 61", late.LastSeq)
	}
	// Still a gap once the hold is over: nothing before it comes.
	gap := h.rawPush("off1", wire.PushRequest{Protocol: 2, ClientID: d.Local.ClientID, Mutations: []wire.Mutation{
		{Seq: 70, Table: "meetings", Op: wire.MutUpsert, RowID: d.Local.Outbox[0].RowID, Fields: fields("topic", "x")}}})
	if len(gap.Results) != 1 || gap.Results[0].Status != wire.StatusGap || gap.Results[0].Expected != 62 {
		t.Errorf("a real gap: %+v", gap.Results)
	}
}
