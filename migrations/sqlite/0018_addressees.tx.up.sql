-- Recommendations reach the bodies that must act (issue #12). Keep in step with ../postgres/0018_addressees.tx.up.sql.

-- The directory of addressees (địa chỉ nhận kiến nghị) of a province: party units and committees, government
-- bodies at each level (UBND, HĐND and their offices, provincial departments), the Fatherland Front and the mass
-- organisations, the police, and the enterprises that answer (Điện lực, cấp nước). kind and level are codes (see
-- domain.AddresseeKind, domain.AddresseeLevel); parent_id is the body above (where a matter beyond a body's
-- competence goes up to); org_unit_id is the party unit the body sits at (the commune of a UBND xã), or the party
-- unit itself. aliases are other names officials write ("UBND xã", "Ủy ban xã"), one per line, for matching.
-- Synced as reference data of its province, so a device matches a typed addressee offline.
CREATE TABLE addressees (
    id          TEXT PRIMARY KEY,
    province_id TEXT REFERENCES org_units (id),
    parent_id   TEXT REFERENCES addressees (id),
    org_unit_id TEXT REFERENCES org_units (id),
    kind        TEXT NOT NULL,
    level       TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    name_fold   TEXT NOT NULL DEFAULT '',
    aliases     TEXT NOT NULL DEFAULT '',
    active_from DATE,
    active_to   DATE,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE INDEX addressees_province ON addressees (province_id, level, sort_order);
CREATE INDEX addressees_unit ON addressees (org_unit_id);
CREATE INDEX addressees_parent ON addressees (parent_id);

-- The responders of an addressee: users (holding the responder role) who receive what is forwarded to it and
-- answer in writing for it. Not synced.
CREATE TABLE addressee_responders (
    id           TEXT PRIMARY KEY,
    addressee_id TEXT NOT NULL REFERENCES addressees (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX addressee_responders_pair ON addressee_responders (addressee_id, user_id);
CREATE INDEX addressee_responders_user ON addressee_responders (user_id);

-- A recommendation's addressee in the directory (addressee_org_unit_id stays for those forwarded to a party unit
-- before the directory); the standing committee's direction (chỉ đạo); the secretary's confirmation on the ground
-- that the matter is settled; the briefing it is to be announced at.
ALTER TABLE recommendations ADD COLUMN addressee_id TEXT REFERENCES addressees (id);
ALTER TABLE recommendations ADD COLUMN direction TEXT NOT NULL DEFAULT '';
ALTER TABLE recommendations ADD COLUMN directed_at TIMESTAMP;
ALTER TABLE recommendations ADD COLUMN directed_by TEXT REFERENCES users (id);
ALTER TABLE recommendations ADD COLUMN confirmed_at TIMESTAMP;
ALTER TABLE recommendations ADD COLUMN confirmed_by TEXT REFERENCES users (id);
ALTER TABLE recommendations ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
CREATE INDEX recommendations_directory_addressee ON recommendations (addressee_id, status);

-- A written answer is a document: its number and DATE (văn bản số … ngày …), the directory body it answers for,
-- and whether it says the matter is beyond the body's competence (thuộc thẩm quyền cấp trên).
ALTER TABLE recommendation_answers ADD COLUMN addressee_id TEXT REFERENCES addressees (id);
ALTER TABLE recommendation_answers ADD COLUMN doc_number TEXT NOT NULL DEFAULT '';
ALTER TABLE recommendation_answers ADD COLUMN doc_date DATE;
ALTER TABLE recommendation_answers ADD COLUMN beyond_competence BOOLEAN NOT NULL DEFAULT false;

-- A step's directory addressee and document.
ALTER TABLE recommendation_events ADD COLUMN addressee_id TEXT REFERENCES addressees (id);
ALTER TABLE recommendation_events ADD COLUMN doc_number TEXT NOT NULL DEFAULT '';
ALTER TABLE recommendation_events ADD COLUMN doc_date DATE;
