-- Coverage rollups (issue #15: eight provinces on one server, every province's coverage in under a second). Keep in
-- step with ../sqlite/0031_coverage_rollups.tx.up.sql.
--
-- A province's report summed its 10,000 cells' months (coverage_months) on every read: 120,000 rows for a year,
-- 150 ms alone, and on a server holding eight provinces a scan of all of them. Now the figures of the cells of one
-- parent unit (a commune, most often) over a period are kept as one row (coverage_rollups), computed by the server
-- from the cells' months (store.coverageFromSummary), never by SQL here. A province's read then sums its hundred
-- communes' rows; a rebuild of a cell's months carries its commune's rows over (store.carryRollups), and a row it
-- cannot carry is computed again by the next read.
--
-- What keeps a rollup true is its parent's generation (coverage_parents.gen): every rebuild of a cell's months sets
-- the cell's built_* columns in coverage_cells, and the trigger below bumps the generation of the cell's parent in
-- the same transaction, whichever server version rebuilt it (the server also bumps it first itself, its parents in
-- the order of their ids, so that two rebuilds never wait for each other in a cycle; bumped_tx makes that one bump
-- a transaction). A rollup holds the generation it was computed at, read before the months were, and the number of
-- the parent's cells then (a cell leaving the parent, or deleted, drops its months without a rebuild: migration
-- 0007). It is used only while both still hold, and only once every cell under the unit read is current.
CREATE TABLE coverage_parents (
    unit_id   uuid PRIMARY KEY,
    gen       bigint NOT NULL,
    bumped_tx bigint
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

CREATE FUNCTION coverage_track_built() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_parents AS p (unit_id, gen, bumped_tx)
    SELECT parent_id, 1, txid_current() FROM org_units WHERE id = NEW.cell_id AND parent_id IS NOT NULL
    ON CONFLICT (unit_id) DO UPDATE SET gen = p.gen + 1, bumped_tx = EXCLUDED.bumped_tx
    WHERE p.bumped_tx IS DISTINCT FROM EXCLUDED.bumped_tx;
    RETURN NULL;
END;
$$;

CREATE TRIGGER coverage_cells_built AFTER UPDATE OF built_stamp, built_algo, from_month, to_month ON coverage_cells
    FOR EACH ROW EXECUTE FUNCTION coverage_track_built();
