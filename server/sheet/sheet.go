// Package sheet holds what the imports of office files (rosters, officials, ratings) read the same way: numbers and
// dates as a workbook or a CSV file holds them, and the "(1) (2) (3)…" line some forms put under their header.
package sheet

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chibo-vn/chibo/server/domain"
)

// ExcelSerialMax is the serial number of 31/12/9999, the last day a workbook can hold.
const ExcelSerialMax = 2958465

// Number reads a cell as a number: a workbook's raw numeric value or digits typed in a CSV file.
func Number(s string) (float64, bool) {
	if s == "" || !strings.ContainsAny(s[:1], "0123456789+-.") {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// ParseDate reads a date cell: dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd (with a time after it,
// as some programs write), or a workbook's date serial number, whatever format the cell displays it in. An empty
// cell is the zero date and ok; ok is false for anything else, including a year alone.
func ParseDate(s string, date1904 bool) (d domain.Date, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return domain.Date{}, true
	}
	if v, isNum := Number(s); isNum {
		// A bare year such as 1990 would be a serial number of 1905, and a small number a day of 1900: refuse
		// both rather than guess.
		if v < 1000 || v > ExcelSerialMax || (v < 10000 && v == math.Trunc(v)) {
			return domain.Date{}, false
		}
		t, err := excelize.ExcelDateToTime(v, date1904)
		if err != nil {
			return domain.Date{}, false
		}
		d := domain.NewDate(t.Year(), t.Month(), t.Day())
		return d, d.InRange()
	}
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			d := domain.NewDate(t.Year(), t.Month(), t.Day())
			return d, d.InRange()
		}
	}
	d, err := domain.ParseDate(s)
	return d, err == nil && d.Year() >= 1000
}

var reNumbering = regexp.MustCompile(`^\(?(?:[0-9]{1,2}|[A-Za-z])\)?$`)

// Numbering reports whether a row is the "(1) (2) (3)…" or "A B C…" line some forms put under the header.
func Numbering(cells []string) bool {
	n := 0
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !reNumbering.MatchString(c) {
			return false
		}
		n++
	}
	return n >= 2
}
