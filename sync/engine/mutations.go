package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// spec says what devices may do to one table through sync.
type spec struct {
	// fields may be set on create and update; createOnly only on create; required must be set on create.
	fields, createOnly, required []string
	// deletable says whether devices may delete rows.
	deletable bool
	// check validates and completes a row about to be written (prev is nil on create) and checks the caller may
	// write it.
	check func(ctx context.Context, a *applier, prev, row store.SyncRow) error
}

// specs are the tables devices write. Others (org units, users, reference data) change through the API only.
var specs = map[string]spec{
	"meetings": {
		fields: []string{"meeting_date", "type", "mode", "status", "topic", "place", "starts_at", "ends_at",
			"chair_member_id", "secretary_member_id", "chair_name", "secretary_name", "members_total", "members_full",
			"members_probationary", "members_attached", "members_exempt", "notes", "resolution"},
		createOnly: []string{"cell_id"},
		required:   []string{"cell_id", "meeting_date"},
		deletable:  true,
		check:      checkMeeting,
	},
	"attendance": {
		fields:     []string{"status", "reason"},
		createOnly: []string{"meeting_id", "member_id"},
		required:   []string{"meeting_id", "member_id", "status"},
		deletable:  true,
		check:      checkAttendance,
	},
	"visit_reports": {
		fields:     []string{"status", "checked_in_at", "latitude", "longitude", "notes", "guidance", "rubric_id", "scores", "submitted_at"},
		createOnly: []string{"meeting_id"},
		required:   []string{"meeting_id"},
		deletable:  true,
		check:      checkReport,
	},
	"recommendations": {
		fields: []string{"field_id", "content", "addressee_org_unit_id", "addressee_text", "urgency", "due_on",
			"meeting_id", "visit_report_id", "raised_on"},
		createOnly: []string{"cell_id"},
		required:   []string{"cell_id", "content"},
		deletable:  true,
		check:      checkRecommendation,
	},
	"members": {
		fields: []string{"full_name", "birth_year", "gender", "card_number", "membership", "status", "temp_exempt_until",
			"temporarily_attached", "cell_role", "joined_on", "official_on", "status_note"},
		createOnly: []string{"cell_id"},
		required:   []string{"cell_id", "full_name"},
		deletable:  true,
		check:      checkMember,
	},
	"notifications":  {fields: []string{"read_at"}, check: checkOwnNotification},
	"assignments":    {fields: []string{"acknowledged_at"}, check: checkOwnAssignment},
	"sync_conflicts": {fields: []string{"resolution", "resolved_at"}, check: checkConflict},
}

// applier applies one push's mutations for one caller inside one write transaction.
type applier struct {
	e        *Engine
	p        *domain.Principal
	tx       bun.IDB
	clientID string
	today    domain.Date
	// the batch's view (batch.go)
	rows     map[string]store.SyncRow
	units    map[string]*store.OrgUnit
	meetings map[string]*store.Meeting
	members  map[string]*store.Member
	refs     map[string]*store.ReferenceData
	assigns  []store.Assignment
}

func newApplier(e *Engine, p *domain.Principal, tx bun.IDB, clientID string) *applier {
	return &applier{e: e, p: p, tx: tx, clientID: clientID, today: domain.DateOf(e.now()),
		rows: map[string]store.SyncRow{}, units: map[string]*store.OrgUnit{}, meetings: map[string]*store.Meeting{},
		members: map[string]*store.Member{}, refs: map[string]*store.ReferenceData{}}
}

func reject(field, key string, kv ...string) error {
	e := domain.E(domain.CodeInvalid, key, kv...)
	e.Field = field
	return e
}

// writableCell checks the caller may record meetings of cell (at path): its admin or secretary, an official
// assigned to it now, or, for a meeting on day, an official whose assignment (not cancelled) covered that day.
func (a *applier) writableCell(ctx context.Context, cellID string, day domain.Date) error {
	u, err := a.unit(ctx, cellID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return reject("cell_id", "sync.out_of_scope")
		}
		return err
	}
	if u.Kind != domain.KindCell {
		return reject("cell_id", "org.not_cell")
	}
	if a.p.Can(u.Path, domain.RoleAdmin, domain.RoleSecretary) {
		return nil
	}
	for _, c := range a.p.Assigned {
		if c.ID == cellID {
			return nil
		}
	}
	if !day.IsZero() && a.p.HasRole(domain.RoleOfficial) {
		ok, err := a.assignedOn(ctx, cellID, day)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	if a.p.CanRead(u.Path) {
		return reject("cell_id", "sync.not_assigned")
	}
	return reject("cell_id", "sync.out_of_scope")
}

// meetingOf loads the live meeting id, checking the caller may write to it.
func (a *applier) meetingOf(ctx context.Context, id string) (*store.Meeting, error) {
	m, err := a.meeting(ctx, id)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return nil, reject("meeting_id", "sync.out_of_scope")
		}
		return nil, err
	}
	return m, a.writableCell(ctx, m.CellID, m.MeetingDate)
}

