-- Delta sync (PostgreSQL; keep in step with ../sqlite/0003_sync.tx.up.sql). See sync/PROTOCOL.md.
-- Every synced row carries version: the sync transaction number ("tx") of its last write. Every write appends
-- to sync_changes in the same transaction; sync_buckets keeps a count and checksum per bucket of rows.

ALTER TABLE org_units ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE attendance ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE visit_reports ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE rubrics ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE rubric_criteria ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE recommendation_fields ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE recommendations ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE recommendation_answers ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE rating_labels ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE annual_ratings ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN version bigint NOT NULL DEFAULT 0;
-- Not synced, but they share the models' common columns.
ALTER TABLE role_grants ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE push_subscriptions ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- One row. epoch changes when the database is reset or restored, telling clients to resync; tx is the last
-- sync transaction number on SQLite (PostgreSQL numbers transactions by xid + tx_offset); pruned_tx is the newest
-- transaction whose changes were pruned: a cursor older than it gets a full snapshot.
CREATE TABLE sync_state (
    id         integer PRIMARY KEY CHECK (id = 1),
    epoch      text NOT NULL,
    tx         bigint NOT NULL DEFAULT 0,
    tx_offset  bigint NOT NULL DEFAULT 0,
    pruned_tx  bigint NOT NULL DEFAULT 0,
    system_id  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The change log: one entry per row written, with the row as it was after the write (NULL data for a delete).
-- class/scope/path/part say which bucket the row belongs to, so a pull filters by the caller's scopes.
CREATE TABLE sync_changes (
    seq    bigserial PRIMARY KEY,
    tx     bigint NOT NULL,
    tbl    text NOT NULL,
    row_id text NOT NULL,
    op     text NOT NULL,
    class  text NOT NULL,
    scope  text NOT NULL,
    path   text COLLATE "C" NOT NULL,
    part   text NOT NULL,
    data   text,
    at     timestamptz NOT NULL
);
CREATE INDEX sync_changes_tx ON sync_changes (tx, seq);
CREATE INDEX sync_changes_at ON sync_changes (at);

-- Count and checksum (sum of row hashes) of the live rows of each bucket, kept in step with every write.
CREATE TABLE sync_buckets (
    class text NOT NULL,
    scope text NOT NULL,
    part  text NOT NULL,
    path  text COLLATE "C" NOT NULL,
    count bigint NOT NULL DEFAULT 0,
    sum   bigint NOT NULL DEFAULT 0,
    tx    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (class, scope, part)
);
CREATE INDEX sync_buckets_path ON sync_buckets (path);

-- Each device (client) pushes mutations numbered 1, 2, 3…; last_seq is the last one processed.
CREATE TABLE sync_clients (
    client_id  text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    last_seq   bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The outcome of each processed mutation, so a replayed push gets the same answer without a second effect.
CREATE TABLE sync_results (
    client_id   text NOT NULL,
    seq         bigint NOT NULL,
    mutation_id text NOT NULL DEFAULT '',
    status      text NOT NULL,
    code        text NOT NULL DEFAULT '',
    message_key text NOT NULL DEFAULT '',
    args        text NOT NULL DEFAULT '',
    version     bigint NOT NULL DEFAULT 0,
    at          timestamptz NOT NULL,
    PRIMARY KEY (client_id, seq)
);
CREATE INDEX sync_results_at ON sync_results (at);

-- A field a device changed that someone else had changed on the server since the device last saw it. The
-- server keeps the later write (in server order) and records both values here, so no text is lost.
CREATE TABLE sync_conflicts (
    id             uuid PRIMARY KEY,
    tbl            text NOT NULL,
    row_id         text NOT NULL,
    field          text NOT NULL,
    base_value     text,
    server_value   text,
    client_value   text,
    server_version bigint NOT NULL,
    client_id      text NOT NULL,
    user_id        uuid REFERENCES users (id),
    overwritten_by uuid REFERENCES users (id),
    class          text NOT NULL,
    scope          text NOT NULL,
    path           text COLLATE "C" NOT NULL,
    part           text NOT NULL,
    resolved_at    timestamptz,
    resolved_by    uuid REFERENCES users (id),
    resolution     text NOT NULL DEFAULT '',
    version        bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    deleted_at     timestamptz
);
CREATE INDEX sync_conflicts_row ON sync_conflicts (tbl, row_id);
