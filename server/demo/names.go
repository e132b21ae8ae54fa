package demo

import (
	"strings"

	"github.com/chibo-vn/chibo/server/domain"
)

// weightedName is a name with its relative frequency.
type weightedName struct {
	name string
	w    float64
}

// familyNames follow the usual estimates of Vietnamese family-name frequencies (Nguyễn about 38 %), with the
// central-coast spellings (Võ, Huỳnh, Hồ) a little more common, as they are in Quảng Trị.
var familyNames = []weightedName{
	{"Nguyễn", 38}, {"Trần", 11}, {"Lê", 9.5}, {"Phạm", 6}, {"Hoàng", 3}, {"Huỳnh", 2}, {"Phan", 4.5},
	{"Võ", 3.5}, {"Vũ", 0.8}, {"Đặng", 2}, {"Bùi", 1.8}, {"Đỗ", 1.4}, {"Hồ", 2.5}, {"Ngô", 1.3},
	{"Dương", 1}, {"Lý", 0.5}, {"Trương", 1.2}, {"Đinh", 0.8}, {"Lương", 0.5}, {"Hà", 0.5}, {"Cao", 0.5},
	{"Mai", 0.4}, {"Đoàn", 0.5}, {"Thái", 0.3}, {"Lâm", 0.3},
}

var familyWeights = weightsOf(familyNames)

// Middle names by gender. Văn and Thị dominate among older people and thin out among the young.
var (
	maleMiddle = []weightedName{
		{"Văn", 40}, {"Hữu", 7}, {"Đức", 7}, {"Minh", 7}, {"Quang", 7}, {"Công", 6}, {"Đình", 5}, {"Xuân", 4},
		{"Viết", 3}, {"Thanh", 3}, {"Trọng", 3}, {"Ngọc", 2}, {"Anh", 2}, {"Tấn", 2},
	}
	femaleMiddle = []weightedName{
		{"Thị", 60}, {"Ngọc", 6}, {"Thu", 6}, {"Thanh", 6}, {"Kim", 4}, {"Hồng", 4}, {"Minh", 2}, {"Phương", 2},
		{"Bích", 2}, {"Mỹ", 2},
	}
	maleMiddleWeights   = weightsOf(maleMiddle)
	femaleMiddleWeights = weightsOf(femaleMiddle)
)

// Given names by gender.
var (
	maleGiven = []string{
		"Hùng", "Dũng", "Hải", "Sơn", "Tuấn", "Thắng", "Bình", "Lợi", "Phúc", "Tâm", "Quý", "Thành", "Hòa", "Lâm",
		"Nam", "Long", "Hiếu", "Trung", "Cường", "Kiên", "Đông", "Tài", "Hưng", "Khánh", "Toàn", "Vinh", "Thuận",
		"Tùng", "Đức", "Hoàng", "Phong", "Quang", "Huy", "Nghĩa", "Chiến", "Lực", "Thạnh", "Sáu", "Lộc", "Hào",
		"Tiến", "Thịnh", "Đạt", "Tín", "Trí", "Vũ", "An", "Bảo", "Cảnh", "Định", "Hợp", "Khoa", "Mạnh", "Ninh",
		"Quyết", "Sỹ", "Tạo", "Triều", "Vương", "Xuân",
	}
	femaleGiven = []string{
		"Lan", "Hoa", "Hương", "Mai", "Hạnh", "Hằng", "Thủy", "Nga", "Liên", "Loan", "Hồng", "Huệ", "Cúc", "Nhung",
		"Tuyết", "Xuân", "Thu", "Trang", "Linh", "Phương", "Hiền", "Yến", "Oanh", "Vân", "Thảo", "Dung", "Hà", "Lý",
		"Sen", "Nhàn", "Gái", "Lài", "Lệ", "Minh", "Nguyệt", "Phượng", "Quyên", "Tâm", "Thơ", "Trinh", "Uyên",
		"Vy", "Ánh", "Diệu", "Giang", "Hải", "Khánh", "My", "Ngân", "Nhi",
	}
)

func weightsOf(xs []weightedName) []float64 {
	w := make([]float64, len(xs))
	for i, x := range xs {
		w[i] = x.w
	}
	return w
}

// personName returns a realistic Vietnamese full name for a person of the gender born in year.
func personName(g *rng, gender domain.Gender, born int) string {
	family := familyNames[g.weighted(familyWeights)].name
	var middle, given string
	for {
		if gender == domain.GenderFemale {
			m := femaleMiddle[g.weighted(femaleMiddleWeights)].name
			if m == "Thị" && born >= 1985 && g.chance(0.4) {
				m = pick(g, []string{"Ngọc", "Thu", "Thanh", "Phương", "Minh", "Kim"})
			}
			middle, given = m, pick(g, femaleGiven)
		} else {
			m := maleMiddle[g.weighted(maleMiddleWeights)].name
			if m == "Văn" && born >= 1980 && g.chance(0.45) {
				m = pick(g, []string{"Minh", "Quang", "Đức", "Anh", "Hữu", "Công"})
			}
			middle, given = m, pick(g, maleGiven)
		}
		if middle != given {
			break
		}
	}
	return family + " " + middle + " " + given
}

