-- One change-log entry for many rows (issue #15): see ../postgres/0035_sync_change_groups.tx.up.sql. SQLite does
-- not compress values; only the column is added.
ALTER TABLE sync_changes ADD COLUMN row_ids text;
