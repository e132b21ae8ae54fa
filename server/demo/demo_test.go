package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// today is the demo's "today" in the tests: a Friday in April 2026, after the month's meeting on the 3rd.
var today = domain.NewDate(2026, time.April, 10)

// passwordHash hashes the demo password once per test binary (argon2id is slow by design).
var passwordHash = sync.OnceValues(func() (string, error) { return auth.HashPassword(demo.Password, auth.DefaultArgon2) })

func hash(t testing.TB) string {
	t.Helper()
	h, err := passwordHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// small is a quick configuration for tests that do not need the full demo.
func small(t testing.TB, seed uint64) demo.Config {
	return demo.Config{Seed: seed, Communes: 2, CellsPerCommune: 5, MembersPerCell: 12, Officials: 4, Months: 4,
		Today: today, PasswordHash: hash(t)}
}

// data is the whole demo data set, loaded for inspection.
type data struct {
	sum         *demo.Summary
	ref         *store.ReferenceData
	units       []store.OrgUnit
	members     []store.Member
	users       []store.User
	grants      []store.RoleGrant
	assignments []store.Assignment
	meetings    []store.Meeting
	attendance  []store.Attendance
	reports     []store.VisitReport
	recs        []store.Recommendation
	answers     []store.RecommendationAnswer
	events      []store.RecommendationEvent
	ratings     []store.AnnualRating
	notes       []store.Notification
	audit       []store.AuditEntry
	// the commune's meetings of the other forms (forms_test.go)
	zones        []store.Zone
	participants []store.MeetingParticipant
	briefings    []store.BriefingReport
	questions    []store.DialogueQuestion
}

func load(t *testing.T, db *store.DB, sum *demo.Summary) *data {
	t.Helper()
	ctx := context.Background()
	d := &data{sum: sum}
	for _, s := range []any{&d.units, &d.members, &d.users, &d.grants, &d.assignments, &d.meetings, &d.attendance,
		&d.reports, &d.recs, &d.answers, &d.events, &d.ratings, &d.notes, &d.audit, &d.zones, &d.participants, &d.briefings, &d.questions} {
		if err := db.R.NewSelect().Model(s).OrderExpr("id").Scan(ctx); err != nil {
			t.Fatalf("load %T: %v", s, err)
		}
	}
	var err error
	if d.ref, err = store.Reference(ctx, db.R, sum.ProvinceID); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *data) unit(id string) store.OrgUnit {
	for _, u := range d.units {
		if u.ID == id {
			return u
		}
	}
	return store.OrgUnit{}
}

func (d *data) user(username string) store.User {
	for _, u := range d.users {
		if u.Username == username {
			return u
		}
	}
	return store.User{}
}

// TestDefaultDemo generates the default demo once and checks what a user of the demo would notice.
func TestDefaultDemo(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	start := time.Now()
	sum, err := demo.Generate(ctx, db, demo.Config{Seed: 2026, Today: today}) // hashes the password itself
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default demo: %d rows in %v", sum.Rows(), time.Since(start))
	d := load(t, db, sum)

	// sync/PROTOCOL.md: only the rows a database is created with (its reference data) are at version 0; a device
	// creating a row at version 0 with base_version 0 would overwrite it without a conflict (an attendance mark of a
	// seeded meeting has a derived id). The demo's rows carry its transaction's number.
	t.Run("no row of the demo at version 0", func(t *testing.T) {
		empty := testdb.New(t)
		for _, table := range store.SyncedTables() {
			var all, zero, before int
			q := "SELECT count(*), COALESCE(sum(CASE WHEN version = 0 THEN 1 ELSE 0 END), 0) FROM " + table
			if err := db.R.NewRaw(q).Scan(ctx, &all, &zero); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if err := empty.R.NewRaw("SELECT count(*) FROM "+table+" WHERE version = 0").Scan(ctx, &before); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if zero != before {
				t.Errorf("%s: %d of its %d rows at version 0, the database was created with %d", table, zero, all, before)
			}
		}
	})

	t.Run("counts", func(t *testing.T) {
		kinds := map[domain.OrgKind]int{}
		for _, u := range d.units {
			kinds[u.Kind]++
		}
		roles := map[domain.Role]int{}
		for _, g := range d.grants {
			roles[g.Role]++
		}
		tests := []struct {
			name   string
			got    int
			lo, hi int
		}{
			{"province", kinds[domain.KindProvince], 1, 1},
			{"communes", kinds[domain.KindCommune], 3, 3},
			{"cells", kinds[domain.KindCell], 30, 30},
			{"party groups", kinds[domain.KindPartyGroup], 2, 20},
			{"members (≈720 ±15%)", len(d.members), 612, 828},
			{"officials", roles[domain.RoleOfficial], 11, 11}, // tinhuy, of the committee meetings, included
			{"supervisors", roles[domain.RoleSupervisor], 2, 2},
			{"admins", roles[domain.RoleAdmin], 1, 1},
			{"secretaries", roles[domain.RoleSecretary], 3, 3},
			{"assignments", len(d.assignments), 20, 45},
			{"meetings", len(d.meetings), 400, 560},
			{"attendance", len(d.attendance), 7000, 13000},
			{"visit reports", len(d.reports), 60, 400}, // an official is at one meeting an evening (checks.go)
			{"recommendations", len(d.recs), 150, 250},
			{"annual ratings", len(d.ratings), 25, 30},
			{"notifications", len(d.notes), 5, 20},
			{"audit entries", len(d.audit), 1, 1},
		}
		for _, tc := range tests {
			if tc.got < tc.lo || tc.got > tc.hi {
				t.Errorf("%s = %d, want %d..%d", tc.name, tc.got, tc.lo, tc.hi)
			}
		}
		got := []int{sum.OrgUnits, sum.Members, sum.Users, sum.RoleGrants, sum.Assignments, sum.Meetings, sum.Attendance,
			sum.VisitReports, sum.Recommendations, sum.RecommendationAnswers, sum.RecommendationEvents, sum.AnnualRatings, sum.Notifications}
		want := []int{len(d.units), len(d.members), len(d.users), len(d.grants), len(d.assignments), len(d.meetings),
			len(d.attendance), len(d.reports), len(d.recs), len(d.answers), len(d.events), len(d.ratings), len(d.notes)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summary counts differ from the database (-db +summary):\n%s", diff)
		}
		if sum.Cells != 30 || sum.Communes != 3 || sum.PartyGroups != kinds[domain.KindPartyGroup] {
			t.Errorf("summary: %d cells, %d communes, %d party groups", sum.Cells, sum.Communes, sum.PartyGroups)
		}
	})

	t.Run("org tree", func(t *testing.T) {
		var names []string
		var opened, closed int
		for _, u := range d.units {
			switch u.Kind {
			case domain.KindCommune:
				names = append(names, u.Name)
			case domain.KindCell:
				if u.OpenedOn.After(today.AddMonths(-12)) {
					opened++
				}
				if !u.ClosedOn.IsZero() {
					closed++
					if !u.ClosedOn.Before(today) {
						t.Errorf("%s closes on %s, want a past date", u.Name, u.ClosedOn)
					}
				}
			}
			if u.ParentID != nil {
				p := d.unit(*u.ParentID)
				if u.Path != p.Path+u.ID+"/" || u.Depth != p.Depth+1 {
					t.Errorf("%s: path %q depth %d under %q", u.Name, u.Path, u.Depth, p.Path)
				}
			}
		}
		want := []string{"Đảng bộ xã Triệu Phong", "Đảng bộ xã Ái Tử", "Đảng bộ xã Nam Cửa Việt"}
		slices.Sort(want)
		slices.Sort(names)
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("communes (-want +got):\n%s", diff)
		}
		if opened != 1 || closed != 1 {
			t.Errorf("%d cells opened in the last 12 months and %d closed, want 1 and 1", opened, closed)
		}
	})

	t.Run("canbo has three active assignments", func(t *testing.T) {
		canbo := d.user("canbo")
		var cells []string
		for _, a := range d.assignments {
			if a.OfficialID == canbo.ID && a.Status == domain.AssignmentActive &&
				!a.StartsOn.After(today) && (a.EndsOn.IsZero() || !a.EndsOn.Before(today)) {
				cells = append(cells, d.unit(a.CellID).Name)
				if a.Frequency != domain.FrequencyMonthly {
					t.Errorf("canbo's assignment to %s is %s, want monthly", d.unit(a.CellID).Name, a.Frequency)
				}
			}
		}
		sort.Strings(cells)
		want := []string{"Chi bộ thôn An Lợi", "Chi bộ thôn Phước Thị", "Chi bộ thôn Đại Hào"}
		if diff := cmp.Diff(want, cells); diff != "" {
			t.Errorf("canbo's cells (-want +got):\n%s", diff)
		}
		paths, err := store.AssignedCells(ctx, db.R, canbo.ID, today)
		if err != nil || len(paths) != 3 {
			t.Errorf("AssignedCells = %d cells, %v; want 3", len(paths), err)
		}
		var ended, future int
		for _, a := range d.assignments {
			if a.Status == domain.AssignmentEnded && a.EndsOn.Before(today) {
				ended++
			}
			if a.Status == domain.AssignmentActive && a.StartsOn.After(today) {
				future++
			}
		}
		if ended != 1 || future != 1 {
			t.Errorf("%d ended and %d future assignments, want 1 and 1", ended, future)
		}
	})

	t.Run("logins", func(t *testing.T) {
		hashes := map[string]bool{}
		var usernames []string
		granted := map[string]bool{}
		for _, g := range d.grants {
			granted[g.UserID] = true
		}
		for _, u := range d.users {
			hashes[u.PasswordHash] = true
			usernames = append(usernames, u.Username)
			if u.HomeOrgUnitID == nil || d.unit(*u.HomeOrgUnitID).ID == "" {
				t.Errorf("%s has no home org unit", u.Username)
			}
			if !granted[u.ID] {
				t.Errorf("%s has no role grant", u.Username)
			}
		}
		if len(hashes) != 1 {
			t.Errorf("%d distinct password hashes, want one shared hash", len(hashes))
		}
		for h := range hashes {
			if ok, err := auth.CheckPassword(demo.Password, h); !ok || err != nil {
				t.Errorf("CheckPassword(%q) = %v, %v", demo.Password, ok, err)
			}
		}
		for _, want := range []string{"admin", "giamsat", "giamsat2", "canbo", "canbo2", "canbo10", "bithu", "bithu2", "bithu3", "ubnd"} {
			if !slices.Contains(usernames, want) {
				t.Errorf("no user %q", want)
			}
		}
		var logins []string
		for _, l := range sum.Logins {
			logins = append(logins, l.Username)
		}
		slices.Sort(logins)
		slices.Sort(usernames)
		if diff := cmp.Diff(usernames, logins); diff != "" {
			t.Errorf("Summary.Logins (-users +logins):\n%s", diff)
		}
		scope := map[string]string{}
		for _, g := range d.grants {
			scope[g.UserID+string(g.Role)] = d.unit(*g.OrgUnitID).Name
		}
		for _, tc := range []struct {
			user  string
			role  domain.Role
			scope string
		}{
			{"admin", domain.RoleAdmin, "Đảng bộ tỉnh Quảng Trị"},
			{"giamsat", domain.RoleSupervisor, "Đảng bộ tỉnh Quảng Trị"},
			{"giamsat2", domain.RoleSupervisor, "Đảng bộ xã Triệu Phong"},
			{"canbo", domain.RoleOfficial, "Đảng bộ xã Triệu Phong"},
			{"bithu", domain.RoleSecretary, "Chi bộ thôn An Lợi"},
		} {
			if got := scope[d.user(tc.user).ID+string(tc.role)]; got != tc.scope {
				t.Errorf("%s: %s over %q, want %q", tc.user, tc.role, got, tc.scope)
			}
		}
	})

	t.Run("members", func(t *testing.T) {
		statuses := map[domain.MemberStatus]int{}
		roles := map[string]map[string]int{}
		var probationary, attached, women int
		for _, m := range d.members {
			statuses[m.Status]++
			if roles[m.CellID] == nil {
				roles[m.CellID] = map[string]int{}
			}
			roles[m.CellID][m.CellRole]++
			if m.Gender == domain.GenderFemale {
				women++
			}
			if m.TemporarilyAttached {
				attached++
			}
			switch m.Membership {
			case domain.MembershipProbationary:
				probationary++
				if !m.OfficialOn.IsZero() || m.JoinedOn.Before(today.AddMonths(-12)) || m.CardNumber != nil {
					t.Errorf("probationary %s: joined %s, official %s, card %v", m.FullName, m.JoinedOn, m.OfficialOn, m.CardNumber)
				}
			default:
				if m.OfficialOn != m.JoinedOn.AddMonths(12) || m.OfficialOn.After(today) {
					t.Errorf("%s: joined %s, official %s", m.FullName, m.JoinedOn, m.OfficialOn)
				}
			}
			if m.Status == domain.StatusTempExempt && !m.TempExemptUntil.After(today) {
				t.Errorf("%s is temporarily exempt until %s, want a future date", m.FullName, m.TempExemptUntil)
			}
		}
		for _, s := range domain.MemberStatuses {
			if statuses[s] == 0 {
				t.Errorf("no member is %s", s)
			}
		}
		n := float64(len(d.members))
		for _, c := range []struct {
			name     string
			got      int
			min, max float64
		}{
			{"exempt", statuses[domain.StatusExempt], 0.04, 0.13},
			{"women", women, 0.25, 0.45},
			{"probationary", probationary, 0.01, 0.06},
			{"attached", attached, 0.005, 0.05},
		} {
			if share := float64(c.got) / n; share < c.min || share > c.max {
				t.Errorf("%s: %.1f%%, want %.0f–%.0f%%", c.name, 100*share, 100*c.min, 100*c.max)
			}
		}
		for cellID, r := range roles {
			if r["Bí thư"] != 1 || r["Phó Bí thư"] != 1 {
				t.Errorf("%s has %d secretaries and %d deputies", d.unit(cellID).Name, r["Bí thư"], r["Phó Bí thư"])
			}
		}
	})

	t.Run("invariants", func(t *testing.T) { checkInvariants(t, d, today) })

	t.Run("meetings and attendance", func(t *testing.T) {
		statuses := map[domain.AttendanceStatus]int{}
		meetingCell := map[string]string{}
		for _, m := range d.meetings {
			meetingCell[m.ID] = m.CellID
		}
		present, total := map[string]int{}, map[string]int{}
		for _, a := range d.attendance {
			statuses[a.Status]++
			total[meetingCell[a.MeetingID]]++
			if a.Status == domain.AttendPresent {
				present[meetingCell[a.MeetingID]]++
			}
		}
		for _, s := range []domain.AttendanceStatus{domain.AttendPresent, domain.AttendExcused, domain.AttendUnexcused} {
			if statuses[s] == 0 {
				t.Errorf("no attendance is %s", s)
			}
		}
		if share := float64(statuses[domain.AttendPresent]) / float64(len(d.attendance)); share < 0.84 || share > 0.92 {
			t.Errorf("%.1f%% present, want about 88%%", 100*share)
		}
		var low []string
		for cellID, n := range total {
			if float64(present[cellID])/float64(n) < 0.85 {
				low = append(low, d.unit(cellID).Name)
			}
		}
		if len(low) == 0 || len(low) > 4 {
			t.Errorf("cells under 85%% attendance: %v, want one to four", low)
		}
		kinds := map[string]int{}
		regular := map[string]int{}
		for _, m := range d.meetings {
			kinds[string(m.Type)+"/"+string(m.Status)]++
			if m.Type == domain.MeetingRegular && m.Status != domain.MeetingPlanned {
				regular[m.CellID]++
				if m.MeetingDate.Day() == 5 {
					kinds["moved to the 5th"]++
				}
			}
		}
		for _, u := range d.units {
			if u.Kind == domain.KindCell && u.ClosedOn.IsZero() && !u.OpenedOn.After(today.AddMonths(-12)) && regular[u.ID] < 12 {
				kinds["cell skipped a month"]++
			}
		}
		for _, k := range []string{"regular/held", "regular/planned", "regular/cancelled", "thematic/held", "moved to the 5th", "cell skipped a month"} {
			if kinds[k] == 0 {
				t.Errorf("no %s meetings (%v)", k, kinds)
			}
		}
	})

	t.Run("a member absent with reason more than 3 times in a row", func(t *testing.T) {
		date := map[string]domain.Date{}
		for _, m := range d.meetings {
			date[m.ID] = m.MeetingDate
		}
		byMember := map[string][]store.Attendance{}
		for _, a := range d.attendance {
			byMember[a.MemberID] = append(byMember[a.MemberID], a)
		}
		longest := 0
		for _, rows := range byMember {
			slices.SortFunc(rows, func(a, b store.Attendance) int {
				return strings.Compare(date[a.MeetingID].String(), date[b.MeetingID].String())
			})
			run := 0
			for _, a := range rows {
				if a.Status == domain.AttendExcused {
					run++
					longest = max(longest, run)
				} else {
					run = 0
				}
			}
		}
		if longest <= 3 {
			t.Errorf("longest run of absences with reason is %d, want more than 3", longest)
		}
	})

	t.Run("visit reports", func(t *testing.T) {
		grades := map[domain.Grade]int{}
		statuses := map[string]int{}
		late := 0
		meetingEnd := map[string]time.Time{}
		for _, m := range d.meetings {
			if m.EndsAt != nil {
				meetingEnd[m.ID] = *m.EndsAt
			}
		}
		for _, vr := range d.reports {
			statuses[vr.Status]++
			grades[vr.Grade]++
			if vr.SubmittedAt != nil && vr.SubmittedAt.Sub(meetingEnd[vr.MeetingID]) > 4*24*time.Hour {
				late++
			}
		}
		n := len(d.reports)
		if good := grades[domain.GradeGood] + grades[domain.GradeFair]; float64(good) < 0.8*float64(n) {
			t.Errorf("grades %v: want mostly Khá and Tốt", grades)
		}
		if grades[domain.GradeAverage] == 0 || float64(grades[domain.GradeWeak]) > 0.03*float64(n) {
			t.Errorf("grades %v: want a few Trung bình and rarely Kém", grades)
		}
		if float64(statuses[demo.ReportSubmitted]) < 0.75*float64(n) || statuses[demo.ReportDraft] == 0 || late == 0 {
			t.Errorf("reports %v, %d late: want mostly submitted, some drafts, some late", statuses, late)
		}
	})

	t.Run("recommendations", func(t *testing.T) {
		statuses := map[domain.RecStatus]int{}
		fields := map[string]int{}
		var overdue, announced, urgent, toCommune int
		for _, r := range d.recs {
			statuses[r.Status]++
			fields[*r.FieldID]++
			if (r.Status == domain.RecForwarded || r.Status == domain.RecSentBack) && r.DueOn.Before(today) {
				overdue++
			}
			if r.AnnouncedAt != nil {
				announced++
			}
			if r.Urgency == demo.UrgencyUrgent {
				urgent++
			}
			if r.AddresseeOrgUnitID != nil {
				toCommune++
			}
		}
		for _, s := range domain.RecStatuses {
			if statuses[s] == 0 {
				t.Errorf("no recommendation is %s", s)
			}
		}
		for _, f := range d.ref.Fields {
			if fields[f.ID] == 0 {
				t.Errorf("no recommendation in field %s", f.Code)
			}
		}
		if overdue == 0 || announced == 0 || urgent == 0 || toCommune == 0 || toCommune == len(d.recs) {
			t.Errorf("%d overdue, %d announced, %d urgent, %d to the commune of %d: want some of each", overdue,
				announced, urgent, toCommune, len(d.recs))
		}
	})

	t.Run("recommendation history", func(t *testing.T) {
		// Each recommendation's history is a chain of the loop's steps ending in its status, in time order.
		events := map[string][]store.RecommendationEvent{}
		for _, e := range d.events {
			events[e.RecommendationID] = append(events[e.RecommendationID], e)
		}
		var ubnd string
		for _, u := range d.users {
			if u.Username == "ubnd" {
				ubnd = u.ID
			}
		}
		byUbnd := 0
		for _, a := range d.answers {
			if a.AnsweredBy != nil && *a.AnsweredBy == ubnd {
				byUbnd++
			}
		}
		if ubnd == "" || byUbnd == 0 {
			t.Errorf("responder %q answered %d recommendations", ubnd, byUbnd)
		}
		for _, r := range d.recs {
			es := events[r.ID]
			slices.SortFunc(es, func(a, b store.RecommendationEvent) int { return a.At.Compare(b.At) })
			if r.Status == domain.RecNew {
				if len(es) != 0 {
					t.Errorf("new recommendation %s has %d events", r.ID, len(es))
				}
				continue
			}
			status := domain.RecNew
			for _, e := range es {
				to, err := domain.RecTransition(e.Action, status)
				if err != nil || e.FromStatus != status || e.ToStatus != to {
					t.Errorf("recommendation %s: %s %s→%s after %s (%v)", r.ID, e.Action, e.FromStatus, e.ToStatus, status, err)
				}
				status = e.ToStatus
			}
			if status != r.Status {
				t.Errorf("recommendation %s is %s, its history ends at %s", r.ID, r.Status, status)
			}
			if announced := len(es) > 0 && es[len(es)-1].Action == domain.RecActionAnnounce; announced != (r.AnnouncedAt != nil) {
				t.Errorf("recommendation %s announced at %v, history %v", r.ID, r.AnnouncedAt, announced)
			}
		}
	})

	t.Run("annual ratings", func(t *testing.T) {
		labels := map[string]store.RatingLabel{}
		for _, l := range d.ref.RatingLabels {
			labels[l.ID] = l
		}
		weak := 0
		for _, r := range d.ratings {
			l := labels[r.LabelID]
			if r.Year != today.Year()-1 || l.Scheme != "qd366_2025" {
				t.Errorf("rating %s: year %d, scheme %q", r.ID, r.Year, l.Scheme)
			}
			if l.Weak {
				weak++
			}
		}
		if weak < 1 || weak > 2 {
			t.Errorf("%d cells rated weak, want 1 or 2", weak)
		}
	})

	t.Run("notifications for canbo", func(t *testing.T) {
		kinds := map[string]int{}
		for _, n := range d.notes {
			if n.UserID == d.user("canbo").ID {
				kinds[n.Kind]++
			}
		}
		if kinds["assignment_created"] != 3 || kinds["meeting_eve"] == 0 {
			t.Errorf("canbo's notifications: %v", kinds)
		}
	})

	t.Run("one audit entry", func(t *testing.T) {
		a := d.audit[0]
		if a.Action != "seed" || a.Entity != "demo" || a.EntityID != sum.ProvinceID {
			t.Errorf("audit entry %+v", a)
		}
	})
}

