package demo

// The Vietnamese text of the demo: meeting topics, resolutions, minutes items, guidance, recommendations and
// answers. Placeholders in braces are filled per row: {thon} the cell's village ("thôn An Lợi"), {thon2} another
// village of the commune, {ten} and {ten2} the same without "thôn" ("An Lợi"), {xa} the commune ("xã Triệu
// Phong"), {vu} the crop season, {nam} the year, {namlu} the year of the last flood season, {nam0} a few years
// ago, {ong} and {ba} a man's and a woman's name, {xom} a hamlet, {song} a river, {n} a length in metres.

// seasonTasks are the cell's tasks for a month (index 1..12), following the farming year and the calendar of
// Quảng Trị: Tết, the Đông Xuân and Hè Thu crops, 27/7, the flood season.
var seasonTasks = [13][]string{
	1: {
		"Tổ chức cho nhân dân đón Tết Nguyên đán vui tươi, lành mạnh, an toàn, tiết kiệm",
		"Thăm hỏi, tặng quà gia đình chính sách, hộ nghèo, người cao tuổi dịp Tết",
		"Chăm sóc lúa Đông Xuân, phòng chống rét đậm, rét hại cho cây trồng, vật nuôi",
		"Tuyên truyền không sử dụng pháo nổ, phòng chống cháy nổ trong dịp Tết",
	},
	2: {
		"Ra quân trồng cây đầu xuân, ra quân làm thủy lợi, giao thông nội đồng",
		"Phối hợp tổ chức lễ giao nhận quân bảo đảm chỉ tiêu, an toàn",
		"Chăm sóc, bón phân thúc cho lúa Đông Xuân đúng lịch thời vụ",
		"Duy trì an ninh trật tự sau Tết, quản lý chặt chẽ lao động đi làm ăn xa trở về",
	},
	3: {
		"Theo dõi, phòng trừ rầy nâu, bệnh đạo ôn trên lúa Đông Xuân",
		"Vận động nhân dân đóng góp các loại quỹ theo kế hoạch",
		"Ra quân vệ sinh môi trường, phát quang đường làng ngõ xóm",
		"Hướng dẫn đảng viên cài đặt, sử dụng Sổ tay đảng viên điện tử",
	},
	4: {
		"Chuẩn bị nhân lực, máy móc cho thu hoạch lúa Đông Xuân",
		"Chủ động phương án phòng chống hạn hán, xâm nhập mặn",
		"Tổ chức các hoạt động kỷ niệm ngày Giải phóng miền Nam, thống nhất đất nước 30/4",
		"Rà soát, bình xét hộ nghèo phát sinh, hộ cần hỗ trợ nhà ở",
	},
	5: {
		"Thu hoạch lúa Đông Xuân nhanh gọn, tránh mưa trái mùa",
		"Chuẩn bị giống, vật tư, làm đất cho vụ Hè Thu",
		"Tổ chức các hoạt động kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh 19/5",
		"Tuyên truyền phòng chống đuối nước cho trẻ em trước dịp hè",
	},
	6: {
		"Gieo cấy lúa Hè Thu đúng khung lịch thời vụ",
		"Tổ chức sinh hoạt hè cho thiếu nhi, phòng chống đuối nước",
		"Phòng chống nắng nóng, cháy rừng, bảo đảm nước tưới",
		"Vận động nhân dân tham gia bảo hiểm y tế, bảo hiểm xã hội tự nguyện",
	},
	7: {
		"Tổ chức các hoạt động tri ân nhân kỷ niệm ngày Thương binh – Liệt sĩ 27/7",
		"Dọn dẹp, chỉnh trang nghĩa trang liệt sĩ, thắp nến tri ân",
		"Chăm sóc lúa Hè Thu, phòng trừ sâu cuốn lá, chuột hại",
		"Thăm hỏi, tặng quà thương binh, gia đình liệt sĩ, người có công",
	},
	8: {
		"Thu hoạch lúa Hè Thu, chuẩn bị phương án phòng chống bão lũ",
		"Tổ chức các hoạt động kỷ niệm Cách mạng tháng Tám và Quốc khánh 2/9",
		"Rà soát các hộ ở vùng trũng, ven sông để có phương án di dời khi có lũ",
		"Vận động học sinh đến trường, hỗ trợ học sinh có hoàn cảnh khó khăn",
	},
	9: {
		"Kiện toàn Ban Chỉ huy phòng chống thiên tai của thôn, chuẩn bị phương tiện cứu hộ",
		"Gia cố nhà cửa, dự trữ lương thực, thuốc men trước mùa mưa bão",
		"Vận động hội viên, đoàn viên tham gia ngày hội toàn dân bảo vệ an ninh Tổ quốc",
		"Hỗ trợ học sinh khó khăn vào năm học mới",
	},
	10: {
		"Chủ động ứng phó mưa lũ, bảo đảm an toàn tính mạng, tài sản của nhân dân",
		"Khắc phục hậu quả mưa lũ, vệ sinh môi trường, phòng dịch bệnh sau lũ",
		"Chuẩn bị giống, vật tư cho vụ Đông Xuân",
		"Kiểm tra, sửa chữa các tuyến đường, kênh mương bị hư hỏng sau lũ",
	},
	11: {
		"Tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư 18/11",
		"Khắc phục hậu quả thiên tai, ổn định đời sống nhân dân",
		"Chuẩn bị nội dung kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên cuối năm",
		"Hoàn thành thu nộp các loại quỹ năm",
	},
	12: {
		"Tổ chức kiểm điểm, đánh giá, xếp loại chất lượng đảng viên năm",
		"Gieo cấy lúa Đông Xuân đúng lịch thời vụ",
		"Tổ chức các hoạt động kỷ niệm ngày thành lập Quân đội nhân dân Việt Nam 22/12",
		"Rà soát, đề nghị tặng Huy hiệu Đảng cho đảng viên đủ tuổi đảng",
	},
}

