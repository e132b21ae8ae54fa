package store

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// OrgUnit is a node of the organisation tree: a province, commune, grassroots organisation, cell or party group.
// Path is "/" followed by "id/" for each unit from the root down to this one, so a subtree is one index range.
type OrgUnit struct {
	bun.BaseModel `bun:"table:org_units,alias:ou"`
	Base
	ParentID *string        `bun:"parent_id" json:"parent_id"`
	Kind     domain.OrgKind `bun:"kind,notnull" json:"kind"`
	Code     string         `bun:"code,notnull" json:"code"`
	Name     string         `bun:"name,notnull" json:"name"`
	NameFold string         `bun:"name_fold,notnull" json:"-"`
	Path     string         `bun:"path,notnull" json:"-"`
	Depth    int            `bun:"depth,notnull" json:"depth"`
	OpenedOn domain.Date    `bun:"opened_on,type:date" json:"opened_on"`
	ClosedOn domain.Date    `bun:"closed_on,type:date" json:"closed_on"`
	Address  string         `bun:"address,notnull" json:"address"`
	// ZoneID is the zone (khu, cụm) of the commune a cell belongs to for the monthly briefing, if any.
	ZoneID *string `bun:"zone_id" json:"zone_id"`
}

// Zone is a group of a commune's cells whose secretaries meet for the monthly briefing (giao ban), hosted in
// rotation by one of its cells. A cell's zone is OrgUnit.ZoneID.
type Zone struct {
	bun.BaseModel `bun:"table:zones,alias:zn"`
	Base
	CommuneID string `bun:"commune_id,notnull" json:"commune_id"`
	Name      string `bun:"name,notnull" json:"name"`
	SortOrder int    `bun:"sort_order,notnull" json:"sort_order"`
}

// Member is a party member on a cell's roll.
type Member struct {
	bun.BaseModel `bun:"table:members,alias:m"`
	Base
	CellID              string              `bun:"cell_id,notnull" json:"cell_id"`
	FullName            string              `bun:"full_name,notnull" json:"full_name"`
	NameFold            string              `bun:"name_fold,notnull" json:"-"`
	BirthYear           *int                `bun:"birth_year" json:"birth_year"`
	Gender              domain.Gender       `bun:"gender,notnull" json:"gender"`
	CardNumber          *string             `bun:"card_number" json:"card_number"`
	Membership          domain.Membership   `bun:"membership,notnull" json:"membership"`
	Status              domain.MemberStatus `bun:"status,notnull" json:"status"`
	TempExemptUntil     domain.Date         `bun:"temp_exempt_until,type:date" json:"temp_exempt_until"`
	TemporarilyAttached bool                `bun:"temporarily_attached,notnull" json:"temporarily_attached"`
	CellRole            string              `bun:"cell_role,notnull" json:"cell_role"`
	JoinedOn            domain.Date         `bun:"joined_on,type:date" json:"joined_on"`
	OfficialOn          domain.Date         `bun:"official_on,type:date" json:"official_on"`
	StatusNote          string              `bun:"status_note,notnull" json:"status_note"`
}

// User is a person who logs in: an admin, a supervisor, a visiting official or a cell secretary. HomeOrgUnitID is
// the unit the user belongs to; admins of that unit's subtree manage the account.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`
	Base
	Username      string     `bun:"username,notnull" json:"username"`
	DisplayName   string     `bun:"display_name,notnull" json:"display_name"`
	NameFold      string     `bun:"name_fold,notnull" json:"-"`
	Phone         string     `bun:"phone,notnull" json:"phone"`
	Title         string     `bun:"title,notnull" json:"title"`
	PasswordHash  string     `bun:"password_hash,notnull" json:"-"`
	Active        bool       `bun:"active,notnull" json:"active"`
	Locale        string     `bun:"locale,notnull" json:"locale"`
	HomeOrgUnitID *string    `bun:"home_org_unit_id" json:"home_org_unit_id"`
	FailedLogins  int        `bun:"failed_logins,notnull" json:"-"`
	LockedUntil   *time.Time `bun:"locked_until" json:"-"`
	LastLoginAt   *time.Time `bun:"last_login_at" json:"last_login_at,omitempty"`
	// MustChangePassword makes the user choose a new password before doing anything else (set by an admin).
	// Not synced: UserView shows it to the user and the admins.
	MustChangePassword bool `bun:"must_change_password,notnull" json:"-"`
}

// RoleGrant gives a user a role over the subtree of an org unit; a nil OrgUnitID (admins only) covers everything.
type RoleGrant struct {
	bun.BaseModel `bun:"table:role_grants,alias:rg"`
	Base
	UserID    string      `bun:"user_id,notnull" json:"user_id"`
	Role      domain.Role `bun:"role,notnull" json:"role"`
	OrgUnitID *string     `bun:"org_unit_id" json:"org_unit_id"`
	// ValidFrom and ValidTo bound the days the grant holds (both included); zero means no bound. A grant outside
	// its period gives nothing (LoadPrincipal).
	ValidFrom domain.Date `bun:"valid_from,type:date" json:"valid_from"`
	ValidTo   domain.Date `bun:"valid_to,type:date" json:"valid_to"`
}

