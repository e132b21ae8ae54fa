-- Province reads from indexes alone (issue #14). Keep in step with ../sqlite/0028_covering_indexes.tx.up.sql.
--
-- meetings_date_cover (migration 0006) stopped covering coverage's meeting reads when meetings got their form
-- (migration 0019): every read filters on it, so each of a province-year's 16,000 meetings was fetched from the
-- table. It is rebuilt with the form. attendance_member_cover gives the absentees report a member's rows (which
-- meeting, present or not, the reason) without the table's pages: 22,000 rows of 1,400 members in 12 ms instead of
-- 4,200 pages in 25 ms on the drill's province.
DROP INDEX meetings_date_cover;
CREATE INDEX meetings_date_cover ON meetings (meeting_date) INCLUDE (id, cell_id, form, type, status, members_total, members_exempt)
    WHERE deleted_at IS NULL;
CREATE INDEX attendance_member_cover ON attendance (member_id) INCLUDE (meeting_id, status, reason) WHERE deleted_at IS NULL;
