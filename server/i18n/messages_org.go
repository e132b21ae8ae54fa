package i18n

// orgMessages are the messages of the org tree's dates, merges and splits (issue #11).
var orgMessages = map[string]msg{
	"org.closed":                {"{name} đã giải thể từ ngày {date}: không thể thêm tổ chức, đảng viên hay phân công mới.", "{name} closed on {date}: it takes no new units, members or assignments."},
	"org.not_open_yet":          {"{name} thành lập ngày {date}: ngày sáp nhập, chia tách phải sau ngày đó.", "{name} opened on {date}: the merge or split must take effect after that day."},
	"org.close_open_children":   {"Không thể giải thể: {name} trực thuộc vẫn còn hoạt động. Hãy chuyển, sáp nhập hoặc giải thể tổ chức đó trước.", "Cannot close: {name} under it is still open. Move, merge or close it first."},
	"org.close_members":         {"Không thể giải thể: chi bộ còn {n} đảng viên. Hãy chuyển sinh hoạt đảng cho họ hoặc sáp nhập chi bộ.", "Cannot close: the cell still has {n} members. Transfer them or merge the cell."},
	"org.merge_too_few":         {"Chọn ít nhất hai tổ chức để hợp nhất thành tổ chức mới, hoặc một tổ chức để sáp nhập vào tổ chức có sẵn.", "Pick at least two units to merge into a new one, or one to merge into an existing unit."},
	"org.merge_into_itself":     {"Không thể sáp nhập một tổ chức vào chính nó.", "A unit cannot merge into itself."},
	"org.merge_kinds":           {"Chỉ sáp nhập được các tổ chức cùng cấp (chi bộ với chi bộ, đảng bộ xã với đảng bộ xã).", "Only units of one kind merge (cells with cells, communes with communes)."},
	"org.merge_parent_required": {"Các tổ chức thuộc các cấp trên khác nhau: hãy chọn tổ chức cấp trên của tổ chức mới.", "The units sit under different parents: choose the new unit's parent."},
	"org.merge_province":        {"Không sáp nhập, chia tách đảng bộ tỉnh trên màn hình này.", "A province is not merged or split here."},
	"org.split_too_few":         {"Chia tách phải thành ít nhất hai tổ chức mới.", "A split makes at least two new units."},
	"org.split_not_of_unit":     {"Danh sách có người hoặc tổ chức không thuộc {name}.", "The list names someone or a unit not in {name}."},
	"org.split_twice":           {"Một đảng viên hoặc tổ chức được chọn cho hai phần.", "A member or unit is picked for two parts."},
	"org.split_left_over":       {"Còn {n} đảng viên hoặc tổ chức trực thuộc chưa được chọn vào phần nào.", "{n} members or units are not in any part yet."},
}
