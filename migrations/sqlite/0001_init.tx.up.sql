-- Chibo schema, SQLite. Keep in step with ../postgres/0001_init.tx.up.sql: same tables, same columns.
-- Synced tables have a client-generatable UUID key, created_at, updated_at and a soft-delete marker (deleted_at).
-- SQLite compares text byte-wise (BINARY); the PostgreSQL schema matches it with COLLATE "C".
-- Dates are stored as TEXT YYYY-MM-DD in DATE columns; times as UTC text in TIMESTAMP columns.

CREATE TABLE server_secrets (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE org_units (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES org_units (id),
    kind       TEXT NOT NULL,
    code       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    name_fold  TEXT NOT NULL,
    path       TEXT NOT NULL,
    depth      INTEGER NOT NULL,
    opened_on  DATE,
    closed_on  DATE,
    address    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX org_units_path ON org_units (path);
CREATE INDEX org_units_parent ON org_units (parent_id, name_fold);
CREATE INDEX org_units_name ON org_units (name_fold, id);
CREATE UNIQUE INDEX org_units_code ON org_units (code) WHERE deleted_at IS NULL AND code <> '';

CREATE TABLE members (
    id                   TEXT PRIMARY KEY,
    cell_id              TEXT NOT NULL REFERENCES org_units (id),
    full_name            TEXT NOT NULL,
    name_fold            TEXT NOT NULL,
    birth_year           INTEGER,
    gender               TEXT NOT NULL DEFAULT '',
    card_number          TEXT,
    membership           TEXT NOT NULL DEFAULT 'full',
    status               TEXT NOT NULL DEFAULT 'active',
    temp_exempt_until    DATE,
    temporarily_attached BOOLEAN NOT NULL DEFAULT false,
    cell_role            TEXT NOT NULL DEFAULT '',
    joined_on            DATE,
    official_on          DATE,
    status_note          TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP
);
CREATE INDEX members_cell ON members (cell_id, name_fold, id);
CREATE INDEX members_name ON members (name_fold, id);
CREATE UNIQUE INDEX members_card ON members (card_number) WHERE deleted_at IS NULL AND card_number IS NOT NULL;

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    username         TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    name_fold        TEXT NOT NULL,
    phone            TEXT NOT NULL DEFAULT '',
    title            TEXT NOT NULL DEFAULT '',
    password_hash    TEXT NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT true,
    locale           TEXT NOT NULL DEFAULT 'vi',
    home_org_unit_id TEXT REFERENCES org_units (id),
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMP,
    last_login_at    TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP
);
CREATE UNIQUE INDEX users_username ON users (username) WHERE deleted_at IS NULL;
CREATE INDEX users_name ON users (name_fold, id);
CREATE INDEX users_home ON users (home_org_unit_id);

CREATE TABLE role_grants (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,
    org_unit_id TEXT REFERENCES org_units (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE INDEX role_grants_user ON role_grants (user_id);
CREATE INDEX role_grants_org ON role_grants (org_unit_id);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (user_id, role, COALESCE(org_unit_id, ''))
    WHERE deleted_at IS NULL;

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE assignments (
    id              TEXT PRIMARY KEY,
    official_id     TEXT NOT NULL REFERENCES users (id),
    cell_id         TEXT NOT NULL REFERENCES org_units (id),
    starts_on       DATE NOT NULL,
    ends_on         DATE,
    frequency       TEXT NOT NULL DEFAULT 'monthly',
    visits_per_year INTEGER NOT NULL DEFAULT 12,
    status          TEXT NOT NULL DEFAULT 'active',
    note            TEXT NOT NULL DEFAULT '',
    acknowledged_at TIMESTAMP,
    created_by      TEXT REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX assignments_official ON assignments (official_id, starts_on);
CREATE INDEX assignments_cell ON assignments (cell_id, starts_on);

CREATE TABLE meetings (
    id                   TEXT PRIMARY KEY,
    cell_id              TEXT NOT NULL REFERENCES org_units (id),
    meeting_date         DATE NOT NULL,
    type                 TEXT NOT NULL DEFAULT 'regular',
    mode                 TEXT NOT NULL DEFAULT 'in_person',
    status               TEXT NOT NULL DEFAULT 'planned',
    topic                TEXT NOT NULL DEFAULT '',
    place                TEXT NOT NULL DEFAULT '',
    starts_at            TIMESTAMP,
    ends_at              TIMESTAMP,
    chair_member_id      TEXT REFERENCES members (id),
    secretary_member_id  TEXT REFERENCES members (id),
    chair_name           TEXT NOT NULL DEFAULT '',
    secretary_name       TEXT NOT NULL DEFAULT '',
    members_total        INTEGER,
    members_full         INTEGER,
    members_probationary INTEGER,
    members_attached     INTEGER,
    members_exempt       INTEGER,
    notes                TEXT NOT NULL DEFAULT '',
    resolution           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP
);
CREATE INDEX meetings_cell ON meetings (cell_id, meeting_date);
CREATE INDEX meetings_date ON meetings (meeting_date);

CREATE TABLE attendance (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    member_id  TEXT NOT NULL REFERENCES members (id),
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX attendance_meeting_member ON attendance (meeting_id, member_id) WHERE deleted_at IS NULL;
CREATE INDEX attendance_member ON attendance (member_id);

CREATE TABLE rubrics (
    id             TEXT PRIMARY KEY,
    province_id    TEXT REFERENCES org_units (id),
    name           TEXT NOT NULL,
    valid_from     DATE NOT NULL,
    good_min       INTEGER NOT NULL,
    fair_min       INTEGER NOT NULL,
    average_min    INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP
);
CREATE INDEX rubrics_province ON rubrics (province_id, valid_from);

CREATE TABLE rubric_criteria (
    id          TEXT PRIMARY KEY,
    rubric_id   TEXT NOT NULL REFERENCES rubrics (id),
    code        TEXT NOT NULL,
    group_vi    TEXT NOT NULL DEFAULT '',
    group_en    TEXT NOT NULL DEFAULT '',
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    max_points  INTEGER NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE INDEX rubric_criteria_rubric ON rubric_criteria (rubric_id, sort_order);

CREATE TABLE visit_reports (
    id            TEXT PRIMARY KEY,
    meeting_id    TEXT NOT NULL REFERENCES meetings (id),
    official_id   TEXT NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL DEFAULT 'draft',
    checked_in_at TIMESTAMP,
    latitude      REAL,
    longitude     REAL,
    notes         TEXT NOT NULL DEFAULT '',
    guidance      TEXT NOT NULL DEFAULT '',
    rubric_id     TEXT REFERENCES rubrics (id),
    scores        TEXT NOT NULL DEFAULT '',
    score_total   INTEGER,
    grade         TEXT NOT NULL DEFAULT '',
    submitted_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP
);
CREATE UNIQUE INDEX visit_reports_meeting_official ON visit_reports (meeting_id, official_id) WHERE deleted_at IS NULL;
CREATE INDEX visit_reports_official ON visit_reports (official_id, submitted_at);

CREATE TABLE recommendation_fields (
    id          TEXT PRIMARY KEY,
    province_id TEXT REFERENCES org_units (id),
    code        TEXT NOT NULL,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE UNIQUE INDEX recommendation_fields_code ON recommendation_fields (COALESCE(province_id, ''), code)
    WHERE deleted_at IS NULL;

CREATE TABLE recommendations (
    id                    TEXT PRIMARY KEY,
    cell_id               TEXT NOT NULL REFERENCES org_units (id),
    meeting_id            TEXT REFERENCES meetings (id),
    visit_report_id       TEXT REFERENCES visit_reports (id),
    field_id              TEXT REFERENCES recommendation_fields (id),
    content               TEXT NOT NULL,
    content_fold          TEXT NOT NULL,
    addressee_org_unit_id TEXT REFERENCES org_units (id),
    addressee_text        TEXT NOT NULL DEFAULT '',
    urgency               TEXT NOT NULL DEFAULT 'normal',
    status                TEXT NOT NULL DEFAULT 'new',
    raised_on             DATE NOT NULL,
    raised_by             TEXT REFERENCES users (id),
    due_on                DATE,
    forwarded_at          TIMESTAMP,
    forwarded_by          TEXT REFERENCES users (id),
    resolved_at           TIMESTAMP,
    announced_at          TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    deleted_at            TIMESTAMP
);
CREATE INDEX recommendations_cell ON recommendations (cell_id, raised_on);
CREATE INDEX recommendations_status ON recommendations (status, due_on);
CREATE INDEX recommendations_addressee ON recommendations (addressee_org_unit_id);
CREATE INDEX recommendations_meeting ON recommendations (meeting_id);

CREATE TABLE recommendation_answers (
    id                TEXT PRIMARY KEY,
    recommendation_id TEXT NOT NULL REFERENCES recommendations (id),
    body              TEXT NOT NULL,
    answered_by       TEXT REFERENCES users (id),
    answered_for_id   TEXT REFERENCES org_units (id),
    answered_at       TIMESTAMP NOT NULL,
    verdict           TEXT NOT NULL DEFAULT '',
    verdict_reason    TEXT NOT NULL DEFAULT '',
    verdict_by        TEXT REFERENCES users (id),
    verdict_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP
);
CREATE INDEX recommendation_answers_rec ON recommendation_answers (recommendation_id, answered_at);

CREATE TABLE rating_labels (
    id          TEXT PRIMARY KEY,
    province_id TEXT REFERENCES org_units (id),
    scheme      TEXT NOT NULL,
    code        TEXT NOT NULL,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    min_score   INTEGER,
    weak        BOOLEAN NOT NULL DEFAULT false,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);

CREATE TABLE annual_ratings (
    id          TEXT PRIMARY KEY,
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    year        INTEGER NOT NULL,
    label_id    TEXT NOT NULL REFERENCES rating_labels (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE UNIQUE INDEX annual_ratings_unit_year ON annual_ratings (org_unit_id, year) WHERE deleted_at IS NULL;

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '',
    read_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE push_subscriptions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    endpoint        TEXT NOT NULL,
    p256dh          TEXT NOT NULL,
    auth            TEXT NOT NULL,
    user_agent      TEXT NOT NULL DEFAULT '',
    failure_count   INTEGER NOT NULL DEFAULT 0,
    last_success_at TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint) WHERE deleted_at IS NULL;
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The audit log is append-only: a trigger refuses UPDATE and DELETE.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    org_unit_id   TEXT,
    before        TEXT,
    after         TEXT,
    request_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_org ON audit_log (org_unit_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