// newsItems are the news and policy the meeting is told about.
var newsItems = []string{
	"Quán triệt Chỉ thị 50-CT/TW của Ban Bí thư về nâng cao chất lượng sinh hoạt chi bộ",
	"Thông tin về vận hành mô hình chính quyền địa phương hai cấp và các thủ tục hành chính liên quan",
	"Triển khai ứng dụng Sổ tay đảng viên điện tử đến toàn thể đảng viên",
	"Học tập, quán triệt Nghị quyết Đại hội Đảng bộ tỉnh nhiệm kỳ 2025–2030",
	"Thông tin tình hình kinh tế – xã hội của tỉnh và của xã trong tháng",
	"Phổ biến các chính sách mới về bảo hiểm y tế, trợ cấp hưu trí xã hội",
	"Tuyên truyền phòng chống lừa đảo trên không gian mạng",
	"Thông tin kết quả thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
	"Quy định về những điều đảng viên không được làm",
	"Hướng dẫn cài đặt ứng dụng VNeID, thực hiện dịch vụ công trực tuyến",
	"Thông tin về công tác chuyển đổi số ở cơ sở",
	"Tình hình thời sự trong nước và quốc tế nổi bật trong tháng",
}

// thematicTopics are the quarterly thematic meeting subjects (sinh hoạt chuyên đề).
var thematicTopics = []string{
	"Sinh hoạt chuyên đề: Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về tinh thần đoàn kết",
	"Sinh hoạt chuyên đề: Xây dựng khu dân cư kiểu mẫu, nông thôn mới nâng cao",
	"Sinh hoạt chuyên đề: Chủ động phòng chống thiên tai, ứng phó với biến đổi khí hậu",
	"Sinh hoạt chuyên đề: Công tác phát triển đảng viên ở thôn, khu phố",
	"Sinh hoạt chuyên đề: Phân loại rác thải tại nguồn, bảo vệ môi trường khu dân cư",
	"Sinh hoạt chuyên đề: Chuyển đổi số và ứng dụng Sổ tay đảng viên điện tử",
	"Sinh hoạt chuyên đề: Phát huy vai trò người đứng đầu, nêu gương của đảng viên",
	"Sinh hoạt chuyên đề: Bảo đảm an ninh trật tự, phòng chống tội phạm và tệ nạn xã hội",
	"Sinh hoạt chuyên đề: Phát triển kinh tế hộ gia đình, giảm nghèo bền vững",
	"Sinh hoạt chuyên đề: Giữ gìn, phát huy truyền thống cách mạng của quê hương Quảng Trị",
	"Sinh hoạt chuyên đề: Thực hiện quy chế dân chủ ở cơ sở",
	"Sinh hoạt chuyên đề: Chăm sóc người cao tuổi, gia đình chính sách",
}

