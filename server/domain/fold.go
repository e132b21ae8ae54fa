package domain

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold turns text into the form search compares: lower case, without diacritics (đ becomes d), with runs of
// white space collapsed. "Triệu Phong", "TRIEU  PHONG" and the NFD spelling of "Triệu Phong" fold alike.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// CleanText normalises user-typed text to NFC and trims it, so the same name typed on two keyboards (composed or
// decomposed Vietnamese) is stored alike. Inner runs of white space collapse to one space.
func CleanText(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// Slug makes an ASCII file-name part from a Vietnamese name: "Chi bộ thôn An Lợi" → "chi-bo-thon-an-loi". Every
// download is named with it, in one style (danh-sach-dang-vien-chi-bo-thon-an-loi-2026-12-03.xlsx).
func Slug(s string) string { return ASCIIWords(s, '-') }

// ASCIIWords returns the words of s without tone marks, in lower case ASCII (Fold), joined by sep: every run of
// other characters becomes one sep, none at either end.
func ASCIIWords(s string, sep byte) string {
	var b strings.Builder
	joined := false
	for _, r := range Fold(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			joined = false
		} else if !joined && b.Len() > 0 {
			b.WriteByte(sep)
			joined = true
		}
	}
	return strings.TrimSuffix(b.String(), string(sep))
}