func textLimit(field, s string, n int) error {
	if utf8.RuneCountInString(s) > n {
		return reject(field, "error.too_long", "field", field, "max", fmt.Sprint(n))
	}
	return nil
}

func checkMeeting(ctx context.Context, a *applier, prev, row store.SyncRow) error {
	m := row.(*store.Meeting)
	if m.Type == "" {
		m.Type = domain.MeetingRegular
	}
	if m.Mode == "" {
		m.Mode = "in_person"
	}
	if m.Status == "" {
		m.Status = domain.MeetingPlanned
	}
	switch {
	case m.MeetingDate.IsZero():
		return reject("meeting_date", "sync.required", "field", "meeting_date")
	case !m.Type.Valid():
		return reject("type", "error.bad_value", "field", "type")
	case m.Mode != "in_person" && m.Mode != "online":
		return reject("mode", "error.bad_value", "field", "mode")
	case !m.Status.Valid():
		return reject("status", "error.bad_value", "field", "status")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"topic", m.Topic, 500}, {"place", m.Place, 300}, {"chair_name", m.ChairName, 120}, {"secretary_name", m.SecretaryName, 120},
		{"notes", string(m.Notes), 50000}, {"resolution", m.Resolution, 20000}} {
		if err := textLimit(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if !jsonObject(m.Notes) {
		return reject("notes", "error.bad_value", "field", "notes")
	}
	for _, ref := range []*string{m.ChairMemberID, m.SecretaryMemberID} {
		if ref != nil {
			if err := a.memberOfCell(ctx, *ref, m.CellID); err != nil {
				return err
			}
		}
	}
	day := m.MeetingDate
	if prev != nil && day.After(prev.(*store.Meeting).MeetingDate) {
		day = prev.(*store.Meeting).MeetingDate
	}
	return a.writableCell(ctx, m.CellID, day)
}

func (a *applier) memberOfCell(ctx context.Context, memberID, cellID string) error {
	mem, err := a.member(ctx, memberID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return reject("member_id", "sync.not_member")
		}
		return err
	}
	if mem.CellID != cellID {
		return reject("member_id", "sync.not_member")
	}
	return nil
}

func checkAttendance(ctx context.Context, a *applier, prev, row store.SyncRow) error {
	at := row.(*store.Attendance)
	if want := wire.AttendanceID(at.MeetingID, at.MemberID); prev == nil && at.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	if !at.Status.Valid() {
		return reject("status", "error.bad_value", "field", "status")
	}
	if at.Status == domain.AttendPresent {
		at.Reason = ""
	}
	if err := textLimit("reason", at.Reason, 500); err != nil {
		return err
	}
	m, err := a.meetingOf(ctx, at.MeetingID)
	if err != nil {
		return err
	}
	if prev == nil {
		return a.memberOfCell(ctx, at.MemberID, m.CellID)
	}
	return nil
}

