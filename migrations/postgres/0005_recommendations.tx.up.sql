-- Recommendation tracking, the Gia Lộc loop (issue #6). Keep in step with ../sqlite/0005_recommendations.tx.up.sql.

-- The briefing (or cell meeting) at which a recommendation's outcome was reported back, when known.
ALTER TABLE recommendations ADD COLUMN announced_meeting_id uuid REFERENCES meetings (id);

-- The history of a recommendation: one row per step of the loop (forwarded, answered, accepted, sent back,
-- resolved, announced), written in the same transaction as the step. Synced read-only in the recommendation's
-- cell bucket.
CREATE TABLE recommendation_events (
    id                    uuid PRIMARY KEY,
    recommendation_id     uuid NOT NULL REFERENCES recommendations (id),
    action                text NOT NULL,
    from_status           text NOT NULL,
    to_status             text NOT NULL,
    at                    timestamptz NOT NULL,
    actor_user_id         uuid REFERENCES users (id),
    addressee_org_unit_id uuid REFERENCES org_units (id),
    due_on                date,
    answer_id             uuid REFERENCES recommendation_answers (id),
    meeting_id            uuid REFERENCES meetings (id),
    note                  text NOT NULL DEFAULT '',
    version               bigint NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    deleted_at            timestamptz
);
CREATE INDEX recommendation_events_rec ON recommendation_events (recommendation_id, at);
