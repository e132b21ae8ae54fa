package demo_test

import (
	"context"
	"sort"
	"testing"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestDemoMinutes checks the demo writes each held meeting's minutes where the app reads them (the meeting's
// notes, on the default template): the officials who came as guests, the items said, who spoke (members present),
// last month's tasks ticked off, the month's tasks with who and by when, and a vote of the members present.
func TestDemoMinutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	sum, err := demo.Generate(ctx, db, small(t, 11))
	if err != nil {
		t.Fatal(err)
	}
	d := load(t, db, sum)
	present := map[string]map[string]bool{} // meeting → names present
	names := map[string]string{}
	for _, m := range d.members {
		names[m.ID] = m.FullName
	}
	for _, a := range d.attendance {
		if a.Status == domain.AttendPresent {
			if present[a.MeetingID] == nil {
				present[a.MeetingID] = map[string]bool{}
			}
			present[a.MeetingID][names[a.MemberID]] = true
		}
	}
	reporters := map[string]map[string]bool{} // meeting → officials' names who reported
	for _, vr := range d.reports {
		if reporters[vr.MeetingID] == nil {
			reporters[vr.MeetingID] = map[string]bool{}
		}
		for _, u := range d.users {
			if u.ID == vr.OfficialID {
				reporters[vr.MeetingID][u.DisplayName] = true
			}
		}
	}
	byCell := map[string][]store.Meeting{}
	for _, m := range d.meetings {
		if m.Form == domain.FormCell { // the other forms' minutes are their reports and questions
			byCell[m.CellID] = append(byCell[m.CellID], m)
		}
	}
	held, ticked, guests := 0, 0, 0
	for _, ms := range byCell {
		sort.Slice(ms, func(i, j int) bool { return ms[i].MeetingDate.Before(ms[j].MeetingDate) })
		var last []store.MinutesTask
		for _, m := range ms {
			if m.Status != domain.MeetingHeld {
				if m.Notes != "" && m.Notes != "{}" {
					t.Errorf("%s meeting %s has minutes %s", m.Status, m.ID, m.Notes)
				}
				continue
			}
			held++
			doc := store.ParseMinutes(m.Notes)
			if doc.TemplateID != demo.DefaultMinutesTemplate {
				t.Fatalf("meeting %s: minutes %q", m.ID, m.Notes)
			}
			for _, k := range []string{"opening", "review", "conclusion"} {
				if doc.Item(k).Text == "" {
					t.Errorf("meeting %s: no %s", m.ID, k)
				}
			}
			for _, s := range doc.Item("discussion").Speeches {
				if !present[m.ID][s.Name] || s.Text == "" {
					t.Errorf("meeting %s: speech %+v by a member not present", m.ID, s)
				}
			}
			for _, g := range doc.Guests {
				guests++
				if !g.Higher || g.Post == "" {
					t.Errorf("meeting %s: guest %+v", m.ID, g)
				}
			}
			res := doc.Item("resolution")
			if m.Type == domain.MeetingThematic {
				res = doc.Item("thematic_resolution")
				if doc.Item("thematic").Text == "" {
					t.Errorf("thematic meeting %s: no thematic content", m.ID)
				}
			} else {
				if doc.Item("news").Text == "" || len(res.Tasks) != 3 {
					t.Errorf("meeting %s: news %q, %d tasks", m.ID, doc.Item("news").Text, len(res.Tasks))
				}
				for g := range reporters[m.ID] {
					found := false
					for _, x := range doc.Guests {
						found = found || x.Name == g
					}
					if !found {
						t.Errorf("meeting %s: official %s reported but is not among the guests", m.ID, g)
					}
				}
			}
			if res.Text != m.Resolution || res.Vote == nil || *res.Vote.For != len(present[m.ID]) || *res.Vote.Against != 0 {
				t.Errorf("meeting %s: resolution %+v (present %d)", m.ID, res, len(present[m.ID]))
			}
			for _, tk := range res.Tasks {
				if tk.ID == "" || tk.What == "" || tk.Who == "" || tk.Due.Before(m.MeetingDate) {
					t.Errorf("meeting %s: task %+v", m.ID, tk)
				}
			}
			done := doc.Item("review").Done
			if len(done) != len(last) {
				t.Errorf("meeting %s: %d of last month's %d tasks ticked", m.ID, len(done), len(last))
			}
			for _, tk := range last {
				if _, ok := done[tk.ID]; !ok {
					t.Errorf("meeting %s: last month's task %s not ticked", m.ID, tk.ID)
				}
				ticked++
			}
			last = doc.Tasks()
		}
	}
	if held == 0 || ticked == 0 || guests == 0 {
		t.Errorf("%d held meetings, %d tasks ticked, %d guests", held, ticked, guests)
	}
}
