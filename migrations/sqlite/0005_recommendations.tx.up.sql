-- Recommendation tracking, the Gia Lộc loop (issue #6). Keep in step with ../postgres/0005_recommendations.tx.up.sql.

-- The briefing (or cell meeting) at which a recommendation's outcome was reported back, when known.
ALTER TABLE recommendations ADD COLUMN announced_meeting_id TEXT REFERENCES meetings (id);

-- The history of a recommendation: one row per step of the loop (forwarded, answered, accepted, sent back,
-- resolved, announced), written in the same transaction as the step. Synced read-only in the recommendation's
-- cell bucket.
CREATE TABLE recommendation_events (
    id                    TEXT PRIMARY KEY,
    recommendation_id     TEXT NOT NULL REFERENCES recommendations (id),
    action                TEXT NOT NULL,
    from_status           TEXT NOT NULL,
    to_status             TEXT NOT NULL,
    at                    TIMESTAMP NOT NULL,
    actor_user_id         TEXT REFERENCES users (id),
    addressee_org_unit_id TEXT REFERENCES org_units (id),
    due_on                DATE,
    answer_id             TEXT REFERENCES recommendation_answers (id),
    meeting_id            TEXT REFERENCES meetings (id),
    note                  TEXT NOT NULL DEFAULT '',
    version               INTEGER NOT NULL DEFAULT 0,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    deleted_at            TIMESTAMP
);
CREATE INDEX recommendation_events_rec ON recommendation_events (recommendation_id, at);
