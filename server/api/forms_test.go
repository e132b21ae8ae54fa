package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// TestZonesAndTheBriefingMonth: a commune's admin makes a zone of two of its cells, renames it, cannot put another
// commune's cell in it; another commune's admin cannot touch it; the commune's month of briefings lists every
// cell, A with its report at the zone's briefing (hosted by A), B not reported; an official of another commune
// does not see it; deleting the zone leaves its cells without one. Every change is audited.
func TestZonesAndTheBriefingMonth(t *testing.T) {
	w := newWorld(t)
	var z store.Zone
	r := w.do(http.MethodPost, "/api/v1/zones", "admin1", map[string]any{"commune_id": w.c1.ID, "name": "  Khu   Bắc "})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r.json(t, &z)
	if z.Name != "Khu Bắc" {
		t.Errorf("name %q", z.Name)
	}
	for _, c := range []struct {
		method, path, user string
		body               any
		want               int
	}{
		{http.MethodPost, "/api/v1/zones", "admin2", map[string]any{"commune_id": w.c1.ID, "name": "Khu Nam"}, http.StatusForbidden},
		{http.MethodPost, "/api/v1/zones", "admin1", map[string]any{"commune_id": w.cellA.ID, "name": "Khu Nam"}, http.StatusBadRequest},
		{http.MethodPost, "/api/v1/zones", "admin1", map[string]any{"commune_id": w.c1.ID, "name": " "}, http.StatusBadRequest},
		{http.MethodPut, "/api/v1/zones/" + z.ID + "/cells", "admin1", map[string]any{"cell_ids": []string{w.cellA.ID, w.cellX.ID}}, http.StatusBadRequest},
		{http.MethodPut, "/api/v1/zones/" + z.ID + "/cells", "admin2", map[string]any{"cell_ids": []string{w.cellA.ID}}, http.StatusNotFound},
		{http.MethodPut, "/api/v1/zones/" + z.ID + "/cells", "sup1", map[string]any{"cell_ids": []string{w.cellA.ID}}, http.StatusForbidden},
		{http.MethodPut, "/api/v1/zones/" + z.ID + "/cells", "admin1", map[string]any{"cell_ids": []string{w.cellA.ID, w.cellB.ID}}, http.StatusOK},
		{http.MethodPatch, "/api/v1/zones/" + z.ID, "admin1", map[string]any{"name": "Khu Bắc (cụm 1)"}, http.StatusOK},
		{http.MethodGet, "/api/v1/zones?unit=" + w.c2.ID, "sec1", nil, http.StatusNotFound},
	} {
		if got := w.do(c.method, c.path, c.user, c.body); got.status != c.want {
			t.Errorf("%s %s as %s: %d %s, want %d", c.method, c.path, c.user, got.status, got.body, c.want)
		}
	}
	var zones store.Page[store.ZoneView]
	w.do(http.MethodGet, "/api/v1/zones?unit="+w.c1.ID, "sec1", nil).json(t, &zones)
	if len(zones.Items) != 1 || zones.Items[0].Cells != 2 || zones.Items[0].Name != "Khu Bắc (cụm 1)" {
		t.Fatalf("zones seen by B's secretary: %+v", zones.Items)
	}

	today := domain.DateOf(store.Now())
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		m := &store.Meeting{CellID: w.c1.ID, Form: domain.FormBriefing, ZoneID: &z.ID, HostCellID: &w.cellA.ID, MeetingDate: today,
			Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingHeld}
		if err := store.Insert(ctx, tx, m); err != nil {
			return err
		}
		return store.Insert(ctx, tx, &store.BriefingReport{MeetingID: m.ID, CellID: w.cellA.ID, ReporterName: "Bí thư An Lợi",
			Situation: "Ổn định", Done: "Thu đảng phí đủ", Problems: "Đường ngập", Proposals: "Nâng cấp đường"})
	})
	if err != nil {
		t.Fatal(err)
	}
	month := today.String()[:7]
	var page store.Page[store.BriefingMonthCell]
	r = w.do(http.MethodGet, "/api/v1/briefings/month?unit="+w.c1.ID+"&month="+month, "sec1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("month: %d %s", r.status, r.body)
	}
	r.json(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("cells: %+v", page.Items)
	}
	a, b := page.Items[0], page.Items[1]
	if a.CellID != w.cellA.ID || !a.Reported || len(a.Reports) != 1 || a.Reports[0].HostName != w.cellA.Name ||
		a.Reports[0].ZoneName != "Khu Bắc (cụm 1)" || a.Reports[0].Proposals != "Nâng cấp đường" || a.ZoneName != "Khu Bắc (cụm 1)" {
		t.Errorf("A: %+v", a)
	}
	if b.CellID != w.cellB.ID || b.Reported || len(b.Reports) != 0 {
		t.Errorf("B: %+v", b)
	}
	// A page at a time.
	r = w.do(http.MethodGet, "/api/v1/briefings/month?unit="+w.c1.ID+"&month="+month+"&limit=1", "sup1", nil)
	r.json(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Errorf("first page: %+v", page)
	}
	r = w.do(http.MethodGet, "/api/v1/briefings/month?unit="+w.c1.ID+"&month="+month+"&limit=1&cursor="+page.NextCursor, "sup1", nil)
	r.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].CellID != w.cellB.ID {
		t.Errorf("second page: %+v", page)
	}
	for _, c := range []struct {
		query, user string
		want        int
	}{
		{"?unit=" + w.c1.ID + "&month=" + month, "off2", http.StatusNotFound},
		{"?unit=" + w.c1.ID + "&month=2026-13", "sup1", http.StatusBadRequest},
		{"?unit=" + w.c1.ID, "sup1", http.StatusBadRequest},
		{"?unit=" + w.cellA.ID + "&month=" + month, "sup1", http.StatusBadRequest},
	} {
		if got := w.do(http.MethodGet, "/api/v1/briefings/month"+c.query, c.user, nil); got.status != c.want {
			t.Errorf("%s as %s: %d %s", c.query, c.user, got.status, got.body)
		}
	}

	if got := w.do(http.MethodDelete, "/api/v1/zones/"+z.ID, "admin1", nil); got.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", got.status, got.body)
	}
	n, err := w.db.R.NewSelect().Model((*store.OrgUnit)(nil)).Where("zone_id IS NOT NULL").Count(context.Background())
	if err != nil || n != 0 {
		t.Errorf("cells still in a zone: %d %v", n, err)
	}
	audits, err := w.db.R.NewSelect().Model((*store.AuditEntry)(nil)).Where("entity = 'zone'").Count(context.Background())
	if err != nil || audits != 3 {
		t.Errorf("zone audit entries: %d %v", audits, err)
	}
}