// RefreshToken is one link of a rotating refresh-token family. Only a hash of the token is stored.
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`
	ID            string     `bun:"id,pk"`
	FamilyID      string     `bun:"family_id,notnull"`
	UserID        string     `bun:"user_id,notnull"`
	TokenHash     string     `bun:"token_hash,notnull"`
	UserAgent     string     `bun:"user_agent,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	ExpiresAt     time.Time  `bun:"expires_at,notnull"`
	UsedAt        *time.Time `bun:"used_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

// Assignment sends an official to attend a cell's meetings over a period (phân công dự sinh hoạt).
type Assignment struct {
	bun.BaseModel `bun:"table:assignments,alias:a"`
	Base
	OfficialID     string                  `bun:"official_id,notnull" json:"official_id"`
	CellID         string                  `bun:"cell_id,notnull" json:"cell_id"`
	StartsOn       domain.Date             `bun:"starts_on,type:date,notnull" json:"starts_on"`
	EndsOn         domain.Date             `bun:"ends_on,type:date" json:"ends_on"`
	Frequency      domain.Frequency        `bun:"frequency,notnull" json:"frequency"`
	VisitsPerYear  int                     `bun:"visits_per_year,notnull" json:"visits_per_year"`
	Status         domain.AssignmentStatus `bun:"status,notnull" json:"status"`
	Note           string                  `bun:"note,notnull" json:"note"`
	AcknowledgedAt *time.Time              `bun:"acknowledged_at" json:"acknowledged_at"`
	CreatedBy      *string                 `bun:"created_by" json:"created_by"`
	// DecisionNumber and DecisionDate name the standing committee's decision that made the assignment (set by an
	// import of users from a decision's list; empty otherwise).
	DecisionNumber string      `bun:"decision_number,notnull" json:"decision_number"`
	DecisionDate   domain.Date `bun:"decision_date,type:date" json:"decision_date"`
	// Form is what the official attends: a cell's meetings (cell, CellID a cell) or a commune's expanded party
	// committee meetings (committee, CellID the commune).
	Form domain.MeetingForm `bun:"form,notnull" json:"form"`
}

// Normalize checks an assignment's period, frequency and note, filling the default frequency (monthly).
func (a *Assignment) Normalize() error {
	if a.StartsOn.IsZero() {
		return domain.Invalid("starts_on", "error.required", "field", "starts_on")
	}
	if !a.EndsOn.IsZero() && a.EndsOn.Before(a.StartsOn) {
		return domain.Invalid("ends_on", "error.ends_before_start")
	}
	if a.Frequency == "" {
		a.Frequency = domain.FrequencyMonthly
	}
	if !a.Frequency.Valid() {
		return badValue("frequency")
	}
	if a.Frequency == domain.FrequencyMonthly {
		a.VisitsPerYear = 12
	} else if a.VisitsPerYear < 1 || a.VisitsPerYear > 12 {
		return domain.Invalid("visits_per_year", "error.visits_per_year")
	}
	a.DecisionNumber = domain.CleanText(a.DecisionNumber)
	return checkLens(lenRule{"note", a.Note, 1000}, lenRule{"decision_number", a.DecisionNumber, 100})
}

// Meeting is one meeting of a cell, with the header of its minutes (biên bản), or one of a commune's other meetings
// (Form: a briefing of cell secretaries, a dialogue, an expanded party committee meeting), whose CellID is the unit
// holding it (the commune).
type Meeting struct {
	bun.BaseModel `bun:"table:meetings,alias:mt"`
	Base
	CellID string             `bun:"cell_id,notnull" json:"cell_id"`
	Form   domain.MeetingForm `bun:"form,notnull" json:"form"`
	// ZoneID and HostCellID: the zone whose briefing it is and the cell hosting it in rotation (briefings only).
	ZoneID     *string `bun:"zone_id" json:"zone_id"`
	HostCellID *string `bun:"host_cell_id" json:"host_cell_id"`
	// Audience is whom a dialogue is with: secretaries, members or citizens (dialogues only).
	Audience            string               `bun:"audience,notnull" json:"audience"`
	MeetingDate         domain.Date          `bun:"meeting_date,type:date,notnull" json:"meeting_date"`
	Type                domain.MeetingType   `bun:"type,notnull" json:"type"`
	Mode                string               `bun:"mode,notnull" json:"mode"`
	Status              domain.MeetingStatus `bun:"status,notnull" json:"status"`
	Topic               string               `bun:"topic,notnull" json:"topic"`
	Place               string               `bun:"place,notnull" json:"place"`
	StartsAt            *time.Time           `bun:"starts_at" json:"starts_at"`
	EndsAt              *time.Time           `bun:"ends_at" json:"ends_at"`
	ChairMemberID       *string              `bun:"chair_member_id" json:"chair_member_id"`
	SecretaryMemberID   *string              `bun:"secretary_member_id" json:"secretary_member_id"`
	ChairName           string               `bun:"chair_name,notnull" json:"chair_name"`
	SecretaryName       string               `bun:"secretary_name,notnull" json:"secretary_name"`
	MembersTotal        *int                 `bun:"members_total" json:"members_total"`
	MembersFull         *int                 `bun:"members_full" json:"members_full"`
	MembersProbationary *int                 `bun:"members_probationary" json:"members_probationary"`
	MembersAttached     *int                 `bun:"members_attached" json:"members_attached"`
	MembersExempt       *int                 `bun:"members_exempt" json:"members_exempt"`
	Notes               domain.JSONText      `bun:"notes,notnull" json:"notes"`
	Resolution          string               `bun:"resolution,notnull" json:"resolution"`
}

// MeetingMonthsAhead is how far ahead of today a meeting may be dated.
const MeetingMonthsAhead = 24

// MeetingEarliest is the earliest date a meeting may have: the founding of the Communist Party of Vietnam
// (03/02/1930), before which no party cell met. An earlier date is a typing error (1925 for 2025).
var MeetingEarliest = domain.NewDate(1930, time.February, 3)

// Normalize fills the defaults of a meeting (a regular meeting held in person, planned) and checks its fields.
func (m *Meeting) Normalize() error {
	if m.Type == "" {
		m.Type = domain.MeetingRegular
	}
	if m.Form == "" {
		m.Form = domain.FormCell
	}
	if !m.Form.Valid() {
		return badValue("form")
	}
	if m.Mode == "" {
		m.Mode = domain.MeetingInPerson
	}
	if m.Status == "" {
		m.Status = domain.MeetingPlanned
	}
	switch {
	case m.MeetingDate.IsZero():
		return domain.Invalid("meeting_date", "error.required", "field", "meeting_date")
	case m.MeetingDate.After(domain.DateOf(time.Now()).AddMonths(MeetingMonthsAhead)):
		// A meeting is held, or planned, within the next two years: later is a typing error (2099 for 2025), which
		// no screen would show until then.
		return domain.Invalid("meeting_date", "meeting.too_far", "months", itoa(MeetingMonthsAhead))
	case m.MeetingDate.Before(MeetingEarliest):
		return domain.Invalid("meeting_date", "meeting.too_early", "date", MeetingEarliest.VN())
	case !m.Type.Valid():
		return badValue("type")
	case m.Mode != domain.MeetingInPerson && m.Mode != domain.MeetingOnline:
		return badValue("mode")
	case !m.Status.Valid():
		return badValue("status")
	}
	for _, n := range []struct {
		field string
		v     *int
	}{{"members_total", m.MembersTotal}, {"members_full", m.MembersFull}, {"members_probationary", m.MembersProbationary},
		{"members_attached", m.MembersAttached}, {"members_exempt", m.MembersExempt}} {
		if n.v != nil && *n.v < 0 {
			return badValue(n.field)
		}
	}
	if !m.Notes.IsObject() {
		return badValue("notes")
	}
	return checkLens(lenRule{"topic", m.Topic, 500}, lenRule{"place", m.Place, 300}, lenRule{"chair_name", m.ChairName, 120},
		lenRule{"secretary_name", m.SecretaryName, 120}, lenRule{"notes", string(m.Notes), 50000},
		lenRule{"resolution", m.Resolution, 20000})
}

// Attendance is one member's attendance at one meeting.
type Attendance struct {
	bun.BaseModel `bun:"table:attendance,alias:at"`
	Base
	MeetingID string                  `bun:"meeting_id,notnull" json:"meeting_id"`
	MemberID  string                  `bun:"member_id,notnull" json:"member_id"`
	Status    domain.AttendanceStatus `bun:"status,notnull" json:"status"`
	Reason    string                  `bun:"reason,notnull" json:"reason"`
}

// AppendJSON appends the row's JSON, byte for byte what json.Marshal writes for it (changelog.Marshal uses it:
// attendance is most of what a snapshot sends and a push logs).
func (at *Attendance) AppendJSON(b []byte) []byte {
	b = changelog.AppendBase(b, &at.Base)
	b = append(b, `,"meeting_id":`...)
	b = wire.AppendString(b, at.MeetingID)
	b = append(b, `,"member_id":`...)
	b = wire.AppendString(b, at.MemberID)
	b = append(b, `,"status":`...)
	b = wire.AppendString(b, string(at.Status))
	b = append(b, `,"reason":`...)
	b = wire.AppendString(b, at.Reason)
	return append(b, '}')
}

// Normalize checks an attendance row; only an excused absence keeps its reason.
func (at *Attendance) Normalize() error {
	if !at.Status.Valid() {
		return badValue("status")
	}
	if at.Status != domain.AttendExcused {
		// Only an excused absence has a reason ("vắng không lý do" has none): two devices' changes merged field by
		// field — one writing the reason, the other marking the member unexcused — would otherwise keep one.
		at.Reason = ""
	}
	return checkLen("reason", at.Reason, 500)
}

// VisitReport is what a visiting official reports after attending a meeting: notes, guidance, rubric scores
// and the grade.
type VisitReport struct {
	bun.BaseModel `bun:"table:visit_reports,alias:vr"`
	Base
	MeetingID   string          `bun:"meeting_id,notnull" json:"meeting_id"`
	OfficialID  string          `bun:"official_id,notnull" json:"official_id"`
	Status      string          `bun:"status,notnull" json:"status"`
	CheckedInAt *time.Time      `bun:"checked_in_at" json:"checked_in_at"`
	Latitude    *float64        `bun:"latitude" json:"latitude"`
	Longitude   *float64        `bun:"longitude" json:"longitude"`
	Notes       domain.JSONText `bun:"notes,notnull" json:"notes"`
	Guidance    string          `bun:"guidance,notnull" json:"guidance"`
	RubricID    *string         `bun:"rubric_id" json:"rubric_id"`
	Scores      domain.JSONText `bun:"scores,notnull" json:"scores"`
	ScoreTotal  *int            `bun:"score_total" json:"score_total"`
	Grade       domain.Grade    `bun:"grade,notnull" json:"grade"`
	SubmittedAt *time.Time      `bun:"submitted_at" json:"submitted_at"`
	// ChangeReason is why the official reopened the submitted report for a change (set with status draft); it is
	// emptied when the report is submitted again.
	ChangeReason string `bun:"change_reason,notnull" json:"change_reason"`
	// History is the server's record of the report's submissions and reopenings, oldest first: a JSON list of
	// ReportEvent.
	History domain.JSONText `bun:"history,notnull" json:"history"`
}

// ReportEvent is one entry of a visit report's history: submitted, or reopened for a change with a reason.
type ReportEvent struct {
	Action string    `json:"action"` // "submitted" or "reopened"
	At     time.Time `json:"at"`
	By     string    `json:"by"` // the user's id
	Reason string    `json:"reason,omitempty"`
}

// Normalize fills the defaults of a visit report (a draft; a submitted one is stamped now unless it says when) and
// checks its fields. The scores are checked against the province's rubric where the rubric is known (the push).
func (r *VisitReport) Normalize() error {
	if r.Status == "" {
		r.Status = domain.ReportDraft
	}
	if r.Status != domain.ReportDraft && r.Status != domain.ReportSubmitted {
		return badValue("status")
	}
	if r.Status == domain.ReportSubmitted && r.SubmittedAt == nil {
		now := Now()
		r.SubmittedAt = &now
	}
	if (r.Latitude == nil) != (r.Longitude == nil) || (r.Latitude != nil && (*r.Latitude < -90 || *r.Latitude > 90 || *r.Longitude < -180 || *r.Longitude > 180)) {
		return badValue("latitude")
	}
	if !r.Notes.IsObject() {
		return badValue("notes")
	}
	if !r.Scores.IsObject() {
		return badValue("scores")
	}
	return checkLens(lenRule{"notes", string(r.Notes), 50000}, lenRule{"guidance", r.Guidance, 20000},
		lenRule{"change_reason", r.ChangeReason, 1000})
}

// Rubric is a province's meeting-quality scoring rubric: criteria with maximum points and grade thresholds.
type Rubric struct {
	bun.BaseModel `bun:"table:rubrics,alias:rb"`
	Base
	ProvinceID *string            `bun:"province_id" json:"province_id"`
	Name       string             `bun:"name,notnull" json:"name"`
	ValidFrom  domain.Date        `bun:"valid_from,type:date,notnull" json:"valid_from"`
	GoodMin    int                `bun:"good_min,notnull" json:"good_min"`
	FairMin    int                `bun:"fair_min,notnull" json:"fair_min"`
	AverageMin int                `bun:"average_min,notnull" json:"average_min"`
	Criteria   []*RubricCriterion `bun:"rel:has-many,join:id=rubric_id" json:"criteria"`
}

// GradeFor returns the grade a total score earns under the rubric's thresholds.
func (r *Rubric) GradeFor(total int) domain.Grade {
	switch {
	case total >= r.GoodMin:
		return domain.GradeGood
	case total >= r.FairMin:
		return domain.GradeFair
	case total >= r.AverageMin:
		return domain.GradeAverage
	}
	return domain.GradeWeak
}

// RubricCriterion is one scored line of a rubric.
type RubricCriterion struct {
	bun.BaseModel `bun:"table:rubric_criteria,alias:rc"`
	Base
	RubricID  string `bun:"rubric_id,notnull" json:"rubric_id"`
	Code      string `bun:"code,notnull" json:"code"`
	GroupVI   string `bun:"group_vi,notnull" json:"group_vi"`
	GroupEN   string `bun:"group_en,notnull" json:"group_en"`
	NameVI    string `bun:"name_vi,notnull" json:"name_vi"`
	NameEN    string `bun:"name_en,notnull" json:"name_en"`
	MaxPoints int    `bun:"max_points,notnull" json:"max_points"`
	SortOrder int    `bun:"sort_order,notnull" json:"sort_order"`
	// Computed names how the criterion follows from the attendance (attendance_rate, no_unexcused, no_streak);
	// empty when the official scores it.
	Computed string `bun:"computed,notnull" json:"computed"`
}

// MinutesTemplate is the agenda of the minutes (biên bản sinh hoạt chi bộ) a province's template defines, valid
// from a day: a meeting uses the latest version valid on its day, a province's own before the default (no
// province). Items is a JSON array of MinutesItemDef.
type MinutesTemplate struct {
	bun.BaseModel `bun:"table:minutes_templates,alias:mtp"`
	Base
	ProvinceID *string         `bun:"province_id" json:"province_id"`
	Name       string          `bun:"name,notnull" json:"name"`
	ValidFrom  domain.Date     `bun:"valid_from,type:date,notnull" json:"valid_from"`
	Items      domain.JSONText `bun:"items,notnull" json:"items"`
}

// RecommendationField is one entry of a province's list of recommendation fields (lĩnh vực).
type RecommendationField struct {
	bun.BaseModel `bun:"table:recommendation_fields,alias:rf"`
	Base
	ProvinceID *string `bun:"province_id" json:"province_id"`
	Code       string  `bun:"code,notnull" json:"code"`
	NameVI     string  `bun:"name_vi,notnull" json:"name_vi"`
	NameEN     string  `bun:"name_en,notnull" json:"name_en"`
	SortOrder  int     `bun:"sort_order,notnull" json:"sort_order"`
	Active     bool    `bun:"active,notnull" json:"active"`
	// ValidFrom and ValidTo are the days the field was in use (zero: open-ended); a retired field keeps its row.
	ValidFrom domain.Date `bun:"valid_from,type:date" json:"valid_from"`
	ValidTo   domain.Date `bun:"valid_to,type:date" json:"valid_to"`
}

// Recommendation is a recommendation or proposal (kiến nghị, đề xuất) raised by a cell, tracked until answered.
type Recommendation struct {
	bun.BaseModel `bun:"table:recommendations,alias:r"`
	Base
	CellID             string           `bun:"cell_id,notnull" json:"cell_id"`
	MeetingID          *string          `bun:"meeting_id" json:"meeting_id"`
	VisitReportID      *string          `bun:"visit_report_id" json:"visit_report_id"`
	FieldID            *string          `bun:"field_id" json:"field_id"`
	Content            string           `bun:"content,notnull" json:"content"`
	ContentFold        string           `bun:"content_fold,notnull" json:"-"`
	AddresseeOrgUnitID *string          `bun:"addressee_org_unit_id" json:"addressee_org_unit_id"`
	AddresseeText      string           `bun:"addressee_text,notnull" json:"addressee_text"`
	Urgency            string           `bun:"urgency,notnull" json:"urgency"`
	Status             domain.RecStatus `bun:"status,notnull" json:"status"`
	RaisedOn           domain.Date      `bun:"raised_on,type:date,notnull" json:"raised_on"`
	RaisedBy           *string          `bun:"raised_by" json:"raised_by"`
	DueOn              domain.Date      `bun:"due_on,type:date" json:"due_on"`
	ForwardedAt        *time.Time       `bun:"forwarded_at" json:"forwarded_at"`
	ForwardedBy        *string          `bun:"forwarded_by" json:"forwarded_by"`
	ResolvedAt         *time.Time       `bun:"resolved_at" json:"resolved_at"`
	AnnouncedAt        *time.Time       `bun:"announced_at" json:"announced_at"`
	// AnnouncedMeetingID is the meeting (a briefing, or the cell's own) where the outcome was reported back.
	AnnouncedMeetingID *string `bun:"announced_meeting_id" json:"announced_meeting_id"`
	// AddresseeID is the body of the directory the recommendation is addressed to (AddresseeOrgUnitID is kept for
	// those forwarded to a party unit before the directory).
	AddresseeID *string `bun:"addressee_id" json:"addressee_id"`
	// Direction is the standing committee's direction (chỉ đạo) on the recommendation, with when and by whom.
	Direction  string     `bun:"direction,notnull" json:"direction"`
	DirectedAt *time.Time `bun:"directed_at" json:"directed_at"`
	DirectedBy *string    `bun:"directed_by" json:"directed_by"`
	// ConfirmedAt and ConfirmedBy: the cell secretary's confirmation on the ground that the matter is settled.
	ConfirmedAt *time.Time `bun:"confirmed_at" json:"confirmed_at"`
	ConfirmedBy *string    `bun:"confirmed_by" json:"confirmed_by"`
	// Escalations counts the times it was passed up to a higher addressee as beyond a body's competence.
	Escalations int `bun:"escalations,notnull" json:"escalations"`
}

// Normalize cleans a recommendation's text, folds it for search, fills the default urgency and checks the fields.
func (r *Recommendation) Normalize() error {
	r.Content = domain.CleanText(r.Content)
	r.ContentFold = domain.Fold(r.Content)
	r.AddresseeText = domain.CleanText(r.AddresseeText)
	if r.Urgency == "" {
		r.Urgency = domain.UrgencyNormal
	}
	switch {
	case r.Content == "":
		return domain.Invalid("content", "error.required", "field", "content")
	case r.Urgency != domain.UrgencyNormal && r.Urgency != domain.UrgencyUrgent:
		return badValue("urgency")
	case !r.Status.Valid():
		return badValue("status")
	}
	return checkLens(lenRule{"content", r.Content, 4000}, lenRule{"addressee_text", r.AddresseeText, 300})
}

// RecommendationAnswer is a written answer to a recommendation and the verdict on it (accepted or sent back).
type RecommendationAnswer struct {
	bun.BaseModel `bun:"table:recommendation_answers,alias:ra"`
	Base
	RecommendationID string     `bun:"recommendation_id,notnull" json:"recommendation_id"`
	Body             string     `bun:"body,notnull" json:"body"`
	AnsweredBy       *string    `bun:"answered_by" json:"answered_by"`
	AnsweredForID    *string    `bun:"answered_for_id" json:"answered_for_id"`
	AnsweredAt       time.Time  `bun:"answered_at,notnull" json:"answered_at"`
	Verdict          string     `bun:"verdict,notnull" json:"verdict"`
	VerdictReason    string     `bun:"verdict_reason,notnull" json:"verdict_reason"`
	VerdictBy        *string    `bun:"verdict_by" json:"verdict_by"`
	VerdictAt        *time.Time `bun:"verdict_at" json:"verdict_at"`
	// AddresseeID is the body of the directory the answer is given for; DocNumber and DocDate name the written
	// answer (văn bản số … ngày …); BeyondCompetence says the body answered that the matter is for a higher level.
	AddresseeID      *string     `bun:"addressee_id" json:"addressee_id"`
	DocNumber        string      `bun:"doc_number,notnull" json:"doc_number"`
	DocDate          domain.Date `bun:"doc_date,type:date" json:"doc_date"`
	BeyondCompetence bool        `bun:"beyond_competence,notnull" json:"beyond_competence"`
}

// Normalize cleans an answer's text and checks it: an answer has a body.
func (a *RecommendationAnswer) Normalize() error {
	a.Body = domain.CleanText(a.Body)
	if a.Body == "" {
		return domain.Invalid("body", "error.required", "field", "body")
	}
	return checkLen("body", a.Body, 20000)
}

// RecommendationEvent is one step of a recommendation's history in the Gia Lộc loop: who moved it from one status
// to another, when, and the step's details (the addressee and due date of a forward, the answer, the reason for
// sending an answer back, the meeting where the outcome was announced). Announcing keeps the status.
type RecommendationEvent struct {
	bun.BaseModel `bun:"table:recommendation_events,alias:re"`
	Base
	RecommendationID   string           `bun:"recommendation_id,notnull" json:"recommendation_id"`
	Action             string           `bun:"action,notnull" json:"action"`
	FromStatus         domain.RecStatus `bun:"from_status,notnull" json:"from_status"`
	ToStatus           domain.RecStatus `bun:"to_status,notnull" json:"to_status"`
	At                 time.Time        `bun:"at,notnull" json:"at"`
	ActorUserID        *string          `bun:"actor_user_id" json:"actor_user_id"`
	AddresseeOrgUnitID *string          `bun:"addressee_org_unit_id" json:"addressee_org_unit_id"`
	DueOn              domain.Date      `bun:"due_on,type:date" json:"due_on"`
	AnswerID           *string          `bun:"answer_id" json:"answer_id"`
	MeetingID          *string          `bun:"meeting_id" json:"meeting_id"`
	Note               string           `bun:"note,notnull" json:"note"`
	// AddresseeID is the directory body of a forward, an escalation or an answer; DocNumber and DocDate the
	// document of an answer.
	AddresseeID *string     `bun:"addressee_id" json:"addressee_id"`
	DocNumber   string      `bun:"doc_number,notnull" json:"doc_number"`
	DocDate     domain.Date `bun:"doc_date,type:date" json:"doc_date"`
}

// Normalize cleans the note of a step of a recommendation's history and checks its length.
func (e *RecommendationEvent) Normalize() error {
	e.Note = domain.CleanText(e.Note)
	return checkLen("note", e.Note, 4000)
}

// Addressee is one body of a province's directory of addressees of recommendations: a party unit or committee, a
// government body, the Fatherland Front or a mass organisation, the police, an enterprise that answers. ParentID
// is the body above it, where a matter beyond its competence goes; OrgUnitID the party unit it sits at (the
// commune of a UBND xã). Aliases are other names officials write, one per line. Synced as reference data.
type Addressee struct {
	bun.BaseModel `bun:"table:addressees,alias:ad"`
	Base
	ProvinceID *string               `bun:"province_id" json:"province_id"`
	ParentID   *string               `bun:"parent_id" json:"parent_id"`
	OrgUnitID  *string               `bun:"org_unit_id" json:"org_unit_id"`
	Kind       domain.AddresseeKind  `bun:"kind,notnull" json:"kind"`
	Level      domain.AddresseeLevel `bun:"level,notnull" json:"level"`
	Code       string                `bun:"code,notnull" json:"code"`
	Name       string                `bun:"name,notnull" json:"name"`
	ShortName  string                `bun:"short_name,notnull" json:"short_name"`
	NameFold   string                `bun:"name_fold,notnull" json:"name_fold"`
	Aliases    string                `bun:"aliases,notnull" json:"aliases"`
	ActiveFrom domain.Date           `bun:"active_from,type:date" json:"active_from"`
	ActiveTo   domain.Date           `bun:"active_to,type:date" json:"active_to"`
	SortOrder  int                   `bun:"sort_order,notnull" json:"sort_order"`
}

// AddresseeResponder makes a user (holding the responder role) a responder of an addressee: it is notified of what
// is forwarded there and answers for it. Not synced.
type AddresseeResponder struct {
	bun.BaseModel `bun:"table:addressee_responders,alias:adr"`
	ID            string    `bun:"id,pk" json:"id"`
	AddresseeID   string    `bun:"addressee_id,notnull" json:"addressee_id"`
	UserID        string    `bun:"user_id,notnull" json:"user_id"`
	CreatedAt     time.Time `bun:"created_at,notnull" json:"created_at"`
}

// MeetingParticipant is one person who took part in a meeting of the other forms (a briefing, a dialogue, an
// expanded committee meeting) and in which capacity: chair, minute_taker, participant or guest.
type MeetingParticipant struct {
	bun.BaseModel `bun:"table:meeting_participants,alias:mp"`
	Base
	MeetingID string  `bun:"meeting_id,notnull" json:"meeting_id"`
	Role      string  `bun:"role,notnull" json:"role"`
	UserID    *string `bun:"user_id" json:"user_id"`
	MemberID  *string `bun:"member_id" json:"member_id"`
	CellID    *string `bun:"cell_id" json:"cell_id"`
	Name      string  `bun:"name,notnull" json:"name"`
	Title     string  `bun:"title,notnull" json:"title"`
	Present   bool    `bun:"present,notnull" json:"present"`
}

// BriefingReport is what a cell's secretary reports of the cell's month at a briefing (giao ban): the situation,
// what was done, the problems and the proposals.
type BriefingReport struct {
	bun.BaseModel `bun:"table:briefing_reports,alias:br"`
	Base
	MeetingID    string `bun:"meeting_id,notnull" json:"meeting_id"`
	CellID       string `bun:"cell_id,notnull" json:"cell_id"`
	ReporterName string `bun:"reporter_name,notnull" json:"reporter_name"`
	Situation    string `bun:"situation,notnull" json:"situation"`
	Done         string `bun:"done,notnull" json:"done"`
	Problems     string `bun:"problems,notnull" json:"problems"`
	Proposals    string `bun:"proposals,notnull" json:"proposals"`
}

// DialogueQuestion is a question raised at a dialogue (đối thoại) and the explanation given (giải trình);
// RecommendationID is the recommendation it became, if it did.
type DialogueQuestion struct {
	bun.BaseModel `bun:"table:dialogue_questions,alias:dq"`
	Base
	MeetingID        string  `bun:"meeting_id,notnull" json:"meeting_id"`
	SortOrder        int     `bun:"sort_order,notnull" json:"sort_order"`
	AskerName        string  `bun:"asker_name,notnull" json:"asker_name"`
	AskerCellID      *string `bun:"asker_cell_id" json:"asker_cell_id"`
	Question         string  `bun:"question,notnull" json:"question"`
	Explanation      string  `bun:"explanation,notnull" json:"explanation"`
	ExplainedBy      string  `bun:"explained_by,notnull" json:"explained_by"`
	RecommendationID *string `bun:"recommendation_id" json:"recommendation_id"`
}

// RatingLabel is one label of an annual rating scheme (Quy định 366-QĐ/TW, or the older labels), kept as data.
type RatingLabel struct {
	bun.BaseModel `bun:"table:rating_labels,alias:rl"`
	Base
	ProvinceID *string `bun:"province_id" json:"province_id"`
	Scheme     string  `bun:"scheme,notnull" json:"scheme"`
	Code       string  `bun:"code,notnull" json:"code"`
	NameVI     string  `bun:"name_vi,notnull" json:"name_vi"`
	NameEN     string  `bun:"name_en,notnull" json:"name_en"`
	MinScore   *int    `bun:"min_score" json:"min_score"`
	Weak       bool    `bun:"weak,notnull" json:"weak"`
	SortOrder  int     `bun:"sort_order,notnull" json:"sort_order"`
	Active     bool    `bun:"active,notnull" json:"active"`
	// ValidFrom and ValidTo are the days the label was given (zero: open-ended): a year's rating takes the labels
	// valid in that year.
	ValidFrom domain.Date `bun:"valid_from,type:date" json:"valid_from"`
	ValidTo   domain.Date `bun:"valid_to,type:date" json:"valid_to"`
}

// AnnualRating is the rating an org unit received for a year.
type AnnualRating struct {
	bun.BaseModel `bun:"table:annual_ratings,alias:ar"`
	Base
	OrgUnitID string `bun:"org_unit_id,notnull" json:"org_unit_id"`
	Year      int    `bun:"year,notnull" json:"year"`
	LabelID   string `bun:"label_id,notnull" json:"label_id"`
}

// Notification is a message in a user's inbox; web push delivers it too when the device allows.
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`
	Base
	UserID string          `bun:"user_id,notnull" json:"user_id"`
	Kind   string          `bun:"kind,notnull" json:"kind"`
	Title  string          `bun:"title,notnull" json:"title"`
	Body   string          `bun:"body,notnull" json:"body"`
	Link   string          `bun:"link,notnull" json:"link"`
	Data   domain.JSONText `bun:"data,notnull" json:"data"`
	ReadAt *time.Time      `bun:"read_at" json:"read_at"`
}

