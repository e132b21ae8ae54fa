package addressee

import (
	"testing"

	unorm "golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/domain"
)

// TestWords: the levels, kinds and headers offices write, as they write them.
func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want domain.AddresseeLevel
		ok   bool
	}{
		{"Cấp xã", domain.LevelCommune, true}, {"  XÃ ", domain.LevelCommune, true}, {"Phường", domain.LevelCommune, true},
		{unorm.NFD.String("Cấp tỉnh"), domain.LevelProvince, true}, {"Tỉnh", domain.LevelProvince, true},
		{"Trung ương", domain.LevelCentral, true}, {"commune", domain.LevelCommune, true}, {"Cấp thôn", "", false}, {"", "", false},
	} {
		if got, ok := parseLevel(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseLevel(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want domain.AddresseeKind
		ok   bool
	}{
		{"Chính quyền", domain.AddrGovernment, true}, {"Mặt trận", domain.AddrFront, true}, {"Đoàn thể", domain.AddrFront, true},
		{"Mặt trận và đoàn thể", domain.AddrFront, true}, {"HĐND", domain.AddrCouncil, true}, {"Công an", domain.AddrPolice, true},
		{"Doanh nghiệp", domain.AddrEnterprise, true}, {"Tổ chức đảng", domain.AddrParty, true}, {"Ban của cấp ủy", domain.AddrPartyBoard, true},
		{"party_board", domain.AddrPartyBoard, true}, {"Hợp tác xã", "", false},
	} {
		if got, ok := parseKind(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseKind(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for in, want := range map[string]col{
		"Tên cơ quan, đơn vị": colName, "Tên viết tắt": colShort, "Cấp": colLevel, "Loại": colKind, "Cơ quan cấp trên": colParent,
		"Tổ chức đảng (xã, phường)": colUnit, "Tên gọi khác": colAliases, "Từ ngày": colFrom, "Đến ngày": colTo, "Mã": colCode,
		"STT": colNone, "Ghi chú": colNone,
	} {
		if got := headerKind(norm(in)); got != want {
			t.Errorf("headerKind(%q) = %v, want %v", in, got, want)
		}
	}
}
