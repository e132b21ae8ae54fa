package notify

// Notifications of the recommendation loop's reach to the directory of addressees (issue #12): forwarded, passed
// up, sent back; the reminders before and after the due date; the supervisors' weekly digest of overdue ones.

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// The loop's notification kinds.
const (
	KindRecEscalated = "recommendation_escalated"
	KindRecSentBack  = "recommendation_sent_back"
	KindRecAccepted  = "recommendation_accepted"
	KindRecDueSoon   = store.ReminderRecDueSoon
	KindRecOverdue   = store.ReminderRecOverdue
	KindRecDigest    = store.ReminderRecDigest
)

// recNames returns the names of a recommendation's cell and of the body it now stands with.
func recNames(ctx context.Context, tx bun.IDB, rec *store.Recommendation) (cell, to string, err error) {
	if err := tx.NewSelect().Model((*store.OrgUnit)(nil)).Column("name").Where("id = ?", rec.CellID).Scan(ctx, &cell); err != nil {
		return "", "", domain.Internal(err)
	}
	switch {
	case rec.AddresseeID != nil:
		err = tx.NewSelect().Model((*store.Addressee)(nil)).Column("name").Where("id = ?", *rec.AddresseeID).Scan(ctx, &to)
	case rec.AddresseeOrgUnitID != nil:
		err = tx.NewSelect().Model((*store.OrgUnit)(nil)).Column("name").Where("id = ?", *rec.AddresseeOrgUnitID).Scan(ctx, &to)
	}
	if err != nil {
		return "", "", domain.Internal(err)
	}
	return cell, to, nil
}

// sendRec sends a notification of kind about rec to each of users but skip, with args added to the usual ones.
func sendRec(ctx context.Context, tx bun.IDB, kind string, rec *store.Recommendation, users []string, skip string, args map[string]string, now time.Time) error {
	cell, to, err := recNames(ctx, tx, rec)
	if err != nil {
		return err
	}
	a := map[string]string{"cell": cell, "content": clip(rec.Content, 120), "to": to, "due": rec.DueOn.VN()}
	for k, v := range args {
		a[k] = v
	}
	seen := map[string]bool{}
	for _, u := range users {
		if u == skip || seen[u] {
			continue
		}
		seen[u] = true
		_, err := Send(ctx, tx, Note{UserID: u, Kind: kind, Args: a, Link: "#/recs/" + rec.ID,
			Data: map[string]string{"recommendation_id": rec.ID}, TTL: 72 * time.Hour, Urgency: "normal",
			Topic: "rec:" + rec.ID}, now)
		if err != nil {
			return err
		}
	}
	return nil
}

// RecommendationEscalated tells the responders of the higher body a recommendation was passed up to (as beyond
// the competence of the body below, named from) that it awaits their answer. It runs in the step's transaction.
func RecommendationEscalated(ctx context.Context, tx bun.IDB, rec *store.Recommendation, fromName, actorID string, now time.Time) error {
	users, err := store.RecResponders(ctx, tx, rec)
	if err != nil {
		return err
	}
	return sendRec(ctx, tx, KindRecEscalated, rec, users, actorID, map[string]string{"from": fromName}, now)
}

// RecommendationSentBack tells the responders that their answer was sent back for a new one, with the reason and
// the new due date. It runs in the step's transaction.
func RecommendationSentBack(ctx context.Context, tx bun.IDB, rec *store.Recommendation, reason, actorID string, now time.Time) error {
	users, err := store.RecResponders(ctx, tx, rec)
	if err != nil {
		return err
	}
	return sendRec(ctx, tx, KindRecSentBack, rec, users, actorID, map[string]string{"reason": clip(reason, 200)}, now)
}

