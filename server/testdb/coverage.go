package testdb

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// CoverageFixture is a small province built by hand for the coverage tests, whose figures over the fourth
// quarter of 2026 (CoverageFrom..CoverageTo, today CoverageToday) are worked out on paper in the tests. Every
// schedule follows the default rule (the 3rd, thematic in December, reports due 3 days after) except cell B's
// (the 10th, reports due 5 days after).
//
//	Province
//	├── Commune C1
//	│   ├── A  o1 monthly since 2026-01-01. Aug 3, Sep 3 held (before the period); Oct 3 held, o1 reported on time
//	│   │      (grade Tốt); Nov moved to the 7th, held, o1 reported late (Khá); Dec 3 held, o1 checked in, report
//	│   │      a draft. 5 members, 1 exempt; member "Lê Văn Vắng" absent with reason Aug–Dec (5 in a row).
//	│   ├── B  o2 monthly 2026-01-01..2026-11-15 (ended), o3 2 visits a year since 2026-01-01. Oct 10 held, o2 reported
//	│   │      on the due day at 20:00 (Trung bình); no meeting at all in November; Dec 10 held, o3 reported late (Kém).
//	│   ├── D  opened 2026-11-20; o1 monthly since 2026-11-01. Dec 3 held, nobody came.
//	│   └── E  nobody assigned. Oct 3 held.
//	└── Commune C2
//	    └── X  o3 monthly since 2026-10-01. Jul–Sep held (before the period); Oct cancelled (floods); Nov 3 held,
//	           o3 reported on time (Tốt); Dec 3 still planned. 7 members, 2 exempt; "Trần Thị Xa" absent with
//	           reason Jul, Aug, Sep, Nov (4 held meetings in a row).
//
// The cross-checks (issue #13): cell A meets at 16.75 N, 107.19 E. sec1 confirmed o1 at A in October; o1 checked
// in at A in November 0.0005° (about 56 m) north of it, unconfirmed; A in December unconfirmed, no position. B in
// October: o2 disputed ("Đến muộn, về sớm"); B in December: o3 confirmed. X in November: o3 unconfirmed. So the
// verified visits are A Oct, A Nov and B Dec; no visit clashes (each official's visits are on different days).
//
// Users (password unset): root (admin of everything), sup1 (supervisor of C1), admin2 (admin of C2), o1, o2, o3
// (officials; off1 with a grant over C1; o1, o2, o3 above are off1, off2, off3), sec1 (secretary of A).
type CoverageFixture struct {
	DB                   *store.DB
	Province, C1, C2     *store.OrgUnit
	A, B, D, E, X        *store.OrgUnit
	Users                map[string]*store.User
	MeetingA             map[string]*store.Meeting // by month "2026-10"
	AbsentA, AbsentX     *store.Member
	AttendanceA          map[string][]*store.Attendance // by month
	AssignB1             *store.Assignment
	ReportAOct, ReportXN *store.VisitReport
	// ReportANov is o1's visit of A in November (checked in near A's position, unconfirmed).
	ReportANov *store.VisitReport
}

// The fixture's period and day.
var (
	CoverageFrom  = domain.NewDate(2026, time.October, 1)
	CoverageTo    = domain.NewDate(2026, time.December, 31)
	CoverageToday = domain.NewDate(2027, time.January, 10)
)

