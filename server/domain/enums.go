package domain

import "slices"

// Role is what a role grant lets a user do within the org subtree it covers.
type Role string

// The roles. A grant pairs a role with the org unit whose subtree it covers.
const (
	// RoleAdmin manages the org tree, rosters, users and grants of its subtree.
	RoleAdmin Role = "admin"
	// RoleSupervisor (Ban Tổ chức, Ban Thường vụ) reads its whole subtree, assigns officials and tracks
	// recommendations.
	RoleSupervisor Role = "supervisor"
	// RoleOfficial (cấp ủy viên cấp trên) attends the meetings of the cells it is assigned to and reads only those.
	RoleOfficial Role = "official"
	// RoleSecretary (bí thư chi bộ) keeps the roster and meetings of its own cell.
	RoleSecretary Role = "secretary"
	// RoleResponder answers, in writing, the recommendations forwarded to an org unit of its subtree (a commune
	// People's Committee, a department). It reads those recommendations and nothing else of the subtree.
	RoleResponder Role = "responder"
)

// Roles lists every role, in display order.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleOfficial, RoleSecretary, RoleResponder}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return oneOf(r, Roles) }

// OrgKind is the kind of a node in the organisation tree. The tree has any depth, so both the structure before
// 1 July 2025 (with districts) and the one after it fit.
type OrgKind string

// The org unit kinds, from the top of the tree down.
const (
	KindProvince   OrgKind = "province"    // đảng bộ tỉnh, thành phố
	KindDistrict   OrgKind = "district"    // đảng bộ huyện (before 2025)
	KindCommune    OrgKind = "commune"     // đảng bộ xã, phường, đặc khu
	KindGrassroots OrgKind = "grassroots"  // đảng bộ cơ sở, chi bộ cơ sở
	KindCell       OrgKind = "cell"        // chi bộ (trực thuộc)
	KindPartyGroup OrgKind = "party_group" // tổ đảng
)

// OrgKinds lists every org unit kind.
var OrgKinds = []OrgKind{KindProvince, KindDistrict, KindCommune, KindGrassroots, KindCell, KindPartyGroup}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool { return oneOf(k, OrgKinds) }

// CanBeUnder reports whether a unit of kind k may sit directly under one of kind parent. Kinds only go down the
// tree, in the order of OrgKinds, skipping levels as the structure allows (a commune straight under a province
// since 2025, a cell under a district's grassroots unit or under a commune); a party group belongs to a cell
// only. A root may be of any kind (an installation may cover one commune).
func (k OrgKind) CanBeUnder(parent OrgKind) bool {
	if k == KindPartyGroup {
		return parent == KindCell
	}
	ki, pi := slices.Index(OrgKinds, k), slices.Index(OrgKinds, parent)
	return ki >= 0 && pi >= 0 && pi < ki && parent != KindPartyGroup
}

// Membership is a member's standing: full (chính thức) or probationary (dự bị).
type Membership string

// The memberships.
const (
	MembershipFull         Membership = "full"
	MembershipProbationary Membership = "probationary"
)

// Valid reports whether m is known.
func (m Membership) Valid() bool { return m == MembershipFull || m == MembershipProbationary }

// MemberStatus says whether a member takes part in meetings, and why not.
type MemberStatus string

// The member statuses that matter for attendance.
const (
	StatusActive      MemberStatus = "active"      // sinh hoạt bình thường
	StatusExempt      MemberStatus = "exempt"      // miễn sinh hoạt (age, health): left out of rates
	StatusTempExempt  MemberStatus = "temp_exempt" // tạm miễn (working away < 12 months), with an end date
	StatusTransferred MemberStatus = "transferred" // chuyển sinh hoạt đi
	StatusDeceased    MemberStatus = "deceased"    // từ trần
)

// MemberStatuses lists every member status.
var MemberStatuses = []MemberStatus{StatusActive, StatusExempt, StatusTempExempt, StatusTransferred, StatusDeceased}

// Valid reports whether s is known.
func (s MemberStatus) Valid() bool { return oneOf(s, MemberStatuses) }

