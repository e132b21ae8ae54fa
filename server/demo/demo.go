// Package demo generates a realistic, deterministic demo data set: a Quảng Trị province party organisation with
// communes and village cells, members, users with their role grants, assignments of visiting officials, a year of
// meetings with attendance, visit reports with rubric scores, recommendations in every state, annual ratings and
// a few notifications. The same Config always produces the same rows, ids included, so screenshots, tests and
// benchmarks are reproducible; the generator streams commune by commune, so it also builds province-sized data
// sets (10,000 cells, millions of attendance rows) in bounded memory.
//
// All users log in with the password Password. The fixed logins are admin, giamsat (province supervisor),
// giamsat2 (supervisor of Đảng bộ xã Triệu Phong), canbo (an official of Triệu Phong assigned to exactly three
// cells: thôn An Lợi, thôn Phước Thị and thôn Đại Hào), canbo2…canboN, bithu, bithu2, bithu3 (cell
// secretaries) and ubnd (UBND xã Triệu Phong, a responder: it answers the recommendations forwarded to the
// commune); Summary.Logins lists them all.
//
// The stories the demo tells, for screens and coverage code to show (cell names as in the default
// configuration): Chi bộ thôn Phú Liêu and one cell of the last commune (and, at province scale, about 3 % of the
// cells beyond the third commune) attend under 85 % at every meeting and were rated "Không hoàn thành nhiệm vụ"
// last year; a member of Chi bộ thôn An Lợi was absent with reason four months in a row; the last cell of Triệu
// Phong opened during the history and the last cell of Ái Tử closed half-way through it (merged, its members
// transferred); the big cells have party groups; one assignment ended with the closed cell and one starts next
// month; a few regular meetings were skipped, put off by floods or moved to the 5th.
//
// The cross-checks (issue #13, checks.go): every cell meets on the evening of the 3rd, so an official assigned to
// several cells (canbo's three) goes to one of them a month, in turn; every cell has its position; check-ins are
// near their cell, a few kilometres off now and then; the cell's secretary confirmed most visits (not those of the
// last week nor a few others) and disputed one; one official is at two meetings on the same evening two months
// back: the one clash for a supervisor to find.
//
// Values the demo writes into free-form columns: visit reports are "draft" or "submitted", their Scores are
// {"criterion_code": points} for every criterion of the rubric in force, their Notes follow NotesDoc;
// recommendations are "normal" or "urgent", answers carry the verdict "accepted", "sent_back" (with a reason) or
// none yet, and each forwarded recommendation has its history (recommendation_events) step by step; meetings
// are "in_person" and a held meeting's Notes are its minutes (store.MinutesDoc, the default template's items: who
// came, who spoke, last month's tasks ticked off, the tasks with who and by when, the vote);
// notifications are of kind "assignment_created", "meeting_eve", "report_overdue" or "recommendations_overdue",
// with a JSON Data of ids.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Password is the password of every demo user.
const Password = "chibo-demo"

// ErrNotEmpty is returned by Generate when the database already holds org units.
var ErrNotEmpty = errors.New("demo: the database already has org units; the demo data set only fills an empty database")

// Config says what to generate. Zero fields take the defaults noted on each.
type Config struct {
	// Seed selects the data set; the same Seed (and other fields) gives the same rows, ids included.
	Seed uint64
	// Communes is the number of commune party organisations (default 3).
	Communes int
	// CellsPerCommune is the number of village or residential cells in each commune (default 10).
	CellsPerCommune int
	// MembersPerCell is the average roll of a cell (default 24). Sizes are skewed like real cells: many small
	// ones, a few with 60 to 100+ members, never fewer than 3.
	MembersPerCell int
	// Officials is the number of visiting officials, canbo included (default 10).
	Officials int
	// Supervisors is the number of supervisors (default 2): giamsat over the province, the others each over
	// one commune.
	Supervisors int
	// Months is how many months of meeting history to generate (default 12).
	Months int
	// Today is the demo's "today": meetings, reports and recommendations are dated relative to it, and no
	// generated timestamp is later than 08:00 of that day. Zero means the current date, the only place the
	// generator reads the clock; set it for reproducible output.
	Today domain.Date
	// PasswordHash, when set, is stored for every user instead of a fresh hash of Password. Hashing uses a
	// random salt, so set it when two runs must produce byte-identical rows.
	PasswordHash string
	// SkipSyncBuckets leaves the sync buckets' checksums unset, which saves most of the time at province scale.
	// Only for databases no device will sync with (benchmarks of reports).
	SkipSyncBuckets bool
}

// The defaults of Config.
const (
	DefaultCommunes        = 3
	DefaultCellsPerCommune = 10
	DefaultMembersPerCell  = 24
	DefaultOfficials       = 10
	DefaultSupervisors     = 2
	DefaultMonths          = 12
)

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int, name string, max int) error {
		switch {
		case *v < 0:
			return fmt.Errorf("demo: %s must not be negative", name)
		case *v == 0:
			*v = d
		case *v > max:
			return fmt.Errorf("demo: %s must be at most %d", name, max)
		}
		return nil
	}
	for _, f := range []struct {
		v    *int
		d    int
		name string
		max  int
	}{
		{&c.Communes, DefaultCommunes, "Communes", 10000},
		{&c.CellsPerCommune, DefaultCellsPerCommune, "CellsPerCommune", 999},
		{&c.MembersPerCell, DefaultMembersPerCell, "MembersPerCell", 500},
		{&c.Officials, DefaultOfficials, "Officials", 100000},
		{&c.Supervisors, DefaultSupervisors, "Supervisors", 10000},
		{&c.Months, DefaultMonths, "Months", 120},
	} {
		if err := def(f.v, f.d, f.name, f.max); err != nil {
			return c, err
		}
	}
	if c.Today.IsZero() {
		c.Today = domain.DateOf(time.Now())
	}
	return c, nil
}

