package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/wire"
)

// route is one endpoint: how Echo dispatches it and how OpenAPI describes it. Every route the server answers is
// in the table routes returns, so the OpenAPI document cannot drift from the router.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	public       bool // no bearer token needed
	tag, summary string
	in           any     // JSON request body (nil: none)
	out          any     // JSON response body (nil: 204, or see raw)
	status       int     // success status; 200 by default
	query        []param // query parameters
	multipart    []param // multipart form fields of an upload
	raw          []string
	paged        bool // takes limit and cursor
	gzip         bool // compress the response when the client accepts gzip
}

// param is a query or form parameter.
type param struct {
	name, typ, desc string // typ: string, uuid, date, boolean, integer, file
	enum            []string
	required        bool
	repeatable      bool // a query parameter that may come more than once (?status=a&status=b)
}

// recFilterParams are the filters of the recommendation list and its export.
var recFilterParams = []param{{name: "cell_id", typ: "uuid"}, {name: "unit", typ: "uuid", desc: "cells in this subtree"},
	{name: "meeting_id", typ: "uuid"}, {name: "field_id", typ: "uuid"},
	{name: "addressee_id", typ: "uuid", desc: "forwarded to a unit in this subtree"},
	{name: "status", typ: "string", repeatable: true, desc: "repeatable, or a comma-separated list of new, forwarded, answered, sent_back, accepted, resolved"},
	{name: "overdue", typ: "boolean", desc: "only new, forwarded or sent-back ones whose due date has passed"},
	{name: "older_than", typ: "integer", desc: "raised more than this many days ago"},
	{name: "raised_from", typ: "date"}, {name: "raised_to", typ: "date"},
	{name: "directory_id", typ: "uuid", desc: "addressed to this body of the directory of addressees"},
	{name: "answering", typ: "boolean", desc: "only those the caller answers for where they now stand (its directory bodies, its responder units)"},
	{name: "to_announce", typ: "boolean", desc: "only accepted or resolved ones whose outcome is not yet announced (the list for the next briefing)"},
	searchParam}

// provinceParam names the province whose reference data a call reads or changes.
var provinceParam = param{name: "org_unit_id", typ: "uuid", required: true, desc: "any unit of the province"}

// ratingParams are a unit and a year.
var ratingParams = []param{{name: "org_unit_id", typ: "uuid", required: true, desc: "a unit: its subtree's cells"},
	{name: "year", typ: "integer", desc: "default: last year"}}

// addresseeProvinceParam names the province of a directory call; addresseeListParams filter the directory.
var addresseeProvinceParam = param{name: "province_id", typ: "uuid", required: true, desc: "any unit of the province"}

var addresseeListParams = []param{{name: "province_id", typ: "uuid", desc: "any unit of the province (or give org_unit_id)"},
	{name: "level", typ: "string", enum: []string{"central", "province", "district", "commune"}},
	{name: "kind", typ: "string", enum: []string{"party", "party_board", "government", "council", "front", "police", "enterprise", "other"}},
	{name: "parent_id", typ: "uuid", desc: "bodies directly below this one"}, {name: "org_unit_id", typ: "uuid", desc: "bodies sitting at this party unit"},
	{name: "active_on", typ: "date", desc: "only bodies active on this day"}, searchParam}

// searchParam is the text search of the lists.
var searchParam = param{name: "q", typ: "string", desc: "contains, ignoring diacritics and case (\"trieu phong\" finds \"Triệu Phong\")"}