// reviewDone and reviewUndone describe how last month's resolution went.
var (
	reviewDone = []string{
		"hoàn thành tốt các nhiệm vụ đề ra",
		"các chỉ tiêu thu nộp quỹ đạt trên 90%",
		"phong trào vệ sinh môi trường được nhân dân hưởng ứng",
		"an ninh trật tự trên địa bàn được giữ vững",
		"sản xuất nông nghiệp bảo đảm lịch thời vụ",
		"công tác thăm hỏi gia đình chính sách được thực hiện chu đáo",
	}
	reviewUndone = []string{
		"việc thu nộp một số loại quỹ còn chậm",
		"vệ sinh môi trường ở một số tuyến đường chưa thường xuyên",
		"tỷ lệ đảng viên cài đặt Sổ tay đảng viên điện tử chưa đạt kế hoạch",
		"còn đảng viên vắng sinh hoạt",
		"tiến độ làm đường giao thông nông thôn còn chậm",
		"việc nắm tình hình lao động đi làm ăn xa chưa đầy đủ",
	}
	discussionLines = []string{
		"đề nghị chi bộ quan tâm hơn đến việc sửa chữa đường làng",
		"phản ánh tình trạng thiếu nước tưới cuối vụ",
		"đề nghị đẩy mạnh tuyên truyền phòng chống lừa đảo qua mạng",
		"góp ý việc tổ chức thu gom rác chưa đúng giờ",
		"đề nghị quan tâm các hộ khó khăn về nhà ở",
		"đề nghị chi bộ phân công đảng viên phụ trách từng nhóm hộ",
		"phản ánh ý kiến của nhân dân về giá phân bón tăng cao",
		"đề nghị tổ chức lại lịch trực phòng chống thiên tai của thôn",
	}
)

// Guidance of the visiting official.
var (
	guidanceGeneric = []string{
		"Chi bộ tiếp tục thực hiện nghiêm Chỉ thị 50-CT/TW, duy trì sinh hoạt đúng ngày mùng 3 hằng tháng.",
		"Chi ủy cần chuẩn bị kỹ nội dung trước khi sinh hoạt, phân công rõ người, rõ việc, rõ thời gian hoàn thành.",
		"Nghị quyết của chi bộ cần ngắn gọn, dễ kiểm tra, gắn với việc cụ thể của thôn.",
		"Đề nghị chi bộ tiếp tục hướng dẫn đảng viên, nhất là đảng viên cao tuổi, sử dụng Sổ tay đảng viên điện tử.",
		"Quan tâm công tác phát triển đảng viên trong đoàn viên thanh niên, quân nhân xuất ngũ trở về địa phương.",
		"Phát huy dân chủ trong sinh hoạt, khuyến khích đảng viên trẻ phát biểu ý kiến.",
		"Các kiến nghị của chi bộ đã được ghi nhận, sẽ tổng hợp báo cáo cấp ủy cấp trên xem xét, trả lời.",
		"Chi bộ cần phát huy vai trò nêu gương của đảng viên trong thực hiện các phong trào ở khu dân cư.",
	}
	guidanceSeasonal = [13]string{
		1:  "Tập trung lãnh đạo tổ chức Tết an toàn, tiết kiệm, quan tâm gia đình chính sách, hộ nghèo.",
		2:  "Lãnh đạo hoàn thành công tác giao quân, chăm sóc lúa Đông Xuân đúng lịch.",
		3:  "Chủ động phòng trừ sâu bệnh trên lúa, đẩy mạnh vệ sinh môi trường khu dân cư.",
		4:  "Chuẩn bị tốt các điều kiện thu hoạch Đông Xuân, chủ động phòng chống hạn, mặn.",
		5:  "Thu hoạch Đông Xuân nhanh gọn, chuẩn bị tốt vụ Hè Thu, phòng chống đuối nước cho trẻ em.",
		6:  "Lãnh đạo gieo cấy Hè Thu đúng khung thời vụ, quản lý tốt sinh hoạt hè của thiếu nhi.",
		7:  "Tổ chức chu đáo các hoạt động tri ân nhân ngày 27/7, không để sót đối tượng chính sách.",
		8:  "Thu hoạch Hè Thu, rà soát phương án phòng chống bão lũ theo phương châm bốn tại chỗ.",
		9:  "Kiện toàn lực lượng xung kích, chuẩn bị phương tiện, vật tư phòng chống thiên tai.",
		10: "Ưu tiên bảo đảm an toàn cho nhân dân mùa mưa lũ, kịp thời báo cáo thiệt hại lên cấp trên.",
		11: "Chuẩn bị chu đáo kiểm điểm cuối năm, tổ chức tốt Ngày hội Đại đoàn kết ở khu dân cư.",
		12: "Kiểm điểm, đánh giá xếp loại đảng viên thực chất, đúng quy định; chỉ đạo gieo cấy Đông Xuân.",
	}
	guidanceWeak = []string{
		"Chi bộ cần làm rõ nguyên nhân đảng viên vắng sinh hoạt, nhắc nhở, kiểm điểm đảng viên vắng không có lý do.",
		"Tỷ lệ đảng viên dự sinh hoạt còn thấp; chi ủy cần thông báo lịch sớm, vận động đảng viên tham gia đầy đủ.",
		"Đề nghị chi bộ rà soát đảng viên đi làm ăn xa để làm thủ tục tạm miễn hoặc giới thiệu sinh hoạt tạm thời.",
	}
)

