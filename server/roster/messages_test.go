package roster_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/i18n"
)

// TestMessagesInCatalogue checks that every message key the package's code names is in the catalogue, so no user
// ever sees a bare key.
func TestMessagesInCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"((?:roster|export|member|error)\.[a-z_]+)"`)
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !i18n.Has(m[1]) {
				t.Errorf("%s: %s is not in the catalogue", name, m[1])
			}
		}
	}
	if seen < 20 {
		t.Errorf("found only %d keys; has the code moved?", seen)
	}
}
