package pwa_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/i18n"
)

// wordingRules are the interface's vocabulary rules (tests/wording.json), shared with the browser walk.
type wordingRules struct {
	English []string `json:"english"`
	Codes   []string `json:"codes"`
	Allowed []string `json:"allowed"`
}

var (
	placeholder = regexp.MustCompile(`\{[A-Za-z_]+\}`)
	snakeCase   = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)
	word        = regexp.MustCompile(`[\p{L}]+`)
	// oldTone is a tone mark on the second vowel of a final "oa", "oe" or "uy" (hoà, khoẻ, thuỷ): the style the
	// interface does not use (hòa, khỏe, thủy). "quý" is not one: its "u" belongs to "qu".
	oldTone = regexp.MustCompile(`(?:^|[^qQ])(?:[oO][àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])$`)
)

func loadRules(t *testing.T) wordingRules {
	t.Helper()
	b, err := os.ReadFile("tests/wording.json")
	if err != nil {
		t.Fatal(err)
	}
	var r wordingRules
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// wordingProblems lists what is wrong with one Vietnamese interface string.
func wordingProblems(r wordingRules, s string) []string {
	english := map[string]bool{}
	for _, w := range r.English {
		english[w] = true
	}
	for _, a := range r.Allowed {
		s = strings.ReplaceAll(s, a, "")
	}
	s = placeholder.ReplaceAllString(s, " ")
	var out []string
	for _, w := range word.FindAllString(s, -1) {
		lw := strings.ToLower(w)
		if english[lw] {
			out = append(out, "English word "+w)
		}
		if oldTone.MatchString(w) {
			out = append(out, "old-style tone mark "+w)
		}
	}
	for _, w := range word.FindAllString(s, -1) {
		if strings.EqualFold(w, "bạn") {
			out = append(out, "addresses the user as "+w+" (Đồng chí)")
		}
	}
	if m := snakeCase.FindString(s); m != "" {
		out = append(out, "raw code "+m)
	}
	codes := regexp.MustCompile(`:\s*(` + strings.Join(r.Codes, "|") + `)\b`)
	if m := codes.FindString(s); m != "" {
		out = append(out, "raw code after a label "+strings.TrimSpace(m))
	}
	return out
}

// The rules themselves catch what they are for, and leave the party's ordinary words alone.
func TestWordingRules(t *testing.T) {
	r := loadRules(t)
	bad := []string{"Điểm danh có mặt (check-in)", "Yếu kém: rating", "Trạng thái: sent_back", "Huỷ", "Xoá", "Đã hoà giải", "Sức khoẻ", "Uỷ ban", "Đồng bộ sync", "Bạn chưa được phân công"}
	for _, s := range bad {
		if len(wordingProblems(r, s)) == 0 {
			t.Errorf("%q passes the rules", s)
		}
	}
	good := []string{"Hủy", "Xóa", "Khóa", "Hóa đơn", "Trả lời thỏa đáng", "Ủy ban", "Quý này", "Hoàn thành nhiệm vụ", "Khoản chi", "Tỷ lệ 18,2%", "In báo cáo", "To lớn", "Chibo: {n} thay đổi"}
	for _, s := range good {
		if p := wordingProblems(r, s); len(p) != 0 {
			t.Errorf("%q refused: %v", s, p)
		}
	}
}

// Every Vietnamese string of the app's catalogue (pwa/src/messages.js, the administration screens'
// pwa/src/admin/messages.js, and every lazily loaded chunk's pwa/src/**/*.msg.js: the loop's, the monthly report's
// forms table, the commune meetings', the photos'…) and of the server's (server/i18n) is Vietnamese: no English
// word, no raw code, one style of tone marks.
func TestCatalogueWording(t *testing.T) {
	needNodeModules(t)
	r := loadRules(t)
	var chunks []string
	err := filepath.WalkDir("src", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".msg.js") {
			chunks = append(chunks, "./"+filepath.ToSlash(p))
		}
		return err
	})
	if err != nil || len(chunks) < 4 {
		t.Fatalf("the chunks' messages: %v %v", chunks, err)
	}
	list, _ := json.Marshal(chunks)
	out, err := exec.Command("node", "--input-type=module", "-e",
		`const m = await import('./src/messages.js'); const a = await import('./src/admin/messages.js');
		const all = { ...m.vi, ...m.sw.vi, ...a.vi };
		for (const f of `+string(list)+`) Object.assign(all, (await import(f)).vi);
		console.log(JSON.stringify(all));`).Output()
	if err != nil {
		t.Fatalf("reading the app's catalogue: %v", err)
	}
	var app map[string]string
	if err := json.Unmarshal(out, &app); err != nil {
		t.Fatal(err)
	}
	if len(app) < 300 {
		t.Fatalf("the app's catalogue has %d messages", len(app))
	}
	var problems []string
	check := func(where, key, s string) {
		for _, p := range wordingProblems(r, s) {
			problems = append(problems, fmt.Sprintf("%s %s: %s (%q)", where, key, p, s))
		}
	}
	for k, v := range app {
		check("app", k, v)
	}
	keys := i18n.Keys()
	if len(keys) < 100 {
		t.Fatalf("the server's catalogue has %d messages", len(keys))
	}
	for _, k := range keys {
		check("server", k, i18n.T(i18n.VI, k, nil))
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}
