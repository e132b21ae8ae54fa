package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// spec says what devices may do to one table through sync: the table's write spec from the registry
// (changelog.Table.Write: the fields, those set on create only, those a create needs, whether rows may be
// deleted) and its check.
type spec struct {
	*changelog.WriteSpec
	// check completes and validates a row about to be written (prev is nil on create) and checks the caller may
	// write it: the rule's prepare, the model's Normalize (the validation the API runs too), the rule's authorize.
	check func(ctx context.Context, a *applier, prev, row changelog.Row) error
}

// rule is what the engine adds to a writable table's descriptor: the checks that need the caller and the push's
// view of the batch. Data-level validation is not here: it is the model's Normalize, shared with the API.
type rule struct {
	// prepare sets what the server decides rather than the device (the author, the status of a new row) and
	// refuses what must be refused before anything else; it may be nil.
	prepare func(ctx context.Context, a *applier, prev, row changelog.Row) error
	// authorize checks the caller may write the row and that the rows it refers to exist and fit.
	authorize func(ctx context.Context, a *applier, prev, row changelog.Row) error
}

// rules are the engine's checks, one for each table the registry lets devices write (TestEveryWritableTableHasARule).
var rules = map[string]rule{
	"meetings":        {authorize: authorizeMeeting},
	"attendance":      {prepare: prepareAttendance, authorize: authorizeAttendance},
	"visit_reports":   {prepare: prepareReport, authorize: authorizeReport},
	"recommendations": {prepare: prepareRecommendation, authorize: authorizeRecommendation},
	"members":         {authorize: authorizeMember},
	"notifications":   {authorize: authorizeOwnNotification},
	"assignments":     {authorize: authorizeOwnAssignment},
	"sync_conflicts":  {prepare: prepareConflict, authorize: authorizeConflict},
	// the commune's meetings of the other forms (forms.go)
	"meeting_participants": {authorize: authorizeParticipant},
	"briefing_reports":     {authorize: authorizeBriefingReport},
	"dialogue_questions":   {authorize: authorizeDialogueQuestion},
	// proof of attendance (proof.go)
	"visit_confirmations": {prepare: prepareConfirmation, authorize: authorizeConfirmation},
	"cell_positions":      {prepare: preparePosition, authorize: authorizePosition},
	"meeting_files":       {prepare: prepareFile, authorize: authorizeFile},
}

// specs are the tables devices write, derived from the registry. Others (org units, users, reference data)
// change through the API only.
var specs = func() map[string]spec {
	out := map[string]spec{}
	for _, t := range store.Tables() {
		r, ok := rules[t.Name]
		if t.Write == nil || !ok {
			continue
		}
		out[t.Name] = spec{WriteSpec: t.Write, check: checkWith(t, r)}
	}
	return out
}()

// checkWith composes a table's check: prepare, validate, authorize.
func checkWith(t *changelog.Table, r rule) func(ctx context.Context, a *applier, prev, row changelog.Row) error {
	return func(ctx context.Context, a *applier, prev, row changelog.Row) error {
		if r.prepare != nil {
			if err := r.prepare(ctx, a, prev, row); err != nil {
				return err
			}
		}
		if err := t.Validate(row); err != nil {
			return err
		}
		return r.authorize(ctx, a, prev, row)
	}
}

// applier applies one push's mutations for one caller inside one write transaction.
type applier struct {
	e        *Engine
	p        *domain.Principal
	tx       bun.IDB
	clientID string
	today    domain.Date
	// the batch's view (batch.go)
	rows     map[rowRef]changelog.Row
	units    map[string]*store.OrgUnit
	meetings map[string]*store.Meeting
	members  map[string]*store.Member // preloaded with their id and cell only
	refs     map[string]*store.ReferenceData
	rubrics  map[string]*store.Rubric // by province and day: the rubric in force (nil: none)
	assigns  []store.Assignment
	// written are the rows (rowKey) this batch has written so far; firstOf, the version each of them had before the
	// batch first wrote it (0: it did not exist), for those the batch had read before.
	written map[rowRef]bool
	firstOf map[rowRef]int64
	// drafts are the new rows the upserts would create, by seq, decoded before the lock (push.go).
	drafts map[int64]draft
	// noLock is set while the batch is applied before the device's lock, the push before it still writing
	// (overlap.go): its reads lock nothing.
	noLock bool
}

