-- Proof of attendance (issue #13): the secretary's confirmation of a visiting official's presence, cells' positions,
-- and photos of the paper record (the signed attendance sheet, pages of the minutes book, the thematic material).
-- Keep in step with ../sqlite/0023_attendance_proof.tx.up.sql.

-- A cell secretary's word on whether a visiting official attended a meeting: 'confirmed', or 'disputed' with a
-- reason (came late, left early, was not there). One row per meeting and official; its id is
-- wire.ConfirmationID(meeting, official). confirmed_by and confirmed_at are set by the server.
CREATE TABLE visit_confirmations (
    id           uuid PRIMARY KEY,
    meeting_id   uuid NOT NULL REFERENCES meetings (id),
    official_id  uuid NOT NULL REFERENCES users (id),
    status       text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    confirmed_by uuid REFERENCES users (id),
    confirmed_at timestamptz,
    version      bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE UNIQUE INDEX visit_confirmations_key ON visit_confirmations (meeting_id, official_id) WHERE deleted_at IS NULL;
CREATE INDEX visit_confirmations_official ON visit_confirmations (official_id);

-- Where a cell meets (its usual meeting place), set by its secretary on site or by an admin. One row per cell; its
-- id is wire.PositionID(cell). set_by and set_at are set by the server.
CREATE TABLE cell_positions (
    id         uuid PRIMARY KEY,
    cell_id    uuid NOT NULL REFERENCES org_units (id),
    latitude   double precision NOT NULL,
    longitude  double precision NOT NULL,
    accuracy_m integer,
    set_by     uuid REFERENCES users (id),
    set_at     timestamptz,
    version    bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX cell_positions_cell ON cell_positions (cell_id) WHERE deleted_at IS NULL;

-- A photo (or PDF) of a meeting's paper record. The row is synced first; the bytes follow by a resumable upload
-- (tus) and are kept once per content (file_blobs, by SHA-256). uploaded_at is set by the server when it holds
-- the bytes of sha256; created_by is set by the server.
CREATE TABLE meeting_files (
    id          uuid PRIMARY KEY,
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    kind        text NOT NULL DEFAULT 'other',
    caption     text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0,
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    mime        text NOT NULL,
    width       integer,
    height      integer,
    created_by  uuid REFERENCES users (id),
    uploaded_at timestamptz,
    version     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX meeting_files_meeting ON meeting_files (meeting_id);
CREATE INDEX meeting_files_sha ON meeting_files (sha256);

-- The stored contents, one row per SHA-256 (hex): where the bytes are is the blob store's business (the data
-- directory, or an S3-compatible bucket under the key files/<sha256>).
CREATE TABLE file_blobs (
    sha256     text PRIMARY KEY,
    size       bigint NOT NULL,
    mime       text NOT NULL,
    created_at timestamptz NOT NULL
);
