package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

const principalKey = "chibo.principal"

// principal returns the authenticated caller of c, or nil.
func principal(c echo.Context) *domain.Principal {
	p, _ := c.Get(principalKey).(*domain.Principal)
	return p
}

// loadPrincipal reads the caller's session, grants and assignments, and the communes the caller works with (they go
// with the cached principal: a sync poll then reads no org unit).
func (s *Server) loadPrincipal(ctx context.Context, claims *auth.Claims) (*domain.Principal, error) {
	p, err := store.LoadSession(ctx, s.db.R, claims.Subject, claims.Family)
	if err != nil {
		return nil, err
	}
	if p.WorkCommunes, err = store.WorkCommunes(ctx, s.db.R, p); err != nil {
		return nil, err
	}
	return p, nil
}

// authenticate requires a valid bearer access token, loads the caller's grants and assignments from the database
// and refuses sessions that were logged out or revoked.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return domain.Unauthorized("auth.required")
		}
		claims, err := s.tokens.Parse(strings.TrimSpace(token))
		if err != nil {
			return domain.Unauthorized("auth.bad_token")
		}
		ctx := c.Request().Context()
		// Every access token the server issues names its session (the refresh token family): one that names none,
		// or one that does not exist, was not issued by a login here and is refused.
		if _, ok := domain.ParseID(claims.Subject); !ok || !validID(claims.Family) {
			return domain.Unauthorized("auth.bad_token")
		}
		key := claims.Subject + "|" + claims.Family
		at, err := s.cache.stamp(ctx)
		if err != nil {
			return err
		}
		p, refresh, gen := s.cache.get(key, at)
		if p == nil {
			if p, err = s.loadPrincipal(ctx, claims); err != nil {
				return err
			}
			s.cache.put(key, p, gen, at)
		} else if refresh {
			// Read it again before it expires, without keeping this request waiting.
			go func(ctx context.Context) {
				ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if fresh, err := s.loadPrincipal(ctx, claims); err != nil {
					s.cache.drop(key)
				} else {
					s.cache.put(key, fresh, gen, at)
				}
			}(context.WithoutCancel(ctx))
		}
		c.Set(principalKey, p)
		c.SetRequest(c.Request().WithContext(domain.WithPrincipal(ctx, p)))
		return next(c)
	}
}

// mustChangeAllowed are the routes a user who must change the password may still call: its account, the change,
// and what signing out takes (logout itself is public).
var mustChangeAllowed = map[string]bool{
	http.MethodGet + " /api/v1/me":                    true,
	http.MethodPut + " /api/v1/me/password":           true,
	http.MethodDelete + " /api/v1/push/subscriptions": true,
}

