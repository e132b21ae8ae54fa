package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/store"
)

// recRoles follow recommendations through the loop in their subtrees: forward, judge answers, resolve.
var recRoles = []domain.Role{domain.RoleAdmin, domain.RoleSupervisor}

// sentBackDays is the time an addressee gets for a new answer when a verdict sends one back without a due date.
const sentBackDays = 15

// RecommendationDetail is a recommendation with its answers and its history, oldest first.
type RecommendationDetail struct {
	store.RecommendationView
	Answers []store.RecommendationAnswer `json:"answers"`
	Events  []store.RecommendationEvent  `json:"events"`
	// Bodies names the directory bodies the history and the answers refer to, by id.
	Bodies map[string]string `json:"bodies"`
	// Responder says the caller answers for the body the recommendation now stands with.
	Responder bool `json:"responder"`
	// Meetings names the meetings the history refers to (where the outcome was announced), by id.
	Meetings map[string]RecMeetingRef `json:"meetings"`
	// SuggestedAddresseeID is the directory body matching the official's addressee text, while none is chosen.
	SuggestedAddresseeID string `json:"suggested_addressee_id,omitempty"`
}

// RecMeetingRef names a meeting of a recommendation's history: its form (a cell meeting, a briefing …) and day.
type RecMeetingRef struct {
	Form        domain.MeetingForm `json:"form"`
	MeetingDate domain.Date        `json:"meeting_date"`
}

// ForwardInput forwards a recommendation to the body that must answer it, by a due date: AddresseeID, a body of
// the directory of addressees (or, the old way, AddresseeOrgUnitID, a party unit). A recommendation with only the
// official's addressee text gets the directory's best match when neither is given (see suggested_addressee_id).
// Direction, when given, is recorded as the standing committee's direction (chỉ đạo) just before.
type ForwardInput struct {
	AddresseeID        string `json:"addressee_id,omitempty"`
	Direction          string `json:"direction,omitempty"`
	AddresseeOrgUnitID string `json:"addressee_org_unit_id,omitempty"`
	// AddresseeText names the addressee as users know it ("UBND xã", "Phòng Kinh tế"); it replaces the text the
	// official recorded when given.
	AddresseeText *string     `json:"addressee_text,omitempty"`
	DueOn         domain.Date `json:"due_on"`
}

// AnswerInput records the addressee's written answer. AnsweredForID is the unit answered for: by default the
// addressee; a supervisor or admin entering an answer received on paper may name it (the addressee or a unit
// under it).
//
// For a body of the directory the answer is a document: DocNumber and DocDate (văn bản số … ngày …) are required.
// BeyondCompetence answers that the matter is beyond the body's competence (thuộc thẩm quyền cấp trên): the
// recommendation passes up at once, as POST …/escalate does, to EscalateTo or the body's parent, due DueOn.
type AnswerInput struct {
	Body             string      `json:"body"`
	AnsweredForID    string      `json:"answered_for_id,omitempty"`
	DocNumber        string      `json:"doc_number,omitempty"`
	DocDate          domain.Date `json:"doc_date,omitempty"`
	BeyondCompetence bool        `json:"beyond_competence,omitempty"`
	EscalateTo       string      `json:"escalate_to,omitempty"`
	DueOn            domain.Date `json:"due_on,omitempty"`
}

// DirectInput records the standing committee's direction (chỉ đạo) on a recommendation; its status is kept.
type DirectInput struct {
	Direction string `json:"direction"`
}

// EscalateInput passes a recommendation up to a higher body (AddresseeID; by default the parent of the body it
// stands with) because the body answered that it is beyond its competence, with a new due date (15 days on by
// default). The lower body's responder gives its answer's document (DocNumber, DocDate, Body); a supervisor
// escalating on reading a paper answer may give it.
type EscalateInput struct {
	AddresseeID string      `json:"addressee_id,omitempty"`
	DueOn       domain.Date `json:"due_on,omitempty"`
	Body        string      `json:"body,omitempty"`
	DocNumber   string      `json:"doc_number,omitempty"`
	DocDate     domain.Date `json:"doc_date,omitempty"`
}