// TestExpectedBriefingsAndCommitteeMeetings: the schedule expects, each month, a briefing per zone hosted in turn
// by its cells (a commune without zones: one briefing), in the window of the commune's rule, and an expanded
// committee meeting; one on record gives its date and status; the cells' expected meetings do not change.
func TestExpectedBriefingsAndCommitteeMeetings(t *testing.T) {
	w := newWorld(t)
	var z store.Zone
	w.do(http.MethodPost, "/api/v1/zones", "admin1", map[string]any{"commune_id": w.c1.ID, "name": "Khu Bắc"}).json(t, &z)
	if r := w.do(http.MethodPut, "/api/v1/zones/"+z.ID+"/cells", "admin1", map[string]any{"cell_ids": []string{w.cellA.ID, w.cellB.ID}}); r.status != http.StatusOK {
		t.Fatalf("cells: %d %s", r.status, r.body)
	}
	rule := map[string]any{"day_of_month": 3, "thematic_months": []int{3, 6, 9, 12}, "eve_reminder": "19:00", "morning_reminder": "07:00",
		"report_due_days": 3, "digest_at": "08:00", "briefing_from": 6, "briefing_to": 12, "committee_day": 20}
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "admin1", rule); r.status != http.StatusOK {
		t.Fatalf("rule: %d %s", r.status, r.body)
	}
	bad := map[string]any{}
	for k, v := range rule {
		bad[k] = v
	}
	bad["briefing_from"], bad["briefing_to"] = 12, 6
	if r := w.do(http.MethodPut, "/api/v1/org-units/"+w.c1.ID+"/schedule", "admin1", bad); r.status != http.StatusBadRequest {
		t.Errorf("a window backwards: %d %s", r.status, r.body)
	}
	today := domain.DateOf(store.Now())
	m0 := domain.NewDate(today.Year(), today.Month(), 1)
	held := domain.NewDate(m0.Year(), m0.Month(), 8)
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		return store.Insert(ctx, tx, &store.Meeting{CellID: w.c1.ID, Form: domain.FormBriefing, ZoneID: &z.ID, MeetingDate: held,
			Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingHeld})
	})
	if err != nil {
		t.Fatal(err)
	}
	from, to := m0.String()[:7], m0.AddMonths(1).String()[:7]
	var page store.Page[store.ExpectedMeeting]
	r := w.do(http.MethodGet, "/api/v1/schedule/expected?form=briefing&from="+from+"&to="+to, "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	page = store.Page[store.ExpectedMeeting]{}
	r.json(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("sup1's briefings: %+v", page.Items)
	}
	first, second := page.Items[0], page.Items[1]
	cells := []string{w.cellA.Name, w.cellB.Name} // by name: An Lợi, Phước Thị
	if first.Status != domain.MeetingHeld || first.Date != held || first.ZoneName != "Khu Bắc" || first.HostName != cells[store.HostIndex(2, m0)] || first.Moved {
		t.Errorf("this month: %+v", first)
	}
	if second.Status != domain.MeetingPlanned || second.Date.Day() != 6 || second.WindowTo.Day() != 12 || second.HostName != cells[store.HostIndex(2, m0.AddMonths(1))] || second.HostName == first.HostName {
		t.Errorf("next month: %+v", second)
	}
	// The cell whose turn it would be next month closes at the end of this month: it takes no turn after, and the
	// other cell hosts next month.
	ids := []string{w.cellA.ID, w.cellB.ID}
	next := store.HostIndex(2, m0.AddMonths(1))
	if err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("org_units").Set("closed_on = ?", m0.AddMonths(1).AddDays(-1)).Where("id = ?", ids[next]).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	page = store.Page[store.ExpectedMeeting]{}
	w.do(http.MethodGet, "/api/v1/schedule/expected?form=briefing&from="+from+"&to="+to, "sup1", nil).json(t, &page)
	if len(page.Items) != 2 || page.Items[0].HostName != first.HostName || page.Items[1].HostName != cells[1-next] {
		t.Errorf("hosts with %s closing this month: %+v", cells[next], page.Items)
	}
	r = w.do(http.MethodGet, "/api/v1/schedule/expected?form=committee&from="+from+"&to="+from, "root", nil)
	page = store.Page[store.ExpectedMeeting]{}
	r.json(t, &page)
	if len(page.Items) != 2 || page.Items[0].Form != domain.FormCommittee {
		t.Fatalf("committee meetings: %+v", page.Items)
	}
	for _, e := range page.Items {
		if e.CellID == w.c1.ID && e.Date.Day() != 20 || e.CellID == w.c2.ID && (e.Date.Day() != 1 || e.WindowTo.IsZero()) {
			t.Errorf("committee: %+v", e)
		}
	}
	// C2 has no zone: one briefing of the commune, on the default window.
	r = w.do(http.MethodGet, "/api/v1/schedule/expected?form=briefing&from="+from+"&to="+from+"&org_unit_id="+w.c2.ID, "root", nil)
	page = store.Page[store.ExpectedMeeting]{}
	r.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Date.Day() != 5 || page.Items[0].WindowTo.Day() != 10 || page.Items[0].ZoneID != "" {
		t.Errorf("C2's briefing: %+v", page.Items)
	}
	// The cells' expected meetings are the cells' only.
	r = w.do(http.MethodGet, "/api/v1/schedule/expected?from="+from+"&to="+from, "sup1", nil)
	page = store.Page[store.ExpectedMeeting]{}
	r.json(t, &page)
	if len(page.Items) != 2 || page.Items[0].Form != "" {
		t.Errorf("the cells' meetings: %+v", page.Items)
	}
}