func newApplier(e *Engine, p *domain.Principal, tx bun.IDB, clientID string) *applier {
	return &applier{e: e, p: p, tx: tx, clientID: clientID, today: domain.DateOf(e.now()),
		rows: map[rowRef]changelog.Row{}, units: map[string]*store.OrgUnit{}, meetings: map[string]*store.Meeting{},
		members: map[string]*store.Member{}, refs: map[string]*store.ReferenceData{},
		rubrics: map[string]*store.Rubric{}, written: map[rowRef]bool{}, firstOf: map[rowRef]int64{}}
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
	if m.Form != domain.FormCell {
		// attendance and visit reports are of cell meetings; the other forms have participants (forms.go)
		return nil, reject("meeting_id", "sync.form_mismatch", "form", "@form."+string(m.Form))
	}
	return m, a.writableCell(ctx, m.CellID, m.MeetingDate)
}

func authorizeMeeting(ctx context.Context, a *applier, prev, row changelog.Row) error {
	m := row.(*store.Meeting)
	if m.Form != domain.FormCell {
		return authorizeFormMeeting(ctx, a, prev, row)
	}
	for _, ref := range []*string{m.ChairMemberID, m.SecretaryMemberID} {
		if ref != nil {
			if err := a.memberOfCell(ctx, *ref, m.CellID); err != nil {
				return err
			}
		}
	}
	// A closed cell holds no meeting after its closing day (a merge's predecessor: its successor does).
	if u, err := a.unit(ctx, m.CellID); err == nil && !u.ClosedOn.IsZero() && m.MeetingDate.After(u.ClosedOn) {
		return reject("meeting_date", "org.closed", "name", u.Name, "date", u.ClosedOn.VN())
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

func prepareAttendance(_ context.Context, _ *applier, prev, row changelog.Row) error {
	at := row.(*store.Attendance)
	if want := wire.AttendanceID(at.MeetingID, at.MemberID); prev == nil && at.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	return nil
}

func authorizeAttendance(ctx context.Context, a *applier, prev, row changelog.Row) error {
	at := row.(*store.Attendance)
	m, err := a.meetingOf(ctx, at.MeetingID)
	if err != nil {
		return err
	}
	if prev == nil {
		return a.memberOfCell(ctx, at.MemberID, m.CellID)
	}
	return nil
}

func prepareReport(_ context.Context, a *applier, prev, row changelog.Row) error {
	r := row.(*store.VisitReport)
	if prev == nil {
		r.OfficialID = a.p.UserID
	} else if r.OfficialID != a.p.UserID {
		return reject("official_id", "sync.not_owner")
	}
	if want := wire.ReportID(r.MeetingID, r.OfficialID); prev == nil && r.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	var was string
	if prev != nil {
		was = prev.(*store.VisitReport).Status
	}
	return a.reportStep(was, r)
}

// reportStep keeps a visit report's lock and history. A submitted report is locked: a plain change (or a delete) is
// refused with code invalid_transition; the official reopens it explicitly, setting status draft with a
// change_reason, and submits it again. Each submission and each reopening (who, when, why) is added to its history.
func (a *applier) reportStep(was string, r *store.VisitReport) error {
	var ev *store.ReportEvent
	switch {
	case was == domain.ReportSubmitted && r.Status == domain.ReportSubmitted:
		return transition("status", "sync.report_submitted")
	case was == domain.ReportSubmitted:
		r.ChangeReason = strings.TrimSpace(r.ChangeReason)
		if r.ChangeReason == "" {
			return transition("change_reason", "sync.report_reason")
		}
		r.SubmittedAt = nil
		ev = &store.ReportEvent{Action: "reopened", Reason: r.ChangeReason}
	case r.Status == domain.ReportSubmitted:
		r.ChangeReason = ""
		ev = &store.ReportEvent{Action: "submitted"}
	default:
		return nil
	}
	var history []store.ReportEvent
	if r.History != "" {
		if err := json.Unmarshal([]byte(r.History), &history); err != nil {
			return domain.Internal(err)
		}
	}
	ev.At, ev.By = a.e.now().UTC().Truncate(time.Second), a.p.UserID
	b, err := json.Marshal(append(history, *ev))
	if err != nil {
		return domain.Internal(err)
	}
	r.History = domain.JSONText(b)
	return nil
}

func transition(field, key string) error {
	e := domain.E(domain.CodeInvalidTransition, key)
	e.Field = field
	return e
}

func authorizeReport(ctx context.Context, a *applier, prev, row changelog.Row) error {
	r := row.(*store.VisitReport)
	m, err := a.meetingOf(ctx, r.MeetingID)
	if err != nil {
		return err
	}
	if !a.p.HasRole(domain.RoleOfficial) {
		return reject("meeting_id", "sync.not_assigned")
	}
	if err := a.score(ctx, r, m); err != nil {
		return err
	}
	if prev != nil && prev.(*store.VisitReport).Status == domain.ReportSubmitted && r.Status == domain.ReportDraft {
		// Reopened (reportStep checked the reason): the supervisors over the cell are told, in this transaction.
		return notify.ReportReopened(ctx, a.tx, r, m, r.ChangeReason, a.e.now())
	}
	return nil
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
	// The rubric in force on the meeting day: a rubric that changes later does not regrade a meeting.
	rubric, err := a.rubricOn(ctx, store.ProvinceOf(unit), m.MeetingDate)
	if err != nil {
		return err
	}
	if rubric == nil {
		return reject("scores", "error.not_found", "what", "@what.rubric")
	}
	maxOf := map[string]int{}
	for _, c := range rubric.Criteria {
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
	r.RubricID = &rubric.ID
	r.ScoreTotal = &total
	r.Grade = rubric.GradeFor(total)
	return nil
}

func prepareRecommendation(_ context.Context, a *applier, prev, row changelog.Row) error {
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
	return nil
}

func authorizeRecommendation(ctx context.Context, a *applier, _, row changelog.Row) error {
	r := row.(*store.Recommendation)
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
	if r.AddresseeID != nil { // a body of the directory of the cell's province (issue #12)
		cell, err := a.unit(ctx, r.CellID)
		if err != nil {
			return reject("cell_id", "sync.out_of_scope")
		}
		if _, err := store.GetAddressee(ctx, a.tx, store.ProvinceOf(cell), *r.AddresseeID); err != nil {
			return reject("addressee_id", "error.not_found", "what", "@what.addressee")
		}
	}
	if r.MeetingID != nil {
		if m, err := a.meeting(ctx, *r.MeetingID); err == nil && m.Form != domain.FormCell {
			return authorizeFormRecommendation(ctx, a, r, m)
		}
		m, err := a.meetingOf(ctx, *r.MeetingID)
		if err != nil {
			return err
		}
		if m.CellID != r.CellID {
			return reject("meeting_id", "error.bad_value", "field", "meeting_id")
		}
		return nil
	}
	if u, err := a.unit(ctx, r.CellID); err == nil && u.Kind == domain.KindCommune {
		// a commune-level recommendation is raised at one of its meetings of the other forms
		return reject("meeting_id", "sync.commune_rec_meeting")
	}
	return a.writableCell(ctx, r.CellID, r.RaisedOn)
}

func authorizeMember(ctx context.Context, a *applier, prev, row changelog.Row) error {
	m := row.(*store.Member)
	u, err := a.unit(ctx, m.CellID)
	if err != nil {
		return reject("cell_id", "sync.out_of_scope")
	}
	if u.Kind != domain.KindCell {
		return reject("cell_id", "org.not_cell")
	}
	// A closed cell takes no new member after its closing day.
	if prev == nil && !u.ClosedOn.IsZero() && u.ClosedOn.Before(domain.DateOf(time.Now())) {
		return reject("cell_id", "org.closed", "name", u.Name, "date", u.ClosedOn.VN())
	}
	if !a.p.Can(u.Path, domain.RoleAdmin, domain.RoleSecretary) {
		return reject("cell_id", "sync.out_of_scope")
	}
	return nil
}

func authorizeOwnNotification(_ context.Context, a *applier, _, row changelog.Row) error {
	if row.(*store.Notification).UserID != a.p.UserID {
		return reject("user_id", "sync.out_of_scope")
	}
	return nil
}

func authorizeOwnAssignment(_ context.Context, a *applier, _, row changelog.Row) error {
	if row.(*store.Assignment).OfficialID != a.p.UserID {
		return reject("official_id", "sync.out_of_scope")
	}
	return nil
}

// prepareConflict checks the caller sees the record a conflict is about before anything else.
func prepareConflict(_ context.Context, a *applier, _, row changelog.Row) error {
	c := row.(*store.Conflict)
	if c.Path != "" && !a.p.CanRead(c.Path) && c.Scope != a.p.UserID {
		return reject("row_id", "sync.out_of_scope")
	}
	if c.Path == "" && c.Scope != a.p.UserID {
		return reject("row_id", "sync.out_of_scope")
	}
	return nil
}

func authorizeConflict(_ context.Context, a *applier, _, row changelog.Row) error {
	c := row.(*store.Conflict)
	if c.ResolvedAt != nil {
		c.ResolvedBy = &a.p.UserID
	}
	return nil
}