// ConfirmInput is the cell secretary's confirmation on the ground that the matter is settled, with a note.
type ConfirmInput struct {
	Note string `json:"note,omitempty"`
}

// VerdictInput accepts the latest answer or sends it back for a new one, with a reason. DueOn is the new due
// date of a sent-back recommendation (15 days on by default).
type VerdictInput struct {
	Verdict string      `json:"verdict"`
	Reason  string      `json:"reason"`
	DueOn   domain.Date `json:"due_on,omitempty"`
}

// ResolveInput closes an accepted recommendation.
type ResolveInput struct {
	Note string `json:"note,omitempty"`
}

// AnnounceInput records that the outcome was reported back, optionally at a meeting.
type AnnounceInput struct {
	MeetingID string `json:"meeting_id,omitempty"`
}

// canReadRec reports whether p may read a recommendation: its cell is in p's read scope, or p answers for its
// addressee.
func canReadRec(p *domain.Principal, v *store.RecommendationView) bool {
	return p.CanRead(v.CellPath) || (v.AddresseePath != "" && p.Can(v.AddresseePath, domain.RoleResponder))
}

// isRecResponder reports whether p answers for the body recommendation v now stands with: a responder of its
// directory body (addressee_responders), or a responder grant over its addressee unit (the old way).
func isRecResponder(ctx context.Context, db bun.IDB, p *domain.Principal, v *store.RecommendationView) (bool, error) {
	if v.AddresseePath != "" && p.Can(v.AddresseePath, domain.RoleResponder) {
		return true, nil
	}
	if v.AddresseeID == nil || p.UserID == "" {
		return false, nil
	}
	return store.IsAddresseeResponder(ctx, db, p.UserID, *v.AddresseeID)
}

// canReadRecDB is canReadRec, with the responders of directory bodies; a body that answered earlier (before an
// escalation) still reads it.
func canReadRecDB(ctx context.Context, db bun.IDB, p *domain.Principal, v *store.RecommendationView) (bool, error) {
	if canReadRec(p, v) {
		return true, nil
	}
	if ok, err := isRecResponder(ctx, db, p, v); ok || err != nil {
		return ok, err
	}
	mine, err := store.ResponderOf(ctx, db, p.UserID)
	if err != nil || len(mine) == 0 {
		return false, err
	}
	n, err := db.NewSelect().Model((*store.RecommendationEvent)(nil)).Where("re.recommendation_id = ?", v.ID).
		Where("re.addressee_id IN (?)", bun.List(mine)).Count(ctx)
	return n > 0, err
}

func (s *Server) recommendationDetail(ctx context.Context, db bun.IDB, v *store.RecommendationView) (*RecommendationDetail, error) {
	d := &RecommendationDetail{RecommendationView: *v}
	var err error
	if d.Answers, err = store.RecommendationAnswers(ctx, db, v.ID); err != nil {
		return nil, err
	}
	if d.Events, err = store.RecommendationEvents(ctx, db, v.ID); err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range d.Events {
		if e.AddresseeID != nil {
			ids = append(ids, *e.AddresseeID)
		}
	}
	for _, a := range d.Answers {
		if a.AddresseeID != nil {
			ids = append(ids, *a.AddresseeID)
		}
	}
	if v.AddresseeID != nil {
		ids = append(ids, *v.AddresseeID)
	}
	if v.AddresseeParentID != nil {
		ids = append(ids, *v.AddresseeParentID)
	}
	if d.Bodies, err = store.AddresseeNames(ctx, db, ids); err != nil {
		return nil, err
	}
	d.Meetings = map[string]RecMeetingRef{}
	for _, e := range d.Events {
		if e.MeetingID == nil {
			continue
		}
		if m, err := store.GetMeeting(ctx, db, *e.MeetingID); err == nil {
			d.Meetings[m.ID] = RecMeetingRef{Form: m.Form, MeetingDate: m.MeetingDate}
		}
	}
	return d, nil
}

