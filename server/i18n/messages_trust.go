package i18n

// trustMessages are the messages of a submitted visit report's lock (sync/engine) and its reopening (server/notify).
var trustMessages = map[string]msg{
	"sync.report_submitted":        {"Báo cáo đã gửi nên không sửa được. Muốn sửa, đồng chí chọn \"Sửa báo cáo đã gửi\" và ghi lý do.", "The report has been submitted and cannot be changed. To change it, choose \"Change the submitted report\" and give a reason."},
	"notify.report_reopened.title": {"Báo cáo dự sinh hoạt được sửa sau khi gửi", "A submitted visit report is being changed"},
	"notify.report_reopened.body":  {"Đồng chí {official} mở lại báo cáo buổi sinh hoạt ngày {date} của {cell} để sửa. Lý do: {reason}", "{official} reopened the report on the meeting of {date} at {cell} to change it. Reason: {reason}"},
	"sync.report_reason":           {"Sửa báo cáo đã gửi cần ghi lý do.", "Changing a submitted report needs a reason."},
}