// communeName is a commune or ward of the demo province, with a rough centre for check-in coordinates.
type communeName struct {
	name     string
	ward     bool
	lat, lon float64
	villages []string // cell names for the first communes; the rest draw from villagePool
}

// communeNames are real-sounding communes and wards of Quảng Trị after the July 2025 reorganisation. The first
// three have their own village lists so the demo's headline cells are stable.
var communeNames = []communeName{
	{name: "Triệu Phong", lat: 16.7580, lon: 107.1620, villages: []string{
		"thôn An Lợi", "thôn Phước Thị", "thôn Đại Hào", "thôn Phú Liêu", "thôn Hà La", "thôn Thượng Phước",
		"thôn Đạo Đầu", "thôn Nại Cửu", "thôn Bích La Đông", "thôn Bích La Trung", "thôn Bích La Nam",
		"thôn Phú Long", "thôn Vệ Nghĩa", "thôn Linh Chiểu", "thôn Phú Áng", "thôn Đông Dương",
	}},
	{name: "Ái Tử", lat: 16.7810, lon: 107.1510, villages: []string{
		"khu phố 1", "khu phố 2", "khu phố 3", "khu phố 4", "thôn Tường Vân", "thôn Phương Lang",
		"thôn Trà Liên Đông", "thôn Trà Liên Tây", "thôn Phúc Lộc", "thôn Duy Phiên", "thôn Bình Hải",
		"thôn Lưỡng Kim", "khu phố 5", "thôn Ái Tử",
	}},
	{name: "Nam Cửa Việt", lat: 16.8640, lon: 107.1890, villages: []string{
		"thôn An Trú", "thôn Tân Định", "thôn Thâm Khê", "thôn Vân Tường", "thôn Long Quang", "thôn Phú Hưng",
		"thôn Bồ Bản", "thôn Ngô Xá Đông", "thôn Ngô Xá Tây", "thôn Dương Lệ Văn", "thôn Dương Lệ Đông",
		"thôn Đồng Bào", "thôn Kỳ Trúc", "thôn Gia Độ",
	}},
	{name: "Triệu Bình", lat: 16.8120, lon: 107.2010}, {name: "Triệu Cơ", lat: 16.7930, lon: 107.2450},
	{name: "Diên Sanh", lat: 16.6920, lon: 107.2380}, {name: "Hải Lăng", lat: 16.6600, lon: 107.2600},
	{name: "Nam Hải Lăng", lat: 16.6310, lon: 107.3030}, {name: "Mỹ Thủy", lat: 16.6870, lon: 107.3290},
	{name: "Vĩnh Định", lat: 16.7010, lon: 107.1950}, {name: "Hải Phúc", lat: 16.6350, lon: 107.2210},
	{name: "Đông Hà", ward: true, lat: 16.8160, lon: 107.1000}, {name: "Nam Đông Hà", ward: true, lat: 16.7960, lon: 107.0920},
	{name: "Quảng Trị", ward: true, lat: 16.7500, lon: 107.1900}, {name: "Gio Linh", lat: 16.9120, lon: 107.0700},
	{name: "Cửa Tùng", lat: 17.0180, lon: 107.1060}, {name: "Cồn Tiên", lat: 16.9430, lon: 107.0140},
	{name: "Bến Hải", lat: 16.9800, lon: 107.0300}, {name: "Cửa Việt", lat: 16.8980, lon: 107.1780},
	{name: "Vĩnh Linh", lat: 17.0440, lon: 107.0330}, {name: "Vĩnh Hoàng", lat: 17.0710, lon: 107.0960},
	{name: "Vĩnh Thủy", lat: 17.0160, lon: 106.9960}, {name: "Cam Lộ", lat: 16.7960, lon: 106.9970},
	{name: "Hiếu Giang", lat: 16.8230, lon: 107.0390}, {name: "Khe Sanh", lat: 16.6190, lon: 106.7300},
	{name: "Lao Bảo", lat: 16.6220, lon: 106.6010}, {name: "Hướng Hiệp", lat: 16.6910, lon: 106.8170},
	{name: "Hướng Phùng", lat: 16.7220, lon: 106.6500}, {name: "Tân Lập", lat: 16.6430, lon: 106.6750},
	{name: "Đakrông", lat: 16.5930, lon: 106.9260}, {name: "La Lay", lat: 16.3900, lon: 106.9560},
	{name: "Tà Rụt", lat: 16.4460, lon: 106.9720}, {name: "Lệ Thủy", lat: 17.2150, lon: 106.7900},
	{name: "Kim Ngân", lat: 17.1830, lon: 106.6680}, {name: "Sen Ngư", lat: 17.2360, lon: 106.8330},
	{name: "Tân Mỹ", lat: 17.2510, lon: 106.7480}, {name: "Trường Phú", lat: 17.3080, lon: 106.6680},
	{name: "Quảng Ninh", lat: 17.3270, lon: 106.6290}, {name: "Ninh Châu", lat: 17.3750, lon: 106.7150},
	{name: "Trường Ninh", lat: 17.3090, lon: 106.5770}, {name: "Đồng Hới", ward: true, lat: 17.4690, lon: 106.6220},
	{name: "Đồng Thuận", ward: true, lat: 17.4830, lon: 106.5990}, {name: "Đồng Sơn", ward: true, lat: 17.4500, lon: 106.5850},
	{name: "Bố Trạch", lat: 17.5650, lon: 106.4930}, {name: "Hoàn Lão", lat: 17.5850, lon: 106.5420},
	{name: "Phong Nha", lat: 17.6110, lon: 106.3080}, {name: "Nam Trạch", lat: 17.5360, lon: 106.5360},
	{name: "Bắc Trạch", lat: 17.6570, lon: 106.4720}, {name: "Đông Trạch", lat: 17.6000, lon: 106.5200},
	{name: "Tuyên Hóa", lat: 17.8440, lon: 106.0860}, {name: "Đồng Lê", lat: 17.8870, lon: 106.0230},
	{name: "Minh Hóa", lat: 17.7870, lon: 105.9790}, {name: "Dân Hóa", lat: 17.7290, lon: 105.7660},
	{name: "Kim Điền", lat: 17.8560, lon: 105.9000}, {name: "Quảng Trạch", lat: 17.8120, lon: 106.3950},
	{name: "Phú Trạch", lat: 17.7410, lon: 106.4740}, {name: "Hòa Trạch", lat: 17.8460, lon: 106.4240},
	{name: "Ba Đồn", ward: true, lat: 17.7540, lon: 106.4230}, {name: "Bắc Gianh", ward: true, lat: 17.7790, lon: 106.4590},
}