// OnRoll reports whether a member with this status still belongs to the cell's roll (transferred and deceased
// members are kept for history but no longer counted).
func (s MemberStatus) OnRoll() bool { return s != StatusTransferred && s != StatusDeceased }

// Gender as recorded on the roster.
type Gender string

// The genders; empty means not recorded.
const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
)

// Valid reports whether g is known or empty.
func (g Gender) Valid() bool { return g == "" || g == GenderMale || g == GenderFemale }

// MeetingType is the type of a cell meeting.
type MeetingType string

// The meeting types.
const (
	MeetingRegular       MeetingType = "regular"       // thường kỳ
	MeetingThematic      MeetingType = "thematic"      // chuyên đề
	MeetingExtraordinary MeetingType = "extraordinary" // bất thường
)

// Valid reports whether t is known.
func (t MeetingType) Valid() bool {
	return oneOf(t, []MeetingType{MeetingRegular, MeetingThematic, MeetingExtraordinary})
}

// MeetingForm is the form of a meeting: a cell's own meeting, or one of the commune's other meetings where cells'
// matters are reported and recommendations raised.
type MeetingForm string

// The meeting forms.
const (
	FormCell      MeetingForm = "cell"      // sinh hoạt chi bộ
	FormBriefing  MeetingForm = "briefing"  // giao ban bí thư chi bộ (by commune, or by zone in rotation)
	FormDialogue  MeetingForm = "dialogue"  // đối thoại of the standing committee with secretaries, members, citizens
	FormCommittee MeetingForm = "committee" // hội nghị Đảng ủy xã mở rộng
)

// MeetingForms lists every meeting form in display order.
var MeetingForms = []MeetingForm{FormCell, FormBriefing, FormDialogue, FormCommittee}

// Valid reports whether f is known.
func (f MeetingForm) Valid() bool { return oneOf(f, MeetingForms) }

// AddresseeKind is what kind of body an addressee of recommendations is.
type AddresseeKind string

// The addressee kinds.
const (
	AddrParty      AddresseeKind = "party"       // a party unit or committee: Đảng ủy, Ban Thường vụ, chi bộ
	AddrPartyBoard AddresseeKind = "party_board" // a board of the party committee: Ban Tổ chức, Ban Tuyên giáo và Dân vận, UBKT
	AddrGovernment AddresseeKind = "government"  // UBND, its offices and departments (Sở …)
	AddrCouncil    AddresseeKind = "council"     // HĐND and its boards
	AddrFront      AddresseeKind = "front"       // Ủy ban MTTQ and the mass organisations
	AddrPolice     AddresseeKind = "police"      // Công an
	AddrEnterprise AddresseeKind = "enterprise"  // Điện lực, cấp nước, other enterprises that answer
	AddrOther      AddresseeKind = "other"
)

// AddresseeKinds lists every addressee kind in display order.
var AddresseeKinds = []AddresseeKind{AddrParty, AddrPartyBoard, AddrGovernment, AddrCouncil, AddrFront, AddrPolice, AddrEnterprise, AddrOther}

// Valid reports whether k is known.
func (k AddresseeKind) Valid() bool { return oneOf(k, AddresseeKinds) }

// AddresseeLevel is the administrative level of an addressee (after the 2025 reform: province and commune; the
// district level stays for history and the bodies that kept it, like an electricity branch).
type AddresseeLevel string

// The addressee levels, highest first.
const (
	LevelCentral  AddresseeLevel = "central"
	LevelProvince AddresseeLevel = "province"
	LevelDistrict AddresseeLevel = "district"
	LevelCommune  AddresseeLevel = "commune"
)

// AddresseeLevels lists every level, highest first.
var AddresseeLevels = []AddresseeLevel{LevelCentral, LevelProvince, LevelDistrict, LevelCommune}

// Valid reports whether l is known.
func (l AddresseeLevel) Valid() bool { return oneOf(l, AddresseeLevels) }

// MeetingStatus is where a meeting stands.
type MeetingStatus string

// The meeting statuses.
const (
	MeetingPlanned   MeetingStatus = "planned"
	MeetingHeld      MeetingStatus = "held"
	MeetingCancelled MeetingStatus = "cancelled"
)

