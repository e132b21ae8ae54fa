-- The absentees report (issue #14: it read every attendance row of a province's last 12 months). Keep in step with
-- ../sqlite/0026_absentees_index.tx.up.sql.
--
-- A run of more than three meetings in a row missed with a reason needs at least four such absences: the report
-- first picks the members with four or more in the window from this index (a few percent of the attendance rows),
-- then reads only their rows.
CREATE INDEX attendance_excused ON attendance (meeting_id, member_id) WHERE status = 'excused' AND deleted_at IS NULL;
