package demo

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// batchSize is how many rows go into one multi-row INSERT.
const batchSize = 1000

// table is one sink of the writer.
type table interface {
	flush(ctx context.Context, db bun.IDB, version int64) error
}

// sink buffers the rows of one table and inserts them in batches.
type sink[T any] struct {
	name  string
	rows  []T
	total int
}

// flush inserts the buffered rows; synced rows the generator left at version 0 get version, the seeding
// transaction's: a device creating one of them with base_version 0 (an attendance mark of a seeded meeting, whose id
// is derived) then records a conflict rather than overwriting it silently (sync/PROTOCOL.md: no table devices write
// starts with rows at version 0).
func (s *sink[T]) flush(ctx context.Context, db bun.IDB, version int64) error {
	if len(s.rows) == 0 {
		return nil
	}
	for i := range s.rows {
		if r, ok := any(&s.rows[i]).(changelog.Row); ok && r.SyncBase().Version == 0 {
			r.SyncBase().Version = version
		}
	}
	if _, err := db.NewInsert().Model(&s.rows).Exec(ctx); err != nil {
		return fmt.Errorf("demo: insert %s: %w", s.name, err)
	}
	s.total += len(s.rows)
	clear(s.rows) // drop references to the strings of the written rows
	s.rows = s.rows[:0]
	return nil
}

// writer streams generated rows into the database. Its sinks are listed in foreign-key order, and a full sink
// first flushes every sink before it, so a row is never written before the rows it refers to (as long as the
// generator adds a row after the rows it refers to, which it does). Memory stays at about one batch per table.
type writer struct {
	db          bun.IDB
	version     int64 // the seeding transaction's sync version, read at the first flush
	order       []table
	orgUnits    sink[store.OrgUnit]
	users       sink[store.User]
	grants      sink[store.RoleGrant]
	assignments sink[store.Assignment]
	members     sink[store.Member]
	meetings    sink[store.Meeting]
	attendance  sink[store.Attendance]
	reports     sink[store.VisitReport]
	recs        sink[store.Recommendation]
	answers     sink[store.RecommendationAnswer]
	events      sink[store.RecommendationEvent]
	ratings     sink[store.AnnualRating]
	notes       sink[store.Notification]
	addressees  sink[store.Addressee]
	responders  sink[store.AddresseeResponder]
	// the commune's meetings of the other forms (forms.go)
	zones        sink[store.Zone]
	participants sink[store.MeetingParticipant]
	briefings    sink[store.BriefingReport]
	questions    sink[store.DialogueQuestion]
	// the cross-checks (checks.go)
	positions     sink[store.CellPosition]
	confirmations sink[store.VisitConfirmation]
}

func newWriter(db bun.IDB) *writer {
	w := &writer{db: db}
	w.orgUnits.name, w.users.name, w.grants.name = "org_units", "users", "role_grants"
	w.assignments.name, w.members.name, w.meetings.name = "assignments", "members", "meetings"
	w.attendance.name, w.reports.name, w.recs.name = "attendance", "visit_reports", "recommendations"
	w.answers.name, w.ratings.name, w.notes.name = "recommendation_answers", "annual_ratings", "notifications"
	w.events.name, w.addressees.name, w.responders.name = "recommendation_events", "addressees", "addressee_responders"
	w.zones.name, w.participants.name, w.briefings.name, w.questions.name = "zones", "meeting_participants", "briefing_reports", "dialogue_questions"
	w.positions.name, w.confirmations.name = "cell_positions", "visit_confirmations"
	w.order = []table{&w.orgUnits, &w.zones, &w.users, &w.grants, &w.addressees, &w.responders, &w.assignments, &w.members, &w.meetings, &w.participants,
		&w.briefings, &w.attendance, &w.reports, &w.confirmations, &w.positions, &w.recs, &w.questions, &w.answers, &w.events, &w.ratings, &w.notes}
	return w
}

// put adds a row to s, writing a batch when s is full.
func put[T any](ctx context.Context, w *writer, s *sink[T], row T) error {
	s.rows = append(s.rows, row)
	if len(s.rows) < batchSize {
		return nil
	}
	return w.flushThrough(ctx, s)
}

// flushThrough writes every sink up to and including t, in foreign-key order.
func (w *writer) flushThrough(ctx context.Context, t table) error {
	if w.version == 0 {
		v, err := changelog.SyncTx(ctx, w.db)
		if err != nil {
			return fmt.Errorf("demo: sync version: %w", err)
		}
		w.version = v
	}
	for _, x := range w.order {
		if err := x.flush(ctx, w.db, w.version); err != nil {
			return err
		}
		if x == t {
			return nil
		}
	}
	return nil
}

// flushAll writes every buffered row.
func (w *writer) flushAll(ctx context.Context) error { return w.flushThrough(ctx, nil) }