// Valid reports whether s is known.
func (s MeetingStatus) Valid() bool {
	return oneOf(s, []MeetingStatus{MeetingPlanned, MeetingHeld, MeetingCancelled})
}

// AttendanceStatus is one member's attendance at one meeting.
type AttendanceStatus string

// The attendance statuses of the minutes template.
const (
	AttendPresent   AttendanceStatus = "present"   // có mặt
	AttendExcused   AttendanceStatus = "excused"   // vắng có lý do
	AttendUnexcused AttendanceStatus = "unexcused" // vắng không lý do
)

// Valid reports whether s is known.
func (s AttendanceStatus) Valid() bool {
	return oneOf(s, []AttendanceStatus{AttendPresent, AttendExcused, AttendUnexcused})
}

// Grade is the monthly meeting quality grade.
type Grade string

// The grades; empty means not graded.
const (
	GradeGood    Grade = "tot"        // Tốt
	GradeFair    Grade = "kha"        // Khá
	GradeAverage Grade = "trung_binh" // Trung bình
	GradeWeak    Grade = "kem"        // Kém
)

// Valid reports whether g is known or empty.
func (g Grade) Valid() bool {
	return g == "" || oneOf(g, []Grade{GradeGood, GradeFair, GradeAverage, GradeWeak})
}

// RecStatus is where a recommendation (kiến nghị) stands in the Gia Lộc loop.
type RecStatus string

// The recommendation statuses.
const (
	RecNew       RecStatus = "new"       // collected
	RecForwarded RecStatus = "forwarded" // sent to the addressee with a due date
	RecAnswered  RecStatus = "answered"  // written answer received
	RecSentBack  RecStatus = "sent_back" // answer not satisfactory, a new answer is due
	RecAccepted  RecStatus = "accepted"  // answer accepted
	RecResolved  RecStatus = "resolved"  // the matter is settled
)

// RecStatuses lists every recommendation status in loop order.
var RecStatuses = []RecStatus{RecNew, RecForwarded, RecAnswered, RecSentBack, RecAccepted, RecResolved}

// Valid reports whether s is known.
func (s RecStatus) Valid() bool { return oneOf(s, RecStatuses) }

// Open reports whether a recommendation in status s still waits for an (acceptable) answer: a due date that has
// passed makes it overdue.
func (s RecStatus) Open() bool { return s == RecNew || s == RecForwarded || s == RecSentBack }

// The steps of the recommendation loop, as recorded in its history.
const (
	RecActionForward  = "forward"   // new or forwarded → forwarded
	RecActionAnswer   = "answer"    // forwarded or sent_back → answered
	RecActionAccept   = "accept"    // answered → accepted
	RecActionSendBack = "send_back" // answered → sent_back
	RecActionResolve  = "resolve"   // accepted → resolved
	RecActionAnnounce = "announce"  // accepted or resolved, status kept; once
	// RecActionDirect records the standing committee's direction (chỉ đạo) on an open recommendation, before or
	// with forwarding; the status is kept.
	RecActionDirect = "direct"
	// RecActionEscalate passes a forwarded (or sent back) recommendation up to a higher addressee when the body
	// answers that it is beyond its competence (thuộc thẩm quyền cấp trên): forwarded again, history kept.
	RecActionEscalate = "escalate"
	// RecActionConfirm is the cell secretary's confirmation on the ground that the matter is settled: accepted →
	// resolved.
	RecActionConfirm = "confirm"
)

// recTransitions lists, for each step, the statuses it may start from and the status it leads to.
var recTransitions = map[string]struct {
	from []RecStatus
	to   RecStatus
}{
	RecActionForward:  {[]RecStatus{RecNew, RecForwarded}, RecForwarded},
	RecActionAnswer:   {[]RecStatus{RecForwarded, RecSentBack}, RecAnswered},
	RecActionAccept:   {[]RecStatus{RecAnswered}, RecAccepted},
	RecActionSendBack: {[]RecStatus{RecAnswered}, RecSentBack},
	RecActionResolve:  {[]RecStatus{RecAccepted}, RecResolved},
	RecActionAnnounce: {[]RecStatus{RecAccepted, RecResolved}, ""},
	RecActionDirect:   {[]RecStatus{RecNew, RecForwarded, RecSentBack}, ""},
	RecActionEscalate: {[]RecStatus{RecForwarded, RecSentBack}, RecForwarded},
	RecActionConfirm:  {[]RecStatus{RecAccepted}, RecResolved},
}

