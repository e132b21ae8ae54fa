-- Failover without a new epoch (issue #14). Keep in step with ../postgres/0025_rebases.tx.up.sql.
--
-- When the PostgreSQL database moves to a new timeline of the same cluster (a standby promoted by a failover, or a
-- point-in-time restore of a physical backup), the server keeps the epoch and moves sync_state.tx_offset so that new
-- versions start at base, far above every version the old timeline could have handed out. Versions in
-- (floor, base) were issued, if at all, by transactions the database no longer holds: a device that was sent one of
-- them is reset (sync/changelog/timeline.go, sync/engine/pull.go). SQLite has no timelines: the table stays empty,
-- and exists so both dialects have the same schema.
CREATE TABLE sync_rebases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    floor       INTEGER NOT NULL,
    base        INTEGER NOT NULL CHECK (base > floor),
    old_system  TEXT NOT NULL,
    new_system  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
