package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// docxText returns the text of a DOCX's word/document.xml, one line per paragraph.
func docxText(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	for _, f := range z.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		dec := xml.NewDecoder(rc)
		var out strings.Builder
		inText := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				return out.String()
			}
			if err != nil {
				t.Fatalf("document.xml: %v", err)
			}
			switch e := tok.(type) {
			case xml.StartElement:
				inText = e.Name.Local == "t"
			case xml.EndElement:
				inText = false
				if e.Name.Local == "p" {
					out.WriteString("\n")
				}
			case xml.CharData:
				if inText {
					out.Write(e)
				}
			}
		}
	}
	t.Fatal("no word/document.xml")
	return ""
}

// TestMinutesDOCX downloads a meeting's biên bản and reads its text: the party's heading, the unit above and the
// cell, the place and date line, the title, the header with the attendance figures from the attendance rows, the
// template's items with what was recorded (last month's tasks ticked off, who spoke, the tasks, the vote) and the
// signature blocks; a caller outside the cell's subtree gets 404.
func TestMinutesDOCX(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	date := w.meetingA.MeetingDate
	start := time.Date(date.Year(), date.Month(), date.Day(), 19, 30, 0, 0, domain.Zone)
	end := start.Add(105 * time.Minute)
	err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ms []*store.Member
		for _, n := range []string{"Phạm Văn Bình", "Hoàng Thị Lan"} {
			m := &store.Member{CellID: w.cellA.ID, FullName: n}
			if err := store.CreateMember(ctx, tx, m); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		att := func(member string, st domain.AttendanceStatus) error {
			a := &store.Attendance{MeetingID: w.meetingA.ID, MemberID: member, Status: st}
			a.ID, a.CreatedAt, a.UpdatedAt = domain.NewID(), store.Now(), store.Now()
			_, err := tx.NewInsert().Model(a).Exec(ctx)
			return err
		}
		for i, st := range []domain.AttendanceStatus{domain.AttendPresent, domain.AttendExcused, domain.AttendUnexcused} {
			id := w.memberA.ID
			if i > 0 {
				id = ms[i-1].ID
			}
			if err := att(id, st); err != nil {
				return err
			}
		}
		prev := &store.Meeting{CellID: w.cellA.ID, MeetingDate: date.AddMonths(-1), Type: domain.MeetingRegular, Mode: "in_person", Status: domain.MeetingHeld,
			Notes: `{"items":[{"key":"resolution","tasks":[{"id":"t1","what":"Ra quân làm đường giao thông nội đồng"},{"id":"t2","what":"Thu quỹ đảng quý IV"}]}]}`}
		prev.ID, prev.CreatedAt, prev.UpdatedAt = domain.NewID(), store.Now(), store.Now()
		if _, err := tx.NewInsert().Model(prev).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(w.meetingA).
			Set("starts_at = ?, ends_at = ?, place = ?, chair_name = ?, secretary_name = ?, notes = ?", start, end,
				"Nhà văn hóa thôn An Lợi", "Nguyễn Văn Đức", "Phạm Văn Bình",
				`{"guests":[{"name":"Trần Minh Hải","post":"Phó Bí thư Đảng ủy xã","higher":true}],"items":[`+
					`{"key":"opening","text":"Đồng chí Bí thư khai mạc, giới thiệu đại biểu."},`+
					`{"key":"review","text":"Chi bộ hoàn thành phần lớn nhiệm vụ.","done":{"t1":true,"t2":false}},`+
					`{"key":"discussion","speeches":[{"name":"Hoàng Thị Lan","text":"Đề nghị vận động hội viên phụ nữ góp công."}]},`+
					`{"key":"conclusion","text":"Đồng chí chủ trì kết luận thống nhất."},`+
					`{"key":"resolution","text":"Nghị quyết tháng.","tasks":[{"id":"t3","what":"Tu sửa nhà văn hóa","who":"Phạm Văn Bình","due":"2030-01-15"}],"vote":{"for":1,"against":0}}]}`).
			WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/meetings/" + w.meetingA.ID + "/minutes.docx"
	r := w.do(http.MethodGet, path, "off1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.wordprocessingml.document") {
		t.Errorf("content type %q", ct)
	}
	// Named as every download is: the document, the cell, the day.
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "bien-ban-sinh-hoat-"+domain.Slug(w.cellA.Name)+"-"+date.String()+".docx") {
		t.Errorf("content disposition %q", cd)
	}
	text := docxText(t, r.body)
	dmy := date.VN()
	for _, want := range []string{
		"ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ XÃ TRIỆU PHONG", "CHI BỘ THÔN AN LỢI", "Số …-BB/CB",
		"Triệu Phong, ngày " + dmy[:2] + " tháng " + dmy[3:5] + " năm " + dmy[6:],
		"BIÊN BẢN SINH HOẠT CHI BỘ", "Sinh hoạt thường kỳ tháng " + dmy[3:],
		"bắt đầu lúc 19 giờ 30 phút, ngày " + dmy, "Địa điểm: Nhà văn hóa thôn An Lợi",
		"Chủ trì: đồng chí Nguyễn Văn Đức", "Thư ký: đồng chí Phạm Văn Bình",
		"Tổng số đảng viên của chi bộ: 3 đồng chí; miễn sinh hoạt: 0; có mặt: 1; vắng: 2 (có lý do: 1, không có lý do: 1)",
		"Đại biểu cấp trên: đồng chí Trần Minh Hải, Phó Bí thư Đảng ủy xã",
		"1. Khai mạc, tuyên bố lý do, giới thiệu đại biểu", "Đồng chí Bí thư khai mạc",
		"2. Đánh giá kết quả thực hiện nghị quyết tháng trước", "Ra quân làm đường giao thông nội đồng: đã hoàn thành",
		"Thu quỹ đảng quý IV: chưa hoàn thành", "3. Thông tin thời sự, chủ trương, chính sách", "(không ghi)",
		"4. Thảo luận", "Đồng chí Hoàng Thị Lan: Đề nghị vận động hội viên phụ nữ góp công.",
		"Kết luận của đồng chí chủ trì", "Nghị quyết tháng, biểu quyết", "Tu sửa nhà văn hóa — Phạm Văn Bình — hạn 15/01/2030",
		"Biểu quyết: 1 đồng chí tán thành, 0 đồng chí không tán thành",
		"kết thúc lúc 21 giờ 15 phút", "THƯ KÝ", "CHỦ TRÌ", "(Ký, ghi rõ họ tên)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the minutes lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Nội dung chuyên đề") {
		t.Error("a regular meeting's minutes have the thematic item")
	}
	if !regexp.MustCompile(`THƯ KÝ\n\(Ký, ghi rõ họ tên\)\nPhạm Văn Bình\nCHỦ TRÌ\n\(Ký, ghi rõ họ tên\)\nNguyễn Văn Đức`).MatchString(text) {
		t.Errorf("signature blocks:\n%s", text)
	}
	// Scope: another commune's official does not see the meeting; no token, no minutes.
	if r := w.do(http.MethodGet, path, "off2", nil); r.status != http.StatusNotFound {
		t.Errorf("off2: status %d", r.status)
	}
	if r := w.do(http.MethodGet, path, "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/meetings/"+domain.NewID()+"/minutes.docx", "root", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown meeting: status %d", r.status)
	}

	// A thematic meeting has its topic (said once) and the thematic items, not the month's news or resolution.
	if err := w.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(w.meetingB).Set("type = ?, topic = ?, notes = ?", domain.MeetingThematic,
			"Sinh hoạt chuyên đề: Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
			`{"items":[{"key":"thematic","text":"Đồng chí Bí thư trình bày chuyên đề."},{"key":"thematic_resolution","text":"Nghị quyết chuyên đề về học tập và làm theo Bác.","vote":{"for":5,"against":0}}]}`).
			WherePK().Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r = w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingB.ID+"/minutes.docx", "sup1", nil)
	if r.status != http.StatusOK {
		t.Fatalf("thematic: status %d: %s", r.status, r.body)
	}
	text = docxText(t, r.body)
	for _, want := range []string{"Sinh hoạt chuyên đề: Học tập và làm theo tư tưởng", "Nội dung chuyên đề", "Đồng chí Bí thư trình bày chuyên đề.",
		"Nghị quyết chuyên đề, biểu quyết", "Nghị quyết chuyên đề về học tập và làm theo Bác.", "Biểu quyết: 5 đồng chí tán thành"} {
		if !strings.Contains(text, want) {
			t.Errorf("the thematic minutes lack %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"chuyên đề: Sinh hoạt chuyên đề", "Thông tin thời sự", "Nghị quyết tháng, biểu quyết"} {
		if strings.Contains(text, not) {
			t.Errorf("the thematic minutes have %q:\n%s", not, text)
		}
	}
}
