package i18n

// addresseesMessages are the messages of the directory of addressees and its import (issue #12).
var addresseesMessages = map[string]msg{
	"what.addressee": {"cơ quan, đơn vị nhận kiến nghị", "addressee"},
	"what.responder": {"người trả lời kiến nghị", "responder"},

	"addr.bad_kind":          {"Loại cơ quan không hợp lệ; chọn một trong: Tổ chức đảng, Ban của cấp ủy, Chính quyền, Hội đồng nhân dân, Mặt trận và đoàn thể, Công an, Doanh nghiệp, Khác.", "The kind is not valid; choose one of party, party board, government, council, front, police, enterprise, other."},
	"addr.bad_level":         {"Cấp không hợp lệ; chọn một trong: Trung ương, Tỉnh, Huyện, Xã.", "The level is not valid; choose one of central, province, district, commune."},
	"addr.bad_parent":        {"Cơ quan cấp trên không có trong danh bạ của tỉnh.", "The parent body is not in the province's directory."},
	"addr.parent_cycle":      {"Cơ quan cấp trên không được là chính cơ quan này hay một cơ quan trực thuộc nó.", "The parent cannot be the body itself or one below it."},
	"addr.bad_unit":          {"Tổ chức đảng nơi cơ quan đặt trụ sở không thuộc tỉnh.", "The party unit of the body is not in the province."},
	"addr.in_use":            {"Cơ quan đã có kiến nghị, trả lời hoặc cơ quan trực thuộc nên không xóa được; hãy cho ngừng sử dụng.", "The body has recommendations, answers or bodies below it and cannot be deleted; retire it instead."},
	"addr.bad_user":          {"Không tìm thấy người dùng này.", "No such user."},
	"addr.responder_outside": {"Người dùng này không thuộc tỉnh nên không thể trả lời cho cơ quan của tỉnh.", "The user is outside the province and cannot answer for its bodies."},
	"addr.responder_taken":   {"Người dùng này đã là người trả lời của cơ quan.", "The user already answers for this body."},
	"addr.province_role":     {"Chỉ quản trị viên của tỉnh mới thay đổi được danh bạ cơ quan nhận kiến nghị.", "Only an administrator of the province can change the directory of addressees."},
	"addr.need_province":     {"Hãy chọn tỉnh (hoặc một tổ chức đảng của tỉnh).", "Choose a province (or a unit of it)."},
}
