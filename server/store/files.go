package store

// The rows of meetings' photos as the upload and the download read and change them (issue #13). The bytes are in
// the blob store (server/files); the rows are synced like the others.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// GetMeetingFile returns the live file row id (not found when it is unknown or deleted).
func GetMeetingFile(ctx context.Context, db bun.IDB, id string) (*MeetingFile, error) {
	f := new(MeetingFile)
	if err := db.NewSelect().Model(f).Where("mf.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "@what.meeting_file")
	}
	return f, nil
}

// MeetingFiles returns the live file rows of a meeting in display order (sort_order, then when they were made).
// A meeting holds at most domain.MaxFilesPerMeeting of them.
func MeetingFiles(ctx context.Context, db bun.IDB, meetingID string) ([]MeetingFile, error) {
	out := []MeetingFile{}
	if err := db.NewSelect().Model(&out).Where("mf.meeting_id = ?", meetingID).
		OrderExpr("mf.sort_order, mf.created_at, mf.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// GetFileBlob returns the stored content sha256, or nil when the server does not hold it.
func GetFileBlob(ctx context.Context, db bun.IDB, sha256 string) (*FileBlob, error) {
	b := new(FileBlob)
	if err := db.NewSelect().Model(b).Where("sha256 = ?", sha256).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, domain.Internal(err)
	}
	return b, nil
}

// MarkUploaded records that the server holds content b (once: a second call keeps the first row) and sets
// UploadedAt on every live file row of that content (its size and type too) not yet marked, through the change log so that devices pull
// it; each row marked is audited. It returns the rows it marked. Call it in a write transaction, after the bytes
// are in the blob store.
func MarkUploaded(ctx context.Context, db bun.IDB, b *FileBlob, at time.Time) ([]MeetingFile, error) {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = at
	}
	if _, err := db.NewInsert().Model(b).On("CONFLICT (sha256) DO NOTHING").Exec(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	var rows []MeetingFile
	if err := db.NewSelect().Model(&rows).Where("mf.sha256 = ? AND mf.size = ? AND mf.mime = ? AND mf.uploaded_at IS NULL", b.SHA256, b.Size, b.Mime).
		OrderExpr("mf.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	for i := range rows {
		before := rows[i]
		rows[i].UploadedAt = &at
		if err := Update(ctx, db, &before, &rows[i]); err != nil {
			return nil, err
		}
		var cellID string
		if err := db.NewSelect().Model((*Meeting)(nil)).Column("cell_id").Where("id = ?", rows[i].MeetingID).Scan(ctx, &cellID); err != nil {
			return nil, domain.Internal(err)
		}
		if err := Audit(ctx, db, "upload", "meeting_file", rows[i].ID, &cellID, nil,
			map[string]any{"meeting_id": rows[i].MeetingID, "sha256": b.SHA256, "size": b.Size, "mime": b.Mime}); err != nil {
			return nil, err
		}
	}
	return rows, nil
}
