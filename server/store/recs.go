package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// RecommendationView is a recommendation with its cell's and addressee's names, and how long it has been open.
type RecommendationView struct {
	Recommendation `bun:",extend"`
	CellName       string `bun:"cell_name" json:"cell_name"`
	CellPath       string `bun:"cell_path" json:"-"`
	AddresseeName  string `bun:"addressee_name" json:"addressee_name"`
	AddresseePath  string `bun:"addressee_path" json:"-"`
	// AddresseeParentID is the body above the directory addressee (where an escalation goes by default).
	AddresseeParentID *string `bun:"addressee_parent_id" json:"addressee_parent_id"`
	// DaysOpen counts the days from raised_on to the day it was resolved, or to today while it is not.
	DaysOpen int `bun:"-" json:"days_open"`
	// Overdue says it still waits for an answer (new, forwarded or sent back) and its due date has passed.
	Overdue bool `bun:"-" json:"overdue"`
}

// fill computes the view's derived fields for today.
func (v *RecommendationView) fill(today domain.Date) {
	end := today
	if v.ResolvedAt != nil {
		end = domain.DateOf(*v.ResolvedAt)
	}
	v.DaysOpen = max(0, domain.DaysBetween(v.RaisedOn, end))
	v.Overdue = v.Status.Open() && !v.DueOn.IsZero() && v.DueOn.Before(today)
}

// RecommendationFilter selects recommendations. Zero fields do not filter.
type RecommendationFilter struct {
	CellID    string
	MeetingID string
	FieldID   string
	Status    domain.RecStatus
	// Statuses keeps recommendations in any of these statuses (with Status, if set).
	Statuses []domain.RecStatus
	Query    string
	// UnitPath keeps recommendations of cells in this subtree; AddresseePath those forwarded to a unit in it.
	UnitPath      string
	AddresseePath string
	// Overdue keeps the open recommendations (new, forwarded, sent back) whose due date is before Today.
	Overdue bool
	// OlderThan, when positive, keeps recommendations raised more than this many days before Today.
	OlderThan  int
	RaisedFrom domain.Date
	RaisedTo   domain.Date
	// ResponderRoots are the paths of the caller's responder grants: recommendations addressed to a unit under
	// one of them are listed too, wherever their cell is.
	ResponderRoots []string
	// ResponderOf are the directory bodies the caller answers for (addressee_responders): recommendations
	// addressed to them are listed too, wherever their cell is.
	ResponderOf []string
	// DirectoryAddresseeID keeps recommendations addressed to this directory body.
	DirectoryAddresseeID string
	// Answering keeps the recommendations the caller answers for where they now stand: addressed to one of
	// ResponderOf, or to a unit under ResponderRoots.
	Answering bool
	// ToAnnounce keeps the accepted or resolved recommendations whose outcome is not yet announced (the list for
	// the next briefing).
	ToAnnounce bool
	// Today is the day DaysOpen and Overdue are computed for (today in Asia/Ho_Chi_Minh when zero).
	Today domain.Date
}

func recommendationQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Recommendation)(nil)).Column("r.*").
		ColumnExpr("ou.name AS cell_name, ou.path AS cell_path, COALESCE(dir.name, ad.name) AS addressee_name, ad.path AS addressee_path").
		ColumnExpr("dir.parent_id AS addressee_parent_id").
		Join("JOIN org_units AS ou ON ou.id = r.cell_id").
		Join("LEFT JOIN org_units AS ad ON ad.id = r.addressee_org_unit_id").
		Join("LEFT JOIN addressees AS dir ON dir.id = r.addressee_id")
}

// openStatuses are the statuses in which a passed due date makes a recommendation overdue.
var openStatuses = []domain.RecStatus{domain.RecNew, domain.RecForwarded, domain.RecSentBack}