func (s *Server) listRecommendations(c echo.Context) error {
	p, err := pageRequest(c)
	if err != nil {
		return err
	}
	f, err := s.recommendationFilter(c)
	if err != nil {
		return err
	}
	page, err := store.ListRecommendations(c.Request().Context(), s.db.R, f, principal(c).ReadRoots(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// recommendationFilter reads the filters of the recommendation list (and of its export) from the query, for the
// caller: recommendations addressed to its responder subtrees are in the list too.
func (s *Server) recommendationFilter(c echo.Context) (store.RecommendationFilter, error) {
	ctx := c.Request().Context()
	f := store.RecommendationFilter{Query: c.QueryParam("q"), ResponderRoots: principal(c).Roots(domain.RoleResponder)}
	var err error
	if f.ResponderOf, err = store.ResponderOf(ctx, s.db.R, principal(c).UserID); err != nil {
		return f, err
	}
	if f.DirectoryAddresseeID, err = queryID(c, "directory_id"); err != nil {
		return f, err
	}
	answering, err := queryBool(c, "answering")
	if err != nil {
		return f, err
	}
	f.Answering = answering != nil && *answering
	toAnnounce, err := queryBool(c, "to_announce")
	if err != nil {
		return f, err
	}
	f.ToAnnounce = toAnnounce != nil && *toAnnounce
	if f.CellID, err = queryID(c, "cell_id"); err != nil {
		return f, err
	}
	if f.MeetingID, err = queryID(c, "meeting_id"); err != nil {
		return f, err
	}
	if f.FieldID, err = queryID(c, "field_id"); err != nil {
		return f, err
	}
	for _, v := range c.QueryParams()["status"] {
		for _, st := range strings.Split(v, ",") {
			st := domain.RecStatus(strings.TrimSpace(st))
			if !st.Valid() {
				return f, domain.Invalid("status", "error.bad_value", "field", "status")
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if f.UnitPath, err = s.unitPathParam(ctx, c, "unit"); err != nil {
		return f, err
	}
	if f.AddresseePath, err = s.unitPathParam(ctx, c, "addressee_id"); err != nil {
		return f, err
	}
	overdue, err := queryBool(c, "overdue")
	if err != nil {
		return f, err
	}
	f.Overdue = overdue != nil && *overdue
	if f.OlderThan, err = queryDays(c, "older_than"); err != nil {
		return f, err
	}
	if f.RaisedFrom, err = queryDate(c, "raised_from"); err != nil {
		return f, err
	}
	if f.RaisedTo, err = queryDate(c, "raised_to"); err != nil {
		return f, err
	}
	return f, nil
}

// unitPathParam reads an optional org unit id query parameter and returns the unit's path ("" when absent).
// The unit only narrows a list already limited to the caller's scope, so any existing unit will do.
func (s *Server) unitPathParam(ctx context.Context, c echo.Context, name string) (string, error) {
	id, err := queryID(c, name)
	if err != nil || id == "" {
		return "", err
	}
	u, err := store.GetOrgUnit(ctx, s.db.R, id)
	if err != nil {
		return "", domain.Invalid(name, "error.not_found", "what", "@what.org_unit")
	}
	return u.Path, nil
}

// queryDays reads an optional number of days.
func queryDays(c echo.Context, name string) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 36500 {
		return 0, domain.Invalid(name, "rec.bad_days", "field", name)
	}
	return n, nil
}

func (s *Server) getRecommendation(c echo.Context) error {
	id, err := idParam(c, "id", "@what.recommendation")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := store.GetRecommendation(ctx, s.db.R, id)
	if err != nil {
		return err
	}
	if ok, err := canReadRecDB(ctx, s.db.R, principal(c), v); err != nil {
		return err
	} else if !ok {
		return domain.NotFound("@what.recommendation")
	}
	d, err := s.recommendationDetail(ctx, s.db.R, v)
	if err != nil {
		return err
	}
	if d.Responder, err = isRecResponder(ctx, s.db.R, principal(c), v); err != nil {
		return err
	}
	if v.AddresseeID == nil && v.AddresseeText != "" {
		if d.SuggestedAddresseeID = s.suggestAddressee(ctx, s.db.R, v, v.AddresseeText); d.SuggestedAddresseeID != "" {
			names, err := store.AddresseeNames(ctx, s.db.R, []string{d.SuggestedAddresseeID})
			if err != nil {
				return err
			}
			d.Bodies[d.SuggestedAddresseeID] = names[d.SuggestedAddresseeID]
		}
	}
	return c.JSON(http.StatusOK, d)
}

// stepRecommendation runs one step of the loop on recommendation :id in a write transaction: prepare checks the
// caller may take it and turns the input into a store.RecStep; the step is validated against the status,
// recorded with its event and audited; an answer notifies the official who raised the recommendation and the
// cell's secretaries, a forwarding the addressee's responders. It answers the updated RecommendationDetail.
func (s *Server) stepRecommendation(c echo.Context, prepare func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error)) error {
	id, err := idParam(c, "id", "@what.recommendation")
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		v, err := store.GetRecommendation(ctx, tx, id)
		if err != nil {
			return err
		}
		st, err := prepare(ctx, tx, p, v)
		if err != nil {
			return err
		}
		st.ActorID = p.UserID
		res, err := store.StepRecommendation(ctx, tx, &v.Recommendation, st)
		if err != nil {
			return err
		}
		now := time.Now()
		switch st.Action {
		case domain.RecActionAnswer:
			err = notify.RecommendationAnswered(ctx, tx, res.Recommendation, res.Answer, now)
		case domain.RecActionForward:
			err = notify.RecommendationForwarded(ctx, tx, res.Recommendation, p.UserID, now)
		case domain.RecActionEscalate:
			err = notify.RecommendationEscalated(ctx, tx, res.Recommendation, v.AddresseeName, p.UserID, now)
		case domain.RecActionSendBack:
			err = notify.RecommendationSentBack(ctx, tx, res.Recommendation, st.Note, p.UserID, now)
		case domain.RecActionAccept:
			err = notify.RecommendationAccepted(ctx, tx, res.Recommendation, p.UserID, now)
		}
		if err != nil {
			return err
		}
		return store.PlanRecReminders(ctx, tx, res.Recommendation.ID, now)
	})
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := store.GetRecommendation(ctx, s.db.R, id)
	if err != nil {
		return err
	}
	d, err := s.recommendationDetail(ctx, s.db.R, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) forwardRecommendation(c echo.Context) error {
	var in ForwardInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		st := store.RecStep{Action: domain.RecActionForward, AddresseeText: in.AddresseeText, DueOn: in.DueOn, Direction: in.Direction}
		if !p.Can(v.CellPath, recRoles...) {
			return st, domain.Forbidden()
		}
		if in.AddresseeID == "" && in.AddresseeOrgUnitID == "" {
			// The official's addressee text, matched to the directory (suggested; the caller may pick another).
			text := v.AddresseeText
			if in.AddresseeText != nil {
				text = *in.AddresseeText
			}
			if m := s.suggestAddressee(ctx, tx, v, text); m != "" {
				in.AddresseeID = m
			}
		}
		if in.AddresseeID != "" {
			a, err := s.directoryBody(ctx, tx, "addressee_id", in.AddresseeID, v)
			if err != nil {
				return st, err
			}
			if err := checkDue(in.DueOn); err != nil {
				return st, err
			}
			st.DirectoryID = a.ID
			return st, nil
		}
		id, ok := domain.ParseID(in.AddresseeOrgUnitID)
		if in.AddresseeOrgUnitID == "" {
			return st, domain.Invalid("addressee_id", "error.required", "field", "addressee_id")
		}
		if !ok {
			return st, domain.Invalid("addressee_org_unit_id", "error.bad_id")
		}
		u, err := store.GetOrgUnit(ctx, tx, id)
		if err != nil {
			return st, domain.Invalid("addressee_org_unit_id", "error.not_found", "what", "@what.addressee")
		}
		if store.ProvinceOf(u) != store.ProvinceOf(&store.OrgUnit{Path: v.CellPath}) {
			return st, domain.Invalid("addressee_org_unit_id", "rec.addressee_other_province")
		}
		if in.DueOn.IsZero() {
			return st, domain.Invalid("due_on", "error.required", "field", "due_on")
		}
		if in.DueOn.Before(domain.DateOf(time.Now())) {
			return st, domain.Invalid("due_on", "rec.due_before_today")
		}
		st.AddresseeID = u.ID
		return st, nil
	})
}

func (s *Server) answerRecommendation(c echo.Context) error {
	var in AnswerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		if in.BeyondCompetence {
			return s.prepareEscalate(ctx, tx, p, v, EscalateInput{AddresseeID: in.EscalateTo, DueOn: in.DueOn, Body: in.Body,
				DocNumber: in.DocNumber, DocDate: in.DocDate})
		}
		st := store.RecStep{Action: domain.RecActionAnswer, Body: in.Body, DocNumber: in.DocNumber, DocDate: in.DocDate}
		responder, err := isRecResponder(ctx, tx, p, v)
		if err != nil {
			return st, err
		}
		if !responder && !p.Can(v.CellPath, recRoles...) {
			return st, domain.Forbidden()
		}
		if v.AddresseeID != nil {
			if err := checkDocument(in.DocNumber, in.DocDate); err != nil {
				return st, err
			}
		} else if !in.DocDate.IsZero() && in.DocDate.After(domain.DateOf(time.Now())) {
			return st, domain.Invalid("doc_date", "loop.doc_date_future")
		}
		if v.AddresseeOrgUnitID != nil {
			st.AnsweredForID = *v.AddresseeOrgUnitID
		}
		if in.AnsweredForID != "" {
			id, ok := domain.ParseID(in.AnsweredForID)
			if !ok {
				return st, domain.Invalid("answered_for_id", "error.bad_id")
			}
			u, err := store.GetOrgUnit(ctx, tx, id)
			if err != nil || v.AddresseePath == "" || !domain.Under(u.Path, v.AddresseePath) {
				return st, domain.Invalid("answered_for_id", "rec.answered_for")
			}
			st.AnsweredForID = u.ID
		}
		return st, nil
	})
}

