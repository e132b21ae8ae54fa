-- Monthly briefings (giao ban), dialogues (đối thoại) and expanded commune party committee meetings are meetings
-- too (issue #12). Keep in step with ../sqlite/0019_meeting_forms.tx.up.sql.

-- A zone (khu, cụm) is a group of a commune's cells whose secretaries meet for the monthly briefing, hosted in
-- rotation by one of its cells. A cell belongs to at most one zone (org_units.zone_id).
CREATE TABLE zones (
    id         uuid PRIMARY KEY,
    commune_id uuid NOT NULL REFERENCES org_units (id),
    name       text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    version    bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX zones_commune ON zones (commune_id, sort_order);
ALTER TABLE org_units ADD COLUMN zone_id uuid REFERENCES zones (id);

-- A meeting's form: a cell's own meeting ('cell'), a monthly briefing of cell secretaries ('briefing'), a dialogue
-- ('dialogue') or an expanded commune party committee meeting ('committee'). For the forms other than 'cell',
-- cell_id is the unit that holds the meeting (the commune); zone_id and host_cell_id say which zone's briefing it is
-- and which cell hosts it; audience says whom a dialogue is with (secretaries, members, citizens).
ALTER TABLE meetings ADD COLUMN form text NOT NULL DEFAULT 'cell';
ALTER TABLE meetings ADD COLUMN zone_id uuid REFERENCES zones (id);
ALTER TABLE meetings ADD COLUMN host_cell_id uuid REFERENCES org_units (id);
ALTER TABLE meetings ADD COLUMN audience text NOT NULL DEFAULT '';
CREATE INDEX meetings_form ON meetings (form, meeting_date);

-- An assignment's form: to attend a cell's meetings ('cell', cell_id a cell) or a commune's expanded party
-- committee meetings ('committee', cell_id the commune).
ALTER TABLE assignments ADD COLUMN form text NOT NULL DEFAULT 'cell';

-- Who took part in a meeting of the other forms, and in which capacity: chair, minute_taker, participant (a cell
-- secretary, a committee member), guest (a provincial official, a citizen). user_id, member_id and cell_id link
-- the person where known; name is what the minutes print.
CREATE TABLE meeting_participants (
    id         uuid PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    role       text NOT NULL DEFAULT 'participant',
    user_id    uuid REFERENCES users (id),
    member_id  uuid REFERENCES members (id),
    cell_id    uuid REFERENCES org_units (id),
    name       text NOT NULL DEFAULT '',
    title      text NOT NULL DEFAULT '',
    present    boolean NOT NULL DEFAULT true,
    version    bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX meeting_participants_meeting ON meeting_participants (meeting_id);

-- What a cell's secretary reports of the cell's month at a briefing: the situation, what was done, the problems and
-- the proposals (tình hình, kết quả, khó khăn, đề xuất).
CREATE TABLE briefing_reports (
    id            uuid PRIMARY KEY,
    meeting_id    uuid NOT NULL REFERENCES meetings (id),
    cell_id       uuid NOT NULL REFERENCES org_units (id),
    reporter_name text NOT NULL DEFAULT '',
    situation     text NOT NULL DEFAULT '',
    done          text NOT NULL DEFAULT '',
    problems      text NOT NULL DEFAULT '',
    proposals     text NOT NULL DEFAULT '',
    version       bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX briefing_reports_meeting ON briefing_reports (meeting_id, cell_id);
CREATE INDEX briefing_reports_cell ON briefing_reports (cell_id);

-- A question raised at a dialogue and the explanation given (giải trình); recommendation_id is the
-- recommendation it became, if it did.
CREATE TABLE dialogue_questions (
    id                uuid PRIMARY KEY,
    meeting_id        uuid NOT NULL REFERENCES meetings (id),
    sort_order        integer NOT NULL DEFAULT 0,
    asker_name        text NOT NULL DEFAULT '',
    asker_cell_id     uuid REFERENCES org_units (id),
    question          text NOT NULL,
    explanation       text NOT NULL DEFAULT '',
    explained_by      text NOT NULL DEFAULT '',
    recommendation_id uuid REFERENCES recommendations (id),
    version           bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    deleted_at        timestamptz
);
CREATE INDEX dialogue_questions_meeting ON dialogue_questions (meeting_id, sort_order);
