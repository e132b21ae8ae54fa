package api_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Reference field ids of the default list (migrations 0002).
const (
	fieldAgri   = "5f536581-698c-533a-b5c0-8cee7dff9edc" // nong_nghiep, sort 10
	fieldInfra  = "df0f501d-e52e-5765-81ea-dfe7db6ecb1f" // cn_dv_hatang, sort 20
	fieldsTotal = 8
)

// addUser adds a user with one grant to the world.
func (w *world) addUser(username string, role domain.Role, over *store.OrgUnit) *store.User {
	w.t.Helper()
	ctx := context.Background()
	h, _ := auth.HashPassword("password-"+username, cheap)
	u := &store.User{Username: username, DisplayName: "Người dùng " + username, PasswordHash: h, Active: true, HomeOrgUnitID: &over.ID}
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.CreateUser(ctx, tx, u); err != nil {
			return err
		}
		return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: role, OrgUnitID: &over.ID})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.users[username] = u
	return u
}

// insert writes fixture rows directly, as the demo generator does.
func (w *world) insert(rows ...any) {
	w.t.Helper()
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		for _, r := range rows {
			if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// newRec returns a recommendation of cell, not yet inserted.
func newRec(cell *store.OrgUnit, raised domain.Date, field string, status domain.RecStatus) *store.Recommendation {
	r := &store.Recommendation{CellID: cell.ID, Content: "Đề nghị nạo vét kênh mương nội đồng", Urgency: "normal", Status: status, RaisedOn: raised}
	r.ContentFold = domain.Fold(r.Content)
	if field != "" {
		r.FieldID = &field
	}
	r.ID = domain.NewID()
	r.CreatedAt, r.UpdatedAt = store.Now(), store.Now()
	return r
}

func newAnswer(rec *store.Recommendation, at time.Time, verdict string) *store.RecommendationAnswer {
	a := &store.RecommendationAnswer{RecommendationID: rec.ID, Body: "Trả lời bằng văn bản", AnsweredAt: at, Verdict: verdict}
	a.ID = domain.NewID()
	a.CreatedAt, a.UpdatedAt = store.Now(), store.Now()
	return a
}

// vn is a time in Asia/Ho_Chi_Minh.
func vn(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Zone).UTC()
}

func detail(t *testing.T, r response) api.RecommendationDetail {
	t.Helper()
	var d api.RecommendationDetail
	r.json(t, &d)
	return d
}

type step struct {
	Action     string
	From, To   domain.RecStatus
	Actor      string
	Note       string
	HasAnswer  bool
	HasMeeting bool
}

func TestRecommendationLoop(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ubnd := w.addUser("ubnd1", domain.RoleResponder, w.c1)
	secA := w.addUser("secA", domain.RoleSecretary, w.cellA)
	off1 := w.users["off1"]
	if _, err := w.db.W.NewUpdate().Table("recommendations").Set("raised_by = ?", off1.ID).Where("id = ?", w.recA.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/recommendations/" + w.recA.ID
	due := domain.DateOf(time.Now()).AddDays(30)
	post := func(who, sub string, body any) api.RecommendationDetail {
		t.Helper()
		r := w.do(http.MethodPost, path+"/"+sub, who, body)
		if r.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", who, sub, r.status, r.body)
		}
		return detail(t, r)
	}

	d := post("sup1", "forward", map[string]any{"addressee_org_unit_id": w.c1.ID, "addressee_text": "UBND xã Triệu Phong", "due_on": due})
	if d.Status != domain.RecForwarded || d.DueOn != due || d.AddresseeName != w.c1.Name || d.AddresseeText != "UBND xã Triệu Phong" || d.ForwardedAt == nil {
		t.Fatalf("forwarded: %+v", d.Recommendation)
	}
	// Re-addressed before any answer: still forwarded, with the new due date.
	due = due.AddDays(5)
	d = post("sup1", "forward", map[string]any{"addressee_org_unit_id": w.c1.ID, "due_on": due})
	if d.Status != domain.RecForwarded || d.DueOn != due || d.AddresseeText != "UBND xã Triệu Phong" || len(d.Events) != 2 {
		t.Fatalf("forwarded again: %+v, %d events", d.Recommendation, len(d.Events))
	}
	// The responder now reads it (and only it), and answers.
	if r := w.do(http.MethodGet, "/api/v1/recommendations", "ubnd1", nil); !strings.Contains(string(r.body), w.recA.ID) || strings.Contains(string(r.body), w.recX.ID) {
		t.Errorf("responder's list: %d %s", r.status, r.body)
	}
	d = post("ubnd1", "answers", map[string]any{"body": "UBND xã đã đưa tuyến đường vào kế hoạch năm 2027."})
	if d.Status != domain.RecAnswered || len(d.Answers) != 1 || *d.Answers[0].AnsweredBy != ubnd.ID || *d.Answers[0].AnsweredForID != w.c1.ID {
		t.Fatalf("answered: %+v %+v", d.Recommendation, d.Answers)
	}
	// The official who raised it and the cell's secretary are notified, with a push queued per device.
	var notes []store.Notification
	if err := w.db.R.NewSelect().Model(&notes).Where("kind = 'recommendation_answered'").OrderExpr("user_id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range notes {
		got[n.UserID] = n.Title + " | " + n.Body + " | " + n.Link
	}
	want := map[string]string{
		off1.ID: "Kiến nghị đã được trả lời | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn | #/recs/" + w.recA.ID,
		secA.ID: "Kiến nghị đã được trả lời | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn | #/recs/" + w.recA.ID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}

	d = post("sup1", "verdict", map[string]any{"verdict": "sent_back", "reason": "Chưa nêu thời gian thi công cụ thể."})
	if d.Status != domain.RecSentBack || d.Answers[0].Verdict != "sent_back" || d.Answers[0].VerdictReason != "Chưa nêu thời gian thi công cụ thể." ||
		d.DueOn != domain.DateOf(time.Now()).AddDays(15) {
		t.Fatalf("sent back: %+v %+v", d.Recommendation, d.Answers)
	}
	d = post("sup1", "answers", map[string]any{"body": "Thi công từ tháng 3/2027, hoàn thành tháng 6/2027.", "answered_for_id": w.c1.ID})
	if d.Status != domain.RecAnswered || len(d.Answers) != 2 || *d.Answers[1].AnsweredBy != w.users["sup1"].ID {
		t.Fatalf("answered again: %+v %+v", d.Recommendation, d.Answers)
	}
	d = post("sup1", "verdict", map[string]any{"verdict": "accepted", "reason": ""})
	if d.Status != domain.RecAccepted || d.Answers[1].Verdict != "accepted" || d.Answers[0].Verdict != "sent_back" {
		t.Fatalf("accepted: %+v %+v", d.Recommendation, d.Answers)
	}
	d = post("sup1", "resolve", map[string]any{"note": "Đường đã thông xe."})
	if d.Status != domain.RecResolved || d.ResolvedAt == nil {
		t.Fatalf("resolved: %+v", d.Recommendation)
	}
	d = post("secA", "announce", map[string]any{"meeting_id": w.meetingA.ID})
	if d.Status != domain.RecResolved || d.AnnouncedAt == nil || d.AnnouncedMeetingID == nil || *d.AnnouncedMeetingID != w.meetingA.ID {
		t.Fatalf("announced: %+v", d.Recommendation)
	}

	// The history, in order, on the detail the GET answers too.
	d = detail(t, w.do(http.MethodGet, path, "sup1", nil))
	var steps []step
	for _, e := range d.Events {
		who := ""
		for name, u := range w.users {
			if e.ActorUserID != nil && *e.ActorUserID == u.ID {
				who = name
			}
		}
		steps = append(steps, step{e.Action, e.FromStatus, e.ToStatus, who, e.Note, e.AnswerID != nil, e.MeetingID != nil})
	}
	wantSteps := []step{
		{"forward", "new", "forwarded", "sup1", "", false, false},
		{"forward", "forwarded", "forwarded", "sup1", "", false, false},
		{"answer", "forwarded", "answered", "ubnd1", "", true, false},
		{"send_back", "answered", "sent_back", "sup1", "Chưa nêu thời gian thi công cụ thể.", true, false},
		{"answer", "sent_back", "answered", "sup1", "", true, false},
		{"accept", "answered", "accepted", "sup1", "", true, false},
		{"resolve", "accepted", "resolved", "sup1", "Đường đã thông xe.", false, false},
		{"announce", "resolved", "resolved", "secA", "", false, true},
	}
	if diff := cmp.Diff(wantSteps, steps); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	for i := 1; i < len(d.Events); i++ {
		if d.Events[i].At.Before(d.Events[i-1].At) {
			t.Errorf("event %d before event %d", i, i-1)
		}
	}
	if d.Events[1].DueOn != due || *d.Events[1].AddresseeOrgUnitID != w.c1.ID {
		t.Errorf("forward event: %+v", d.Events[1])
	}
	// Every step is audited, and the history is in the change log for devices.
	var actions []string
	if err := w.db.R.NewSelect().Model((*store.AuditEntry)(nil)).Column("action").Where("entity = 'recommendation' AND entity_id = ?", w.recA.ID).
		OrderExpr("id").Scan(ctx, &actions); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"forward", "forward", "answer", "send_back", "answer", "accept", "resolve", "announce"}, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	n, err := w.db.R.NewSelect().Table("sync_changes").Where("tbl = 'recommendation_events' AND class = 'recs' AND scope = ?", w.cellA.ID).Count(ctx)
	if err != nil || n != 8 {
		t.Errorf("%d event changes logged (%v), want 8", n, err)
	}

	// Nothing follows a resolved and announced recommendation.
	for _, tc := range []struct{ sub, who, body, message string }{
		{"announce", "sup1", `{}`, "Không thể chuyển kiến nghị từ trạng thái “đã thông báo kết quả” sang “đã thông báo kết quả”."},
		{"forward", "sup1", `{"addressee_org_unit_id":"` + w.c1.ID + `","due_on":"` + due.String() + `"}`, "Không thể chuyển kiến nghị từ trạng thái “đã giải quyết dứt điểm” sang “đã chuyển”."},
		{"resolve", "sup1", ``, "Không thể chuyển kiến nghị từ trạng thái “đã giải quyết dứt điểm” sang “đã giải quyết dứt điểm”."},
	} {
		r := w.do(http.MethodPost, path+"/"+tc.sub, tc.who, tc.body)
		var e api.ErrorBody
		r.json(t, &e)
		if r.status != http.StatusConflict || e.Code != "invalid_transition" || e.Message != tc.message {
			t.Errorf("%s after resolve: %d %s", tc.sub, r.status, r.body)
		}
	}
}