// ListRecommendations lists the recommendations of cells under roots (and those addressed to the subtrees of
// f.ResponderRoots), by date raised then id.
func ListRecommendations(ctx context.Context, db bun.IDB, f RecommendationFilter, roots []string, p PageRequest) (Page[RecommendationView], error) {
	today := f.Today
	if today.IsZero() {
		today = domain.DateOf(time.Now())
	}
	q := recommendationQuery(db).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery { return inSubtrees(q, "ou.path", roots) })
		if len(f.ResponderRoots) > 0 {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return inSubtrees(q, "ad.path", f.ResponderRoots)
			})
		}
		if len(f.ResponderOf) > 0 {
			q = q.WhereOr("r.addressee_id IN (?)", bun.List(f.ResponderOf))
		}
		return q
	})
	if f.CellID != "" {
		q = q.Where("r.cell_id = ?", f.CellID)
	}
	if f.MeetingID != "" {
		q = q.Where("r.meeting_id = ?", f.MeetingID)
	}
	if f.FieldID != "" {
		q = q.Where("r.field_id = ?", f.FieldID)
	}
	if f.Status != "" {
		q = q.Where("r.status = ?", f.Status)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("r.status IN (?)", bun.List(f.Statuses))
	}
	if f.UnitPath != "" {
		q = inSubtrees(q, "ou.path", []string{f.UnitPath})
	}
	if f.AddresseePath != "" {
		q = inSubtrees(q, "ad.path", []string{f.AddresseePath})
	}
	if f.Answering {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery { return inSubtrees(q, "ad.path", f.ResponderRoots) })
			if len(f.ResponderOf) > 0 {
				q = q.WhereOr("r.addressee_id IN (?)", bun.List(f.ResponderOf))
			}
			return q
		})
	}
	if f.DirectoryAddresseeID != "" {
		q = q.Where("r.addressee_id = ?", f.DirectoryAddresseeID)
	}
	if f.ToAnnounce {
		q = q.Where("r.status IN (?) AND r.announced_at IS NULL", bun.List([]domain.RecStatus{domain.RecAccepted, domain.RecResolved}))
	}
	if f.Overdue {
		q = q.Where("r.due_on IS NOT NULL AND r.due_on < ? AND r.status IN (?)", today, bun.List(openStatuses))
	}
	if f.OlderThan > 0 {
		q = q.Where("r.raised_on < ?", today.AddDays(-f.OlderThan))
	}
	if !f.RaisedFrom.IsZero() {
		q = q.Where("r.raised_on >= ?", f.RaisedFrom)
	}
	if !f.RaisedTo.IsZero() {
		q = q.Where("r.raised_on <= ?", f.RaisedTo)
	}
	q = whereFold(q, "r.content_fold", f.Query)
	page, err := keysetPage(ctx, q, p, "r.raised_on", "r.id", func(r RecommendationView) (string, string) { return r.RaisedOn.String(), r.ID })
	for i := range page.Items {
		page.Items[i].fill(today)
	}
	return page, err
}

// GetRecommendation returns the live recommendation id.
func GetRecommendation(ctx context.Context, db bun.IDB, id string) (*RecommendationView, error) {
	r := new(RecommendationView)
	if err := recommendationQuery(db).Where("r.id = ?", id).Scan(ctx, r); err != nil {
		return nil, notFound(err, "@what.recommendation")
	}
	r.fill(domain.DateOf(time.Now()))
	return r, nil
}