// NewCoverageFixture builds the fixture in a fresh database.
func NewCoverageFixture(t testing.TB) *CoverageFixture {
	t.Helper()
	f := &CoverageFixture{DB: New(t), Users: map[string]*store.User{}, MeetingA: map[string]*store.Meeting{},
		AttendanceA: map[string][]*store.Attendance{}}
	ctx := context.Background()
	d := func(m time.Month, day int) domain.Date { return domain.NewDate(2026, m, day) }
	at := func(day domain.Date, h int) *time.Time {
		x := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, domain.Zone).UTC()
		return &x
	}
	err := f.DB.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := store.Now()
		ins := func(row any) {
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				t.Fatalf("insert %T: %v", row, err)
			}
		}
		base := func() store.Base { return store.Base{ID: domain.NewID(), CreatedAt: now, UpdatedAt: now} }
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit, opened domain.Date) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind, OpenedOn: opened}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		f.Province = unit("Đảng bộ tỉnh Thử Nghiệm", domain.KindProvince, nil, domain.Date{})
		f.C1 = unit("Đảng bộ xã Một", domain.KindCommune, f.Province, domain.Date{})
		f.C2 = unit("Đảng bộ xã Hai", domain.KindCommune, f.Province, domain.Date{})
		f.A = unit("Chi bộ thôn A", domain.KindCell, f.C1, domain.Date{})
		f.B = unit("Chi bộ thôn B", domain.KindCell, f.C1, domain.Date{})
		f.D = unit("Chi bộ thôn D", domain.KindCell, f.C1, d(time.November, 20))
		f.E = unit("Chi bộ thôn E", domain.KindCell, f.C1, domain.Date{})
		f.X = unit("Chi bộ khu phố X", domain.KindCell, f.C2, domain.Date{})
		rule := domain.DefaultScheduleRule()
		rule.DayOfMonth, rule.ReportDueDays = 10, 5
		if _, err := store.PutScheduleRule(ctx, tx, f.B, rule); err != nil {
			t.Fatal(err)
		}
		user := func(name string, role domain.Role, over *store.OrgUnit) *store.User {
			u := &store.User{Username: name, DisplayName: "Cán bộ " + name, Title: "Ủy viên", PasswordHash: "x", Active: true}
			if err := store.CreateUser(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			if role != "" {
				g := &store.RoleGrant{UserID: u.ID, Role: role}
				if over != nil {
					g.OrgUnitID = &over.ID
				}
				if err := store.CreateGrant(ctx, tx, g); err != nil {
					t.Fatal(err)
				}
			}
			f.Users[name] = u
			return u
		}
		user("root", domain.RoleAdmin, nil)
		user("sup1", domain.RoleSupervisor, f.C1)
		user("admin2", domain.RoleAdmin, f.C2)
		o1 := user("off1", domain.RoleOfficial, f.C1)
		o2 := user("off2", "", nil)
		o3 := user("off3", "", nil)
		user("sec1", domain.RoleSecretary, f.A)
		assign := func(o *store.User, cell *store.OrgUnit, from, to domain.Date, perYear int, st domain.AssignmentStatus) *store.Assignment {
			a := &store.Assignment{Base: base(), OfficialID: o.ID, CellID: cell.ID, StartsOn: from, EndsOn: to,
				Frequency: domain.FrequencyMonthly, VisitsPerYear: 12, Status: st}
			if perYear > 0 {
				a.Frequency, a.VisitsPerYear = domain.FrequencyYearly, perYear
			}
			ins(a)
			return a
		}
		assign(o1, f.A, d(time.January, 1), domain.Date{}, 0, domain.AssignmentActive)
		f.AssignB1 = assign(o2, f.B, d(time.January, 1), d(time.November, 15), 0, domain.AssignmentEnded)
		assign(o3, f.B, d(time.January, 1), domain.Date{}, 2, domain.AssignmentActive)
		assign(o1, f.D, d(time.November, 1), domain.Date{}, 0, domain.AssignmentActive)
		assign(o3, f.X, d(time.October, 1), domain.Date{}, 0, domain.AssignmentActive)
		// A cancelled assignment counts for nothing.
		assign(o2, f.E, d(time.January, 1), domain.Date{}, 0, domain.AssignmentCancelled)

		members := func(cell *store.OrgUnit, names ...string) []*store.Member {
			var out []*store.Member
			for _, n := range names {
				m := &store.Member{CellID: cell.ID, FullName: n}
				if err := store.CreateMember(ctx, tx, m); err != nil {
					t.Fatal(err)
				}
				out = append(out, m)
			}
			return out
		}
		mA := members(f.A, "Lê Văn Vắng", "Nguyễn Văn Hai", "Nguyễn Văn Ba", "Nguyễn Văn Bốn")
		f.AbsentA = mA[0]
		mB := members(f.B, "Phạm Thị Một", "Phạm Thị Hai", "Phạm Thị Ba", "Phạm Thị Bốn")
		mD := members(f.D, "Đỗ Văn Một", "Đỗ Văn Hai", "Đỗ Văn Ba")
		mE := members(f.E, "Hồ Văn Một", "Hồ Văn Hai")
		mX := members(f.X, "Trần Thị Xa", "Trần Văn Hai", "Trần Văn Ba", "Trần Văn Bốn", "Trần Văn Năm")
		f.AbsentX = mX[0]

		meeting := func(cell *store.OrgUnit, day domain.Date, st domain.MeetingStatus, total, exempt int) *store.Meeting {
			typ := domain.MeetingRegular
			if day.Month() == time.December || day.Month() == time.September {
				typ = domain.MeetingThematic
			}
			m := &store.Meeting{Base: base(), CellID: cell.ID, MeetingDate: day, Type: typ, Mode: domain.MeetingInPerson, Status: st}
			if st == domain.MeetingHeld {
				m.MembersTotal, m.MembersExempt = &total, &exempt
			}
			ins(m)
			return m
		}
		// attend records the members' attendance: "p" present, "e" excused, "u" unexcused, in order.
		attend := func(m *store.Meeting, ms []*store.Member, marks string) []*store.Attendance {
			var out []*store.Attendance
			for i, c := range marks {
				a := &store.Attendance{Base: base(), MeetingID: m.ID, MemberID: ms[i].ID,
					Status: map[rune]domain.AttendanceStatus{'p': domain.AttendPresent, 'e': domain.AttendExcused, 'u': domain.AttendUnexcused}[c]}
				if c == 'e' {
					a.Reason = "Đi làm ăn xa"
				}
				ins(a)
				out = append(out, a)
			}
			return out
		}
		report := func(m *store.Meeting, o *store.User, submitted *time.Time, grade domain.Grade) *store.VisitReport {
			r := &store.VisitReport{Base: base(), MeetingID: m.ID, OfficialID: o.ID, Status: "draft", CheckedInAt: at(m.MeetingDate, 8),
				Notes: domain.JSONText("{}"), Scores: domain.JSONText("{}"), Grade: grade}
			if submitted != nil {
				r.Status, r.SubmittedAt = "submitted", submitted
			}
			ins(r)
			return r
		}
		// Cell A.
		for _, mo := range []time.Month{time.August, time.September} {
			m := meeting(f.A, d(mo, 3), domain.MeetingHeld, 5, 1)
			attend(m, mA, "eppp")
		}
		f.MeetingA["2026-10"] = meeting(f.A, d(time.October, 3), domain.MeetingHeld, 5, 1)
		f.AttendanceA["2026-10"] = attend(f.MeetingA["2026-10"], mA, "eppp")
		f.ReportAOct = report(f.MeetingA["2026-10"], o1, at(d(time.October, 5), 9), domain.GradeGood)
		f.MeetingA["2026-11"] = meeting(f.A, d(time.November, 7), domain.MeetingHeld, 5, 1)
		f.AttendanceA["2026-11"] = attend(f.MeetingA["2026-11"], mA, "eppp")
		f.ReportANov = report(f.MeetingA["2026-11"], o1, at(d(time.November, 12), 10), domain.GradeFair)
		f.MeetingA["2026-12"] = meeting(f.A, d(time.December, 3), domain.MeetingHeld, 5, 1)
		f.AttendanceA["2026-12"] = attend(f.MeetingA["2026-12"], mA, "eppu")
		report(f.MeetingA["2026-12"], o1, nil, domain.GradeWeak) // a draft: its grade does not count
		// Cell B.
		m := meeting(f.B, d(time.October, 10), domain.MeetingHeld, 4, 0)
		attend(m, mB, "pppp")
		report(m, o2, at(d(time.October, 15), 20), domain.GradeAverage)
		m = meeting(f.B, d(time.December, 10), domain.MeetingHeld, 4, 0)
		attend(m, mB, "eppp")
		report(m, o3, at(d(time.December, 20), 9), domain.GradeWeak)
		// Cell D: the November meeting was before it opened (not expected); December's had no visitor.
		m = meeting(f.D, d(time.December, 3), domain.MeetingHeld, 3, 0)
		attend(m, mD, "ppp")
		// Cell E.
		m = meeting(f.E, d(time.October, 3), domain.MeetingHeld, 2, 0)
		attend(m, mE, "pp")
		// Cell X.
		for _, mo := range []time.Month{time.July, time.August, time.September} {
			m := meeting(f.X, d(mo, 3), domain.MeetingHeld, 7, 2)
			attend(m, mX, "epppp")
		}
		meeting(f.X, d(time.October, 3), domain.MeetingCancelled, 0, 0)
		m = meeting(f.X, d(time.November, 3), domain.MeetingHeld, 7, 2)
		attend(m, mX, "epppu")
		f.ReportXN = report(m, o3, at(d(time.November, 4), 16), domain.GradeGood)
		meeting(f.X, d(time.December, 3), domain.MeetingPlanned, 0, 0)

		// The cross-checks.
		sec1 := f.Users["sec1"]
		ins(&store.CellPosition{Base: store.Base{ID: wire.PositionID(f.A.ID), CreatedAt: now, UpdatedAt: now}, CellID: f.A.ID,
			Latitude: 16.75, Longitude: 107.19, SetBy: &sec1.ID, SetAt: &now})
		lat, lon := 16.7505, 107.19
		if _, err := tx.NewUpdate().Model(f.ReportANov).Set("latitude = ?, longitude = ?", lat, lon).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		f.ReportANov.Latitude, f.ReportANov.Longitude = &lat, &lon
		confirm := func(m *store.Meeting, o *store.User, st domain.ConfirmStatus, reason string) {
			ins(&store.VisitConfirmation{Base: store.Base{ID: wire.ConfirmationID(m.ID, o.ID), CreatedAt: now, UpdatedAt: now},
				MeetingID: m.ID, OfficialID: o.ID, Status: st, Reason: reason, ConfirmedBy: &sec1.ID, ConfirmedAt: &now})
		}
		confirm(f.MeetingA["2026-10"], o1, domain.ConfirmConfirmed, "")
		var bMeetings []*store.Meeting
		if err := tx.NewSelect().Model(&bMeetings).Where("cell_id = ?", f.B.ID).OrderExpr("meeting_date").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		confirm(bMeetings[0], o2, domain.ConfirmDisputed, "Đến muộn, về sớm")
		confirm(bMeetings[1], o3, domain.ConfirmConfirmed, "")
		// The rows above bypassed the change log (and its hook): compute the checks once.
		if err := store.RebuildChecks(ctx, tx); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}