// Absence reasons, by who gives them.
var (
	reasonsOld     = []string{"Ốm", "Ốm, đã báo chi ủy", "Đi viện", "Việc gia đình", "Có giỗ trong gia đình"}
	reasonsWorking = []string{"Đi làm ăn xa", "Đi công tác", "Việc gia đình", "Đi làm ca", "Ốm"}
	reasonsOther   = []string{"Việc gia đình", "Ốm", "Đi công tác", "Đi viện chăm người thân", "Đi học tập trung"}
)

// Member status notes.
var (
	exemptNotes     = []string{"Tuổi cao, sức yếu", "Tuổi cao, được miễn sinh hoạt theo đề nghị của chi bộ", "Bệnh nặng, điều trị dài ngày"} // old age, old age, illness
	tempExemptNotes = []string{
		"Đi làm ăn xa tại TP. Hồ Chí Minh", "Đi lao động tại Hàn Quốc", "Đi làm việc tại Bình Dương",
		"Đi lao động tại Nhật Bản", "Đi làm ăn xa tại Đồng Nai",
	}
	attachedNotes = []string{
		"Sinh hoạt tạm thời, đảng viên chính thức của Đảng bộ Công an tỉnh",
		"Sinh hoạt tạm thời, đảng viên của Đảng bộ Bộ Chỉ huy Quân sự tỉnh",
		"Sinh hoạt tạm thời do đi học, công tác tại địa phương",
		"Sinh hoạt tạm thời, đảng viên của Đảng bộ Trường Đại học Huế",
	}
	transferPlaces = []string{
		"Đảng bộ phường Đông Hà", "Đảng bộ phường Đồng Hới", "Đảng bộ thành phố Đà Nẵng",
		"Đảng bộ phường Thuận Hóa, thành phố Huế", "Đảng bộ Thành phố Hồ Chí Minh",
	}
)

// Titles of the visiting officials.
var (
	provincialTitles = []string{
		"Tỉnh ủy viên, Giám đốc Sở Nông nghiệp và Môi trường",
		"Tỉnh ủy viên, Phó Trưởng Ban Tuyên giáo và Dân vận Tỉnh ủy",
		"Phó Chánh Văn phòng Tỉnh ủy",
		"Tỉnh ủy viên, Giám đốc Sở Xây dựng",
		"Tỉnh ủy viên, Chủ tịch Hội Nông dân tỉnh",
		"Tỉnh ủy viên, Bí thư Tỉnh Đoàn",
		"Phó Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy",
		"Tỉnh ủy viên, Giám đốc Sở Y tế",
		"Tỉnh ủy viên, Giám đốc Sở Giáo dục và Đào tạo",
		"Phó Trưởng Ban Nội chính Tỉnh ủy",
	}
	// communeTitles are handed out in turn within a commune; the Ban Xây dựng Đảng head is the commune's
	// supervisor (communeSupervisorTitle).
	communeTitles = []string{
		"Ủy viên Ban Thường vụ, Chủ tịch Ủy ban MTTQ Việt Nam {xa}",
		"Đảng ủy viên, Phó Chủ tịch UBND {xa}",
		"Ủy viên Ban Thường vụ, Chủ nhiệm Ủy ban Kiểm tra Đảng ủy {xa}",
		"Đảng ủy viên, Trưởng Công an {xa}",
		"Đảng ủy viên, Chỉ huy trưởng Ban Chỉ huy Quân sự {xa}",
		"Đảng ủy viên, Trưởng Phòng Kinh tế {xa}",
		"Đảng ủy viên, Chủ tịch Hội Nông dân {xa}",
		"Đảng ủy viên, Chủ tịch Hội Liên hiệp Phụ nữ {xa}",
		"Đảng ủy viên, Chủ tịch Hội Cựu chiến binh {xa}",
		"Đảng ủy viên, Bí thư Đoàn Thanh niên {xa}",
		"Phó Bí thư Thường trực Đảng ủy {xa}",
		"Ủy viên Ban Thường vụ, Chánh Văn phòng Đảng ủy {xa}",
		"Đảng ủy viên, Phó Chủ tịch HĐND {xa}",
		"Đảng ủy viên, Trưởng Phòng Văn hóa – Xã hội {xa}",
	}
	communeSupervisorTitle = "Ủy viên Ban Thường vụ, Trưởng Ban Xây dựng Đảng Đảng ủy {xa}"
)

