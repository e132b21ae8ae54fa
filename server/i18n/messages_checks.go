package i18n

// checksMessages are the messages of the cross-checks of attendance (issue #13): the schedule rule's settings of
// the checks, cells' positions and the clashes of assignments.
var checksMessages = map[string]msg{
	"error.meeting_minutes":    {"Thời lượng buổi sinh hoạt không hợp lệ: từ {min} đến {max} phút.", "Invalid meeting length: {min} to {max} minutes."},
	"error.location_radius":    {"Bán kính vị trí không hợp lệ: từ {min} đến {max} mét.", "Invalid location radius: {min} to {max} metres."},
	"error.coordinates":        {"Tọa độ không hợp lệ: vĩ độ từ -90 đến 90, kinh độ từ -180 đến 180 (không nhận 0, 0).", "Invalid coordinates: latitude -90 to 90, longitude -180 to 180 (not 0, 0)."},
	"error.accuracy":           {"Độ chính xác không hợp lệ: từ 0 đến 100.000 mét.", "Invalid accuracy: 0 to 100,000 metres."},
	"export.col.verified":      {"Số buổi dự đã xác minh", "Visits verified"},
	"export.col.verified_rate": {"Tỷ lệ dự đã xác minh", "Verified rate"},
	"export.col.clashes":       {"Trùng giờ", "Clashes"},
	"export.col.unconfirmed":   {"Chưa được bí thư xác nhận", "Not confirmed by the secretary"},
	"what.cell_position":       {"vị trí nơi sinh hoạt của chi bộ", "cell's meeting place"},
}

func init() { catalogue = append(catalogue, checksMessages) }
