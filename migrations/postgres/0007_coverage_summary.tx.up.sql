-- Coverage summary (issue #6): each cell's coverage figures month by month, so that coverage over a province reads
-- one row per cell and month. Keep in step with ../sqlite/0007_coverage_summary.tx.up.sql.
--
-- The figures are computed by the server's own coverage code (store.refreshCoverage), never by SQL here, so they
-- cannot drift from a recomputation. What keeps them true is the stamp: every write that can change a cell's
-- figures (its meetings, their attendance tallies and visit reports, its assignments, the cell itself, a schedule
-- rule above it) bumps coverage_cells.stamp in the same transaction, through the triggers below. A cell's months
-- are current only while built_stamp = stamp; a reader recomputes the others before it sums (see
-- store.CoverageOf). A test checks the summary against a recomputation after writes of every kind.

CREATE TABLE coverage_cells (
    cell_id     uuid PRIMARY KEY,
    stamp       bigint NOT NULL DEFAULT 1,
    built_stamp bigint NOT NULL DEFAULT 0,
    built_algo  integer NOT NULL DEFAULT 0,
    from_month  date,
    to_month    date,
    bumped_tx   bigint
);

CREATE TABLE coverage_months (
    cell_id      uuid NOT NULL,
    month        date NOT NULL,
    path         text NOT NULL,
    opened_on    date,
    closed_on    date,
    c_visits      integer NOT NULL,
    c_w12         integer NOT NULL,
    c_visited     integer NOT NULL,
    c_reported    integer NOT NULL,
    c_timely      integer NOT NULL,
    c_held        integer NOT NULL,
    c_members     integer NOT NULL,
    c_exempt      integer NOT NULL,
    c_present     integer NOT NULL,
    c_unexcused   integer NOT NULL,
    c_tot         integer NOT NULL,
    c_kha         integer NOT NULL,
    c_trung_binh  integer NOT NULL,
    c_kem         integer NOT NULL,
    m_expected    integer NOT NULL,
    m_visited     integer NOT NULL,
    m_reported    integer NOT NULL,
    m_timely      integer NOT NULL,
    m_members     integer NOT NULL,
    m_exempt      integer NOT NULL,
    m_present     integer NOT NULL,
    PRIMARY KEY (cell_id, month)
);
CREATE INDEX coverage_months_month_path ON coverage_months (month, path);

-- coverage_touch bumps a cell's stamp once a transaction (bumped_tx): a sync push writing a meeting's thirty
-- attendance rows bumps it once, which is all a reader needs since the rows commit together.
CREATE FUNCTION coverage_touch(cid uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cid IS NOT NULL THEN
        INSERT INTO coverage_cells AS c (cell_id, bumped_tx) VALUES (cid, txid_current())
        ON CONFLICT (cell_id) DO UPDATE SET stamp = c.stamp + 1, bumped_tx = EXCLUDED.bumped_tx
        WHERE c.bumped_tx IS DISTINCT FROM EXCLUDED.bumped_tx;
    END IF;
END;
$$;

-- coverage_touch_subtree bumps every cell in the subtree of the unit uid (a schedule rule changed there).
CREATE FUNCTION coverage_touch_subtree(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p text;
BEGIN
    SELECT path INTO p FROM org_units WHERE id = uid;
    IF p IS NOT NULL THEN
        INSERT INTO coverage_cells AS c (cell_id, bumped_tx)
        SELECT id, txid_current() FROM org_units WHERE kind = 'cell' AND path >= p AND path < rtrim(p, '/') || '0'
        ON CONFLICT (cell_id) DO UPDATE SET stamp = c.stamp + 1, bumped_tx = EXCLUDED.bumped_tx
        WHERE c.bumped_tx IS DISTINCT FROM EXCLUDED.bumped_tx;
    END IF;
END;
$$;

CREATE FUNCTION coverage_track_cell() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM coverage_touch(OLD.cell_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.cell_id IS DISTINCT FROM OLD.cell_id) THEN
        PERFORM coverage_touch(NEW.cell_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION coverage_track_meeting_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM coverage_touch((SELECT cell_id FROM meetings WHERE id = OLD.meeting_id));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.meeting_id IS DISTINCT FROM OLD.meeting_id) THEN
        PERFORM coverage_touch((SELECT cell_id FROM meetings WHERE id = NEW.meeting_id));
    END IF;
    RETURN NULL;
END;
$$;

-- A change to a cell (its dates, its place in the tree, its kind, its deletion) also drops its months, which carry
-- its path and dates: until rebuilt under its new path, it counts nowhere.
CREATE FUNCTION coverage_track_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'cell' THEN
        PERFORM coverage_touch(OLD.id);
        DELETE FROM coverage_months WHERE cell_id = OLD.id;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.kind = 'cell' OR TG_OP = 'UPDATE' AND NEW.kind = 'cell' AND OLD.kind <> 'cell' THEN
        PERFORM coverage_touch(NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION coverage_track_rule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM coverage_touch_subtree(OLD.org_unit_id);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.org_unit_id IS DISTINCT FROM OLD.org_unit_id THEN
        PERFORM coverage_touch_subtree(NEW.org_unit_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER meetings_coverage AFTER INSERT OR UPDATE OR DELETE ON meetings
    FOR EACH ROW EXECUTE FUNCTION coverage_track_cell();
CREATE TRIGGER assignments_coverage AFTER INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION coverage_track_cell();
CREATE TRIGGER visit_reports_coverage AFTER INSERT OR UPDATE OR DELETE ON visit_reports
    FOR EACH ROW EXECUTE FUNCTION coverage_track_meeting_row();
CREATE TRIGGER meeting_tallies_coverage AFTER INSERT OR UPDATE OR DELETE ON meeting_tallies
    FOR EACH ROW EXECUTE FUNCTION coverage_track_meeting_row();
CREATE TRIGGER org_units_coverage AFTER INSERT OR UPDATE OR DELETE ON org_units
    FOR EACH ROW EXECUTE FUNCTION coverage_track_unit();
CREATE TRIGGER schedule_rules_coverage AFTER INSERT OR UPDATE OR DELETE ON schedule_rules
    FOR EACH ROW EXECUTE FUNCTION coverage_track_rule();

-- Every cell has its state row from here on (the triggers add the rows of new cells); its months are built on
-- the first read or by the planner.
INSERT INTO coverage_cells (cell_id) SELECT id FROM org_units WHERE kind = 'cell';
