package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// AssignmentView is an assignment with the names of the official and the cell.
type AssignmentView struct {
	Assignment   `bun:",extend"`
	OfficialName string `bun:"official_name" json:"official_name"`
	CellName     string `bun:"cell_name" json:"cell_name"`
	CellPath     string `bun:"cell_path" json:"-"`
}

// AssignmentFilter selects assignments.
type AssignmentFilter struct {
	OfficialID string
	CellID     string
	Status     domain.AssignmentStatus
	ActiveOn   domain.Date // assignments whose period covers this day
}

func assignmentQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Assignment)(nil)).Column("a.*").
		ColumnExpr("u.display_name AS official_name, ou.name AS cell_name, ou.path AS cell_path").
		Join("JOIN users AS u ON u.id = a.official_id").
		Join("JOIN org_units AS ou ON ou.id = a.cell_id")
}

// ListAssignments lists assignments to cells under roots, plus the caller's own (selfID) wherever they are.
func ListAssignments(ctx context.Context, db bun.IDB, f AssignmentFilter, roots []string, selfID string, p PageRequest) (Page[AssignmentView], error) {
	q := assignmentQuery(db).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = inSubtrees(q, "ou.path", roots)
		if selfID != "" {
			q = q.WhereOr("a.official_id = ?", selfID)
		}
		return q
	})
	if f.OfficialID != "" {
		q = q.Where("a.official_id = ?", f.OfficialID)
	}
	if f.CellID != "" {
		q = q.Where("a.cell_id = ?", f.CellID)
	}
	if f.Status != "" {
		q = q.Where("a.status = ?", f.Status)
	}
	if !f.ActiveOn.IsZero() {
		q = q.Where("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", f.ActiveOn, f.ActiveOn)
	}
	return keysetPage(ctx, q, p, "a.starts_on", "a.id", func(a AssignmentView) (string, string) { return a.StartsOn.String(), a.ID })
}

// GetAssignment returns the live assignment id.
func GetAssignment(ctx context.Context, db bun.IDB, id string) (*AssignmentView, error) {
	a := new(AssignmentView)
	if err := assignmentQuery(db).Where("a.id = ?", id).Scan(ctx, a); err != nil {
		return nil, notFound(err, "@what.assignment")
	}
	return a, nil
}

// MeetingView is a meeting with its cell's name.
type MeetingView struct {
	Meeting  `bun:",extend"`
	CellName string `bun:"cell_name" json:"cell_name"`
	CellPath string `bun:"cell_path" json:"-"`
}

// MeetingFilter selects meetings.
type MeetingFilter struct {
	CellID string
	From   domain.Date
	To     domain.Date
	Status domain.MeetingStatus
	// Form: meetings of this form only; UnitPath: of units in this subtree; Communes: the paths of the communes
	// whose own meetings of the other forms the caller reads besides its roots (WorkCommunes).
	Form     domain.MeetingForm
	UnitPath string
	Communes []string
}

func meetingQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().Model((*Meeting)(nil)).Column("mt.*").
		ColumnExpr("ou.name AS cell_name, ou.path AS cell_path").
		Join("JOIN org_units AS ou ON ou.id = mt.cell_id")
}

