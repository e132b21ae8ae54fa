// Package notify tells people what concerns them: it creates notifications (synced to each user's inbox in the
// app) and queues their web pushes, and runs the background worker that plans scheduled meetings and reminders,
// fires reminders when they come due and delivers the push outbox.
//
// Everything the worker does is a table: reminders with next_at, the push outbox, job leases. Any number of
// server instances run one worker each; claims with leases (FOR UPDATE SKIP LOCKED on PostgreSQL, the single
// writer on SQLite) make each reminder fire once and each (notification, device) push be sent by one worker.
package notify

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// The kinds of notification.
const (
	KindAssignmentCreated   = "assignment_created"
	KindAssignmentChanged   = "assignment_changed"
	KindAssignmentEnded     = "assignment_ended"
	KindAssignmentCancelled = "assignment_cancelled"
	KindMeetingEve          = store.ReminderEve
	KindMeetingDay          = store.ReminderDay
	KindReportOverdue       = store.ReminderOverdue
	KindDigest              = store.ReminderDigest
	KindRecommendation      = "recommendation_answered"
	KindRecForwarded        = "recommendation_forwarded"
)

// Note is a notification to create: its kind names the catalogue messages ("notify.<kind>.title" and ".body")
// that Args fill in, in the recipient's language.
type Note struct {
	UserID string
	Kind   string
	Args   map[string]string
	// Link is where a click takes the user in the app ("#/m/<meeting id>").
	Link string
	// Data is kept with the notification for the app (ids of what it is about).
	Data map[string]string
	// Push options: how long the push service keeps it, how urgent it is, and the topic under which a newer push
	// replaces an older one not yet delivered.
	TTL     time.Duration
	Urgency string
	Topic   string
}

// payload is the web push message the service worker shows.
type payload struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Link  string `json:"link"`
	Tag   string `json:"tag"`
}

// maxBody keeps push payloads small: push services accept about 4 KB, and the inbox has the whole text.
const maxBody = 600

// Send creates the notification n describes, in the recipient's inbox, and queues its web push to each of the
// recipient's devices. It runs inside the caller's DB.Write transaction, so the notification exists exactly when
// what it tells of does.
func Send(ctx context.Context, tx bun.IDB, n Note, now time.Time) (*store.Notification, error) {
	var locale string
	if err := tx.NewSelect().Model((*store.User)(nil)).Column("locale").Where("id = ?", n.UserID).Scan(ctx, &locale); err != nil {
		return nil, domain.Internalf("notify: recipient %s: %w", n.UserID, err)
	}
	lang := i18n.Parse(locale)
	args := make(map[string]string, len(n.Args))
	for k, v := range n.Args {
		args[k] = strings.TrimLeft(v, "@") // user text is never a catalogue reference
	}
	data, err := json.Marshal(n.Data)
	if err != nil {
		return nil, domain.Internal(err)
	}
	nt := &store.Notification{UserID: n.UserID, Kind: n.Kind, Title: i18n.T(lang, "notify."+n.Kind+".title", args),
		Body: i18n.T(lang, "notify."+n.Kind+".body", args), Link: n.Link, Data: domain.JSONText(data)}
	if err := store.Insert(ctx, tx, nt); err != nil {
		return nil, err
	}
	tag := n.Topic
	if tag == "" {
		tag = nt.ID
	}
	body := []rune(nt.Body)
	if len(body) > maxBody {
		body = append(body[:maxBody-1], '…')
	}
	p, err := json.Marshal(payload{ID: nt.ID, Kind: nt.Kind, Title: nt.Title, Body: string(body), Link: nt.Link, Tag: tag})
	if err != nil {
		return nil, domain.Internal(err)
	}
	if _, err := store.QueuePush(ctx, tx, nt, p, store.PushOptions{TTL: n.TTL, Urgency: n.Urgency, Topic: n.Topic}, now); err != nil {
		return nil, err
	}
	return nt, nil
}

// AssignmentNote is the notification of an assignment event (kind one of the Kind*Assignment* constants) for
// its official.
func AssignmentNote(kind string, a *store.Assignment, cellName string, lang i18n.Lang) Note {
	args := map[string]string{"cell": cellName, "from": a.StartsOn.VN(), "until": "", "date": ""}
	if !a.EndsOn.IsZero() {
		args["until"] = i18n.T(lang, "notify.until", map[string]string{"date": a.EndsOn.VN()})
		args["date"] = a.EndsOn.VN()
	}
	if a.Frequency == domain.FrequencyYearly {
		args["frequency"] = i18n.T(lang, "notify.per_year", map[string]string{"n": itoa(a.VisitsPerYear)})
	} else {
		args["frequency"] = i18n.T(lang, "notify.monthly", nil)
	}
	return Note{UserID: a.OfficialID, Kind: kind, Args: args, Link: "#/assignments",
		Data: map[string]string{"assignment_id": a.ID, "cell_id": a.CellID}, TTL: 72 * time.Hour, Urgency: "normal",
		Topic: "assignment:" + a.ID}
}

// Locale returns the language of user.
func Locale(ctx context.Context, db bun.IDB, userID string) i18n.Lang {
	var locale string
	_ = db.NewSelect().Model((*store.User)(nil)).Column("locale").Where("id = ?", userID).Scan(ctx, &locale)
	return i18n.Parse(locale)
}

// RecommendationAnswered tells the official who raised a recommendation, and the secretaries of its cell, that
// it has an answer. It runs inside the transaction that records the answer.
func RecommendationAnswered(ctx context.Context, tx bun.IDB, rec *store.Recommendation, answer *store.RecommendationAnswer, now time.Time) error {
	var cell store.OrgUnit
	if err := tx.NewSelect().Model(&cell).Column("name", "path").Where("id = ?", rec.CellID).Scan(ctx); err != nil {
		return domain.Internal(err)
	}
	var users []string
	if rec.RaisedBy != nil {
		users = append(users, *rec.RaisedBy)
	}
	var secs []string
	if err := tx.NewSelect().Model((*store.RoleGrant)(nil)).Column("user_id").Where("org_unit_id = ?", rec.CellID).
		Where("role = ?", domain.RoleSecretary).Scan(ctx, &secs); err != nil {
		return domain.Internal(err)
	}
	seen := map[string]bool{}
	for _, u := range append(users, secs...) {
		if seen[u] || (answer.AnsweredBy != nil && *answer.AnsweredBy == u) {
			continue
		}
		seen[u] = true
		_, err := Send(ctx, tx, Note{UserID: u, Kind: KindRecommendation,
			Args: map[string]string{"cell": cell.Name, "content": clip(rec.Content, 120)},
			Link: "#/recs/" + rec.ID, Data: map[string]string{"recommendation_id": rec.ID, "answer_id": answer.ID},
			TTL: 72 * time.Hour, Urgency: "normal", Topic: "rec:" + rec.ID}, now)
		if err != nil {
			return err
		}
	}
	return nil
}

// RecommendationForwarded tells the responders of the body a recommendation was forwarded to (the responders of
// its directory body, or, the old way, the users with a responder grant on its addressee unit or a unit above it)
// that it awaits their answer, by its due date. It runs inside the transaction that records the forwarding.
func RecommendationForwarded(ctx context.Context, tx bun.IDB, rec *store.Recommendation, actorID string, now time.Time) error {
	users, err := store.RecResponders(ctx, tx, rec)
	if err != nil {
		return err
	}
	return sendRec(ctx, tx, KindRecForwarded, rec, users, actorID, nil, now)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