func (s *Server) judgeRecommendation(c echo.Context) error {
	var in VerdictInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		st := store.RecStep{Note: in.Reason, DueOn: in.DueOn}
		if !p.Can(v.CellPath, recRoles...) {
			return st, domain.Forbidden()
		}
		today := domain.DateOf(time.Now())
		switch in.Verdict {
		case "accepted":
			st.Action, st.DueOn = domain.RecActionAccept, domain.Date{}
		case "sent_back":
			st.Action = domain.RecActionSendBack
			if st.DueOn.IsZero() {
				st.DueOn = today.AddDays(sentBackDays)
			} else if st.DueOn.Before(today) {
				return st, domain.Invalid("due_on", "rec.due_before_today")
			}
		default:
			return st, domain.Invalid("verdict", "rec.bad_verdict")
		}
		return st, nil
	})
}

// checkDue checks the due date of a forwarding: given, and not before today.
func checkDue(due domain.Date) error {
	if due.IsZero() {
		return domain.Invalid("due_on", "error.required", "field", "due_on")
	}
	if due.Before(domain.DateOf(time.Now())) {
		return domain.Invalid("due_on", "rec.due_before_today")
	}
	return nil
}

// checkDocument checks a written answer's document: its number and its date, not after today.
func checkDocument(number string, date domain.Date) error {
	if domain.CleanText(number) == "" {
		return domain.Invalid("doc_number", "loop.doc_number_required")
	}
	if date.IsZero() {
		return domain.Invalid("doc_date", "loop.doc_date_required")
	}
	if date.After(domain.DateOf(time.Now())) {
		return domain.Invalid("doc_date", "loop.doc_date_future")
	}
	return nil
}

