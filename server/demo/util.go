package demo

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chibo-vn/chibo/server/domain"
)

// at returns h:m local time (Asia/Ho_Chi_Minh) on day d, as stored: UTC.
func at(d domain.Date, h, m int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, domain.Zone).UTC()
}

func firstOfMonth(d domain.Date) domain.Date { return domain.NewDate(d.Year(), d.Month(), 1) }

// daysBetween returns the number of days from a to b.
func daysBetween(a, b domain.Date) int { return int(b.Time().Sub(a.Time()).Hours() / 24) }

// clip keeps generated timestamps in the past: t itself when it is before the demo's "now", else a time between
// floor and now.
func (g *generator) clip(r *rng, t, floor time.Time) time.Time {
	limit := g.now.Add(-15 * time.Minute)
	if t.Before(limit) {
		return t
	}
	if !floor.Before(limit) {
		return floor
	}
	span := limit.Sub(floor)
	return floor.Add(time.Duration(float64(span) * r.uniform(0.3, 0.9))).Truncate(time.Second)
}

// fill replaces the placeholders of a template.
func fill(s string, vars map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		key := s[i : i+j+1]
		if v, ok := vars[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(key)
		}
		s = s[i+j+1:]
	}
	return b.String()
}

// capitalize upper-cases the first letter: "thôn An Lợi" gives "Thôn An Lợi".
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// jsonString marshals v, which is always marshalable here.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and structs of strings and ints are marshalled
	}
	return string(b)
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func ptr[T any](v T) *T { return &v }
