-- Coverage (issue #6): each meeting's attendance tally, kept by triggers in the same transaction as every write to
-- attendance (whatever writes it: the API, sync, imports, the demo generator), so coverage over a province sums
-- one row per meeting instead of every member's row. Keep in step with ../sqlite/0006_coverage.tx.up.sql.
-- A test recomputes the tallies from attendance and compares (store.CheckMeetingTallies).

CREATE TABLE meeting_tallies (
    meeting_id uuid PRIMARY KEY,
    present    integer NOT NULL DEFAULT 0,
    excused    integer NOT NULL DEFAULT 0,
    unexcused  integer NOT NULL DEFAULT 0,
    recorded   integer NOT NULL DEFAULT 0
);

CREATE FUNCTION meeting_tallies_apply(mid uuid, st text, n integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO meeting_tallies AS t (meeting_id, present, excused, unexcused, recorded)
    VALUES (mid,
            CASE WHEN st = 'present' THEN n ELSE 0 END,
            CASE WHEN st = 'excused' THEN n ELSE 0 END,
            CASE WHEN st = 'unexcused' THEN n ELSE 0 END,
            n)
    ON CONFLICT (meeting_id) DO UPDATE SET
        present   = t.present + EXCLUDED.present,
        excused   = t.excused + EXCLUDED.excused,
        unexcused = t.unexcused + EXCLUDED.unexcused,
        recorded  = t.recorded + EXCLUDED.recorded;
END;
$$;

CREATE FUNCTION meeting_tallies_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        PERFORM meeting_tallies_apply(OLD.meeting_id, OLD.status, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        PERFORM meeting_tallies_apply(NEW.meeting_id, NEW.status, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER attendance_tally AFTER INSERT OR UPDATE OF meeting_id, status, deleted_at OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION meeting_tallies_track();

INSERT INTO meeting_tallies (meeting_id, present, excused, unexcused, recorded)
SELECT meeting_id,
       COUNT(*) FILTER (WHERE status = 'present'),
       COUNT(*) FILTER (WHERE status = 'excused'),
       COUNT(*) FILTER (WHERE status = 'unexcused'),
       COUNT(*)
FROM attendance WHERE deleted_at IS NULL GROUP BY meeting_id;

-- Coverage reads a period's meetings and their visit reports for a whole province; covering indexes let it do so
-- from the indexes alone (a province-month is 15,000 meetings scattered over as many pages).
CREATE INDEX meetings_date_cover ON meetings (meeting_date) INCLUDE (id, cell_id, type, status, members_total, members_exempt)
    WHERE deleted_at IS NULL;
CREATE INDEX visit_reports_meeting_cover ON visit_reports (meeting_id)
    INCLUDE (official_id, status, checked_in_at, submitted_at, grade) WHERE deleted_at IS NULL;
