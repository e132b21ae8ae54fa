// The commune's other meetings (issue #12): the monthly briefing of cell secretaries (giao ban), the dialogue (đối
// thoại) and the expanded commune party committee meeting (hội nghị Đảng ủy xã mở rộng), recorded on the device like
// a cell meeting: every change goes through the same outbox, what is typed is a draft at every keystroke (Field,
// drafts.js), conflicts follow the same rules. A lazily loaded chunk the service worker precaches (pwa/build's
// offlineLazy), so it opens offline. Routes:
//   #/f                          the commune's meetings of these forms, by month (from the device's synced data)
//   #/f/<meeting>                one meeting: its header, participants, minutes, and by form the cells' monthly
//                                reports (briefing), the questions and explanations (dialogue), the recommendations
//   #/f/<meeting>/rec/<unit>     a new recommendation raised there for a cell (or the commune)
//   #/f/<meeting>/q/<question>   a dialogue's question turned into a recommendation (linked by recommendation_id)
//   #/f/month/<commune>/<month>  the commune's month of briefing reports, for supervisors (the server's table)
// A meeting of these forms has cell_id = the commune; its minutes are notes.items[{key: 'record', text}].
import { useState, useEffect } from 'preact/hooks';
import { t, extend, vnDate, vnDateTime, lang } from '../i18n.js';
import { get, list, mutate, online } from '../state.js';
import { MEETING_EARLIEST, fields, me, meetingLatest, myCellIds, today } from '../data.js';
import { uuid4, uuid5 } from '../uuid.js';
import { go } from '../app.jsx';
import { Field } from '../screens/fields.jsx';
import { RecForm } from '../screens/meeting.jsx';
import { draftKey, keepDraft, readDraft, dropDraft } from '../drafts.js';
import { api } from '../sync.js';
import { Photos } from '../photos/photos.jsx';
import * as msgs from './forums.msg.js';

extend(msgs);

const FORMS = ['briefing', 'dialogue', 'committee'];
const AUDIENCES = ['secretaries', 'members', 'citizens'];

// Forums routes the chunk's screens.
export function Forums({ path = [] }) {
  if (path[0] === 'month') return <MonthTable unit={path[1] || ''} month={path[2] || today().slice(0, 7)} />;
  if (!path[0]) return <List />;
  const m = get('meetings', path[0]);
  if (!m) {
    return (
      <>
        <a class="back" href="#/f">‹ {t('back')}</a>
        <p class="muted">{t('fo_not_found')}</p>
      </>
    );
  }
  if (path[1] === 'rec') return <RecPage m={m} unit={path[2]} />;
  if (path[1] === 'q') return <RecPage m={m} q={get('dialogue_questions', path[2])} />;
  return <MeetingScreen m={m} />;
}

// communeOf is the commune above a unit: the nearest ancestor of kind commune the device holds, or else the parent
// of the highest unit it holds (a device that has the cell and not yet its commune's row).
export function communeOf(id) {
  let u = get('org_units', id);
  for (let i = 0; u && i < 8; i++) {
    if (u.kind === 'commune') return u.id;
    const p = u.parent_id && get('org_units', u.parent_id);
    if (!p) return u.kind === 'cell' ? u.parent_id || null : null;
    u = p;
  }
  return null;
}

// myCommunes are the communes of the user's cells and of its committee assignments.
export function myCommunes() {
  const out = new Set();
  for (const id of myCellIds()) {
    const c = communeOf(id);
    if (c) out.add(c);
  }
  const u = me();
  for (const a of list('assignments')) {
    if (u && a.official_id === u.id && a.form === 'committee' && a.status === 'active') out.add(a.cell_id);
  }
  return out;
}

// mayCommittee says whether the user records a commune's expanded committee meetings: the commune's secretary, or an
// official assigned to them (the push rules say the same).
function mayCommittee(commune) {
  const u = me();
  return !!u?.grants?.some((g) => g.role === 'secretary' && g.org_unit_id === commune) ||
    list('assignments').some((a) => u && a.official_id === u.id && a.form === 'committee' && a.cell_id === commune && a.status === 'active');
}