// TestDeterministic generates the same configuration into several databases and compares every table. Under
// CHIBO_TEST_DB=postgres it also generates into SQLite, so the two dialects are compared too.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := small(t, 7)
	dbs := []*store.DB{testdb.New(t), testdb.New(t)}
	if testdb.Dialect() == "pg" {
		dbs = append(dbs, sqliteDB(t))
	}
	var want map[string]string
	for i, db := range dbs {
		if _, err := demo.Generate(ctx, db, cfg); err != nil {
			t.Fatal(err)
		}
		got := checksums(t, db)
		if i == 0 {
			want = got
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("run %d (%s) differs from run 0 (%s) (-run 0 +run %d):\n%s", i, db.Dialect, dbs[0].Dialect, i, diff)
		}
	}
	other := testdb.New(t)
	if _, err := demo.Generate(ctx, other, small(t, 8)); err != nil {
		t.Fatal(err)
	}
	if got := checksums(t, other); got["members"] == want["members"] {
		t.Error("seeds 7 and 8 generated the same members")
	}
}

// sqliteDB opens a migrated in-memory SQLite database whatever the selected dialect.
func sqliteDB(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{URL: "sqlite::memory:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// checksums returns a digest of every table the demo writes, computed from the scanned models so that SQLite
// and PostgreSQL compare alike. The audit entry's time is left out: store.Audit stamps it with the clock; so are
// the rows' versions, the seeding transaction's number.
func checksums(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	tables := map[string]any{
		"org_units": &[]store.OrgUnit{}, "members": &[]store.Member{}, "users": &[]store.User{},
		"role_grants": &[]store.RoleGrant{}, "assignments": &[]store.Assignment{}, "meetings": &[]store.Meeting{},
		"attendance": &[]store.Attendance{}, "visit_reports": &[]store.VisitReport{},
		"recommendations": &[]store.Recommendation{}, "recommendation_answers": &[]store.RecommendationAnswer{},
		"recommendation_events": &[]store.RecommendationEvent{},
		"annual_ratings":        &[]store.AnnualRating{}, "notifications": &[]store.Notification{}, "audit_log": &[]store.AuditEntry{},
	}
	out := map[string]string{}
	for name, slice := range tables {
		if err := db.R.NewSelect().Model(slice).Scan(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows := reflect.ValueOf(slice).Elem()
		table := db.R.Table(rows.Type().Elem())
		lines := make([]string, 0, rows.Len())
		for i := 0; i < rows.Len(); i++ {
			var b strings.Builder
			for _, f := range table.Fields {
				if name == "audit_log" && f.Name == "at" || f.Name == "version" {
					continue // the clock's, and the seeding transaction's number (each database has its own)
				}
				fmt.Fprintf(&b, "%s=%s;", f.Name, formatValue(f.Value(rows.Index(i))))
			}
			lines = append(lines, b.String())
		}
		sort.Strings(lines)
		h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[name] = fmt.Sprintf("%d rows, sha256 %x", len(lines), h[:12])
	}
	return out
}

func formatValue(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "NULL"
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case domain.Date:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v.Interface())
}

func TestSeedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("seeds an empty database once", func(t *testing.T) {
		db := testdb.New(t)
		seeded, sum, err := demo.SeedOnce(ctx, db, small(t, 1))
		if err != nil || !seeded || sum == nil || sum.Members == 0 {
			t.Fatalf("first SeedOnce = %v, %v, %v; want a seeded database", seeded, sum, err)
		}
		// A user renames themself; the next start must keep it.
		if _, err := db.W.NewUpdate().Model((*store.User)(nil)).Set("display_name = ?", "Đã đổi tên").
			Where("username = ?", "canbo").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		seeded, sum, err = demo.SeedOnce(ctx, db, small(t, 1))
		if err != nil || seeded || sum != nil {
			t.Fatalf("second SeedOnce = %v, %v, %v; want a no-op", seeded, sum, err)
		}
		u, err := store.UserByUsername(ctx, db.R, "canbo")
		if err != nil || u.DisplayName != "Đã đổi tên" {
			t.Errorf("canbo after the second start: %v, %v", u, err)
		}
		n, err := db.R.NewSelect().Model((*store.AuditEntry)(nil)).Where("action = 'seed'").Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("%d seed audit entries, %v; want 1", n, err)
		}
	})
	t.Run("leaves a database with users alone", func(t *testing.T) {
		db := testdb.New(t)
		u := &store.User{Username: "first-admin", DisplayName: "Quản trị", PasswordHash: hash(t), Active: true}
		if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error { return store.CreateUser(ctx, tx, u) }); err != nil {
			t.Fatal(err)
		}
		seeded, _, err := demo.SeedOnce(ctx, db, small(t, 1))
		if err != nil || seeded {
			t.Errorf("SeedOnce = %v, %v; want no seeding", seeded, err)
		}
	})
}

func TestGenerateRefusesNonEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.CreateOrgUnit(ctx, tx, &store.OrgUnit{Name: "Đảng bộ tỉnh Quảng Trị", Kind: domain.KindProvince})
	}); err != nil {
		t.Fatal(err)
	}
	_, err := demo.Generate(ctx, db, small(t, 1))
	if !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("Generate into a non-empty database: %v, want ErrNotEmpty", err)
	}
	n, err := db.R.NewSelect().Model((*store.User)(nil)).Count(ctx)
	if err != nil || n != 0 {
		t.Errorf("%d users after the refusal, %v; want none", n, err)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	tests := []struct {
		name string
		cfg  demo.Config
	}{
		{"negative communes", demo.Config{Communes: -1}},
		{"negative members", demo.Config{MembersPerCell: -5}},
		{"too many months", demo.Config{Months: 121}},
		{"too many cells per commune", demo.Config{CellsPerCommune: 1000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Today, tc.cfg.PasswordHash = today, hash(t)
			if _, err := demo.Generate(ctx, db, tc.cfg); err == nil {
				t.Error("Generate accepted the configuration")
			}
		})
	}
}

// TestCellSizesAreSkewed checks the roll sizes over many cells: mean near MembersPerCell, many small cells and a
// few very big ones, never fewer than 3 members.
func TestCellSizesAreSkewed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	cfg := demo.Config{Seed: 3, Communes: 5, CellsPerCommune: 30, MembersPerCell: 12, Officials: 2, Months: 1,
		Today: today, PasswordHash: hash(t)}
	sum, err := demo.Generate(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	if err := db.R.NewSelect().Model((*store.Member)(nil)).ColumnExpr("count(*)").Group("cell_id").Scan(ctx, &sizes); err != nil {
		t.Fatal(err)
	}
	slices.Sort(sizes)
	mean := float64(sum.Members) / float64(len(sizes))
	if len(sizes) != 150 || sizes[0] != 3 || float64(sizes[len(sizes)-1]) < 3*mean || mean < 11 || mean > 13.5 {
		t.Errorf("%d cells, sizes %d..%d, mean %.1f; want 150 cells from 3 to over 3× the mean, mean ≈ 12",
			len(sizes), sizes[0], sizes[len(sizes)-1], mean)
	}
	if median := sizes[len(sizes)/2]; float64(median) >= mean {
		t.Errorf("median %d ≥ mean %.1f: sizes are not skewed", median, mean)
	}
}

