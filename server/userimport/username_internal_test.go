package userimport

import "testing"

func TestUsernameBase(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"Nguyễn Văn An", "annv"},
		{"Lê Thị Thu Hà", "haltt"},
		{"Đặng   Đức Đạt", "datdd"},
		{"Hồ Văn Thử 30811", "thuhv30811"},
		{"Y Ơn", "ony"},
		{"Hà", "ha0"},
	} {
		if got := usernameBase(c.name); got != c.want {
			t.Errorf("usernameBase(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
