package i18n

// formsMessages are the messages of the commune's meetings of the other forms (issue #12): monthly briefings of
// the cell secretaries (giao ban), dialogues (đối thoại), expanded party committee meetings, and zones.
var formsMessages = map[string]msg{
	"form.cell":      {"sinh hoạt chi bộ", "cell meeting"},
	"form.briefing":  {"giao ban bí thư chi bộ", "secretaries' briefing"},
	"form.dialogue":  {"đối thoại", "dialogue"},
	"form.committee": {"hội nghị Đảng ủy xã mở rộng", "expanded commune party committee meeting"},

	"meeting.too_far":   {"Ngày sinh hoạt không được sau hôm nay quá {months} tháng: đồng chí kiểm tra lại năm.", "A meeting cannot be dated more than {months} months ahead: check the year."},
	"meeting.too_early": {"Ngày sinh hoạt không được trước ngày thành lập Đảng ({date}): đồng chí kiểm tra lại năm.", "A meeting cannot be dated before the founding of the Party ({date}): check the year."},

	"sync.not_commune":              {"Giao ban, đối thoại và hội nghị Đảng ủy mở rộng phải do một đảng bộ xã, phường tổ chức.", "Briefings, dialogues and expanded committee meetings must be held by a commune."},
	"sync.form_mismatch":            {"Nội dung này không thuộc loại cuộc họp ({form}).", "This does not belong to a meeting of this form ({form})."},
	"sync.briefing_only":            {"Khu và chi bộ đăng cai chỉ ghi cho buổi giao ban.", "A zone and a host cell are for briefings only."},
	"sync.zone_not_in_commune":      {"Khu này không thuộc {name}.", "This zone is not one of {name}'s."},
	"sync.host_not_in_zone":         {"{name} không thuộc khu của buổi giao ban.", "{name} is not a cell of the briefing's zone."},
	"sync.cell_not_in_commune":      {"Chi bộ này không thuộc {name}.", "This cell is not one of {name}'s."},
	"sync.not_own_cell":             {"Đồng chí chỉ ghi được báo cáo của chi bộ mình, không ghi được báo cáo của {name}.", "You can record only your own cell's report, not {name}'s."},
	"sync.commune_rec_meeting":      {"Kiến nghị của cấp xã phải gắn với một buổi giao ban, đối thoại hoặc hội nghị.", "A commune-level recommendation must be raised at a briefing, dialogue or committee meeting."},
	"error.zone_not_in_commune":     {"Khu này không thuộc {name}.", "This zone is not one of {name}'s."},
	"error.not_commune":             {"Đơn vị phải là một đảng bộ xã, phường.", "The unit must be a commune."},
	"export.forms_sheet":            {"Giao ban, đối thoại", "Briefings, dialogues"},
	"export.forms_title":            {"GIAO BAN BÍ THƯ CHI BỘ, ĐỐI THOẠI VÀ HỘI NGHỊ ĐẢNG ỦY MỞ RỘNG", "SECRETARIES' BRIEFINGS, DIALOGUES AND EXPANDED COMMITTEE MEETINGS"},
	"export.committee_sheet":        {"Dự hội nghị mở rộng", "Committee meetings"},
	"export.committee_title":        {"CÁN BỘ ĐƯỢC PHÂN CÔNG DỰ HỘI NGHỊ ĐẢNG ỦY MỞ RỘNG", "OFFICIALS ASSIGNED TO EXPANDED COMMITTEE MEETINGS"},
	"export.col.commune":            {"Đảng bộ xã, phường", "Commune"},
	"export.col.month":              {"Tháng", "Month"},
	"export.col.briefings_expected": {"Số buổi giao ban theo lịch", "Briefings scheduled"},
	"export.col.briefings_held":     {"Số buổi giao ban đã tổ chức", "Briefings held"},
	"export.col.cells_reported":     {"Chi bộ báo cáo tại giao ban", "Cells reported"},
	"export.col.dialogues":          {"Số buổi đối thoại", "Dialogues"},
	"export.col.committee_held":     {"Hội nghị Đảng ủy mở rộng đã tổ chức", "Committee meetings held"},
	"export.col.committee_expected": {"Số hội nghị phải dự", "Meetings expected"},
	"export.col.committee_attended": {"Số hội nghị có cán bộ tỉnh dự", "Attended by the assigned official"},
	"notify.committee_eve.title":    {"Nhắc lịch: hội nghị Đảng ủy mở rộng ngày mai", "Reminder: expanded party committee meeting tomorrow"},
	"notify.committee_eve.body":     {"{cell}, {date}{place}.", "{cell}, {date}{place}."},
	"notify.committee_day.title":    {"Hôm nay: hội nghị Đảng ủy mở rộng", "Today: expanded party committee meeting"},
	"notify.committee_day.body":     {"{cell}, {date}{place}.", "{cell}, {date}{place}."},
	"what.zone":                     {"khu", "zone"},
	"error.briefing_window":         {"Thời gian giao ban không hợp lệ: từ ngày 1 đến ngày 28, ngày bắt đầu không sau ngày kết thúc.", "Invalid briefing window: days 1 to 28, the first not after the last."},
}

func init() { catalogue = append(catalogue, formsMessages) }
