package demo

// The commune's meetings of the other forms (issue #12): zones of the first commune (Khu Bắc, Khu Nam), a monthly
// giao ban of the cell secretaries in every commune with each open cell's report, two dialogues of the first
// commune with their questions (one became a recommendation), and its monthly expanded party committee meetings
// attended by a provincial official (the login tinhuy) assigned to them. Everything is drawn from streams of its
// own (streamForms + a commune's index, streamFormsLogin), so every other row of the data set is as it was.

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

const (
	streamFormsLogin = 4       // the tinhuy login and its committee assignment
	streamForms      = 1 << 41 // commune i: streamForms + i
)

var (
	briefingSituation = []string{
		"Tình hình chính trị, tư tưởng trong chi bộ ổn định; đảng viên chấp hành tốt chủ trương, nghị quyết.",
		"Nhân dân phấn khởi, tin tưởng; an ninh trật tự trên địa bàn {thon} được giữ vững.",
		"Đảng viên và quần chúng quan tâm đến tiến độ làm đường giao thông nội đồng và giá lúa vụ {vu}.",
		"Tình hình ổn định; một số hộ lo lắng về dịch bệnh trên đàn gia súc.",
		"Chi bộ duy trì sinh hoạt đúng kỳ, đảng viên dự họp đầy đủ; không có đơn thư khiếu nại.",
	}
	briefingDone = []string{
		"Tổ chức sinh hoạt chi bộ thường kỳ đúng ngày; thu nộp đảng phí đầy đủ.",
		"Ra quân vệ sinh môi trường, phát quang đường làng ở {thon}.",
		"Vận động nhân dân hoàn thành gieo cấy vụ {vu} đúng khung lịch thời vụ.",
		"Hoàn thành thu quỹ phòng chống thiên tai và quỹ vì người nghèo.",
		"Tổ chức thăm hỏi gia đình chính sách, hộ nghèo trong thôn.",
		"Phối hợp với Ban công tác Mặt trận hòa giải thành hai vụ việc tranh chấp đất đai.",
	}
	briefingProblems = []string{
		"Một số đoạn kênh mương nội đồng bị bồi lấp, ảnh hưởng tưới tiêu.",
		"Đường vào khu sản xuất xuống cấp, đi lại khó khăn mùa mưa.",
		"Một số đảng viên lớn tuổi, sức khỏe yếu, khó tham gia sinh hoạt đều đặn.",
		"Thiếu kinh phí sửa chữa nhà văn hóa thôn.",
		"Tình trạng thả rông gia súc vẫn còn.",
		"Không có khó khăn lớn.",
	}
	briefingProposals = []string{
		"Đề nghị Đảng ủy chỉ đạo UBND xã hỗ trợ nạo vét kênh mương trước vụ {vu}.",
		"Đề nghị xã sớm nâng cấp tuyến đường từ {thon} ra khu sản xuất.",
		"Đề nghị Điện lực kiểm tra lưới điện hạ thế ở {thon}, điện thường xuyên chập chờn.",
		"Đề nghị hỗ trợ giống lúa cho các hộ bị thiệt hại do lũ năm {lu}.",
		"Đề nghị tổ chức tập huấn nghiệp vụ cho cấp ủy chi bộ.",
		"Không có đề xuất.",
	}
	dialogueQuestions = []struct{ q, a string }{
		{"Bao giờ tuyến đường liên thôn {thon} được nâng cấp?", "UBND xã đã đưa tuyến đường vào kế hoạch đầu tư công năm {nam}, khởi công sau khi có vốn tỉnh hỗ trợ."},
		{"Việc cấp giấy chứng nhận quyền sử dụng đất cho các hộ ở {thon} còn chậm, xin giải thích nguyên nhân.", "Hồ sơ vướng đo đạc lại ranh giới; xã đã đề nghị Văn phòng đăng ký đất đai hoàn thành trong quý tới."},
		{"Điện sinh hoạt ở {thon} yếu vào giờ cao điểm, đề nghị xã kiến nghị cấp trên.", "Đảng ủy ghi nhận, giao UBND xã làm việc với Điện lực để bổ sung trạm biến áp."},
		{"Chế độ hỗ trợ người có công tháng này đã được chi trả chưa?", "Đã chi trả đủ qua bưu điện xã ngày 10; hộ nào chưa nhận liên hệ công chức Lao động - Thương binh và Xã hội."},
		{"Rác thải ở chợ xã chưa được thu gom thường xuyên.", "Xã đã ký lại hợp đồng thu gom, từ tháng sau thu gom hằng ngày."},
	}
)