// directoryBody reads the directory body named by id (input field field) for recommendation v: a live body of
// the cell's province (or one with no province: a central body), in force today.
func (s *Server) directoryBody(ctx context.Context, tx bun.IDB, field, raw string, v *store.RecommendationView) (*store.Addressee, error) {
	id, ok := domain.ParseID(raw)
	if !ok {
		return nil, domain.Invalid(field, "error.bad_id")
	}
	a, err := store.GetAddressee(ctx, tx, "", id)
	if err != nil {
		return nil, domain.Invalid(field, "error.not_found", "what", "@what.addressee")
	}
	if a.ProvinceID != nil && *a.ProvinceID != store.ProvinceOf(&store.OrgUnit{Path: v.CellPath}) {
		return nil, domain.Invalid(field, "rec.addressee_other_province")
	}
	today := domain.DateOf(time.Now())
	if !a.ActiveOn(today) {
		return nil, domain.Invalid(field, "loop.body_inactive", "name", a.Name)
	}
	return a, nil
}

// suggestAddressee returns the directory body store.MatchAddressee finds for the official's addressee text (the
// commune's own bodies first), in force today; "" when none.
func (s *Server) suggestAddressee(ctx context.Context, tx bun.IDB, v *store.RecommendationView, text string) string {
	a, err := store.MatchAddressee(ctx, tx, store.ProvinceOf(&store.OrgUnit{Path: v.CellPath}), text, domain.DateOf(time.Now()), v.CellID)
	if err != nil || a == nil {
		return ""
	}
	return a.ID
}