func TestRecommendationStepsRefused(t *testing.T) {
	w := newWorld(t)
	w.addUser("ubnd1", domain.RoleResponder, w.c1)
	w.addUser("ubnd2", domain.RoleResponder, w.c2)
	w.addUser("sup2", domain.RoleSupervisor, w.c2)
	var other *store.OrgUnit
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		other = &store.OrgUnit{Name: "Đảng bộ tỉnh Hà Tĩnh", Kind: domain.KindProvince}
		return store.CreateOrgUnit(ctx, tx, other)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second recommendation of cell A, forwarded to commune 1, for the scope checks.
	fwd := newRec(w.cellA, domain.DateOf(time.Now()).AddDays(-5), "", domain.RecNew)
	w.insert(fwd)
	due := domain.DateOf(time.Now()).AddDays(20).String()
	if r := w.do(http.MethodPost, "/api/v1/recommendations/"+fwd.ID+"/forward", "sup1", `{"addressee_org_unit_id":"`+w.c1.ID+`","due_on":"`+due+`"}`); r.status != 200 {
		t.Fatalf("forward: %d %s", r.status, r.body)
	}
	recA, recF := "/api/v1/recommendations/"+w.recA.ID, "/api/v1/recommendations/"+fwd.ID
	forward := `{"addressee_org_unit_id":"` + w.c1.ID + `","due_on":"` + due + `"}`
	tests := []struct {
		name, method, path, who, body string
		status                        int
		code, field, message          string
	}{
		// Transitions the status does not allow.
		{"answer a new one", http.MethodPost, recA + "/answers", "sup1", `{"body":"Trả lời"}`, 409, "invalid_transition", "", "Không thể chuyển kiến nghị từ trạng thái “mới” sang “đã trả lời”."},
		{"in English", http.MethodPost, recA + "/answers?lang=en", "sup1", `{"body":"Answer"}`, 409, "invalid_transition", "", "A recommendation cannot go from “new” to “answered”."},
		{"accept unanswered", http.MethodPost, recA + "/verdict", "sup1", `{"verdict":"accepted","reason":""}`, 409, "invalid_transition", "", "Không thể chuyển kiến nghị từ trạng thái “mới” sang “trả lời thỏa đáng”."},
		{"send back unanswered", http.MethodPost, recF + "/verdict", "sup1", `{"verdict":"sent_back","reason":"Chưa rõ"}`, 409, "invalid_transition", "", "Không thể chuyển kiến nghị từ trạng thái “đã chuyển” sang “yêu cầu trả lời lại”."},
		{"resolve a new one", http.MethodPost, recA + "/resolve", "sup1", ``, 409, "invalid_transition", "", ""},
		{"announce a forwarded one", http.MethodPost, recF + "/announce", "sup1", `{}`, 409, "invalid_transition", "", "Không thể chuyển kiến nghị từ trạng thái “đã chuyển” sang “đã thông báo kết quả”."},
		// Who may take a step.
		{"an official cannot forward", http.MethodPost, recA + "/forward", "off1", forward, 403, "forbidden", "", ""},
		{"a secretary cannot forward", http.MethodPost, recA + "/forward", "sec1", forward, 403, "forbidden", "", ""},
		{"a responder cannot forward", http.MethodPost, recA + "/forward", "ubnd1", forward, 403, "forbidden", "", ""},
		{"a supervisor of another commune cannot forward", http.MethodPost, recA + "/forward", "sup2", forward, 403, "forbidden", "", ""},
		{"nor read", http.MethodGet, recA, "sup2", ``, 404, "not_found", "", ""},
		{"a responder outside the addressee's subtree cannot answer", http.MethodPost, recF + "/answers", "ubnd2", `{"body":"Trả lời"}`, 403, "forbidden", "", ""},
		{"nor read it", http.MethodGet, recF, "ubnd2", ``, 404, "not_found", "", ""},
		{"a responder reads what it answers", http.MethodGet, recF, "ubnd1", ``, 200, "", "", ""},
		{"but not what is not forwarded to it", http.MethodGet, recA, "ubnd1", ``, 404, "not_found", "", ""},
		{"nor the cells", http.MethodGet, "/api/v1/org-units/" + w.cellA.ID, "ubnd1", ``, 404, "not_found", "", ""},
		{"a responder gives no verdict", http.MethodPost, recF + "/verdict", "ubnd1", `{"verdict":"accepted","reason":""}`, 403, "forbidden", "", ""},
		{"an official cannot answer", http.MethodPost, recF + "/answers", "off1", `{"body":"Trả lời"}`, 403, "forbidden", "", ""},
		{"a secretary of another cell cannot announce", http.MethodPost, recA + "/announce", "sec1", `{}`, 403, "forbidden", "", ""},
		// Bad input.
		{"no due date", http.MethodPost, recA + "/forward", "sup1", `{"addressee_org_unit_id":"` + w.c1.ID + `"}`, 400, "invalid", "due_on", ""},
		{"due in the past", http.MethodPost, recA + "/forward", "sup1", `{"addressee_org_unit_id":"` + w.c1.ID + `","due_on":"2020-01-01"}`, 400, "invalid", "due_on", "Hạn trả lời không được trước hôm nay."},
		{"no addressee", http.MethodPost, recA + "/forward", "sup1", `{"due_on":"` + due + `"}`, 400, "invalid", "addressee_id", ""},
		{"addressee in another province", http.MethodPost, recA + "/forward", "sup1", `{"addressee_org_unit_id":"` + other.ID + `","due_on":"` + due + `"}`, 400, "invalid", "addressee_org_unit_id", ""},
		{"empty answer", http.MethodPost, recF + "/answers", "ubnd1", `{"body":"  "}`, 400, "invalid", "body", ""},
		{"answered for a unit outside the addressee", http.MethodPost, recF + "/answers", "sup1", `{"body":"Trả lời","answered_for_id":"` + w.c2.ID + `"}`, 400, "invalid", "answered_for_id", ""},
		{"unknown verdict", http.MethodPost, recF + "/verdict", "sup1", `{"verdict":"maybe","reason":""}`, 400, "invalid", "verdict", ""},
		{"unknown recommendation", http.MethodPost, "/api/v1/recommendations/0190c0de-0000-7000-8000-000000000000/forward", "sup1", forward, 404, "not_found", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := w.do(tc.method, tc.path, tc.who, body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code == "" {
				return
			}
			var e api.ErrorBody
			r.json(t, &e)
			if string(e.Code) != tc.code || e.Field != tc.field || (tc.message != "" && e.Message != tc.message) {
				t.Errorf("error %+v, want %s %q %q", e, tc.code, tc.field, tc.message)
			}
		})
	}
	// A sent-back answer needs a reason; nothing was written by the refused steps.
	if r := w.do(http.MethodPost, recF+"/answers", "ubnd1", `{"body":"Đã trả lời"}`); r.status != 200 {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodPost, recF+"/verdict", "sup1", `{"verdict":"sent_back","reason":""}`); r.status != 400 || r.errorCode(t) != "invalid" {
		t.Errorf("sent back without reason: %d %s", r.status, r.body)
	}
	d := detail(t, w.do(http.MethodGet, recF, "sup1", nil))
	if len(d.Events) != 2 || d.Status != domain.RecAnswered {
		t.Errorf("after refused steps: %s with %d events", d.Status, len(d.Events))
	}
}

