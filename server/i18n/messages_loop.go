package i18n

// loopMessages are the messages of the recommendation loop's reach to the directory of addressees (issue #12):
// the new steps' errors and the notifications of forwarding, escalation, sending back, due dates and the weekly
// digest.
var loopMessages = map[string]msg{
	"loop.direction_required":       {"Cần ghi nội dung chỉ đạo.", "Write the direction."},
	"loop.doc_number_required":      {"Cần ghi số văn bản trả lời (ví dụ 12/UBND).", "Give the number of the answering document (e.g. 12/UBND)."},
	"loop.doc_date_required":        {"Cần ghi ngày ban hành văn bản trả lời.", "Give the date of the answering document."},
	"loop.doc_date_future":          {"Ngày văn bản không được sau hôm nay.", "The document's date cannot be after today."},
	"loop.escalate_needs_directory": {"Chỉ chuyển lên cấp trên được kiến nghị đã chuyển đến một cơ quan trong danh mục.", "Only a recommendation forwarded to a body of the directory can be passed up."},
	"loop.no_higher_body":           {"Cơ quan này chưa có cơ quan cấp trên trong danh mục; hãy chọn cơ quan cấp trên.", "This body has no higher body in the directory; choose one."},
	"loop.not_higher":               {"{name} không phải là cơ quan cấp trên của cơ quan đang giải quyết.", "{name} is not above the body that has the recommendation."},
	"loop.body_inactive":            {"{name} hiện không còn nhận kiến nghị.", "{name} no longer receives recommendations."},
	"loop.briefing_other_unit":      {"Buổi giao ban (hoặc buổi sinh hoạt) phải là của đơn vị có chi bộ này.", "The briefing (or meeting) must be held by the unit of this cell."},

	"notify.recommendation_escalated.title": {"Kiến nghị chuyển lên cấp trên", "Recommendation passed up to you"},
	"notify.recommendation_escalated.body":  {"{from} trả lời thuộc thẩm quyền cấp trên. {cell}: {content} (hạn trả lời {due})", "{from} answered it is beyond its competence. {cell}: {content} (answer by {due})"},
	"notify.recommendation_sent_back.title": {"Kiến nghị cần trả lời lại", "Recommendation sent back for a new answer"},
	"notify.recommendation_sent_back.body":  {"{cell}: {content}. Lý do: {reason} (hạn trả lời mới {due})", "{cell}: {content}. Reason: {reason} (new due date {due})"},
	"notify.recommendation_accepted.title":  {"Kiến nghị đã được trả lời thỏa đáng", "Recommendation's answer accepted"},
	"notify.recommendation_accepted.body":   {"{cell}: {content}. Đồng chí xác nhận khi vụ việc đã được giải quyết trên thực tế.", "{cell}: {content}. Confirm once the matter is settled on the ground."},
	"notify.recommendation_due_soon.title":  {"Kiến nghị sắp đến hạn trả lời", "Recommendation due soon"},
	"notify.recommendation_due_soon.body":   {"{to}: {content} (hạn trả lời {due})", "{to}: {content} (answer by {due})"},
	"notify.recommendation_overdue.title":   {"Kiến nghị quá hạn trả lời", "Recommendation overdue"},
	"notify.recommendation_overdue.body":    {"{to}: {content} (hạn trả lời {due} đã qua)", "{to}: {content} (the due date {due} has passed)"},
	"notify.recommendation_digest.title":    {"Kiến nghị quá hạn trả lời trong tuần", "Overdue recommendations this week"},
	"notify.recommendation_digest.body":     {"{count} kiến nghị quá hạn trả lời: {names}.", "{count} overdue recommendations: {names}."},

	"loop.sheet.by_addressee": {"Theo cơ quan", "By addressee"},
	"loop.col.addressee":      {"Cơ quan nhận kiến nghị", "Addressee"},
	"loop.col.received":       {"Đã nhận", "Received"},
	"loop.col.answered":       {"Đã trả lời", "Answered"},
	"loop.col.on_time":        {"Trả lời đúng hạn", "Answered on time"},
	"loop.col.overdue":        {"Quá hạn", "Overdue"},
	"loop.col.sent_back":      {"Bị yêu cầu trả lời lại", "Sent back"},
	"loop.col.escalated":      {"Chuyển lên cấp trên", "Passed up"},
}