// addressee names who must act on a recommendation. A commune-level addressee is linked to the commune unit.
type addressee struct {
	text    string
	commune bool
}

var addressees = map[string]addressee{
	"ubnd":    {"UBND {xa}", true},
	"kinhte":  {"Phòng Kinh tế {xa}", true},
	"vhxh":    {"Phòng Văn hóa – Xã hội {xa}", true},
	"congan":  {"Công an {xa}", true},
	"quansu":  {"Ban Chỉ huy Quân sự {xa}", true},
	"danguy":  {"Ban Thường vụ Đảng ủy {xa}", true},
	"hcc":     {"Trung tâm Phục vụ hành chính công {xa}", true},
	"dienluc": {"Công ty Điện lực Quảng Trị", false},
	"nuoc":    {"Công ty Cổ phần Nước sạch Quảng Trị", false},
	"vt":      {"Viettel Quảng Trị", false},
	"sonn":    {"Sở Nông nghiệp và Môi trường", false},
	"soxd":    {"Sở Xây dựng", false},
	"bhxh":    {"Bảo hiểm xã hội tỉnh", false},
	"sonv":    {"Sở Nội vụ", false},
	"bchqs":   {"Bộ Chỉ huy Quân sự tỉnh", false},
}

// recTemplate is one recommendation text with its usual addressee.
type recTemplate struct {
	text   string
	to     string // key of addressees
	urgent bool
}

