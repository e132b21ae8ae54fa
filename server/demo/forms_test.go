package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// checkFormMeeting checks a meeting of another form than cell: held by a commune while it is open, held ones
// before today, a briefing's zone of the commune and host a cell of the zone, its reports of the commune's cells.
func checkFormMeeting(t *testing.T, d *data, m store.Meeting, today domain.Date) {
	t.Helper()
	u := d.unit(m.CellID)
	if u.Kind != domain.KindCommune {
		t.Errorf("%s meeting %s held by %s", m.Form, m.ID, u.Name)
	}
	if m.Status == domain.MeetingHeld && !m.MeetingDate.Before(today) || m.Status == domain.MeetingPlanned && m.MeetingDate.Before(today) {
		t.Errorf("%s meeting %s %s on %s", m.Form, m.ID, m.Status, m.MeetingDate)
	}
	if m.ZoneID != nil {
		var zone *store.Zone
		for i := range d.zones {
			if d.zones[i].ID == *m.ZoneID {
				zone = &d.zones[i]
			}
		}
		if zone == nil || zone.CommuneID != m.CellID || m.HostCellID == nil || d.unit(*m.HostCellID).ZoneID == nil || *d.unit(*m.HostCellID).ZoneID != zone.ID {
			t.Errorf("briefing %s: zone %v, host %v", m.ID, zone, m.HostCellID)
		}
	}
	for _, r := range d.briefings {
		if r.MeetingID == m.ID && (m.Form != domain.FormBriefing || !strings.HasPrefix(d.unit(r.CellID).Path, u.Path) || r.Situation == "" || r.Proposals == "") {
			t.Errorf("report %s of %s at %s meeting %s", r.ID, d.unit(r.CellID).Name, m.Form, m.ID)
		}
	}
}

// TestDemoForms: the default demo's zones of Triệu Phong, its monthly briefings per zone hosted in turn with the
// cells' reports, every other commune's briefing, the two dialogues (a question became a recommendation of the
// commune) and the expanded committee meetings tinhuy attended; the forms' coverage equals a recount.
func TestDemoForms(t *testing.T) {
	db := testdb.New(t)
	today := domain.NewDate(2026, 11, 20)
	sum, err := demo.Generate(context.Background(), db, demo.Config{Seed: 1, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	d := load(t, db, sum)
	var first store.OrgUnit
	for _, u := range d.units {
		if u.Name == "Đảng bộ xã Triệu Phong" {
			first = u
		}
	}
	var names []string
	for _, z := range d.zones {
		names = append(names, z.Name)
		if z.CommuneID != first.ID {
			t.Errorf("zone %s of another commune", z.Name)
		}
	}
	if strings.Join(names, ",") != "Khu Bắc,Khu Nam" && strings.Join(names, ",") != "Khu Nam,Khu Bắc" {
		t.Errorf("zones: %v", names)
	}
	if sum.Zones != 2 || sum.BriefingReports != len(d.briefings) || sum.DialogueQuestions != len(d.questions) || sum.MeetingParticipants != len(d.participants) {
		t.Errorf("summary: %+v", sum)
	}
	byMonth := map[string]map[string][]store.Meeting{} // commune → month → briefings
	hosts := map[string]map[string]bool{}              // zone → hosts seen
	var dialogues, committee []store.Meeting
	for _, m := range d.meetings {
		switch m.Form {
		case domain.FormBriefing:
			if byMonth[m.CellID] == nil {
				byMonth[m.CellID] = map[string][]store.Meeting{}
			}
			k := m.MeetingDate.String()[:7]
			byMonth[m.CellID][k] = append(byMonth[m.CellID][k], m)
			if d := m.MeetingDate.Day(); d < 5 || d > 10 {
				t.Errorf("briefing on %s, outside the 5th–10th", m.MeetingDate)
			}
			if m.ZoneID != nil {
				if hosts[*m.ZoneID] == nil {
					hosts[*m.ZoneID] = map[string]bool{}
				}
				hosts[*m.ZoneID][*m.HostCellID] = true
			}
		case domain.FormDialogue:
			dialogues = append(dialogues, m)
		case domain.FormCommittee:
			committee = append(committee, m)
		default:
			continue
		}
		checkFormMeeting(t, d, m, today)
	}
	if len(byMonth) != sum.Communes {
		t.Errorf("briefings in %d communes of %d", len(byMonth), sum.Communes)
	}
	for commune, months := range byMonth {
		if len(months) != 12 {
			t.Errorf("%s: briefings in %d months", d.unit(commune).Name, len(months))
		}
		for month, ms := range months {
			if want := 1 + btoi(commune == first.ID); len(ms) != want {
				t.Errorf("%s %s: %d briefings, want %d", d.unit(commune).Name, month, len(ms), want)
			}
		}
	}
	for zone, hs := range hosts {
		if len(hs) < 2 {
			t.Errorf("zone %s: the same host every month", zone)
		}
	}
	reported := 0
	for _, r := range d.briefings {
		if strings.Contains(r.Situation+r.Done+r.Problems+r.Proposals, "{") {
			t.Errorf("report with a placeholder left: %+v", r)
		}
		reported++
	}
	if reported < 300 {
		t.Errorf("%d briefing reports", reported)
	}
	if len(dialogues) != 2 || len(d.questions) != 5 {
		t.Fatalf("%d dialogues, %d questions", len(dialogues), len(d.questions))
	}
	became := 0
	for _, q := range d.questions {
		if q.Explanation == "" || q.Question == "" {
			t.Errorf("question %+v", q)
		}
		if q.RecommendationID != nil {
			became++
			for _, r := range d.recs {
				if r.ID == *q.RecommendationID && (r.CellID != first.ID || r.MeetingID == nil || *r.MeetingID != q.MeetingID) {
					t.Errorf("the recommendation of a question: %+v", r)
				}
			}
		}
	}
	if became != 1 {
		t.Errorf("%d questions became recommendations", became)
	}
	var tinhuy string
	for _, u := range d.users {
		if u.Username == "tinhuy" {
			tinhuy = u.ID
		}
	}
	present := 0
	for _, p := range d.participants {
		if p.UserID != nil && *p.UserID == tinhuy && p.Present {
			present++
		}
	}
	if len(committee) < 11 || present != len(committee)-1 {
		t.Errorf("%d committee meetings, tinhuy present at %d", len(committee), present)
	}
	cov, err := store.FormsCoverage(context.Background(), db.R, first.Path, store.Period{From: domain.NewDate(2026, 10, 1), To: domain.NewDate(2026, 10, 31)})
	if err != nil || len(cov) != 1 {
		t.Fatalf("coverage: %v %v", cov, err)
	}
	c := cov[0]
	if c.BriefingsExpected != 2 || c.BriefingsHeld != 2 || c.CommitteeAssigned != 1 || c.CellsReported == 0 || c.CellsReported > c.Cells {
		t.Errorf("Triệu Phong's October: %+v", c)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