// ListMeetings lists the meetings of cells under roots (and those of the other forms of f.Communes), by date then
// id.
func ListMeetings(ctx context.Context, db bun.IDB, f MeetingFilter, roots []string, p PageRequest) (Page[MeetingView], error) {
	q := meetingsInScope(meetingQuery(db), roots, f.Communes)
	if f.Form != "" {
		q = q.Where("mt.form = ?", f.Form)
	}
	if f.UnitPath != "" {
		q = q.Where("ou.path >= ? AND ou.path < ?", f.UnitPath, domain.PathUpper(f.UnitPath))
	}
	if f.CellID != "" {
		q = q.Where("mt.cell_id = ?", f.CellID)
	}
	if !f.From.IsZero() {
		q = q.Where("mt.meeting_date >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("mt.meeting_date <= ?", f.To)
	}
	if f.Status != "" {
		q = q.Where("mt.status = ?", f.Status)
	}
	return keysetPage(ctx, q, p, "mt.meeting_date", "mt.id", func(m MeetingView) (string, string) { return m.MeetingDate.String(), m.ID })
}

// GetMeeting returns the live meeting id.
func GetMeeting(ctx context.Context, db bun.IDB, id string) (*MeetingView, error) {
	m := new(MeetingView)
	if err := meetingQuery(db).Where("mt.id = ?", id).Scan(ctx, m); err != nil {
		return nil, notFound(err, "@what.meeting")
	}
	return m, nil
}

// MeetingAttendance returns the attendance rows of a meeting.
func MeetingAttendance(ctx context.Context, db bun.IDB, meetingID string) ([]Attendance, error) {
	out := []Attendance{}
	if err := db.NewSelect().Model(&out).Where("at.meeting_id = ?", meetingID).OrderExpr("at.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// ReportView is a visit report with the name of the official who wrote it.
type ReportView struct {
	VisitReport  `bun:",extend"`
	OfficialName string `bun:"official_name" json:"official_name"`
}

// MeetingReports returns the visit reports written about a meeting, with their officials' names.
func MeetingReports(ctx context.Context, db bun.IDB, meetingID string) ([]ReportView, error) {
	out := []ReportView{}
	err := db.NewSelect().Model(&out).Column("vr.*").ColumnExpr("u.display_name AS official_name").
		Join("LEFT JOIN users AS u ON u.id = vr.official_id").
		Where("vr.meeting_id = ?", meetingID).OrderExpr("vr.id").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// RecommendationAnswers returns the answers to a recommendation, oldest first.
func RecommendationAnswers(ctx context.Context, db bun.IDB, recID string) ([]RecommendationAnswer, error) {
	out := []RecommendationAnswer{}
	err := db.NewSelect().Model(&out).Where("ra.recommendation_id = ?", recID).OrderExpr("ra.answered_at, ra.id").Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// ReferenceData is a province's configurable lists: recommendation fields, the meeting-quality rubric and the
// annual rating labels. Rows with no province are the defaults every province inherits.
type ReferenceData struct {
	Fields       []RecommendationField `json:"fields"`
	Rubric       *Rubric               `json:"rubric"`
	RatingLabels []RatingLabel         `json:"rating_labels"`
}

// Reference returns the reference data in force for a province (its own rows, else the defaults).
func Reference(ctx context.Context, db bun.IDB, provinceID string) (*ReferenceData, error) {
	ref := &ReferenceData{Fields: []RecommendationField{}, RatingLabels: []RatingLabel{}}
	own := func(q *bun.SelectQuery, col string) *bun.SelectQuery {
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("? = ?", bun.Safe(col), provinceID).
				WhereOr("(? IS NULL AND NOT EXISTS (SELECT 1 FROM ? AS x WHERE x.province_id = ? AND x.deleted_at IS NULL))",
					bun.Safe(col), bun.Safe(tableOf(col)), provinceID)
		})
	}
	if err := own(db.NewSelect().Model(&ref.Fields), "rf.province_id").Where("rf.active").
		OrderExpr("rf.sort_order, rf.code").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if err := own(db.NewSelect().Model(&ref.RatingLabels), "rl.province_id").Where("rl.active").
		OrderExpr("rl.scheme, rl.sort_order").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	var err error
	if ref.Rubric, err = RubricOn(ctx, db, provinceID, domain.DateOf(Now())); err != nil {
		return nil, err
	}
	return ref, nil
}

// RubricOn returns the rubric in force for a province on a day, with its criteria: the latest valid that day, the
// province's own before the default. Nil when there is none.
func RubricOn(ctx context.Context, db bun.IDB, provinceID string, day domain.Date) (*Rubric, error) {
	var rubrics []*Rubric
	err := db.NewSelect().Model(&rubrics).
		Relation("Criteria", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("rc.sort_order") }).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("rb.province_id = ?", provinceID).WhereOr("rb.province_id IS NULL")
		}).
		Where("rb.valid_from <= ?", day).
		OrderExpr("rb.province_id IS NULL, rb.valid_from DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, domain.Internal(err)
	}
	if len(rubrics) == 0 {
		return nil, nil
	}
	return rubrics[0], nil
}

func tableOf(col string) string {
	switch col[:2] {
	case "rf":
		return "recommendation_fields"
	case "rl":
		return "rating_labels"
	}
	return "rubrics"
}
