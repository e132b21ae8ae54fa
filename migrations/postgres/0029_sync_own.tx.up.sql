-- Protocol 2 sends no device back the rows it wrote itself (issue #15). Keep in step with
-- ../sqlite/0029_sync_own.tx.up.sql.
--
-- origin is the client_id of the device whose push wrote this change and was told in its answer what the row
-- became (the push result's "own"): that device's pulls skip the change. own keeps that answer for a resent push.
ALTER TABLE sync_changes ADD COLUMN origin text;
ALTER TABLE sync_results ADD COLUMN own text NOT NULL DEFAULT '';
