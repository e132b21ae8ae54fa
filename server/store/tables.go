package store

// The registry of synced tables: which model is which table, its bucket class, its owner rule and what devices may
// write. The machinery that reads it (Table, Owner, the Scoper, the change log) is sync/changelog.

import (
	"github.com/chibo-vn/chibo/sync/changelog"
)

// own describes the synced table name whose model is T.
func own[T any, P interface {
	*T
	SyncRow
}](name, class string, owner Owner, write *WriteSpec) Table {
	return changelog.Own[T, P](name, class, owner, write)
}

// byUnit and byRef are the common owner rules: the unit in a column, the province in province_id.
func byUnit(col string) Owner { return Owner{Kind: OwnedByUnit, Column: col} }
func byRef() Owner            { return Owner{Kind: OwnedByRef, Column: "province_id"} }

// tables are the synced tables, in the order a snapshot sends them and a transaction inserts them (parents first).
// The registry never changes after it is built; the change log (sync/changelog) is handed it with every write.
var tables = changelog.NewRegistry(
	own[OrgUnit](UnitTable, ClassUnit, byUnit("id"), nil),
	own[AnnualRating]("annual_ratings", ClassUnit, byUnit("org_unit_id"), nil),
	own[Zone]("zones", ClassUnit, byUnit("commune_id"), nil),
	// where a cell meets: set on site by its secretary (or by an admin)
	own[CellPosition]("cell_positions", ClassUnit, byUnit("cell_id"), &WriteSpec{
		Fields: []string{"latitude", "longitude", "accuracy_m"}, CreateOnly: []string{"cell_id"},
		Required: []string{"cell_id", "latitude", "longitude"}, Deletable: true}),
	own[User]("users", ClassUsers, Owner{Kind: OwnedByUnit, Column: "home_org_unit_id", NullIsRoot: true}, nil),
	own[Member]("members", ClassRoster, byUnit("cell_id"), &WriteSpec{
		Fields: []string{"full_name", "birth_year", "gender", "card_number", "membership", "status", "temp_exempt_until",
			"temporarily_attached", "cell_role", "joined_on", "official_on", "status_note"},
		CreateOnly: []string{"cell_id"}, Required: []string{"cell_id", "full_name"}, Deletable: true}),
	own[Assignment]("assignments", ClassAssign, byUnit("cell_id"), &WriteSpec{Fields: []string{"acknowledged_at"}}),
	own[Meeting]("meetings", ClassMeetings, Owner{Kind: OwnedByUnit, Column: "cell_id", Month: "meeting_date"}, &WriteSpec{
		Fields: []string{"meeting_date", "type", "mode", "status", "topic", "place", "starts_at", "ends_at", "zone_id", "host_cell_id", "audience",
			"chair_member_id", "secretary_member_id", "chair_name", "secretary_name", "members_total", "members_full",
			"members_probationary", "members_attached", "members_exempt", "notes", "resolution"},
		CreateOnly: []string{"cell_id", "form"}, Required: []string{"cell_id", "meeting_date"}, Deletable: true}),
	own[MeetingParticipant]("meeting_participants", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"role", "user_id", "member_id", "cell_id", "name", "title", "present"}, CreateOnly: []string{"meeting_id"},
		Required: []string{"meeting_id"}, Deletable: true}),
	own[BriefingReport]("briefing_reports", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"reporter_name", "situation", "done", "problems", "proposals"}, CreateOnly: []string{"meeting_id", "cell_id"},
		Required: []string{"meeting_id", "cell_id"}, Deletable: true}),
	own[Attendance]("attendance", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"status", "reason"}, CreateOnly: []string{"meeting_id", "member_id"},
		Required: []string{"meeting_id", "member_id", "status"}, Deletable: true}),
	// proof of attendance: the secretary's word on a visiting official, and photos of the paper record
	own[VisitConfirmation]("visit_confirmations", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"status", "reason"}, CreateOnly: []string{"meeting_id", "official_id"},
		Required: []string{"meeting_id", "official_id", "status"}, Deletable: true}),
	own[MeetingFile]("meeting_files", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"kind", "caption", "sort_order"}, CreateOnly: []string{"meeting_id", "sha256", "size", "mime", "width", "height"},
		Required: []string{"meeting_id", "sha256", "size", "mime"}, Deletable: true}),
	own[VisitReport]("visit_reports", ClassReports, Owner{Kind: OwnedByUser, Column: "official_id", MonthVia: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields:     []string{"status", "checked_in_at", "latitude", "longitude", "notes", "guidance", "rubric_id", "scores", "submitted_at", "change_reason"},
		CreateOnly: []string{"meeting_id"}, Required: []string{"meeting_id"}, Deletable: true}),
	own[RecommendationField]("recommendation_fields", ClassRef, byRef(), nil),
	own[Addressee]("addressees", ClassRef, byRef(), nil),
	own[Rubric]("rubrics", ClassRef, byRef(), nil),
	own[RubricCriterion]("rubric_criteria", ClassRef, Owner{Kind: OwnedByRef, Via: &Link{Column: "rubric_id", Table: "rubrics"}}, nil),
	own[RatingLabel]("rating_labels", ClassRef, byRef(), nil),
	own[MinutesTemplate]("minutes_templates", ClassRef, byRef(), nil),
	// A recommendation sits with its cell, or with the commune's meeting of another form it was raised at (the
	// briefing's minute-taker and every secretary attending keep it; a cell meeting's cell is its own).
	own[Recommendation]("recommendations", ClassRecs, Owner{Kind: OwnedByUnit, Column: "cell_id", UnitVia: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields: []string{"field_id", "content", "addressee_org_unit_id", "addressee_id", "addressee_text", "urgency", "due_on",
			"meeting_id", "visit_report_id", "raised_on"},
		CreateOnly: []string{"cell_id"}, Required: []string{"cell_id", "content"}, Deletable: true}),
	own[RecommendationAnswer]("recommendation_answers", ClassRecs, Owner{Kind: OwnedByUnit, Via: &Link{Column: "recommendation_id", Table: "recommendations"}}, nil),
	own[RecommendationEvent]("recommendation_events", ClassRecs, Owner{Kind: OwnedByUnit, Via: &Link{Column: "recommendation_id", Table: "recommendations"}}, nil),
	own[DialogueQuestion]("dialogue_questions", ClassMeetings, Owner{Kind: OwnedByUnit, Via: &Link{Column: "meeting_id", Table: "meetings"}}, &WriteSpec{
		Fields:     []string{"sort_order", "asker_name", "asker_cell_id", "question", "explanation", "explained_by", "recommendation_id"},
		CreateOnly: []string{"meeting_id"}, Required: []string{"meeting_id", "question"}, Deletable: true}),
	own[Notification]("notifications", ClassInbox, Owner{Kind: OwnedByUser, Column: "user_id"}, &WriteSpec{Fields: []string{"read_at"}}),
	own[Conflict]("sync_conflicts", "", Owner{Kind: OwnedByRow}, &WriteSpec{Fields: []string{"resolution", "resolved_at"}}),
)

// Tables returns the synced tables in snapshot order.
func Tables() []*Table { return tables.Tables() }

// TableNamed returns the synced table called name, or nil.
func TableNamed(name string) *Table { return tables.Named(name) }

// SyncedTables returns the replicated tables in snapshot order.
func SyncedTables() []string { return tables.Names() }

// NewRow returns a new zero model of a synced table, or nil for an unknown table.
func NewRow(table string) SyncRow { return tables.NewRow(table) }

// TableOf returns the table name of a synced model.
func TableOf(row SyncRow) string { return tables.TableOf(row) }
