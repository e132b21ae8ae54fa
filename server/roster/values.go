package roster

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/sheet"
)

// key folds text for comparison with the known words: no diacritics, lower case, and every run of characters
// that is not a letter or a digit (spaces, line breaks, punctuation, "(*)" markers) made one space.
// "Ngày, tháng,\nnăm sinh (*)" becomes "ngay thang nam sinh".
func key(s string) string {
	f := domain.Fold(s)
	var b strings.Builder
	b.Grow(len(f))
	space := false
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// startsWord reports whether the folded text k starts with the words p.
func startsWord(k, p string) bool { return k == p || strings.HasPrefix(k, p+" ") }

// The values a cell of a date or year column may hold.
var (
	reYear      = regexp.MustCompile(`^[0-9]{4}$`)
	reMonthYear = regexp.MustCompile(`^([0-9]{1,2})[/.\-]([0-9]{4})$`)
	reDateIn    = regexp.MustCompile(`[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}`)
	reMonthIn   = regexp.MustCompile(`(?:^|[^0-9/.\-])([0-9]{1,2})/([0-9]{4})(?:$|[^0-9/])`)
)

// parseBirth reads a birth year or birth date cell and returns the year: "1960", 1960 as a number, "03/1960", a
// full date as text, or a workbook date.
func parseBirth(s string, date1904 bool) (year int, ok bool) {
	s = strings.TrimSpace(s)
	if reYear.MatchString(s) {
		y, _ := strconv.Atoi(s)
		return y, true
	}
	if v, isNum := sheet.Number(s); isNum && v == math.Trunc(v) && v >= 1000 && v < 10000 {
		return int(v), true
	}
	if m := reMonthYear.FindStringSubmatch(s); m != nil {
		if mo, _ := strconv.Atoi(m[1]); mo >= 1 && mo <= 12 {
			y, _ := strconv.Atoi(m[2])
			return y, true
		}
		return 0, false
	}
	d, ok := sheet.ParseDate(s, date1904)
	if !ok || d.IsZero() {
		return 0, false
	}
	return d.Year(), true
}

// parseGender reads "Nam" / "Nữ" (or English, or M / F).
func parseGender(s string) (domain.Gender, bool) {
	switch key(s) {
	case "":
		return "", true
	case "nam", "male", "m":
		return domain.GenderMale, true
	case "nu", "female", "f":
		return domain.GenderFemale, true
	}
	return "", false
}

// parseMembership reads "Chính thức" / "CT" / "Dự bị" / "DB" (or the stored values).
func parseMembership(s string) (domain.Membership, bool) {
	switch key(s) {
	case "":
		return "", true
	case "chinh thuc", "ct", "dang vien chinh thuc", "full":
		return domain.MembershipFull, true
	case "du bi", "db", "dang vien du bi", "probationary":
		return domain.MembershipProbationary, true
	}
	return "", false
}

// cardNumber cleans a card number. A card typed into a number cell may come back in exponent form.
func cardNumber(s string) string {
	s = domain.CleanText(s)
	if strings.ContainsAny(s, "eE") {
		if v, ok := sheet.Number(s); ok && v == math.Trunc(v) && v > 0 && v < 1e15 {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return s
}

// The values a status column accepts, as the template lists them and as a message about an unrecognised value
// names them. Each is matched ignoring case, spaces and the form of the diacritics.
var (
	// StatusValues are the values of a "Trạng thái" column: the membership, the activity, or both separated by
	// ";" or ",".
	StatusValues = []string{"Chính thức", "Dự bị", "Đang sinh hoạt", "Miễn sinh hoạt", "Tạm miễn sinh hoạt",
		"Tạm miễn sinh hoạt đến dd/mm/yyyy", "Sinh hoạt tạm thời", "Chuyển sinh hoạt đi", "Từ trần"}
	// MembershipValues are the values of a "Loại đảng viên" column.
	MembershipValues = []string{"Chính thức", "Dự bị"}
	// GenderValues are the values of a "Giới tính" column.
	GenderValues = []string{"Nam", "Nữ"}
)

// statusText is what a status or note cell says.
type statusText struct {
	membership domain.Membership   // "" if the text names no membership
	status     domain.MemberStatus // "" if the text names no status
	attached   bool                // "Sinh hoạt tạm thời"
	until      domain.Date         // the end date of a temporary exemption, if the text gives one
	note       string              // the parts that are not a status
	unknown    string              // the first part not recognised, for the error message
}

// parseStatus reads a "Tình trạng" or "Ghi chú" cell. Parts separated by ";" or line breaks are read one by one,
// so "Miễn sinh hoạt; Sinh hoạt tạm thời" sets both. Recognised: "Đang sinh hoạt", "Miễn sinh hoạt" / "Miễn SH",
// "Tạm miễn (sinh hoạt) đến dd/mm/yyyy", "Sinh hoạt tạm thời", "Chuyển đi" / "Chuyển sinh hoạt", "Từ trần" /
// "Đã mất", and the stored values. Anything else is kept as a note.
func parseStatus(s string) statusText {
	var st statusText
	var notes []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '+' || r == '\n' || r == '\r' }) {
		part = domain.CleanText(part)
		k := key(part)
		if k == "" {
			continue
		}
		if m, ok := parseMembership(part); ok && m != "" {
			if st.membership == "" {
				st.membership = m
			}
			continue
		}
		status, attached := statusOf(k)
		switch {
		case attached:
			st.attached = true
		case status == "":
			notes = append(notes, part)
			if st.unknown == "" {
				st.unknown = part
			}
		case st.status == "" || st.status == domain.StatusActive:
			st.status = status
			if status == domain.StatusTempExempt {
				st.until = dateIn(part)
			}
		}
	}
	st.note = strings.Join(notes, "; ")
	return st
}

// statusOf classifies one folded part of a status text.
func statusOf(k string) (status domain.MemberStatus, attached bool) {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if startsWord(k, p) {
				return true
			}
		}
		return false
	}
	switch {
	case k == "active" || k == "dang sinh hoat" || k == "sinh hoat" || k == "binh thuong" ||
		k == "sinh hoat binh thuong" || k == "con sinh hoat":
		return domain.StatusActive, false
	case has("sinh hoat tam thoi", "sh tam thoi", "dang sinh hoat tam thoi"):
		return "", true
	case k == "temp_exempt" || k == "temp exempt" || has("tam mien", "duoc tam mien"):
		return domain.StatusTempExempt, false
	case k == "exempt" || k == "mien" || has("mien sinh hoat", "mien sh", "duoc mien sinh hoat", "mien cong tac va sinh hoat"):
		return domain.StatusExempt, false
	case k == "transferred" || has("chuyen di", "da chuyen di", "chuyen sinh hoat", "da chuyen sinh hoat", "chuyen sh", "da chuyen sh"):
		return domain.StatusTransferred, false
	case k == "deceased" || k == "mat" || has("tu tran", "da tu tran", "da mat", "qua doi", "da qua doi", "tu tran ngay"):
		return domain.StatusDeceased, false
	}
	return "", false
}

// dateIn finds the end date written in a text such as "Tạm miễn đến 31/12/2025"; a month alone ("đến 12/2025")
// means the last day of that month.
func dateIn(s string) domain.Date {
	if m := reDateIn.FindString(s); m != "" {
		if d, err := domain.ParseDate(m); err == nil {
			return d
		}
	}
	if m := reMonthIn.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			return domain.NewDate(y, time.Month(mo), 1).AddMonths(1).AddDays(-1)
		}
	}
	return domain.Date{}
}
