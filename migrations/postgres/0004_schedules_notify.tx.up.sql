-- Meeting schedules, reminders, the web push outbox and job leases (issue #5).

-- A schedule rule sets, for an org unit's subtree, the day of the month regular meetings are held on, the months
-- whose meeting is thematic, and the local times reminders go out. A cell takes the rule of its nearest ancestor
-- (itself included) that has one; with none, the defaults below (the 3rd, Chỉ thị 50-CT/TW).
CREATE TABLE schedule_rules (
    id               uuid PRIMARY KEY,
    org_unit_id      uuid NOT NULL REFERENCES org_units (id),
    day_of_month     integer NOT NULL DEFAULT 3,
    thematic_months  text NOT NULL DEFAULT '3,6,9,12',
    eve_reminder     text NOT NULL DEFAULT '19:00',
    morning_reminder text NOT NULL DEFAULT '07:00',
    report_due_days  integer NOT NULL DEFAULT 3,
    digest_at        text NOT NULL DEFAULT '08:00',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE UNIQUE INDEX schedule_rules_unit ON schedule_rules (org_unit_id) WHERE deleted_at IS NULL;

-- A reminder is a notification due at next_at: the evening before and the morning of a meeting, a report overdue,
-- a supervisor's daily digest. key names it (kind, meeting, user or day) so that planning it twice is harmless.
CREATE TABLE reminders (
    id            uuid PRIMARY KEY,
    key           text NOT NULL,
    kind          text NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id),
    meeting_id    uuid REFERENCES meetings (id),
    next_at       timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'pending',
    claimed_until timestamptz,
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX reminders_key ON reminders (key);
CREATE INDEX reminders_due ON reminders (status, next_at);
CREATE INDEX reminders_meeting ON reminders (meeting_id);

-- The push outbox holds one row per (notification, device subscription): the unique index makes a delivery
-- exactly one row however many times it is queued. Workers claim due rows for a lease, send, and record the result.
CREATE TABLE push_outbox (
    id              uuid PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notifications (id),
    subscription_id uuid NOT NULL REFERENCES push_subscriptions (id),
    payload         text NOT NULL,
    topic           text NOT NULL DEFAULT '',
    urgency         text NOT NULL DEFAULT 'normal',
    ttl_seconds     integer NOT NULL,
    expires_at      timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_at         timestamptz NOT NULL,
    claimed_until   timestamptz,
    claimed_by      text NOT NULL DEFAULT '',
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX push_outbox_once ON push_outbox (notification_id, subscription_id);
CREATE INDEX push_outbox_due ON push_outbox (status, next_at);

-- A job lease lets one server instance at a time run a periodic job (planning meetings and reminders).
CREATE TABLE job_leases (
    name        text PRIMARY KEY,
    holder      text NOT NULL DEFAULT '',
    until       timestamptz,
    last_run_at timestamptz
);
