-- The officials' tallies (issue #14: a province's tally for a year read every meeting, report and assignment of it,
-- 300 ms alone and 900 ms at the 99th percentile under load). Keep in step with ../postgres/0027_coverage_visits.tx.up.sql.
--
-- Beside each cell's months (coverage_months), the summary keeps each assigned official's visits of the cell: one
-- row per expected meeting and official, with its outcome as store.visitOf decides it. The rows are rebuilt with the
-- cell's months, under the same stamp (migration 0007), so they are current exactly when the months are. What
-- depends on the day of the read (a report is overdue once its due date has passed) is kept as the due date and
-- whether the report is still owed (pending), and decided by the reader. A reader finds the cells under a unit
-- through org_units, so a row carries no path that a move could leave stale.
CREATE TABLE coverage_visits (
    cell_id      text NOT NULL,
    official_id  text NOT NULL,
    meeting_id   text,
    day          DATE NOT NULL,
    due          DATE NOT NULL,
    w12          integer NOT NULL,
    visited      integer NOT NULL,
    reported     integer NOT NULL,
    timely       integer NOT NULL,
    verified     integer NOT NULL,
    clash        integer NOT NULL,
    unconfirmed  integer NOT NULL,
    pending      integer NOT NULL
);
CREATE INDEX coverage_visits_cell ON coverage_visits (cell_id, day);
