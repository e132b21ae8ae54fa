package testdb

import (
	"context"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Session stores a live session (a refresh token family) for userID, as a login would, and returns its family id:
// the server refuses access tokens that name no session, so tests that issue access tokens directly name this one.
func Session(t testing.TB, db *store.DB, userID string) string {
	t.Helper()
	rt := &store.RefreshToken{UserID: userID, TokenHash: domain.NewID(), UserAgent: "test",
		ExpiresAt: store.Now().Add(30 * 24 * time.Hour)}
	if err := store.CreateRefreshToken(context.Background(), db.W, rt); err != nil {
		t.Fatal(err)
	}
	return rt.FamilyID
}
