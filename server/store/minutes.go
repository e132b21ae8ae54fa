package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// MinutesItemDef is one agenda item of a minutes template (MinutesTemplate.Items).
type MinutesItemDef struct {
	Key string `json:"key"`
	// Kind is how the item is recorded: text, review (last month's tasks ticked off), discussion (who spoke and
	// what) or resolution (text, tasks and the vote).
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Types    []string `json:"types"` // the meeting types it applies to; empty: every type
	LabelVI  string   `json:"label_vi"`
	LabelEN  string   `json:"label_en"`
}

// The kinds of minutes items.
const (
	ItemText       = "text"
	ItemReview     = "review"
	ItemDiscussion = "discussion"
	ItemResolution = "resolution"
)

// AppliesTo says whether the item belongs in the minutes of a meeting of type t.
func (d MinutesItemDef) AppliesTo(t domain.MeetingType) bool {
	if len(d.Types) == 0 {
		return true
	}
	for _, x := range d.Types {
		if x == string(t) {
			return true
		}
	}
	return false
}

// MinutesDoc is the JSON shape of a meeting's minutes (Meeting.Notes): the guests and the agenda items as recorded.
type MinutesDoc struct {
	TemplateID string         `json:"template_id,omitempty"`
	Guests     []MinutesGuest `json:"guests,omitempty"`
	Items      []MinutesItem  `json:"items"`
}

// MinutesGuest is a guest of a meeting; Higher marks the visiting higher-level official (đại biểu cấp trên).
type MinutesGuest struct {
	Name   string `json:"name"`
	Post   string `json:"post,omitempty"`
	Higher bool   `json:"higher,omitempty"`
}

// MinutesItem is what the minutes say under one agenda item.
type MinutesItem struct {
	Key      string          `json:"key"`
	Text     string          `json:"text,omitempty"`
	Speeches []MinutesSpeech `json:"speeches,omitempty"`
	Tasks    []MinutesTask   `json:"tasks,omitempty"`
	Vote     *MinutesVote    `json:"vote,omitempty"`
	// Done ticks off last month's tasks (by task id) in the evaluation: true done, false not done.
	Done map[string]bool `json:"done,omitempty"`
	// Speakers is the older form of who spoke (names only).
	Speakers []string `json:"speakers,omitempty"`
}

// MinutesSpeech is one member's contribution to the discussion.
type MinutesSpeech struct {
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
}

// MinutesTask is one task of a resolution: what, who, by when.
type MinutesTask struct {
	ID   string      `json:"id"`
	What string      `json:"what"`
	Who  string      `json:"who,omitempty"`
	Due  domain.Date `json:"due,omitempty"`
}

// MinutesVote is a resolution's vote: members for and against.
type MinutesVote struct {
	For     *int `json:"for"`
	Against *int `json:"against"`
}

// ParseMinutes reads a meeting's notes; empty or unreadable notes give empty minutes.
func ParseMinutes(notes domain.JSONText) MinutesDoc {
	var d MinutesDoc
	if notes != "" {
		_ = json.Unmarshal([]byte(notes), &d) // notes are checked to be a JSON object on write; other shapes read as empty
	}
	return d
}

// Item returns the recorded item with the key, or an empty one.
func (d MinutesDoc) Item(key string) MinutesItem {
	for _, it := range d.Items {
		if it.Key == key {
			return it
		}
	}
	return MinutesItem{Key: key}
}

// Tasks returns the tasks of every resolution of the minutes, in order.
func (d MinutesDoc) Tasks() []MinutesTask {
	var out []MinutesTask
	for _, it := range d.Items {
		out = append(out, it.Tasks...)
	}
	return out
}

// MinutesTemplateOn returns the minutes template in force for a province on a day: the latest version valid that
// day, the province's own before the default. Nil when there is none.
func MinutesTemplateOn(ctx context.Context, db bun.IDB, provinceID string, day domain.Date) (*MinutesTemplate, []MinutesItemDef, error) {
	var ts []MinutesTemplate
	err := db.NewSelect().Model(&ts).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("mtp.province_id = ?", provinceID).WhereOr("mtp.province_id IS NULL")
		}).
		Where("mtp.valid_from <= ?", day).
		OrderExpr("mtp.province_id IS NULL, mtp.valid_from DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, nil, domain.Internal(err)
	}
	if len(ts) == 0 {
		return nil, nil, nil
	}
	var items []MinutesItemDef
	if err := json.Unmarshal([]byte(ts[0].Items), &items); err != nil {
		return nil, nil, domain.Internalf("minutes template %s: %w", ts[0].ID, err)
	}
	return &ts[0], items, nil
}