// cellsOf lists the open cells of a commune the device holds (of a zone when given), by name.
function cellsOf(commune, zone) {
  return list('org_units')
    .filter((u) => u.kind === 'cell' && !u.closed_on && communeOf(u.id) === commune && (!zone || u.zone_id === zone))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

const communeName = (id) => get('org_units', id)?.name || t('fo_commune');
const monthOf = (ym, n) => new Date(Date.UTC(+ym.slice(0, 4), +ym.slice(5, 7) - 1 + n, 1)).toISOString().slice(0, 7);
const monthText = (ym) => ym.slice(5, 7) + '/' + ym.slice(0, 4);
const formsOf = (m) => list('meetings').filter((x) => x.form === m);
const reportsOf = (id) => list('briefing_reports').filter((r) => r.meeting_id === id);
const questionsOf = (id) => list('dialogue_questions').filter((q) => q.meeting_id === id)
  .sort((a, b) => a.sort_order - b.sort_order || (a.created_at || '').localeCompare(b.created_at || ''));
const recsAt = (id) => list('recommendations').filter((r) => r.meeting_id === id);
const peopleOf = (id) => list('meeting_participants').filter((p) => p.meeting_id === id);
const filled = (r) => r && ['situation', 'done', 'problems', 'proposals'].some((k) => (r[k] || '').trim());
export const reportId = (meeting, cell) => uuid5('briefing-report:' + meeting.toLowerCase() + ':' + cell.toLowerCase());
const participantId = (meeting, cell) => uuid5('participant:' + meeting.toLowerCase() + ':' + cell.toLowerCase());

// List is the commune's meetings of the three forms in a month, newest first, and the buttons that record a new one.
function List() {
  const key = 'chibo-forums-month';
  const [ym, setYm] = useState(() => sessionStorage.getItem(key) || today().slice(0, 7));
  const move = (n) => {
    const v = monthOf(ym, n);
    sessionStorage.setItem(key, v);
    setYm(v);
  };
  const communes = [...myCommunes()];
  const ms = FORMS.flatMap(formsOf).filter((m) => communes.includes(m.cell_id) && m.meeting_date.slice(0, 7) === ym && m.status !== 'cancelled')
    .sort((a, b) => b.meeting_date.localeCompare(a.meeting_date));
  // The one who records a meeting is its minute-taker (a participant with the user's id: the server then lets a cell's
  // secretary write every cell's report of the briefing).
  const create = async (commune, form) => {
    const id = uuid4();
    const u = me();
    await mutate([
      { t: 'meetings', id, fields: { cell_id: commune, form, meeting_date: today(), type: 'regular', mode: 'in_person',
        status: 'held', audience: form === 'dialogue' ? 'secretaries' : '', secretary_name: u?.display_name || '', notes: { items: [] } } },
      { t: 'meeting_participants', id: uuid4(), fields: { meeting_id: id, role: 'minute_taker', user_id: u?.id, name: u?.display_name || '', present: true } },
    ]);
    go('f/' + id);
  };
  return (
    <>
      <a class="back" href="#/">‹ {t('back')}</a>
      <h1 class="title">{t('fo_title')}</h1>
      <p class="muted">{t('fo_about')}</p>
      <div class="actions-row month-nav">
        <button class="btn small ghost" onClick={() => move(-1)} aria-label={t('fo_prev_month')}>‹</button>
        <strong aria-live="polite">{t('fo_month', { m: monthText(ym) })}</strong>
        <button class="btn small ghost" onClick={() => move(1)} aria-label={t('fo_next_month')}>›</button>
      </div>
      {communes.length === 0 && <p class="muted">{t('fo_no_commune')}</p>}
      {ms.length === 0 && communes.length > 0 && <p class="muted">{t('fo_none')}</p>}
      <ul class="cards" aria-label={t('fo_title')}>
        {ms.map((m) => (
          <li key={m.id}>
            <a class="card row" href={'#/f/' + m.id}>
              <span class="main">
                <strong>{t('fo_form_' + m.form)}</strong>
                <span>{vnDate(m.meeting_date)} · {communeName(m.cell_id)}{m.zone_id ? ' · ' + (get('zones', m.zone_id)?.name || '') : ''}</span>
                <small>{summary(m)}</small>
              </span>
              <span class="go" aria-hidden="true">›</span>
            </a>
          </li>
        ))}
      </ul>
      {communes.map((c) => (
        <section key={c} class="card" aria-label={communeName(c)}>
          {communes.length > 1 && <h2>{communeName(c)}</h2>}
          {FORMS.filter((f) => f !== 'committee' || mayCommittee(c)).map((f) => <button key={f} class="btn wide" onClick={() => create(c, f)}>{t('fo_new_' + f)}</button>)}
        </section>
      ))}
    </>
  );
}

// summary is a meeting's line in the list: the cells reported (briefing), the questions (dialogue), the recommendations.
function summary(m) {
  const parts = [];
  if (m.form === 'briefing') {
    const cells = cellsOf(m.cell_id, m.zone_id);
    parts.push(t('fo_n_reports', { n: reportsOf(m.id).filter(filled).length, c: cells.length }));
  }
  if (m.form === 'dialogue') parts.push(t('fo_n_questions', { n: questionsOf(m.id).length }));
  parts.push(t('fo_n_recs', { n: recsAt(m.id).length }));
  return parts.join(' · ');
}

// save writes fields of a meeting.
const saveMeeting = (m, fields) => mutate([{ t: 'meetings', id: m.id, fields }]);
const minutesText = (m) => (Array.isArray(m.notes?.items) ? m.notes.items.find((i) => i.key === 'record')?.text : '') || '';
function saveMinutesText(id, text) {
  const cur = get('meetings', id);
  const items = Array.isArray(cur?.notes?.items) ? cur.notes.items.filter((i) => i.key !== 'record') : [];
  return mutate([{ t: 'meetings', id, fields: { notes: { ...(cur?.notes || {}), items: [...items, { key: 'record', text }] } } }]);
}

function MeetingScreen({ m }) {
  return (
    <>
      <a class="back" href="#/f">‹ {t('back')}</a>
      <h1 class="title">{t('fo_form_' + m.form)}</h1>
      <p class="sub">{communeName(m.cell_id)} · {vnDate(m.meeting_date)}</p>
      {!online.value && <p class="muted" role="status">{t('fo_offline_note')}</p>}
      <Header m={m} />
      {m.form === 'briefing' ? <Secretaries m={m} /> : <People m={m} />}
      <section class="card" aria-labelledby="h-fo-notes">
        <h2 id="h-fo-notes">{t('fo_notes')}</h2>
        <Field id="fo-notes" label={t('fo_notes')} multiline rows={6} value={minutesText(m)} save={(v) => saveMinutesText(m.id, v)} />
        <Field id="fo-conclusion" label={t('fo_conclusion')} multiline rows={3} value={m.resolution} save={(v) => saveMeeting(m, { resolution: v })} />
      </section>
      {m.form === 'briefing' && <Reports m={m} />}
      {m.form === 'dialogue' && <Questions m={m} />}
      {m.form !== 'briefing' && <Recs m={m} unit={m.cell_id} title={t('fo_recs')} />}
      <Photos meeting={m} />
    </>
  );
}

// saveTaker writes the minute-taker's name on the meeting and on its participant row.
function saveTaker(m, name) {
  const p = peopleOf(m.id).find((x) => x.role === 'minute_taker');
  return mutate([{ t: 'meetings', id: m.id, fields: { secretary_name: name } }, ...(p ? [{ t: 'meeting_participants', id: p.id, fields: { name } }] : [])]);
}

// Header is the meeting's date, place, (briefing) zone and host cell, (dialogue) audience, chair and minute-taker.
function Header({ m }) {
  const zones = list('zones').filter((z) => z.commune_id === m.cell_id).sort((a, b) => a.sort_order - b.sort_order || a.name.localeCompare(b.name, 'vi'));
  const hosts = cellsOf(m.cell_id, m.zone_id);
  return (
    <section class="card" aria-labelledby="h-fo-general">
      <h2 id="h-fo-general">{t('fo_general')}</h2>
      <label for="fo-date">{t('fo_date')}</label>
      <input id="fo-date" type="date" min={MEETING_EARLIEST} max={meetingLatest()} value={m.meeting_date} onChange={(e) => e.currentTarget.value && e.currentTarget.reportValidity() && saveMeeting(m, { meeting_date: e.currentTarget.value })} />
      <Field id="fo-place" label={t('fo_place')} value={m.place} save={(v) => saveMeeting(m, { place: v })} />
      {m.form === 'briefing' && (
        <>
          <label for="fo-zone">{t('fo_zone')}</label>
          <select id="fo-zone" value={m.zone_id || ''} onChange={(e) => saveMeeting(m, { zone_id: e.currentTarget.value || null, host_cell_id: null })}>
            <option value="">{t('fo_zone_all')}</option>
            {zones.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}
          </select>
          <label for="fo-host">{t('fo_host')}</label>
          <select id="fo-host" value={m.host_cell_id || ''} onChange={(e) => saveMeeting(m, { host_cell_id: e.currentTarget.value || null })}>
            <option value="">{t('fo_host_none')}</option>
            {hosts.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </>
      )}
      {m.form === 'dialogue' && (
        <>
          <p id="fo-aud" class="label">{t('fo_audience')}</p>
          <div class="chips" role="group" aria-labelledby="fo-aud">
            {AUDIENCES.map((a) => (
              <button key={a} class="chip" aria-pressed={m.audience === a ? 'true' : 'false'} onClick={() => saveMeeting(m, { audience: a })}>{t('fo_aud_' + a)}</button>
            ))}
          </div>
        </>
      )}
      <Field id="fo-chair" label={t('fo_chair')} value={m.chair_name} save={(v) => saveMeeting(m, { chair_name: v })} />
      <Field id="fo-taker" label={t('fo_minute_taker')} value={m.secretary_name} save={(v) => saveTaker(m, v)} />
    </section>
  );
}

// Secretaries are a briefing's participants: each cell's secretary, ticked present, with the name the minutes print.
function Secretaries({ m }) {
  const cells = cellsOf(m.cell_id, m.zone_id);
  const people = new Map(peopleOf(m.id).filter((p) => p.cell_id && p.role === 'participant').map((p) => [p.cell_id, p]));
  const present = cells.filter((c) => people.get(c.id)?.present).length;
  const save = (c, fields) => {
    const cur = get('meeting_participants', participantId(m.id, c.id)) || peopleOf(m.id).find((p) => p.cell_id === c.id && p.role === 'participant');
    return mutate([{ t: 'meeting_participants', id: cur ? cur.id : participantId(m.id, c.id), fields: cur ? fields
      : { meeting_id: m.id, cell_id: c.id, role: 'participant', title: 'Bí thư ' + c.name, present: false, name: '', ...fields } }]);
  };
  return (
    <section class="card" aria-labelledby="h-fo-sec">
      <h2 id="h-fo-sec">{t('fo_secretaries_present')}</h2>
      <p class="muted">{t('fo_present_n', { p: present, n: cells.length })}</p>
      <ul class="plain fo-people">
        {cells.map((c) => {
          const p = people.get(c.id);
          return (
            <li key={c.id}>
              <label class="check">
                <input type="checkbox" checked={!!p?.present} aria-label={t('fo_present_of', { cell: c.name })}
                  onChange={(e) => save(c, { present: e.currentTarget.checked })} />
                <strong>{c.name}</strong>
              </label>
              <Field id={'fo-sec-' + c.id} label={t('fo_secretary_name', { cell: c.name })} value={p?.name || ''} save={(v) => save(c, { name: v })} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

// People are a dialogue's or committee meeting's participants and guests (provincial officials, citizens).
function People({ m }) {
  const people = peopleOf(m.id).filter((p) => p.role === 'participant' || p.role === 'guest')
    .sort((a, b) => (a.created_at || '').localeCompare(b.created_at || '') || a.name.localeCompare(b.name, 'vi'));
  const key = draftKey('person');
  const empty = { name: '', title: '', guest: m.form === 'committee' };
  const [v, setState] = useState(() => readDraft(key) || empty);
  const setV = (x) => {
    keepDraft(key, x);
    setState(x);
  };
  const add = async (e) => {
    e.preventDefault();
    if (!v.name.trim()) return;
    const was = v;
    // Emptied before the write (see Questions): the next person typed meanwhile is kept; a failed write comes back.
    dropDraft(key);
    setState(empty);
    try {
      await mutate([{ t: 'meeting_participants', id: uuid4(), fields: { meeting_id: m.id, role: was.guest ? 'guest' : 'participant',
        name: was.name.trim(), title: was.title.trim(), present: true } }]);
    } catch (err) {
      setState((now) => (now.name ? now : (keepDraft(key, was), was)));
      throw err;
    }
  };
  return (
    <section class="card" aria-labelledby="h-fo-people">
      <h2 id="h-fo-people">{t('fo_participants')}</h2>
      {people.length === 0 && <p class="muted">{t('fo_no_people')}</p>}
      <ul class="plain fo-people">
        {people.map((p) => (
          <li key={p.id} class="fo-person">
            <span><strong>{p.name}</strong>{p.title ? ', ' + p.title : ''} <small class="muted">({t('fo_role_' + p.role)})</small></span>
            <button class="btn small ghost" onClick={() => mutate([{ t: 'meeting_participants', op: 'delete', id: p.id }])}
              aria-label={t('remove') + ' ' + p.name}>{t('remove')}</button>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <label for="fo-p-name">{t('fo_person_name')}</label>
        <input id="fo-p-name" value={v.name} onInput={(e) => setV({ ...v, name: e.currentTarget.value })} />
        <label for="fo-p-title">{t('fo_person_title')}</label>
        <input id="fo-p-title" value={v.title} onInput={(e) => setV({ ...v, title: e.currentTarget.value })} />
        <label class="check">
          <input type="checkbox" checked={v.guest} onChange={(e) => setV({ ...v, guest: e.currentTarget.checked })} />
          {t('fo_person_guest')}
        </label>
        <button class="btn wide" type="submit">{t('fo_add_person')}</button>
      </form>
    </section>
  );
}

// Reports are a briefing's monthly reports, one card per cell: situation, what was done, problems, proposals, and
// the recommendations raised there for the cell.
function Reports({ m }) {
  const cells = cellsOf(m.cell_id, m.zone_id);
  return (
    <section aria-labelledby="h-fo-reports">
      <h2 id="h-fo-reports">{t('fo_reports')}</h2>
      <p class="muted">{t('fo_reports_hint')}</p>
      {cells.map((c) => <CellReport key={c.id} m={m} cell={c} />)}
    </section>
  );
}

// reportOf is a cell's report at a briefing on the device: the one with the name-based id two devices compute alike,
// or else one another client wrote (the demo, the API).
const reportOf = (m, cell) => get('briefing_reports', reportId(m.id, cell.id)) || reportsOf(m.id).find((x) => x.cell_id === cell.id);

function CellReport({ m, cell }) {
  const r = reportOf(m, cell);
  const save = (k) => (v) => {
    const cur = reportOf(m, cell);
    return mutate([{ t: 'briefing_reports', id: cur ? cur.id : reportId(m.id, cell.id), fields: cur ? { [k]: v } : { meeting_id: m.id, cell_id: cell.id, [k]: v } }]);
  };
  const f = (k, rows) => (
    <Field id={`br-${cell.id}-${k}`} label={t('fo_' + k)} multiline={!!rows} rows={rows} value={(r && r[k]) || ''}
      save={save(k === 'reporter' ? 'reporter_name' : k)} />
  );
  const recs = recsAt(m.id).filter((x) => x.cell_id === cell.id);
  return (
    <details class="card fo-cell" data-cell={cell.id} open={filled(r) || undefined}>
      <summary>
        <span class="fo-cell-name">{cell.name}</span>
        <span class={'pill ' + (filled(r) ? 'resolved' : 'upcoming')}>{filled(r) ? t('fo_reported') : t('fo_not_reported')}</span>
      </summary>
      {f('reporter')}
      {f('situation', 3)}
      {f('done', 3)}
      {f('problems', 3)}
      {f('proposals', 3)}
      <Recs m={m} unit={cell.id} title={t('fo_recs_of', { cell: cell.name })} recs={recs} />
    </details>
  );
}

// Recs lists the recommendations raised at the meeting for a unit (a cell, or the commune) and links to a new one.
function Recs({ m, unit, title, recs = recsAt(m.id).filter((x) => x.cell_id === unit || m.form !== 'briefing') }) {
  return (
    <section class="fo-recs" aria-label={title}>
      <h3>{title}</h3>
      {recs.length === 0 && <p class="muted">{t('fo_no_recs')}</p>}
      <ul class="plain">
        {recs.map((r) => (
          <li key={r.id} class="fo-rec">
            <p>{r.content}</p>
            <small class="muted">{get('org_units', r.cell_id)?.name || ''}{r.addressee_text ? ' → ' + r.addressee_text : ''}</small>
          </li>
        ))}
      </ul>
      {m.form === 'committee' ? <CommitteeRecLinks m={m} /> : <a class="btn wide" href={`#/f/${m.id}/rec/${unit}`}>{t('add_rec')}</a>}
    </section>
  );
}

// CommitteeRecLinks: a committee meeting's recommendation is the commune's or one of its cells'.
function CommitteeRecLinks({ m }) {
  const [unit, setUnit] = useState(m.cell_id);
  return (
    <>
      <label for="fo-rec-unit">{t('fo_rec_for')}</label>
      <select id="fo-rec-unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
        <option value={m.cell_id}>{communeName(m.cell_id)}</option>
        {cellsOf(m.cell_id).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
      <a class="btn wide" href={`#/f/${m.id}/rec/${unit}`}>{t('add_rec')}</a>
    </>
  );
}

// Questions are a dialogue's questions, each with the explanation given and who gave it; one may become a
// recommendation.
function Questions({ m }) {
  const qs = questionsOf(m.id);
  const key = draftKey('question');
  const [text, setText] = useState(() => readDraft(key) || '');
  const [err, setErr] = useState('');
  const type = (v) => {
    keepDraft(key, v);
    setText(v);
    setErr('');
  };
  const add = async (e) => {
    e.preventDefault();
    if (!text.trim()) return setErr(t('fo_question_need'));
    const order = qs.reduce((n, q) => Math.max(n, q.sort_order || 0), 0) + 1;
    const question = text.trim();
    // The box is emptied before the write, not after: the next question typed while this one is being kept must
    // not be wiped when the write ends. Should the write fail, the text comes back.
    dropDraft(key);
    setText('');
    try {
      await mutate([{ t: 'dialogue_questions', id: uuid4(), fields: { meeting_id: m.id, sort_order: order, question } }]);
    } catch (e) {
      setText((now) => now || (keepDraft(key, question), question));
      throw e;
    }
  };
  return (
    <section aria-labelledby="h-fo-q">
      <h2 id="h-fo-q">{t('fo_questions')}</h2>
      {qs.length === 0 && <p class="muted">{t('fo_no_questions')}</p>}
      {qs.map((q, i) => <Question key={q.id} m={m} q={q} n={i + 1} />)}
      <form class="card" onSubmit={add}>
        <label for="fo-q-new">{t('fo_new_question')}</label>
        <textarea id="fo-q-new" rows={3} value={text} aria-invalid={err ? 'true' : undefined} onInput={(e) => type(e.currentTarget.value)} />
        {err && <p class="error" role="alert">{err}</p>}
        <button class="btn primary wide" type="submit">{t('fo_add_question')}</button>
      </form>
    </section>
  );
}

function Question({ m, q, n }) {
  const save = (k) => (v) => mutate([{ t: 'dialogue_questions', id: q.id, fields: { [k]: v } }]);
  const rec = q.recommendation_id && get('recommendations', q.recommendation_id);
  const f = (k, label, rows) => <Field id={`q-${q.id}-${k}`} label={label} multiline={!!rows} rows={rows} value={q[k] || ''} save={save(k)} />;
  return (
    <article class="card fo-question" aria-label={t('fo_question_n', { n })}>
      <h3>{t('fo_question_n', { n })}</h3>
      {f('question', t('fo_question'), 3)}
      {f('asker_name', t('fo_asker'))}
      <label for={`q-${q.id}-cell`}>{t('fo_asker_cell')}</label>
      <select id={`q-${q.id}-cell`} value={q.asker_cell_id || ''} onChange={(e) => save('asker_cell_id')(e.currentTarget.value || null)}>
        <option value="">{t('fo_asker_cell_none')}</option>
        {cellsOf(m.cell_id).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
      {f('explanation', t('fo_explanation'), 4)}
      {f('explained_by', t('fo_explained_by'))}
      {q.recommendation_id ? (
        <p class="ok" role="status">✓ {t('fo_became_rec')}{rec ? ': ' + rec.content : ''}</p>
      ) : (
        <a class="btn wide" href={`#/f/${m.id}/q/${q.id}`}>{t('fo_to_rec')}</a>
      )}
    </article>
  );
}

// RecPage writes a recommendation raised at the meeting, with the cell meeting's form: for a unit (a briefing's
// cell, a committee meeting's cell or commune), or from a dialogue's question (its asker's cell, else the commune),
// which is then linked to it.
function RecPage({ m, unit, q }) {
  const back = 'f/' + m.id;
  const cell = q ? q.asker_cell_id || m.cell_id : unit || m.cell_id;
  return (
    <>
      <a class="back" href={'#/' + back}>‹ {t('back')}</a>
      <h1 class="title">{t('fo_rec_new_title', { unit: get('org_units', cell)?.name || communeName(m.cell_id) })}</h1>
      <p class="sub">{t('fo_form_' + m.form)} · {vnDate(m.meeting_date)}</p>
      {q && <blockquote>{q.question}</blockquote>}
      <RecForm rec={q ? { content: q.question } : {}} fields={fields()} onDone={() => go(back)}
        meeting={{ id: m.id, cell_id: cell, meeting_date: m.meeting_date }}
        link={q ? (id) => [{ t: 'dialogue_questions', id: q.id, fields: { recommendation_id: id } }] : undefined} />
    </>
  );
}

// MonthTable is the commune's month of briefing reports for supervisors (GET /api/v1/briefings/month): every cell,
// reported or not, with the four parts; printable. The last one read is kept on the device for offline reading.
// loadMonth reads every page of the commune's month of briefing reports.
async function loadMonth(unit, month) {
  let items = [], cursor = '';
  do {
    const r = await api('GET', `/api/v1/briefings/month?unit=${encodeURIComponent(unit)}&month=${month}&limit=200` +
      (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''), undefined, lang.value);
    items = items.concat(r.items || []);
    cursor = r.next_cursor || '';
  } while (cursor);
  return { items };
}

function MonthTable({ unit, month }) {
  const units = useCommunes();
  const name = units.find((u) => u.id === unit)?.name || '';
  const key = unit + '|' + month;
  const KEEP = 'chibo-briefing-month';
  const kept = () => {
    try {
      const k = JSON.parse(localStorage.getItem(KEEP) || 'null');
      return k && k.key === key ? k : null;
    } catch {
      return null;
    }
  };
  const [st, setSt] = useState(() => ({ key, data: kept()?.data || null, at: kept()?.at || '', error: '' }));
  useEffect(() => {
    let live = true;
    const k = kept();
    setSt({ key, data: k?.data || null, at: k?.at || '', error: '' });
    if (unit) {
      loadMonth(unit, month).then(
        (d) => {
          if (!live) return;
          const at = new Date().toISOString();
          try {
            localStorage.setItem(KEEP, JSON.stringify({ key, data: d, at }));
          } catch {
            // Storage full: shown all the same.
          }
          setSt({ key, data: d, at, error: '' });
        },
        (e) => live && setSt((s) => ({ ...s, error: e.offline || !navigator.onLine ? t('fo_month_offline', { time: vnDateTime(s.at) }) : e.message })),
      );
    }
    return () => (live = false);
  }, [key, online.value]);
  const d = st.data;
  const cells = d?.items || [];
  const reported = cells.filter((c) => (c.reports || []).length > 0).length;
  const to = (u, ym) => (location.hash = `#/f/month/${u}/${ym}`);
  return (
    <>
      <div class="no-print">
        <a class="back" href="#/supervise">‹ {t('back')}</a>
        <h1 class="title">{t('fo_month_title')}</h1>
        <CommunePicker units={units} unit={unit} onPick={(u) => to(u, month)} />
        <div class="actions-row month-nav">
          <button class="btn small ghost" onClick={() => to(unit, monthOf(month, -1))} aria-label={t('fo_prev_month')}>‹</button>
          <strong>{t('fo_month', { m: monthText(month) })}</strong>
          <button class="btn small ghost" onClick={() => to(unit, monthOf(month, 1))} aria-label={t('fo_next_month')}>›</button>
        </div>
        {st.error && <p class="warn" role="status">{st.error}</p>}
      </div>
      {d && (
        <section class="fo-month" aria-labelledby="h-fo-month">
          <h2 id="h-fo-month" class="rp-head">{(name ? name + ' · ' : '') + t('fo_month', { m: monthText(month) })}</h2>
          <p>{t('fo_month_summary', { n: reported, c: cells.length })}</p>
          {cells.length === 0 && <p class="muted">{t('fo_month_empty')}</p>}
          <ul class="cards screen-only">
            {cells.map((c) => <MonthCard key={c.cell_id} c={c} />)}
          </ul>
          <div class="tscroll print-only">
            <table class="data fo-table">
              <thead>
                <tr>
                  <th scope="col">{t('fo_month_cells')}</th>
                  <th scope="col">{t('fo_situation')}</th>
                  <th scope="col">{t('fo_done')}</th>
                  <th scope="col">{t('fo_problems')}</th>
                  <th scope="col">{t('fo_proposals')}</th>
                </tr>
              </thead>
              <tbody>
                {cells.map((c) => <MonthRow key={c.cell_id || c.id} c={c} />)}
              </tbody>
            </table>
          </div>
          <p class="no-print"><button class="btn primary" onClick={() => window.print()}>{t('fo_print')}</button></p>
        </section>
      )}
      {!d && !st.error && unit && <p class="muted">{t('loading')}</p>}
    </>
  );
}

// MonthCard is a cell's month on the phone: its name and zone, reported or not, and the four parts.
function MonthCard({ c }) {
  const rs = c.reports || [];
  return (
    <li class="card fo-month-cell" data-cell={c.cell_id}>
      <p class="rec-meta">
        <strong>{c.cell_name}</strong>
        <span class={'pill ' + (rs.length ? 'resolved' : 'upcoming')}>{rs.length ? t('fo_reported') : t('fo_not_reported')}</span>
      </p>
      {c.zone_name && <p class="muted">{c.zone_name}</p>}
      {rs.map((r) => (
        <dl key={r.id} class="fo-parts">
          <dt class="muted">{t('fo_month_briefing', { date: vnDate(r.meeting_date) })}{r.host_name ? ' · ' + r.host_name : ''}{r.reporter_name ? ' · ' + r.reporter_name : ''}</dt>
          {['situation', 'done', 'problems', 'proposals'].map((k) => r[k] ? [<dt key={k}>{t('fo_' + k)}</dt>, <dd key={k + 'v'}>{r[k]}</dd>] : null)}
        </dl>
      ))}
    </li>
  );
}

function MonthRow({ c }) {
  const rs = c.reports || [];
  const name = c.cell_name || c.name || '';
  const zone = c.zone_name || c.zone?.name || '';
  const part = (k) => rs.map((r, i) => <p key={i}>{r[k]}</p>);
  return (
    <tr class={rs.length ? 'fo-reported' : 'fo-missing'} data-cell={c.cell_id || c.id}>
      <th scope="row">
        {name}
        {zone && <small><br />{zone}</small>}
        <small><br />{rs.length ? rs.map((r) => t('fo_month_briefing', { date: vnDate(r.meeting_date) }) + (r.host_name ? ' · ' + r.host_name : '')).join(', ') : t('fo_not_reported')}</small>
      </th>
      <td>{part('situation')}</td>
      <td>{part('done')}</td>
      <td>{part('problems')}</td>
      <td>{part('proposals')}</td>
    </tr>
  );
}

// useCommunes reads the communes of the supervisor's subtree (the units above the cells, from the API).
function useCommunes() {
  const [units, setUnits] = useState([]);
  useEffect(() => {
    api('GET', '/api/v1/org-units?upper=true&limit=500', undefined, lang.value).then(
      (r) => setUnits(r.items.filter((u) => u.kind === 'commune').sort((a, b) => a.name.localeCompare(b.name, 'vi'))), () => {});
  }, []);
  return units;
}

// CommunePicker picks one of the communes.
function CommunePicker({ units, unit, onPick }) {
  return (
    <>
      <label for="fo-commune">{t('fo_month_pick')}</label>
      <select id="fo-commune" value={unit} onChange={(e) => onPick(e.currentTarget.value)}>
        {!unit && <option value="">–</option>}
        {unit && !units.some((u) => u.id === unit) && <option value={unit}>{t('fo_commune')}</option>}
        {units.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
      </select>
    </>
  );
}
