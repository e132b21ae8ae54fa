package engine_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestScoreOnTheRubricOfTheMeetingDay checks a visit report is scored and graded on the rubric in force on its
// meeting's day: a province's new rubric from next month grades next month's meeting, not this month's.
func TestScoreOnTheRubricOfTheMeetingDay(t *testing.T) {
	h := newHarness(t)
	from := h.today.AddDays(40)
	rb := &store.Rubric{ProvinceID: &h.province.ID, Name: "Thang điểm mới", ValidFrom: from, GoodMin: 45, FairMin: 35, AverageMin: 25}
	rb.ID = domain.NewID()
	h.write(func(ctx context.Context, tx bun.IDB) error {
		if err := store.Insert(ctx, tx, rb); err != nil {
			return err
		}
		c := &store.RubricCriterion{RubricID: rb.ID, Code: "moi", GroupVI: "Chung", NameVI: "Tiêu chí mới", MaxPoints: 50, SortOrder: 10}
		c.ID = domain.NewID()
		return store.Insert(ctx, tx, c)
	})
	before, after := h.writeMeeting("A", h.today.AddDays(-10)), h.writeMeeting("A", from.AddDays(5))
	off1 := h.device("off1")
	pull(t, off1)
	report := func(meeting string, scores map[string]int) {
		off1.Mutate(wire.Mutation{Table: "visit_reports", Op: wire.MutUpsert, RowID: wire.ReportID(meeting, h.users["off1"].ID),
			Fields: fields("meeting_id", meeting, "scores", scores)})
	}
	report(before, map[string]int{"chuan_bi_noi_dung": 9})
	report(after, map[string]int{"moi": 40})
	if ps := push(t, off1); ps.Applied != 2 || ps.Rejected != 0 {
		t.Fatalf("push: %+v", ps.Results)
	}
	pull(t, off1)
	got := func(meeting, field string) string {
		return string(off1.Local.Row("visit_reports", wire.ReportID(meeting, h.users["off1"].ID)).Field(field))
	}
	if g, r := got(before, "grade"), got(before, "rubric_id"); g != `"kem"` || r == `"`+rb.ID+`"` {
		t.Errorf("this month's meeting: grade %s on rubric %s", g, r)
	}
	if g, r, s := got(after, "grade"), got(after, "rubric_id"), got(after, "score_total"); g != `"kha"` || r != `"`+rb.ID+`"` || s != "40" {
		t.Errorf("next month's meeting: grade %s, total %s on rubric %s (want %s)", g, s, r, rb.ID)
	}
	// The old rubric's criteria are not on the new one.
	report(after, map[string]int{"chuan_bi_noi_dung": 9})
	if ps := push(t, off1); ps.Rejected != 1 {
		t.Errorf("a criterion of the old rubric on next month's meeting: %+v", ps.Results)
	}
}