// Normalize checks a notification names its user and its kind.
func (n *Notification) Normalize() error {
	switch {
	case n.UserID == "":
		return domain.Invalid("user_id", "error.required", "field", "user_id")
	case n.Kind == "":
		return domain.Invalid("kind", "error.required", "field", "kind")
	}
	return nil
}

// PushSubscription is one device's web push endpoint.
type PushSubscription struct {
	bun.BaseModel `bun:"table:push_subscriptions,alias:ps"`
	Base
	UserID        string     `bun:"user_id,notnull" json:"user_id"`
	Endpoint      string     `bun:"endpoint,notnull" json:"endpoint"`
	P256DH        string     `bun:"p256dh,notnull" json:"-"`
	Auth          string     `bun:"auth,notnull" json:"-"`
	UserAgent     string     `bun:"user_agent,notnull" json:"user_agent"`
	FailureCount  int        `bun:"failure_count,notnull" json:"failure_count"`
	LastSuccessAt *time.Time `bun:"last_success_at" json:"last_success_at"`
}

// AuditEntry is one row of the append-only audit log: who changed what, when, and the record before and after.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log,alias:al"`
	ID            int64     `bun:"id,pk,autoincrement" json:"id"`
	At            time.Time `bun:"at,notnull" json:"at"`
	ActorUserID   *string   `bun:"actor_user_id" json:"actor_user_id"`
	Action        string    `bun:"action,notnull" json:"action"`
	Entity        string    `bun:"entity,notnull" json:"entity"`
	EntityID      string    `bun:"entity_id,notnull" json:"entity_id"`
	// EntityIDs lists, as a JSON array, the records of an entry that stands for several (see AuditEntry.Group):
	// EntityID is then the first of them, and Before and After are JSON arrays in the same order. Nil for an
	// entry about one record.
	EntityIDs *string `bun:"entity_ids" json:"entity_ids,omitempty"`
	OrgUnitID *string `bun:"org_unit_id" json:"org_unit_id"`
	Before    *string `bun:"before" json:"before"`
	After     *string `bun:"after" json:"after"`
	RequestID string  `bun:"request_id,notnull" json:"request_id"`
}