// TestManyCommunes goes past the list of commune names: names get numeric suffixes, codes stay unique.
func TestManyCommunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	cfg := demo.Config{Seed: 4, Communes: 70, CellsPerCommune: 1, MembersPerCell: 3, Officials: 1, Supervisors: 3, Months: 1,
		Today: today, PasswordHash: hash(t)}
	if _, err := demo.Generate(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := db.R.NewSelect().Model((*store.OrgUnit)(nil)).Column("name").Where("kind = ?", domain.KindCommune).Scan(ctx, &names); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("two communes named %q", n)
		}
		seen[n] = true
	}
	if len(names) != 70 || !seen["Đảng bộ xã Triệu Phong 2"] {
		t.Errorf("%d communes; want 70 with a second Triệu Phong", len(names))
	}
}

// checkInvariants checks what must hold in any generated data set, whatever the configuration.
func checkInvariants(t *testing.T, d *data, today domain.Date) {
	t.Helper()
	now := time.Date(today.Year(), today.Month(), today.Day(), 8, 0, 0, 0, domain.Zone)
	stamp := func(what string, created, updated time.Time) {
		if created.After(now) || updated.After(now) || updated.Before(created) {
			t.Errorf("%s: created %v, updated %v (now %v)", what, created, updated, now)
		}
	}
	for _, u := range d.units {
		stamp("org unit "+u.Name, u.CreatedAt, u.UpdatedAt)
		if u.ParentID != nil {
			p := d.unit(*u.ParentID)
			if u.Path != p.Path+u.ID+"/" || u.Depth != p.Depth+1 {
				t.Errorf("%s: path %q depth %d under %q", u.Name, u.Path, u.Depth, p.Path)
			}
		}
	}
	cellOf := map[string]string{}
	for _, m := range d.members {
		stamp("member "+m.FullName, m.CreatedAt, m.UpdatedAt)
		cellOf[m.ID] = m.CellID
		if d.unit(m.CellID).Kind != domain.KindCell {
			t.Errorf("member %s is not in a cell", m.FullName)
		}
		switch m.Membership {
		case domain.MembershipProbationary:
			if !m.OfficialOn.IsZero() || m.JoinedOn.Before(today.AddMonths(-12)) || m.CardNumber != nil {
				t.Errorf("probationary %s: joined %s, official %s, card %v", m.FullName, m.JoinedOn, m.OfficialOn, m.CardNumber)
			}
		default:
			if m.OfficialOn != m.JoinedOn.AddMonths(12) || m.OfficialOn.After(today) {
				t.Errorf("%s: joined %s, official %s", m.FullName, m.JoinedOn, m.OfficialOn)
			}
		}
		if m.Status == domain.StatusTempExempt && !m.TempExemptUntil.After(today) {
			t.Errorf("%s is temporarily exempt until %s, want a future date", m.FullName, m.TempExemptUntil)
		}
	}
	granted := map[string]bool{}
	for _, g := range d.grants {
		granted[g.UserID] = true
	}
	for _, u := range d.users {
		stamp("user "+u.Username, u.CreatedAt, u.UpdatedAt)
		if u.HomeOrgUnitID == nil || d.unit(*u.HomeOrgUnitID).ID == "" || !granted[u.ID] {
			t.Errorf("user %s: home %v, granted %v", u.Username, u.HomeOrgUnitID, granted[u.ID])
		}
	}
	for _, a := range d.assignments {
		stamp("assignment", a.CreatedAt, a.UpdatedAt)
		if !a.EndsOn.IsZero() && a.EndsOn.Before(a.StartsOn) {
			t.Errorf("assignment %s ends %s before it starts %s", a.ID, a.EndsOn, a.StartsOn)
		}
	}

	rows := map[string][]store.Attendance{}
	for _, a := range d.attendance {
		rows[a.MeetingID] = append(rows[a.MeetingID], a)
		if (a.Status == domain.AttendExcused) != (a.Reason != "") {
			t.Errorf("attendance %s: status %s with reason %q", a.ID, a.Status, a.Reason)
		}
	}
	meetings := map[string]store.Meeting{}
	for _, m := range d.meetings {
		meetings[m.ID] = m
		stamp("meeting", m.CreatedAt, m.UpdatedAt)
		if m.Form != domain.FormCell {
			checkFormMeeting(t, d, m, today)
			continue
		}
		cell := d.unit(m.CellID)
		if m.MeetingDate.Before(cell.OpenedOn) || (!cell.ClosedOn.IsZero() && m.MeetingDate.After(cell.ClosedOn)) {
			t.Errorf("%s meets on %s, outside %s..%s", cell.Name, m.MeetingDate, cell.OpenedOn, cell.ClosedOn)
		}
		if m.Status != domain.MeetingHeld {
			if len(rows[m.ID]) > 0 || m.MembersTotal != nil {
				t.Errorf("%s meeting %s has attendance", m.Status, m.ID)
			}
			if m.Status == domain.MeetingPlanned && m.MeetingDate.Before(today) { // tonight's meeting is still planned
				t.Errorf("meeting planned on %s, before today", m.MeetingDate)
			}
			continue
		}
		if !m.MeetingDate.Before(today) {
			t.Errorf("meeting held on %s, not before today", m.MeetingDate)
		}
		if m.Type == domain.MeetingRegular && m.MeetingDate.Day() != 3 && m.MeetingDate.Day() != 5 {
			t.Errorf("regular meeting on %s, want the 3rd (or the 5th)", m.MeetingDate)
		}
		if start := m.StartsAt.In(domain.Zone); start.Hour() != 19 || start.Minute() != 30 || m.EndsAt.Sub(*m.StartsAt) < 90*time.Minute {
			t.Errorf("meeting %s runs %v–%v", m.ID, m.StartsAt, m.EndsAt)
		}
		if *m.MembersTotal != *m.MembersFull+*m.MembersProbationary || len(rows[m.ID]) != *m.MembersTotal-*m.MembersExempt {
			t.Errorf("meeting %s: total %d = full %d + probationary %d, exempt %d, %d attendance rows", m.ID,
				*m.MembersTotal, *m.MembersFull, *m.MembersProbationary, *m.MembersExempt, len(rows[m.ID]))
		}
		if m.ChairName == "" || m.SecretaryName == "" || m.ChairMemberID == nil || cellOf[*m.ChairMemberID] != m.CellID {
			t.Errorf("meeting %s: chair %q, minute-taker %q", m.ID, m.ChairName, m.SecretaryName)
		}
		for _, a := range rows[m.ID] {
			if cellOf[a.MemberID] != m.CellID {
				t.Errorf("attendance %s: member of another cell", a.ID)
			}
		}
	}

	rb := d.ref.Rubric
	maxPts := map[string]int{}
	for _, c := range rb.Criteria {
		maxPts[c.Code] = c.MaxPoints
	}
	for _, vr := range d.reports {
		stamp("visit report", vr.CreatedAt, vr.UpdatedAt)
		m := meetings[vr.MeetingID]
		if m.Status != domain.MeetingHeld || m.Type != domain.MeetingRegular {
			t.Errorf("report %s on a %s %s meeting", vr.ID, m.Status, m.Type)
		}
		assigned := false
		for _, a := range d.assignments {
			assigned = assigned || (a.OfficialID == vr.OfficialID && a.CellID == m.CellID && !a.StartsOn.After(m.MeetingDate) &&
				(a.EndsOn.IsZero() || !a.EndsOn.Before(m.MeetingDate)))
		}
		if !assigned {
			t.Errorf("report %s by an official not assigned to the cell that day", vr.ID)
		}
		var scores map[string]int
		if err := json.Unmarshal([]byte(vr.Scores), &scores); err != nil {
			t.Fatalf("scores %q: %v", vr.Scores, err)
		}
		total := 0
		for code, p := range scores {
			if mx, ok := maxPts[code]; !ok || p < 0 || p > mx {
				t.Errorf("report %s: %s = %d (max %d, known %v)", vr.ID, code, p, mx, ok)
			}
			total += p
		}
		if len(scores) != len(rb.Criteria) || vr.ScoreTotal == nil || *vr.ScoreTotal != total || vr.Grade != rb.GradeFor(total) {
			t.Errorf("report %s: %d scores summing to %d, total %v, grade %s", vr.ID, len(scores), total, vr.ScoreTotal, vr.Grade)
		}
		var notes demo.NotesDoc
		if err := json.Unmarshal([]byte(vr.Notes), &notes); err != nil || len(notes.Items) != 5 ||
			notes.Items[0].Key != demo.NoteOpening || notes.Items[4].Key != demo.NoteGuidance {
			t.Errorf("report %s notes: %v %s", vr.ID, err, vr.Notes)
		}
		switch vr.Status {
		case demo.ReportSubmitted:
			if vr.SubmittedAt == nil || !vr.SubmittedAt.After(*m.EndsAt) {
				t.Errorf("report %s submitted at %v", vr.ID, vr.SubmittedAt)
			}
		case demo.ReportDraft:
			if vr.SubmittedAt != nil {
				t.Errorf("draft %s has submitted_at", vr.ID)
			}
		default:
			t.Errorf("report %s has status %q", vr.ID, vr.Status)
		}
	}

	answers := map[string][]store.RecommendationAnswer{}
	for _, a := range d.answers {
		answers[a.RecommendationID] = append(answers[a.RecommendationID], a)
	}
	wantVerdict := map[domain.RecStatus]string{domain.RecAnswered: "", domain.RecSentBack: demo.VerdictSentBack,
		domain.RecAccepted: demo.VerdictAccepted, domain.RecResolved: demo.VerdictAccepted}
	for _, r := range d.recs {
		as := answers[r.ID]
		slices.SortFunc(as, func(a, b store.RecommendationAnswer) int { return a.AnsweredAt.Compare(b.AnsweredAt) })
		switch r.Status {
		case domain.RecNew:
			if r.ForwardedAt != nil || len(as) > 0 {
				t.Errorf("new recommendation %s was forwarded or answered", r.ID)
			}
		case domain.RecForwarded:
			if r.ForwardedAt == nil || r.DueOn.IsZero() || len(as) > 0 {
				t.Errorf("forwarded recommendation %s: %v, due %s, %d answers", r.ID, r.ForwardedAt, r.DueOn, len(as))
			}
		default:
			if len(as) == 0 {
				t.Errorf("%s recommendation %s has no answer", r.Status, r.ID)
				continue
			}
			last := as[len(as)-1]
			if last.Verdict != wantVerdict[r.Status] || (last.Verdict == demo.VerdictSentBack) != (last.VerdictReason != "") {
				t.Errorf("%s recommendation %s: last verdict %q, reason %q", r.Status, r.ID, last.Verdict, last.VerdictReason)
			}
		}
		if (r.Status == domain.RecResolved) != (r.ResolvedAt != nil) {
			t.Errorf("recommendation %s is %s with resolved_at %v", r.ID, r.Status, r.ResolvedAt)
		}
		if r.AddresseeOrgUnitID == nil && r.AddresseeText == "" {
			t.Errorf("recommendation %s has no addressee", r.ID)
		}
		// Timestamps run forward: raised, forwarded, answered, verdicts, resolved, updated.
		seq := []time.Time{r.CreatedAt}
		if r.ForwardedAt != nil {
			seq = append(seq, *r.ForwardedAt)
		}
		for _, a := range as {
			seq = append(seq, a.AnsweredAt)
			if a.VerdictAt != nil {
				seq = append(seq, *a.VerdictAt)
			}
		}
		if r.ResolvedAt != nil {
			seq = append(seq, *r.ResolvedAt)
		}
		seq = append(seq, r.UpdatedAt)
		if !slices.IsSortedFunc(seq, func(a, b time.Time) int { return a.Compare(b) }) || r.UpdatedAt.After(now) ||
			(r.AnnouncedAt != nil && r.AnnouncedAt.After(r.UpdatedAt)) {
			t.Errorf("recommendation %s (%s): timestamps out of order: %v", r.ID, r.Status, seq)
		}
	}
	for _, r := range d.ratings {
		stamp("annual rating", r.CreatedAt, r.UpdatedAt)
	}
	for _, n := range d.notes {
		stamp("notification", n.CreatedAt, n.UpdatedAt)
	}
}