func (s *Server) directRecommendation(c echo.Context) error {
	var in DirectInput
	if err := decode(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		if !p.Can(v.CellPath, recRoles...) {
			return store.RecStep{}, domain.Forbidden()
		}
		return store.RecStep{Action: domain.RecActionDirect, Note: in.Direction}, nil
	})
}

func (s *Server) escalateRecommendation(c echo.Context) error {
	var in EscalateInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		return s.prepareEscalate(ctx, tx, p, v, in)
	})
}

// prepareEscalate checks an escalation: the responder of the body the recommendation stands with, with its
// answer's document, or a supervisor or admin of the cell (the document optional); the higher body is the one
// named, or the body's parent.
func (s *Server) prepareEscalate(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView, in EscalateInput) (store.RecStep, error) {
	st := store.RecStep{Action: domain.RecActionEscalate, Body: in.Body, DocNumber: in.DocNumber, DocDate: in.DocDate}
	responder, err := isRecResponder(ctx, tx, p, v)
	if err != nil {
		return st, err
	}
	supervisor := p.Can(v.CellPath, recRoles...)
	if !responder && !supervisor {
		return st, domain.Forbidden()
	}
	if _, err := domain.RecTransition(domain.RecActionEscalate, v.Status); err != nil {
		return st, err
	}
	if v.AddresseeID == nil {
		return st, domain.Invalid("addressee_id", "loop.escalate_needs_directory")
	}
	if responder || in.DocNumber != "" || !in.DocDate.IsZero() {
		if err := checkDocument(in.DocNumber, in.DocDate); err != nil {
			return st, err
		}
	}
	from, err := store.GetAddressee(ctx, tx, "", *v.AddresseeID)
	if err != nil {
		return st, err
	}
	target := in.AddresseeID
	if target == "" {
		if from.ParentID == nil {
			return st, domain.Invalid("addressee_id", "loop.no_higher_body")
		}
		target = *from.ParentID
	}
	to, err := s.directoryBody(ctx, tx, "addressee_id", target, v)
	if err != nil {
		return st, err
	}
	if ok, err := store.IsHigherBody(ctx, tx, from, to); err != nil {
		return st, err
	} else if !ok {
		return st, domain.Invalid("addressee_id", "loop.not_higher", "name", to.Name)
	}
	st.DirectoryID, st.DueOn = to.ID, in.DueOn
	if st.DueOn.IsZero() {
		st.DueOn = domain.DateOf(time.Now()).AddDays(sentBackDays)
	} else if err := checkDue(st.DueOn); err != nil {
		return st, err
	}
	return st, nil
}

func (s *Server) confirmRecommendation(c echo.Context) error {
	var in ConfirmInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		if !p.Can(v.CellPath, domain.RoleSecretary) {
			return store.RecStep{}, domain.Forbidden()
		}
		return store.RecStep{Action: domain.RecActionConfirm, Note: in.Note}, nil
	})
}

