// The conflicts to resolve and the changes the server refused: screens a user opens rarely, loaded when opened and
// precached by the service worker for offline use.
import { useState, useRef } from 'preact/hooks';
import { t, vnDate, vnDateTime } from '../i18n.js';
import { list, get, mutate, rejected, discardRejected, resend } from '../state.js';
import { minutesOf, template, itemLabel, rubric } from '../data.js';
import { draftKey, keepDraft, readDraft, dropDraft } from '../drafts.js';

// What a conflict shows is read the way a person reads the record: labels in words, members by name, dates
// dd/mm/yyyy, statuses in words, scores as a table of the criteria; never JSON.
const HIDDEN = new Set(['id', 'created_at', 'updated_at', 'version', 'deleted_at', 'cell_id', 'meeting_id', 'official_id', 'rubric_id',
  'raised_by', 'score_total', 'grade', 'history', 'visit_report_id', 'field_id', 'addressee_org_unit_id', 'latitude', 'longitude']);
const DATES = new Set(['meeting_date', 'due_on', 'raised_on', 'temp_exempt_until', 'joined_on', 'official_on']);
const TIMES = new Set(['starts_at', 'ends_at', 'checked_in_at', 'submitted_at', 'resolved_at', 'acknowledged_at', 'read_at']);
const MEMBERS = new Set(['member_id', 'chair_member_id', 'secretary_member_id']);

const word = (key, fallback) => {
  const w = t(key);
  return w === key ? fallback : w;
};
export const fieldLabel = (f) => (f === '*' ? t('tr_whole') : word('tr_f_' + f, t('tr_field_other')));

// Value renders one field's value (parsed from the conflict's JSON) for people.
function Value({ table, field, v, other, rubricOf }) {
  if (v == null || v === '') return <span class="muted">{t('tr_empty')}</span>;
  if (field === 'scores' && typeof v === 'object') {
    const crit = rubricOf();
    const name = (code) => crit.find((c) => c.code === code)?.name_vi || t('tr_field_other');
    // Only the criteria the two versions score differently (all of them when there is nothing to compare).
    const o = other && typeof other === 'object' ? other : null;
    const codes = o ? [...new Set([...Object.keys(v), ...Object.keys(o)])].filter((k) => (v[k] || 0) !== (o[k] || 0)) : Object.keys(v);
    const total = Object.values(v).reduce((a, b) => a + (b || 0), 0);
    return (
      <table class="cf-scores">
        <thead><tr><th scope="col">{t('tr_criterion')}</th><th scope="col">{t('tr_points')}</th></tr></thead>
        <tbody>
          {codes.map((code) => <tr key={code}><td>{name(code)}</td><td>{v[code] || 0}</td></tr>)}
          <tr><td><strong>{t('score_total')}</strong></td><td><strong>{total}</strong></td></tr>
        </tbody>
      </table>
    );
  }
  if (field === 'notes' && typeof v === 'object') {
    const items = minutesOf({ notes: v }).items.filter((i) => i.text || i.speeches?.length || i.tasks?.length);
    if (!items.length) return <span class="muted">{t('tr_empty')}</span>;
    return (
      <dl class="cf-items">
        {items.map((i) => [<dt key={'t' + i.key}>{label(i.key)}</dt>,
          <dd key={'d' + i.key}>{i.text}{i.speeches?.length ? ' (' + t('speakers') + ': ' + i.speeches.map((x) => x.name || get('members', x.member_id)?.full_name || '').filter(Boolean).join(', ') + ')' : ''}</dd>])}
      </dl>
    );
  }
  return <span class="cf-text">{plain(table, field, v)}</span>;
}

// plain renders a simple value in words.
function plain(table, field, v) {
  if (MEMBERS.has(field)) return get('members', v)?.full_name || t('tr_field_other');
  if (DATES.has(field)) return vnDate(String(v));
  if (TIMES.has(field)) return vnDateTime(String(v));
  if (typeof v === 'boolean') return v ? t('tr_yes') : t('tr_no');
  if (field === 'status') {
    if (table === 'attendance') return word(v, v);
    if (table === 'visit_reports') return word('tr_rs_' + v, v);
    if (table === 'recommendations') return word('rs_' + v, v);
    return word(v, v);
  }
  if (field === 'type') return word('tr_mt_' + v, v);
  if (field === 'mode') return word('tr_mm_' + v, v);
  if (field === 'urgency') return word('tr_' + v, v);
  if (typeof v === 'object') {
    return Object.keys(v).map((k) => fieldLabel(k) + ': ' + (typeof v[k] === 'object' ? '' : plain(table, k, v[k]))).join('; ');
  }
  return String(v);
}

// Record renders a whole record (a conflict on "*") as its fields, labelled.
function Record({ table, v, rubricOf }) {
  if (v == null) return <span class="muted">{t('tr_deleted')}</span>;
  const keys = Object.keys(v).filter((k) => !HIDDEN.has(k) && v[k] != null && v[k] !== '' && t('tr_f_' + k) !== 'tr_f_' + k);
  return (
    <dl class="cf-items">
      {keys.map((k) => [<dt key={'t' + k}>{fieldLabel(k)}</dt>, <dd key={'d' + k}><Value table={table} field={k} v={v[k]} rubricOf={rubricOf} /></dd>])}
    </dl>
  );
}