// statsWorld adds to the world the recommendations of January 2026 whose statistics the tests know by hand.
// Forwarded on 10/01/2026 at 09:00 (one at 23:30), first answers after 3, 5, 10, 7, 1 and 30 calendar days.
func statsWorld(t *testing.T) (*world, map[string]*store.Recommendation) {
	w := newWorld(t)
	fwd := vn(2026, 1, 10, 9, 0)
	jan := func(d int) domain.Date { return domain.NewDate(2026, 1, d) }
	recs := map[string]*store.Recommendation{}
	var rows []any
	add := func(name string, cell *store.OrgUnit, raised domain.Date, field string, status domain.RecStatus, forwarded *time.Time, due domain.Date, answers ...[2]any) {
		r := newRec(cell, raised, field, status)
		r.ForwardedAt, r.DueOn = forwarded, due
		if forwarded != nil {
			r.AddresseeOrgUnitID = &w.c1.ID
		}
		if status == domain.RecResolved {
			at := vn(2026, 3, 1, 9, 0)
			r.ResolvedAt = &at
		}
		recs[name] = r
		rows = append(rows, r)
		for _, a := range answers {
			rows = append(rows, newAnswer(r, a[0].(time.Time), a[1].(string)))
		}
	}
	day := func(n int) time.Time { return fwd.AddDate(0, 0, n) }
	late := vn(2026, 1, 10, 23, 30)
	add("r1", w.cellA, jan(5), fieldAgri, domain.RecResolved, &fwd, jan(30), [2]any{day(3), "accepted"})
	add("r2", w.cellA, jan(6), fieldAgri, domain.RecAccepted, &fwd, jan(30), [2]any{day(5), "accepted"})
	add("r3", w.cellB, jan(7), fieldAgri, domain.RecAnswered, &fwd, jan(30), [2]any{day(10), "sent_back"}, [2]any{day(20), ""})
	add("r4", w.cellB, jan(8), fieldInfra, domain.RecSentBack, &fwd, jan(31), [2]any{day(7), "sent_back"})
	add("r5", w.cellA, jan(9), fieldInfra, domain.RecForwarded, &fwd, domain.NewDate(2026, 2, 9))
	add("r6", w.cellB, jan(10), fieldInfra, domain.RecNew, nil, domain.Date{})
	add("r7", w.cellA, jan(4), "", domain.RecResolved, &late, jan(25), [2]any{vn(2026, 1, 11, 8, 0), "accepted"})
	add("r8", w.cellB, jan(3), fieldAgri, domain.RecAccepted, &fwd, jan(30), [2]any{day(30), "accepted"})
	// Outside the period, and outside commune 1.
	add("feb", w.cellA, domain.NewDate(2026, 2, 5), fieldAgri, domain.RecAccepted, &fwd, jan(30), [2]any{day(40), "sent_back"})
	add("c2", w.cellX, jan(5), fieldAgri, domain.RecAccepted, &fwd, jan(30), [2]any{day(50), "sent_back"})
	w.insert(rows...)
	return w, recs
}

