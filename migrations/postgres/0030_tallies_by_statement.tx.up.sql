-- Attendance tallies by statement (issue #15): the row trigger of migration 0006 upserted a meeting's tally once per
-- attendance row, so a report of 500 marks wrote the same tally row 500 times. These statement triggers read the
-- statement's rows from its transition tables and write each meeting's tally once. The tallies are the same (a test
-- recomputes them: store.CheckMeetingTallies). SQLite has no statement triggers: it keeps the row trigger.
DROP TRIGGER attendance_tally ON attendance;

CREATE FUNCTION meeting_tallies_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO meeting_tallies AS t (meeting_id, present, excused, unexcused, recorded)
    SELECT meeting_id, count(*) FILTER (WHERE status = 'present'), count(*) FILTER (WHERE status = 'excused'),
           count(*) FILTER (WHERE status = 'unexcused'), count(*)
    FROM new_rows WHERE deleted_at IS NULL GROUP BY meeting_id
    ON CONFLICT (meeting_id) DO UPDATE SET
        present = t.present + EXCLUDED.present, excused = t.excused + EXCLUDED.excused,
        unexcused = t.unexcused + EXCLUDED.unexcused, recorded = t.recorded + EXCLUDED.recorded;
    RETURN NULL;
END;
$$;

CREATE FUNCTION meeting_tallies_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The rows before leave their tally, the rows after join theirs; meetings whose counts do not change (a
    -- reason edited) are not written.
    INSERT INTO meeting_tallies AS t (meeting_id, present, excused, unexcused, recorded)
    SELECT meeting_id, COALESCE(sum(n) FILTER (WHERE status = 'present'), 0),
           COALESCE(sum(n) FILTER (WHERE status = 'excused'), 0),
           COALESCE(sum(n) FILTER (WHERE status = 'unexcused'), 0), sum(n)
    FROM (SELECT meeting_id, status, -1 AS n FROM old_rows WHERE deleted_at IS NULL
          UNION ALL
          SELECT meeting_id, status, 1 FROM new_rows WHERE deleted_at IS NULL) d
    GROUP BY meeting_id
    HAVING COALESCE(sum(n) FILTER (WHERE status = 'present'), 0) <> 0
        OR COALESCE(sum(n) FILTER (WHERE status = 'excused'), 0) <> 0
        OR COALESCE(sum(n) FILTER (WHERE status = 'unexcused'), 0) <> 0
    ON CONFLICT (meeting_id) DO UPDATE SET
        present = t.present + EXCLUDED.present, excused = t.excused + EXCLUDED.excused,
        unexcused = t.unexcused + EXCLUDED.unexcused, recorded = t.recorded + EXCLUDED.recorded;
    RETURN NULL;
END;
$$;

CREATE FUNCTION meeting_tallies_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO meeting_tallies AS t (meeting_id, present, excused, unexcused, recorded)
    SELECT meeting_id, -count(*) FILTER (WHERE status = 'present'), -count(*) FILTER (WHERE status = 'excused'),
           -count(*) FILTER (WHERE status = 'unexcused'), -count(*)
    FROM old_rows WHERE deleted_at IS NULL GROUP BY meeting_id
    ON CONFLICT (meeting_id) DO UPDATE SET
        present = t.present + EXCLUDED.present, excused = t.excused + EXCLUDED.excused,
        unexcused = t.unexcused + EXCLUDED.unexcused, recorded = t.recorded + EXCLUDED.recorded;
    RETURN NULL;
END;
$$;

CREATE TRIGGER attendance_tally_insert AFTER INSERT ON attendance
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_insert();
CREATE TRIGGER attendance_tally_update AFTER UPDATE ON attendance
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_update();
CREATE TRIGGER attendance_tally_delete AFTER DELETE ON attendance
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_delete();