// Conflict records a field a device changed that had also changed on the server since the device last saw it.
// The later write in server order is kept; both values are here so no one's text is lost.
type Conflict struct {
	bun.BaseModel `bun:"table:sync_conflicts,alias:sc"`
	Base
	Table         string     `bun:"tbl,notnull" json:"table"`
	RowID         string     `bun:"row_id,notnull" json:"row_id"`
	Field         string     `bun:"field,notnull" json:"field"`
	BaseValue     *string    `bun:"base_value" json:"base_value"`
	ServerValue   *string    `bun:"server_value" json:"server_value"`
	ClientValue   *string    `bun:"client_value" json:"client_value"`
	ServerVersion int64      `bun:"server_version,notnull" json:"server_version"`
	ClientID      string     `bun:"client_id,notnull" json:"client_id"`
	UserID        *string    `bun:"user_id" json:"user_id"`
	OverwrittenBy *string    `bun:"overwritten_by" json:"overwritten_by"`
	Class         string     `bun:"class,notnull" json:"-"`
	Scope         string     `bun:"scope,notnull" json:"-"`
	Path          string     `bun:"path,notnull" json:"-"`
	Part          string     `bun:"part,notnull" json:"-"`
	ResolvedAt    *time.Time `bun:"resolved_at" json:"resolved_at"`
	ResolvedBy    *string    `bun:"resolved_by" json:"resolved_by"`
	Resolution    string     `bun:"resolution,notnull" json:"resolution"`
}

