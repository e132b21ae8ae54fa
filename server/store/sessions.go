package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// CreateRefreshToken stores a new refresh token (its hash) in family.
func CreateRefreshToken(ctx context.Context, db bun.IDB, t *RefreshToken) error {
	if t.ID == "" {
		t.ID = domain.NewID()
	}
	if t.FamilyID == "" {
		t.FamilyID = t.ID
	}
	t.CreatedAt = Now()
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return domain.Internal(err)
	}
	return nil
}

// TokenUse is what became of a refresh token presented for a new session.
type TokenUse struct {
	// Token is the presented token, now marked used: the caller issues its successor in the same transaction.
	Token *RefreshToken
	// Successor, instead, is the successor already issued for the presented token, which was traded within the
	// grace window and is presented again (its answer was lost): the caller hands it back, issuing no other.
	Successor *RefreshToken
	// Refused is why the token gives no session: unknown, expired, revoked, or reused (which revoked its whole
	// family). The transaction must still commit, so that the revocation holds.
	Refused error
}

// UseRefreshToken spends the refresh token with this hash in the caller's transaction, which must also store its
// successor (whose hash is successorHash), so a token is never marked used without a successor to show for it.
//
// A token used a second time normally revokes its whole family (the token leaked, or a client replayed it) and is
// refused with auth.refresh_reused. There is one exception, for answers lost on the way to the device: within
// grace of its use, the immediately previous token (its successor is live and itself unused) gets that same
// successor back. Everything the check needs is in the database, so it holds across server instances.
// An expired, revoked or unknown token is refused with auth.refresh_invalid.
func UseRefreshToken(ctx context.Context, db bun.IDB, hash, successorHash string, grace time.Duration) (TokenUse, error) {
	t := new(RefreshToken)
	if err := db.NewSelect().Model(t).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return TokenUse{Refused: domain.Unauthorized("auth.refresh_invalid")}, nil
		}
		return TokenUse{}, domain.Internal(err)
	}
	now := Now()
	if t.RevokedAt != nil || now.After(t.ExpiresAt) {
		return TokenUse{Refused: domain.Unauthorized("auth.refresh_invalid")}, nil
	}
	res, err := db.NewUpdate().Model((*RefreshToken)(nil)).Set("used_at = ?", now).
		Where("id = ?", t.ID).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return TokenUse{}, domain.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		t.UsedAt = &now
		return TokenUse{Token: t}, nil
	}
	// Used already. Read when, afresh: a concurrent refresh with the same token may just have committed.
	var usedAt time.Time
	if err := db.NewSelect().Model((*RefreshToken)(nil)).Column("used_at").Where("id = ?", t.ID).Scan(ctx, &usedAt); err != nil {
		return TokenUse{}, domain.Internal(err)
	}
	if !now.After(usedAt.Add(grace)) {
		succ := new(RefreshToken)
		err := db.NewSelect().Model(succ).Where("token_hash = ?", successorHash).Where("family_id = ?", t.FamilyID).
			Where("used_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).Scan(ctx)
		if err == nil {
			return TokenUse{Successor: succ}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return TokenUse{}, domain.Internal(err)
		}
	}
	if err := RevokeFamily(ctx, db, t.FamilyID); err != nil {
		return TokenUse{}, err
	}
	return TokenUse{Refused: domain.Unauthorized("auth.refresh_reused")}, nil
}

// RevokeFamily revokes every token of a family.
func RevokeFamily(ctx context.Context, db bun.IDB, familyID string) error {
	_, err := db.NewUpdate().Model((*RefreshToken)(nil)).Set("revoked_at = ?", Now()).
		Where("family_id = ?", familyID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// RevokeUserTokens revokes every session of a user (disabled, deleted or password changed).
func RevokeUserTokens(ctx context.Context, db bun.IDB, userID string) error {
	_, err := db.NewUpdate().Model((*RefreshToken)(nil)).Set("revoked_at = ?", Now()).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// FamilyOfToken returns the family of the token with this hash, or "" when there is none.
func FamilyOfToken(ctx context.Context, db bun.IDB, hash string) (string, error) {
	var fam string
	err := db.NewSelect().Model((*RefreshToken)(nil)).Column("family_id").Where("token_hash = ?", hash).Scan(ctx, &fam)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", domain.Internal(err)
	}
	return fam, nil
}

// RecordLoginFailure counts a failed password for the user and locks the account for lockFor once it reaches
// maxFailures in a row. The counter lives in the database so every server instance sees it.
func RecordLoginFailure(ctx context.Context, db bun.IDB, userID string, maxFailures int, lockFor time.Duration) error {
	now := Now()
	_, err := db.NewUpdate().Model((*User)(nil)).
		Set("failed_logins = failed_logins + 1").
		Set("locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END", maxFailures, now.Add(lockFor)).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// RecordLoginSuccess clears the failure counter and notes the login time.
func RecordLoginSuccess(ctx context.Context, db bun.IDB, userID string) error {
	_, err := db.NewUpdate().Model((*User)(nil)).
		Set("failed_logins = 0").Set("locked_until = NULL").Set("last_login_at = ?", Now()).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// SetPassword stores a new password hash and revokes the user's sessions.
func SetPassword(ctx context.Context, db bun.IDB, userID, hash string) error {
	_, err := db.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", Now()).
		Set("failed_logins = 0").Set("locked_until = NULL").
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if err := RevokeUserTokens(ctx, db, userID); err != nil {
		return err
	}
	return Audit(ctx, db, "password", "user", userID, nil, nil, nil)
}

// Secret returns the installation secret named key, creating it with gen on first use. Several instances
// starting together agree on one value: the first insert wins and the others read it.
func Secret(ctx context.Context, db bun.IDB, key string, gen func() (string, error)) (string, error) {
	var v string
	err := db.NewSelect().Table("server_secrets").Column("value").Where("key = ?", key).Scan(ctx, &v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", domain.Internal(err)
	}
	nv, err := gen()
	if err != nil {
		return "", err
	}
	if _, err := db.NewRaw(`INSERT INTO server_secrets (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		key, nv, Now()).Exec(ctx); err != nil {
		return "", domain.Internal(err)
	}
	if err := db.NewSelect().Table("server_secrets").Column("value").Where("key = ?", key).Scan(ctx, &v); err != nil {
		return "", domain.Internal(err)
	}
	return v, nil
}

// AccessVersion reads the version of who may do what: the database raises it whenever a change to a user, a grant,
// an assignment, a unit's path or a session's revocation commits (migrations' access_state). Callers kept while it
// is unchanged are still who they were.
func AccessVersion(ctx context.Context, db bun.IDB) (int64, error) {
	var v int64
	if err := db.NewRaw(`SELECT version FROM access_state WHERE id = 1`).Scan(ctx, &v); err != nil {
		return 0, domain.Internal(err)
	}
	return v, nil
}
