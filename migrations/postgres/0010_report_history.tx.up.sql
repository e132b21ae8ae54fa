-- A submitted visit report is locked; changing it takes an explicit reopening with a reason, kept in the report's
-- history (issue #10): change_reason is the reason the official gives, history the server's record of each
-- submission and reopening (who, when, why), a JSON list.
ALTER TABLE visit_reports ADD COLUMN change_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE visit_reports ADD COLUMN history TEXT NOT NULL DEFAULT '';
