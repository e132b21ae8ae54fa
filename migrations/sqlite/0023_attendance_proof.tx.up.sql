-- Proof of attendance (issue #13): the secretary's confirmation of a visiting official's presence, cells' positions,
-- and photos of the paper record (the signed attendance sheet, pages of the minutes book, the thematic material).
-- Keep in step with ../postgres/0023_attendance_proof.tx.up.sql.

-- A cell secretary's word on whether a visiting official attended a meeting: 'confirmed', or 'disputed' with a
-- reason (came late, left early, was not there). One row per meeting and official; its id is
-- wire.ConfirmationID(meeting, official). confirmed_by and confirmed_at are set by the server.
CREATE TABLE visit_confirmations (
    id           TEXT PRIMARY KEY,
    meeting_id   TEXT NOT NULL REFERENCES meetings (id),
    official_id  TEXT NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT REFERENCES users (id),
    confirmed_at TIMESTAMP,
    version      INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    deleted_at   TIMESTAMP
);
CREATE UNIQUE INDEX visit_confirmations_key ON visit_confirmations (meeting_id, official_id) WHERE deleted_at IS NULL;
CREATE INDEX visit_confirmations_official ON visit_confirmations (official_id);

-- Where a cell meets (its usual meeting place), set by its secretary on site or by an admin. One row per cell; its
-- id is wire.PositionID(cell). set_by and set_at are set by the server.
CREATE TABLE cell_positions (
    id         TEXT PRIMARY KEY,
    cell_id    TEXT NOT NULL REFERENCES org_units (id),
    latitude   REAL NOT NULL,
    longitude  REAL NOT NULL,
    accuracy_m INTEGER,
    set_by     TEXT REFERENCES users (id),
    set_at     TIMESTAMP,
    version    INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX cell_positions_cell ON cell_positions (cell_id) WHERE deleted_at IS NULL;

-- A photo (or PDF) of a meeting's paper record. The row is synced first; the bytes follow by a resumable upload
-- (tus) and are kept once per content (file_blobs, by SHA-256). uploaded_at is set by the server when it holds
-- the bytes of sha256; created_by is set by the server.
CREATE TABLE meeting_files (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES meetings (id),
    kind        TEXT NOT NULL DEFAULT 'other',
    caption     TEXT NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mime        TEXT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    created_by  TEXT REFERENCES users (id),
    uploaded_at TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE INDEX meeting_files_meeting ON meeting_files (meeting_id);
CREATE INDEX meeting_files_sha ON meeting_files (sha256);

-- The stored contents, one row per SHA-256 (hex): where the bytes are is the blob store's business (the data
-- directory, or an S3-compatible bucket under the key files/<sha256>).
CREATE TABLE file_blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
