package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestAccessVersionFollowsWhoMayDoWhat: every committed change that makes a caller someone else — an account
// disabled, a grant made, ended or revoked, an assignment made or ended, a unit moved, a session revoked — raises
// the version of who may do what (the servers keep their callers while it holds still); a login's bookkeeping, a
// token's use, an acknowledgement, a new session or a renamed unit does not, and a rolled-back change does not.
func TestAccessVersionFollowsWhoMayDoWhat(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	units := tree(t, db)
	cell, commune := units["Chi bộ thôn An Lợi"], units["Xã Triệu Phong"]
	u := &store.User{Username: "canbo", DisplayName: "Lê Quang Vinh", PasswordHash: "x", Active: true}
	grant := &store.RoleGrant{Role: domain.RoleOfficial, OrgUnitID: &commune.ID}
	assignment := &store.Assignment{CellID: cell.ID, StartsOn: domain.NewDate(2026, 1, 1), Frequency: domain.FrequencyMonthly,
		VisitsPerYear: 12, Status: domain.AssignmentActive}
	assignment.ID = domain.NewID()
	token := &store.RefreshToken{TokenHash: "h1", ExpiresAt: store.Now().AddDate(0, 0, 30)}
	token.ID = domain.NewID()
	token.FamilyID = token.ID
	if err := inTx(db, func(ctx context.Context, tx bun.IDB) error {
		if err := store.CreateUser(ctx, tx, u); err != nil {
			return err
		}
		grant.UserID, assignment.OfficialID, token.UserID = u.ID, u.ID, u.ID
		return store.CreateGrant(ctx, tx, grant)
	}); err != nil {
		t.Fatal(err)
	}
	sql := func(q string, args ...any) func(context.Context, bun.IDB) error {
		return func(ctx context.Context, tx bun.IDB) error {
			_, err := tx.NewRaw(q, args...).Exec(ctx)
			return err
		}
	}
	errRollback := errors.New("rolled back")
	for _, tc := range []struct {
		name   string
		write  func(context.Context, bun.IDB) error
		raises bool
	}{
		{"a login's bookkeeping", sql(`UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, store.Now(), u.ID), false},
		{"a display name", sql(`UPDATE users SET display_name = 'Lê Quang Vĩnh' WHERE id = ?`, u.ID), false},
		{"the account disabled", sql(`UPDATE users SET active = ? WHERE id = ?`, false, u.ID), true},
		{"the account enabled", sql(`UPDATE users SET active = ? WHERE id = ?`, true, u.ID), true},
		{"its language", sql(`UPDATE users SET locale = 'en' WHERE id = ?`, u.ID), true},
		{"a password to change", sql(`UPDATE users SET must_change_password = ? WHERE id = ?`, true, u.ID), true},
		{"a grant made", func(ctx context.Context, tx bun.IDB) error {
			return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleSupervisor, OrgUnitID: &commune.ID})
		}, true},
		{"a grant's last day", sql(`UPDATE role_grants SET valid_to = ? WHERE id = ?`, domain.NewDate(2027, 1, 1), grant.ID), true},
		{"a grant revoked", func(ctx context.Context, tx bun.IDB) error { return store.DeleteGrant(ctx, tx, grant.ID) }, true},
		{"a grant made and rolled back", func(ctx context.Context, tx bun.IDB) error {
			if err := store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleAdmin}); err != nil {
				return err
			}
			return errRollback
		}, false},
		{"an assignment made", func(ctx context.Context, tx bun.IDB) error {
			assignment.CreatedAt, assignment.UpdatedAt = store.Now(), store.Now()
			_, err := tx.NewInsert().Model(assignment).Exec(ctx)
			return err
		}, true},
		{"an assignment acknowledged", sql(`UPDATE assignments SET acknowledged_at = ? WHERE id = ?`, store.Now(), assignment.ID), false},
		{"an assignment's note", sql(`UPDATE assignments SET note = 'Dự họp quý' WHERE id = ?`, assignment.ID), false},
		{"an assignment ended", sql(`UPDATE assignments SET ends_on = ?, status = 'ended' WHERE id = ?`, domain.NewDate(2026, 6, 30), assignment.ID), true},
		{"a unit renamed", sql(`UPDATE org_units SET name = 'Chi bộ thôn An Lợi 1' WHERE id = ?`, cell.ID), false},
		{"a unit moved", sql(`UPDATE org_units SET path = path WHERE id = ?`, cell.ID), true},
		{"a session started", func(ctx context.Context, tx bun.IDB) error { return store.CreateRefreshToken(ctx, tx, token) }, false},
		{"a token used", sql(`UPDATE refresh_tokens SET used_at = ? WHERE id = ?`, store.Now(), token.ID), false},
		{"a session revoked", func(ctx context.Context, tx bun.IDB) error { return store.RevokeFamily(ctx, tx, token.FamilyID) }, true},
	} {
		before, err := store.AccessVersion(ctx, db.R)
		if err != nil {
			t.Fatal(err)
		}
		if err := inTx(db, tc.write); err != nil && !errors.Is(err, errRollback) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		after, err := store.AccessVersion(ctx, db.R)
		if err != nil {
			t.Fatal(err)
		}
		if raised := after > before; raised != tc.raises {
			t.Errorf("%s: the version went from %d to %d; want raised %v", tc.name, before, after, tc.raises)
		}
	}

	// PostgreSQL raises it once a transaction, at its commit, however many rows it changes.
	if db.Dialect == "pg" {
		before, _ := store.AccessVersion(ctx, db.R)
		if err := inTx(db, func(ctx context.Context, tx bun.IDB) error {
			for _, r := range []domain.Role{domain.RoleSupervisor, domain.RoleSecretary, domain.RoleAdmin} {
				if err := store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: r, OrgUnitID: &cell.ID}); err != nil {
					return err
				}
			}
			_, err := tx.NewRaw(`UPDATE users SET active = ? WHERE id = ?`, false, u.ID).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if after, _ := store.AccessVersion(ctx, db.R); after != before+1 {
			t.Errorf("three grants and an account in one transaction raised the version by %d, want 1", after-before)
		}
	}
}
