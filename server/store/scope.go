package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// Scope is the bucket a synced row belongs to. Class groups tables by who needs them; Scope is the id that owns
// the bucket (a cell or other unit, a user, a province or "default"); Path is the org path of unit-owned buckets
// (empty for users and reference data); Part splits the meeting classes by month ("2026-11") so that a moving
// 24-month window can drop old months.
type Scope struct {
	Class string
	Scope string
	Path  string
	Part  string
}

// The bucket classes.
const (
	ClassUnit     = "unit"     // org units and their annual ratings
	ClassRoster   = "roster"   // members of a cell
	ClassMeetings = "meetings" // meetings and attendance, by month
	ClassRecs     = "recs"     // recommendations, their answers and their history
	ClassAssign   = "assign"   // assignments of officials to a cell
	ClassUsers    = "users"    // user accounts, by home unit
	ClassReports  = "reports"  // an official's own visit reports, by month
	ClassInbox    = "inbox"    // a user's notifications
	ClassRef      = "ref"      // a province's reference data
)

// DefaultRefScope owns the reference rows every province inherits (province_id NULL).
const DefaultRefScope = "default"

// syncedTables lists the tables the sync engine replicates, in the order a snapshot sends them (parents first).
var syncedTables = []string{
	"org_units", "annual_ratings", "users", "members", "assignments", "meetings", "attendance", "visit_reports",
	"recommendation_fields", "rubrics", "rubric_criteria", "rating_labels", "recommendations",
	"recommendation_answers", "recommendation_events", "notifications", "sync_conflicts",
}

// SyncedTables returns the replicated tables in snapshot order.
func SyncedTables() []string { return append([]string(nil), syncedTables...) }

// NewRow returns a new zero model of a synced table, or nil for an unknown table.
func NewRow(table string) SyncRow {
	switch table {
	case "org_units":
		return new(OrgUnit)
	case "annual_ratings":
		return new(AnnualRating)
	case "users":
		return new(User)
	case "members":
		return new(Member)
	case "assignments":
		return new(Assignment)
	case "meetings":
		return new(Meeting)
	case "attendance":
		return new(Attendance)
	case "visit_reports":
		return new(VisitReport)
	case "recommendation_fields":
		return new(RecommendationField)
	case "rubrics":
		return new(Rubric)
	case "rubric_criteria":
		return new(RubricCriterion)
	case "rating_labels":
		return new(RatingLabel)
	case "recommendations":
		return new(Recommendation)
	case "recommendation_answers":
		return new(RecommendationAnswer)
	case "recommendation_events":
		return new(RecommendationEvent)
	case "notifications":
		return new(Notification)
	case "sync_conflicts":
		return new(Conflict)
	}
	return nil
}

// SyncRow is a model of a synced table.
type SyncRow interface {
	base() *Base
}

// TableOf returns the table name of a synced model.
func TableOf(row SyncRow) string {
	switch row.(type) {
	case *OrgUnit:
		return "org_units"
	case *AnnualRating:
		return "annual_ratings"
	case *User:
		return "users"
	case *Member:
		return "members"
	case *Assignment:
		return "assignments"
	case *Meeting:
		return "meetings"
	case *Attendance:
		return "attendance"
	case *VisitReport:
		return "visit_reports"
	case *RecommendationField:
		return "recommendation_fields"
	case *Rubric:
		return "rubrics"
	case *RubricCriterion:
		return "rubric_criteria"
	case *RatingLabel:
		return "rating_labels"
	case *Recommendation:
		return "recommendations"
	case *RecommendationAnswer:
		return "recommendation_answers"
	case *RecommendationEvent:
		return "recommendation_events"
	case *Notification:
		return "notifications"
	case *Conflict:
		return "sync_conflicts"
	}
	return ""
}

// Scoper finds the bucket of rows, caching the lookups (unit paths, meetings, recommendations, rubrics) one
// transaction or one pull page needs. It reads through db and is not safe for concurrent use.
type Scoper struct {
	db       bun.IDB
	paths    map[string]string
	meetings map[string]meetingKey
	recCells map[string]string
	rubrics  map[string]string
}

type meetingKey struct {
	cellID string
	month  string
}

// NewScoper returns a Scoper reading through db.
func NewScoper(db bun.IDB) *Scoper {
	return &Scoper{db: db, paths: map[string]string{}, meetings: map[string]meetingKey{}, recCells: map[string]string{}, rubrics: map[string]string{}}
}

// ScopeOf returns the bucket of a synced row as stored in db.
func ScopeOf(ctx context.Context, db bun.IDB, row SyncRow) (Scope, error) {
	return NewScoper(db).Scope(ctx, row)
}