// TestEdgeConfigurations generates unusual configurations and checks the invariants on each.
func TestEdgeConfigurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  demo.Config
	}{
		{"one commune of one cell", demo.Config{Communes: 1, CellsPerCommune: 1, MembersPerCell: 5, Officials: 1, Supervisors: 1}},
		{"one month of history", demo.Config{Communes: 2, CellsPerCommune: 3, Months: 1, Officials: 3}},
		{"today before the meeting day", demo.Config{Communes: 2, CellsPerCommune: 4, Months: 3, Officials: 4,
			Today: domain.NewDate(2026, time.March, 2)}},
		{"new year", demo.Config{Communes: 1, CellsPerCommune: 5, Months: 2, Officials: 3, Today: domain.NewDate(2026, time.January, 4)}},
		{"meeting day", demo.Config{Communes: 2, CellsPerCommune: 4, Months: 5, Officials: 4, Today: domain.NewDate(2026, time.July, 3)}},
		{"before the 2025 reorganisation", demo.Config{Communes: 2, CellsPerCommune: 4, Months: 6, Officials: 5,
			Today: domain.NewDate(2024, time.November, 20)}},
		{"long history, tiny cells", demo.Config{Communes: 1, CellsPerCommune: 4, MembersPerCell: 3, Months: 36, Officials: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.cfg.Today.IsZero() {
				tc.cfg.Today = today
			}
			tc.cfg.Seed, tc.cfg.PasswordHash = 11, hash(t)
			db := testdb.New(t)
			sum, err := demo.Generate(context.Background(), db, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, load(t, db, sum), tc.cfg.Today)
		})
	}
}
