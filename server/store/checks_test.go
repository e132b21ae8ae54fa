package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// TestDistanceM checks the haversine distance on known arcs: a degree of latitude is 111,195 m on the mean Earth
// (radius 6,371,008.8 m), a degree of longitude at 60° half of it, and two points of Quảng Trị about 2.2 km apart.
func TestDistanceM(t *testing.T) {
	for _, tc := range []struct {
		lat1, lon1, lat2, lon2, want, tol float64
	}{
		{16, 107, 17, 107, 111195.08, 0.5},
		{60, 10, 60, 11, 55597.5, 1}, // cos 60° = 0.5, less the arc's curvature (≈ 55,597.5 m)
		{16.75, 107.19, 16.77, 107.19, 2223.9, 0.5},
		{16.75, 107.19, 16.75, 107.19, 0, 0},
	} {
		if got := store.DistanceM(tc.lat1, tc.lon1, tc.lat2, tc.lon2); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("DistanceM(%v, %v, %v, %v) = %.1f, want %.1f", tc.lat1, tc.lon1, tc.lat2, tc.lon2, got, tc.want)
		}
	}
}

// TestMeetingInterval: the minutes' times, else the rule's planned time; an end before the start is the rule's
// length.
func TestMeetingInterval(t *testing.T) {
	d := domain.NewDate(2026, 12, 3)
	rule := domain.DefaultScheduleRule()
	s, e := store.MeetingInterval(rule, d, nil, nil)
	if want := time.Date(2026, 12, 3, 19, 30, 0, 0, domain.Zone); !s.Equal(want) || !e.Equal(want.Add(2*time.Hour)) {
		t.Errorf("planned %v..%v", s, e)
	}
	rule.MeetsAt, rule.MeetingMinutes = domain.Clock{Hour: 14}, 90
	start := time.Date(2026, 12, 3, 8, 0, 0, 0, domain.Zone)
	end := start.Add(-time.Hour)
	if s, e := store.MeetingInterval(rule, d, &start, &end); !s.Equal(start) || !e.Equal(start.Add(90*time.Minute)) {
		t.Errorf("recorded start, bad end: %v..%v", s, e)
	}
	end = start.Add(3 * time.Hour)
	if s, e := store.MeetingInterval(rule, d, &start, &end); !s.Equal(start) || !e.Equal(end) {
		t.Errorf("recorded: %v..%v", s, e)
	}
}