func month(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()[:7]
}

func (s *Scoper) unitPath(ctx context.Context, id string) (string, error) {
	if p, ok := s.paths[id]; ok {
		return p, nil
	}
	var p string
	err := s.db.NewSelect().Model((*OrgUnit)(nil)).WhereAllWithDeleted().Column("path").Where("id = ?", id).Scan(ctx, &p)
	if err != nil {
		return "", fmt.Errorf("scope: unit %s: %w", id, err)
	}
	s.paths[id] = p
	return p, nil
}

func (s *Scoper) meeting(ctx context.Context, id string) (meetingKey, error) {
	if m, ok := s.meetings[id]; ok {
		return m, nil
	}
	var m Meeting
	err := s.db.NewSelect().Model(&m).WhereAllWithDeleted().Column("cell_id", "meeting_date").Where("id = ?", id).Scan(ctx)
	if err != nil {
		return meetingKey{}, fmt.Errorf("scope: meeting %s: %w", id, err)
	}
	k := meetingKey{cellID: m.CellID, month: month(m.MeetingDate)}
	s.meetings[id] = k
	return k, nil
}

func (s *Scoper) recCell(ctx context.Context, id string) (string, error) {
	if c, ok := s.recCells[id]; ok {
		return c, nil
	}
	var c string
	err := s.db.NewSelect().Model((*Recommendation)(nil)).WhereAllWithDeleted().Column("cell_id").Where("id = ?", id).Scan(ctx, &c)
	if err != nil {
		return "", fmt.Errorf("scope: recommendation %s: %w", id, err)
	}
	s.recCells[id] = c
	return c, nil
}

func (s *Scoper) rubricProvince(ctx context.Context, id string) (string, error) {
	if p, ok := s.rubrics[id]; ok {
		return p, nil
	}
	var p sql.NullString
	err := s.db.NewSelect().Model((*Rubric)(nil)).WhereAllWithDeleted().Column("province_id").Where("id = ?", id).Scan(ctx, &p)
	if err != nil {
		return "", fmt.Errorf("scope: rubric %s: %w", id, err)
	}
	s.rubrics[id] = refScope(&p.String)
	return s.rubrics[id], nil
}

func refScope(province *string) string {
	if province == nil || *province == "" {
		return DefaultRefScope
	}
	return *province
}

// forget drops cached facts about a row that this transaction changed (a meeting moved to another month).
func (s *Scoper) forget(row SyncRow) {
	switch r := row.(type) {
	case *Meeting:
		delete(s.meetings, r.ID)
	case *OrgUnit:
		delete(s.paths, r.ID)
	case *Recommendation:
		delete(s.recCells, r.ID)
	case *Rubric:
		delete(s.rubrics, r.ID)
	}
}

func (s *Scoper) unitScope(ctx context.Context, class, unitID, part string) (Scope, error) {
	p, err := s.unitPath(ctx, unitID)
	return Scope{Class: class, Scope: unitID, Path: p, Part: part}, err
}

// Scope returns the bucket of row.
func (s *Scoper) Scope(ctx context.Context, row SyncRow) (Scope, error) {
	switch r := row.(type) {
	case *OrgUnit:
		if r.Path != "" {
			s.paths[r.ID] = r.Path
		}
		return s.unitScope(ctx, ClassUnit, r.ID, "")
	case *AnnualRating:
		return s.unitScope(ctx, ClassUnit, r.OrgUnitID, "")
	case *User:
		if r.HomeOrgUnitID == nil {
			return Scope{Class: ClassUsers, Scope: "", Path: "/"}, nil
		}
		return s.unitScope(ctx, ClassUsers, *r.HomeOrgUnitID, "")
	case *Member:
		return s.unitScope(ctx, ClassRoster, r.CellID, "")
	case *Assignment:
		return s.unitScope(ctx, ClassAssign, r.CellID, "")
	case *Meeting:
		s.meetings[r.ID] = meetingKey{cellID: r.CellID, month: month(r.MeetingDate)}
		return s.unitScope(ctx, ClassMeetings, r.CellID, month(r.MeetingDate))
	case *Attendance:
		m, err := s.meeting(ctx, r.MeetingID)
		if err != nil {
			return Scope{}, err
		}
		return s.unitScope(ctx, ClassMeetings, m.cellID, m.month)
	case *VisitReport:
		m, err := s.meeting(ctx, r.MeetingID)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Class: ClassReports, Scope: r.OfficialID, Part: m.month}, nil
	case *Recommendation:
		s.recCells[r.ID] = r.CellID
		return s.unitScope(ctx, ClassRecs, r.CellID, "")
	case *RecommendationAnswer:
		cell, err := s.recCell(ctx, r.RecommendationID)
		if err != nil {
			return Scope{}, err
		}
		return s.unitScope(ctx, ClassRecs, cell, "")
	case *RecommendationEvent:
		cell, err := s.recCell(ctx, r.RecommendationID)
		if err != nil {
			return Scope{}, err
		}
		return s.unitScope(ctx, ClassRecs, cell, "")
	case *Notification:
		return Scope{Class: ClassInbox, Scope: r.UserID}, nil
	case *RecommendationField:
		return Scope{Class: ClassRef, Scope: refScope(r.ProvinceID)}, nil
	case *Rubric:
		s.rubrics[r.ID] = refScope(r.ProvinceID)
		return Scope{Class: ClassRef, Scope: refScope(r.ProvinceID)}, nil
	case *RubricCriterion:
		p, err := s.rubricProvince(ctx, r.RubricID)
		return Scope{Class: ClassRef, Scope: p}, err
	case *RatingLabel:
		return Scope{Class: ClassRef, Scope: refScope(r.ProvinceID)}, nil
	case *Conflict:
		return Scope{Class: r.Class, Scope: r.Scope, Path: r.Path, Part: r.Part}, nil
	}
	return Scope{}, fmt.Errorf("scope: %T is not synced", row)
}

