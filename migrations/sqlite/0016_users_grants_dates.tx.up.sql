-- Issue #11, users and role grants: a grant holds from and to a day (both optional: from its creation, with no
-- end), an assignment records the standing-committee decision that made it (number and date), and the audit log
-- is read by period.
ALTER TABLE role_grants ADD COLUMN valid_from DATE;
ALTER TABLE role_grants ADD COLUMN valid_to DATE;
ALTER TABLE assignments ADD COLUMN decision_number TEXT NOT NULL DEFAULT '';
ALTER TABLE assignments ADD COLUMN decision_date DATE;
CREATE INDEX audit_log_at ON audit_log (at, id);
