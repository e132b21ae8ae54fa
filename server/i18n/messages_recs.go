package i18n

// recsMessages are the messages of recommendation tracking (the Gia Lộc loop).
var recsMessages = map[string]msg{
	"rec.invalid_transition": {"Không thể chuyển kiến nghị từ trạng thái \u201c{from}\u201d sang \u201c{to}\u201d.",
		"A recommendation cannot go from \u201c{from}\u201d to \u201c{to}\u201d."},
	"rec.status.new":       {"mới", "new"},
	"rec.status.forwarded": {"đã chuyển", "forwarded"},
	"rec.status.answered":  {"đã trả lời", "answered"},
	"rec.status.sent_back": {"yêu cầu trả lời lại", "sent back"},
	"rec.status.accepted":  {"đã chấp nhận", "accepted"},
	"rec.status.resolved":  {"đã giải quyết", "resolved"},
	"rec.status.announced": {"đã thông báo kết quả", "announced"},
	"rec.due_before_today": {"Hạn trả lời không được trước hôm nay.", "The due date cannot be before today."},
	"rec.addressee_other_province": {"Cơ quan trả lời phải thuộc cùng tỉnh với chi bộ.",
		"The addressee must be in the cell's province."},
	"rec.answered_for": {"Đơn vị được trả lời thay phải là cơ quan nhận kiến nghị hoặc đơn vị trực thuộc.",
		"The unit answered for must be the addressee or a unit under it."},
	"rec.reason_required": {"Cần nêu lý do yêu cầu trả lời lại.", "Give the reason for sending the answer back."},
	"rec.bad_verdict":     {"Kết luận phải là accepted hoặc sent_back.", "The verdict must be accepted or sent_back."},
	"rec.bad_period":      {"Ngày bắt đầu phải trước ngày kết thúc.", "The start date must be before the end date."},
	"rec.bad_days":        {"{field} phải là số ngày từ 0 đến 36500.", "{field} must be a number of days from 0 to 36500."},
	"rec.no_field":        {"Chưa phân loại", "No field"},

	"what.addressee": {"cơ quan nhận kiến nghị", "addressee"},
}
