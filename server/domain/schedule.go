package domain

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ScheduleRule says when a cell meets and when its people are reminded. Regular meetings fall on DayOfMonth of
// each month (the 3rd by default, after Chỉ thị 50-CT/TW; a day past the month's end means its last day); the
// meeting of each month in ThematicMonths is thematic (at least one a quarter). Reminders go out at EveReminder the
// evening before and MorningReminder on the day, a report is overdue ReportDueDays after the meeting, and
// supervisors get their daily digest at DigestAt; all local times in Asia/Ho_Chi_Minh.
type ScheduleRule struct {
	DayOfMonth      int
	ThematicMonths  []int
	EveReminder     Clock
	MorningReminder Clock
	ReportDueDays   int
	DigestAt        Clock
	// BriefingFrom and BriefingTo are the window of the days of the month for the monthly briefing of the cell
	// secretaries (giao ban, the 5th to the 10th by default); CommitteeDay the day of the expanded party committee
	// meeting (0: any day of the month).
	BriefingFrom, BriefingTo, CommitteeDay int
	// MeetsAt and MeetingMinutes are when the cells usually meet and for how long (19:30, 120 minutes by default):
	// the planned interval of a meeting whose minutes record no times, which the cross-checks compare (issue #13).
	MeetsAt        Clock
	MeetingMinutes int
	// LocationRadiusM is how far (metres) a check-in may be from the cell's position and still count as there
	// (500 by default); with LocationRequired a visit is verified only by a check-in within it.
	LocationRadiusM  int
	LocationRequired bool
}

// DefaultScheduleRule is the rule of a cell no rule covers.
func DefaultScheduleRule() ScheduleRule {
	return ScheduleRule{DayOfMonth: 3, ThematicMonths: []int{3, 6, 9, 12}, EveReminder: Clock{19, 0},
		MorningReminder: Clock{7, 0}, ReportDueDays: 3, DigestAt: Clock{8, 0}, BriefingFrom: 5, BriefingTo: 10,
		MeetsAt: Clock{19, 30}, MeetingMinutes: 120, LocationRadiusM: 500}
}

// WithCheckDefaults fills the cross-checks' settings a rule leaves at zero (a rule from before them) with the
// defaults.
func (r ScheduleRule) WithCheckDefaults() ScheduleRule {
	def := DefaultScheduleRule()
	if r.MeetsAt == (Clock{}) && r.MeetingMinutes == 0 {
		r.MeetsAt = def.MeetsAt
	}
	if r.MeetingMinutes == 0 {
		r.MeetingMinutes = def.MeetingMinutes
	}
	if r.LocationRadiusM == 0 {
		r.LocationRadiusM = def.LocationRadiusM
	}
	return r
}

// Limits of the cross-checks' settings.
const (
	MinMeetingMinutes = 15
	MaxMeetingMinutes = 720
	MinRadiusM        = 50
	MaxRadiusM        = 50000
)

// PlannedInterval is the interval the rule plans for a meeting on day d: MeetsAt for MeetingMinutes.
func (r ScheduleRule) PlannedInterval(d Date) (time.Time, time.Time) {
	start := r.MeetsAt.On(d)
	return start, start.Add(time.Duration(r.MeetingMinutes) * time.Minute)
}

// Validate checks a rule, naming the field at fault.
func (r ScheduleRule) Validate() error {
	if r.DayOfMonth < 1 || r.DayOfMonth > 31 {
		return Invalid("day_of_month", "error.schedule_day")
	}
	if len(r.ThematicMonths) == 0 {
		return Invalid("thematic_months", "error.thematic_quarter")
	}
	quarters := map[int]bool{}
	for _, m := range r.ThematicMonths {
		if m < 1 || m > 12 {
			return Invalid("thematic_months", "error.thematic_months")
		}
		quarters[(m-1)/3] = true
	}
	if len(quarters) < 4 {
		return Invalid("thematic_months", "error.thematic_quarter")
	}
	if r.ReportDueDays < 1 || r.ReportDueDays > 31 {
		return Invalid("report_due_days", "error.report_due_days")
	}
	if r.BriefingFrom < 1 || r.BriefingFrom > 28 || r.BriefingTo < r.BriefingFrom || r.BriefingTo > 28 {
		return Invalid("briefing_to", "error.briefing_window")
	}
	if r.CommitteeDay < 0 || r.CommitteeDay > 31 {
		return Invalid("committee_day", "error.schedule_day")
	}
	if r.MeetingMinutes < MinMeetingMinutes || r.MeetingMinutes > MaxMeetingMinutes {
		return Invalid("meeting_minutes", "error.meeting_minutes", "min", strconv.Itoa(MinMeetingMinutes), "max", strconv.Itoa(MaxMeetingMinutes))
	}
	if r.LocationRadiusM < MinRadiusM || r.LocationRadiusM > MaxRadiusM {
		return Invalid("location_radius_m", "error.location_radius", "min", strconv.Itoa(MinRadiusM), "max", strconv.Itoa(MaxRadiusM))
	}
	return nil
}

// MeetingDate returns the day the rule puts the regular meeting of a month on.
func (r ScheduleRule) MeetingDate(year int, month time.Month) Date {
	last := NewDate(year, month, 1).AddMonths(1).AddDays(-1).Day()
	return NewDate(year, month, min(r.DayOfMonth, last))
}

// MeetingType returns the type of a month's scheduled meeting: thematic in the rule's thematic months.
func (r ScheduleRule) MeetingType(month time.Month) MeetingType {
	for _, m := range r.ThematicMonths {
		if time.Month(m) == month {
			return MeetingThematic
		}
	}
	return MeetingRegular
}

// FormatMonths writes months as the rule stores them: "3,6,9,12".
func FormatMonths(months []int) string {
	s := append([]int(nil), months...)
	sort.Ints(s)
	parts := make([]string, 0, len(s))
	for i, m := range s {
		if i > 0 && s[i-1] == m {
			continue
		}
		parts = append(parts, strconv.Itoa(m))
	}
	return strings.Join(parts, ",")
}

// ParseMonths reads "3,6,9,12".
func ParseMonths(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		m, err := strconv.Atoi(p)
		if err != nil || m < 1 || m > 12 {
			return nil, Invalid("thematic_months", "error.thematic_months")
		}
		out = append(out, m)
	}
	return out, nil
}

// Clock is a local time of day, "19:00".
type Clock struct{ Hour, Minute int }

// ParseClock reads "HH:MM" (24-hour).
func ParseClock(s string) (Clock, error) {
	var c Clock
	if len(s) != 5 || s[2] != ':' {
		return c, fmt.Errorf("clock %q: want HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return c, fmt.Errorf("clock %q: want HH:MM", s)
	}
	return Clock{h, m}, nil
}

// String writes the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// On returns the instant of this local time on day d in Asia/Ho_Chi_Minh.
func (c Clock) On(d Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), c.Hour, c.Minute, 0, 0, Zone)
}
