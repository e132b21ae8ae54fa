package engine

import (
	"fmt"
	"time"

	"github.com/lib/pq"
)

// pgTimeScanner reads a timestamp column into *t (or, for a nullable column, *t and *null) whether the driver
// gives it as a time (SQLite, or PostgreSQL's own type) or as PostgreSQL's text of it (a snapshot casts
// attendance's times to text: lib/pq's parsing of a timestamptz cost two fifths of reading a row, and its text has
// one shape, parsed here in a few tens of nanoseconds). The time is the one lib/pq gives for that text, to the
// byte of its JSON (TestParsePGTime).
type pgTimeScanner struct {
	t    *time.Time
	null *bool // nil for a NOT NULL column
}

// Scan implements sql.Scanner.
func (s pgTimeScanner) Scan(v any) error {
	if s.null != nil {
		*s.null = v == nil
		if v == nil {
			*s.t = time.Time{}
			return nil
		}
	}
	switch x := v.(type) {
	case time.Time:
		*s.t = x
		return nil
	case string:
		t, err := parsePGTime(x)
		*s.t = t
		return err
	case []byte:
		t, err := parsePGTime(string(x))
		*s.t = t
		return err
	}
	return fmt.Errorf("a time column gave %T", v)
}

// parsePGTime parses PostgreSQL's text of a timestamptz with DateStyle ISO (which lib/pq sets on every
// connection), "2026-12-06 07:09:21.869983+00": the common shape here, anything else (a year past 9999, BC,
// infinity, an offset with seconds) by lib/pq.
func parsePGTime(s string) (time.Time, error) {
	// YYYY-MM-DD HH:MM:SS, then an optional fraction of 1 to 9 digits, then ±HH or ±HH:MM.
	if len(s) < 22 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return pq.ParseTimestamp(nil, s)
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return pq.ParseTimestamp(nil, s)
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		digits := j - i - 1
		if digits < 1 || digits > 9 {
			return pq.ParseTimestamp(nil, s)
		}
		nsec, _ = num(i+1, digits)
		for k := digits; k < 9; k++ {
			nsec *= 10
		}
		i = j
	}
	rest := s[i:]
	if len(rest) != 3 && len(rest) != 6 || rest[0] != '+' && rest[0] != '-' || len(rest) == 6 && rest[3] != ':' {
		return pq.ParseTimestamp(nil, s)
	}
	oh, ok := num(i+1, 2)
	if !ok {
		return pq.ParseTimestamp(nil, s)
	}
	om := 0
	if len(rest) == 6 {
		if om, ok = num(i+4, 2); !ok {
			return pq.ParseTimestamp(nil, s)
		}
	}
	off := oh*3600 + om*60
	if rest[0] == '-' {
		off = -off
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || sec > 60 {
		return pq.ParseTimestamp(nil, s)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-time.Duration(off) * time.Second)
	if off == 0 {
		return t, nil
	}
	return t.In(zone(off)), nil
}

// zone returns a fixed zone of offset off seconds, the same for every call of the common offsets (a fresh one per
// row would be garbage).
func zone(off int) *time.Location {
	if off == 7*3600 {
		return vietnam
	}
	return time.FixedZone("", off)
}

// vietnam is UTC+7, the offset a server whose database runs in Asia/Ho_Chi_Minh gets.
var vietnam = time.FixedZone("", 7*3600)
