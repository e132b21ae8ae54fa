package i18n

// filesMessages are the messages of the upload and download of meetings' photos (issue #13, server/files).
var filesMessages = map[string]msg{
	"what.meeting_file":     {"tệp đính kèm", "attached file"},
	"file.no_file_id":       {"Thiếu mã tệp trong thông tin tải lên.", "The upload's metadata lacks the file's id (file_id)."},
	"file.size_mismatch":    {"Dung lượng tải lên ({got} byte) khác dung lượng đã khai báo của tệp ({want} byte).", "The upload's length ({got} bytes) differs from the file's declared size ({want} bytes)."},
	"file.length_required":  {"Cần cho biết dung lượng tệp khi bắt đầu tải lên.", "The upload's length must be given when it starts."},
	"file.already_uploaded": {"Máy chủ đã có tệp này, không cần gửi lại.", "The server already holds this file: there is nothing to send."},
	"file.hash_mismatch":    {"Nội dung nhận được không khớp với tệp đã khai báo (mã SHA-256 khác); lần tải này bị hủy, hãy gửi lại.", "The bytes received do not match the declared file (another SHA-256); this upload is discarded, send it again."},
	"file.type_mismatch":    {"Nội dung nhận được không phải là {want} như đã khai báo.", "The bytes received are not the declared {want}."},
	"file.not_uploaded":     {"Tệp chưa được tải lên máy chủ.", "The file has not been uploaded to the server yet."},
	"file.storage":          {"Không lưu được tệp vào kho lưu trữ; hãy thử lại sau.", "The file could not be kept in the file store; try again later."},
}

func init() { catalogue = append(catalogue, filesMessages) }
