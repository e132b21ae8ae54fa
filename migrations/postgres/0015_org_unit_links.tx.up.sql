-- The 2025 reform's merges and splits (issue #11): each row links a unit that closed to a unit that carried on its
-- members and work, from a day (the first day the successor answers for them). A merge links every predecessor to
-- one successor, a split one predecessor to every part. Not synced: devices see the moved rows themselves.
CREATE TABLE org_unit_links (
    id             uuid PRIMARY KEY,
    predecessor_id uuid NOT NULL REFERENCES org_units (id),
    successor_id   uuid NOT NULL REFERENCES org_units (id),
    kind           text NOT NULL CHECK (kind IN ('merge', 'split')),
    on_date        date NOT NULL,
    created_at     timestamptz NOT NULL,
    CHECK (predecessor_id <> successor_id)
);
CREATE UNIQUE INDEX org_unit_links_pair ON org_unit_links (predecessor_id, successor_id);
CREATE INDEX org_unit_links_successor ON org_unit_links (successor_id);