// villagePool holds village names (thôn) for communes without their own list.
var villagePool = []string{
	"An Hưng", "Đâu Kênh", "Tả Kiên", "Hữu Niên", "Phú Hưng", "Long Hưng", "Hiệp Hòa", "Bắc Phước",
	"Quảng Điền", "An Cư", "Tường Vân", "Lam Thủy", "Phước Mỹ", "Trâm Lý", "Mai Đàn", "Hà Tây", "Hà Thanh",
	"Phú Thọ", "Phước Tích", "Thượng Nghĩa", "Trung An", "Đông Thành", "Tây Thành", "Nam Phước", "Hậu Kiên",
	"Bình Minh", "Tân Trúc", "An Mỹ", "Cổ Thành", "Thạch Hãn", "Hội Yên", "Vĩnh Lại", "Hải Chữ", "Câu Nhi",
	"Xuân Lộc", "Đơn Quế", "Mỹ Chánh", "Trường Phước", "Lương Điền", "Phú Kinh", "Diên Khánh", "Hà Lỗ",
	"Tân Lương", "Cam Vũ", "Mai Lộc", "Phan Xá", "Thiện Chánh", "Đông Hòa", "Tân Hiệp", "Phúc Lâm",
	"Nhĩ Hạ", "Đại An", "Xuân Mỹ", "Hòa Bình", "Thủy Ba", "Di Loan", "Mũi Viết", "Tân Mỹ", "Huỳnh Công",
	"Liêm Công", "Gia Bình", "Hưng Nhơn", "Tân Sơn", "Hà Trung", "Võ Xá", "Lan Đình", "Phú Ốc", "Đông Dương",
	"Tân Hòa", "An Bình", "An Xá", "Xuân Hòa", "Vĩnh Trung", "Hiền Dũng", "Lập Thạch", "Thủy Trung",
	"Thủy Khê", "Phú Lợi", "Phú Hải", "Thuận Trạch", "Cảnh Dương", "Quảng Xá", "Mỹ Thủy", "Kinh Môn",
	"Hồ Xá", "Cổ Trai", "Đông Xuân", "Tây Xuân", "Trung Chỉ", "Lệ Kỳ", "Phú Vinh", "Hà Thôn", "Đức Phổ",
	"Bến Đá", "Ba Thung", "Cây Da",
}

// bareVillage drops the "thôn" of a village name: "thôn An Lợi" gives "An Lợi"; "khu phố 2" stays.
func bareVillage(village string) string { return strings.TrimPrefix(village, "thôn ") }

// initials returns the upper-case initials of a name without diacritics: "Nam Cửa Việt" gives "NCV".
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(domain.Fold(name)) {
		b.WriteString(strings.ToUpper(w[:1]))
	}
	return b.String()
}
