package store

// The commune's meetings of the other forms (issue #12): who works in which commune, and the reads of briefings,
// dialogues and expanded committee meetings.

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// WorkCommunes returns the communes whose own meetings of the other forms (and commune-level recommendations) the
// caller works with: for each cell it keeps as secretary or is assigned to as an official, the nearest ancestor of
// kind commune; and each commune whose expanded committee meetings it is assigned to attend. It is the unit scope
// of sync (sync/PROTOCOL.md) and the API's read of those meetings. One query by primary key.
func WorkCommunes(ctx context.Context, db bun.IDB, p *domain.Principal) ([]domain.UnitRef, error) {
	var sources []string
	for _, g := range p.Grants {
		if g.Role == domain.RoleSecretary && g.OrgUnitID != "" {
			sources = append(sources, g.Path)
		}
	}
	for _, c := range p.Assigned {
		sources = append(sources, c.Path)
	}
	out := []domain.UnitRef{}
	seen := map[string]bool{}
	for _, c := range p.Committees {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	if len(sources) == 0 {
		return out, nil
	}
	idSet := map[string]bool{}
	var ids []string
	for _, s := range sources {
		for _, id := range domain.PathIDs(s) {
			if !idSet[id] {
				idSet[id] = true
				ids = append(ids, id)
			}
		}
	}
	var rows []struct {
		ID   string `bun:"id"`
		Path string `bun:"path"`
	}
	if err := db.NewSelect().Table(UnitTable).Column("id", "path").Where("id IN (?)", bun.List(ids)).
		Where("kind = ? AND deleted_at IS NULL", domain.KindCommune).Scan(ctx, &rows); err != nil {
		return nil, domain.Internal(err)
	}
	communes := map[string]string{}
	for _, r := range rows {
		communes[r.ID] = r.Path
	}
	for _, s := range sources {
		path := domain.PathIDs(s)
		for i := len(path) - 1; i >= 0; i-- {
			if cp, ok := communes[path[i]]; ok {
				if !seen[path[i]] {
					seen[path[i]] = true
					out = append(out, domain.UnitRef{ID: path[i], Path: cp})
				}
				break
			}
		}
	}
	return out, nil
}

// CommunePaths returns the paths of refs.
func CommunePaths(refs []domain.UnitRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Path
	}
	return out
}

// meetingsInScope limits q (meetings joined to their unit as ou) to those of units under roots, and the meetings of
// the other forms held by the communes at exactly the paths communes.
func meetingsInScope(q *bun.SelectQuery, roots, communes []string) *bun.SelectQuery {
	if len(communes) == 0 {
		return inSubtrees(q, "ou.path", roots)
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, r := range roots {
			q = q.WhereOr("(ou.path >= ? AND ou.path < ?)", r, domain.PathUpper(r))
		}
		return q.WhereOr("(ou.path IN (?) AND mt.form <> ?)", bun.List(communes), domain.FormCell)
	})
}

// MeetingParticipants returns the live participants of a meeting: chair, minute-taker, then the others by name.
func MeetingParticipants(ctx context.Context, db bun.IDB, meetingID string) ([]MeetingParticipant, error) {
	out := []MeetingParticipant{}
	if err := db.NewSelect().Model(&out).Where("mp.meeting_id = ?", meetingID).
		OrderExpr("CASE mp.role WHEN 'chair' THEN 0 WHEN 'minute_taker' THEN 1 WHEN 'participant' THEN 2 ELSE 3 END, mp.name, mp.id").
		Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// BriefingReportView is a cell's report at a briefing with the cell's name.
type BriefingReportView struct {
	BriefingReport `bun:",extend"`
	CellName       string `bun:"cell_name" json:"cell_name"`
}

// MeetingBriefingReports returns the live briefing reports of a meeting, by cell name.
func MeetingBriefingReports(ctx context.Context, db bun.IDB, meetingID string) ([]BriefingReportView, error) {
	out := []BriefingReportView{}
	if err := db.NewSelect().Model(&out).ColumnExpr("br.*, ou.name AS cell_name").
		Join("JOIN org_units AS ou ON ou.id = br.cell_id").
		Where("br.meeting_id = ?", meetingID).OrderExpr("ou.name, br.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// MeetingDialogueQuestions returns the live questions of a dialogue, in their order.
func MeetingDialogueQuestions(ctx context.Context, db bun.IDB, meetingID string) ([]DialogueQuestion, error) {
	out := []DialogueQuestion{}
	if err := db.NewSelect().Model(&out).Where("dq.meeting_id = ?", meetingID).OrderExpr("dq.sort_order, dq.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

var (
	_ bun.BeforeAppendModelHook = (*Meeting)(nil)
	_ bun.BeforeAppendModelHook = (*Assignment)(nil)
)

// BeforeAppendModel gives a meeting written without a form (every writer from before the other forms: the
// schedule's planning, the demo, tests) the form cell, which the column's default would give an INSERT that left
// it out; bun writes the empty string otherwise.
func (m *Meeting) BeforeAppendModel(_ context.Context, _ bun.Query) error {
	if m.Form == "" {
		m.Form = domain.FormCell
	}
	return nil
}

// BeforeAppendModel gives an assignment written without a form the form cell (see Meeting.BeforeAppendModel).
func (a *Assignment) BeforeAppendModel(_ context.Context, _ bun.Query) error {
	if a.Form == "" {
		a.Form = domain.FormCell
	}
	return nil
}
