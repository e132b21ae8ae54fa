-- Coverage summary (issue #6): each cell's coverage figures month by month, so that coverage over a province reads
-- one row per cell and month. Keep in step with ../postgres/0007_coverage_summary.tx.up.sql, which explains the
-- stamp: every write that can change a cell's figures bumps coverage_cells.stamp in the same transaction, through
-- the triggers below; a reader recomputes the months of cells whose built_stamp is behind before it sums.

CREATE TABLE coverage_cells (
    cell_id     text PRIMARY KEY,
    stamp       integer NOT NULL DEFAULT 1,
    built_stamp integer NOT NULL DEFAULT 0,
    built_algo  integer NOT NULL DEFAULT 0,
    from_month  DATE,
    to_month    DATE,
    bumped_tx   integer -- PostgreSQL's once-a-transaction marker; SQLite bumps on every write
);

CREATE TABLE coverage_months (
    cell_id      text NOT NULL,
    month        DATE NOT NULL,
    path         text NOT NULL,
    opened_on    DATE,
    closed_on    DATE,
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
) WITHOUT ROWID;
CREATE INDEX coverage_months_month_path ON coverage_months (month, path);

CREATE TRIGGER meetings_coverage_insert AFTER INSERT ON meetings
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER meetings_coverage_update AFTER UPDATE ON meetings
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER meetings_coverage_delete AFTER DELETE ON meetings
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
END;

CREATE TRIGGER assignments_coverage_insert AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER assignments_coverage_update AFTER UPDATE ON assignments
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER assignments_coverage_delete AFTER DELETE ON assignments
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
END;

CREATE TRIGGER visit_reports_coverage_insert AFTER INSERT ON visit_reports
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = NEW.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = NEW.meeting_id);
END;

CREATE TRIGGER visit_reports_coverage_update AFTER UPDATE ON visit_reports
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = OLD.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = OLD.meeting_id);
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = NEW.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = NEW.meeting_id);
END;

CREATE TRIGGER visit_reports_coverage_delete AFTER DELETE ON visit_reports
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = OLD.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = OLD.meeting_id);
END;

CREATE TRIGGER meeting_tallies_coverage_insert AFTER INSERT ON meeting_tallies
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = NEW.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = NEW.meeting_id);
END;

CREATE TRIGGER meeting_tallies_coverage_update AFTER UPDATE ON meeting_tallies
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = OLD.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = OLD.meeting_id);
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = NEW.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = NEW.meeting_id);
END;

CREATE TRIGGER meeting_tallies_coverage_delete AFTER DELETE ON meeting_tallies
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES ((SELECT cell_id FROM meetings WHERE id = OLD.meeting_id), 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = (SELECT cell_id FROM meetings WHERE id = OLD.meeting_id);
END;

CREATE TRIGGER org_units_coverage_insert AFTER INSERT ON org_units WHEN NEW.kind = 'cell'
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.id;
END;

CREATE TRIGGER org_units_coverage_update AFTER UPDATE ON org_units WHEN OLD.kind = 'cell' OR NEW.kind = 'cell'
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.id;
    DELETE FROM coverage_months WHERE cell_id = NEW.id;
END;

CREATE TRIGGER org_units_coverage_delete AFTER DELETE ON org_units WHEN OLD.kind = 'cell'
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.id;
    DELETE FROM coverage_months WHERE cell_id = OLD.id;
END;

CREATE TRIGGER schedule_rules_coverage_insert AFTER INSERT ON schedule_rules
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) SELECT id, 0 FROM (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = NEW.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id IN (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = NEW.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
END;

CREATE TRIGGER schedule_rules_coverage_update AFTER UPDATE ON schedule_rules
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) SELECT id, 0 FROM (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = OLD.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id IN (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = OLD.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) SELECT id, 0 FROM (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = NEW.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id IN (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = NEW.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
END;

CREATE TRIGGER schedule_rules_coverage_delete AFTER DELETE ON schedule_rules
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) SELECT id, 0 FROM (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = OLD.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id IN (SELECT c.id FROM org_units AS c, org_units AS u WHERE u.id = OLD.org_unit_id AND c.kind = 'cell'
        AND c.path >= u.path AND c.path < rtrim(u.path, '/') || '0');
END;

-- Every cell has its state row from here on (the triggers add the rows of new cells); its months are built on
-- the first read or by the planner.
INSERT INTO coverage_cells (cell_id, stamp) SELECT id, 1 FROM org_units WHERE kind = 'cell';
