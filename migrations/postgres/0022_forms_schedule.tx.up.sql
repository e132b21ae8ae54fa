-- The schedules of the commune's meetings of the other forms (issue #12): the window of the monthly briefing of the
-- cell secretaries (giao ban, "từ ngày mồng 5 đến mồng 10") and the day of the expanded party committee meeting
-- (0: no fixed day, any day of the month). Keep in step with the other dialect's 0022_forms_schedule.tx.up.sql.
ALTER TABLE schedule_rules ADD COLUMN briefing_from integer NOT NULL DEFAULT 5;
ALTER TABLE schedule_rules ADD COLUMN briefing_to integer NOT NULL DEFAULT 10;
ALTER TABLE schedule_rules ADD COLUMN committee_day integer NOT NULL DEFAULT 0;
