package i18n

// proofMessages are the messages of the proof of attendance (issue #13): the secretary's confirmation, cells'
// positions and clashes, and the photos of a meeting's paper record.
var proofMessages = map[string]msg{
	"confirm.self":           {"Đồng chí không thể tự xác nhận mình có dự.", "You cannot confirm your own attendance."},
	"confirm.not_secretary":  {"Chỉ bí thư chi bộ (hoặc quản trị) xác nhận được cán bộ dự sinh hoạt.", "Only the cell's secretary (or an admin) can confirm a visiting official."},
	"position.not_secretary": {"Chỉ bí thư chi bộ (hoặc quản trị) ghi được vị trí nơi sinh hoạt của chi bộ.", "Only the cell's secretary (or an admin) can set where the cell meets."},
	"file.bad_type":          {"Chỉ nhận ảnh (JPEG, WebP, PNG) hoặc tệp PDF.", "Only photos (JPEG, WebP, PNG) or PDF files are accepted."},
	"file.too_big":           {"Tệp quá lớn: tối đa {max} mỗi tệp.", "The file is too large: {max} at most."},
	"file.too_many":          {"Mỗi cuộc họp đính kèm tối đa {max} tệp.", "A meeting takes at most {max} files."},
}

func init() { catalogue = append(catalogue, proofMessages) }
