package engine_test

import (
	"context"
	gosync "sync"
	"time"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// sessions issues access tokens as a login would: each user gets one live session (a refresh token family) on first
// use, since the server refuses access tokens that name no session. Safe for concurrent use by devices.
type sessions struct {
	mu     gosync.Mutex
	family map[string]string
}

// issueFor returns an access token of userID's session, creating the session in db on first use.
func (s *sessions) issueFor(db *store.DB, tokens *auth.Tokens, userID string) (string, error) {
	s.mu.Lock()
	fam, ok := s.family[userID]
	if !ok {
		rt := &store.RefreshToken{UserID: userID, TokenHash: domain.NewID(), UserAgent: "test",
			ExpiresAt: store.Now().Add(30 * 24 * time.Hour)}
		if err := store.CreateRefreshToken(context.Background(), db.W, rt); err != nil {
			s.mu.Unlock()
			return "", err
		}
		if s.family == nil {
			s.family = map[string]string{}
		}
		fam = rt.FamilyID
		s.family[userID] = fam
	}
	s.mu.Unlock()
	tok, _, err := tokens.Issue(userID, fam)
	return tok, err
}

func (h *harness) issue(userID string) (string, error) {
	return h.sessions.issueFor(h.db, h.tokens, userID)
}

func (w *benchWorld) issue(userID string) (string, error) {
	return w.sessions.issueFor(w.db, w.tokens, userID)
}