// what names the record a conflict is about: "Điểm danh · Nguyễn Văn A · buổi 03/11/2026".
function what(c) {
  const rec = get(c.table, c.row_id) || parseValue(c.server_value) || parseValue(c.client_value) || {};
  const parts = [word('tr_t_' + c.table, t('tr_t_other'))];
  if (c.table === 'attendance' && rec.member_id) parts.push(get('members', rec.member_id)?.full_name || '');
  if (c.table === 'members' && rec.full_name) parts.push(rec.full_name);
  const m = c.table === 'meetings' ? rec : rec.meeting_id ? get('meetings', rec.meeting_id) : null;
  if (m?.meeting_date) parts.push([get('org_units', m.cell_id)?.name, t('tr_of_meeting', { date: vnDate(m.meeting_date) })].filter(Boolean).join(', '));
  return parts.filter(Boolean).join(' · ');
}

const openConflicts = () => list('sync_conflicts').filter((c) => !c.resolved_at);

export function Conflicts() {
  const cs = openConflicts();
  return (
    <>
      <a class="back" href="#/">‹ {t('back')}</a>
      <h1 class="title">{t('conflicts')}</h1>
      <p class="muted">{t('tr_conflict_help')}</p>
      {cs.length === 0 && <p class="muted">{t('no_conflicts')}</p>}
      <ul class="cards">{cs.map((c) => <Conflict key={c.id} c={c} />)}</ul>
    </>
  );
}

// label is the name of a minutes item in the template in force.
const label = (key) => {
  const d = template()?.items.find((x) => x.key === key);
  return d ? itemLabel(d) : t('tab_minutes');
};

// mergeNotes starts a merge of two minutes documents item by item, against the version both started from: an item
// only one of them changed is taken as that one has it; an item both changed differently gets both texts, server's
// first, for the user to edit, with the speeches and tasks of both. The guests are the changed side's.
function mergeNotes(base, server, client) {
  const [o, a, b] = [base, server, client].map((v) => minutesOf({ notes: parseValue(v) }));
  const same = (x, y) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const find = (doc, key) => doc.items.find((i) => i.key === key);
  const keys = [...new Set([...a.items, ...b.items].map((i) => i.key))];
  const items = keys.map((key) => {
    const x = find(a, key), y = find(b, key), z = find(o, key);
    if (same(x, y) || same(y, z)) return { ...(x || y), both: false };
    if (same(x, z)) return { ...y, both: false };
    const xt = (x?.text || '').trim(), yt = (y?.text || '').trim();
    const byId = (l) => [...new Map(l.map((v) => [v.id || JSON.stringify(v), v])).values()];
    return { ...y, ...x, text: xt && yt && xt !== yt ? xt + '\n' + yt : xt || yt, both: !!(xt && yt && xt !== yt),
      speeches: byId([...(x?.speeches || []), ...(y?.speeches || [])]), tasks: byId([...(x?.tasks || []), ...(y?.tasks || [])]) };
  });
  return { template_id: a.template_id || b.template_id, guests: same(a.guests, o.guests) ? b.guests : a.guests, items };
}