// Normalize checks the resolution a user wrote for a conflict.
func (c *Conflict) Normalize() error { return checkLen("resolution", c.Resolution, 50000) }

// Normalize checks a participant's capacity and cleans its name and title.
func (p *MeetingParticipant) Normalize() error {
	p.Name, p.Title = domain.CleanText(p.Name), domain.CleanText(p.Title)
	if p.Role == "" {
		p.Role = "participant"
	}
	switch p.Role {
	case "chair", "minute_taker", "participant", "guest":
	default:
		return badValue("role")
	}
	return checkLens(lenRule{"name", p.Name, 120}, lenRule{"title", p.Title, 200})
}

// Normalize checks the lengths of a cell's briefing report.
func (r *BriefingReport) Normalize() error {
	r.ReporterName = domain.CleanText(r.ReporterName)
	return checkLens(lenRule{"reporter_name", r.ReporterName, 120}, lenRule{"situation", r.Situation, 20000},
		lenRule{"done", r.Done, 20000}, lenRule{"problems", r.Problems, 20000}, lenRule{"proposals", r.Proposals, 20000})
}

// Normalize checks a dialogue question: it has a text.
func (q *DialogueQuestion) Normalize() error {
	q.AskerName, q.ExplainedBy = domain.CleanText(q.AskerName), domain.CleanText(q.ExplainedBy)
	if domain.CleanText(q.Question) == "" {
		return domain.Invalid("question", "error.required", "field", "question")
	}
	return checkLens(lenRule{"asker_name", q.AskerName, 120}, lenRule{"question", q.Question, 4000},
		lenRule{"explanation", q.Explanation, 20000}, lenRule{"explained_by", q.ExplainedBy, 120})
}
