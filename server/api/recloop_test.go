package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
)

// directory is a small directory of addressees of the fixture's province, with a responder for each body.
type directory struct {
	ubndTinh, so, ubndTP, ubndAT *store.Addressee
}

// addDirectory writes the directory: UBND tỉnh; Sở Nông nghiệp và Môi trường under it; UBND xã Triệu Phong (at
// commune c1) and UBND xã Ái Tử (c2) under UBND tỉnh; responders "ubnd" (UBND xã Triệu Phong), "sonn" (the Sở),
// "ubndat" (UBND xã Ái Tử).
func (w *world) addDirectory() *directory {
	w.t.Helper()
	body := func(name string, level domain.AddresseeLevel, parent *store.Addressee, unit *store.OrgUnit, aliases string) *store.Addressee {
		a := &store.Addressee{ProvinceID: &w.province.ID, Kind: domain.AddrGovernment, Level: level, Name: name,
			NameFold: domain.Fold(name), Aliases: aliases}
		if parent != nil {
			a.ParentID = &parent.ID
		}
		if unit != nil {
			a.OrgUnitID = &unit.ID
		}
		a.ID = domain.NewID()
		a.CreatedAt, a.UpdatedAt = store.Now(), store.Now()
		w.insert(a)
		return a
	}
	d := &directory{}
	d.ubndTinh = body("UBND tỉnh Quảng Trị", domain.LevelProvince, nil, w.province, "UBND tỉnh")
	d.so = body("Sở Nông nghiệp và Môi trường", domain.LevelProvince, d.ubndTinh, w.province, "Sở NN&MT")
	d.ubndTP = body("UBND xã Triệu Phong", domain.LevelCommune, d.ubndTinh, w.c1, "UBND xã\nỦy ban xã")
	d.ubndAT = body("UBND xã Ái Tử", domain.LevelCommune, d.ubndTinh, w.c2, "UBND xã")
	for name, a := range map[string]*store.Addressee{"ubnd": d.ubndTP, "sonn": d.so, "ubndat": d.ubndAT} {
		u := w.addUser(name, domain.RoleResponder, w.province)
		// A responder of a directory body answers for it alone: drop the grant over the province addUser gives.
		if _, err := w.db.W.NewDelete().Model((*store.RoleGrant)(nil)).Where("user_id = ?", u.ID).Exec(context.Background()); err != nil {
			w.t.Fatal(err)
		}
		w.insert(&store.AddresseeResponder{ID: domain.NewID(), AddresseeID: a.ID, UserID: u.ID, CreatedAt: store.Now()})
	}
	return d
}

// post runs a step and fails the test unless it succeeds.
func (w *world) step(path, who, sub string, body any) api.RecommendationDetail {
	w.t.Helper()
	r := w.do(http.MethodPost, path+"/"+sub, who, body)
	if r.status != http.StatusOK {
		w.t.Fatalf("%s %s: %d %s", who, sub, r.status, r.body)
	}
	return detail(w.t, r)
}

// notes returns the notifications of kind, as "username: title | body" sorted.
func (w *world) notes(kind string) []string {
	w.t.Helper()
	var ns []store.Notification
	if err := w.db.R.NewSelect().Model(&ns).Where("kind = ?", kind).Scan(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		for name, u := range w.users {
			if u.ID == n.UserID {
				out = append(out, name+": "+n.Title+" | "+n.Body)
			}
		}
	}
	sort.Strings(out)
	return out
}

