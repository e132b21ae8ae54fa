package api_test

import (
	"context"
	"net/http"
	"testing"

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
