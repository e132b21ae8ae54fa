package store

import (
	"regexp"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// VisitConfirmation is a cell secretary's word on whether a visiting official attended a meeting: confirmed, or
// disputed with a reason. Its id is wire.ConfirmationID(MeetingID, OfficialID); ConfirmedBy and ConfirmedAt are
// set by the server.
type VisitConfirmation struct {
	bun.BaseModel `bun:"table:visit_confirmations,alias:vc"`
	Base
	MeetingID   string               `bun:"meeting_id,notnull" json:"meeting_id"`
	OfficialID  string               `bun:"official_id,notnull" json:"official_id"`
	Status      domain.ConfirmStatus `bun:"status,notnull" json:"status"`
	Reason      string               `bun:"reason,notnull" json:"reason"`
	ConfirmedBy *string              `bun:"confirmed_by" json:"confirmed_by"`
	ConfirmedAt *time.Time           `bun:"confirmed_at" json:"confirmed_at"`
}

// Normalize checks a confirmation: a known status, and a reason for a dispute.
func (c *VisitConfirmation) Normalize() error {
	c.Reason = domain.CleanText(c.Reason)
	if !c.Status.Valid() {
		return badValue("status")
	}
	if c.Status == domain.ConfirmDisputed && c.Reason == "" {
		return domain.Invalid("reason", "error.required", "field", "reason")
	}
	return checkLen("reason", c.Reason, 1000)
}

// CellPosition is where a cell meets, set by its secretary on site or by an admin. Its id is
// wire.PositionID(CellID); SetBy and SetAt are set by the server.
type CellPosition struct {
	bun.BaseModel `bun:"table:cell_positions,alias:cp"`
	Base
	CellID    string     `bun:"cell_id,notnull" json:"cell_id"`
	Latitude  float64    `bun:"latitude,notnull" json:"latitude"`
	Longitude float64    `bun:"longitude,notnull" json:"longitude"`
	AccuracyM *int       `bun:"accuracy_m" json:"accuracy_m"`
	SetBy     *string    `bun:"set_by" json:"set_by"`
	SetAt     *time.Time `bun:"set_at" json:"set_at"`
}

// Normalize checks a position's coordinates (Vietnam is well inside; a 0,0 position is a device's failure).
func (p *CellPosition) Normalize() error {
	if p.Latitude < -90 || p.Latitude > 90 || p.Longitude < -180 || p.Longitude > 180 || (p.Latitude == 0 && p.Longitude == 0) {
		return badValue("latitude")
	}
	if p.AccuracyM != nil && (*p.AccuracyM < 0 || *p.AccuracyM > 100000) {
		return badValue("accuracy_m")
	}
	return nil
}

// MeetingFile is a photo (or PDF) of a meeting's paper record: the signed attendance sheet, a page of the minutes
// book, the thematic material. The row is synced first and the bytes follow by a resumable upload; the server
// keeps them once per content (file_blobs) and sets UploadedAt when it holds them. CreatedBy is set by the server.
type MeetingFile struct {
	bun.BaseModel `bun:"table:meeting_files,alias:mf"`
	Base
	MeetingID  string          `bun:"meeting_id,notnull" json:"meeting_id"`
	Kind       domain.FileKind `bun:"kind,notnull" json:"kind"`
	Caption    string          `bun:"caption,notnull" json:"caption"`
	SortOrder  int             `bun:"sort_order,notnull" json:"sort_order"`
	SHA256     string          `bun:"sha256,notnull" json:"sha256"`
	Size       int64           `bun:"size,notnull" json:"size"`
	Mime       string          `bun:"mime,notnull" json:"mime"`
	Width      *int            `bun:"width" json:"width"`
	Height     *int            `bun:"height" json:"height"`
	CreatedBy  *string         `bun:"created_by" json:"created_by"`
	UploadedAt *time.Time      `bun:"uploaded_at" json:"uploaded_at"`
}

// sha256Hex is a SHA-256 in lower-case hex (a blob's key in the blob store too: server/files).
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA256 reports whether s is a SHA-256 in lower-case hex, the only names the blob store takes.
func ValidSHA256(s string) bool { return sha256Hex.MatchString(s) }

// Normalize fills a file's default kind and checks its fields: a known kind and type, a SHA-256 in hex, a size
// within the limit.
func (f *MeetingFile) Normalize() error {
	if f.Kind == "" {
		f.Kind = domain.FileOther
	}
	f.Caption = domain.CleanText(f.Caption)
	switch {
	case !f.Kind.Valid():
		return badValue("kind")
	case !slices.Contains(domain.FileMimes, f.Mime):
		return domain.Invalid("mime", "file.bad_type")
	case !ValidSHA256(f.SHA256):
		return badValue("sha256")
	case f.Size <= 0:
		return badValue("size")
	case f.Size > domain.MaxFileBytes:
		return domain.Invalid("size", "file.too_big", "max", "10 MB")
	}
	for _, n := range []struct {
		field string
		v     *int
	}{{"width", f.Width}, {"height", f.Height}} {
		if n.v != nil && (*n.v <= 0 || *n.v > 20000) {
			return badValue(n.field)
		}
	}
	return checkLen("caption", f.Caption, 500)
}

// FileBlob is a stored content, once per SHA-256: the bytes are in the blob store (server/files).
type FileBlob struct {
	bun.BaseModel `bun:"table:file_blobs,alias:fb"`
	SHA256        string    `bun:"sha256,pk" json:"sha256"`
	Size          int64     `bun:"size,notnull" json:"size"`
	Mime          string    `bun:"mime,notnull" json:"mime"`
	CreatedAt     time.Time `bun:"created_at,notnull" json:"created_at"`
}
