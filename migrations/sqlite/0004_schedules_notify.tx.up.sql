-- Meeting schedules, reminders, the web push outbox and job leases (issue #5).

-- A schedule rule sets, for an org unit's subtree, the day of the month regular meetings are held on, the months
-- whose meeting is thematic, and the local times reminders go out. A cell takes the rule of its nearest ancestor
-- (itself included) that has one; with none, the defaults below (the 3rd, Chỉ thị 50-CT/TW).
CREATE TABLE schedule_rules (
    id               TEXT PRIMARY KEY,
    org_unit_id      TEXT NOT NULL REFERENCES org_units (id),
    day_of_month     INTEGER NOT NULL DEFAULT 3,
    thematic_months  TEXT NOT NULL DEFAULT '3,6,9,12',
    eve_reminder     TEXT NOT NULL DEFAULT '19:00',
    morning_reminder TEXT NOT NULL DEFAULT '07:00',
    report_due_days  INTEGER NOT NULL DEFAULT 3,
    digest_at        TEXT NOT NULL DEFAULT '08:00',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP
);
CREATE UNIQUE INDEX schedule_rules_unit ON schedule_rules (org_unit_id) WHERE deleted_at IS NULL;

-- A reminder is a notification due at next_at: the evening before and the morning of a meeting, a report overdue,
-- a supervisor's daily digest. key names it (kind, meeting, user or day) so that planning it twice is harmless.
CREATE TABLE reminders (
    id            TEXT PRIMARY KEY,
    key           TEXT NOT NULL,
    kind          TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    meeting_id    TEXT REFERENCES meetings (id),
    next_at       TIMESTAMP NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    claimed_until TIMESTAMP,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reminders_key ON reminders (key);
CREATE INDEX reminders_due ON reminders (status, next_at);
CREATE INDEX reminders_meeting ON reminders (meeting_id);

-- The push outbox holds one row per (notification, device subscription): the unique index makes a delivery
-- exactly one row however many times it is queued. Workers claim due rows for a lease, send, and record the result.
CREATE TABLE push_outbox (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id),
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions (id),
    payload         TEXT NOT NULL,
    topic           TEXT NOT NULL DEFAULT '',
    urgency         TEXT NOT NULL DEFAULT 'normal',
    ttl_seconds     INTEGER NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    claimed_by      TEXT NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX push_outbox_once ON push_outbox (notification_id, subscription_id);
CREATE INDEX push_outbox_due ON push_outbox (status, next_at);

-- A job lease lets one server instance at a time run a periodic job (planning meetings and reminders).
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    until       TIMESTAMP,
    last_run_at TIMESTAMP
);
