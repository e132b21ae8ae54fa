package engine_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// outsiderRow is what a client written from sync/PROTOCOL.md alone keeps of a row: its version, bucket and data.
type outsiderRow struct {
	v          int64
	c, s, p, m string
	d          map[string]any
}

// outsiderCovers is PROTOCOL.md's "Scopes" table, read literally.
func outsiderCovers(sc map[string]any, r outsiderRow, window string) bool {
	has := false
	for _, c := range sc["classes"].([]any) {
		has = has || c == r.c
	}
	if !has || (r.m != "" && r.m < window) {
		return false
	}
	path, _ := sc["path"].(string)
	switch sc["kind"] {
	case "cell", "root":
		return path != "" && strings.HasPrefix(r.p, path)
	case "unit":
		if r.c == "unit" {
			return path != "" && strings.HasPrefix(r.p, path)
		}
		return path != "" && r.p == path
	case "user":
		return r.s == sc["id"]
	case "ref":
		for _, x := range sc["refs"].([]any) {
			if x == "*" || x == r.s {
				return true
			}
		}
	}
	return false
}

// outsider is a device written from PROTOCOL.md alone: JSON over HTTP, rows kept by table and id.
type outsider struct {
	h              *harness
	user, clientID string
	cursor, window string
	seq            int
	scopes         []map[string]any
	rows           map[string]outsiderRow
}

// round pulls pages until has_more is false, applying each op by version and, at the end, dropping the rows no
// scope covers.
func (o *outsider) round(t *testing.T) {
	t.Helper()
	waitCommitted(t, o.h.db)
	cursor := o.cursor
	for {
		var resp map[string]any
		o.h.post("/api/v1/sync/pull", o.user, map[string]any{"cursor": cursor, "limit": 1000}, &resp)
		if resp["reset"] == true {
			o.rows = map[string]outsiderRow{}
		}
		for _, x := range resp["ops"].([]any) {
			op := x.(map[string]any)
			k := op["t"].(string) + "/" + op["id"].(string)
			v := int64(op["v"].(float64))
			if cur, ok := o.rows[k]; ok && cur.v > v {
				continue
			}
			if op["op"] == "del" {
				delete(o.rows, k)
				continue
			}
			r := outsiderRow{v: v, c: op["c"].(string), s: op["s"].(string), d: op["d"].(map[string]any)}
			r.p, _ = op["p"].(string)
			r.m, _ = op["m"].(string)
			o.rows[k] = r
		}
		cursor = resp["cursor"].(string)
		if resp["has_more"] != true {
			o.cursor, o.window = cursor, resp["window"].(string)
			o.scopes = nil
			for _, s := range resp["scopes"].([]any) {
				o.scopes = append(o.scopes, s.(map[string]any))
			}
			for k, r := range o.rows {
				keep := false
				for _, s := range o.scopes {
					keep = keep || outsiderCovers(s, r, o.window)
				}
				if !keep {
					delete(o.rows, k)
				}
			}
			return
		}
	}
}

func (o *outsider) count(table string) int {
	n := 0
	for k := range o.rows {
		if strings.HasPrefix(k, table+"/") {
			n++
		}
	}
	return n
}

// TestOutsideClientRecordsABriefing is a client written from sync/PROTOCOL.md alone: a secretary's device syncs
// its commune's unit scope, records a giao ban of its commune offline (the meeting, itself as the minute-taker and
// three cells' reports, in one request), and reads them back from the server.
func TestOutsideClientRecordsABriefing(t *testing.T) {
	h, north, _ := formsHarness(t)
	o := &outsider{h: h, user: "sec", clientID: uuid.NewString(), rows: map[string]outsiderRow{}}
	o.round(t)
	var commune map[string]any
	for _, s := range o.scopes {
		if s["kind"] == "unit" {
			commune = s
		}
	}
	if commune == nil || commune["id"] != h.c1.ID {
		t.Fatalf("no unit scope of the commune: %v", o.scopes)
	}
	// The commune's cells and zones came with it: find the cells of the commune and the zone from the rows.
	var cells []string
	for k, r := range o.rows {
		if strings.HasPrefix(k, "org_units/") && r.d["kind"] == "cell" {
			cells = append(cells, r.d["id"].(string))
		}
	}
	if len(cells) != 3 || o.count("zones") != 1 || o.count("meetings") != 0 {
		t.Fatalf("cells %v, zones %d, meetings %d", cells, o.count("zones"), o.count("meetings"))
	}

	meeting := uuid.NewString()
	muts := []map[string]any{
		{"t": "meetings", "op": "upsert", "row_id": meeting, "base_version": 0, "fields": map[string]any{
			"cell_id": commune["id"], "form": "briefing", "meeting_date": h.today.String(), "status": "held", "zone_id": north.ID,
			"topic": "Giao ban bí thư chi bộ tháng"}},
		{"t": "meeting_participants", "op": "upsert", "row_id": uuid.NewString(), "base_version": 0, "fields": map[string]any{
			"meeting_id": meeting, "role": "minute_taker", "user_id": h.users["sec"].ID, "name": "Phó khu"}},
	}
	for i, c := range cells {
		muts = append(muts, map[string]any{"t": "briefing_reports", "op": "upsert", "row_id": uuid.NewString(), "base_version": 0,
			"fields": map[string]any{"meeting_id": meeting, "cell_id": c, "reporter_name": "Bí thư " + string(rune('A'+i)),
				"situation": "Tình hình chính trị ổn định", "done": "Hoàn thành thu nộp đảng phí", "problems": "Mưa lũ",
				"proposals": "Đề nghị hỗ trợ giống lúa"}})
	}
	for i := range muts {
		o.seq++
		muts[i]["seq"] = o.seq
	}
	var resp map[string]any
	h.post("/api/v1/sync/push", "sec", map[string]any{"client_id": o.clientID, "mutations": muts}, &resp)
	for _, x := range resp["results"].([]any) {
		if r := x.(map[string]any); r["status"] != "applied" {
			t.Fatalf("push: %v", r)
		}
	}
	o.round(t)
	if o.count("briefing_reports") != 3 || o.count("meeting_participants") != 1 || o.count("meetings") != 1 {
		t.Fatalf("after the round: %d reports, %d participants, %d meetings", o.count("briefing_reports"),
			o.count("meeting_participants"), o.count("meetings"))
	}
	for k, r := range o.rows {
		if strings.HasPrefix(k, "briefing_reports/") && (r.p != commune["path"] || r.c != "meetings" || r.d["proposals"] != "Đề nghị hỗ trợ giống lúa") {
			t.Errorf("report %s: bucket %s %s, data %v", k, r.c, r.p, r.d)
		}
	}
}