func TestRecommendationStats(t *testing.T) {
	w, _ := statsWorld(t)
	w.addUser("sup2", domain.RoleSupervisor, w.c2)
	r := w.do(http.MethodGet, "/api/v1/recommendations/stats?unit="+w.c1.ID+"&from=2026-01-01&to=2026-01-31", "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var st store.RecStats
	r.json(t, &st)
	f := func(v float64) *float64 { return &v }
	if diff := cmp.Diff(store.RecStats{
		Totals:          store.RecCounts{Total: 8, ByStatus: store.RecStatusCounts{New: 1, Forwarded: 1, Answered: 1, SentBack: 1, Accepted: 2, Resolved: 2}},
		Answered:        6,
		SentBack:        2,
		AvgDaysToAnswer: f(9.3),    // (3+5+10+7+1+30)/6 = 9.33
		P90DaysToAnswer: f(30),     // nearest rank: the 6th of 6 (⌈5.4⌉)
		SentBackShare:   f(0.3333), // r3 and r4 of the 6 answered
	}, st, cmpIgnore("ByField", "ByAddressee")); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	type row struct {
		Code, Name string
		Total      int
		ByStatus   store.RecStatusCounts
	}
	var rows []row
	for _, b := range st.ByField {
		if b.Total > 0 {
			rows = append(rows, row{b.FieldCode, b.FieldName, b.Total, b.ByStatus})
		}
	}
	wantRows := []row{
		{"nong_nghiep", "Nông nghiệp, nông thôn", 4, store.RecStatusCounts{Answered: 1, Accepted: 2, Resolved: 1}},
		{"cn_dv_hatang", "Công nghiệp, dịch vụ, hạ tầng", 3, store.RecStatusCounts{New: 1, Forwarded: 1, SentBack: 1}},
		{"", "Chưa phân loại", 1, store.RecStatusCounts{Resolved: 1}},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("by field (-want +got):\n%s", diff)
	}
	if len(st.ByField) != fieldsTotal+1 {
		t.Errorf("%d field rows, want every field of the province and one without", len(st.ByField))
	}

	// English names; another commune's supervisor sees none of it; an empty period has no averages.
	if r := w.do(http.MethodGet, "/api/v1/recommendations/stats?unit="+w.c1.ID+"&from=2026-01-01&to=2026-01-31&lang=en", "sup1", nil); !strings.Contains(string(r.body), `"field_name":"Agriculture and rural affairs"`) {
		t.Errorf("english: %s", r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/recommendations/stats?unit="+w.c1.ID, "sup2", nil); r.status != http.StatusNotFound {
		t.Errorf("other commune: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodGet, "/api/v1/recommendations/stats?from=2025-01-01&to=2025-12-31", "sup1", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"avg_days_to_answer":null,"p90_days_to_answer":null,"sent_back_share":null`) {
		t.Errorf("empty period: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/recommendations/stats?from=2026-02-01&to=2026-01-01", "sup1", nil); r.status != 400 {
		t.Errorf("reversed period: %d %s", r.status, r.body)
	}
}

func cmpIgnore(fields ...string) cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		for _, f := range fields {
			if p.Last().String() == "."+f {
				return true
			}
		}
		return false
	}, cmp.Ignore())
}

func TestRecommendationFilters(t *testing.T) {
	w, recs := statsWorld(t)
	ubnd := w.addUser("ubnd1", domain.RoleResponder, w.c1)
	_ = ubnd
	name := map[string]string{w.recA.ID: "recA", w.recX.ID: "recX"}
	for n, r := range recs {
		name[r.ID] = n
	}
	list := func(who, query string) ([]string, map[string]store.RecommendationView) {
		t.Helper()
		r := w.do(http.MethodGet, "/api/v1/recommendations?limit=500&"+query, who, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		var page store.Page[store.RecommendationView]
		r.json(t, &page)
		var out []string
		views := map[string]store.RecommendationView{}
		for _, v := range page.Items {
			out = append(out, name[v.ID])
			views[name[v.ID]] = v
		}
		sort.Strings(out)
		return out, views
	}
	jan := "raised_from=2026-01-01&raised_to=2026-01-31"
	tests := []struct {
		name, who, query string
		want             []string
	}{
		{"period", "sup1", jan, []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"}},
		{"statuses, comma list", "sup1", jan + "&status=new,forwarded", []string{"r5", "r6"}},
		{"statuses, repeated", "sup1", jan + "&status=new&status=sent_back", []string{"r4", "r6"}},
		{"field", "sup1", jan + "&field_id=" + fieldInfra, []string{"r4", "r5", "r6"}},
		{"cell", "sup1", jan + "&cell_id=" + w.cellB.ID, []string{"r3", "r4", "r6", "r8"}},
		{"unit subtree", "root", "unit=" + w.c2.ID, []string{"c2", "recX"}},
		{"addressee subtree", "sup1", "addressee_id=" + w.c1.ID, []string{"feb", "r1", "r2", "r3", "r4", "r5", "r7", "r8"}},
		{"overdue", "sup1", "overdue=true", []string{"r4", "r5"}},
		{"older than 300 days", "sup1", "older_than=300&status=new", []string{"r6"}},
		{"raised to", "sup1", "raised_to=2026-01-05", []string{"r1", "r7", "r8"}},
		{"scope: another commune's rows stay out", "sup1", "field_id=" + fieldAgri, []string{"feb", "r1", "r2", "r3", "r8"}},
		{"a responder lists what is addressed to it", "ubnd1", "", []string{"c2", "feb", "r1", "r2", "r3", "r4", "r5", "r7", "r8"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := list(tc.who, tc.query)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	_, views := list("sup1", jan)
	today := domain.DateOf(time.Now())
	for n, wantOverdue := range map[string]bool{"r1": false, "r3": false, "r4": true, "r5": true, "r6": false} {
		v := views[n]
		end := today
		if v.ResolvedAt != nil {
			end = domain.NewDate(2026, 3, 1)
		}
		if v.Overdue != wantOverdue || v.DaysOpen != domain.DaysBetween(v.RaisedOn, end) {
			t.Errorf("%s: overdue %v days_open %d", n, v.Overdue, v.DaysOpen)
		}
	}
	if views["r1"].DaysOpen != 55 { // 05/01 to 01/03/2026
		t.Errorf("r1 days_open %d, want 55", views["r1"].DaysOpen)
	}
	if r := w.do(http.MethodGet, "/api/v1/recommendations?status=lost", "sup1", nil); r.status != 400 {
		t.Errorf("bad status: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/recommendations?older_than=-1", "sup1", nil); r.status != 400 {
		t.Errorf("bad older_than: %d", r.status)
	}
}

// A forwarded recommendation reaches the inbox of the addressee's responders (a grant on the addressee or a unit
// above it), and of nobody else: not another commune's responder, not a disabled one, not the supervisor.
func TestRecommendationForwardNotifiesResponders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ubnd := w.addUser("ubnd1", domain.RoleResponder, w.c1)
	prov := w.addUser("tinh1", domain.RoleResponder, w.province)
	other := w.addUser("ubnd2", domain.RoleResponder, w.c2)
	gone := w.addUser("ubnd3", domain.RoleResponder, w.c1)
	if _, err := w.db.W.NewUpdate().Table("users").Set("active = ?", false).Where("id = ?", gone.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	due := domain.DateOf(time.Now()).AddDays(20)
	r := w.do(http.MethodPost, "/api/v1/recommendations/"+w.recA.ID+"/forward", "sup1", map[string]any{"addressee_org_unit_id": w.c1.ID, "due_on": due})
	if r.status != http.StatusOK {
		t.Fatalf("forward: %d %s", r.status, r.body)
	}
	var notes []store.Notification
	if err := w.db.R.NewSelect().Model(&notes).Where("kind = 'recommendation_forwarded'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range notes {
		got[n.UserID] = n.Title + " | " + n.Body + " | " + n.Link
	}
	line := "Kiến nghị chờ trả lời | Chi bộ thôn An Lợi: Đề nghị sửa đường liên thôn (hạn trả lời " + due.VN() + ") | #/recs/" + w.recA.ID
	want := map[string]string{ubnd.ID: line, prov.ID: line}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	for _, u := range []*store.User{other, gone, w.users["sup1"]} {
		if got[u.ID] != "" {
			t.Errorf("%s was notified", u.Username)
		}
	}
	// The responder's inbox in the app: the notification is in its sync scope.
	if r := w.do(http.MethodGet, "/api/v1/notifications?unread=true", "ubnd1", nil); r.status != 200 || !strings.Contains(string(r.body), "Kiến nghị chờ trả lời") {
		t.Errorf("responder's notifications: %d %s", r.status, r.body)
	}
}