// Preload fills the Scoper's caches for many rows at once (a push batch or a snapshot page), so scope lookups
// take one query per kind instead of one per row.
func (s *Scoper) Preload(ctx context.Context, rows []SyncRow) error {
	var units, meetings, recs []string
	for _, row := range rows {
		switch r := row.(type) {
		case *Member:
			units = append(units, r.CellID)
		case *Assignment:
			units = append(units, r.CellID)
		case *Meeting:
			units = append(units, r.CellID)
		case *Recommendation:
			units = append(units, r.CellID)
		case *AnnualRating:
			units = append(units, r.OrgUnitID)
		case *User:
			if r.HomeOrgUnitID != nil {
				units = append(units, *r.HomeOrgUnitID)
			}
		case *Attendance:
			meetings = append(meetings, r.MeetingID)
		case *VisitReport:
			meetings = append(meetings, r.MeetingID)
		case *RecommendationAnswer:
			recs = append(recs, r.RecommendationID)
		case *RecommendationEvent:
			recs = append(recs, r.RecommendationID)
		}
	}
	if ids := s.missing(meetings, func(id string) bool { _, ok := s.meetings[id]; return ok }); len(ids) > 0 {
		var ms []Meeting
		if err := s.db.NewSelect().Model(&ms).WhereAllWithDeleted().Column("id", "cell_id", "meeting_date").
			Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, m := range ms {
			s.meetings[m.ID] = meetingKey{cellID: m.CellID, month: month(m.MeetingDate)}
			units = append(units, m.CellID)
		}
	}
	if ids := s.missing(recs, func(id string) bool { _, ok := s.recCells[id]; return ok }); len(ids) > 0 {
		var rs []Recommendation
		if err := s.db.NewSelect().Model(&rs).WhereAllWithDeleted().Column("id", "cell_id").
			Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, r := range rs {
			s.recCells[r.ID] = r.CellID
			units = append(units, r.CellID)
		}
	}
	if ids := s.missing(units, func(id string) bool { _, ok := s.paths[id]; return ok }); len(ids) > 0 {
		var us []OrgUnit
		if err := s.db.NewSelect().Model(&us).WhereAllWithDeleted().Column("id", "path").
			Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, u := range us {
			s.paths[u.ID] = u.Path
		}
	}
	return nil
}

func (s *Scoper) missing(ids []string, have func(string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] && !have(id) {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// BaseOf returns the common columns of a synced row.
func BaseOf(row SyncRow) *Base { return row.base() }

// ClassOfTable returns the bucket class of a table's rows ("" for sync_conflicts, whose rows take the class of
// the record they are about).
func ClassOfTable(table string) string {
	switch table {
	case "org_units", "annual_ratings":
		return ClassUnit
	case "users":
		return ClassUsers
	case "members":
		return ClassRoster
	case "assignments":
		return ClassAssign
	case "meetings", "attendance":
		return ClassMeetings
	case "visit_reports":
		return ClassReports
	case "recommendations", "recommendation_answers", "recommendation_events":
		return ClassRecs
	case "notifications":
		return ClassInbox
	case "recommendation_fields", "rubrics", "rubric_criteria", "rating_labels":
		return ClassRef
	}
	return ""
}