function parseValue(v) {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function Conflict({ c }) {
  // A merge being written is a draft on the device until it is saved (drafts.js).
  const key = draftKey('mg-' + c.id);
  const [merged, setState] = useState(() => readDraft(key) ?? null);
  const setMerged = (v) => {
    keepDraft(key, v);
    setState(v);
  };
  const record = get(c.table, c.row_id);
  const resolve = async (value, how) => {
    const items = [];
    if (value !== undefined && c.field !== '*' && record) items.push({ t: c.table, id: c.row_id, fields: { [c.field]: value } });
    items.push({ t: 'sync_conflicts', id: c.id, fields: { resolution: how, resolved_at: new Date().toISOString() } });
    await mutate(items);
    dropDraft(key);
  };
  const isNotes = c.field === 'notes';
  const isText = isNotes || typeof parseValue(c.server_value) === 'string' || typeof parseValue(c.client_value) === 'string';
  const startMerge = () =>
    setMerged(isNotes ? mergeNotes(c.base_value, c.server_value, c.client_value) : [parseValue(c.server_value), parseValue(c.client_value)].filter(Boolean).join('\n'));
  const saveMerge = () =>
    resolve(isNotes ? { ...merged, items: merged.items.map(({ both, ...i }) => i) } : merged, 'merged');
  const rubricOf = () => rubric()?.criteria || [];
  const show = (raw, other) => (c.field === '*'
    ? <Record table={c.table} v={parseValue(raw)} rubricOf={rubricOf} />
    : <Value table={c.table} field={c.field} v={parseValue(raw)} other={parseValue(other)} rubricOf={rubricOf} />);
  return (
    <li class="card conflict">
      <p><strong>{what(c)}</strong></p>
      <p class="muted">{fieldLabel(c.field)} · {vnDateTime(c.created_at)}</p>
      <div class="versions">
        <div>
          <h2>{t('tr_theirs')}</h2>
          <div class="cf-value">{show(c.server_value, c.client_value)}</div>
          <button class="btn small" onClick={() => resolve(parseValue(c.server_value), 'kept server value')}>{t('tr_keep')}</button>
        </div>
        <div>
          <h2>{t('tr_mine')}</h2>
          <div class="cf-value">{show(c.client_value, c.server_value)}</div>
          <button class="btn small" onClick={() => resolve(undefined, 'kept client value')}>{t('tr_keep')}</button>
        </div>
      </div>
      {!isText || c.field === '*' ? null : merged === null ? (
        <button class="btn ghost small" onClick={startMerge}>{t('merge')}</button>
      ) : isNotes ? (
        <div>
          {merged.items.filter((i) => i.text || i.both).map((i) => (
            <div class="field" key={i.key}>
              <label for={'mg-' + c.id + '-' + i.key}>{t('merge')}: {label(i.key)}</label>
              <textarea id={'mg-' + c.id + '-' + i.key} rows={i.both ? 5 : 3} value={i.text}
                onInput={(e) => {
                  const v = e.currentTarget.value;
                  setMerged({ ...merged, items: merged.items.map((x) => (x.key === i.key ? { ...x, text: v } : x)) });
                }} />
            </div>
          ))}
          <button class="btn small primary" onClick={saveMerge}>{t('save')}</button>
        </div>
      ) : (
        <div class="field">
          <label for={'mg-' + c.id}>{t('merge')}</label>
          <textarea id={'mg-' + c.id} rows={6} value={merged} onInput={(e) => setMerged(e.currentTarget.value)} />
          <button class="btn small primary" onClick={saveMerge}>{t('save')}</button>
        </div>
      )}
    </li>
  );
}

export function Rejected() {
  const rs = rejected.value;
  return (
    <>
      <h1 class="title">{t('rejected')}</h1>
      <p class="muted">{t('rejected_help')}</p>
      <ul class="cards">{rs.map((r) => <RejectedItem key={r.seq} r={r} />)}</ul>
    </>
  );
}

// TEXT_FIELDS are the fields a refused change shows to fix, each with its name (messages.js, fl_…): the text people
// type. Ids, codes, dates and the minutes' structure are sent again as they were.
const TEXT_FIELDS = new Set(['content', 'addressee_text', 'reason', 'topic', 'place', 'chair_name', 'secretary_name', 'resolution',
  'guidance', 'change_reason', 'reporter_name', 'situation', 'done', 'problems', 'proposals', 'asker_name', 'question', 'explanation',
  'explained_by', 'name', 'title', 'caption', 'full_name', 'status_note', 'card_number']);

// tableName is what a refused change was about, as people say it; never the table's name in the protocol.
function tableName(table) {
  const names = { meetings: t('meeting'), recommendations: t('tab_recs'), attendance: t('tab_attendance') };
  return names[table] || (TABLES.has(table) ? t('tb_' + table) : t('tb_other'));
}
const TABLES = new Set(['visit_reports', 'briefing_reports', 'dialogue_questions', 'meeting_participants', 'visit_confirmations',
  'meeting_files', 'cell_positions', 'members', 'notifications', 'sync_conflicts', 'assignments']);

function RejectedItem({ r }) {
  const key = draftKey('rj-' + r.seq); // what is typed is a draft on the device until it is sent again
  const [fields, setState] = useState(() => readDraft(key) || r.fields || {});
  const latest = useRef(fields); // what is typed, even before the next render
  const setFields = (f) => {
    keepDraft(key, f);
    setState((latest.current = f));
  };
  return (
    <li class="card rejected">
      <p><strong>{tableName(r.t)}</strong></p>
      <p class="error" role="alert">{r.message}</p>
      {r.op !== 'delete' && Object.keys(fields).filter((f) => typeof fields[f] === 'string' && TEXT_FIELDS.has(f)).map((f) => (
        <div class="field" key={f}>
          <label for={'rj-' + r.seq + '-' + f} class={f === r.field ? 'error' : ''}>{t('fl_' + f)}</label>
          {fields[f].length > 60
            ? <textarea id={'rj-' + r.seq + '-' + f} rows={4} value={fields[f]} onInput={(e) => setFields({ ...latest.current, [f]: e.currentTarget.value })} />
            : <input id={'rj-' + r.seq + '-' + f} value={fields[f]} onInput={(e) => setFields({ ...latest.current, [f]: e.currentTarget.value })} />}
        </div>
      ))}
      <p class="actions">
        <button class="btn small primary" onClick={() => resend(r, r.op === 'delete' ? undefined : latest.current).then(() => dropDraft(key))}>{t('resend')}</button>
        <button class="btn small ghost" onClick={() => discardRejected(r.seq).then(() => dropDraft(key))}>{t('discard')}</button>
      </p>
    </li>
  );
}
