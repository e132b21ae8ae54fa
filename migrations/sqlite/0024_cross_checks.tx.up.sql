-- Cross-checks of attendance (issue #13). Keep in step with ../postgres/0024_cross_checks.tx.up.sql.
--
-- A schedule rule says when its cells usually meet and for how long (the planned interval of a meeting whose
-- minutes record no times), and how far a check-in may be from the cell's position.
ALTER TABLE schedule_rules ADD COLUMN meets_at text NOT NULL DEFAULT '19:30';
ALTER TABLE schedule_rules ADD COLUMN meeting_minutes integer NOT NULL DEFAULT 120;
ALTER TABLE schedule_rules ADD COLUMN location_radius_m integer NOT NULL DEFAULT 500;
ALTER TABLE schedule_rules ADD COLUMN location_required boolean NOT NULL DEFAULT false;

-- visit_checks holds, for every live visit report (an official at a meeting), the outcome of the cross-checks:
-- the secretary's word, the check-in's distance from the cell's position, whether the visit clashes with another of
-- the official's visits, and whether it is verified. It is derived data, never synced: the server recomputes the
-- rows of an official's day in the same transaction as any write they depend on (store.RefreshChecks), and
-- store.CheckVisitChecks compares the table with a recomputation. Its triggers bump the coverage stamp of the
-- cell whose row changed (migration 0007), so the coverage summary's verified figures follow.
CREATE TABLE visit_checks (
    meeting_id    text NOT NULL,
    official_id   text NOT NULL,
    cell_id       text NOT NULL,
    meeting_date  DATE NOT NULL,
    confirmation  text NOT NULL DEFAULT '',
    distance_m    integer,
    clash         boolean NOT NULL DEFAULT false,
    verified      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (meeting_id, official_id)
);
CREATE INDEX visit_checks_official ON visit_checks (official_id, meeting_date);
CREATE INDEX visit_checks_cell ON visit_checks (cell_id, meeting_date);

CREATE TRIGGER visit_checks_coverage_insert AFTER INSERT ON visit_checks
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER visit_checks_coverage_update AFTER UPDATE ON visit_checks
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (NEW.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = NEW.cell_id;
END;

CREATE TRIGGER visit_checks_coverage_delete AFTER DELETE ON visit_checks
BEGIN
    INSERT OR IGNORE INTO coverage_cells (cell_id, stamp) VALUES (OLD.cell_id, 0);
    UPDATE coverage_cells SET stamp = stamp + 1 WHERE cell_id = OLD.cell_id;
END;

-- The summary's months count the verified visits (store.coverageAlgo is raised, so every cell is rebuilt).
ALTER TABLE coverage_months ADD COLUMN c_verified integer NOT NULL DEFAULT 0;
ALTER TABLE coverage_months ADD COLUMN m_verified integer NOT NULL DEFAULT 0;
