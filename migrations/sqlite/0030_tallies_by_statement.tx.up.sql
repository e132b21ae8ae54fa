-- Attendance tallies by statement (issue #15), in step with ../postgres/0030_tallies_by_statement.tx.up.sql:
-- PostgreSQL writes each meeting's tally once per statement from its transition tables. SQLite has no statement
-- triggers nor transition tables; it keeps the row trigger of migration 0006, which costs it little (one process,
-- no round trips). Nothing changes here.
SELECT 1;