// recTemplates are recommendations per field code of the default list (migration 0002). Fields a province adds
// itself fall back to the "khac" list.
var recTemplates = map[string][]recTemplate{
	"nong_nghiep": {
		{"Kiến nghị hỗ trợ giống lúa cho các hộ bị thiệt hại do ngập úng vụ {vu} tại {thon}", "ubnd", false},
		{"Đề nghị nạo vét kênh mương nội đồng {thon} để kịp phục vụ tưới tiêu vụ {vu}", "kinhte", false},
		{"Đề nghị hỗ trợ vắc xin tiêm phòng lở mồm long móng, dịch tả lợn châu Phi cho đàn gia súc {thon}", "kinhte", false},
		{"Kiến nghị sửa chữa trạm bơm điện {thon} bị hư hỏng động cơ, không bảo đảm nước tưới", "ubnd", true},
		{"Đề nghị có phương án hỗ trợ tiêu thụ rau, củ quả cho bà con {thon} khi được mùa mất giá", "kinhte", false},
		{"Kiến nghị hỗ trợ chuyển đổi diện tích lúa kém hiệu quả ở {thon} sang trồng cây màu", "sonn", false},
		{"Đề nghị tăng cường cán bộ khuyến nông hướng dẫn phòng trừ rầy nâu, bệnh đạo ôn trên lúa {vu}", "kinhte", false},
		{"Đề nghị bê tông hóa tuyến kênh nội đồng {thon} dài khoảng {n} m", "ubnd", false},
		{"Kiến nghị có biện pháp diệt chuột tập trung trên cánh đồng {thon}, chuột phá hoại lúa trên diện rộng", "kinhte", false},
		{"Đề nghị hỗ trợ các hộ nuôi tôm trên cát {thon} xử lý tình trạng tôm chết hàng loạt", "sonn", true},
		{"Kiến nghị hỗ trợ xây dựng cánh đồng lúa hữu cơ tại {thon} gắn với sản phẩm OCOP", "sonn", false},
		{"Đề nghị sớm triển khai dồn điền đổi thửa đợt 2 tại {thon}", "ubnd", false},
		{"Kiến nghị kiểm soát giá phân bón, thuốc bảo vệ thực vật, cung ứng kịp thời cho vụ {vu}", "kinhte", false},
		{"Đề nghị sửa chữa cống ngăn mặn {thon} để bảo vệ diện tích lúa vụ {vu}", "ubnd", true},
		{"Đề nghị hỗ trợ cây giống keo cho các hộ trồng rừng sản xuất ở {thon}", "kinhte", false},
		{"Kiến nghị hỗ trợ thiệt hại cho các hộ chăn nuôi có gia súc chết do rét đậm, rét hại", "ubnd", false},
	},
	"cn_dv_hatang": {
		{"Đề nghị UBND xã sớm sửa chữa tuyến đường liên thôn {ten} – {ten2} bị sạt lở sau mưa lũ", "ubnd", true},
		{"Kiến nghị lắp đặt điện chiếu sáng công cộng trên tuyến đường trục chính {thon}", "ubnd", false},
		{"Đề nghị ngành điện nâng công suất trạm biến áp {thon}, điện yếu vào giờ cao điểm", "dienluc", false},
		{"Đề nghị sửa chữa cầu tràn {thon} bị xói lở mố cầu, mất an toàn khi mùa mưa đến", "ubnd", true},
		{"Kiến nghị sớm kéo đường ống nước sạch về các hộ dân {thon}", "nuoc", false},
		{"Đề nghị lắp biển báo, gờ giảm tốc tại ngã ba đường vào {thon} giao với quốc lộ", "soxd", false},
		{"Đề nghị nhà mạng lắp thêm trạm phát sóng, khắc phục tình trạng sóng điện thoại yếu tại {thon}", "vt", false},
		{"Kiến nghị sửa chữa mặt đường bê tông {xom}, {thon} bị bong tróc, hư hỏng nặng", "ubnd", false},
		{"Đề nghị xây dựng mương thoát nước dọc tuyến đường {thon}, tránh ngập úng cục bộ khi mưa lớn", "ubnd", false},
		{"Đề nghị đầu tư xây mới nhà văn hóa {thon} đã xuống cấp, không đủ chỗ sinh hoạt", "ubnd", false},
		{"Kiến nghị công khai tiến độ dự án đường ven biển đoạn qua {xa}, bồi thường cho các hộ bị ảnh hưởng", "soxd", false},
		{"Đề nghị hỗ trợ xi măng làm đường giao thông nông thôn ở {thon} theo phương châm Nhà nước và nhân dân cùng làm", "ubnd", false},
		{"Kiến nghị xử lý xe chở cát quá tải làm hư hỏng đường liên thôn {ten} – {ten2}", "congan", false},
		{"Đề nghị di dời cột điện nằm giữa đường tại {thon}, gây mất an toàn giao thông", "dienluc", true},
		{"Đề nghị sửa chữa mái che chợ {thon} bị tốc mái sau bão", "ubnd", false},
	},
	"chinh_sach": {
		{"Đề nghị xem xét giải quyết chế độ cho ông {ong}, {thon}, tham gia kháng chiến bị nhiễm chất độc hóa học, hồ sơ đã nộp từ năm {nam0}", "sonv", false},
		{"Kiến nghị rà soát lại danh sách hộ nghèo, hộ cận nghèo năm {nam} tại {thon} cho đúng đối tượng", "vhxh", false},
		{"Đề nghị sớm chi trả trợ cấp cho cán bộ không chuyên trách thôn nghỉ việc sau sắp xếp", "ubnd", false},
		{"Đề nghị hỗ trợ sửa chữa nhà ở cho gia đình chính sách có nhà bị hư hỏng sau bão tại {thon}", "vhxh", true},
		{"Kiến nghị sớm giải quyết trợ cấp hưu trí xã hội cho người cao tuổi từ 75 tuổi ở {thon}", "vhxh", false},
		{"Đề nghị hướng dẫn thủ tục cấp đổi thẻ bảo hiểm y tế cho người có công và thân nhân", "bhxh", false},
		{"Đề nghị xem xét chế độ phụ cấp cho bí thư chi bộ kiêm trưởng thôn sau khi sắp xếp chính quyền hai cấp", "sonv", false},
		{"Kiến nghị sớm chi trả tiền hỗ trợ thiệt hại do mưa lũ năm {namlu} cho các hộ dân {thon}", "ubnd", true},
		{"Đề nghị xác nhận, giải quyết chế độ thờ cúng liệt sĩ cho gia đình ông {ong}, {thon}", "sonv", false},
		{"Đề nghị tạo điều kiện vay vốn ưu đãi cho hộ cận nghèo, hộ mới thoát nghèo tại {thon}", "ubnd", false},
		{"Kiến nghị giải quyết dứt điểm hồ sơ hưởng trợ cấp tuất của bà {ba}, {thon}", "bhxh", false},
		{"Đề nghị có chính sách hỗ trợ người dân đóng bảo hiểm xã hội tự nguyện", "bhxh", false},
		{"Đề nghị hướng dẫn chế độ đối với đảng viên được tặng Huy hiệu 40, 50 năm tuổi Đảng", "danguy", false},
		{"Kiến nghị hỗ trợ học sinh con hộ nghèo {thon} tiền ăn bán trú theo chính sách mới", "vhxh", false},
	},
	"dat_dai": {
		{"Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ đã sử dụng ổn định tại {xom}, {thon}", "ubnd", false},
		{"Kiến nghị xử lý tình trạng khai thác cát trái phép trên {song} đoạn qua {thon}", "congan", true},
		{"Đề nghị xử lý điểm tập kết rác tự phát cạnh đường {thon}, tăng số lần thu gom rác", "ubnd", false},
		{"Kiến nghị giải quyết dứt điểm tranh chấp ranh giới đất giữa hai hộ ở {thon} đã kéo dài nhiều năm", "ubnd", false},
		{"Đề nghị có biện pháp chống sạt lở bờ {song} đoạn qua {thon}, đe dọa nhà cửa của nhiều hộ dân", "sonn", true},
		{"Kiến nghị xử lý mùi hôi từ trang trại chăn nuôi lợn gần khu dân cư {thon}", "kinhte", false},
		{"Đề nghị công khai quy hoạch sử dụng đất của {xa} sau sắp xếp để người dân biết, thực hiện", "ubnd", false},
		{"Đề nghị sớm giao đất rừng sản xuất cho các hộ dân {thon}", "sonn", false},
	},
	"van_hoa_xa_hoi": {
		{"Đề nghị hỗ trợ trang thiết bị âm thanh, bàn ghế cho nhà văn hóa {thon}", "vhxh", false},
		{"Kiến nghị tăng cường quản lý các điểm kinh doanh trò chơi điện tử gần trường học", "vhxh", false},
		{"Đề nghị tổ chức lớp dạy bơi cho trẻ em {thon} trước mùa hè", "vhxh", false},
		{"Đề nghị sửa chữa sân thể thao {thon} phục vụ phong trào thể dục thể thao của nhân dân", "ubnd", false},
		{"Kiến nghị giữ ổn định điểm trường mầm non {thon} sau khi sắp xếp trường lớp", "vhxh", false},
		{"Đề nghị tu bổ nghĩa trang liệt sĩ {xa} trước ngày 27/7", "ubnd", false},
		{"Đề nghị bố trí bác sĩ khám chữa bệnh thường xuyên tại trạm y tế {xa}", "vhxh", false},
	},
	"an_ninh_quoc_phong": {
		{"Đề nghị tăng cường tuần tra, xử lý tình trạng thanh thiếu niên tụ tập đua xe trên tuyến đường {thon}", "congan", true},
		{"Kiến nghị điều tra, xử lý tình trạng trộm cắp gia súc, gia cầm xảy ra nhiều lần tại {thon}", "congan", true},
		{"Đề nghị lắp đặt camera an ninh tại các ngã ba, ngã tư trong {thon}", "congan", false},
		{"Kiến nghị tăng cường tuyên truyền phòng chống lừa đảo qua mạng, nhiều người dân {thon} bị lừa chuyển tiền", "congan", false},
		{"Đề nghị khảo sát, xử lý bom mìn, vật liệu nổ còn sót lại sau chiến tranh phát hiện ở khu vực đồi {thon}", "bchqs", true},
		{"Đề nghị quan tâm chế độ cho lực lượng tham gia bảo vệ an ninh, trật tự ở cơ sở", "congan", false},
	},
	"xay_dung_dang": {
		{"Đề nghị Đảng ủy xã mở lớp bồi dưỡng nghiệp vụ cho bí thư, phó bí thư chi bộ mới", "danguy", false},
		{"Kiến nghị cử cán bộ hướng dẫn sử dụng Sổ tay đảng viên điện tử cho đảng viên cao tuổi", "danguy", false},
		{"Đề nghị xem xét kiện toàn chi ủy chi bộ {thon} do đồng chí phó bí thư chuyển công tác", "danguy", false},
		{"Đề nghị cấp ủy cấp trên cung cấp tài liệu sinh hoạt chuyên đề hằng quý cho chi bộ", "danguy", false},
		{"Kiến nghị sớm có hướng dẫn về tổ chức, hoạt động của thôn, khu phố sau sắp xếp đơn vị hành chính", "ubnd", false},
		{"Đề nghị có cơ chế tạo nguồn phát triển đảng viên trong đoàn viên thanh niên ở {thon}", "danguy", false},
	},
	"khac": {
		{"Đề nghị hướng dẫn người dân {thon} làm thủ tục hành chính trực tuyến trên Cổng dịch vụ công", "hcc", false},
		{"Kiến nghị xử lý tình trạng chó thả rông không rọ mõm tại {thon}", "ubnd", false},
		{"Đề nghị thông báo rõ địa điểm làm thủ tục đất đai, hộ tịch sau khi sắp xếp đơn vị hành chính", "hcc", false},
		{"Kiến nghị sớm cấp lại con dấu, biển hiệu cho {thon} sau khi sắp xếp, sáp nhập", "ubnd", false},
		{"Đề nghị xử lý tình trạng quảng cáo bằng loa kéo gây ồn ào vào buổi tối ở {thon}", "congan", false},
		{"Đề nghị bố trí điểm thu tiền điện, nước tại thôn để thuận tiện cho người cao tuổi", "dienluc", false},
		{"Kiến nghị hỗ trợ người dân cập nhật thông tin cư trú, đất đai trên ứng dụng VNeID", "congan", false},
		{"Đề nghị sắp xếp lịch tiếp công dân của lãnh đạo {xa} phù hợp với thời gian của người dân", "ubnd", false},
		{"Đề nghị có xe buýt hoặc phương tiện đưa đón người dân {thon} lên trung tâm xã làm thủ tục", "ubnd", false},
	},
}

