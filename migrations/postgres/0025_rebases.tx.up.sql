-- Failover without a new epoch (issue #14). Keep in step with ../sqlite/0025_rebases.tx.up.sql.
--
-- When the PostgreSQL database moves to a new timeline of the same cluster (a standby promoted by a failover, or a
-- point-in-time restore of a physical backup), the server keeps the epoch and moves sync_state.tx_offset so that new
-- versions start at base, far above every version the old timeline could have handed out. Versions in
-- (floor, base) were issued, if at all, by transactions the database no longer holds: a device that was sent one of
-- them is reset (sync/changelog/timeline.go, sync/engine/pull.go). One row per such move, never updated.
CREATE TABLE sync_rebases (
    id          bigserial PRIMARY KEY,
    floor       bigint NOT NULL,
    base        bigint NOT NULL CHECK (base > floor),
    old_system  text NOT NULL,
    new_system  text NOT NULL,
    created_at  timestamptz NOT NULL
);
