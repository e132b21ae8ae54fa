package app

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseEnvFile reads the systemd EnvironmentFile= format: comments, blank lines, whitespace around the key and
// the value, quotes, escapes and continued lines.
func TestParseEnvFile(t *testing.T) {
	text := strings.Join([]string{
		"# Chibo settings",
		"; another comment",
		"",
		"CHIBO_DATA_DIR=/var/lib/chibo",
		"  CHIBO_ADDR = 127.0.0.1:8080  ",
		`CHIBO_PUBLIC_URL="https://chibo.example.vn"`,
		`CHIBO_METRICS_TOKEN='a b$c\d'`,
		`QUOTED="say \"hi\" \$HOME \\ \n"`,
		`CONTINUED=one \`,
		`two`,
		`MULTI="first`,
		`second"`,
		"EMPTY=",
		"not an assignment",
		"CRLF=yes\r",
		"CHIBO_JWT_SECRET=x=y#not-a-comment",
	}, "\n")
	got, err := parseEnvFile(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CHIBO_DATA_DIR":      "/var/lib/chibo",
		"CHIBO_ADDR":          "127.0.0.1:8080",
		"CHIBO_PUBLIC_URL":    "https://chibo.example.vn",
		"CHIBO_METRICS_TOKEN": `a b$c\d`,
		"QUOTED":              `say "hi" $HOME \ \n`,
		"CONTINUED":           "one two",
		"MULTI":               "first\nsecond",
		"EMPTY":               "",
		"CRLF":                "yes",
		"CHIBO_JWT_SECRET":    "x=y#not-a-comment",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parsed (-want +got):\n%s", d)
	}

	for _, bad := range []string{"export CHIBO_ADDR=:8080", "1X=2", `A="open`, "A='open", `A="x" y`} {
		if _, err := parseEnvFile(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