// RecommendationEvents returns the history of a recommendation, oldest first.
func RecommendationEvents(ctx context.Context, db bun.IDB, recID string) ([]RecommendationEvent, error) {
	out := []RecommendationEvent{}
	err := db.NewSelect().Model(&out).Where("re.recommendation_id = ?", recID).OrderExpr("re.at, re.id").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// RecStep is one step of the Gia Lộc loop to record on a recommendation: Action is one of domain.RecAction*, and
// the other fields are that step's input.
type RecStep struct {
	Action  string
	ActorID string
	// Forward: the addressee org unit (the old way) or DirectoryID, a body of the directory; optionally a new
	// addressee text; and the due date. Escalate: DirectoryID is the higher body, DueOn the new due date, and the
	// document fields the lower body's answer that the matter is beyond its competence (if it gave one).
	AddresseeID   string
	DirectoryID   string
	AddresseeText *string
	DueOn         domain.Date
	// Answer and escalate: the document (văn bản số … ngày …) and the body it is given for.
	DocNumber string
	DocDate   domain.Date
	// Direct: the direction (chỉ đạo) is Note. Forward: Direction, when set, is recorded as a direction step just
	// before the forwarding.
	Direction string
	// Answer: the written answer and the unit it answers for (the addressee, or a unit under it).
	Body          string
	AnsweredForID string
	// Send back: the reason (and DueOn, the new due date); resolve: an optional note.
	Note string
	// Announce: the meeting where the outcome was reported back, if any.
	MeetingID string
}

// StepResult is what a step wrote.
type StepResult struct {
	Recommendation *Recommendation
	Answer         *RecommendationAnswer // the answer written or judged, if any
	Event          *RecommendationEvent
}

// StepRecommendation checks that st may follow the recommendation's status (else error code invalid_transition),
// applies it, records the event in its history and audits the change, all through db (the caller's write
// transaction). The caller has checked who may take the step.
func StepRecommendation(ctx context.Context, db bun.IDB, before *Recommendation, st RecStep) (*StepResult, error) {
	if st.Action == domain.RecActionForward && domain.CleanText(st.Direction) != "" {
		if _, err := domain.RecTransition(st.Action, before.Status); err != nil {
			return nil, err
		}
		d, err := StepRecommendation(ctx, db, before, RecStep{Action: domain.RecActionDirect, ActorID: st.ActorID, Note: st.Direction})
		if err != nil {
			return nil, err
		}
		before, st.Direction = d.Recommendation, ""
	}
	to, err := domain.RecTransition(st.Action, before.Status)
	if err != nil {
		return nil, err
	}
	if st.Action == domain.RecActionAnnounce && before.AnnouncedAt != nil {
		return nil, domain.E(domain.CodeInvalidTransition, "rec.invalid_transition",
			"from", "@rec.status.announced", "to", "@rec.status.announced")
	}
	now := Now()
	r := *before
	r.Status = to
	ev := &RecommendationEvent{RecommendationID: r.ID, Action: st.Action, FromStatus: before.Status, ToStatus: to, At: now,
		ActorUserID: ptrOrNil(st.ActorID)}
	res := &StepResult{Recommendation: &r, Event: ev}
	ev.Note = st.Note
	if err := ev.Normalize(); err != nil {
		return nil, err
	}
	note := ev.Note
	switch st.Action {
	case domain.RecActionForward:
		if st.AddresseeID == "" && st.DirectoryID == "" {
			return nil, domain.Invalid("addressee_id", "error.required", "field", "addressee_id")
		}
		if st.DueOn.IsZero() {
			return nil, domain.Invalid("due_on", "error.required", "field", "due_on")
		}
		r.AddresseeOrgUnitID, r.AddresseeID = ptrOrNil(st.AddresseeID), ptrOrNil(st.DirectoryID)
		r.DueOn, r.ForwardedAt, r.ForwardedBy = st.DueOn, &now, ptrOrNil(st.ActorID)
		if st.AddresseeText != nil {
			r.AddresseeText = *st.AddresseeText
		}
		ev.AddresseeOrgUnitID, ev.AddresseeID, ev.DueOn = r.AddresseeOrgUnitID, r.AddresseeID, st.DueOn
	case domain.RecActionAnswer:
		a, err := insertAnswer(ctx, db, &r, st, now, false)
		if err != nil {
			return nil, err
		}
		res.Answer, ev.AnswerID, ev.AddresseeOrgUnitID, ev.AddresseeID = a, &a.ID, a.AnsweredForID, a.AddresseeID
		ev.DocNumber, ev.DocDate = a.DocNumber, a.DocDate
	case domain.RecActionDirect:
		if note == "" {
			return nil, domain.Invalid("direction", "loop.direction_required")
		}
		r.Direction, r.DirectedAt, r.DirectedBy = note, &now, ptrOrNil(st.ActorID)
	case domain.RecActionEscalate:
		if st.DirectoryID == "" {
			return nil, domain.Invalid("addressee_id", "loop.no_higher_body")
		}
		if st.DueOn.IsZero() {
			return nil, domain.Invalid("due_on", "error.required", "field", "due_on")
		}
		if st.DocNumber != "" || st.Body != "" {
			// The lower body's answer that the matter is beyond its competence, kept with the history.
			a, err := insertAnswer(ctx, db, &r, st, now, true)
			if err != nil {
				return nil, err
			}
			res.Answer, ev.AnswerID, ev.DocNumber, ev.DocDate = a, &a.ID, a.DocNumber, a.DocDate
		}
		// ForwardedAt and ForwardedBy stay: the supervisor who forwarded it is still the one told when it is late.
		r.AddresseeOrgUnitID, r.AddresseeID, r.DueOn = nil, &st.DirectoryID, st.DueOn
		r.Escalations++
		ev.AddresseeID, ev.DueOn = &st.DirectoryID, st.DueOn
	case domain.RecActionConfirm:
		r.ResolvedAt, r.ConfirmedAt, r.ConfirmedBy = &now, &now, ptrOrNil(st.ActorID)
	case domain.RecActionAccept, domain.RecActionSendBack:
		if st.Action == domain.RecActionSendBack {
			if note == "" {
				return nil, domain.Invalid("reason", "rec.reason_required")
			}
			r.DueOn, ev.DueOn = st.DueOn, st.DueOn
		}
		var last RecommendationAnswer
		if err := db.NewSelect().Model(&last).Where("ra.recommendation_id = ?", r.ID).
			OrderExpr("ra.answered_at DESC, ra.id DESC").Limit(1).Scan(ctx); err != nil {
			return nil, domain.Internalf("recommendation %s has no answer to judge: %w", r.ID, err)
		}
		a := last
		a.Verdict, a.VerdictReason, a.VerdictBy, a.VerdictAt = domain.VerdictAccepted, note, ptrOrNil(st.ActorID), &now
		if st.Action == domain.RecActionSendBack {
			a.Verdict = domain.VerdictSentBack
		}
		if err := Update(ctx, db, &last, &a); err != nil {
			return nil, err
		}
		if err := Audit(ctx, db, "verdict", "recommendation_answer", a.ID, &r.CellID, &last, &a); err != nil {
			return nil, err
		}
		res.Answer, ev.AnswerID = &a, &a.ID
	case domain.RecActionResolve:
		r.ResolvedAt = &now
	case domain.RecActionAnnounce:
		r.AnnouncedAt, r.AnnouncedMeetingID = &now, ptrOrNil(st.MeetingID)
		ev.MeetingID = r.AnnouncedMeetingID
	}
	if err := r.Normalize(); err != nil {
		return nil, err
	}
	if err := Update(ctx, db, before, &r); err != nil {
		return nil, err
	}
	if err := Audit(ctx, db, st.Action, "recommendation", r.ID, &r.CellID, before, &r); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, ev); err != nil {
		return nil, err
	}
	return res, nil
}