// RecTransition returns the status a step (one of the RecAction* constants) leads to from status from, or an
// invalid_transition error naming both. Announcing keeps the status.
func RecTransition(action string, from RecStatus) (RecStatus, error) {
	t, ok := recTransitions[action]
	if !ok || !oneOf(from, t.from) {
		to := string(t.to)
		if to == "" {
			to = "announced"
		}
		return "", E(CodeInvalidTransition, "rec.invalid_transition", "from", "@rec.status."+string(from), "to", "@rec.status."+to)
	}
	if t.to == "" {
		return from, nil
	}
	return t.to, nil
}

// AssignmentStatus is where an assignment stands.
type AssignmentStatus string

// The assignment statuses.
const (
	AssignmentActive    AssignmentStatus = "active"
	AssignmentEnded     AssignmentStatus = "ended"
	AssignmentCancelled AssignmentStatus = "cancelled"
)

// Valid reports whether s is known.
func (s AssignmentStatus) Valid() bool {
	return oneOf(s, []AssignmentStatus{AssignmentActive, AssignmentEnded, AssignmentCancelled})
}

// Frequency is how often an assignment asks the official to attend.
type Frequency string

// The frequencies: every month, or a number of visits a year.
const (
	FrequencyMonthly Frequency = "monthly"
	FrequencyYearly  Frequency = "per_year"
)

// Valid reports whether f is known.
func (f Frequency) Valid() bool { return f == FrequencyMonthly || f == FrequencyYearly }

func oneOf[T comparable](v T, list []T) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

// The ways a meeting is held (the meetings.mode column).
const (
	MeetingInPerson = "in_person"
	MeetingOnline   = "online"
)

// The states of an official's visit report (the visit_reports.status column).
const (
	ReportDraft     = "draft"
	ReportSubmitted = "submitted"
)

// The urgencies of a recommendation (the recommendations.urgency column).
const (
	UrgencyNormal = "normal"
	UrgencyUrgent = "urgent"
)

// The verdicts on a recommendation's answer (the recommendation_answers.verdict column; "" while none).
const (
	VerdictAccepted = "accepted"
	VerdictSentBack = "sent_back"
)

// ConfirmStatus is a cell secretary's word on a visiting official's presence at a meeting.
type ConfirmStatus string

// The confirmation statuses; no row means not confirmed (yet).
const (
	ConfirmConfirmed ConfirmStatus = "confirmed" // xác nhận có dự
	ConfirmDisputed  ConfirmStatus = "disputed"  // không xác nhận, with a reason
)

// Valid reports whether s is known.
func (s ConfirmStatus) Valid() bool {
	return oneOf(s, []ConfirmStatus{ConfirmConfirmed, ConfirmDisputed})
}

// FileKind is what a meeting's photo or document shows.
type FileKind string

// The file kinds.
const (
	FileAttendanceSheet FileKind = "attendance_sheet" // danh sách ký tên dự họp
	FileMinutesPage     FileKind = "minutes_page"     // trang sổ biên bản
	FileMaterial        FileKind = "material"         // tài liệu sinh hoạt chuyên đề
	FileOther           FileKind = "other"            // khác
)

// FileKinds lists the file kinds in display order.
var FileKinds = []FileKind{FileAttendanceSheet, FileMinutesPage, FileMaterial, FileOther}

// Valid reports whether k is known.
func (k FileKind) Valid() bool { return oneOf(k, FileKinds) }

// FileMimes are the content types a meeting's file may have: photos, and PDF.
var FileMimes = []string{"image/jpeg", "image/webp", "image/png", "application/pdf"}

// Limits of a meeting's files: the bytes of one file and the files of one meeting (the app compresses a photo to
// about 300 KB, so these bound a misbehaving client, not a user).
const (
	MaxFileBytes       = 10 << 20
	MaxFilesPerMeeting = 30
)
