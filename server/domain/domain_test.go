package domain_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/chibo-vn/chibo/server/domain"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Triệu Phong", "trieu phong"},
		{norm.NFD.String("Triệu Phong"), "trieu phong"},
		{"ĐẶNG  Văn\tĐức", "dang van duc"},
		{"  Nguyễn Thị Ánh Tuyết ", "nguyen thi anh tuyet"},
		{"Chi bộ khu phố 3", "chi bo khu pho 3"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := domain.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Chi bộ thôn An Lợi", "chi-bo-thon-an-loi"},
		{"Đảng bộ xã Triệu Phong", "dang-bo-xa-trieu-phong"},
		{"  Chi bộ khu phố 3 (cũ) ", "chi-bo-khu-pho-3-cu"},
		{"Tổ 5/KP.2 — Phường 1", "to-5-kp-2-phuong-1"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := domain.Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// The reference codes are the same words joined by underscores.
		if got, want := domain.ASCIIWords(tc.in, '_'), strings.ReplaceAll(tc.want, "-", "_"); got != want {
			t.Errorf("ASCIIWords(%q, '_') = %q, want %q", tc.in, got, want)
		}
	}
}

func TestCleanTextMakesNFC(t *testing.T) {
	nfd := norm.NFD.String("Lê  Thị Hoà ")
	if got := domain.CleanText(nfd); got != norm.NFC.String("Lê Thị Hoà") {
		t.Errorf("CleanText = %q", got)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2026-11-03", "2026-11-03", true},
		{"03/11/2026", "2026-11-03", true},
		{"3/11/2026", "2026-11-03", true},
		{"03-11-2026", "2026-11-03", true},
		{"31/02/2026", "", false},
		{"11/2026", "", false},
		{"", "", true},
	}
	for _, tc := range tests {
		d, err := domain.ParseDate(tc.in)
		if (err == nil) != tc.ok || d.String() != tc.want {
			t.Errorf("ParseDate(%q) = %q, %v", tc.in, d, err)
		}
	}
}

func TestDateJSONAndZone(t *testing.T) {
	var v struct{ D, E domain.Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-11-03","E":null}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"D":"2026-11-03","E":null}` || v.D.VN() != "03/11/2026" {
		t.Errorf("round trip %s, VN %s", b, v.D.VN())
	}
	if err := json.Unmarshal([]byte(`{"D":"03/11/2026"}`), &v); err == nil {
		t.Error("JSON accepts dd/mm/yyyy; the API form is YYYY-MM-DD")
	}
	// 20:00 UTC on the 2nd is already the 3rd in Hà Nội.
	if d := domain.DateOf(domain.NewDate(2026, 11, 2).Time().Add(27 * 60 * 60 * 1e9)); d.String() != "2026-11-03" {
		t.Errorf("DateOf = %s", d)
	}
}

func TestPrincipalScope(t *testing.T) {
	p := &domain.Principal{
		Grants: []domain.Grant{
			{Role: domain.RoleSupervisor, Path: "/p/c1/"},
			{Role: domain.RoleOfficial, Path: "/p/c2/"},
		},
		Assigned: []domain.UnitRef{{ID: "cell9", Path: "/p/c2/cell9/"}},
	}
	tests := []struct {
		path      string
		read      bool
		superv    bool
		roleAdmin bool
	}{
		{"/p/c1/", true, true, false},
		{"/p/c1/cellA/", true, true, false},
		{"/p/c10/", false, false, false}, // a sibling whose id starts the same is not under /p/c1/
		{"/p/c2/", false, false, false},  // the official grant alone gives no reading
		{"/p/c2/cell9/", true, false, false},
		{"/p/", false, false, false},
	}
	for _, tc := range tests {
		if got := p.CanRead(tc.path); got != tc.read {
			t.Errorf("CanRead(%s) = %v", tc.path, got)
		}
		if got := p.Can(tc.path, domain.RoleSupervisor); got != tc.superv {
			t.Errorf("Can(%s, supervisor) = %v", tc.path, got)
		}
		if got := p.Can(tc.path, domain.RoleAdmin); got != tc.roleAdmin {
			t.Errorf("Can(%s, admin) = %v", tc.path, got)
		}
	}
	if domain.PathUpper("/p/c1/") != "/p/c10" {
		t.Errorf("PathUpper = %s", domain.PathUpper("/p/c1/"))
	}
	for path, want := range map[string][]string{"/": nil, "/p/": {"p"}, "/p/c1/x/": {"p", "c1", "x"}} {
		if got := domain.PathIDs(path); !slices.Equal(got, want) {
			t.Errorf("PathIDs(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]string{
		"0190c0de-0000-7000-8000-000000000000":   "0190c0de-0000-7000-8000-000000000000",
		"0190C0DE-0000-7000-8000-000000000000":   "0190c0de-0000-7000-8000-000000000000",
		" 0190c0de-0000-7000-8000-00000000000a ": "0190c0de-0000-7000-8000-00000000000a",
		"not-a-uuid":                             "",
		"{0190c0de-0000-7000-8000-000000000000}": "",
		"0190c0de00007000800000000000000":        "",
		"0190c0de-0000-7000-8000-00000000000g":   "",
		"0190c0de-0000-7000-8000_000000000000":   "",
		"urn:uuid:0190c0de-0000-7000-8000-0000":  "",
	} {
		got, ok := domain.ParseID(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzParseID: ParseID answers as uuid.Parse does, for the 36-character forms it accepts (its canonical form in
// lower case), whether or not the input is already canonical.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0190c0de-0000-7000-8000-000000000000", "0190C0DE-0000-7000-8000-000000000000",
		"0190c0de-0000-7000-8000-00000000000g", "{0190c0de-0000-7000-8000-000000000000}", " x "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := domain.ParseID(s)
		u, err := uuid.Parse(strings.TrimSpace(s))
		wantOK := err == nil && len(strings.TrimSpace(s)) == 36
		if ok != wantOK || (ok && got != u.String()) {
			t.Errorf("ParseID(%q) = %q, %v; uuid.Parse gives %v, %v", s, got, ok, u, err)
		}
	})
}
