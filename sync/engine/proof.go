package engine

// The push's rules for the proof of attendance (issue #13): a cell secretary's confirmation of a visiting
// official, a cell's position, and the rows of a meeting's photos (their bytes come by the upload, server/files).

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
	"github.com/chibo-vn/chibo/sync/wire"
)

// prepareConfirmation stamps who confirmed and when, and checks the row's id is the one both devices compute.
func prepareConfirmation(_ context.Context, a *applier, prev, row changelog.Row) error {
	c := row.(*store.VisitConfirmation)
	if want := wire.ConfirmationID(c.MeetingID, c.OfficialID); prev == nil && c.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	by, at := a.p.UserID, a.e.now()
	c.ConfirmedBy, c.ConfirmedAt = &by, &at
	return nil
}

// authorizeConfirmation lets the secretary (or an admin) of the unit holding the meeting confirm an official's
// presence; never the official itself.
func authorizeConfirmation(ctx context.Context, a *applier, _, row changelog.Row) error {
	c := row.(*store.VisitConfirmation)
	if c.OfficialID == a.p.UserID {
		return reject("official_id", "confirm.self")
	}
	m, err := a.meeting(ctx, c.MeetingID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return reject("meeting_id", "sync.out_of_scope")
		}
		return err
	}
	u, err := a.unit(ctx, m.CellID)
	if err != nil {
		return reject("meeting_id", "sync.out_of_scope")
	}
	if err := a.secretaryOf(u, "meeting_id", "confirm.not_secretary"); err != nil {
		return err
	}
	n, err := a.tx.NewSelect().Model((*store.User)(nil)).Where("id = ? AND deleted_at IS NULL", c.OfficialID).Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n == 0 {
		return reject("official_id", "error.not_found", "what", "@what.user")
	}
	return nil
}

// preparePosition stamps who set the position and when, and checks the row's id is the cell's.
func preparePosition(_ context.Context, a *applier, prev, row changelog.Row) error {
	p := row.(*store.CellPosition)
	if want := wire.PositionID(p.CellID); prev == nil && p.ID != want {
		return reject("row_id", "sync.bad_id", "want", want)
	}
	by, at := a.p.UserID, a.e.now()
	p.SetBy, p.SetAt = &by, &at
	return nil
}

// authorizePosition lets a cell's secretary (or an admin over it) set where it meets.
func authorizePosition(ctx context.Context, a *applier, _, row changelog.Row) error {
	p := row.(*store.CellPosition)
	u, err := a.unit(ctx, p.CellID)
	if err != nil {
		return reject("cell_id", "sync.out_of_scope")
	}
	if u.Kind != domain.KindCell {
		return reject("cell_id", "org.not_cell")
	}
	return a.secretaryOf(u, "cell_id", "position.not_secretary")
}

// prepareFile stamps a new file's author and, when the server holds its content already (the same photo sent
// before, by anyone), marks it uploaded so that the device sends no bytes.
func prepareFile(ctx context.Context, a *applier, prev, row changelog.Row) error {
	f := row.(*store.MeetingFile)
	if prev != nil {
		return nil
	}
	by := a.p.UserID
	f.CreatedBy, f.UploadedAt = &by, nil
	n, err := a.tx.NewSelect().Model((*store.FileBlob)(nil)).Where("sha256 = ? AND size = ? AND mime = ?", f.SHA256, f.Size, f.Mime).Count(ctx)
	if err != nil {
		return domain.Internal(err)
	}
	if n > 0 {
		at := a.e.now()
		f.UploadedAt = &at
	}
	return nil
}

// authorizeFile lets whoever may record the meeting attach files to it, up to domain.MaxFilesPerMeeting.
func authorizeFile(ctx context.Context, a *applier, prev, row changelog.Row) error {
	f := row.(*store.MeetingFile)
	if err := a.fileWriter(ctx, f.MeetingID); err != nil {
		return err
	}
	if prev != nil {
		return nil
	}
	files, err := a.children(ctx, "meeting_files", f.MeetingID)
	if err != nil {
		return err
	}
	n := 0
	for _, x := range files {
		if x.SyncBase().ID != f.ID {
			n++
		}
	}
	if n >= domain.MaxFilesPerMeeting {
		return reject("meeting_id", "file.too_many", "max", "30")
	}
	return nil
}

// fileWriter checks the caller may attach files to meeting meetingID: whoever may record the meeting.
func (a *applier) fileWriter(ctx context.Context, meetingID string) error {
	m, err := a.meeting(ctx, meetingID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return reject("meeting_id", "sync.out_of_scope")
		}
		return err
	}
	if m.Form == domain.FormCell {
		return a.writableCell(ctx, m.CellID, m.MeetingDate)
	}
	_, err = a.writableCommune(ctx, m.CellID, m.Form, m.MeetingDate)
	return err
}

// CanWriteFiles checks, reading db, that p may attach files to meeting meetingID and so send their bytes (the
// upload, server/files): the push's rule for meeting_files rows. The error is the push's rejection.
func CanWriteFiles(ctx context.Context, db bun.IDB, p *domain.Principal, meetingID string) error {
	return newApplier(&Engine{now: time.Now}, p, db, "").fileWriter(ctx, meetingID)
}

// secretaryOf checks the caller keeps unit u as its secretary or admin: otherwise the refusal key (on field) when
// the caller can read u, out of scope when it cannot.
func (a *applier) secretaryOf(u *store.OrgUnit, field, key string) error {
	if a.p.Can(u.Path, domain.RoleAdmin, domain.RoleSecretary) {
		return nil
	}
	if a.p.CanRead(u.Path) {
		return reject(field, key)
	}
	return reject(field, "sync.out_of_scope")
}