// pendingRecReminders returns the pending reminders of the loop, as "kind user day".
func (w *world) pendingRecReminders() []string {
	w.t.Helper()
	var rs []store.Reminder
	if err := w.db.R.NewSelect().Model(&rs).Where("status = 'pending'").Where("kind LIKE 'recommendation_%'").
		Where("kind <> ?", store.ReminderRecDigest).Scan(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		_, day := store.RecReminderTarget(r)
		for name, u := range w.users {
			if u.ID == r.UserID {
				out = append(out, r.Kind+" "+name+" "+day)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestLoopThroughTheDirectory(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dir := w.addDirectory()
	w.addUser("secA", domain.RoleSecretary, w.cellA)
	off1 := w.users["off1"]
	if _, err := w.db.W.NewUpdate().Table("recommendations").Set("raised_by = ?", off1.ID).Set("addressee_text = ?", "UBND xã").
		Where("id = ?", w.recA.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/recommendations/" + w.recA.ID
	today := domain.DateOf(time.Now())
	due := today.AddDays(20)

	// The official's "UBND xã" is matched to the commune's UBND (not Ái Tử's): suggested on the detail, taken by a
	// forward that names no body.
	if d := detail(t, w.do(http.MethodGet, path, "sup1", nil)); d.SuggestedAddresseeID != dir.ubndTP.ID {
		t.Errorf("suggested %q, want UBND xã Triệu Phong", d.SuggestedAddresseeID)
	}
	d := w.step(path, "sup1", "forward", map[string]any{"due_on": due, "direction": "Đề nghị UBND xã kiểm tra, trả lời trước ngày 25."})
	if d.Status != domain.RecForwarded || d.AddresseeID == nil || *d.AddresseeID != dir.ubndTP.ID || d.AddresseeName != "UBND xã Triệu Phong" ||
		d.Direction != "Đề nghị UBND xã kiểm tra, trả lời trước ngày 25." || d.DirectedAt == nil || d.Bodies[dir.ubndTP.ID] != "UBND xã Triệu Phong" {
		t.Fatalf("forwarded: %+v bodies %v", d.Recommendation, d.Bodies)
	}
	// Its responder is notified, and reminded 3 days before the due date and the day after it; the supervisor
	// who forwarded it is told when it is overdue.
	if diff := cmp.Diff([]string{"ubnd: Kiến nghị chờ trả lời | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn (hạn trả lời " + due.VN() + ")"},
		w.notes(notify.KindRecForwarded)); diff != "" {
		t.Errorf("forwarded notices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"recommendation_due_soon ubnd " + due.String(), "recommendation_overdue sup1 " + due.String(),
		"recommendation_overdue ubnd " + due.String()}, w.pendingRecReminders()); diff != "" {
		t.Errorf("reminders (-want +got):\n%s", diff)
	}
	// The responder lists and reads it; the other commune's does not.
	if r := w.do(http.MethodGet, "/api/v1/recommendations", "ubnd", nil); !strings.Contains(string(r.body), w.recA.ID) || strings.Contains(string(r.body), w.recX.ID) {
		t.Errorf("responder's list: %d %s", r.status, r.body)
	}
	for who, want := range map[string]bool{"ubnd": true, "ubndat": false, "sup1": false} {
		r := w.do(http.MethodGet, "/api/v1/recommendations?answering=true&status=forwarded,sent_back", who, nil)
		if r.status != http.StatusOK || strings.Contains(string(r.body), w.recA.ID) != want {
			t.Errorf("%s's recommendations to answer: %d %s", who, r.status, r.body)
		}
	}
	if r := w.do(http.MethodGet, path, "ubndat", nil); r.status != http.StatusNotFound {
		t.Errorf("other body reads it: %d", r.status)
	}
	if d := detail(t, w.do(http.MethodGet, path, "ubnd", nil)); !d.Responder {
		t.Errorf("ubnd is not told it answers")
	}
	// A written answer needs its document.
	for _, tc := range []struct {
		body      map[string]any
		field, vi string
	}{
		{map[string]any{"body": "Đã kiểm tra."}, "doc_number", "Cần ghi số văn bản trả lời (ví dụ 12/UBND)."},
		{map[string]any{"body": "Đã kiểm tra.", "doc_number": "12/UBND"}, "doc_date", "Cần ghi ngày ban hành văn bản trả lời."},
		{map[string]any{"body": "Đã kiểm tra.", "doc_number": "12/UBND", "doc_date": today.AddDays(1)}, "doc_date", "Ngày văn bản không được sau hôm nay."},
	} {
		r := w.do(http.MethodPost, path+"/answers", "ubnd", tc.body)
		var e api.ErrorBody
		r.json(t, &e)
		if r.status != http.StatusBadRequest || e.Field != tc.field || e.Message != tc.vi {
			t.Errorf("answer %v: %d %s", tc.body, r.status, r.body)
		}
	}
	d = w.step(path, "ubnd", "answers", map[string]any{"body": "UBND xã đưa tuyến đường vào kế hoạch năm 2027.", "doc_number": "12/UBND", "doc_date": today})
	if d.Status != domain.RecAnswered || len(d.Answers) != 1 || d.Answers[0].DocNumber != "12/UBND" || d.Answers[0].DocDate != today ||
		d.Answers[0].AddresseeID == nil || *d.Answers[0].AddresseeID != dir.ubndTP.ID {
		t.Fatalf("answered: %+v %+v", d.Recommendation, d.Answers)
	}
	if got := w.pendingRecReminders(); len(got) != 0 {
		t.Errorf("reminders still pending once answered: %v", got)
	}
	// Sent back: the responder is told why, with the new due date, and reminded again.
	d = w.step(path, "sup1", "verdict", map[string]any{"verdict": "sent_back", "reason": "Chưa nêu thời gian thi công."})
	newDue := today.AddDays(15)
	if diff := cmp.Diff([]string{"ubnd: Kiến nghị cần trả lời lại | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn. Lý do: Chưa nêu thời gian thi công. (hạn trả lời mới " + newDue.VN() + ")"},
		w.notes(notify.KindRecSentBack)); diff != "" {
		t.Errorf("sent back notices (-want +got):\n%s", diff)
	}
	if got := w.pendingRecReminders(); len(got) != 3 || !strings.HasSuffix(got[0], newDue.String()) {
		t.Errorf("reminders after sending back: %v", got)
	}
	d = w.step(path, "ubnd", "answers", map[string]any{"body": "Thi công từ tháng 3/2027.", "doc_number": "15/UBND", "doc_date": today})
	d = w.step(path, "sup1", "verdict", map[string]any{"verdict": "accepted"})
	if d.Status != domain.RecAccepted {
		t.Fatalf("accepted: %+v", d.Recommendation)
	}
	// The cell's secretary is asked to confirm it on the ground, and only it.
	if diff := cmp.Diff([]string{"secA: Kiến nghị đã được trả lời thỏa đáng | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn. Đồng chí xác nhận khi vụ việc đã được giải quyết trên thực tế."},
		w.notes(notify.KindRecAccepted)); diff != "" {
		t.Errorf("accepted notices (-want +got):\n%s", diff)
	}
	// Only the cell's secretary confirms it settled on the ground.
	for _, who := range []string{"sup1", "sec1", "ubnd", "off1"} {
		if r := w.do(http.MethodPost, path+"/confirm", who, map[string]any{}); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("%s confirms: %d %s", who, r.status, r.body)
		}
	}
	// Not yet on the list for the briefing? It is: accepted and not announced.
	list := func() string {
		return string(w.do(http.MethodGet, "/api/v1/recommendations?to_announce=true&unit="+w.c1.ID, "sup1", nil).body)
	}
	if !strings.Contains(list(), w.recA.ID) {
		t.Errorf("accepted one not on the list to announce")
	}
	d = w.step(path, "secA", "confirm", map[string]any{"note": "Đã kiểm tra thực tế, đường đã được sửa."})
	if d.Status != domain.RecResolved || d.ConfirmedAt == nil || d.ConfirmedBy == nil || *d.ConfirmedBy != w.users["secA"].ID || d.ResolvedAt == nil {
		t.Fatalf("confirmed: %+v", d.Recommendation)
	}
	if !strings.Contains(list(), w.recA.ID) {
		t.Errorf("resolved one not on the list to announce")
	}
	// Announced at the commune's briefing; a briefing of another commune is refused.
	briefing := func(unit *store.OrgUnit) *store.Meeting {
		m := &store.Meeting{CellID: unit.ID, Form: domain.FormBriefing, MeetingDate: today, Type: domain.MeetingRegular, Mode: "in_person", Status: domain.MeetingHeld}
		m.ID = domain.NewID()
		m.CreatedAt, m.UpdatedAt = store.Now(), store.Now()
		w.insert(m)
		return m
	}
	mine, other := briefing(w.c1), briefing(w.c2)
	if r := w.do(http.MethodPost, path+"/announce", "root", map[string]any{"meeting_id": other.ID}); r.status != http.StatusBadRequest {
		t.Errorf("announced at another commune's briefing: %d %s", r.status, r.body)
	}
	d = w.step(path, "sup1", "announce", map[string]any{"meeting_id": mine.ID})
	if d.AnnouncedMeetingID == nil || *d.AnnouncedMeetingID != mine.ID || d.Meetings[mine.ID].Form != domain.FormBriefing || d.Meetings[mine.ID].MeetingDate != today {
		t.Fatalf("announced: %+v %+v", d.Recommendation, d.Meetings)
	}
	if strings.Contains(list(), w.recA.ID) {
		t.Errorf("announced one still on the list")
	}
	// The history names the body and the documents.
	var got []string
	for _, e := range d.Events {
		line := e.Action + " " + string(e.ToStatus)
		if e.AddresseeID != nil {
			line += " " + d.Bodies[*e.AddresseeID]
		}
		if e.DocNumber != "" {
			line += " " + e.DocNumber + " " + e.DocDate.VN()
		}
		got = append(got, line)
	}
	want := []string{"direct new", "forward forwarded UBND xã Triệu Phong",
		"answer answered UBND xã Triệu Phong 12/UBND " + today.VN(), "send_back sent_back",
		"answer answered UBND xã Triệu Phong 15/UBND " + today.VN(), "accept accepted", "confirm resolved", "announce resolved"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	var actions []string
	if err := w.db.R.NewSelect().Model((*store.AuditEntry)(nil)).Column("action").Where("entity = 'recommendation' AND entity_id = ?", w.recA.ID).
		OrderExpr("id").Scan(ctx, &actions); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"direct", "forward", "answer", "send_back", "answer", "accept", "confirm", "announce"}, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestLoopEscalation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dir := w.addDirectory()
	path := "/api/v1/recommendations/" + w.recA.ID
	today := domain.DateOf(time.Now())
	due := today.AddDays(10)
	w.step(path, "sup1", "forward", map[string]any{"addressee_id": dir.ubndTP.ID, "due_on": due})

	// UBND xã answers that it is beyond its competence and passes it to the Sở, with its document.
	d := w.step(path, "ubnd", "answers", map[string]any{"beyond_competence": true, "escalate_to": dir.so.ID,
		"body": "Việc nạo vét kênh cấp 2 thuộc thẩm quyền của Sở.", "doc_number": "20/UBND-KT", "doc_date": today})
	newDue := today.AddDays(15)
	if d.Status != domain.RecForwarded || *d.AddresseeID != dir.so.ID || d.Escalations != 1 || d.DueOn != newDue ||
		len(d.Answers) != 1 || !d.Answers[0].BeyondCompetence || *d.Answers[0].AddresseeID != dir.ubndTP.ID {
		t.Fatalf("escalated: %+v %+v", d.Recommendation, d.Answers)
	}
	last := d.Events[len(d.Events)-1]
	if last.Action != domain.RecActionEscalate || *last.AddresseeID != dir.so.ID || last.DueOn != newDue || last.DocNumber != "20/UBND-KT" {
		t.Errorf("escalation event: %+v", last)
	}
	if diff := cmp.Diff([]string{"sonn: Kiến nghị chuyển lên cấp trên | UBND xã Triệu Phong trả lời thuộc thẩm quyền cấp trên. Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn (hạn trả lời " + newDue.VN() + ")"},
		w.notes(notify.KindRecEscalated)); diff != "" {
		t.Errorf("escalation notices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"recommendation_due_soon sonn " + newDue.String(), "recommendation_overdue sonn " + newDue.String(),
		"recommendation_overdue sup1 " + newDue.String()}, w.pendingRecReminders()); diff != "" {
		// The supervisor who forwarded it is still told when the Sở is late.
		t.Errorf("reminders (-want +got):\n%s", diff)
	}
	// The lower body still reads it, but no longer answers for it.
	if r := w.do(http.MethodGet, path, "ubnd", nil); r.status != http.StatusOK || detail(t, r).Responder {
		t.Errorf("ubnd after escalation: %d", r.status)
	}
	if r := w.do(http.MethodPost, path+"/answers", "ubnd", map[string]any{"body": "x", "doc_number": "1", "doc_date": today}); r.status != http.StatusForbidden {
		t.Errorf("ubnd answers after escalation: %d %s", r.status, r.body)
	}
	// The Sở answers in time; accepted.
	w.step(path, "sonn", "answers", map[string]any{"body": "Sở bố trí kinh phí nạo vét trong quý I/2027.", "doc_number": "305/SNNMT-TL", "doc_date": today})
	w.step(path, "sup1", "verdict", map[string]any{"verdict": "accepted"})
	// A supervisor may still resolve without the secretary's confirmation (a cell without a secretary account).
	d = w.step(path, "sup1", "resolve", map[string]any{"note": "Chi bộ chưa có tài khoản bí thư."})
	if d.Status != domain.RecResolved || d.ConfirmedAt != nil {
		t.Errorf("resolved: %+v", d.Recommendation)
	}

	// The statistics by addressee, and the same in the export's sheet.
	var st store.RecStats
	w.do(http.MethodGet, "/api/v1/recommendations/stats?unit="+w.c1.ID, "sup1", nil).json(t, &st)
	type row struct {
		Name                                                     string
		Received, Answered, OnTime, Overdue, SentBack, Escalated int
	}
	var rows []row
	for _, r := range st.ByAddressee {
		rows = append(rows, row{r.Name, r.Received, r.Answered, r.AnsweredOnTime, r.Overdue, r.SentBack, r.Escalated})
	}
	if diff := cmp.Diff([]row{{"Sở Nông nghiệp và Môi trường", 1, 1, 1, 0, 0, 0}, {"UBND xã Triệu Phong", 1, 0, 0, 0, 0, 1}}, rows); diff != "" {
		t.Errorf("by addressee (-want +got):\n%s", diff)
	}
	_ = ctx
}

func TestLoopStepsRefused(t *testing.T) {
	w := newWorld(t)
	dir := w.addDirectory()
	today := domain.DateOf(time.Now())
	due := today.AddDays(10).String()
	recA := "/api/v1/recommendations/" + w.recA.ID
	w.step(recA, "sup1", "forward", map[string]any{"addressee_id": dir.ubndTP.ID, "due_on": due})
	// recB: forwarded the old way, to a party unit.
	recX := "/api/v1/recommendations/" + w.recX.ID
	w.step(recX, "admin2", "forward", map[string]any{"addressee_org_unit_id": w.c2.ID, "due_on": due})
	doc := `,"doc_number":"3/UBND","doc_date":"` + today.String() + `"`
	for _, tc := range []struct {
		name, path, sub, who, body string
		status                     int
		field                      string
	}{
		{"direction by an official", recA, "direct", "off1", `{"direction":"Kiểm tra ngay"}`, 403, ""},
		{"empty direction", recA, "direct", "sup1", `{"direction":"  "}`, 400, "direction"},
		{"forward to another province's body", recA, "forward", "sup1", `{"addressee_id":"` + domain.NewID() + `","due_on":"` + due + `"}`, 400, "addressee_id"},
		{"escalate by another body's responder", recA, "escalate", "ubndat", `{"addressee_id":"` + dir.so.ID + `"` + doc + `}`, 403, ""},
		{"escalate by the responder without its document", recA, "escalate", "ubnd", `{"addressee_id":"` + dir.so.ID + `"}`, 400, "doc_number"},
		{"escalate to a body not above", recA, "escalate", "sup1", `{"addressee_id":"` + dir.ubndAT.ID + `"}`, 400, "addressee_id"},
		{"escalate a recommendation of a party unit", recX, "escalate", "admin2", `{}`, 400, "addressee_id"},
		{"confirm before accepted", recA, "confirm", "root", `{}`, 403, ""},
		{"answer by the supervisor without a document", recA, "answers", "sup1", `{"body":"Trả lời"}`, 400, "doc_number"},
		{"answer by another body's responder", recA, "answers", "ubndat", `{"body":"Trả lời"` + doc + `}`, 403, ""},
		{"answer by the official who raised it", recA, "answers", "off1", `{"body":"Trả lời"` + doc + `}`, 403, ""},
		{"direction by the body's responder", recA, "direct", "ubnd", `{"direction":"Kiểm tra"}`, 403, ""},
		{"forward by the body's responder", recA, "forward", "ubnd", `{"addressee_id":"` + dir.so.ID + `","due_on":"` + due + `"}`, 403, ""},
		{"escalate with a due date passed", recA, "escalate", "sup1", `{"due_on":"` + today.AddDays(-1).String() + `"}`, 400, "due_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(http.MethodPost, tc.path+"/"+tc.sub, tc.who, tc.body)
			var e api.ErrorBody
			r.json(t, &e)
			if r.status != tc.status || e.Field != tc.field {
				t.Errorf("%d %s, want %d %q", r.status, r.body, tc.status, tc.field)
			}
		})
	}
	// The supervisor passes it up to the parent by default.
	d := w.step(recA, "sup1", "escalate", map[string]any{})
	if *d.AddresseeID != dir.ubndTinh.ID || d.Escalations != 1 || len(d.Answers) != 0 {
		t.Errorf("escalated to the parent: %+v", d.Recommendation)
	}
}

// TestLoopReminders fires the loop's reminders with a controlled clock: 3 days before the due date, the day after
// it, and the supervisors' weekly digest.
func TestLoopReminders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dir := w.addDirectory()
	path := "/api/v1/recommendations/" + w.recA.ID
	due := domain.DateOf(time.Now()).AddDays(5)
	w.step(path, "sup1", "forward", map[string]any{"addressee_id": dir.ubndTP.ID, "due_on": due})
	var clock time.Time
	wk := notify.NewWorker(w.db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, notify.Options{Now: func() time.Time { return clock }})
	fire := func(at time.Time) {
		t.Helper()
		clock = at
		if _, err := wk.FireReminders(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var rs []store.Reminder
	if err := w.db.R.NewSelect().Model(&rs).Where("kind LIKE 'recommendation_%'").OrderExpr("next_at, key").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d reminders planned", len(rs))
	}
	soon := rs[0].NextAt
	if domain.DateOf(soon) != due.AddDays(-3) {
		t.Errorf("due-soon reminder at %v, want on %v", soon, due.AddDays(-3))
	}
	fire(soon.Add(time.Minute))
	if diff := cmp.Diff([]string{"ubnd: Kiến nghị sắp đến hạn trả lời | UBND xã Triệu Phong: Đề nghị sửa đường liên thôn (hạn trả lời " + due.VN() + ")"},
		w.notes(notify.KindRecDueSoon)); diff != "" {
		t.Errorf("due soon (-want +got):\n%s", diff)
	}
	late := rs[1].NextAt
	if domain.DateOf(late) != due.AddDays(1) {
		t.Errorf("overdue reminder at %v, want on %v", late, due.AddDays(1))
	}
	// The day after the due date (the worker's clock), the responder and the forwarder are told.
	fire(late.Add(time.Minute))
	if diff := cmp.Diff([]string{
		"sup1: Kiến nghị quá hạn trả lời | UBND xã Triệu Phong: Đề nghị sửa đường liên thôn (hạn trả lời " + due.VN() + " đã qua)",
		"ubnd: Kiến nghị quá hạn trả lời | UBND xã Triệu Phong: Đề nghị sửa đường liên thôn (hạn trả lời " + due.VN() + " đã qua)",
	}, w.notes(notify.KindRecOverdue)); diff != "" {
		t.Errorf("overdue (-want +got):\n%s", diff)
	}
	// The weekly digest: planned for a Monday, sent to the supervisors with the overdue ones of their subtrees.
	if _, _, err := store.PlanReminders(ctx, w.db.W, late.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	var dg []store.Reminder
	if err := w.db.R.NewSelect().Model(&dg).Where("kind = ?", store.ReminderRecDigest).Where("user_id = ?", w.users["sup1"].ID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(dg) != 1 || dg[0].NextAt.In(domain.Zone).Weekday() != time.Monday {
		t.Fatalf("digest reminders: %+v", dg)
	}
	fire(dg[0].NextAt.Add(time.Minute))
	if diff := cmp.Diff([]string{"sup1: Kiến nghị quá hạn trả lời trong tuần | 1 kiến nghị quá hạn trả lời: UBND xã Triệu Phong."},
		w.notes(notify.KindRecDigest)); diff != "" {
		t.Errorf("digest (-want +got):\n%s", diff)
	}
}

// TestLoopStatsByAddresseeRecomputed takes twenty recommendations through random paths of the loop (forward,
// answer late or on time, send back, pass up, accept) and checks the statistics by addressee against a count kept
// while taking the steps.
func TestLoopStatsByAddresseeRecomputed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dir := w.addDirectory()
	today := domain.DateOf(time.Now())
	responder := map[string]string{dir.ubndTP.ID: "ubnd", dir.so.ID: "sonn"}
	type row struct{ Received, Answered, OnTime, Overdue, SentBack, Escalated int }
	want := map[string]*row{dir.ubndTP.ID: {}, dir.so.ID: {}, dir.ubndTinh.ID: {}}
	seed := uint64(12)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	later := today.AddDays(40) // the day the statistics are taken: every due date has passed
	for i := 0; i < 20; i++ {
		rec := newRec(w.cellA, today.AddDays(-i), "", domain.RecNew)
		w.insert(rec)
		path := "/api/v1/recommendations/" + rec.ID
		at := dir.ubndTP.ID
		w.step(path, "sup1", "forward", map[string]any{"addressee_id": at, "due_on": today.AddDays(1 + rnd(20))})
		want[at].Received++
		answered, sent := map[string]bool{}, map[string]bool{}
		open := true
		for k := 0; k < 4 && open; k++ {
			switch rnd(4) {
			case 0: // left waiting: overdue on the day the statistics are taken
				want[at].Overdue++
				open = false
			case 1: // passed up (only once, from the commune)
				if at == dir.ubndTP.ID {
					w.step(path, "ubnd", "escalate", map[string]any{"addressee_id": dir.so.ID, "doc_number": "1/UBND", "doc_date": today})
					want[at].Escalated++
					at = dir.so.ID
					want[at].Received++
					continue
				}
				fallthrough
			default: // answered (today: on time, every due date is ahead), then accepted or sent back
				w.step(path, responder[at], "answers", map[string]any{"body": "Trả lời", "doc_number": "2/VB", "doc_date": today})
				if !answered[at] {
					answered[at] = true
					want[at].Answered++
					want[at].OnTime++
				}
				if rnd(2) == 0 {
					w.step(path, "sup1", "verdict", map[string]any{"verdict": "accepted"})
					open = false
				} else {
					w.step(path, "sup1", "verdict", map[string]any{"verdict": "sent_back", "reason": "Chưa rõ"})
					if !sent[at] {
						sent[at] = true
						want[at].SentBack++
					}
				}
			}
		}
		if open {
			want[at].Overdue++
		}
	}
	st, err := store.RecommendationStatsByAddressee(ctx, w.db.R, []string{w.c1.Path}, domain.Date{}, domain.Date{}, later)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*row{dir.ubndTP.ID: {}, dir.so.ID: {}, dir.ubndTinh.ID: {}}
	for _, r := range st {
		got[*r.AddresseeID] = &row{r.Received, r.Answered, r.AnsweredOnTime, r.Overdue, r.SentBack, r.Escalated}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("by addressee (-recomputed +stats):\n%s", diff)
	}
	if want[dir.so.ID].Received == 0 || want[dir.ubndTP.ID].Overdue == 0 {
		t.Errorf("the random paths missed a case: %+v %+v", want[dir.ubndTP.ID], want[dir.so.ID])
	}
}

// TestLoopExportByAddressee checks the export's sheet by addressee against the statistics' by_addressee.
func TestLoopExportByAddressee(t *testing.T) {
	w := newWorld(t)
	dir := w.addDirectory()
	today := domain.DateOf(time.Now())
	path := "/api/v1/recommendations/" + w.recA.ID
	w.step(path, "sup1", "forward", map[string]any{"addressee_id": dir.ubndTP.ID, "due_on": today.AddDays(5)})
	w.step(path, "ubnd", "escalate", map[string]any{"addressee_id": dir.so.ID, "doc_number": "7/UBND", "doc_date": today})
	w.step(path, "sonn", "answers", map[string]any{"body": "Sở trả lời", "doc_number": "9/SNNMT", "doc_date": today})
	w.step(path, "sup1", "verdict", map[string]any{"verdict": "sent_back", "reason": "Chưa rõ kinh phí"})
	r := w.do(http.MethodGet, "/api/v1/exports/recommendations.xlsx?unit="+w.c1.ID, "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	wb := openRecWorkbook(t, r.body)
	want := [][]string{
		{"1", "Sở Nông nghiệp và Môi trường", "1", "1", "1", "0", "1", "0"},
		{"2", "UBND xã Triệu Phong", "1", "0", "0", "0", "0", "1"},
		{"", "Tổng cộng", "2", "1", "1", "0", "1", "1"},
	}
	var got [][]string
	for _, row := range wb.raw["Theo cơ quan"] {
		if len(row) >= 8 && (row[0] == "" || row[0] == "1" || row[0] == "2") && row[1] != "" && row[1] != "Cơ quan nhận kiến nghị" {
			got = append(got, row[:8])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sheet by addressee (-want +got):\n%s", diff)
	}
	// Its title is its own, not the sheet by field's (an outsider found it copied).
	if sh := wb.raw["Theo cơ quan"]; len(sh) == 0 || len(sh[0]) == 0 || sh[0][0] != "THỐNG KÊ KIẾN NGHỊ THEO CƠ QUAN TRẢ LỜI" {
		t.Errorf("the sheet by addressee's title: %.200v", sh)
	}
}

// TestLoopTapFast sends the same answer twice at once (a double tap, or two phones of the body): one is recorded,
// the other refused as a step the status no longer allows, and the history has one answer.
func TestLoopTapFast(t *testing.T) {
	w := newWorld(t)
	dir := w.addDirectory()
	today := domain.DateOf(time.Now())
	path := "/api/v1/recommendations/" + w.recA.ID
	w.step(path, "sup1", "forward", map[string]any{"addressee_id": dir.ubndTP.ID, "due_on": today.AddDays(5)})
	statuses := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			statuses <- w.do(http.MethodPost, path+"/answers", "ubnd", map[string]any{"body": "Đã kiểm tra", "doc_number": "5/UBND", "doc_date": today}).status
		}()
	}
	got := []int{<-statuses, <-statuses}
	sort.Ints(got)
	if got[0] != http.StatusOK || got[1] != http.StatusConflict {
		t.Errorf("statuses %v, want one 200 and one 409", got)
	}
	d := detail(t, w.do(http.MethodGet, path, "sup1", nil))
	if len(d.Answers) != 1 || len(d.Events) != 2 {
		t.Errorf("%d answers, %d events", len(d.Answers), len(d.Events))
	}
}