// RecommendationAccepted asks the secretaries of a recommendation's cell to confirm on the ground that the matter
// is settled, now that its answer was accepted (the seeds: the cell checks that the answer was carried out before
// the matter counts as resolved). A commune's own recommendation has no cell secretary to ask. It runs inside the
// transaction that records the verdict.
func RecommendationAccepted(ctx context.Context, tx bun.IDB, rec *store.Recommendation, actorID string, now time.Time) error {
	var secs []string
	if err := tx.NewSelect().Model((*store.RoleGrant)(nil)).Column("user_id").Where("org_unit_id = ?", rec.CellID).
		Where("role = ?", domain.RoleSecretary).Scan(ctx, &secs); err != nil {
		return domain.Internal(err)
	}
	return sendRec(ctx, tx, KindRecAccepted, rec, secs, actorID, nil, now)
}

// isRecReminder reports whether a reminder is one of the loop's.
func isRecReminder(kind string) bool {
	return kind == store.ReminderRecDueSoon || kind == store.ReminderRecOverdue || kind == store.ReminderRecDigest
}

// composeRec decides what a due reminder of the loop becomes.
func composeRec(ctx context.Context, tx bun.IDB, r store.Reminder, now time.Time) (*Note, string, string, error) {
	if r.Kind == store.ReminderRecDigest {
		return recDigest(ctx, tx, r, now)
	}
	if now.After(r.NextAt.Add(48 * time.Hour)) {
		return nil, store.ReminderSkipped, "too late", nil
	}
	recID, day := store.RecReminderTarget(r)
	v, err := store.GetRecommendation(ctx, tx, recID)
	if err != nil {
		return nil, store.ReminderWithdrawn, "recommendation gone", nil
	}
	rec := &v.Recommendation
	if rec.Status != domain.RecForwarded && rec.Status != domain.RecSentBack {
		return nil, store.ReminderSkipped, "answered", nil
	}
	if rec.DueOn.String() != day {
		return nil, store.ReminderWithdrawn, "due date moved", nil
	}
	if r.Kind == store.ReminderRecOverdue && !rec.DueOn.Before(domain.DateOf(now)) {
		return nil, store.ReminderSkipped, "not yet overdue", nil
	}
	cell, to, err := recNames(ctx, tx, rec)
	if err != nil {
		return nil, "", "", err
	}
	urgency := "normal"
	if r.Kind == store.ReminderRecOverdue {
		urgency = "high"
	}
	return &Note{UserID: r.UserID, Kind: r.Kind,
		Args: map[string]string{"cell": cell, "content": clip(rec.Content, 120), "to": to, "due": rec.DueOn.VN()},
		Link: "#/recs/" + rec.ID, Data: map[string]string{"recommendation_id": rec.ID}, TTL: 24 * time.Hour,
		Urgency: urgency, Topic: "rec:" + rec.ID}, store.ReminderSent, "", nil
}

// recDigest composes a supervisor's weekly digest of the overdue recommendations in their subtrees.
func recDigest(ctx context.Context, tx bun.IDB, r store.Reminder, now time.Time) (*Note, string, string, error) {
	if now.After(r.NextAt.Add(24 * time.Hour)) {
		return nil, store.ReminderSkipped, "too late", nil
	}
	late, err := store.OverdueRecommendations(ctx, tx, r.UserID, now, 1000)
	if err != nil {
		return nil, "", "", err
	}
	if len(late) == 0 {
		return nil, store.ReminderSkipped, "nothing overdue", nil
	}
	seen := map[string]bool{}
	var names []string
	for _, l := range late {
		n := l.AddresseeName
		if n == "" {
			n = l.CellName
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	list := strings.Join(names[:min(3, len(names))], ", ")
	if len(names) > 3 {
		list += ", …"
	}
	return &Note{UserID: r.UserID, Kind: store.ReminderRecDigest, Args: map[string]string{"count": itoa(len(late)), "names": list},
		Link: "#/recs?overdue=1", Data: map[string]string{"count": itoa(len(late))}, TTL: 24 * time.Hour, Urgency: "low",
		Topic: "recdigest:" + r.UserID}, store.ReminderSent, "", nil
}