// forms writes the meetings of the other forms of every commune, the first commune's zones, dialogues and
// committee meetings.
func (g *generator) forms(ctx context.Context, official *store.User) error {
	for _, c := range g.communes {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := newRNG(g.cfg.Seed, streamForms+uint64(c.idx))
		var zones [][]*cell // each zone's cells, by name then id (store.HostIndex's order)
		var zoneRows []store.Zone
		if c.idx == 0 && len(c.cells) >= 4 {
			half := (len(c.cells) + 1) / 2
			for k, name := range []string{"Khu Bắc", "Khu Nam"} {
				z := store.Zone{CommuneID: c.unit.ID, Name: name, SortOrder: k + 1}
				z.ID = r.id()
				z.CreatedAt, z.UpdatedAt = g.setupAt, g.setupAt
				zoneRows = append(zoneRows, z)
				part := c.cells[half:]
				if k == 0 {
					part = c.cells[:half]
				}
				zones = append(zones, sortedCells(part))
				if err := put(ctx, g.w, &g.w.zones, z); err != nil {
					return err
				}
			}
			if err := g.w.flushThrough(ctx, &g.w.zones); err != nil {
				return err
			}
			for k, z := range zoneRows {
				ids := make([]string, len(zones[k]))
				for i, cl := range zones[k] {
					ids[i] = cl.unit.ID
					cl.unit.ZoneID = &zoneRows[k].ID
				}
				if _, err := g.w.db.NewUpdate().Model((*store.OrgUnit)(nil)).Set("zone_id = ?", z.ID).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
					return fmt.Errorf("demo: zones: %w", err)
				}
			}
		}
		chair := randomPerson(r, 1968, 1980)
		for _, m := range g.months {
			month := firstOfMonth(m)
			if len(zones) == 0 {
				if err := g.briefing(ctx, r, c, nil, sortedCells(c.cells), month, chair); err != nil {
					return err
				}
				continue
			}
			for k := range zones {
				if err := g.briefing(ctx, r, c, &zoneRows[k], zones[k], month, chair); err != nil {
					return err
				}
			}
		}
		if c.idx == 0 {
			if err := g.dialogues(ctx, r, c, chair); err != nil {
				return err
			}
			if official != nil {
				if err := g.committee(ctx, r, c, official, chair); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sortedCells returns cells by name then id.
func sortedCells(cells []*cell) []*cell {
	out := append([]*cell(nil), cells...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].unit.Name < out[j-1].unit.Name || out[j].unit.Name == out[j-1].unit.Name && out[j].unit.ID < out[j-1].unit.ID); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func openOn(cl *cell, d domain.Date) bool {
	return (cl.unit.OpenedOn.IsZero() || !cl.unit.OpenedOn.After(d)) && (cl.unit.ClosedOn.IsZero() || !cl.unit.ClosedOn.Before(d))
}

// formVars are the placeholders of the forms' texts for a cell on a day.
func formVars(cl *cell, d domain.Date) map[string]string {
	vu := fmt.Sprintf("Hè Thu %d", d.Year())
	if m := d.Month(); m >= time.October {
		vu = fmt.Sprintf("Đông Xuân %d–%d", d.Year(), d.Year()+1)
	} else if m <= time.April {
		vu = fmt.Sprintf("Đông Xuân %d–%d", d.Year()-1, d.Year())
	}
	return map[string]string{"{thon}": cl.village, "{vu}": vu, "{lu}": fmt.Sprint(d.Year() - 1), "{nam}": fmt.Sprint(d.Year() + 1)}
}

// briefing writes a month's giao ban of a commune (of a zone, hosted by its cell in turn): the meeting, its chair,
// minute-taker and the secretaries present, and the report of each cell open that day. This month's, if its
// day has not come, is planned, without reports.
func (g *generator) briefing(ctx context.Context, r *rng, c *commune, z *store.Zone, cells []*cell, month domain.Date, chair person) error {
	day := month.AddDays(r.between(4, 9)) // the 5th to the 10th
	var open []*cell
	for _, cl := range cells {
		if openOn(cl, day) {
			open = append(open, cl)
		}
	}
	if len(open) == 0 {
		return nil
	}
	held := day.Before(g.today)
	mt := store.Meeting{CellID: c.unit.ID, Form: domain.FormBriefing, MeetingDate: day, Type: domain.MeetingRegular,
		Mode: domain.MeetingInPerson, Status: domain.MeetingPlanned, ChairName: chair.name,
		Topic: fmt.Sprintf("Giao ban bí thư chi bộ tháng %02d/%d", month.Month(), month.Year())}
	mt.ID = r.id()
	host := cells[store.HostIndex(len(cells), month)]
	if z != nil {
		mt.ZoneID, mt.HostCellID = &z.ID, &host.unit.ID
		mt.Topic += " " + z.Name
	}
	mt.Place = "Nhà văn hóa " + host.village
	if c.idx == 0 && z == nil {
		mt.Place = "Hội trường Đảng ủy " + c.label
	}
	minute := host.deputy.name
	mt.SecretaryName = minute
	created := at(day.AddDays(-5), 8, 0)
	if created.After(g.now) {
		created = g.now
	}
	mt.CreatedAt, mt.UpdatedAt = created, created
	if held {
		mt.Status = domain.MeetingHeld
		start, end := at(day, 7, 30), at(day, 10, 30)
		mt.StartsAt, mt.EndsAt = &start, &end
		mt.UpdatedAt = at(day, 11, 0)
		mt.Resolution = "Giao các chi bộ tiếp tục thực hiện tốt nhiệm vụ tháng tới; tổng hợp các đề xuất báo cáo Đảng ủy."
	}
	if err := put(ctx, g.w, &g.w.meetings, mt); err != nil {
		return err
	}
	people := []store.MeetingParticipant{
		{MeetingID: mt.ID, Role: "chair", Name: chair.name, Title: "Phó Bí thư Thường trực Đảng ủy " + c.label, Present: true},
		{MeetingID: mt.ID, Role: "minute_taker", CellID: &host.unit.ID, Name: minute, Title: "Phó khu, Phó Bí thư " + host.unit.Name, Present: true},
	}
	if held {
		for _, cl := range open {
			p := store.MeetingParticipant{MeetingID: mt.ID, Role: "participant", CellID: &cl.unit.ID, Name: cl.secretary.name,
				Title: "Bí thư " + cl.unit.Name, Present: !r.chance(0.05)}
			if cl.secretaryUser != "" {
				p.UserID = ptr(cl.secretaryUser)
			}
			people = append(people, p)
		}
	}
	for _, p := range people {
		p.ID = r.id()
		p.CreatedAt, p.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
		if err := put(ctx, g.w, &g.w.participants, p); err != nil {
			return err
		}
	}
	if !held {
		return nil
	}
	for i, cl := range open {
		if !people[2+i].Present && r.chance(0.5) {
			continue // absent, and its report not sent either: "not reported"
		}
		vars := formVars(cl, day)
		rep := store.BriefingReport{MeetingID: mt.ID, CellID: cl.unit.ID, ReporterName: cl.secretary.name,
			Situation: fill(pick(r, briefingSituation), vars), Done: fill(pick(r, briefingDone), vars),
			Problems: fill(pick(r, briefingProblems), vars), Proposals: fill(pick(r, briefingProposals), vars)}
		rep.ID = r.id()
		rep.CreatedAt, rep.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
		if err := put(ctx, g.w, &g.w.briefings, rep); err != nil {
			return err
		}
	}
	return nil
}

// dialogues writes two dialogues of the standing committee of commune c (with the cell secretaries, then with
// citizens) in the last two months of the history, two or three questions each with the explanation given; the
// first question of the citizens' dialogue became a recommendation of the commune.
func (g *generator) dialogues(ctx context.Context, r *rng, c *commune, chair person) error {
	if len(g.months) < 2 {
		return nil
	}
	for k, audience := range []string{"secretaries", "citizens"} {
		day := firstOfMonth(g.months[len(g.months)-2+k]).AddDays(14)
		if !day.Before(g.today) {
			day = g.today.AddDays(-1)
		}
		mt := store.Meeting{CellID: c.unit.ID, Form: domain.FormDialogue, Audience: audience, MeetingDate: day, Type: domain.MeetingRegular,
			Mode: domain.MeetingInPerson, Status: domain.MeetingHeld, ChairName: chair.name, Place: "Hội trường Đảng ủy " + c.label}
		mt.Topic = "Đối thoại của Ban Thường vụ Đảng ủy với bí thư chi bộ"
		if audience == "citizens" {
			mt.Topic = "Đối thoại của Ban Thường vụ Đảng ủy với Nhân dân"
		}
		mt.ID = r.id()
		start, end := at(day, 14, 0), at(day, 16, 30)
		mt.StartsAt, mt.EndsAt = &start, &end
		mt.CreatedAt, mt.UpdatedAt = at(day.AddDays(-7), 8, 0), at(day, 17, 0)
		if err := put(ctx, g.w, &g.w.meetings, mt); err != nil {
			return err
		}
		for _, p := range []store.MeetingParticipant{
			{MeetingID: mt.ID, Role: "chair", Name: chair.name, Title: "Phó Bí thư Thường trực Đảng ủy " + c.label, Present: true},
			{MeetingID: mt.ID, Role: "minute_taker", Name: randomPerson(r, 1985, 1995).name, Title: "Chuyên viên Văn phòng Đảng ủy", Present: true},
		} {
			p.ID = r.id()
			p.CreatedAt, p.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
			if err := put(ctx, g.w, &g.w.participants, p); err != nil {
				return err
			}
		}
		qs := pickN(r, dialogueQuestions, 2+k)
		for i, q := range qs {
			cl := pick(r, c.cells)
			vars := formVars(cl, day)
			dq := store.DialogueQuestion{MeetingID: mt.ID, SortOrder: i + 1, Question: fill(q.q, vars), Explanation: fill(q.a, vars),
				ExplainedBy: chair.name}
			dq.ID = r.id()
			if audience == "secretaries" {
				dq.AskerName, dq.AskerCellID = cl.secretary.name, &cl.unit.ID
			} else {
				dq.AskerName = randomPerson(r, 1955, 1990).name + " (" + cl.village + ")"
			}
			if audience == "citizens" && i == 0 {
				rec := store.Recommendation{CellID: c.unit.ID, MeetingID: &mt.ID, Content: dq.Question, RaisedOn: day,
					Urgency: UrgencyNormal, Status: domain.RecNew, AddresseeText: "UBND " + c.label, RaisedBy: ptr(c.supervisor)}
				rec.ID = r.id()
				rec.ContentFold = domain.Fold(rec.Content)
				rec.CreatedAt, rec.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
				if len(g.ref.Fields) > 0 {
					rec.FieldID = &g.ref.Fields[0].ID
					for _, f := range g.ref.Fields {
						if f.Code == "cn_dv_hatang" {
							rec.FieldID = ptr(f.ID)
						}
					}
				}
				if err := put(ctx, g.w, &g.w.recs, rec); err != nil {
					return err
				}
				dq.RecommendationID = &rec.ID
			}
			dq.CreatedAt, dq.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
			if err := put(ctx, g.w, &g.w.questions, dq); err != nil {
				return err
			}
		}
	}
	return nil
}

// committee writes the monthly expanded party committee meetings of commune c, attended by the official assigned
// to them (all but one month), from its assignment's start.
func (g *generator) committee(ctx context.Context, r *rng, c *commune, official *store.User, chair person) error {
	missed := r.intn(len(g.months))
	for k, m := range g.months {
		day := firstOfMonth(m).AddDays(r.between(19, 24))
		if !day.Before(g.today) {
			continue
		}
		mt := store.Meeting{CellID: c.unit.ID, Form: domain.FormCommittee, MeetingDate: day, Type: domain.MeetingRegular,
			Mode: domain.MeetingInPerson, Status: domain.MeetingHeld, ChairName: chair.name, Place: "Hội trường Đảng ủy " + c.label,
			Topic: fmt.Sprintf("Hội nghị Ban Chấp hành Đảng bộ %s mở rộng tháng %02d/%d", c.label, day.Month(), day.Year())}
		mt.ID = r.id()
		start, end := at(day, 7, 30), at(day, 11, 30)
		mt.StartsAt, mt.EndsAt = &start, &end
		mt.CreatedAt, mt.UpdatedAt = at(day.AddDays(-7), 8, 0), at(day, 12, 0)
		mt.Resolution = "Thống nhất đánh giá kết quả thực hiện nhiệm vụ tháng, đề ra nhiệm vụ trọng tâm tháng tới."
		if err := put(ctx, g.w, &g.w.meetings, mt); err != nil {
			return err
		}
		for _, p := range []store.MeetingParticipant{
			{MeetingID: mt.ID, Role: "chair", Name: chair.name, Title: "Phó Bí thư Thường trực Đảng ủy " + c.label, Present: true},
			{MeetingID: mt.ID, Role: "guest", UserID: &official.ID, Name: official.DisplayName, Title: official.Title, Present: k != missed},
		} {
			p.ID = r.id()
			p.CreatedAt, p.UpdatedAt = mt.UpdatedAt, mt.UpdatedAt
			if err := put(ctx, g.w, &g.w.participants, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// formsLogin writes tinhuy, a provincial official assigned to the first commune's expanded committee meetings from
// the start of the history, from a stream of its own.
func (g *generator) formsLogin(ctx context.Context) (*store.User, error) {
	r := newRNG(g.cfg.Seed, streamFormsLogin)
	first := g.communes[0]
	u := &store.User{Username: "tinhuy", DisplayName: randomPerson(r, 1968, 1975).name, Title: "Tỉnh ủy viên, Phó Trưởng Ban Tuyên giáo và Dân vận Tỉnh ủy",
		PasswordHash: g.hash, Active: true, Locale: "vi", HomeOrgUnitID: &g.province.ID}
	u.ID = r.id()
	if err := u.Normalize(); err != nil {
		return nil, fmt.Errorf("demo: user tinhuy: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = g.setupAt, g.setupAt
	if err := put(ctx, g.w, &g.w.users, *u); err != nil {
		return nil, err
	}
	gr := store.RoleGrant{UserID: u.ID, Role: domain.RoleOfficial, OrgUnitID: &g.province.ID}
	gr.ID = r.id()
	gr.CreatedAt, gr.UpdatedAt = g.setupAt, g.setupAt
	if err := put(ctx, g.w, &g.w.grants, gr); err != nil {
		return nil, err
	}
	a := store.Assignment{OfficialID: u.ID, CellID: first.unit.ID, Form: domain.FormCommittee, StartsOn: g.windowStart,
		Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: domain.AssignmentActive, CreatedBy: ptr(g.supervisor),
		Note: "Dự hội nghị Ban Chấp hành Đảng bộ " + first.label + " mở rộng hằng tháng"}
	a.ID = r.id()
	a.CreatedAt, a.UpdatedAt = g.setupAt, g.setupAt
	if err := put(ctx, g.w, &g.w.assignments, a); err != nil {
		return nil, err
	}
	g.sum.Logins = append(g.sum.Logins, Login{Username: u.Username, DisplayName: u.DisplayName, Title: u.Title,
		Role: domain.RoleOfficial, Scope: g.province.Name})
	return u, nil
}