// insertAnswer records the answer of st on r: for the directory body r is addressed to (with its document), or
// for the org unit st names (the old way); beyond marks an answer that the matter is beyond the body's competence.
func insertAnswer(ctx context.Context, db bun.IDB, r *Recommendation, st RecStep, now time.Time, beyond bool) (*RecommendationAnswer, error) {
	a := &RecommendationAnswer{RecommendationID: r.ID, Body: st.Body, AnsweredBy: ptrOrNil(st.ActorID),
		AnsweredForID: ptrOrNil(st.AnsweredForID), AnsweredAt: now, AddresseeID: r.AddresseeID,
		DocNumber: domain.CleanText(st.DocNumber), DocDate: st.DocDate, BeyondCompetence: beyond}
	if beyond && domain.CleanText(a.Body) == "" {
		a.Body = "Thuộc thẩm quyền cấp trên"
	}
	if err := a.Normalize(); err != nil {
		return nil, err
	}
	if err := checkLen("doc_number", a.DocNumber, 100); err != nil {
		return nil, err
	}
	if err := Insert(ctx, db, a); err != nil {
		return nil, err
	}
	if err := Audit(ctx, db, "create", "recommendation_answer", a.ID, &r.CellID, nil, a); err != nil {
		return nil, err
	}
	return a, nil
}

func ptrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