func (s *Server) resolveRecommendation(c echo.Context) error {
	var in ResolveInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		if !p.Can(v.CellPath, recRoles...) {
			return store.RecStep{}, domain.Forbidden()
		}
		return store.RecStep{Action: domain.RecActionResolve, Note: in.Note}, nil
	})
}

func (s *Server) announceRecommendation(c echo.Context) error {
	var in AnnounceInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	return s.stepRecommendation(c, func(ctx context.Context, tx bun.IDB, p *domain.Principal, v *store.RecommendationView) (store.RecStep, error) {
		st := store.RecStep{Action: domain.RecActionAnnounce}
		if !p.Can(v.CellPath, domain.RoleAdmin, domain.RoleSupervisor, domain.RoleSecretary) {
			return st, domain.Forbidden()
		}
		if in.MeetingID != "" {
			id, ok := domain.ParseID(in.MeetingID)
			if !ok {
				return st, domain.Invalid("meeting_id", "error.bad_id")
			}
			m, err := store.GetMeeting(ctx, tx, id)
			if err != nil || !p.CanRead(m.CellPath) {
				return st, domain.Invalid("meeting_id", "error.not_found", "what", "@what.meeting")
			}
			// A briefing, dialogue or committee meeting is the commune's: it must be held over the cell.
			if m.Form != domain.FormCell && m.Form != "" && !domain.Under(v.CellPath, m.CellPath) {
				return st, domain.Invalid("meeting_id", "loop.briefing_other_unit")
			}
			if m.Form == domain.FormCell && m.CellID != v.CellID {
				return st, domain.Invalid("meeting_id", "loop.briefing_other_unit")
			}
			st.MeetingID = m.ID
		}
		return st, nil
	})
}

// decodeOptional is decode for a body that may be left out altogether.
func decodeOptional(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return decode(c, v)
}

// langName picks a reference row's name in the caller's language (Vietnamese when it has no English name).
func langName(l i18n.Lang, vi, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return vi
}

func (s *Server) recommendationStats(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	from, err := queryDate(c, "from")
	if err != nil {
		return err
	}
	to, err := queryDate(c, "to")
	if err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return domain.Invalid("to", "rec.bad_period")
	}
	id, err := queryID(c, "unit")
	if err != nil {
		return err
	}
	roots := p.ReadRoots()
	if id != "" {
		u, err := s.readableUnit(c, s.db.R, id)
		if err != nil {
			return err
		}
		roots = []string{u.Path}
	}
	fields, err := s.provinceFields(ctx, roots)
	if err != nil {
		return err
	}
	st, err := store.RecommendationStats(ctx, s.db.R, roots, from, to, fields)
	if err != nil {
		return err
	}
	nameFields(st, lang(c))
	if st.ByAddressee, err = store.RecommendationStatsByAddressee(ctx, s.db.R, roots, from, to, domain.DateOf(time.Now())); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// provinceFields returns the province's list of recommendation fields when roots lie in one province (nil
// otherwise), so that every field gets a row in the statistics.
func (s *Server) provinceFields(ctx context.Context, roots []string) ([]store.RecommendationField, error) {
	province := ""
	for i, r := range roots {
		pr := store.ProvinceOf(&store.OrgUnit{Path: r})
		if i > 0 && pr != province {
			return nil, nil
		}
		province = pr
	}
	if province == "" || province == "/" {
		return nil, nil
	}
	ref, err := store.Reference(ctx, s.db.R, province)
	if err != nil {
		return nil, err
	}
	return ref.Fields, nil
}

// nameFields names the statistics' field rows in l.
func nameFields(st *store.RecStats, l i18n.Lang) {
	for i := range st.ByField {
		f := &st.ByField[i]
		f.FieldName = langName(l, f.NameVI, f.NameEN)
		if f.FieldID == nil {
			f.FieldName = i18n.T(l, "rec.no_field", nil)
		}
	}
}
