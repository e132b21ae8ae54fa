-- Coverage rollups (issue #15: eight provinces on one server, every province's coverage in under a second). Keep in
-- step with ../sqlite/0029_coverage_rollups.tx.up.sql.
--
-- A province's report summed its 10,000 cells' months (coverage_months) on every read: 120,000 rows for a year,
-- 150 ms alone, and on a server holding eight provinces a scan of all of them. Now the figures of the cells of one
-- parent unit (a commune, most often) over a period are kept as one row (coverage_rollups), computed by the server
-- from the cells' months (store.coverageFromSummary), never by SQL here. A province's read then sums its hundred
-- communes' rows, and recomputes only those whose cells changed.
--
-- What keeps a rollup true is its parent's generation: every rebuild of a cell's months bumps the generation of the
-- cell's parent in the same transaction (store.storeCoverage); a rollup holds the generation it was computed at, read
-- before the months were, and the number of the parent's cells then (a cell leaving the parent, or deleted, drops its
-- months without a rebuild). A rollup is used only while both still hold, and only once every cell under the unit
-- read is current (coverage_cells, migration 0007).
CREATE TABLE coverage_parents (
    unit_id uuid PRIMARY KEY,
    gen     bigint NOT NULL
);

CREATE TABLE coverage_rollups (
    unit_id    uuid NOT NULL,
    from_month date NOT NULL,
    to_month   date NOT NULL,
    gen        bigint NOT NULL,
    cells      integer NOT NULL,
    algo       integer NOT NULL,
    figures    text NOT NULL,
    PRIMARY KEY (unit_id, from_month, to_month)
);
