package changelog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGroupEntries: runs of at least minGroup entries of one operation, table, bucket and origin become one entry
// (at most maxGroup rows), holding every row's id and data in order; shorter runs, and rows whose JSON holds a
// line break, stay row by row.
func TestGroupEntries(t *testing.T) {
	put := func(table, scope, id string, origin *string) changeEntry {
		d := fmt.Sprintf(`{"id":%q}`, id)
		return changeEntry{Table: table, RowID: id, Op: OpPut, Class: "meetings", Scope: scope, Part: "2026-12", Data: &d, Origin: origin}
	}
	del := func(id string) changeEntry {
		return changeEntry{Table: "attendance", RowID: id, Op: OpDel, Class: "meetings", Scope: "s", Part: "2026-12"}
	}
	dev := "device"
	run := func(n int, mk func(i int) changeEntry) []changeEntry {
		var out []changeEntry
		for i := 0; i < n; i++ {
			out = append(out, mk(i))
		}
		return out
	}
	// summary writes each entry as op table n=rows first…last.
	summary := func(es []changeEntry) []string {
		var out []string
		for _, e := range es {
			ids := []string{e.RowID}
			if e.RowIDs != nil {
				ids = strings.Split(*e.RowIDs, ",")
				if e.Data != nil {
					if lines := strings.Split(*e.Data, "\n"); len(lines) != len(ids) {
						t.Errorf("entry of %d ids has %d lines of data", len(ids), len(lines))
					} else {
						for i, l := range lines {
							if want := fmt.Sprintf(`{"id":%q}`, ids[i]); l != want {
								t.Errorf("line %d: %s, want %s", i, l, want)
							}
						}
					}
				}
			}
			out = append(out, fmt.Sprintf("%s %s n=%d %s…%s", e.Op, e.Table, len(ids), ids[0], ids[len(ids)-1]))
		}
		return out
	}
	var es []changeEntry
	es = append(es, put("meetings", "s", "m", nil))
	es = append(es, run(15, func(i int) changeEntry { return put("attendance", "s", fmt.Sprint("a", i), nil) })...)
	es = append(es, run(16, func(i int) changeEntry { return put("attendance", "s", fmt.Sprint("b", i), nil) })...)
	es = append(es, run(20, func(i int) changeEntry { return put("attendance", "s", fmt.Sprint("c", i), &dev) })...)
	es = append(es, run(1001, func(i int) changeEntry { return put("attendance", "t", fmt.Sprint("d", i), nil) })...)
	es = append(es, run(17, func(i int) changeEntry { return del(fmt.Sprint("e", i)) })...)
	lines := run(20, func(i int) changeEntry { return put("members", "s", fmt.Sprint("f", i), nil) })
	odd := `{"id":"f3"}` + "\n"
	lines[3].Data = &odd
	es = append(es, lines...)
	got := summary(groupEntries(es))
	want := []string{
		"put meetings n=1 m…m",
		"put attendance n=31 a0…b15",                                      // the 15 and the 16: one table, bucket and origin
		"put attendance n=20 c0…c19",                                      // another origin
		"put attendance n=1000 d0…d999", "put attendance n=1 d1000…d1000", // another scope, and at most maxGroup
		"del attendance n=17 e0…e16",
		"put members n=1 f0…f0", "put members n=1 f1…f1", "put members n=1 f2…f2", // a run of 3
		"put members n=1 f3…f3", // a line break in its JSON
		"put members n=16 f4…f19",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groupEntries (-want +got):\n%s", diff)
	}
}
