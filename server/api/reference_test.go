package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// The default reference rows of migration 0002.
const (
	defaultRubric   = "0b045448-01f0-53c3-a8d7-637b1bdd923b"
	labelWeak366    = "54ad8624-0c6f-55c9-b9fe-a08b26488e80" // Không hoàn thành nhiệm vụ (QĐ 366)
	labelGood366    = "29d90898-fe24-5760-bab5-4ed857a76619" // Hoàn thành tốt nhiệm vụ
	labelLegacyWeak = "c2eecaca-cbae-54a2-95a8-fb1846f2761e" // Yếu kém (before 2025)
)

// withProvinceAdmin adds "padmin", an administrator of the whole province.
func withProvinceAdmin(t *testing.T, w *world) {
	t.Helper()
	err := w.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		h, _ := auth.HashPassword("password-padmin", cheap)
		u := &store.User{Username: "padmin", DisplayName: "Quản trị tỉnh", PasswordHash: h, Active: true, HomeOrgUnitID: &w.province.ID}
		if err := store.CreateUser(ctx, tx, u); err != nil {
			return err
		}
		w.users["padmin"] = u
		return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleAdmin, OrgUnitID: &w.province.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkBuckets fails when the sync buckets of the reference data and the units kept with the writes differ from a
// recomputation: every write went through the change log.
func checkBuckets(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	stored, err := store.StoredBuckets(ctx, w.db.R)
	if err != nil {
		t.Fatal(err)
	}
	computed, err := store.ComputeBuckets(ctx, w.db.R)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture inserts its meetings, assignments and recommendations untracked; the classes written here are
	// the reference data and the units' (annual ratings).
	for k, b := range computed {
		b.Tx = 0
		if k.Class != store.ClassRef && k.Class != store.ClassUnit {
			delete(computed, k)
		}
	}
	for k, b := range stored {
		b.Tx = 0
		if k.Class != store.ClassRef && k.Class != store.ClassUnit {
			delete(stored, k)
		}
	}
	if diff := cmp.Diff(computed, stored); diff != "" {
		t.Fatalf("buckets differ from a recomputation (-computed +stored):\n%s", diff)
	}
}

// changes counts the change log's entries of a table for a row.
func changes(t *testing.T, w *world, table, id string) int {
	t.Helper()
	n, err := w.db.R.NewSelect().TableExpr("sync_changes").Where("tbl = ? AND row_id = ?", table, id).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func vnDay() domain.Date { return domain.DateOf(time.Now()) }

func TestReferenceFields(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	ctx := context.Background()
	// recA was filed under a default field.
	if _, err := w.db.W.NewUpdate().Table("recommendations").Set("field_id = ?", fieldAgri).Where("id = ?", w.recA.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	q := "?org_unit_id=" + w.cellA.ID
	var ref store.ReferenceAdmin
	r := w.do(http.MethodGet, "/api/v1/reference/admin"+q, "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("admin view as a supervisor: %d %s", r.status, r.body)
	}
	r.json(t, &ref)
	if !ref.FieldsInherited || len(ref.Fields) != 8 || ref.RubricInForce != defaultRubric {
		t.Fatalf("inherited %v, %d fields, rubric %s", ref.FieldsInherited, len(ref.Fields), ref.RubricInForce)
	}
	in := map[string]any{"name_vi": "Giao thông, thủy lợi", "name_en": "Roads and irrigation"}
	for _, who := range []string{"sup1", "admin1", "off1"} { // a supervisor reads; a commune's admin is not the province's
		if r := w.do(http.MethodPost, "/api/v1/reference/fields"+q, who, in); r.status != http.StatusForbidden {
			t.Errorf("%s adds a field: %d %s", who, r.status, r.body)
		}
	}
	r = w.do(http.MethodPost, "/api/v1/reference/fields"+q, "padmin", in)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var f store.RecommendationField
	r.json(t, &f)
	if f.Code != "giao_thong_thuy_loi" || f.ProvinceID == nil || *f.ProvinceID != w.province.ID || f.ValidFrom != vnDay() || !f.Active {
		t.Errorf("created %+v", f)
	}
	// The defaults were adopted: the province has 9 fields of its own, and recA moved to the copy of its field.
	var pub store.ReferenceData
	w.do(http.MethodGet, "/api/v1/reference"+q, "off1", nil).json(t, &pub)
	if len(pub.Fields) != 9 {
		t.Fatalf("fields in force: %d", len(pub.Fields))
	}
	var agri string
	for _, x := range pub.Fields {
		if x.ProvinceID == nil || *x.ProvinceID != w.province.ID {
			t.Errorf("a default field still in force: %+v", x)
		}
		if x.Code == "nong_nghiep" {
			agri = x.ID
		}
	}
	var got store.Recommendation
	if err := w.db.R.NewSelect().Model(&got).Where("r.id = ?", w.recA.ID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if got.FieldID == nil || *got.FieldID != agri || changes(t, w, "recommendations", w.recA.ID) == 0 {
		t.Errorf("recA's field %v, want the province's copy %s, sent to devices", got.FieldID, agri)
	}
	if changes(t, w, "recommendation_fields", f.ID) != 1 {
		t.Error("the new field is not in the change log")
	}
	// The code is the province's own; a rename keeps it; retiring can't be dated ahead.
	if r := w.do(http.MethodPost, "/api/v1/reference/fields"+q, "padmin", map[string]any{"name_vi": "Giao thông thủy lợi"}); r.status != http.StatusConflict {
		t.Errorf("same code again: %d %s", r.status, r.body)
	}
	r = w.do(http.MethodPatch, "/api/v1/reference/fields/"+f.ID+q, "padmin", map[string]any{"name_vi": "Giao thông nông thôn"})
	if r.status != http.StatusOK {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	tomorrow := vnDay().AddDays(1).String()
	r = w.do(http.MethodPatch, "/api/v1/reference/fields/"+f.ID+q, "padmin", map[string]any{"active": false, "valid_to": tomorrow})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "không được sau hôm nay") {
		t.Errorf("retire tomorrow: %d %s", r.status, r.body)
	}
	// A default field's id is accepted too: it names the province's copy.
	r = w.do(http.MethodPatch, "/api/v1/reference/fields/"+fieldAgri+q, "padmin", map[string]any{"active": false})
	if r.status != http.StatusOK {
		t.Fatalf("retire: %d %s", r.status, r.body)
	}
	r.json(t, &f)
	if f.ID != agri || f.Active || f.ValidTo != vnDay() {
		t.Errorf("retired %+v", f)
	}
	w.do(http.MethodGet, "/api/v1/reference"+q, "off1", nil).json(t, &pub)
	if len(pub.Fields) != 8 {
		t.Errorf("after retiring one: %d fields in force", len(pub.Fields))
	}
	w.do(http.MethodGet, "/api/v1/reference/admin"+q, "padmin", nil).json(t, &ref)
	if ref.FieldsInherited || len(ref.Fields) != 9 {
		t.Errorf("admin view: inherited %v, %d fields (retired ones too)", ref.FieldsInherited, len(ref.Fields))
	}
	// Another province's recommendations and the defaults are untouched.
	var def store.RecommendationField
	if err := w.db.R.NewSelect().Model(&def).Where("rf.id = ?", fieldAgri).Scan(ctx); err != nil || !def.Active || def.ProvinceID != nil {
		t.Errorf("default field changed: %+v %v", def, err)
	}
	var audit store.Page[store.AuditEntry]
	w.do(http.MethodGet, "/api/v1/audit?entity=recommendation_field", "padmin", nil).json(t, &audit)
	if len(audit.Items) != 4 { // adopt, create, rename, retire
		t.Errorf("audit entries: %d", len(audit.Items))
	}
	checkBuckets(t, w)
}

// rubricInput is a small rubric version valid from day.
func rubricInput(day domain.Date, good int) map[string]any {
	return map[string]any{"name": "Thang điểm 2027", "valid_from": day.String(), "good_min": good, "fair_min": 30, "average_min": 20,
		"criteria": []map[string]any{
			{"group_vi": "Chuẩn bị", "name_vi": "Chuẩn bị nội dung", "max_points": 20},
			{"group_vi": "Chuyên cần", "name_vi": "Tỷ lệ dự họp từ 85%", "max_points": 30, "computed": "attendance_rate"},
			{"group_vi": "Tiến hành", "name_vi": "Thảo luận dân chủ", "max_points": 50},
		}}
}

func TestRubricVersions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	ctx := context.Background()
	q := "?org_unit_id=" + w.c2.ID
	later := vnDay().AddDays(30)
	bad := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"from yesterday", rubricInput(vnDay().AddDays(-1), 80), "từ hôm nay"},
		{"thresholds above the total", rubricInput(later, 101), "Ngưỡng xếp loại"},
		{"no criteria", map[string]any{"name": "x", "valid_from": later.String(), "good_min": 3, "fair_min": 2, "average_min": 1}, "ít nhất một tiêu chí"},
	}
	for _, c := range bad {
		if r := w.do(http.MethodPost, "/api/v1/reference/rubrics"+q, "padmin", c.in); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	r := w.do(http.MethodPost, "/api/v1/reference/rubrics"+q, "padmin", rubricInput(later, 80))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var rb store.Rubric
	r.json(t, &rb)
	if len(rb.Criteria) != 3 || rb.Criteria[1].Computed != "attendance_rate" {
		t.Errorf("criteria %+v", rb.Criteria)
	}
	if r := w.do(http.MethodPost, "/api/v1/reference/rubrics"+q, "padmin", rubricInput(later, 70)); r.status != http.StatusConflict {
		t.Errorf("a second version the same day: %d", r.status)
	}
	// Meetings are graded by the version of their day: the old one before, the new one from its first day.
	for _, c := range []struct {
		day  domain.Date
		want string
	}{{w.meetingA.MeetingDate, defaultRubric}, {vnDay(), defaultRubric}, {later.AddDays(-1), defaultRubric}, {later, rb.ID}, {later.AddDays(400), rb.ID}} {
		got, err := store.RubricOn(ctx, w.db.R, w.province.ID, c.day)
		if err != nil || got.ID != c.want {
			t.Errorf("rubric on %s: %v %v, want %s", c.day, got, err, c.want)
		}
	}
	// Not yet in force: it can be replaced or deleted.
	r = w.do(http.MethodPut, "/api/v1/reference/rubrics/"+rb.ID+q, "padmin", rubricInput(later.AddDays(1), 90))
	if r.status != http.StatusOK {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	var crit []store.RubricCriterion
	if err := w.db.R.NewSelect().Model(&crit).Where("rc.rubric_id = ?", rb.ID).Scan(ctx); err != nil || len(crit) != 3 {
		t.Errorf("criteria after replacing: %d %v", len(crit), err)
	}
	if r := w.do(http.MethodDelete, "/api/v1/reference/rubrics/"+rb.ID+q, "padmin", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	// A version in force from today stays as it is.
	r = w.do(http.MethodPost, "/api/v1/reference/rubrics"+q, "padmin", rubricInput(vnDay(), 80))
	r.json(t, &rb)
	if r := w.do(http.MethodPut, "/api/v1/reference/rubrics/"+rb.ID+q, "padmin", rubricInput(later, 80)); r.status != http.StatusConflict {
		t.Errorf("change a version in force: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodDelete, "/api/v1/reference/rubrics/"+defaultRubric+q, "padmin", nil); r.status != http.StatusNotFound {
		t.Errorf("delete the default: %d", r.status)
	}
	var pub store.ReferenceData
	w.do(http.MethodGet, "/api/v1/reference?org_unit_id="+w.cellX.ID, "off2", nil).json(t, &pub)
	if pub.Rubric == nil || pub.Rubric.ID != rb.ID {
		t.Errorf("in force today: %+v", pub.Rubric)
	}
	checkBuckets(t, w)
}

func TestMinutesTemplateVersions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	ctx := context.Background()
	q := "?org_unit_id=" + w.province.ID
	later := vnDay().AddDays(60)
	in := map[string]any{"name": "Mẫu biên bản 2027", "valid_from": later.String(), "items": []map[string]any{
		{"kind": "text", "required": true, "label_vi": "Khai mạc"},
		{"kind": "resolution", "required": true, "types": []string{"regular"}, "label_vi": "Nghị quyết tháng"},
	}}
	r := w.do(http.MethodPost, "/api/v1/reference/minutes-templates"+q, "padmin", in)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var tp store.MinutesTemplate
	r.json(t, &tp)
	if got, items, err := store.MinutesTemplateOn(ctx, w.db.R, w.province.ID, later); err != nil || got.ID != tp.ID || len(items) != 2 || items[0].Key != "khai_mac" {
		t.Errorf("in force from its day: %v %v %v", got, items, err)
	}
	if got, _, _ := store.MinutesTemplateOn(ctx, w.db.R, w.province.ID, vnDay()); got == nil || got.ID == tp.ID {
		t.Errorf("today's template: %v", got)
	}
	in["items"] = []map[string]any{{"kind": "poem", "label_vi": "Thơ"}}
	in["valid_from"] = later.AddDays(1).String()
	if r := w.do(http.MethodPost, "/api/v1/reference/minutes-templates"+q, "padmin", in); r.status != http.StatusBadRequest {
		t.Errorf("bad kind: %d", r.status)
	}
	if r := w.do(http.MethodDelete, "/api/v1/reference/minutes-templates/"+tp.ID+q, "admin2", nil); r.status != http.StatusForbidden {
		t.Errorf("a commune admin deletes: %d", r.status)
	}
	if r := w.do(http.MethodDelete, "/api/v1/reference/minutes-templates/"+tp.ID+q, "padmin", nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	checkBuckets(t, w)
}

func TestRatingsEntryFeedsSuggestionsAndCoverage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	last := vnDay().Year() - 1
	path := func(cell *store.OrgUnit, y int) string {
		return fmt.Sprintf("/api/v1/org-units/%s/ratings/%d", cell.ID, y)
	}
	// Scope: the cell's admins change it; a supervisor and another commune's admin do not.
	for _, who := range []string{"sup1", "admin2", "off1"} {
		if r := w.do(http.MethodPut, path(w.cellA, last), who, map[string]string{"label_id": labelWeak366}); r.status != http.StatusForbidden {
			t.Errorf("%s rates: %d", who, r.status)
		}
	}
	// A label of the older scheme is not given from 2025 on, and the message lists those that are.
	if last >= 2025 {
		r := w.do(http.MethodPut, path(w.cellA, last), "admin1", map[string]string{"label_id": labelLegacyWeak})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "Không hoàn thành nhiệm vụ") {
			t.Errorf("legacy label for %d: %d %s", last, r.status, r.body)
		}
	}
	if r := w.do(http.MethodPut, path(w.cellA, vnDay().Year()+1), "admin1", map[string]string{"label_id": labelWeak366}); r.status != http.StatusBadRequest {
		t.Errorf("next year: %d", r.status)
	}
	if r := w.do(http.MethodPut, path(w.c1, last), "admin1", map[string]string{"label_id": labelWeak366}); r.status != http.StatusBadRequest {
		t.Errorf("a commune rated: %d", r.status)
	}
	var res api.RatingResult
	for i, want := range []string{"create", "unchanged"} {
		r := w.do(http.MethodPut, path(w.cellA, last), "admin1", map[string]string{"label_id": labelWeak366})
		if r.status != http.StatusOK {
			t.Fatalf("rate: %d %s", r.status, r.body)
		}
		r.json(t, &res)
		if res.Outcome != want || !res.Rating.Weak {
			t.Errorf("put %d: %+v", i, res)
		}
	}
	r := w.do(http.MethodPut, path(w.cellB, last), "padmin", map[string]string{"label_id": labelGood366})
	if r.status != http.StatusOK {
		t.Fatalf("rate B: %d %s", r.status, r.body)
	}
	if r := w.do(http.MethodGet, path(w.cellA, last), "sup1", nil); r.status != http.StatusOK {
		t.Errorf("read: %d", r.status)
	}
	if r := w.do(http.MethodGet, path(w.cellX, last), "sup1", nil); r.status != http.StatusNotFound {
		t.Errorf("read out of scope: %d", r.status)
	}
	// The list pages through the commune's cells by name.
	var page store.Page[store.RatingRow]
	w.do(http.MethodGet, fmt.Sprintf("/api/v1/ratings?org_unit_id=%s&year=%d&limit=1", w.c1.ID, last), "sup1", nil).json(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].CellName != w.cellA.Name || page.Items[0].Rating == nil {
		t.Fatalf("first page: %+v", page)
	}
	w.do(http.MethodGet, fmt.Sprintf("/api/v1/ratings?org_unit_id=%s&year=%d&limit=1&cursor=%s", w.c1.ID, last, page.NextCursor), "sup1", nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].CellName != w.cellB.Name || page.Items[0].Rating.LabelID != labelGood366 {
		t.Fatalf("second page: %+v", page)
	}
	// The assignment suggestions: cellA rated weak last year.
	var sug store.Page[store.CellSuggestion]
	w.do(http.MethodGet, "/api/v1/assign/suggestions?org_unit_id="+w.c1.ID, "sup1", nil).json(t, &sug)
	found := false
	for _, s := range sug.Items {
		if s.CellID == w.cellA.ID {
			found = s.Weak && s.WeakReason == "rating"
		}
		if s.CellID == w.cellB.ID && s.Weak {
			t.Errorf("cellB suggested as weak: %+v", s)
		}
	}
	if !found {
		t.Errorf("cellA not suggested as rated weak: %+v", sug.Items)
	}
	// Coverage shows each cell's latest rating.
	var rep store.CoverageReport
	r = w.do(http.MethodGet, "/api/v1/coverage?unit="+w.c1.ID, "sup1", nil)
	r.json(t, &rep)
	ratings := map[string]string{}
	for _, ch := range rep.Children {
		if ch.Rating != nil {
			ratings[ch.Unit.ID] = ch.Rating.NameVI
		}
	}
	if ratings[w.cellA.ID] != "Không hoàn thành nhiệm vụ" || ratings[w.cellB.ID] != "Hoàn thành tốt nhiệm vụ" {
		t.Errorf("coverage ratings: %v (%s)", ratings, r.body)
	}
	w.do(http.MethodGet, "/api/v1/coverage?unit="+w.cellA.ID, "sup1", nil).json(t, &rep)
	if rep.Rating == nil || rep.Rating.Year != last {
		t.Errorf("a cell's coverage: rating %+v", rep.Rating)
	}
	// Delete: the suggestion goes.
	if r := w.do(http.MethodDelete, path(w.cellA, last), "admin1", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.status)
	}
	w.do(http.MethodGet, "/api/v1/assign/suggestions?org_unit_id="+w.c1.ID, "sup1", nil).json(t, &sug)
	for _, s := range sug.Items {
		if s.CellID == w.cellA.ID && s.Weak {
			t.Errorf("still weak after deleting the rating: %+v", s)
		}
	}
	checkBuckets(t, w)
}

// ratingBook builds an XLSX of ratings as an office keeps it: title rows, a header, the rows.
func ratingBook(t *testing.T, header []any, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]any{{"ĐẢNG BỘ XÃ TRIỆU PHONG"}, {"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHI BỘ"}, {}, header, {"(1)", "(2)", "(3)", "(4)"}}, rows...)
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (w *world) uploadRatings(who, unitID string, year int, mode string, file []byte) response {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org_unit_id", unitID)
	_ = mw.WriteField("year", strconv.Itoa(year))
	_ = mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", "xep-loai.xlsx")
	_, _ = fw.Write(file)
	mw.Close()
	return w.do(http.MethodPost, "/api/v1/ratings/import", who, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// TestRatingsImport is written from the README's description: a messy file previews row by row, a commit with an
// error writes nothing, a clean one writes all, and again changes nothing.
func TestRatingsImport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	year := vnDay().Year() - 1
	header := []any{"STT", "Tên chi bộ", "Kết quả xếp loại", "Ghi chú"}
	messy := ratingBook(t, header, [][]any{
		{1, norm.NFD.String("  thôn   An Lợi "), "KHÔNG HOÀN THÀNH NHIỆM VỤ", ""}, // NFD, spaces, no "Chi bộ", capitals
		{2, "Chi bo thon Phuoc Thi", "httnv", ""},                                 // no diacritics, an acronym
		{3, "Chi bộ thôn Không Có", "Hoàn thành nhiệm vụ", ""},                    // no such cell
		{4, "Chi bộ thôn An Lợi", "Hoàn thành tốt", "trùng"},                      // repeated, and a label that is not one
		{5, "Chi bộ khu phố 3", "Hoàn thành nhiệm vụ", "ở xã khác"},               // another commune's cell
		{"", "Người lập biểu", "", ""},                                            // the footer
	})
	r := w.uploadRatings("admin1", w.c1.ID, year, "preview", messy)
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	var res api.RatingImportResult
	r.json(t, &res)
	type line struct {
		Line    int
		Outcome string
	}
	var got []line
	for _, row := range res.Plan.Rows {
		got = append(got, line{row.Line, row.Outcome})
	}
	want := []line{{6, "create"}, {7, "create"}, {8, "error"}, {9, "error"}, {10, "error"}, {11, "skipped"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	body := string(r.body)
	for _, msg := range []string{
		"Dòng 8, cột B (Tên chi bộ): không tìm thấy chi bộ “Chi bộ thôn Không Có”",
		"Dòng 9, cột B (Tên chi bộ): chi bộ này đã có ở dòng 6",
		"Dòng 9, cột C (Kết quả xếp loại): mức xếp loại “Hoàn thành tốt” không dùng cho năm",
		"“Hoàn thành xuất sắc nhiệm vụ”, “Hoàn thành tốt nhiệm vụ”",
		"Dòng 10, cột B (Tên chi bộ): không tìm thấy chi bộ “Chi bộ khu phố 3”",
	} {
		if !strings.Contains(body, msg) {
			t.Errorf("preview lacks %q:\n%s", msg, body)
		}
	}
	if r := w.uploadRatings("admin1", w.c1.ID, year, "commit", messy); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "chưa nhập dòng nào") {
		t.Fatalf("commit with errors: %d %s", r.status, r.body)
	}
	var page store.Page[store.RatingRow]
	w.do(http.MethodGet, fmt.Sprintf("/api/v1/ratings?org_unit_id=%s&year=%d", w.c1.ID, year), "admin1", nil).json(t, &page)
	for _, row := range page.Items {
		if row.Rating != nil {
			t.Errorf("written by a refused commit: %+v", row)
		}
	}
	if r := w.uploadRatings("admin2", w.c1.ID, year, "preview", messy); r.status != http.StatusForbidden {
		t.Errorf("another commune's admin: %d", r.status)
	}
	clean := ratingBook(t, header, [][]any{
		{1, norm.NFD.String("  thôn   An Lợi "), "KHÔNG HOÀN THÀNH NHIỆM VỤ", ""},
		{2, "Chi bo thon Phuoc Thi", "httnv", ""},
	})
	for i, want := range []map[string]int{{"create": 2, "update": 0, "unchanged": 0}, {"create": 0, "update": 0, "unchanged": 2}} {
		r := w.uploadRatings("admin1", w.c1.ID, year, "commit", clean)
		if r.status != http.StatusOK {
			t.Fatalf("commit %d: %d %s", i, r.status, r.body)
		}
		r.json(t, &res)
		if diff := cmp.Diff(want, res.Written); diff != "" || !res.Committed {
			t.Errorf("commit %d written (-want +got):\n%s", i, diff)
		}
	}
	// The template: the commune's cells with their ratings; filled in and sent back it imports.
	r = w.do(http.MethodGet, fmt.Sprintf("/api/v1/ratings/template?org_unit_id=%s&year=%d", w.c1.ID, year), "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("template: %d", r.status)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Xếp loại")
	if len(rows) != 7 || rows[5][2] != w.cellA.Name || rows[5][4] != "Không hoàn thành nhiệm vụ" || rows[6][4] != "Hoàn thành tốt nhiệm vụ" {
		t.Fatalf("template rows: %q", rows)
	}
	_ = x.SetCellValue("Xếp loại", "E7", "Hoàn thành xuất sắc nhiệm vụ")
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r = w.uploadRatings("admin1", w.c1.ID, year, "preview", buf.Bytes())
	r.json(t, &res)
	if res.Plan.Counts["update"] != 1 || res.Plan.Counts["unchanged"] != 1 || res.Plan.Errors != 0 {
		t.Errorf("template filled in: %s", r.body)
	}
	// A file without a header is refused as a whole.
	if r := w.uploadRatings("admin1", w.c1.ID, year, "preview", ratingBook(t, []any{"a", "b"}, nil)); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "Không tìm thấy dòng tiêu đề") {
		t.Errorf("no header: %d %s", r.status, r.body)
	}
	checkBuckets(t, w)
}

func TestRatingLabelsAdoption(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withProvinceAdmin(t, w)
	ctx := context.Background()
	last := vnDay().Year() - 1
	if r := w.do(http.MethodPut, fmt.Sprintf("/api/v1/org-units/%s/ratings/%d", w.cellA.ID, last), "admin1", map[string]string{"label_id": labelWeak366}); r.status != http.StatusOK {
		t.Fatalf("rate: %d %s", r.status, r.body)
	}
	q := "?org_unit_id=" + w.province.ID
	r := w.do(http.MethodPost, "/api/v1/reference/rating-labels"+q, "padmin", map[string]any{"scheme": "qd366_2025", "name_vi": "Chưa xếp loại", "valid_from": "2025-01-01"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var ls []store.RatingLabel
	w.do(http.MethodGet, fmt.Sprintf("/api/v1/ratings/labels?org_unit_id=%s&year=%d", w.cellA.ID, last), "sup1", nil).json(t, &ls)
	if len(ls) != 5 {
		t.Errorf("labels for %d: %d", last, len(ls))
	}
	// cellA's rating moved to the province's copy of its label, and still counts as weak.
	got, err := store.RatingOf(ctx, w.db.R, w.cellA.ID, last)
	if err != nil || got == nil || got.LabelID == labelWeak366 || !got.Weak {
		t.Errorf("rating after adoption: %+v %v", got, err)
	}
	checkBuckets(t, w)
}
