package engine

// The push rules of the commune's meetings of the other forms (issue #12): monthly briefings of the cell
// secretaries (giao ban), dialogues (đối thoại) and expanded party committee meetings, their participants, the
// cells' briefing reports and the dialogues' questions. sync/PROTOCOL.md, "Meetings of the other forms", says the
// same for device authors.

import (
	"context"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// communeRight is what the caller may do at a commune's meetings of the other forms.
type communeRight struct {
	unit *store.OrgUnit
	// wide: it may write the briefing reports of any cell of the commune (an admin, the commune's own secretary,
	// an official assigned to the commune or one of its cells); otherwise only those of the cells it keeps as
	// secretary (and any as the meeting's minute-taker, see briefingReportRight).
	wide bool
}

// writableCommune checks the caller may record meetings of form at the commune id on day. Briefings and dialogues:
// an admin over the commune, a secretary of the commune or of one of its cells, an official assigned to one of its
// cells or to its expanded committee meetings. Expanded committee meetings: an admin, the commune's secretary, an
// official assigned to them (now, or on day).
func (a *applier) writableCommune(ctx context.Context, id string, form domain.MeetingForm, day domain.Date) (communeRight, error) {
	u, err := a.unit(ctx, id)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return communeRight{}, reject("cell_id", "sync.out_of_scope")
		}
		return communeRight{}, err
	}
	if u.Kind != domain.KindCommune {
		return communeRight{}, reject("cell_id", "sync.not_commune")
	}
	r := communeRight{unit: u, wide: true}
	if a.p.Can(u.Path, domain.RoleAdmin, domain.RoleSecretary) {
		return r, nil
	}
	for _, c := range a.p.Committees {
		if c.ID == id {
			return r, nil
		}
	}
	if !day.IsZero() && a.p.HasRole(domain.RoleOfficial) {
		ok, err := a.assignedOn(ctx, id, day)
		if err != nil {
			return r, err
		}
		if ok {
			return r, nil
		}
	}
	if form != domain.FormCommittee {
		for _, c := range a.p.Assigned {
			if domain.Under(c.Path, u.Path) {
				return r, nil
			}
		}
		for _, g := range a.p.Grants {
			if g.Role == domain.RoleSecretary && g.OrgUnitID != "" && domain.Under(g.Path, u.Path) {
				r.wide = false
				return r, nil
			}
		}
	}
	if a.p.CanRead(u.Path) || a.underCommune(u) {
		return r, reject("cell_id", "sync.not_assigned")
	}
	return r, reject("cell_id", "sync.out_of_scope")
}

// underCommune reports whether one of the caller's cells or secretary grants lies in the commune u.
func (a *applier) underCommune(u *store.OrgUnit) bool {
	for _, c := range a.p.Assigned {
		if domain.Under(c.Path, u.Path) {
			return true
		}
	}
	for _, g := range a.p.Grants {
		if g.OrgUnitID != "" && domain.Under(g.Path, u.Path) {
			return true
		}
	}
	return false
}

// formMeeting loads the live meeting id, which must be of one of forms, and checks the caller may write to it.
func (a *applier) formMeeting(ctx context.Context, id string, forms ...domain.MeetingForm) (*store.Meeting, communeRight, error) {
	m, err := a.meeting(ctx, id)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return nil, communeRight{}, reject("meeting_id", "sync.out_of_scope")
		}
		return nil, communeRight{}, err
	}
	ok := false
	for _, f := range forms {
		ok = ok || m.Form == f
	}
	if !ok {
		return nil, communeRight{}, reject("meeting_id", "sync.form_mismatch", "form", "@form."+string(m.Form))
	}
	r, err := a.writableCommune(ctx, m.CellID, m.Form, m.MeetingDate)
	return m, r, err
}

// cellOfCommune checks the unit id (in field) is a live cell of the commune u.
func (a *applier) cellOfCommune(ctx context.Context, field, id string, u *store.OrgUnit) (*store.OrgUnit, error) {
	c, err := a.unit(ctx, id)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return nil, reject(field, "sync.cell_not_in_commune", "name", u.Name)
		}
		return nil, err
	}
	if c.Kind != domain.KindCell || !domain.Under(c.Path, u.Path) {
		return nil, reject(field, "sync.cell_not_in_commune", "name", u.Name)
	}
	return c, nil
}

// authorizeFormMeeting checks a meeting of another form than cell: the commune holds it, the caller may record
// it, its chair and minute-taker are members of the commune's cells, its zone is one of the commune's and its
// host a cell of that zone (briefings only).
func authorizeFormMeeting(ctx context.Context, a *applier, prev, row changelog.Row) error {
	m := row.(*store.Meeting)
	day := m.MeetingDate
	if prev != nil && day.After(prev.(*store.Meeting).MeetingDate) {
		day = prev.(*store.Meeting).MeetingDate
	}
	r, err := a.writableCommune(ctx, m.CellID, m.Form, day)
	if err != nil {
		return err
	}
	for _, ref := range []*string{m.ChairMemberID, m.SecretaryMemberID} {
		if ref != nil {
			mem, err := a.member(ctx, *ref)
			if err != nil {
				return reject("member_id", "sync.not_member")
			}
			if c, err := a.unit(ctx, mem.CellID); err != nil || !domain.Under(c.Path, r.unit.Path) {
				return reject("member_id", "sync.not_member")
			}
		}
	}
	if m.Form != domain.FormBriefing {
		if m.ZoneID != nil {
			return reject("zone_id", "sync.briefing_only")
		}
		if m.HostCellID != nil {
			return reject("host_cell_id", "sync.briefing_only")
		}
		return nil
	}
	if m.ZoneID != nil {
		var z store.Zone
		if err := a.tx.NewSelect().Model(&z).Where("zn.id = ? AND zn.deleted_at IS NULL", *m.ZoneID).Scan(ctx); err != nil || z.CommuneID != m.CellID {
			return reject("zone_id", "sync.zone_not_in_commune", "name", r.unit.Name)
		}
	}
	if m.HostCellID != nil {
		host, err := a.cellOfCommune(ctx, "host_cell_id", *m.HostCellID, r.unit)
		if err != nil {
			return err
		}
		if m.ZoneID != nil && (host.ZoneID == nil || *host.ZoneID != *m.ZoneID) {
			return reject("host_cell_id", "sync.host_not_in_zone", "name", host.Name)
		}
	}
	return nil
}

