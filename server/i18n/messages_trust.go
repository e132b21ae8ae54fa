package i18n

// trustMessages are the messages of a submitted visit report's lock (sync/engine).
var trustMessages = map[string]msg{
	"sync.report_submitted": {"Báo cáo đã gửi nên không sửa được. Muốn sửa, đồng chí chọn \"Sửa báo cáo đã gửi\" và ghi lý do.", "The report has been submitted and cannot be changed. To change it, choose \"Change the submitted report\" and give a reason."},
	"sync.report_reason":    {"Sửa báo cáo đã gửi cần ghi lý do.", "Changing a submitted report needs a reason."},
}
