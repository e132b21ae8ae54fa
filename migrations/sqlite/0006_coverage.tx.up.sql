-- Coverage (issue #6): each meeting's attendance tally, kept by triggers in the same transaction as every write to
-- attendance (whatever writes it: the API, sync, imports, the demo generator), so coverage over a province sums
-- one row per meeting instead of every member's row. Keep in step with ../postgres/0006_coverage.tx.up.sql.
-- A test recomputes the tallies from attendance and compares (store.CheckMeetingTallies).

CREATE TABLE meeting_tallies (
    meeting_id text PRIMARY KEY,
    present    integer NOT NULL DEFAULT 0,
    excused    integer NOT NULL DEFAULT 0,
    unexcused  integer NOT NULL DEFAULT 0,
    recorded   integer NOT NULL DEFAULT 0
);

CREATE TRIGGER attendance_tally_insert AFTER INSERT ON attendance WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT OR IGNORE INTO meeting_tallies (meeting_id) VALUES (NEW.meeting_id);
    UPDATE meeting_tallies SET
        present   = present + (NEW.status = 'present'),
        excused   = excused + (NEW.status = 'excused'),
        unexcused = unexcused + (NEW.status = 'unexcused'),
        recorded  = recorded + 1
    WHERE meeting_id = NEW.meeting_id;
END;

CREATE TRIGGER attendance_tally_update_old AFTER UPDATE OF meeting_id, status, deleted_at ON attendance WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE meeting_tallies SET
        present   = present - (OLD.status = 'present'),
        excused   = excused - (OLD.status = 'excused'),
        unexcused = unexcused - (OLD.status = 'unexcused'),
        recorded  = recorded - 1
    WHERE meeting_id = OLD.meeting_id;
END;

CREATE TRIGGER attendance_tally_update_new AFTER UPDATE OF meeting_id, status, deleted_at ON attendance WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT OR IGNORE INTO meeting_tallies (meeting_id) VALUES (NEW.meeting_id);
    UPDATE meeting_tallies SET
        present   = present + (NEW.status = 'present'),
        excused   = excused + (NEW.status = 'excused'),
        unexcused = unexcused + (NEW.status = 'unexcused'),
        recorded  = recorded + 1
    WHERE meeting_id = NEW.meeting_id;
END;

CREATE TRIGGER attendance_tally_delete AFTER DELETE ON attendance WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE meeting_tallies SET
        present   = present - (OLD.status = 'present'),
        excused   = excused - (OLD.status = 'excused'),
        unexcused = unexcused - (OLD.status = 'unexcused'),
        recorded  = recorded - 1
    WHERE meeting_id = OLD.meeting_id;
END;

INSERT INTO meeting_tallies (meeting_id, present, excused, unexcused, recorded)
SELECT meeting_id,
       SUM(status = 'present'),
       SUM(status = 'excused'),
       SUM(status = 'unexcused'),
       COUNT(*)
FROM attendance WHERE deleted_at IS NULL GROUP BY meeting_id;

-- Coverage reads a period's meetings and their visit reports for a whole province; covering indexes let it do so
-- from the indexes alone.
CREATE INDEX meetings_date_cover ON meetings (meeting_date, id, cell_id, type, status, members_total, members_exempt)
    WHERE deleted_at IS NULL;
CREATE INDEX visit_reports_meeting_cover ON visit_reports (meeting_id, official_id, status, checked_in_at, submitted_at, grade)
    WHERE deleted_at IS NULL;
