-- Monthly briefings (giao ban), dialogues (đối thoại) and expanded commune party committee meetings are meetings
-- too (issue #12). Keep in step with ../postgres/0019_meeting_forms.tx.up.sql.

-- A zone (khu, cụm) is a group of a commune's cells whose secretaries meet for the monthly briefing, hosted in
-- rotation by one of its cells. A cell belongs to at most one zone (org_units.zone_id).
CREATE TABLE zones (
    id         TEXT PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES org_units (id),
    name       TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX zones_commune ON zones (commune_id, sort_order);
ALTER TABLE org_units ADD COLUMN zone_id TEXT REFERENCES zones (id);

-- A meeting's form: a cell's own meeting ('cell'), a monthly briefing of cell secretaries ('briefing'), a dialogue
-- ('dialogue') or an expanded commune party committee meeting ('committee'). For the forms other than 'cell',
-- cell_id is the unit that holds the meeting (the commune); zone_id and host_cell_id say which zone's briefing it is
-- and which cell hosts it; audience says whom a dialogue is with (secretaries, members, citizens).
ALTER TABLE meetings ADD COLUMN form TEXT NOT NULL DEFAULT 'cell';
ALTER TABLE meetings ADD COLUMN zone_id TEXT REFERENCES zones (id);
ALTER TABLE meetings ADD COLUMN host_cell_id TEXT REFERENCES org_units (id);
ALTER TABLE meetings ADD COLUMN audience TEXT NOT NULL DEFAULT '';
CREATE INDEX meetings_form ON meetings (form, meeting_date);

-- An assignment's form: to attend a cell's meetings ('cell', cell_id a cell) or a commune's expanded party
-- committee meetings ('committee', cell_id the commune).
ALTER TABLE assignments ADD COLUMN form TEXT NOT NULL DEFAULT 'cell';

-- Who took part in a meeting of the other forms, and in which capacity: chair, minute_taker, participant (a cell
-- secretary, a committee member), guest (a provincial official, a citizen). user_id, member_id and cell_id link
-- the person where known; name is what the minutes print.
CREATE TABLE meeting_participants (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    role       TEXT NOT NULL DEFAULT 'participant',
    user_id    TEXT REFERENCES users (id),
    member_id  TEXT REFERENCES members (id),
    cell_id    TEXT REFERENCES org_units (id),
    name       TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    present    BOOLEAN NOT NULL DEFAULT true,
    version    INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX meeting_participants_meeting ON meeting_participants (meeting_id);

-- What a cell's secretary reports of the cell's month at a briefing: the situation, what was done, the problems and
-- the proposals (tình hình, kết quả, khó khăn, đề xuất).
CREATE TABLE briefing_reports (
    id            TEXT PRIMARY KEY,
    meeting_id    TEXT NOT NULL REFERENCES meetings (id),
    cell_id       TEXT NOT NULL REFERENCES org_units (id),
    reporter_name TEXT NOT NULL DEFAULT '',
    situation     TEXT NOT NULL DEFAULT '',
    done          TEXT NOT NULL DEFAULT '',
    problems      TEXT NOT NULL DEFAULT '',
    proposals     TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP
);
CREATE INDEX briefing_reports_meeting ON briefing_reports (meeting_id, cell_id);
CREATE INDEX briefing_reports_cell ON briefing_reports (cell_id);

-- A question raised at a dialogue and the explanation given (giải trình); recommendation_id is the
-- recommendation it became, if it did.
CREATE TABLE dialogue_questions (
    id                TEXT PRIMARY KEY,
    meeting_id        TEXT NOT NULL REFERENCES meetings (id),
    sort_order        INTEGER NOT NULL DEFAULT 0,
    asker_name        TEXT NOT NULL DEFAULT '',
    asker_cell_id     TEXT REFERENCES org_units (id),
    question          TEXT NOT NULL,
    explanation       TEXT NOT NULL DEFAULT '',
    explained_by      TEXT NOT NULL DEFAULT '',
    recommendation_id TEXT REFERENCES recommendations (id),
    version           INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP
);
CREATE INDEX dialogue_questions_meeting ON dialogue_questions (meeting_id, sort_order);