// mustChangeGate refuses route r, with must_change_password, to a caller an administrator requires to choose a
// new password, unless r is one of the routes that lets the caller do so (a GET route's HEAD included).
func (s *Server) mustChangeGate(r route) echo.MiddlewareFunc {
	allowed := mustChangeAllowed[r.method+" "+r.path]
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p := principal(c); p != nil && p.MustChangePassword && !allowed {
				return domain.E(domain.CodeMustChangePassword, "auth.must_change_password")
			}
			return next(c)
		}
	}
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// RefreshRequest is the body of POST /auth/refresh and /auth/logout.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// TokenResponse is a new session or a refreshed one.
type TokenResponse struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"`
	ExpiresAt        time.Time `json:"expires_at"`
	RefreshToken     string    `json:"refresh_token"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	User             *Me       `json:"user"`
	// MustChangePassword: the user must choose a new password (PUT /me/password) before anything else; every
	// other call is refused with the code must_change_password until then.
	MustChangePassword bool `json:"must_change_password"`
}

// Me is the caller: the account, its grants and the cells it is assigned to.
type Me struct {
	*store.UserView
	AssignedCells []store.OrgUnit `json:"assigned_cells"`
	// Communes are the communes whose briefings, dialogues and expanded committee meetings the caller records
	// (its unit scopes of sync: store.WorkCommunes); Committees those whose committee meetings it is assigned to.
	Communes   []domain.UnitRef `json:"communes"`
	Committees []domain.UnitRef `json:"committees"`
}

func (s *Server) login(c echo.Context) error {
	var req LoginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Username == "" {
		return domain.Invalid("username", "error.required", "field", "username")
	}
	if req.Password == "" {
		return domain.Invalid("password", "error.required", "field", "password")
	}
	if !s.limiter.Allow(c.RealIP()) {
		s.metrics.logins.WithLabelValues("ip_limited").Inc()
		return domain.E(domain.CodeRateLimited, "auth.ip_limited", "seconds", itoa(int(ipEvery/time.Second)), retryAfterArg, itoa(int(ipEvery/time.Second)))
	}
	ctx := c.Request().Context()
	u, err := store.UserByUsername(ctx, s.db.R, req.Username)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		auth.BurnTime(req.Password)
		s.metrics.logins.WithLabelValues("bad_credentials").Inc()
		return domain.Unauthorized("auth.bad_credentials")
	}
	if err != nil {
		return err
	}
	if u.LockedUntil != nil && time.Now().Before(*u.LockedUntil) {
		s.metrics.logins.WithLabelValues("locked").Inc()
		secs := int((time.Until(*u.LockedUntil) + time.Second - 1) / time.Second)
		return domain.E(domain.CodeRateLimited, "auth.locked", "minutes", itoa((secs+59)/60), retryAfterArg, itoa(secs))
	}
	ok, err := auth.CheckPassword(req.Password, u.PasswordHash)
	if err != nil && !errors.Is(err, auth.ErrBadHash) {
		return domain.Internal(err)
	}
	if !ok {
		if err := store.RecordLoginFailure(ctx, s.db.W, u.ID, maxFailedLogins, lockoutFor); err != nil {
			return err
		}
		s.metrics.logins.WithLabelValues("bad_credentials").Inc()
		return domain.Unauthorized("auth.bad_credentials")
	}
	if !u.Active {
		s.metrics.logins.WithLabelValues("inactive").Inc()
		return domain.Unauthorized("auth.inactive")
	}
	var resp *TokenResponse
	err = s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.RecordLoginSuccess(ctx, tx, u.ID); err != nil {
			return err
		}
		ctx = domain.WithPrincipal(ctx, &domain.Principal{UserID: u.ID, Username: u.Username})
		if err := store.Audit(ctx, tx, "login", "session", u.ID, u.HomeOrgUnitID, nil, map[string]string{"user_agent": truncate(c.Request().UserAgent(), 300)}); err != nil {
			return err
		}
		var err error
		token, hash, err := auth.NewRefreshToken()
		if err != nil {
			return domain.Internal(err)
		}
		resp, err = s.newSession(ctx, tx, u.ID, "", token, hash, c.Request().UserAgent())
		return err
	})
	if err != nil {
		return err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	noStore(c)
	return c.JSON(http.StatusOK, resp)
}

// noStore keeps an answer carrying credentials or the caller's account out of every cache.
func noStore(c echo.Context) {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
}

// newSession stores refresh token (its hash) as the next of family (a new family when "") and issues an access
// token.
func (s *Server) newSession(ctx context.Context, db bun.IDB, userID, family, token, hash, userAgent string) (*TokenResponse, error) {
	rt := &store.RefreshToken{FamilyID: family, UserID: userID, TokenHash: hash, UserAgent: truncate(userAgent, 300),
		ExpiresAt: store.Now().Add(auth.RefreshTTL)}
	if err := store.CreateRefreshToken(ctx, db, rt); err != nil {
		return nil, err
	}
	return s.sessionAnswer(ctx, db, rt, token)
}

// sessionAnswer issues an access token for the session of refresh token rt (whose plain form is token).
func (s *Server) sessionAnswer(ctx context.Context, db bun.IDB, rt *store.RefreshToken, token string) (*TokenResponse, error) {
	userID := rt.UserID
	access, exp, err := s.tokens.Issue(userID, rt.FamilyID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	me, err := s.me(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	return &TokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.tokens.TTL().Seconds()), ExpiresAt: exp.UTC(),
		RefreshToken: token, RefreshExpiresAt: rt.ExpiresAt, User: me, MustChangePassword: me.MustChange,
	}, nil
}

// refresh trades a refresh token for a new session. Marking the token used and storing its successor happen in
// one transaction, so a failure leaves the token usable; a successor whose answer was lost is handed out again
// for the same token within auth.RefreshGrace (store.UseRefreshToken).
func (s *Server) refresh(c echo.Context) error {
	var req RefreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return domain.Invalid("refresh_token", "error.required", "field", "refresh_token")
	}
	ctx := c.Request().Context()
	next, nextHash := s.tokens.SuccessorToken(req.RefreshToken)
	var resp *TokenResponse
	var refused error
	err := s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		resp, refused = nil, nil
		use, err := store.UseRefreshToken(ctx, tx, auth.HashRefreshToken(req.RefreshToken), nextHash, auth.RefreshGrace)
		if err != nil {
			return err
		}
		if use.Refused != nil {
			refused = use.Refused // commit: a reuse revoked the family
			return nil
		}
		rt := use.Successor
		if rt == nil {
			rt = use.Token
		}
		if _, err := store.LoadPrincipal(ctx, tx, rt.UserID); err != nil {
			return err
		}
		if use.Successor != nil {
			resp, err = s.sessionAnswer(ctx, tx, use.Successor, next)
			return err
		}
		resp, err = s.newSession(ctx, tx, rt.UserID, rt.FamilyID, next, nextHash, c.Request().UserAgent())
		return err
	})
	if err != nil {
		return err
	}
	if refused != nil {
		s.metrics.logins.WithLabelValues("refresh_refused").Inc()
		s.cache.forget() // a reused token revoked its family
		return refused
	}
	noStore(c)
	return c.JSON(http.StatusOK, resp)
}

func (s *Server) logout(c echo.Context) error {
	var req RefreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	family, err := store.FamilyOfToken(ctx, s.db.R, auth.HashRefreshToken(req.RefreshToken))
	if err != nil {
		return err
	}
	if family != "" {
		if err := store.RevokeFamily(ctx, s.db.W, family); err != nil {
			return err
		}
		s.cache.forget()
	}
	return c.NoContent(http.StatusNoContent)
}

// me returns the caller's account, grants and assigned cells.
func (s *Server) me(ctx context.Context, db bun.IDB, userID string) (*Me, error) {
	u, err := store.GetUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	// The caller's own grants are those in force today: the app shows what the user may do now.
	today := domain.DateOf(store.Now())
	inForce := u.Grants[:0:0]
	for _, g := range u.Grants {
		if g.InForce(today) {
			inForce = append(inForce, g)
		}
	}
	u.Grants = inForce
	me := &Me{UserView: u, AssignedCells: []store.OrgUnit{}}
	p, err := store.LoadPrincipal(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if len(p.Assigned) > 0 {
		page, err := store.ListOrgUnits(ctx, db, store.OrgUnitFilter{Kind: domain.KindCell}, p.AssignedPaths(), store.PageRequest{Limit: store.MaxLimit})
		if err != nil {
			return nil, err
		}
		me.AssignedCells = page.Items
	}
	if me.Communes, err = store.WorkCommunes(ctx, db, p); err != nil {
		return nil, err
	}
	me.Committees = append([]domain.UnitRef{}, p.Committees...)
	return me, nil
}

func (s *Server) getMe(c echo.Context) error {
	me, err := s.me(c.Request().Context(), s.db.R, principal(c).UserID)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, me)
}

// PasswordChange is the body of PUT /me/password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(c echo.Context) error {
	var req PasswordChange
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := principal(c)
	u, err := store.GetUser(ctx, s.db.R, p.UserID)
	if err != nil {
		return err
	}
	if ok, _ := auth.CheckPassword(req.CurrentPassword, u.PasswordHash); !ok {
		return domain.Invalid("current_password", "auth.wrong_password")
	}
	hash, err := s.hashNewPassword(req.NewPassword, "new_password")
	if err != nil {
		return err
	}
	if ok, _ := auth.CheckPassword(req.NewPassword, u.PasswordHash); ok {
		return domain.Invalid("new_password", "auth.same_password")
	}
	if err := s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.SetPassword(ctx, tx, p.UserID, hash); err != nil {
			return err
		}
		return store.SetMustChangePassword(ctx, tx, p.UserID, false)
	}); err != nil {
		return err
	}
	s.cache.forget()
	return c.NoContent(http.StatusNoContent)
}

// hashNewPassword checks a new password against the policy (auth.CheckPolicy) and hashes it.
func (s *Server) hashNewPassword(pw, field string) (string, error) {
	switch err := auth.CheckPolicy(pw); {
	case errors.Is(err, auth.ErrPasswordShort):
		return "", domain.Invalid(field, "auth.weak_password", "min", itoa(auth.MinPasswordLen))
	case errors.Is(err, auth.ErrPasswordCommon):
		return "", domain.Invalid(field, "auth.common_password")
	}
	h, err := auth.HashPassword(pw, s.cfg.Argon2)
	if err != nil {
		return "", domain.Internal(err)
	}
	return h, nil
}

func validID(s string) bool { _, ok := domain.ParseID(s); return ok }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
