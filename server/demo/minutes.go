package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// streamMinutes numbers the random streams of the minutes' text, one per meeting (streamMinutes + a hash of its
// id), so writing the minutes draws nothing from the commune's stream and the rest of the data set stays as it was.
const streamMinutes = 1 << 40

// DefaultMinutesTemplate is the id of the default minutes template (migration 0011), whose item keys the demo's
// minutes follow.
const DefaultMinutesTemplate = "3c0e7f52-6a8d-5b1e-9f4a-2d7c81b0e6a3"

// conclusions are the chair's closing words.
var conclusions = []string{
	"Đồng chí chủ trì kết luận: chi bộ thống nhất đánh giá kết quả tháng qua, tiếp thu ý kiến của đại biểu cấp trên và các đảng viên, tập trung thực hiện tốt nhiệm vụ tháng tới.",
	"Đồng chí chủ trì tổng hợp ý kiến thảo luận, kết luận: phát huy kết quả đạt được, khắc phục ngay những tồn tại đã nêu, mỗi đảng viên gương mẫu thực hiện nhiệm vụ được phân công.",
	"Đồng chí chủ trì kết luận: chi bộ nhất trí với các ý kiến phát biểu; chi ủy tiếp thu, bổ sung vào nghị quyết và phân công cụ thể từng việc.",
}

// thematicTalks describe how the thematic content was presented.
var thematicTalks = []string{
	"Đồng chí %s trình bày nội dung chuyên đề; các đảng viên liên hệ thực tế của thôn, nêu cách làm cụ thể của gia đình và chi bộ.",
	"Đồng chí %s quán triệt nội dung chuyên đề, nêu những việc chi bộ đã làm được và những việc cần tiếp tục thực hiện trong thời gian tới.",
}

// minutes writes the biên bản of a held meeting where the app reads it (Meeting.Notes, a store.MinutesDoc): the
// guests (the officials who came), each item of the default template with who spoke, last month's tasks ticked
// off, this month's tasks with who and by when, and the vote.
func (cg *communeGen) minutes(ctx context.Context, c *cell, mt *store.Meeting, st stats, tasks []string, guests []*official, guidance string) error {
	h := fnv.New64a()
	h.Write([]byte(mt.ID))
	r := newRNG(cg.g.cfg.Seed, streamMinutes+h.Sum64()%(1<<40))
	d := mt.MeetingDate
	chair, secretary := mt.ChairName, mt.SecretaryName
	doc := store.MinutesDoc{TemplateID: DefaultMinutesTemplate}
	var intro []string
	for _, o := range guests {
		doc.Guests = append(doc.Guests, store.MinutesGuest{Name: o.user.DisplayName, Post: o.user.Title, Higher: true})
		intro = append(intro, "đồng chí "+o.user.DisplayName+", "+o.user.Title)
	}
	opening := fmt.Sprintf("Đồng chí %s, Bí thư chi bộ, khai mạc, tuyên bố lý do buổi sinh hoạt", chair)
	if len(intro) > 0 {
		opening += " và giới thiệu đại biểu cấp trên dự sinh hoạt: " + strings.Join(intro, "; ")
	}
	add := func(it store.MinutesItem) { doc.Items = append(doc.Items, it) }
	add(store.MinutesItem{Key: "opening", Text: opening + "."})

	prev := d.AddMonths(-1)
	done := pickN(r, reviewDone, 2)
	review := store.MinutesItem{Key: "review", Text: fmt.Sprintf("Đồng chí %s đánh giá kết quả thực hiện nghị quyết tháng %d/%d: %s; %s. Tồn tại: %s.",
		chair, prev.Month(), prev.Year(), done[0], done[1], pick(r, reviewUndone))}
	if len(c.lastTasks) > 0 {
		review.Done = map[string]bool{}
		for _, t := range c.lastTasks {
			review.Done[t.ID] = r.chance(0.8)
		}
	}
	add(review)

	var speeches []store.MinutesSpeech
	if len(st.speakers) > 0 {
		names, lines := pickN(r, st.speakers, min(len(st.speakers), r.between(2, 3))), pickN(r, discussionLines, 3)
		for k, name := range names {
			speeches = append(speeches, store.MinutesSpeech{Name: name, Text: capitalize(lines[k]) + "."})
		}
	}
	who := func() string {
		opts := []string{chair, secretary, "Chi ủy chi bộ", "Toàn thể đảng viên"}
		if len(st.speakers) > 0 {
			opts = append(opts, pick(r, st.speakers))
		}
		return pick(r, opts)
	}
	if mt.Type == domain.MeetingThematic {
		topic := strings.TrimPrefix(mt.Topic, "Sinh hoạt chuyên đề: ")
		add(store.MinutesItem{Key: "thematic", Text: fmt.Sprintf(pick(r, thematicTalks), secretary) + " Chuyên đề: " + topic + "."})
		add(store.MinutesItem{Key: "discussion", Speeches: speeches})
		if guidance != "" {
			add(store.MinutesItem{Key: "guidance", Text: guidance})
		}
		add(store.MinutesItem{Key: "conclusion", Text: pick(r, conclusions)})
		add(store.MinutesItem{Key: "thematic_resolution", Text: mt.Resolution, Vote: &store.MinutesVote{For: ptr(st.present), Against: ptr(0)},
			Tasks: []store.MinutesTask{{ID: cg.taskID(mt.ID, 0), What: "Tuyên truyền nội dung chuyên đề đến các hộ gia đình", Who: who(),
				Due: firstOfMonth(d).AddMonths(1).AddDays(-1)}}})
	} else {
		add(store.MinutesItem{Key: "news", Text: "Đồng chí " + secretary + " thông tin: " + strings.Join(pickN(r, newsItems, 2), ". ") + "."})
		add(store.MinutesItem{Key: "discussion", Speeches: speeches})
		if guidance != "" {
			add(store.MinutesItem{Key: "guidance", Text: guidance})
		}
		add(store.MinutesItem{Key: "conclusion", Text: pick(r, conclusions)})
		res := store.MinutesItem{Key: "resolution", Text: mt.Resolution, Vote: &store.MinutesVote{For: ptr(st.present), Against: ptr(0)}}
		for k, t := range tasks {
			due := firstOfMonth(d).AddMonths(1).AddDays(-1)
			if r.chance(0.3) {
				due = firstOfMonth(d).AddMonths(1).AddDays(14)
			}
			res.Tasks = append(res.Tasks, store.MinutesTask{ID: cg.taskID(mt.ID, k), What: capitalize(t), Who: who(), Due: due})
		}
		add(res)
	}
	c.lastTasks = doc.Tasks()
	mt.Notes = domain.JSONText(jsonString(doc))
	return cg.g.w.amendMeetingNotes(ctx, mt.ID, mt.Notes)
}

// taskID is the id of a resolution's k-th task, derived from the meeting's id.
func (cg *communeGen) taskID(meetingID string, k int) string {
	return fmt.Sprintf("%s-%d", meetingID[:8], k+1)
}

// amendMeetingNotes sets the notes of a meeting already handed to the writer: in its buffer if it is still there,
// else in the database.
func (w *writer) amendMeetingNotes(ctx context.Context, id string, notes domain.JSONText) error {
	for i := len(w.meetings.rows) - 1; i >= 0; i-- {
		if w.meetings.rows[i].ID == id {
			w.meetings.rows[i].Notes = notes
			return nil
		}
	}
	if _, err := w.db.NewUpdate().Model((*store.Meeting)(nil)).Set("notes = ?", notes).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("demo: meeting notes: %w", err)
	}
	return nil
}
