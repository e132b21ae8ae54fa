-- Who may do what, as a version (issue #15): every committed change to what a request's caller is made of — a
-- user's account, grants, assignments, the paths of the units they name, a session's revocation — raises
-- access_state.version by one. Each server instance reads it at most once a second and keeps the callers it has
-- loaded for as long as it is unchanged, so a device's poll reads no grants, and a revocation reaches every
-- instance within that second (server/api/cache.go). Keep in step with ../sqlite/0036_access_state.tx.up.sql.
CREATE TABLE access_state (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO access_state (id, version) VALUES (1, 1);

-- Raised once a transaction, when it commits: the triggers are deferred, so the row is locked only at the very
-- end of a transaction (after every other lock it takes: no deadlock can run through it), and a transaction that
-- changes a thousand grants raises the version once.
CREATE FUNCTION access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('chibo.access_changed', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('chibo.access_changed', txid_current()::text, true);
        UPDATE access_state SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

-- Only the columns a caller is made of (server/store.LoadSession, WorkCommunes): a login's bookkeeping
-- (failed_logins, last_login_at), a token's use or an assignment's acknowledgement changes nobody's rights.
CREATE CONSTRAINT TRIGGER users_access AFTER UPDATE OF username, active, locale, must_change_password, deleted_at
    OR DELETE ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changed();
CREATE CONSTRAINT TRIGGER role_grants_access AFTER INSERT OR UPDATE OR DELETE ON role_grants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changed();
CREATE CONSTRAINT TRIGGER assignments_access AFTER INSERT
    OR UPDATE OF official_id, cell_id, status, ends_on, form, deleted_at OR DELETE ON assignments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changed();
CREATE CONSTRAINT TRIGGER org_units_access AFTER UPDATE OF path, kind, deleted_at OR DELETE ON org_units
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changed();
CREATE CONSTRAINT TRIGGER refresh_tokens_access AFTER UPDATE OF revoked_at OR DELETE ON refresh_tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_changed();
