-- Who may do what, as a version (issue #15): see ../postgres/0036_access_state.tx.up.sql. SQLite has one writer
-- at a time and no deferred triggers: each changed row raises the version as it is written.
CREATE TABLE access_state (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO access_state (id, version) VALUES (1, 1);

CREATE TRIGGER users_access_update AFTER UPDATE OF username, active, locale, must_change_password, deleted_at ON users
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER users_access_delete AFTER DELETE ON users
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER role_grants_access_insert AFTER INSERT ON role_grants
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER role_grants_access_update AFTER UPDATE ON role_grants
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER role_grants_access_delete AFTER DELETE ON role_grants
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER assignments_access_insert AFTER INSERT ON assignments
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER assignments_access_update AFTER UPDATE OF official_id, cell_id, status, ends_on, form, deleted_at ON assignments
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER assignments_access_delete AFTER DELETE ON assignments
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER org_units_access_update AFTER UPDATE OF path, kind, deleted_at ON org_units
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER org_units_access_delete AFTER DELETE ON org_units
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER refresh_tokens_access_update AFTER UPDATE OF revoked_at ON refresh_tokens
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER refresh_tokens_access_delete AFTER DELETE ON refresh_tokens
BEGIN
    UPDATE access_state SET version = version + 1 WHERE id = 1;
END;