// Summary counts what Generate wrote and lists the demo logins.
type Summary struct {
	ProvinceID            string      `json:"province_id"`
	Today                 domain.Date `json:"today"`
	OrgUnits              int         `json:"org_units"`
	Communes              int         `json:"communes"`
	Cells                 int         `json:"cells"`
	PartyGroups           int         `json:"party_groups"`
	Members               int         `json:"members"`
	Users                 int         `json:"users"`
	RoleGrants            int         `json:"role_grants"`
	Assignments           int         `json:"assignments"`
	Meetings              int         `json:"meetings"`
	Attendance            int         `json:"attendance"`
	VisitReports          int         `json:"visit_reports"`
	Recommendations       int         `json:"recommendations"`
	RecommendationAnswers int         `json:"recommendation_answers"`
	RecommendationEvents  int         `json:"recommendation_events"`
	AnnualRatings         int         `json:"annual_ratings"`
	Notifications         int         `json:"notifications"`
	Addressees            int         `json:"addressees"`
	// The commune's meetings of the other forms: zones, participants, briefing reports, dialogue questions.
	Zones               int `json:"zones"`
	MeetingParticipants int `json:"meeting_participants"`
	BriefingReports     int `json:"briefing_reports"`
	DialogueQuestions   int `json:"dialogue_questions"`
	// The cross-checks: cells' positions and the secretaries' confirmations of visits.
	CellPositions      int `json:"cell_positions"`
	VisitConfirmations int `json:"visit_confirmations"`
	// Logins lists every demo user; all share the password Password.
	Logins []Login `json:"logins"`
}

// Rows returns the number of rows written (the audit entry aside).
func (s *Summary) Rows() int {
	return s.OrgUnits + s.Members + s.Users + s.RoleGrants + s.Assignments + s.Meetings + s.Attendance +
		s.VisitReports + s.Recommendations + s.RecommendationAnswers + s.RecommendationEvents + s.AnnualRatings +
		s.Notifications + s.Addressees + s.Zones + s.MeetingParticipants + s.BriefingReports + s.DialogueQuestions +
		s.CellPositions + s.VisitConfirmations
}

// Login is one demo user.
type Login struct {
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Title       string      `json:"title"`
	Role        domain.Role `json:"role"`
	// Scope is the name of the org unit the role covers.
	Scope string `json:"scope"`
	// Cells names the cells an official is assigned to (active, current assignments).
	Cells []string `json:"cells,omitempty"`
	// Description is a one-line summary for a welcome screen: name, role and scope, or an official's cells.
	Description string `json:"description"`
}

// Generate fills an empty database with the demo data set described by cfg, in one transaction, and records one
// audit entry (action "seed", entity "demo") for the whole of it. It fails with ErrNotEmpty when the database
// already has org units.
func Generate(ctx context.Context, db *store.DB, cfg Config) (*Summary, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	hash := cfg.PasswordHash
	if hash == "" {
		if hash, err = auth.HashPassword(Password, auth.DefaultArgon2); err != nil {
			return nil, fmt.Errorf("demo: hash password: %w", err)
		}
	}
	var sum *Summary
	err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*store.OrgUnit)(nil)).WhereAllWithDeleted().Count(ctx)
		if err != nil {
			return fmt.Errorf("demo: count org units: %w", err)
		}
		if n > 0 {
			return ErrNotEmpty
		}
		g := newGenerator(cfg, tx, hash)
		if sum, err = g.run(ctx); err != nil {
			return err
		}
		// The visits' cross-checks (visit_checks), which the change log's hook keeps for tracked writes.
		if err := store.RebuildChecks(ctx, tx); err != nil {
			return fmt.Errorf("demo: cross-checks: %w", err)
		}
		// The rows went in by bulk insert, not through the change log: give their buckets their checksums. A
		// client syncing the demo gets them by snapshot.
		if cfg.SkipSyncBuckets {
			return nil
		}
		// The rebuild reads every table back in key order, page by page: on PostgreSQL the planner must know the
		// tables' new sizes first, or a province's attendance is scanned whole for each page.
		if db.Dialect == "pg" && cfg.Communes*cfg.CellsPerCommune >= 1000 {
			if _, err := tx.ExecContext(ctx, "ANALYZE"); err != nil {
				return fmt.Errorf("demo: analyze: %w", err)
			}
		}
		return store.RebuildBuckets(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	// After a bulk load, PostgreSQL's advice: VACUUM ANALYZE, as autovacuum would in the minutes after. Until the
	// visibility map is set, index-only scans (the absentees' attendance_excused) read the table's pages too.
	if db.Dialect == "pg" && !cfg.SkipSyncBuckets && cfg.Communes*cfg.CellsPerCommune >= 1000 {
		if _, err := db.W.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
			return nil, fmt.Errorf("demo: vacuum: %w", err)
		}
	}
	return sum, nil
}

// SeedOnce generates the demo data set when the database has neither org units nor users, and otherwise does
// nothing, so a development server can call it at every start and keep what users changed since. seeded reports
// whether it generated.
func SeedOnce(ctx context.Context, db *store.DB, cfg Config) (seeded bool, sum *Summary, err error) {
	for _, model := range []any{(*store.OrgUnit)(nil), (*store.User)(nil)} {
		n, err := db.W.NewSelect().Model(model).WhereAllWithDeleted().Count(ctx)
		if err != nil {
			return false, nil, fmt.Errorf("demo: count rows: %w", err)
		}
		if n > 0 {
			return false, nil, nil
		}
	}
	sum, err = Generate(ctx, db, cfg)
	if err != nil {
		return false, nil, err
	}
	return true, sum, nil
}
