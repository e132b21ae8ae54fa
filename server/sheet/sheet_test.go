package sheet_test

import (
	"testing"

	"github.com/chibo-vn/chibo/server/sheet"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" with ok: empty; "!": not a date
	}{
		{"", ""},
		{"03/04/1972", "1972-04-03"},
		{"3/4/1972", "1972-04-03"},
		{"03.04.1972", "1972-04-03"},
		{"1972-04-03", "1972-04-03"},
		{"1972-04-03 00:00:00", "1972-04-03"},
		{"25569", "1970-01-01"}, // a workbook serial
		{"1972", "!"},           // a year alone is not a date
		{"12", "!"},
		{"31/02/1972", "!"},
		{"hôm qua", "!"},
	}
	for _, tt := range tests {
		d, ok := sheet.ParseDate(tt.in, false)
		switch {
		case tt.want == "!" && ok:
			t.Errorf("ParseDate(%q) = %v, want not a date", tt.in, d)
		case tt.want != "!" && !ok:
			t.Errorf("ParseDate(%q) refused, want %q", tt.in, tt.want)
		case tt.want != "!" && tt.want != "" && d.String() != tt.want:
			t.Errorf("ParseDate(%q) = %v, want %s", tt.in, d, tt.want)
		}
	}
}

func TestNumbering(t *testing.T) {
	tests := []struct {
		cells []string
		want  bool
	}{
		{[]string{"(1)", "(2)", "(3)"}, true},
		{[]string{"A", "B", "", "C"}, true},
		{[]string{"1", "Nguyễn Văn An", "1960"}, false},
		{[]string{"(1)"}, false},
	}
	for _, tt := range tests {
		if got := sheet.Numbering(tt.cells); got != tt.want {
			t.Errorf("Numbering(%q) = %v, want %v", tt.cells, got, tt.want)
		}
	}
}
