package i18n

// messages is the catalogue. Keys are grouped by area; "what.*" keys name things and are used as arguments.
var messages = map[string]msg{
	// Generic errors.
	"error.internal":           {"Lỗi hệ thống. Vui lòng thử lại sau.", "Internal error. Please try again later."},
	"error.not_found":          {"Không tìm thấy {what}.", "{what} not found."},
	"error.forbidden":          {"Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."},
	"error.route_not_found":    {"Không có địa chỉ này.", "No such address."},
	"error.method_not_allowed": {"Phương thức không được hỗ trợ.", "Method not allowed."},
	"error.too_large":          {"Dữ liệu gửi lên quá lớn (tối đa {limit}).", "Request body too large (at most {limit})."},
	"error.bad_json":           {"Dữ liệu JSON không hợp lệ: {detail}.", "Invalid JSON: {detail}."},
	"error.unknown_field":      {"Trường không được hỗ trợ: {field}.", "Unknown field: {field}."},
	"error.bad_id":             {"Mã định danh không hợp lệ.", "Invalid identifier."},
	"error.bad_cursor":         {"Con trỏ phân trang không hợp lệ.", "Invalid pagination cursor."},
	"error.bad_limit":          {"Số dòng mỗi trang phải từ 1 đến {max}.", "Page size must be between 1 and {max}."},
	"error.bad_date":           {"Ngày không hợp lệ (dạng YYYY-MM-DD).", "Invalid date (use YYYY-MM-DD)."},
	"error.bad_bool":           {"Giá trị phải là true hoặc false.", "Value must be true or false."},
	"error.required":           {"Thiếu thông tin bắt buộc: {field}.", "Required field missing: {field}."},
	"error.too_long":           {"{field} quá dài (tối đa {max} ký tự).", "{field} is too long (at most {max} characters)."},
	"error.bad_value":          {"Giá trị không hợp lệ cho {field}.", "Invalid value for {field}."},
	"error.conflict_version":   {"Dữ liệu đã bị người khác thay đổi. Tải lại rồi thử lại.", "Someone else changed this. Reload and try again."},
	"error.duplicate":          {"{what} đã tồn tại.", "{what} already exists."},
	"error.in_use":             {"Không thể xoá {what} vì còn dữ liệu liên quan.", "Cannot delete {what}: other records still use it."},

	// Auth.
	"auth.required":        {"Vui lòng đăng nhập.", "Please log in."},
	"auth.bad_token":       {"Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.", "Your session is invalid or has expired. Please log in again."},
	"auth.bad_credentials": {"Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."},
	"auth.inactive":        {"Tài khoản đã bị khoá. Liên hệ quản trị viên.", "This account is disabled. Contact your administrator."},
	"auth.locked":          {"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.", "Too many failed logins. Try again in {minutes} minutes."},
	"auth.ip_limited":      {"Có quá nhiều lần đăng nhập từ thiết bị này. Vui lòng thử lại sau ít phút.", "Too many login attempts from this address. Try again in a few minutes."},
	"auth.refresh_invalid": {"Phiên đăng nhập đã hết hạn hoặc bị thu hồi. Vui lòng đăng nhập lại.", "Your session has expired or was revoked. Please log in again."},
	"auth.refresh_reused":  {"Phiên đăng nhập đã bị dùng lại nên đã bị thu hồi để bảo vệ tài khoản. Vui lòng đăng nhập lại.", "This session was used twice, so it was revoked to protect the account. Please log in again."},
	"auth.weak_password":   {"Mật khẩu phải có ít nhất {min} ký tự.", "The password must have at least {min} characters."},
	"auth.wrong_password":  {"Mật khẩu hiện tại không đúng.", "The current password is wrong."},

	// Things, used as {what}.
	"what.org_unit":       {"tổ chức đảng", "organisation unit"},
	"what.member":         {"đảng viên", "member"},
	"what.user":           {"người dùng", "user"},
	"what.grant":          {"phân quyền", "role grant"},
	"what.assignment":     {"phân công", "assignment"},
	"what.meeting":        {"buổi sinh hoạt", "meeting"},
	"what.attendance":     {"điểm danh", "attendance"},
	"what.visit_report":   {"báo cáo dự sinh hoạt", "visit report"},
	"what.recommendation": {"kiến nghị", "recommendation"},
	"what.field":          {"lĩnh vực", "field"},
	"what.rubric":         {"thang điểm", "rubric"},
	"what.username":       {"tên đăng nhập", "username"},
	"what.card_number":    {"số thẻ đảng viên", "membership card number"},
	"what.code":           {"mã tổ chức", "unit code"},
	"what.audit":          {"nhật ký", "audit entry"},
	"what.record":         {"Bản ghi", "The record"},

	// Org tree.
	"org.bad_kind":             {"Loại tổ chức không hợp lệ.", "Unknown organisation kind."},
	"org.parent_required":      {"Phải chọn tổ chức cấp trên.", "A parent unit is required."},
	"org.cycle":                {"Không thể chuyển tổ chức vào chính nó hoặc tổ chức cấp dưới của nó.", "A unit cannot move under itself or its own subtree."},
	"org.closed_before_opened": {"Ngày giải thể phải sau ngày thành lập.", "The closing date must be after the opening date."},
	"org.not_cell":             {"Đảng viên phải thuộc một chi bộ.", "Members must belong to a party cell."},

	// Members.
	"member.bad_birth_year":        {"Năm sinh phải từ 1900 đến {max}.", "Birth year must be between 1900 and {max}."},
	"member.bad_membership":        {"Loại đảng viên phải là chính thức hoặc dự bị.", "Membership must be full or probationary."},
	"member.bad_status":            {"Tình trạng sinh hoạt không hợp lệ.", "Unknown member status."},
	"member.bad_gender":            {"Giới tính phải là Nam hoặc Nữ.", "Gender must be male or female."},
	"member.exempt_until_required": {"Tạm miễn sinh hoạt cần có ngày kết thúc.", "A temporary exemption needs an end date."},

	// Users and grants.
	"user.bad_username": {"Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang (3–40 ký tự).", "Usernames use lower-case letters, digits, '.', '_' and '-' (3–40 characters)."},
	"user.bad_role":     {"Vai trò không hợp lệ.", "Unknown role."},
	"user.global_grant": {"Chỉ quyền quản trị mới có thể áp dụng cho toàn hệ thống.", "Only the admin role can cover the whole installation."},
	"user.self_disable": {"Bạn không thể tự khoá hoặc xoá tài khoản của mình.", "You cannot disable or delete your own account."},
	"user.bad_locale":   {"Ngôn ngữ phải là vi hoặc en.", "Locale must be vi or en."},
}