// TestFormsCoverageEqualsARecount: the coverage of the other forms, per commune and month, equals a count made
// from the rows themselves; the committee's official's tally counts its expected and attended meetings; and the
// cells' coverage, tally and exports are the same before and after the commune's meetings were recorded.
func TestFormsCoverageEqualsARecount(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := domain.DateOf(store.Now())
	m0 := domain.NewDate(today.Year(), today.Month(), 1)
	prev := m0.AddMonths(-1)
	period := "?unit=" + w.province.ID + "&period=custom&from=" + prev.String() + "&to=" + m0.AddMonths(1).AddDays(-1).String()
	before := map[string]string{}
	paths := []string{"/api/v1/coverage" + period, "/api/v1/coverage/officials" + period, "/api/v1/exports/coverage.csv" + period}
	for _, p := range paths {
		r := w.do(http.MethodGet, p, "root", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
		before[p] = string(r.body)
	}

	var z store.Zone
	w.do(http.MethodPost, "/api/v1/zones", "admin1", map[string]any{"commune_id": w.c1.ID, "name": "Khu Bắc"}).json(t, &z)
	r := w.do(http.MethodPost, "/api/v1/assignments", "admin1", map[string]any{"official_ids": []string{w.users["off1"].ID},
		"cell_ids": []string{w.c1.ID}, "form": "committee", "starts_on": prev.String(), "frequency": "monthly"})
	if r.status != http.StatusCreated {
		t.Fatalf("committee assignment: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, "/api/v1/assignments", "admin1", map[string]any{"official_ids": []string{w.users["off1"].ID},
		"cell_ids": []string{w.cellA.ID}, "form": "committee", "starts_on": prev.String()}); r.status != http.StatusBadRequest {
		t.Errorf("a committee assignment to a cell: %d %s", r.status, r.body)
	}
	off1 := w.users["off1"].ID
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		meeting := func(unit *store.OrgUnit, form domain.MeetingForm, day domain.Date, status domain.MeetingStatus) *store.Meeting {
			m := &store.Meeting{CellID: unit.ID, Form: form, MeetingDate: day, Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: status}
			if err := store.Insert(ctx, tx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		b1 := meeting(w.c1, domain.FormBriefing, prev.AddDays(6), domain.MeetingHeld)
		b2 := meeting(w.c1, domain.FormBriefing, m0.AddDays(6), domain.MeetingHeld)
		meeting(w.c1, domain.FormBriefing, m0.AddDays(8), domain.MeetingCancelled)
		meeting(w.c2, domain.FormBriefing, m0.AddDays(5), domain.MeetingHeld)
		meeting(w.c1, domain.FormDialogue, m0.AddDays(12), domain.MeetingHeld)
		c1 := meeting(w.c1, domain.FormCommittee, prev.AddDays(20), domain.MeetingHeld)
		c2 := meeting(w.c1, domain.FormCommittee, m0.AddDays(20), domain.MeetingHeld)
		for _, x := range []store.SyncRow{
			&store.BriefingReport{MeetingID: b1.ID, CellID: w.cellA.ID, Situation: "Ổn định"},
			&store.BriefingReport{MeetingID: b1.ID, CellID: w.cellB.ID, Situation: "Ổn định"},
			&store.BriefingReport{MeetingID: b2.ID, CellID: w.cellB.ID, Situation: "Ổn định"},
			&store.BriefingReport{MeetingID: b2.ID, CellID: w.cellB.ID, Situation: "Bổ sung"},
			&store.MeetingParticipant{MeetingID: c1.ID, Role: "guest", UserID: &off1, Name: "Cán bộ tỉnh", Present: true},
			&store.MeetingParticipant{MeetingID: c2.ID, Role: "guest", UserID: &off1, Name: "Cán bộ tỉnh", Present: false},
		} {
			if err := store.Insert(ctx, tx, x); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		r := w.do(http.MethodGet, p, "root", nil)
		body := string(r.body)
		if strings.HasPrefix(p, "/api/v1/coverage/officials") {
			// The tally gains the committee meetings, and nothing else changes.
			var tally store.Page[store.OfficialTally]
			r.json(t, &tally)
			for i := range tally.Items {
				if tally.Items[i].UserID == off1 && (tally.Items[i].CommitteeExpected != 2 || tally.Items[i].CommitteeAttended != 1) {
					t.Errorf("off1's committee meetings in the tally: %+v", tally.Items[i])
				}
				tally.Items[i].CommitteeExpected, tally.Items[i].CommitteeAttended = 0, 0
			}
			b, _ := json.Marshal(tally)
			body = string(b) + "\n"
		}
		if body != before[p] {
			t.Errorf("%s changed with the commune's meetings:\nbefore %s\nafter  %s", p, before[p], body)
		}
	}

	var page store.Page[store.FormsCoverageRow]
	r = w.do(http.MethodGet, "/api/v1/coverage/forms"+period, "root", nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &page)
	// The recount, from the rows.
	count := func(q string, args ...any) int {
		var n int
		if err := w.db.R.NewRaw(q, args...).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if len(page.Items) != 4 {
		t.Fatalf("rows: %+v", page.Items)
	}
	for _, row := range page.Items {
		first, _ := domain.ParseDate(row.Month + "-01")
		last := first.AddMonths(1).AddDays(-1)
		held := func(form string) int {
			return count("SELECT count(*) FROM meetings WHERE cell_id = ? AND form = ? AND status = 'held' AND deleted_at IS NULL AND meeting_date >= ? AND meeting_date <= ?",
				row.CommuneID, form, first, last)
		}
		want := store.FormsCoverageRow{CommuneID: row.CommuneID, CommuneName: row.CommuneName, Month: row.Month,
			BriefingsExpected: max(1, count("SELECT count(*) FROM zones WHERE commune_id = ? AND deleted_at IS NULL", row.CommuneID)),
			BriefingsHeld:     held("briefing"), DialoguesHeld: held("dialogue"), CommitteeHeld: held("committee"),
			Cells: count("SELECT count(*) FROM org_units WHERE parent_id = ? AND kind = 'cell' AND deleted_at IS NULL", row.CommuneID),
			CellsReported: count(`SELECT count(DISTINCT br.cell_id) FROM briefing_reports br JOIN meetings m ON m.id = br.meeting_id
				WHERE m.cell_id = ? AND m.form = 'briefing' AND m.status = 'held' AND m.deleted_at IS NULL AND br.deleted_at IS NULL
				AND m.meeting_date >= ? AND m.meeting_date <= ?`, row.CommuneID, first, last),
			CommitteeAttended: count(`SELECT count(*) FROM meetings m WHERE m.cell_id = ? AND m.form = 'committee' AND m.status = 'held'
				AND m.deleted_at IS NULL AND m.meeting_date >= ? AND m.meeting_date <= ? AND EXISTS (SELECT 1 FROM meeting_participants p
				JOIN assignments a ON a.official_id = p.user_id AND a.cell_id = m.cell_id AND a.form = 'committee' AND a.status <> 'cancelled'
				AND a.starts_on <= m.meeting_date AND (a.ends_on IS NULL OR a.ends_on >= m.meeting_date)
				WHERE p.meeting_id = m.id AND p.present AND p.deleted_at IS NULL AND a.deleted_at IS NULL)`, row.CommuneID, first, last),
			CommitteeAssigned: count(`SELECT count(DISTINCT official_id) FROM assignments WHERE cell_id = ? AND form = 'committee'
				AND status <> 'cancelled' AND deleted_at IS NULL AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?)`, row.CommuneID, last, first),
		}
		if row != want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", row.CommuneName, row.Month, row, want)
		}
	}
	var tally store.Page[store.CommitteeTally]
	w.do(http.MethodGet, "/api/v1/coverage/committee"+period, "root", nil).json(t, &tally)
	if len(tally.Items) != 1 || tally.Items[0].Expected != 2 || tally.Items[0].Attended != 1 || tally.Items[0].CommuneID != w.c1.ID {
		t.Errorf("the committee tally: %+v", tally.Items)
	}
	if r := w.do(http.MethodGet, "/api/v1/coverage/forms"+period, "off1", nil); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
		t.Errorf("an official reads the coverage: %d", r.status)
	}

	// The workbooks carry them on a sheet of their own: the same figures, and the committee's official.
	sheetRows := func(path, sheet string) [][]string {
		r := w.do(http.MethodGet, path, "root", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatalf("%s: sheet %q: %v (sheets %v)", path, sheet, err, x.GetSheetList())
		}
		return rows
	}
	rows := sheetRows("/api/v1/exports/coverage.xlsx"+period, "Giao ban, đối thoại")
	var data [][]string
	for _, r := range rows {
		if len(r) == 10 && r[0] != "STT" {
			data = append(data, r)
		}
	}
	if len(data) != len(page.Items) {
		t.Fatalf("forms sheet: %v", rows)
	}
	for i, it := range page.Items {
		want := []string{strconv.Itoa(i + 1), it.CommuneName, it.Month[5:] + "/" + it.Month[:4], strconv.Itoa(it.BriefingsExpected),
			strconv.Itoa(it.BriefingsHeld), strconv.Itoa(it.CellsReported), strconv.Itoa(it.Cells), strconv.Itoa(it.DialoguesHeld),
			strconv.Itoa(it.CommitteeHeld), strconv.Itoa(it.CommitteeAttended)}
		if !slices.Equal(data[i], want) {
			t.Errorf("forms sheet row %d: %v, want %v", i, data[i], want)
		}
	}
	rows = sheetRows("/api/v1/exports/officials.xlsx"+period, "Dự hội nghị mở rộng")
	last := rows[len(rows)-1]
	if !slices.Equal(last, []string{"1", w.users["off1"].DisplayName, w.c1.Name, "2", "1"}) {
		t.Errorf("committee sheet: %v", rows)
	}
}

// TestCommitteeMeetingReminders: an official assigned to a commune's expanded committee meetings is reminded the
// evening before and the morning of a planned one, with no visit report to chase; the briefings of the commune are
// not its to be reminded of; an official of a cell is reminded of its cell's meetings only.
func TestCommitteeMeetingReminders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := domain.DateOf(store.Now())
	if r := w.do(http.MethodPost, "/api/v1/assignments", "admin1", map[string]any{"official_ids": []string{w.users["off1"].ID},
		"cell_ids": []string{w.c1.ID}, "form": "committee", "starts_on": today.AddDays(-30).String(), "frequency": "monthly"}); r.status != http.StatusCreated {
		t.Fatalf("committee assignment: %d %s", r.status, r.body)
	}
	var committee, briefing *store.Meeting
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		committee = &store.Meeting{CellID: w.c1.ID, Form: domain.FormCommittee, MeetingDate: today.AddDays(5), Type: domain.MeetingRegular,
			Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned}
		briefing = &store.Meeting{CellID: w.c1.ID, Form: domain.FormBriefing, MeetingDate: today.AddDays(6), Type: domain.MeetingRegular,
			Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned}
		for _, m := range []*store.Meeting{committee, briefing} {
			if err := store.Insert(ctx, tx, m); err != nil {
				return err
			}
		}
		_, _, err := store.PlanReminders(ctx, tx, time.Now(), []string{w.users["off1"].ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var rems []store.Reminder
	if err := w.db.R.NewSelect().Model(&rems).Where("user_id = ?", w.users["off1"].ID).Where("status = 'pending'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, r := range rems {
		kinds[*r.MeetingID] = append(kinds[*r.MeetingID], r.Kind)
	}
	slices.Sort(kinds[committee.ID])
	if !slices.Equal(kinds[committee.ID], []string{store.ReminderDay, store.ReminderEve}) {
		t.Errorf("the committee meeting's reminders: %v", kinds[committee.ID])
	}
	if len(kinds[briefing.ID]) != 0 {
		t.Errorf("the briefing's reminders to the committee's official: %v", kinds[briefing.ID])
	}
}
