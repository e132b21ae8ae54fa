-- An administrator can make a user choose a new password at the next login (issue #9).
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