// Minutes is everything the biên bản of a meeting shows.
type Minutes struct {
	Meeting  MeetingView
	Cell     OrgUnit
	Higher   *OrgUnit // the unit above the cell
	Items    []MinutesItemDef
	Doc      MinutesDoc
	Previous []MinutesTask // the tasks of the cell's previous meeting, for the evaluation
	// Members on the roll, exempt from meetings, and the attendance.
	Members, Exempt, Present, Excused, Unexcused int
}

// MinutesOf gathers the minutes of a meeting: its header, the cell and the unit above, the template in force on the
// meeting day, the recorded items, the attendance figures and the previous meeting's tasks.
func MinutesOf(ctx context.Context, db bun.IDB, meetingID string) (*Minutes, error) {
	m, err := GetMeeting(ctx, db, meetingID)
	if err != nil {
		return nil, err
	}
	out := &Minutes{Meeting: *m, Doc: ParseMinutes(m.Notes)}
	cell, err := GetOrgUnit(ctx, db, m.CellID)
	if err != nil {
		return nil, err
	}
	out.Cell = *cell
	if cell.ParentID != nil {
		if out.Higher, err = GetOrgUnit(ctx, db, *cell.ParentID); err != nil {
			return nil, err
		}
	}
	if _, out.Items, err = MinutesTemplateOn(ctx, db, ProvinceOf(cell), m.MeetingDate); err != nil {
		return nil, err
	}
	var counts []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := db.NewSelect().Model((*Attendance)(nil)).ColumnExpr("at.status AS status, COUNT(*) AS n").
		Where("at.meeting_id = ?", meetingID).Group("at.status").Scan(ctx, &counts); err != nil {
		return nil, domain.Internal(err)
	}
	for _, c := range counts {
		switch domain.AttendanceStatus(c.Status) {
		case domain.AttendPresent:
			out.Present = c.N
		case domain.AttendExcused:
			out.Excused = c.N
		case domain.AttendUnexcused:
			out.Unexcused = c.N
		}
	}
	count := func(q *bun.SelectQuery) (int, error) {
		n, err := q.Count(ctx)
		if err != nil {
			return 0, domain.Internal(err)
		}
		return int(n), nil
	}
	roll := func() *bun.SelectQuery {
		return db.NewSelect().Model((*Member)(nil)).Where("m.cell_id = ?", m.CellID).
			Where("m.status NOT IN (?)", bun.List([]domain.MemberStatus{domain.StatusTransferred, domain.StatusDeceased}))
	}
	if m.MembersTotal != nil {
		out.Members = *m.MembersTotal
	} else if out.Members, err = count(roll()); err != nil {
		return nil, err
	}
	if m.MembersExempt != nil {
		out.Exempt = *m.MembersExempt
	} else if out.Exempt, err = count(roll().WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("m.status = ?", domain.StatusExempt).WhereOr("m.status = ? AND (m.temp_exempt_until IS NULL OR m.temp_exempt_until >= ?)",
			domain.StatusTempExempt, m.MeetingDate)
	})); err != nil {
		return nil, err
	}
	var prev []Meeting
	if err := db.NewSelect().Model(&prev).Where("mt.cell_id = ?", m.CellID).Where("mt.meeting_date < ?", m.MeetingDate).
		Where("mt.status <> ?", domain.MeetingCancelled).OrderExpr("mt.meeting_date DESC").Limit(1).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if len(prev) > 0 {
		out.Previous = ParseMinutes(prev[0].Notes).Tasks()
	}
	return out, nil
}

// Place is the place name of a unit for a document's date line: its name without the kind of organisation and of
// locality ("Đảng bộ xã Triệu Phong" gives "Triệu Phong").
func Place(u *OrgUnit) string {
	n := u.Name
	for _, p := range []string{"Đảng bộ ", "Chi bộ ", "Đảng ủy ", "xã ", "phường ", "thị trấn ", "huyện ", "thị xã ", "thành phố ", "tỉnh ", "thôn ", "khu phố "} {
		if len(n) > len(p) && strings.EqualFold(n[:len(p)], p) {
			n = n[len(p):]
		}
	}
	return n
}
