package domain

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Zone is Asia/Ho_Chi_Minh, the time zone every date in Chibo is read in. Vietnam keeps no daylight saving, so a
// fixed offset is exact and needs no tzdata on the server.
var Zone = time.FixedZone("ICT", 7*60*60)

// Date is a calendar day with no time or zone, stored as DATE and sent as "2006-01-02" in JSON. The zero Date is
// "no date" and is stored as NULL.
type Date struct {
	t time.Time // midnight UTC of the day; zero means unset
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the calendar day of t in Asia/Ho_Chi_Minh.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Zone).Date()
	return NewDate(y, m, d)
}

// The years a date may fall in. Every date Chibo keeps (births, admissions, meetings, due dates) lies well
// inside; outside is a typing error (year 0, 9999), which SQLite would store and PostgreSQL refuse.
const (
	MinYear = 1900
	MaxYear = 2100
)

// ErrDateRange is a date outside MinYear–MaxYear.
var ErrDateRange = errors.New("date outside the years 1900 to 2100")

// InRange reports whether the date falls in the years MinYear to MaxYear (the zero date, "no date", does).
func (d Date) InRange() bool {
	return d.IsZero() || yearInRange(d.t)
}

func yearInRange(t time.Time) bool { return t.Year() >= MinYear && t.Year() <= MaxYear }

// ParseDate reads "2006-01-02" (the API form) or "02/01/2006" and "2/1/2006" (the Vietnamese form). A date
// outside MinYear–MaxYear fails with ErrDateRange. Every date read from input goes through here or through
// UnmarshalJSON, so the range holds for the API, the sync push and roster files alike.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006", "02-01-2006", "2-1-2006", "02.01.2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if !yearInRange(t) { // 0001-01-01 included: it is also Go's zero time, which would read as "no date"
				return Date{}, ErrDateRange
			}
			return Date{t}, nil
		}
	}
	return Date{}, fmt.Errorf("not a date: %q", s)
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight of the day in Asia/Ho_Chi_Minh.
func (d Date) Time() time.Time {
	y, m, dd := d.t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, Zone)
}

// Year returns the year.
func (d Date) Year() int { return d.t.Year() }

// Month returns the month.
func (d Date) Month() time.Month { return d.t.Month() }

// Day returns the day of the month.
func (d Date) Day() int { return d.t.Day() }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths returns the date n months later, normalised like time.AddDate.
func (d Date) AddMonths(n int) Date { return Date{d.t.AddDate(0, n, 0)} }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// String returns "2006-01-02", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2006-01-02")
}

// VN returns the date as Vietnamese users read it: "02/01/2006".
func (d Date) VN() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("02/01/2006")
}

// MarshalJSON writes "2006-01-02", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "2006-01-02" or null. A malformed date, or one outside MinYear–MaxYear, fails with a
// *json.UnmarshalTypeError, so the decoder names the field (the API and the sync push both report it).
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse("2006-01-02", s)
	if s != "" && (err != nil || !yearInRange(t)) {
		return &json.UnmarshalTypeError{Value: "date " + strconv.Quote(s), Type: reflect.TypeFor[Date]()}
	}
	*d = Date{t}
	return nil
}

// Value stores the date as "2006-01-02", or NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE column: drivers give a time.Time, a string or bytes.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		y, m, dd := v.Date()
		*d = NewDate(y, m, dd)
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	default:
		return fmt.Errorf("cannot scan %T into Date", src)
	}
	return nil
}

func (d *Date) scanString(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return err
	}
	*d = Date{t}
	return nil
}

// DaysBetween returns the number of calendar days from a to b (negative when b is before a).
func DaysBetween(a, b Date) int { return int(b.t.Sub(a.t) / (24 * time.Hour)) }
