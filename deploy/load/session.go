package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// session logs a user in and keeps its access token fresh the way the app does: it trades the refresh token for
// a new session a minute before the access token expires, and logs in again only when the refresh is refused.
type session struct {
	hc       *http.Client
	base     string
	user     string
	password string

	mu      sync.Mutex
	access  string
	refresh string
	expires time.Time
	userID  string
	// logins and refreshes count what the session did.
	logins, refreshes int
}

// tokenResponse is the part of POST /auth/login and /auth/refresh the generator reads.
type tokenResponse struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresAt    time.Time `json:"expires_at"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

// Token returns a valid access token, logging in or refreshing first when needed.
func (s *session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != "" && time.Until(s.expires) > time.Minute {
		return s.access, nil
	}
	if s.refresh != "" {
		err := s.call(ctx, "/api/v1/auth/refresh", map[string]string{"refresh_token": s.refresh})
		if err == nil {
			s.refreshes++
			return s.access, nil
		}
		// refused (the session ended): log in again below; the refusal is counted by the recorder
	}
	if err := s.call(ctx, "/api/v1/auth/login", map[string]string{"username": s.user, "password": s.password}); err != nil {
		return "", err
	}
	s.logins++
	return s.access, nil
}

// counts returns how many times the session logged in and refreshed its token.
func (s *session) counts() (logins, refreshes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.refreshes
}

// UserID returns the id of the logged-in user ("" before the first login).
func (s *session) UserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userID
}

func (s *session) call(ctx context.Context, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s as %s: %w", path, s.user, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s as %s: %d %s", path, s.user, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		return fmt.Errorf("%s as %s: %w", path, s.user, err)
	}
	s.access, s.refresh, s.expires = tr.AccessToken, tr.RefreshToken, tr.ExpiresAt
	if tr.User.ID != "" {
		s.userID = tr.User.ID
	}
	return nil
}