func checkReport(ctx context.Context, a *applier, prev, row store.SyncRow) error {
	r := row.(*store.VisitReport)
	if prev == nil {
		r.OfficialID = a.p.UserID
	} else if r.OfficialID != a.p.UserID {
		return reject("official_id", "sync.not_owner")
	}
	if want := wire.ReportID(r.MeetingID, r.OfficialID); prev == nil && r.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	if r.Status == "" {
		r.Status = "draft"
	}
	if r.Status != "draft" && r.Status != "submitted" {
		return reject("status", "error.bad_value", "field", "status")
	}
	if r.Status == "submitted" && r.SubmittedAt == nil {
		now := store.Now()
		r.SubmittedAt = &now
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"notes", string(r.Notes), 50000}, {"guidance", r.Guidance, 20000}} {
		if err := textLimit(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if !jsonObject(r.Notes) {
		return reject("notes", "error.bad_value", "field", "notes")
	}
	if (r.Latitude == nil) != (r.Longitude == nil) || (r.Latitude != nil && (*r.Latitude < -90 || *r.Latitude > 90 || *r.Longitude < -180 || *r.Longitude > 180)) {
		return reject("latitude", "error.bad_value", "field", "latitude")
	}
	m, err := a.meetingOf(ctx, r.MeetingID)
	if err != nil {
		return err
	}
	if !a.p.HasRole(domain.RoleOfficial) {
		return reject("meeting_id", "sync.not_assigned")
	}
	return a.score(ctx, r, m)
}

// score checks the report's scores against the rubric in force for the meeting's province and computes the total
// and the grade, so every device shows the same grade.
func (a *applier) score(ctx context.Context, r *store.VisitReport, m *store.Meeting) error {
	r.ScoreTotal, r.Grade = nil, ""
	if r.Scores == "" || r.Scores == "{}" || r.Scores == "null" {
		r.Scores = ""
		return nil
	}
	var scores map[string]int
	if err := json.Unmarshal([]byte(r.Scores), &scores); err != nil {
		return reject("scores", "error.bad_value", "field", "scores")
	}
	unit, err := a.unit(ctx, m.CellID)
	if err != nil {
		return err
	}
	ref, err := a.reference(ctx, store.ProvinceOf(unit))
	if err != nil {
		return err
	}
	if ref.Rubric == nil {
		return reject("scores", "error.not_found", "what", "@what.rubric")
	}
	maxOf := map[string]int{}
	for _, c := range ref.Rubric.Criteria {
		maxOf[c.Code] = c.MaxPoints
	}
	total := 0
	for code, v := range scores {
		mx, ok := maxOf[code]
		if !ok {
			return reject("scores", "sync.unknown_criterion", "code", code)
		}
		if v < 0 || v > mx {
			return reject("scores", "sync.bad_score", "code", code, "max", fmt.Sprint(mx))
		}
		total += v
	}
	b, _ := json.Marshal(scores) // canonical: keys sorted
	r.Scores = domain.JSONText(b)
	r.RubricID = &ref.Rubric.ID
	r.ScoreTotal = &total
	r.Grade = ref.Rubric.GradeFor(total)
	return nil
}

func checkRecommendation(ctx context.Context, a *applier, prev, row store.SyncRow) error {
	r := row.(*store.Recommendation)
	if prev == nil {
		r.Status = domain.RecNew
		r.RaisedBy = &a.p.UserID
		if r.RaisedOn.IsZero() {
			r.RaisedOn = a.today
		}
	} else if prev.(*store.Recommendation).Status != domain.RecNew {
		return reject("status", "sync.not_new")
	}
	r.Content = domain.CleanText(r.Content)
	r.ContentFold = domain.Fold(r.Content)
	r.AddresseeText = domain.CleanText(r.AddresseeText)
	if r.Urgency == "" {
		r.Urgency = "normal"
	}
	switch {
	case r.Content == "":
		return reject("content", "sync.required", "field", "content")
	case r.Urgency != "normal" && r.Urgency != "urgent":
		return reject("urgency", "error.bad_value", "field", "urgency")
	}
	if err := textLimit("content", r.Content, 4000); err != nil {
		return err
	}
	if err := textLimit("addressee_text", r.AddresseeText, 300); err != nil {
		return err
	}
	if r.FieldID != nil {
		cell, err := a.unit(ctx, r.CellID)
		if err != nil {
			return reject("cell_id", "sync.out_of_scope")
		}
		ref, err := a.reference(ctx, store.ProvinceOf(cell))
		if err != nil {
			return err
		}
		found := false
		for _, f := range ref.Fields {
			found = found || f.ID == *r.FieldID
		}
		if !found {
			return reject("field_id", "error.not_found", "what", "@what.field")
		}
	}
	if r.AddresseeOrgUnitID != nil {
		if _, err := a.unit(ctx, *r.AddresseeOrgUnitID); err != nil {
			return reject("addressee_org_unit_id", "error.not_found", "what", "@what.org_unit")
		}
	}
	if r.MeetingID != nil {
		m, err := a.meetingOf(ctx, *r.MeetingID)
		if err != nil {
			return err
		}
		if m.CellID != r.CellID {
			return reject("meeting_id", "error.bad_value", "field", "meeting_id")
		}
		return nil
	}
	return a.writableCell(ctx, r.CellID, r.RaisedOn)
}

func checkMember(ctx context.Context, a *applier, prev, row store.SyncRow) error {
	m := row.(*store.Member)
	if err := m.Normalize(); err != nil {
		return err
	}
	u, err := a.unit(ctx, m.CellID)
	if err != nil {
		return reject("cell_id", "sync.out_of_scope")
	}
	if u.Kind != domain.KindCell {
		return reject("cell_id", "org.not_cell")
	}
	if !a.p.Can(u.Path, domain.RoleAdmin, domain.RoleSecretary) {
		return reject("cell_id", "sync.out_of_scope")
	}
	return nil
}

func checkOwnNotification(_ context.Context, a *applier, _, row store.SyncRow) error {
	if row.(*store.Notification).UserID != a.p.UserID {
		return reject("user_id", "sync.out_of_scope")
	}
	return nil
}

func checkOwnAssignment(_ context.Context, a *applier, _, row store.SyncRow) error {
	if row.(*store.Assignment).OfficialID != a.p.UserID {
		return reject("official_id", "sync.out_of_scope")
	}
	return nil
}

func checkConflict(_ context.Context, a *applier, _, row store.SyncRow) error {
	c := row.(*store.Conflict)
	if c.Path != "" && !a.p.CanRead(c.Path) && c.Scope != a.p.UserID {
		return reject("row_id", "sync.out_of_scope")
	}
	if c.Path == "" && c.Scope != a.p.UserID {
		return reject("row_id", "sync.out_of_scope")
	}
	if err := textLimit("resolution", c.Resolution, 50000); err != nil {
		return err
	}
	if c.ResolvedAt != nil {
		c.ResolvedBy = &a.p.UserID
	}
	return nil
}

// jsonObject reports whether a JSON document field holds an object, or nothing (null).
func jsonObject(j domain.JSONText) bool {
	if j == "" {
		return true
	}
	var obj map[string]json.RawMessage
	return json.Unmarshal([]byte(j), &obj) == nil && obj != nil
}