func authorizeParticipant(ctx context.Context, a *applier, _, row changelog.Row) error {
	p := row.(*store.MeetingParticipant)
	_, r, err := a.formMeeting(ctx, p.MeetingID, domain.FormBriefing, domain.FormDialogue, domain.FormCommittee)
	if err != nil {
		return err
	}
	if p.CellID != nil {
		if _, err := a.cellOfCommune(ctx, "cell_id", *p.CellID, r.unit); err != nil {
			return err
		}
	}
	if p.MemberID != nil {
		mem, err := a.member(ctx, *p.MemberID)
		if err != nil {
			return reject("member_id", "sync.not_member")
		}
		if c, err := a.unit(ctx, mem.CellID); err != nil || !domain.Under(c.Path, r.unit.Path) {
			return reject("member_id", "sync.not_member")
		}
	}
	if p.UserID != nil {
		n, err := a.tx.NewSelect().Model((*store.User)(nil)).Where("id = ? AND deleted_at IS NULL", *p.UserID).Count(ctx)
		if err != nil {
			return domain.Internal(err)
		}
		if n == 0 {
			return reject("user_id", "error.not_found", "what", "@what.user")
		}
	}
	return nil
}

// authorizeBriefingReport checks a cell's report at a briefing: the cell is one of the meeting's commune, and the
// caller may write it: a cell's secretary for its own cell; the meeting's minute-taker (a participant of role
// minute_taker with the caller's user id), an admin, the commune's secretary or an official assigned to the
// commune or one of its cells for any cell of the commune.
func authorizeBriefingReport(ctx context.Context, a *applier, _, row changelog.Row) error {
	br := row.(*store.BriefingReport)
	m, r, err := a.formMeeting(ctx, br.MeetingID, domain.FormBriefing)
	if err != nil {
		return err
	}
	cell, err := a.cellOfCommune(ctx, "cell_id", br.CellID, r.unit)
	if err != nil {
		return err
	}
	if r.wide || a.p.Can(cell.Path, domain.RoleSecretary) {
		return nil
	}
	parts, err := a.children(ctx, "meeting_participants", m.ID)
	if err != nil {
		return err
	}
	for _, x := range parts {
		if p := x.(*store.MeetingParticipant); p.Role == "minute_taker" && p.UserID != nil && *p.UserID == a.p.UserID {
			return nil
		}
	}
	return reject("cell_id", "sync.not_own_cell", "name", cell.Name)
}

// authorizeDialogueQuestion checks a dialogue's question: the asker's cell is one of the commune's and the
// recommendation it became, if any, is one raised in the commune (at this dialogue or by one of its cells).
func authorizeDialogueQuestion(ctx context.Context, a *applier, _, row changelog.Row) error {
	q := row.(*store.DialogueQuestion)
	_, r, err := a.formMeeting(ctx, q.MeetingID, domain.FormDialogue)
	if err != nil {
		return err
	}
	if q.AskerCellID != nil {
		if _, err := a.cellOfCommune(ctx, "asker_cell_id", *q.AskerCellID, r.unit); err != nil {
			return err
		}
	}
	if q.RecommendationID != nil {
		x, err := a.current(ctx, "recommendations", *q.RecommendationID)
		if err != nil {
			return err
		}
		rec, _ := x.(*store.Recommendation)
		if rec == nil || rec.DeletedAt != nil {
			return reject("recommendation_id", "error.not_found", "what", "@what.recommendation")
		}
		if u, err := a.unit(ctx, rec.CellID); err != nil || !domain.Under(u.Path, r.unit.Path) {
			return reject("recommendation_id", "sync.cell_not_in_commune", "name", r.unit.Name)
		}
	}
	return nil
}

// authorizeFormRecommendation checks a recommendation raised at a meeting m of another form: its cell is the cell
// concerned (a cell of the commune) or the commune itself (a citizens' matter at a dialogue), and the caller may
// record the meeting.
func authorizeFormRecommendation(ctx context.Context, a *applier, rec *store.Recommendation, m *store.Meeting) error {
	r, err := a.writableCommune(ctx, m.CellID, m.Form, m.MeetingDate)
	if err != nil {
		return err
	}
	if rec.CellID == m.CellID {
		return nil
	}
	_, err = a.cellOfCommune(ctx, "cell_id", rec.CellID, r.unit)
	return err
}
