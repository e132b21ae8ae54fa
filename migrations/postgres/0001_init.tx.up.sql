-- Chibo schema, PostgreSQL. Keep in step with ../sqlite/0001_init.tx.up.sql: same tables, same columns.
-- Synced tables have a client-generatable UUID key, created_at, updated_at and a soft-delete marker (deleted_at).
-- Text columns compared by range or sorted for pagination use COLLATE "C" so PostgreSQL orders them byte-wise,
-- like SQLite.

CREATE TABLE server_secrets (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE org_units (
    id         uuid PRIMARY KEY,
    parent_id  uuid REFERENCES org_units (id),
    kind       text NOT NULL,
    code       text NOT NULL DEFAULT '',
    name       text NOT NULL,
    name_fold  text COLLATE "C" NOT NULL,
    path       text COLLATE "C" NOT NULL,
    depth      integer NOT NULL,
    opened_on  date,
    closed_on  date,
    address    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX org_units_path ON org_units (path);
CREATE INDEX org_units_parent ON org_units (parent_id, name_fold);
CREATE INDEX org_units_name ON org_units (name_fold, id);
CREATE UNIQUE INDEX org_units_code ON org_units (code) WHERE deleted_at IS NULL AND code <> '';

CREATE TABLE members (
    id                   uuid PRIMARY KEY,
    cell_id              uuid NOT NULL REFERENCES org_units (id),
    full_name            text NOT NULL,
    name_fold            text COLLATE "C" NOT NULL,
    birth_year           integer,
    gender               text NOT NULL DEFAULT '',
    card_number          text,
    membership           text NOT NULL DEFAULT 'full',
    status               text NOT NULL DEFAULT 'active',
    temp_exempt_until    date,
    temporarily_attached boolean NOT NULL DEFAULT false,
    cell_role            text NOT NULL DEFAULT '',
    joined_on            date,
    official_on          date,
    status_note          text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    deleted_at           timestamptz
);
CREATE INDEX members_cell ON members (cell_id, name_fold, id);
CREATE INDEX members_name ON members (name_fold, id);
CREATE UNIQUE INDEX members_card ON members (card_number) WHERE deleted_at IS NULL AND card_number IS NOT NULL;

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    username         text COLLATE "C" NOT NULL,
    display_name     text NOT NULL,
    name_fold        text COLLATE "C" NOT NULL,
    phone            text NOT NULL DEFAULT '',
    title            text NOT NULL DEFAULT '',
    password_hash    text NOT NULL,
    active           boolean NOT NULL DEFAULT true,
    locale           text NOT NULL DEFAULT 'vi',
    home_org_unit_id uuid REFERENCES org_units (id),
    failed_logins    integer NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    last_login_at    timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE UNIQUE INDEX users_username ON users (username) WHERE deleted_at IS NULL;
CREATE INDEX users_name ON users (name_fold, id);
CREATE INDEX users_home ON users (home_org_unit_id);

CREATE TABLE role_grants (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    role        text NOT NULL,
    org_unit_id uuid REFERENCES org_units (id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX role_grants_user ON role_grants (user_id);
CREATE INDEX role_grants_org ON role_grants (org_unit_id);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (user_id, role, COALESCE(org_unit_id::text, ''))
    WHERE deleted_at IS NULL;

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    token_hash text NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE assignments (
    id              uuid PRIMARY KEY,
    official_id     uuid NOT NULL REFERENCES users (id),
    cell_id         uuid NOT NULL REFERENCES org_units (id),
    starts_on       date NOT NULL,
    ends_on         date,
    frequency       text NOT NULL DEFAULT 'monthly',
    visits_per_year integer NOT NULL DEFAULT 12,
    status          text NOT NULL DEFAULT 'active',
    note            text NOT NULL DEFAULT '',
    acknowledged_at timestamptz,
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE INDEX assignments_official ON assignments (official_id, starts_on);
CREATE INDEX assignments_cell ON assignments (cell_id, starts_on);

CREATE TABLE meetings (
    id                   uuid PRIMARY KEY,
    cell_id              uuid NOT NULL REFERENCES org_units (id),
    meeting_date         date NOT NULL,
    type                 text NOT NULL DEFAULT 'regular',
    mode                 text NOT NULL DEFAULT 'in_person',
    status               text NOT NULL DEFAULT 'planned',
    topic                text NOT NULL DEFAULT '',
    place                text NOT NULL DEFAULT '',
    starts_at            timestamptz,
    ends_at              timestamptz,
    chair_member_id      uuid REFERENCES members (id),
    secretary_member_id  uuid REFERENCES members (id),
    chair_name           text NOT NULL DEFAULT '',
    secretary_name       text NOT NULL DEFAULT '',
    members_total        integer,
    members_full         integer,
    members_probationary integer,
    members_attached     integer,
    members_exempt       integer,
    notes                text NOT NULL DEFAULT '',
    resolution           text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    deleted_at           timestamptz
);
CREATE INDEX meetings_cell ON meetings (cell_id, meeting_date);
CREATE INDEX meetings_date ON meetings (meeting_date);

CREATE TABLE attendance (
    id         uuid PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    member_id  uuid NOT NULL REFERENCES members (id),
    status     text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX attendance_meeting_member ON attendance (meeting_id, member_id) WHERE deleted_at IS NULL;
CREATE INDEX attendance_member ON attendance (member_id);

CREATE TABLE rubrics (
    id             uuid PRIMARY KEY,
    province_id    uuid REFERENCES org_units (id),
    name           text NOT NULL,
    valid_from     date NOT NULL,
    good_min       integer NOT NULL,
    fair_min       integer NOT NULL,
    average_min    integer NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    deleted_at     timestamptz
);
CREATE INDEX rubrics_province ON rubrics (province_id, valid_from);

CREATE TABLE rubric_criteria (
    id          uuid PRIMARY KEY,
    rubric_id   uuid NOT NULL REFERENCES rubrics (id),
    code        text NOT NULL,
    group_vi    text NOT NULL DEFAULT '',
    group_en    text NOT NULL DEFAULT '',
    name_vi     text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    max_points  integer NOT NULL,
    sort_order  integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX rubric_criteria_rubric ON rubric_criteria (rubric_id, sort_order);

CREATE TABLE visit_reports (
    id            uuid PRIMARY KEY,
    meeting_id    uuid NOT NULL REFERENCES meetings (id),
    official_id   uuid NOT NULL REFERENCES users (id),
    status        text NOT NULL DEFAULT 'draft',
    checked_in_at timestamptz,
    latitude      double precision,
    longitude     double precision,
    notes         text NOT NULL DEFAULT '',
    guidance      text NOT NULL DEFAULT '',
    rubric_id     uuid REFERENCES rubrics (id),
    scores        text NOT NULL DEFAULT '',
    score_total   integer,
    grade         text NOT NULL DEFAULT '',
    submitted_at  timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE UNIQUE INDEX visit_reports_meeting_official ON visit_reports (meeting_id, official_id) WHERE deleted_at IS NULL;
CREATE INDEX visit_reports_official ON visit_reports (official_id, submitted_at);

CREATE TABLE recommendation_fields (
    id          uuid PRIMARY KEY,
    province_id uuid REFERENCES org_units (id),
    code        text NOT NULL,
    name_vi     text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX recommendation_fields_code ON recommendation_fields (COALESCE(province_id::text, ''), code)
    WHERE deleted_at IS NULL;

CREATE TABLE recommendations (
    id                    uuid PRIMARY KEY,
    cell_id               uuid NOT NULL REFERENCES org_units (id),
    meeting_id            uuid REFERENCES meetings (id),
    visit_report_id       uuid REFERENCES visit_reports (id),
    field_id              uuid REFERENCES recommendation_fields (id),
    content               text NOT NULL,
    content_fold          text NOT NULL,
    addressee_org_unit_id uuid REFERENCES org_units (id),
    addressee_text        text NOT NULL DEFAULT '',
    urgency               text NOT NULL DEFAULT 'normal',
    status                text NOT NULL DEFAULT 'new',
    raised_on             date NOT NULL,
    raised_by             uuid REFERENCES users (id),
    due_on                date,
    forwarded_at          timestamptz,
    forwarded_by          uuid REFERENCES users (id),
    resolved_at           timestamptz,
    announced_at          timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    deleted_at            timestamptz
);
CREATE INDEX recommendations_cell ON recommendations (cell_id, raised_on);
CREATE INDEX recommendations_status ON recommendations (status, due_on);
CREATE INDEX recommendations_addressee ON recommendations (addressee_org_unit_id);
CREATE INDEX recommendations_meeting ON recommendations (meeting_id);

CREATE TABLE recommendation_answers (
    id                uuid PRIMARY KEY,
    recommendation_id uuid NOT NULL REFERENCES recommendations (id),
    body              text NOT NULL,
    answered_by       uuid REFERENCES users (id),
    answered_for_id   uuid REFERENCES org_units (id),
    answered_at       timestamptz NOT NULL,
    verdict           text NOT NULL DEFAULT '',
    verdict_reason    text NOT NULL DEFAULT '',
    verdict_by        uuid REFERENCES users (id),
    verdict_at        timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    deleted_at        timestamptz
);
CREATE INDEX recommendation_answers_rec ON recommendation_answers (recommendation_id, answered_at);

CREATE TABLE rating_labels (
    id          uuid PRIMARY KEY,
    province_id uuid REFERENCES org_units (id),
    scheme      text NOT NULL,
    code        text NOT NULL,
    name_vi     text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    min_score   integer,
    weak        boolean NOT NULL DEFAULT false,
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);

CREATE TABLE annual_ratings (
    id          uuid PRIMARY KEY,
    org_unit_id uuid NOT NULL REFERENCES org_units (id),
    year        integer NOT NULL,
    label_id    uuid NOT NULL REFERENCES rating_labels (id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX annual_ratings_unit_year ON annual_ratings (org_unit_id, year) WHERE deleted_at IS NULL;

CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text NOT NULL DEFAULT '',
    data       text NOT NULL DEFAULT '',
    read_at    timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE push_subscriptions (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id),
    endpoint        text NOT NULL,
    p256dh          text NOT NULL,
    auth            text NOT NULL,
    user_agent      text NOT NULL DEFAULT '',
    failure_count   integer NOT NULL DEFAULT 0,
    last_success_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint) WHERE deleted_at IS NULL;
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The audit log is append-only: a trigger refuses UPDATE and DELETE.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_user_id uuid,
    action        text NOT NULL,
    entity        text NOT NULL,
    entity_id     text NOT NULL,
    org_unit_id   uuid,
    before        text,
    after         text,
    request_id    text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_org ON audit_log (org_unit_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
