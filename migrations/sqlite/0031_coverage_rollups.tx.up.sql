-- Coverage rollups (issue #15). Keep in step with ../postgres/0031_coverage_rollups.tx.up.sql, which explains them:
-- the figures of the cells of one parent unit over a period, kept as one row, true while the parent's generation
-- (bumped by every rebuild of one of its cells' months, through the trigger below) and its number of cells are
-- those it was computed at.
CREATE TABLE coverage_parents (
    unit_id   text PRIMARY KEY,
    gen       integer NOT NULL,
    bumped_tx integer -- PostgreSQL's once-a-transaction marker; SQLite bumps on every rebuilt cell
);

CREATE TABLE coverage_rollups (
    unit_id    text NOT NULL,
    from_month DATE NOT NULL,
    to_month   DATE NOT NULL,
    gen        integer NOT NULL,
    cells      integer NOT NULL,
    algo       integer NOT NULL,
    figures    text NOT NULL,
    PRIMARY KEY (unit_id, from_month, to_month)
);

CREATE TRIGGER coverage_cells_built AFTER UPDATE OF built_stamp, built_algo, from_month, to_month ON coverage_cells
BEGIN
    INSERT INTO coverage_parents (unit_id, gen)
    SELECT parent_id, 1 FROM org_units WHERE id = NEW.cell_id AND parent_id IS NOT NULL
    ON CONFLICT (unit_id) DO UPDATE SET gen = gen + 1;
END;