// routes lists every route of the server.
func (s *Server) routes() []route {
	q := func(name, typ, desc string) param { return param{name: name, typ: typ, desc: desc} }
	search := searchParam
	return []route{
		// Operations.
		{method: http.MethodGet, path: "/healthz", handler: s.healthz, public: true, tag: "ops", summary: "The process is up", out: Health{}},
		{method: http.MethodGet, path: "/readyz", handler: s.readyz, public: true, tag: "ops", summary: "The database answers and migrations are current", out: Health{}},
		{method: http.MethodGet, path: "/metrics", handler: s.metricsHandler, public: true, tag: "ops", summary: "Prometheus metrics, with the metrics token as bearer (CHIBO_METRICS_TOKEN); without it, 404", raw: []string{"text/plain"}},
		{method: http.MethodGet, path: "/api/v1/openapi.json", handler: s.openapi, public: true, tag: "ops", summary: "This OpenAPI 3.1 document", raw: []string{"application/json"}},
		// The officials' app (pwa/), embedded.
		{method: http.MethodGet, path: "/", handler: s.static, public: true, tag: "app", summary: "The officials' app", raw: []string{"text/html"}, gzip: true},
		{method: http.MethodGet, path: "/sw.js", handler: s.static, public: true, tag: "app", summary: "The app's service worker", raw: []string{"text/javascript"}, gzip: true},
		{method: http.MethodGet, path: "/manifest.webmanifest", handler: s.static, public: true, tag: "app", summary: "The web app manifest", raw: []string{"application/manifest+json"}},
		{method: http.MethodGet, path: "/assets/*", handler: s.static, public: true, tag: "app", summary: "The app's scripts and styles (hashed names)", raw: []string{"text/javascript", "text/css"}, gzip: true},
		{method: http.MethodGet, path: "/icons/*", handler: s.static, public: true, tag: "app", summary: "The app's icons", raw: []string{"image/png"}},

		// Sessions.
		{method: http.MethodPost, path: "/api/v1/auth/login", handler: s.login, public: true, tag: "auth", summary: "Log in with username and password", in: LoginRequest{}, out: TokenResponse{}},
		{method: http.MethodPost, path: "/api/v1/auth/refresh", handler: s.refresh, public: true, tag: "auth", summary: "Trade a refresh token for a new session (rotates; reuse revokes the family)", in: RefreshRequest{}, out: TokenResponse{}},
		{method: http.MethodPost, path: "/api/v1/auth/logout", handler: s.logout, public: true, tag: "auth", summary: "Revoke the session of a refresh token", in: RefreshRequest{}, status: http.StatusNoContent},
		{method: http.MethodGet, path: "/api/v1/me", handler: s.getMe, tag: "auth", summary: "The caller, its grants and assigned cells", out: Me{}},
		{method: http.MethodPut, path: "/api/v1/me/password", handler: s.changePassword, tag: "auth", summary: "Change the caller's password (ends other sessions)", in: PasswordChange{}, status: http.StatusNoContent},

		// Organisation tree.
		{method: http.MethodGet, path: "/api/v1/org-units", handler: s.listOrgUnits, tag: "org", summary: "List org units in scope", paged: true, out: store.Page[store.OrgUnit]{},
			query: []param{q("parent_id", "uuid", "direct children of this unit"), q("under", "uuid", "the whole subtree below this unit"),
				{name: "kind", typ: "string", enum: []string{"province", "district", "commune", "grassroots", "cell", "party_group"}},
				q("roots", "boolean", "only units without a parent"), q("upper", "boolean", "only units above the cells (no cells, no party groups)"), search}},
		{method: http.MethodPost, path: "/api/v1/org-units", handler: s.createOrgUnit, tag: "org", summary: "Create an org unit (admin of the parent)", in: OrgUnitInput{}, out: store.OrgUnit{}, status: http.StatusCreated},
		{method: http.MethodPost, path: "/api/v1/org-units/merge", handler: s.mergeOrgUnits, tag: "org", summary: "Merge units into an existing or a new one on a day, all or nothing (admin of them all)", in: MergeInput{}, out: MergeOutput{}},
		{method: http.MethodGet, path: "/api/v1/org-units/:id", handler: s.getOrgUnit, tag: "org", summary: "An org unit with its visible ancestors, predecessors and successors", out: OrgUnitDetail{}},
		{method: http.MethodPost, path: "/api/v1/org-units/:id/split", handler: s.splitOrgUnit, tag: "org", summary: "Split a unit into new ones on a day, all or nothing (admin of it and its parent)", in: SplitInput{}, out: SplitOutput{}},
		{method: http.MethodPatch, path: "/api/v1/org-units/:id", handler: s.updateOrgUnit, tag: "org", summary: "Change or move an org unit", in: OrgUnitPatch{}, out: store.OrgUnit{}},
		{method: http.MethodDelete, path: "/api/v1/org-units/:id", handler: s.deleteOrgUnit, tag: "org", summary: "Delete an empty org unit", status: http.StatusNoContent},

		// Members.
		{method: http.MethodGet, path: "/api/v1/members", handler: s.listMembers, tag: "members", summary: "List members in scope", paged: true, out: store.Page[store.MemberView]{},
			query: []param{q("cell_id", "uuid", "members of this cell"), q("under", "uuid", "members of cells in this subtree"),
				{name: "status", typ: "string", enum: []string{"active", "exempt", "temp_exempt", "transferred", "deceased"}},
				{name: "membership", typ: "string", enum: []string{"full", "probationary"}}, search}},
		{method: http.MethodPost, path: "/api/v1/members", handler: s.createMember, tag: "members", summary: "Add a member to a cell (admin or the cell's secretary)", in: MemberInput{}, out: store.Member{}, status: http.StatusCreated},
		{method: http.MethodGet, path: "/api/v1/members/:id", handler: s.getMember, tag: "members", summary: "A member", out: store.MemberView{}},
		{method: http.MethodPatch, path: "/api/v1/members/:id", handler: s.updateMember, tag: "members", summary: "Change a member", in: MemberPatch{}, out: store.Member{}},
		{method: http.MethodDelete, path: "/api/v1/members/:id", handler: s.deleteMember, tag: "members", summary: "Delete a member entered by mistake", status: http.StatusNoContent},

		// Users and role grants.
		{method: http.MethodGet, path: "/api/v1/users", handler: s.listUsers, tag: "users", summary: "List users in scope (admins, supervisors)", paged: true, out: store.Page[store.UserView]{},
			query: []param{{name: "role", typ: "string", enum: []string{"admin", "supervisor", "official", "secretary", "responder"}},
				q("org_unit_id", "uuid", "users whose home unit is in this subtree"), q("active", "boolean", ""), search}},
		{method: http.MethodPost, path: "/api/v1/users", handler: s.createUser, tag: "users", summary: "Create a user (admin of the home unit); without a password, a one-time password is returned once and must be changed at the first sign-in", in: UserInput{}, out: UserCreated{}, status: http.StatusCreated},
		{method: http.MethodPost, path: "/api/v1/users/import", handler: s.importUsers, tag: "users", summary: "Preview or commit a list of officials (XLSX) assigned by a standing-committee decision: users, role grants and assignments", out: UsersImportResult{},
			multipart: []param{{name: "file", typ: "file", required: true, desc: ".xlsx list (see /api/v1/users/template.xlsx)"},
				{name: "org_unit_id", typ: "uuid", required: true, desc: "the unit whose subtree the file's units and cells are looked for in (admin of it)"},
				{name: "mode", typ: "string", enum: []string{"preview", "commit"}, desc: "preview (default) reports every row; commit imports all or nothing"},
				{name: "decision_number", typ: "string", desc: "the decision's number, e.g. 125-QĐ/ĐU, recorded on the assignments made"},
				{name: "decision_date", typ: "string", desc: "the decision's date, YYYY-MM-DD or dd/mm/yyyy; the default start of grants and assignments"}}},
		{method: http.MethodGet, path: "/api/v1/users/template.xlsx", handler: s.usersTemplate, tag: "users", summary: "The workbook to fill in for an import of users: its columns, accepted values and a sample row",
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodGet, path: "/api/v1/users/:id", handler: s.getUser, tag: "users", summary: "A user with its grants", out: store.UserView{}},
		{method: http.MethodPatch, path: "/api/v1/users/:id", handler: s.updateUser, tag: "users", summary: "Change a user, reset its password, disable it", in: UserPatch{}, out: store.UserView{}},
		{method: http.MethodDelete, path: "/api/v1/users/:id", handler: s.deleteUser, tag: "users", summary: "Delete a user and its grants and sessions", status: http.StatusNoContent},
		{method: http.MethodPost, path: "/api/v1/users/:id/password-reset", handler: s.resetPassword, tag: "users", summary: "Give a user a new one-time password (returned once), end its sessions and make it choose a new one at the next sign-in", out: PasswordReset{}},
		{method: http.MethodPost, path: "/api/v1/users/:id/grants", handler: s.createGrant, tag: "users", summary: "Grant a role over a subtree, from and to a day (both optional)", in: GrantInput{}, out: store.GrantView{}, status: http.StatusCreated},
		{method: http.MethodPatch, path: "/api/v1/grants/:id", handler: s.updateGrant, tag: "users", summary: "Change the days a role grant holds (end it on a day)", in: GrantPeriod{}, out: store.GrantView{}},
		{method: http.MethodDelete, path: "/api/v1/grants/:id", handler: s.deleteGrant, tag: "users", summary: "Revoke a role grant", status: http.StatusNoContent},

		// Rosters.
		{method: http.MethodPost, path: "/api/v1/rosters/import", handler: s.importRoster, tag: "members", summary: "Preview or commit a roster file (XLSX or CSV)", out: ImportResult{},
			multipart: []param{{name: "file", typ: "file", required: true, desc: ".xlsx or .csv roster"},
				{name: "org_unit_id", typ: "uuid", required: true, desc: "the cell, or a unit whose cells the file's \"Chi bộ\" column names"},
				{name: "mode", typ: "string", enum: []string{"preview", "commit"}, desc: "preview (default) reports; commit imports all or nothing"}}},
		{method: http.MethodGet, path: "/api/v1/rosters/export", handler: s.exportRoster, tag: "members", summary: "Download the roster of a unit's subtree",
			query: []param{{name: "org_unit_id", typ: "uuid", required: true}, {name: "format", typ: "string", enum: []string{"xlsx", "csv"}}},
			raw:   []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"}},
		{method: http.MethodGet, path: "/api/v1/rosters/template.xlsx", handler: s.rosterTemplate, tag: "members", summary: "Download an empty roster workbook: the accepted columns, their accepted values (a sheet and drop-down lists) and a sample row",
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},

		// Delta sync (sync/PROTOCOL.md). Responses are gzip-compressed for clients that accept it.
		{method: http.MethodPost, path: "/api/v1/sync/pull", handler: s.syncPull, tag: "sync", summary: "Pull the next page of changes in the caller's scopes", in: wire.PullRequest{}, out: wire.PullResponse{}, gzip: true},
		{method: http.MethodPost, path: "/api/v1/sync/push", handler: s.syncPush, tag: "sync", summary: "Push a device's mutations (applied once, in order)", in: wire.PushRequest{}, out: wire.PushResponse{}, gzip: true},

		// Meetings' photos (issue #13, server/files): the row comes by the push, its bytes by a resumable upload
		// (tus 1.0.0 with the creation and termination extensions; Tus-Resumable: 1.0.0 on every request).
		{method: http.MethodPost, path: files.UploadsPath, handler: s.upload, tag: "files", status: http.StatusCreated, raw: []string{"application/json"},
			summary: "Begin the upload of a meeting file's bytes (tus creation): Upload-Length = the row's size (at most 10 MiB), Upload-Metadata file_id (the row's id, base64), filename, filetype; answers Location. 404 row unknown or not the caller's to write, 413 too big, 409 already uploaded (field uploaded_at: send nothing)"},
		{method: http.MethodHead, path: files.UploadsPath + ":id", handler: s.upload, tag: "files", raw: []string{"application/json"},
			summary: "Where an upload stands (tus): Upload-Offset, the bytes the server holds; resume with a PATCH from there, on any instance"},
		{method: http.MethodPatch, path: files.UploadsPath + ":id", handler: s.upload, tag: "files", status: http.StatusNoContent,
			summary: "Send bytes of an upload from Upload-Offset (tus; Content-Type: application/offset+octet-stream). With the last byte the server checks the SHA-256 and type, keeps the content once and marks uploaded_at on every row of that content (devices pull it); 422 when the bytes are not the row's (the upload is discarded)"},
		{method: http.MethodDelete, path: files.UploadsPath + ":id", handler: s.upload, tag: "files", status: http.StatusNoContent,
			summary: "Abandon an upload (tus termination)"},
		{method: http.MethodGet, path: "/api/v1/meeting-files/:id", handler: s.getMeetingFile, tag: "files", raw: domain.FileMimes,
			summary: "A meeting file's bytes (read scope over the meeting, else 404; 404 until uploaded), private and immutable: ETag is the SHA-256; Range and If-None-Match work"},
		{method: http.MethodGet, path: "/api/v1/meetings/:id/files", handler: s.listMeetingFiles, tag: "files", paged: true, out: store.Page[MeetingFileView]{},
			summary: "The live file rows of a meeting (read scope), in display order, with where to download each"},

		// Assignments, meetings, recommendations.
		{method: http.MethodGet, path: "/api/v1/assignments", handler: s.listAssignments, tag: "visits", summary: "Assignments in scope, and the caller's own", paged: true, out: store.Page[store.AssignmentView]{},
			query: []param{q("official_id", "uuid", ""), q("cell_id", "uuid", ""), {name: "status", typ: "string", enum: []string{"active", "ended", "cancelled"}}, q("active_on", "date", "assignments whose period covers this day")}},
		{method: http.MethodGet, path: "/api/v1/assignments/clashes", handler: s.assignmentClashes, tag: "assign", summary: "The official's other live cell assignments overlapping the period whose cells meet on the same planned day at an overlapping time (rule's day_of_month, meets_at, meeting_minutes): a warning for the assignment screen", paged: true, out: store.Page[store.AssignmentClash]{},
			query: []param{{name: "official_id", typ: "uuid", required: true}, {name: "cell_id", typ: "uuid", required: true, desc: "the cell being assigned"}, q("starts_on", "date", "the period's first day (open when left out)"), q("ends_on", "date", "the period's last day (open when left out)")}},
		{method: http.MethodGet, path: "/api/v1/assignments/:id", handler: s.getAssignment, tag: "visits", summary: "An assignment", out: store.AssignmentView{}},
		{method: http.MethodPost, path: "/api/v1/assignments", handler: s.createAssignments, tag: "assign", summary: "Assign officials to cells for a period (supervisor or admin of each cell); each official is notified", in: AssignInput{}, out: AssignResult{}, status: http.StatusCreated},
		{method: http.MethodPatch, path: "/api/v1/assignments/:id", handler: s.updateAssignment, tag: "assign", summary: "Change an active assignment's period, frequency or note", in: AssignmentPatch{}, out: store.AssignmentView{}},
		{method: http.MethodPost, path: "/api/v1/assignments/:id/end", handler: s.endAssignment, tag: "assign", summary: "End an assignment on a day (today by default)", in: EndInput{}, out: store.AssignmentView{}},
		{method: http.MethodPost, path: "/api/v1/assignments/:id/cancel", handler: s.cancelAssignment, tag: "assign", summary: "Cancel an assignment; its reminders are withdrawn", out: store.AssignmentView{}},
		{method: http.MethodPost, path: "/api/v1/assignments/:id/acknowledge", handler: s.acknowledgeAssignment, tag: "assign", summary: "The assigned official acknowledges the assignment", out: store.AssignmentView{}},
		{method: http.MethodGet, path: "/api/v1/assign/suggestions", handler: s.suggestCells, tag: "assign", summary: "Cells that need a visit: unvisited for 12 months, rated weak last year, with overdue recommendations", paged: true, out: store.Page[store.CellSuggestion]{},
			query: []param{q("org_unit_id", "uuid", "limit to this subtree (default: all the caller supervises)")}},
		{method: http.MethodGet, path: "/api/v1/assign/officials", handler: s.officialLoads, tag: "assign", summary: "Officials and their current load, least loaded first", paged: true, out: store.Page[store.OfficialLoad]{},
			query: []param{q("org_unit_id", "uuid", "limit to this subtree (default: all the caller supervises)")}},

		// Coverage: supervisors and admins, over their subtrees (issue #6).
		{method: http.MethodGet, path: "/api/v1/coverage", handler: s.getCoverage, tag: "coverage", summary: "Visit coverage, member attendance and grades of a unit over a period, by child unit and by month (a cell: by meeting)", out: store.CoverageReport{},
			query: coverageParams},
		{method: http.MethodGet, path: "/api/v1/coverage/officials", handler: s.coverageOfficials, tag: "coverage", summary: "Each assigned official's tally: cells, visits expected, attended, reported on time, overdue", paged: true, out: store.Page[store.OfficialTally]{},
			query: coverageParams},
		{method: http.MethodGet, path: "/api/v1/coverage/forms", handler: s.coverageForms, tag: "coverage", summary: "Per commune and month: briefings expected and held, cells reported at them of the commune's cells, dialogues held, expanded committee meetings held and attended by an assigned official", paged: true, out: store.Page[store.FormsCoverageRow]{},
			query: coverageParams},
		{method: http.MethodGet, path: "/api/v1/coverage/committee", handler: s.coverageCommittee, tag: "coverage", summary: "Each official assigned to a commune's expanded committee meetings: meetings expected (one a month) and attended", paged: true, out: store.Page[store.CommitteeTally]{},
			query: coverageParams},
		{method: http.MethodGet, path: "/api/v1/coverage/priorities", handler: s.coveragePriorities, tag: "coverage", summary: "Cells needing attention: unvisited for 12 months, weak last year, overdue reports or recommendations", paged: true, out: store.Page[Priority]{},
			query: append([]param{{name: "kind", typ: "string", enum: priorityKinds, desc: "which list (default unvisited); overdue_reports covers the period, or the 12 months up to today"}}, coverageParams...)},
		{method: http.MethodGet, path: "/api/v1/coverage/absentees", handler: s.coverageAbsentees, tag: "coverage", summary: "Members absent with reason at more than 3 meetings in a row (over the period, at least the 12 months to its end)", paged: true, out: store.Page[store.Absentee]{},
			query: coverageParams},
		{method: http.MethodGet, path: "/api/v1/exports/coverage.xlsx", handler: s.exportCoverage, tag: "coverage", summary: "The coverage report as a workbook", query: coverageParams,
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodGet, path: "/api/v1/exports/coverage.csv", handler: s.exportCoverage, tag: "coverage", summary: "The coverage report as CSV (UTF-8 with BOM)", query: coverageParams,
			raw: []string{"text/csv"}},
		{method: http.MethodGet, path: "/api/v1/exports/officials.xlsx", handler: s.exportOfficials, tag: "coverage", summary: "The officials' tally as a workbook", query: coverageParams,
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodGet, path: "/api/v1/exports/officials.csv", handler: s.exportOfficials, tag: "coverage", summary: "The officials' tally as CSV (UTF-8 with BOM)", query: coverageParams,
			raw: []string{"text/csv"}},

		// Meeting schedules.
		{method: http.MethodGet, path: "/api/v1/org-units/:id/schedule", handler: s.getSchedule, tag: "schedule", summary: "A unit's schedule rule: its own and the one that applies", out: store.ScheduleRuleView{}},
		{method: http.MethodPut, path: "/api/v1/org-units/:id/schedule", handler: s.putSchedule, tag: "schedule", summary: "Set the schedule rule of a unit's subtree (admin)", in: store.ScheduleRuleJSON{}, out: store.ScheduleRuleView{}},
		{method: http.MethodDelete, path: "/api/v1/org-units/:id/schedule", handler: s.deleteSchedule, tag: "schedule", summary: "Remove a unit's own rule; it takes its parent's again", status: http.StatusNoContent},
		{method: http.MethodPut, path: "/api/v1/org-units/:id/schedule/:month", handler: s.moveScheduledMeeting, tag: "schedule", summary: "Move or cancel a cell's scheduled meeting of a month (YYYY-MM)", in: ScheduleMove{}, out: store.Meeting{}},
		{method: http.MethodGet, path: "/api/v1/schedule/expected", handler: s.expectedMeetings, tag: "schedule", summary: "The meetings the schedules expect, cell by cell and month by month", paged: true, out: store.Page[store.ExpectedMeeting]{},
			query: []param{q("org_unit_id", "uuid", "a subtree (default: all the caller reads)"), q("from", "string", "first month, YYYY-MM (default: this month)"), q("to", "string", "last month, YYYY-MM (default: from; at most 24 months on)"),
				{name: "form", typ: "string", enum: []string{"cell", "briefing", "committee"}, desc: "cell (default): the cells' meetings; briefing: each commune's (or zone's, hosted in turn) monthly briefing in the window of its rule; committee: each commune's expanded party committee meeting"}}},

		// Notifications and web push.
		{method: http.MethodGet, path: "/api/v1/notifications", handler: s.listNotifications, tag: "notify", summary: "The caller's notifications, newest first", paged: true, out: store.Page[store.Notification]{},
			query: []param{q("unread", "boolean", "only unread ones")}},
		{method: http.MethodPost, path: "/api/v1/notifications/:id/read", handler: s.readNotification, tag: "notify", summary: "Mark a notification read", out: store.Notification{}},
		{method: http.MethodGet, path: "/api/v1/reminders", handler: s.listReminders, tag: "notify", summary: "The caller's reminders: planned, sent, withdrawn", paged: true, out: store.Page[store.Reminder]{},
			query: []param{{name: "status", typ: "string", enum: []string{"pending", "sent", "withdrawn", "skipped"}}}},
		{method: http.MethodGet, path: "/api/v1/push/key", handler: s.pushKey, tag: "notify", summary: "The VAPID public key to subscribe with", out: PushKey{}},
		{method: http.MethodPost, path: "/api/v1/push/subscriptions", handler: s.savePushSubscription, tag: "notify", summary: "Register this device's push subscription for the caller", in: PushSubscriptionInput{}, out: PushSubscriptionOut{}, status: http.StatusCreated},
		{method: http.MethodDelete, path: "/api/v1/push/subscriptions", handler: s.deletePushSubscription, tag: "notify", summary: "Remove this device's push subscription (signing out)", in: PushEndpoint{}, status: http.StatusNoContent},
		{method: http.MethodGet, path: "/api/v1/meetings", handler: s.listMeetings, tag: "visits", summary: "Meetings of cells in scope", paged: true, out: store.Page[store.MeetingView]{},
			query: []param{q("cell_id", "uuid", ""), q("from", "date", ""), q("to", "date", ""), {name: "status", typ: "string", enum: []string{"planned", "held", "cancelled"}},
				{name: "form", typ: "string", enum: []string{"cell", "briefing", "dialogue", "committee", "all"}, desc: "cell (default): the cells' own meetings; briefing, dialogue, committee: the communes' meetings of that form; all: every form"},
				q("unit", "uuid", "meetings held by units in this subtree")}},
		// Briefings, dialogues, expanded committee meetings; zones (h_forms.go).
		{method: http.MethodGet, path: "/api/v1/briefings/month", handler: s.briefingMonth, tag: "forms", summary: "A commune's month of briefings: every cell of the commune with its report(s) at that month's briefing(s), or none (not reported), its zone and the briefings' hosts", paged: true, out: store.Page[store.BriefingMonthCell]{},
			query: []param{{name: "unit", typ: "uuid", desc: "the commune", required: true}, {name: "month", typ: "string", desc: "YYYY-MM", required: true}}},
		{method: http.MethodGet, path: "/api/v1/zones", handler: s.listZones, tag: "forms", summary: "A commune's zones (khu, cụm) with their numbers of cells", paged: true, out: store.Page[store.ZoneView]{},
			query: []param{{name: "unit", typ: "uuid", desc: "the commune", required: true}}},
		{method: http.MethodPost, path: "/api/v1/zones", handler: s.createZone, tag: "forms", summary: "Add a zone to a commune (its admin)", in: ZoneInput{}, out: store.Zone{}, status: http.StatusCreated},
		{method: http.MethodPatch, path: "/api/v1/zones/:id", handler: s.updateZone, tag: "forms", summary: "Rename or reorder a zone (the commune's admin)", in: ZonePatch{}, out: store.Zone{}},
		{method: http.MethodDelete, path: "/api/v1/zones/:id", handler: s.deleteZone, tag: "forms", summary: "Delete a zone; its cells are left without one (the commune's admin)", status: http.StatusNoContent},
		{method: http.MethodPut, path: "/api/v1/zones/:id/cells", handler: s.setZoneCells, tag: "forms", summary: "Set a zone's cells (cells of its commune); they leave their former zone, the zone's others leave it", in: ZoneCells{}, out: store.Page[store.ZoneView]{}},
		{method: http.MethodGet, path: "/api/v1/meetings/:id", handler: s.getMeeting, tag: "visits", summary: "A meeting with attendance and visit reports", out: MeetingDetail{}},
		{method: http.MethodGet, path: "/api/v1/meetings/:id/proof", handler: s.getMeetingProof, tag: "visits", summary: "The meeting's proof of attendance: each visit's check-in, distance from the cell's position, the secretary's confirmation, clashes with the official's other visits, and whether it is verified", out: store.MeetingProof{}},
		{method: http.MethodPut, path: "/api/v1/cells/:id/position", handler: s.putCellPosition, tag: "visits", summary: "Set where a cell meets (its secretary, or an admin); synced to devices, audited", in: PositionInput{}, out: store.CellPosition{}},
		{method: http.MethodDelete, path: "/api/v1/cells/:id/position", handler: s.deleteCellPosition, tag: "visits", summary: "Remove a cell's position (its secretary, or an admin)", status: http.StatusNoContent},
		{method: http.MethodGet, path: "/api/v1/meetings/:id/minutes.docx", handler: s.meetingMinutesDOCX, tag: "visits", summary: "The meeting's minutes (biên bản sinh hoạt chi bộ) as a Word document in the party's layout, for the archive (lang=en for English)",
			raw: []string{docxType}},
		{method: http.MethodGet, path: "/api/v1/recommendations", handler: s.listRecommendations, tag: "recs", summary: "Recommendations of cells in scope, and those addressed to a responder's units; each with days_open and overdue", paged: true, out: store.Page[store.RecommendationView]{},
			query: recFilterParams},
		{method: http.MethodGet, path: "/api/v1/recommendations/stats", handler: s.recommendationStats, tag: "recs", summary: "Counts by field and status, days to answer (average, 90th percentile) and share sent back, for recommendations raised in a period", out: store.RecStats{},
			query: []param{q("unit", "uuid", "a subtree (default: all the caller reads)"), q("from", "date", "raised on or after"), q("to", "date", "raised on or before")}},
		{method: http.MethodGet, path: "/api/v1/exports/recommendations.xlsx", handler: s.exportRecommendations, tag: "recs", summary: "The recommendations the list gives for the same filters, every page, as a workbook: the list and the counts by field and status (admins, supervisors, responders)", query: recFilterParams,
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodGet, path: "/api/v1/exports/recommendations.csv", handler: s.exportRecommendations, tag: "recs", summary: "The recommendations the list gives for the same filters, every page, as CSV (UTF-8 with BOM)", query: recFilterParams,
			raw: []string{"text/csv"}},
		{method: http.MethodGet, path: "/api/v1/recommendations/:id", handler: s.getRecommendation, tag: "recs", summary: "A recommendation with its answers and history", out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/forward", handler: s.forwardRecommendation, tag: "recs", summary: "Forward to the addressee org unit with a due date (supervisor or admin of the cell)", in: ForwardInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/answers", handler: s.answerRecommendation, tag: "recs", summary: "Record the written answer (a responder of the addressee, or a supervisor or admin on its behalf); the official who raised it and the cell's secretaries are notified", in: AnswerInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/verdict", handler: s.judgeRecommendation, tag: "recs", summary: "Accept the answer, or send it back for a new one with a reason (supervisor or admin)", in: VerdictInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/resolve", handler: s.resolveRecommendation, tag: "recs", summary: "Close an accepted recommendation (supervisor or admin)", in: ResolveInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/direct", handler: s.directRecommendation, tag: "recs", summary: "Record the standing committee's direction (chỉ đạo); the status is kept (supervisor or admin of the cell)", in: DirectInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/escalate", handler: s.escalateRecommendation, tag: "recs", summary: "Pass it up to a higher directory body as beyond the body's competence, with a new due date (the body's responder with its answer's document, or a supervisor or admin); the new body's responders are notified", in: EscalateInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/confirm", handler: s.confirmRecommendation, tag: "recs", summary: "The cell secretary confirms on the ground that the matter is settled: accepted → resolved", in: ConfirmInput{}, out: RecommendationDetail{}},
		{method: http.MethodPost, path: "/api/v1/recommendations/:id/announce", handler: s.announceRecommendation, tag: "recs", summary: "Record that the outcome was reported back, optionally at a meeting (supervisor, admin or the cell's secretary)", in: AnnounceInput{}, out: RecommendationDetail{}},
		{method: http.MethodGet, path: "/api/v1/reference", handler: s.getReference, tag: "reference", summary: "The province's recommendation fields, rubric and rating labels", out: store.ReferenceData{},
			query: []param{{name: "org_unit_id", typ: "uuid", required: true, desc: "any unit of the province"}}},
		// Reference data administration and annual ratings (issue #11).
		{method: http.MethodGet, path: "/api/v1/reference/admin", handler: s.getReferenceAdmin, tag: "reference", summary: "Everything of a province's reference data with validity dates: fields and rating labels (retired ones too), every rubric and minutes template version, which is in force", out: store.ReferenceAdmin{},
			query: []param{provinceParam}},
		{method: http.MethodPost, path: "/api/v1/reference/fields", handler: s.createField, tag: "reference", summary: "Add a recommendation field to the province (admin of the province; the defaults are adopted first)", in: store.FieldInput{}, out: store.RecommendationField{}, status: http.StatusCreated,
			query: []param{provinceParam}},
		{method: http.MethodPatch, path: "/api/v1/reference/fields/:id", handler: s.updateField, tag: "reference", summary: "Rename, reorder, retire (active false, valid_to) or restore a recommendation field", in: store.FieldInput{}, out: store.RecommendationField{},
			query: []param{provinceParam}},
		{method: http.MethodPost, path: "/api/v1/reference/rubrics", handler: s.createRubric, tag: "reference", summary: "Add a rubric version valid from a day (today or later): criteria, maximum points, thresholds; earlier meetings keep their version", in: store.RubricInput{}, out: store.Rubric{}, status: http.StatusCreated,
			query: []param{provinceParam}},
		{method: http.MethodPut, path: "/api/v1/reference/rubrics/:id", handler: s.updateRubric, tag: "reference", summary: "Replace a rubric version not yet in force and not used for grading", in: store.RubricInput{}, out: store.Rubric{},
			query: []param{provinceParam}},
		{method: http.MethodDelete, path: "/api/v1/reference/rubrics/:id", handler: s.deleteRubric, tag: "reference", summary: "Delete a rubric version not yet in force and not used for grading", status: http.StatusNoContent,
			query: []param{provinceParam}},
		{method: http.MethodPost, path: "/api/v1/reference/minutes-templates", handler: s.createMinutesTemplate, tag: "reference", summary: "Add a minutes template version valid from a day (today or later)", in: store.TemplateInput{}, out: store.MinutesTemplate{}, status: http.StatusCreated,
			query: []param{provinceParam}},
		{method: http.MethodDelete, path: "/api/v1/reference/minutes-templates/:id", handler: s.deleteMinutesTemplate, tag: "reference", summary: "Delete a minutes template version not yet in force", status: http.StatusNoContent,
			query: []param{provinceParam}},
		{method: http.MethodPost, path: "/api/v1/reference/rating-labels", handler: s.createRatingLabel, tag: "reference", summary: "Add a rating label to a scheme of the province, with its validity dates", in: store.LabelInput{}, out: store.RatingLabel{}, status: http.StatusCreated,
			query: []param{provinceParam}},
		{method: http.MethodPatch, path: "/api/v1/reference/rating-labels/:id", handler: s.updateRatingLabel, tag: "reference", summary: "Change, retire or restore a rating label", in: store.LabelInput{}, out: store.RatingLabel{},
			query: []param{provinceParam}},
		{method: http.MethodGet, path: "/api/v1/ratings", handler: s.listRatings, tag: "ratings", summary: "The cells of a unit's subtree open in a year, each with its rating of the year (null: none)", paged: true, out: store.Page[store.RatingRow]{},
			query: ratingParams},
		{method: http.MethodGet, path: "/api/v1/ratings/labels", handler: s.ratingLabels, tag: "ratings", summary: "The rating labels given for a year in the unit's province", out: []store.RatingLabel{},
			query: ratingParams},
		{method: http.MethodGet, path: "/api/v1/ratings/template", handler: s.ratingsTemplate, tag: "ratings", summary: "The XLSX template of a year's ratings: the unit's cells with their code and current rating, the accepted labels",
			query: ratingParams, raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodPost, path: "/api/v1/ratings/import", handler: s.importRatings, tag: "ratings", summary: "Preview or commit a year's ratings from an XLSX file (admin of the unit): rows matched to cells by code or name", out: RatingImportResult{},
			multipart: []param{{name: "file", typ: "file", required: true, desc: ".xlsx with a cell name or code column and a “Xếp loại” column"},
				{name: "org_unit_id", typ: "uuid", required: true, desc: "the unit whose cells the file rates"},
				{name: "year", typ: "integer", required: true},
				{name: "mode", typ: "string", enum: []string{"preview", "commit"}, desc: "preview (default) reports; commit imports all or nothing"}}},
		// The directory of addressees (issue #12).
		{method: http.MethodGet, path: "/api/v1/addressees", handler: s.listAddressees, tag: "addressees", summary: "A province's directory of addressees (any user of the province), by level, order and name", paged: true, out: store.Page[store.Addressee]{},
			query: addresseeListParams},
		{method: http.MethodPost, path: "/api/v1/addressees", handler: s.createAddressee, tag: "addressees", summary: "Add a body to the province's directory (admin of the province)", in: store.AddresseeInput{}, out: store.Addressee{}, status: http.StatusCreated,
			query: []param{addresseeProvinceParam}},
		{method: http.MethodGet, path: "/api/v1/addressees/match", handler: s.matchAddressee, tag: "addressees", summary: "The directory body that best matches a typed addressee (diacritics, abbreviations and aliases ignored; the cell's commune first)", out: AddresseeMatch{},
			query: []param{addresseeProvinceParam, {name: "text", typ: "string", required: true, desc: "the addressee as typed, e.g. \"ubnd xa\""}, {name: "cell_id", typ: "uuid", desc: "the cell the recommendation comes from"}, {name: "day", typ: "date", desc: "active on this day (default today)"}}},
		{method: http.MethodGet, path: "/api/v1/addressees/template.xlsx", handler: s.addresseesTemplate, tag: "addressees", summary: "The workbook to fill in for an import of the directory: its columns, accepted levels and kinds, sample rows",
			raw: []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
		{method: http.MethodPost, path: "/api/v1/addressees/import", handler: s.importAddressees, tag: "addressees", summary: "Preview or commit a directory of addressees from an XLSX file (admin of the province): bodies created or updated, parents by name", out: AddresseeImportResult{},
			multipart: []param{{name: "file", typ: "file", required: true, desc: ".xlsx list (see /api/v1/addressees/template.xlsx)"},
				{name: "org_unit_id", typ: "uuid", required: true, desc: "the province (or any unit of it; admin of the province)"},
				{name: "mode", typ: "string", enum: []string{"preview", "commit"}, desc: "preview (default) reports every row; commit imports all or nothing"}}},
		{method: http.MethodGet, path: "/api/v1/addressees/:id", handler: s.getAddressee, tag: "addressees", summary: "A body of the directory with the chain of bodies above it and its responders", out: store.AddresseeDetail{}},
		{method: http.MethodPatch, path: "/api/v1/addressees/:id", handler: s.updateAddressee, tag: "addressees", summary: "Change a body of the directory (admin of the province)", in: store.AddresseeInput{}, out: store.Addressee{}},
		{method: http.MethodDelete, path: "/api/v1/addressees/:id", handler: s.deleteAddressee, tag: "addressees", summary: "Delete a body nothing refers to (a body in use is retired instead)", status: http.StatusNoContent},
		{method: http.MethodPost, path: "/api/v1/addressees/:id/retire", handler: s.retireAddressee, tag: "addressees", summary: "Retire a body from a day (active_to, default today): what was addressed to it keeps it", in: RetireInput{}, out: store.Addressee{}},
		{method: http.MethodPost, path: "/api/v1/addressees/:id/responders", handler: s.addAddresseeResponder, tag: "addressees", summary: "Make a user of the province a responder of the body; a user without the responder role is given a responder grant over the body's unit", in: ResponderInput{}, out: store.AddresseeDetail{}, status: http.StatusCreated},
		{method: http.MethodDelete, path: "/api/v1/addressees/:id/responders/:user_id", handler: s.removeAddresseeResponder, tag: "addressees", summary: "Take a user off the body's responders (its role grant stays)", status: http.StatusNoContent},
		{method: http.MethodGet, path: "/api/v1/org-units/:id/ratings/:year", handler: s.getRating, tag: "ratings", summary: "A cell's rating of a year", out: store.CellRating{}},
		{method: http.MethodPut, path: "/api/v1/org-units/:id/ratings/:year", handler: s.putRating, tag: "ratings", summary: "Set a cell's rating of a year (admin of the cell)", in: RatingInput{}, out: RatingResult{}},
		{method: http.MethodDelete, path: "/api/v1/org-units/:id/ratings/:year", handler: s.deleteRating, tag: "ratings", summary: "Remove a cell's rating of a year entered by mistake", status: http.StatusNoContent},
		{method: http.MethodGet, path: "/api/v1/audit", handler: s.listAudit, tag: "audit", summary: "The audit log of the caller's subtrees (admins, supervisors), newest first, with each record before and after", paged: true, out: store.Page[store.AuditView]{},
			query: []param{q("unit", "uuid", "changes about units in this subtree"), q("user", "uuid", "changes made by this user"),
				q("table", "string", "the kind of record: member, org_unit, user, role_grant, assignment…"),
				q("from", "date", "changed on or after this day"), q("to", "date", "changed on or before this day"),
				q("entity", "string", "same as table"), q("entity_id", "string", "one record"), q("actor_id", "uuid", "same as user")}},
	}
}

// globalParams are the query parameters every API route takes: the language of messages (errors.go).
var globalParams = []string{"lang"}

// knownParams refuses a request to an API route with a query parameter the route does not take (400
// error.unknown_param, naming it and those it takes), or with one given twice that is not repeatable (400
// error.repeated_param): a misspelt filter (unit= where the list filters by cell_id) would otherwise be ignored
// and answer as if nothing were filtered, and of limit=5&limit=50 only the first would count. The app's own
// pages (/, ?read=…) are not API routes.
func knownParams(r route) echo.MiddlewareFunc {
	repeatable := map[string]bool{} // the parameters the route takes: may each come more than once
	var names []string
	add := func(p param) {
		if _, ok := repeatable[p.name]; !ok {
			repeatable[p.name] = p.repeatable
			names = append(names, p.name)
		}
	}
	for _, p := range r.query {
		add(p)
	}
	if r.paged {
		add(param{name: "limit"})
		add(param{name: "cursor"})
	}
	for _, n := range globalParams {
		add(param{name: n})
	}
	allowed := strings.Join(names, ", ")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().URL.RawQuery == "" {
				return next(c)
			}
			for k, vs := range c.QueryParams() {
				many, ok := repeatable[k]
				switch {
				case !ok:
					e := domain.E(domain.CodeInvalid, "error.unknown_param", "field", k, "allowed", allowed)
					e.Field = k
					return e
				case len(vs) > 1 && !many:
					e := domain.E(domain.CodeInvalid, "error.repeated_param", "field", k)
					e.Field = k
					return e
				}
			}
			return next(c)
		}
	}
}

// register adds every route to e, behind authentication unless public. A GET route answers HEAD too, as net/http's
// own mux does; the server discards the body of a HEAD response.
func (s *Server) register(e *echo.Echo) {
	for _, r := range s.routes() {
		var mw []echo.MiddlewareFunc
		if r.gzip {
			mw = append(mw, s.gzip)
		}
		if !r.public {
			mw = append(mw, s.authenticate, s.mustChangeGate(r))
		}
		mw = append(mw, s.checkInput) // after authentication: an upload is not parsed for a stranger
		if strings.HasPrefix(r.path, "/api/") {
			mw = append(mw, knownParams(r))
		}
		e.Add(r.method, r.path, r.handler, mw...)
		if r.method == http.MethodGet {
			e.Add(http.MethodHead, r.path, r.handler, mw...)
		}
	}
}