// Written answers to recommendations and reasons to send an answer back.
var (
	answerBodies = []string{
		"{to} đã giao bộ phận chuyên môn phối hợp với {thon} khảo sát hiện trạng; dự kiến bố trí kinh phí thực hiện trong năm {nam1}.",
		"{to} đã kiểm tra thực tế và sẽ khắc phục xong trước ngày {date}.",
		"Theo quy định hiện hành, trường hợp nêu chưa đủ điều kiện giải quyết; đề nghị gia đình bổ sung giấy tờ theo hướng dẫn của {to}.",
		"{to} đã tổ chức kiểm tra, xử lý; kết quả đã thông báo đến chi bộ và nhân dân {thon}.",
		"{to} tiếp thu, đưa nội dung kiến nghị vào danh mục đầu tư công trung hạn giai đoạn 2026–2030.",
		"{to} đã bố trí kinh phí từ nguồn dự phòng ngân sách; dự kiến hỗ trợ trong tháng {month}.",
		"{to} đã phối hợp với các đơn vị liên quan xử lý dứt điểm; đề nghị chi bộ tiếp tục nắm tình hình, kịp thời phản ánh.",
		"Nội dung kiến nghị thuộc thẩm quyền cấp tỉnh; {to} đã có văn bản đề nghị cơ quan có thẩm quyền xem xét, giải quyết.",
	}
	sentBackReasons = []string{
		"Trả lời chưa nêu rõ thời gian thực hiện, đề nghị trả lời lại cụ thể.",
		"Nội dung trả lời chưa đúng trọng tâm kiến nghị của chi bộ.",
		"Chưa có phương án xử lý cụ thể; đề nghị cơ quan chuyên môn kiểm tra thực tế và trả lời lại.",
		"Đảng viên và nhân dân chưa đồng tình với nội dung trả lời, đề nghị xem xét lại.",
	}
	hamlets = []string{"xóm Đình", "xóm Chợ", "xóm Cồn", "xóm Bàu", "xóm Rú", "xóm Trên", "xóm Dưới", "xóm Giữa", "xóm Đồng"}
	rivers  = []string{"sông Thạch Hãn", "sông Hiếu", "sông Bến Hải", "sông Ô Lâu", "sông Vĩnh Định", "sông Kiến Giang", "sông Gianh"}
)
