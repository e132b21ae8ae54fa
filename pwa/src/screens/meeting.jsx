import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, vnTime, vnDateTime, weekday, lang, pct } from '../i18n.js';
import { get, mutate, online } from '../state.js';
import * as data from '../data.js';
import { uuid4 } from '../uuid.js';
import { go, lazy } from '../app.jsx';
import { Minutes, Score } from './minutes.jsx';
import { useDebounced } from './fields.jsx';
import { draftKey, keepDraft, readDraft, dropDraft } from '../drafts.js';

const TABS = ['attendance', 'minutes', 'score', 'recs', 'review'];
const REASONS = ['reason_sick', 'reason_away', 'reason_family', 'reason_work'];

export function Meeting({ id, tab }) {
  const meeting = get('meetings', id);
  if (!meeting) {
    return (
      <>
        <a class="back" href="#/">‹ {t('back')}</a>
        <p class="muted">{t('loading')}</p>
      </>
    );
  }
  const cell = get('org_units', meeting.cell_id);
  const locked = data.reportLocked(id);
  const Tab = { attendance: Attendance, minutes: Minutes, score: Score, recs: Recs, review: Review }[tab] || Attendance;
  return (
    <>
      <a class="back" href="#/">‹ {t('back')}</a>
      <h1 class="title">{cell?.name}</h1>
      <p class="sub">{t('meeting')} {weekday(meeting.meeting_date)} {vnDate(meeting.meeting_date)} · {t(meeting.status)}</p>
      <nav class="tabs" aria-label={t('meeting')}>
        {TABS.map((k) => (
          <a key={k} href={`#/m/${id}/${k}`} aria-current={tab === k ? 'page' : undefined}>{t('tab_' + k)}</a>
        ))}
      </nav>
      {locked && tab !== 'review' && <p class="muted" role="status">🔒 {t('tr_locked')} <a href={`#/m/${id}/review`}>{t('tr_reopen')}</a></p>}
      <Tab meeting={meeting} cell={cell} locked={locked} />
    </>
  );
}

// totals are the membership and attendance figures the minutes template asks for: the attendance (data.figures)
// and the roll by membership.
export function totals(meeting) {
  const roster = data.members(meeting.cell_id);
  return {
    ...data.figures(meeting),
    full: roster.filter((m) => m.membership === 'full').length,
    probationary: roster.filter((m) => m.membership === 'probationary').length,
    attached: roster.filter((m) => m.temporarily_attached).length,
  };
}

function Totals({ meeting }) {
  const s = totals(meeting);
  const cell = (label, value, cls) => (
    <div class={'stat ' + (cls || '')}>
      <span>{label}</span>
      <strong>{value}</strong>
    </div>
  );
  return (
    <section class="card" aria-labelledby="h-totals">
      <h2 id="h-totals">{t('totals')}</h2>
      <div class="stats">
        {cell(t('t_members'), s.members)}
        {cell(t('t_full'), s.full)}
        {cell(t('t_probationary'), s.probationary)}
        {cell(t('t_exempt'), s.exempt)}
        {cell(t('t_present'), s.present, 'ok')}
        {cell(t('t_excused'), s.excused)}
        {cell(t('t_unexcused'), s.unexcused, s.unexcused ? 'bad' : '')}
        {cell(t('t_rate'), pct(s.rate), s.rate < 0.85 ? 'bad' : 'ok')}
      </div>
      {s.rate < 0.85 && s.unmarked === 0 && <p class="warn" role="status">{t('rate_warning')}</p>}
      {s.unmarked > 0 && <p class="muted">{t('missing_attendance', { n: s.unmarked })}</p>}
    </section>
  );
}

// CheckIn is one small line: the official confirms being at the meeting. The location, its distance from the
// cell's position and the secretary's confirmations are the cross-checks' chunk (../proof/proof.jsx).
const Proof = lazy('proof', () => import('../proof/proof.jsx').then((m) => m.MeetingProof));
function CheckIn({ meeting, locked }) {
  const report = data.myReport(meeting.id);
  const checkIn = () => data.ensureReport(meeting.id, { checked_in_at: new Date().toISOString() }).then(async (id) => {
    if (get('visit_reports', id)?.checked_in_at) return;
    await mutate([{ t: 'visit_reports', id, fields: { checked_in_at: new Date().toISOString() } }]);
  });
  return (
    <div class="checkin">
      {report?.checked_in_at ? (
        <span class="ok">✓ {t('checked_in', { time: vnTime(report.checked_in_at) })}</span>
      ) : locked ? null : (
        <button class="btn small" onClick={checkIn}>{t('check_in')}</button>
      )}
    </div>
  );
}

// Summary is the attendance in one line above the list: present out of those counted, the rate, the absent and
// the members not marked yet (the full table is on the review tab).
function Summary({ meeting, counted, locked }) {
  const s = totals(meeting);
  return (
    <div class="summary" role="status">
      <p>
        <strong class={s.rate < 0.85 ? 'bad' : 'ok'}>{t('sum_present', { p: s.present, n: s.counted, r: pct(s.rate) })}</strong>
        {/* The space before each part is outside it: a part does not break inside, the line breaks between them. */}
        {s.excused > 0 && <> <span class="sum-more">· {t('sum_excused', { n: s.excused })}</span></>}
        {s.unexcused > 0 && <> <span class="sum-more">· {t('sum_unexcused', { n: s.unexcused })}</span></>}
      </p>
      {s.unmarked > 0 && !locked && (
        <p class="summary-todo">
          <span class="warn">{t('missing_attendance', { n: s.unmarked })}</span>
          <button class="btn small" onClick={() => data.markAll(meeting.id, counted, 'present')}>{t('all_present')}</button>
        </p>
      )}
    </div>
  );
}

function Attendance({ meeting, locked }) {
  const roster = data.members(meeting.cell_id);
  const att = data.attendanceOf(meeting.id);
  const counted = roster.filter((m) => !data.exempt(m));
  const exempt = roster.filter(data.exempt);
  return (
    <>
      <CheckIn meeting={meeting} locked={locked} />
      <Summary meeting={meeting} counted={counted} locked={locked} />
      <ul class="roster" aria-label={t('tab_attendance')}>
        {counted.map((m) => <MemberRow key={m.id} meeting={meeting} member={m} a={att.get(m.id)} locked={locked} />)}
      </ul>
      {exempt.length > 0 && (
        <section aria-labelledby="h-exempt">
          <h2 id="h-exempt">{t('exempt_apart')}</h2>
          <ul class="roster exempt">
            {exempt.map((m) => (
              <li key={m.id}><span class="name">{m.full_name}</span><small>{m.status_note}</small></li>
            ))}
          </ul>
        </section>
      )}
      {/* The cross-checks (the location at check-in, the secretary's word) come after the list: the list is what
          the official works on, near the top of the screen. */}
      <Proof meeting={meeting} locked={locked} />
    </>
  );
}

function MemberRow({ meeting, member, a, locked }) {
  const st = a?.status;
  const set = (s) => data.mark(meeting.id, member.id, s, s === 'excused' ? a?.reason || '' : '');
  const btn = (s, label, cls) => (
    <button class={'seg ' + cls} disabled={locked} aria-pressed={st === s ? 'true' : 'false'} onClick={() => set(s)}>{label}</button>
  );
  return (
    <li class={'member ' + (st || 'unmarked')}>
      <div class="who">
        <span class="name">{member.full_name}</span>
        <small>
          {member.birth_year || ''}
          {member.membership === 'probationary' ? ' · ' + t('t_probationary') : ''}
          {!st ? ' · ' + t('not_marked') : ''}
        </small>
      </div>
      <div class="segs" role="group" aria-label={member.full_name}>
        {btn('present', t('present'), 'p')}
        {btn('excused', t('excused'), 'e')}
        {btn('unexcused', t('unexcused'), 'u')}
      </div>
      {st === 'excused' && <Reason meeting={meeting} member={member} reason={a.reason || ''} locked={locked} />}
    </li>
  );
}

// Reason is an excused member's reason: a chip saves at once, what is typed is saved as it is typed (useDebounced).
// "Khác" (other) is not a reason itself: it empties the field of a chip's reason and puts the cursor there to type
// one (it wrote the word "Khác" into the field, and what was typed next was added to it).
function Reason({ meeting, member, reason, locked }) {
  const id = 'r-' + member.id;
  const { props, set } = useDebounced(reason, (v) => data.mark(meeting.id, member.id, 'excused', v), id, locked);
  const typed = props.value !== '' && !REASONS.some((k) => t(k) === props.value);
  const other = () => {
    if (!typed) set('');
    document.getElementById(id)?.focus();
  };
  return (
    <div class="reason">
      <label for={id}>{t('reason')}</label>
      <div class="chips">
        {REASONS.map((k) => (
          <button key={k} class="chip" disabled={locked} aria-pressed={props.value === t(k) ? 'true' : 'false'} onClick={() => set(t(k))}>{t(k)}</button>
        ))}
        <button class="chip" disabled={locked} aria-pressed={typed ? 'true' : 'false'} onClick={other}>{t('reason_other')}</button>
      </div>
      <input id={id} readOnly={locked} {...props} />
    </div>
  );
}

// recDraft is the key of the draft of a recommendation being written (new) or changed, on this meeting's tab.
const recDraft = (rec) => draftKey('rec-' + (rec.id || 'new'));

function Recs({ meeting, cell, locked }) {
  const recs = data.recsOf(meeting.cell_id);
  // A form left open with text in it (the page closed) opens again with the text.
  const [editing, setEditing] = useState(() => (locked ? null : readDraft(recDraft({})) ? {} : recs.find((r) => readDraft(recDraft(r))) || null));
  const fields = data.fields();
  const fieldName = (id) => fields.find((f) => f.id === id)?.name_vi || '';
  const mine = (r) => r.status === 'new' && (r.meeting_id === meeting.id || r._pending);
  return (
    <>
      {locked ? null : editing ? (
        <RecForm rec={editing} fields={fields} onDone={() => setEditing(null)} meeting={meeting} />
      ) : (
        <button class="btn primary wide" onClick={() => setEditing({})}>{t('add_rec')}</button>
      )}
      <h2>{t('earlier_recs')}</h2>
      {recs.length === 0 && <p class="muted">{t('no_recs')}</p>}
      <ul class="cards">
        {recs.map((r) => (
          <li key={r.id} class="card rec">
            <p class="rec-meta">
              <span class={'pill ' + r.status}>{t('st_' + r.status)}</span>
              {r.urgency === 'urgent' && <span class="pill urgent">{t('rec_urgent')}</span>}
              <small>{fieldName(r.field_id)} · {vnDate(r.raised_on)}</small>
            </p>
            <p>{r.content}</p>
            {r.addressee_text && <p class="muted">→ {r.addressee_text}</p>}
            {data.answersOf(r.id).map((a) => (
              <blockquote key={a.id}><strong>{t('answer')}:</strong> {a.body}</blockquote>
            ))}
            {mine(r) && !locked && (
              <p class="actions">
                <button class="btn small" onClick={() => setEditing(r)}>{t('edit')}</button>
                <button class="btn small ghost" onClick={() => mutate([{ t: 'recommendations', op: 'delete', id: r.id }])}>{t('remove')}</button>
              </p>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

// RecForm writes a recommendation, committed with "Lưu"; until then what is typed is a draft on the device, kept at
// every keystroke and shown again if the page closes. link(id), when given, adds changes saved with it (a dialogue's
// question that became this recommendation).
// Suggest offers the directory's bodies for the typed addressee (screens/addressee.jsx, loaded on demand).
const Suggest = lazy('addr', () => import('./addressee.jsx').then((m) => m.Suggest));

export function RecForm({ rec, fields, onDone, meeting, link }) {
  const key = recDraft(rec);
  const [v, setState] = useState(() => readDraft(key) || { field_id: rec.field_id || fields[0]?.id || null, content: rec.content || '', addressee_text: rec.addressee_text || '', addressee_id: rec.addressee_id || null, urgency: rec.urgency || 'normal' });
  const setV = (x) => {
    keepDraft(key, x);
    setState(x);
  };
  const done = () => {
    dropDraft(key);
    onDone();
  };
  const save = async (e) => {
    e.preventDefault();
    if (!v.content.trim()) return;
    const id = rec.id || uuid4();
    const f = { ...v, content: v.content.trim() };
    if (!rec.id) Object.assign(f, { cell_id: meeting.cell_id, meeting_id: meeting.id, raised_on: meeting.meeting_date });
    await mutate([{ t: 'recommendations', id, fields: f }, ...(link ? link(id) : [])]);
    done();
  };
  return (
    <form class="card" onSubmit={save}>
      <label for="rec-field">{t('rec_field')}</label>
      <select id="rec-field" value={v.field_id || ''} onChange={(e) => setV({ ...v, field_id: e.currentTarget.value })}>
        {fields.map((f) => <option key={f.id} value={f.id}>{lang.value === 'en' && f.name_en ? f.name_en : f.name_vi}</option>)}
      </select>
      <label for="rec-content">{t('rec_content')}</label>
      <textarea id="rec-content" rows={4} required value={v.content} onInput={(e) => setV({ ...v, content: e.currentTarget.value })} />
      <label for="rec-to">{t('rec_addressee')}</label>
      <input id="rec-to" value={v.addressee_text} onInput={(e) => setV({ ...v, addressee_text: e.currentTarget.value, addressee_id: null })} />
      <Suggest text={v.addressee_text} cellId={meeting.cell_id} picked={v.addressee_id} pick={(a) => setV({ ...v, addressee_text: a.name, addressee_id: a.id })} />
      <label class="check">
        <input type="checkbox" checked={v.urgency === 'urgent'} onChange={(e) => setV({ ...v, urgency: e.currentTarget.checked ? 'urgent' : 'normal' })} />
        {t('rec_urgent')}
      </label>
      <p class="actions">
        <button class="btn primary" type="submit">{t('save')}</button>
        <button class="btn ghost" type="button" onClick={done}>{t('cancel')}</button>
      </p>
    </form>
  );
}

// missing lists what a report still lacks: unmarked members, minutes items not written, no score.
export function missing(meeting, report) {
  const out = [];
  const s = totals(meeting);
  if (s.unmarked > 0) out.push(t('tr_missing_unmarked', { n: s.unmarked }));
  for (const i of data.notesOf(meeting)) {
    // The items the template requires (only a thematic meeting has a topic when the items do not say).
    if ('required' in i ? !i.required : i.key === 'thematic' && meeting.type !== 'thematic') continue;
    if (!(i.text || '').trim()) out.push(t('tr_missing_item', { item: i.label || t('item_' + i.key) }));
  }
  const scores = report?.scores || {};
  if (!Object.values(scores).some((v) => v > 0)) out.push(t('tr_missing_score'));
  return out;
}

function Review({ meeting }) {
  const s = totals(meeting);
  const report = data.myReport(meeting.id);
  const r = data.rubric();
  const scores = report?.scores || {};
  const total = r ? r.criteria.reduce((x, c) => x + (scores[c.code] || 0), 0) : 0;
  const notes = data.notesOf(meeting).filter((i) => i.text).length;
  const recs = data.recsOf(meeting.cell_id).filter((x) => x.meeting_id === meeting.id).length;
  const [asking, setAsking] = useState(false);
  const submitted = report?.status === 'submitted';
  const submit = async () => {
    const rid = await data.ensureReport(meeting.id);
    const now = new Date().toISOString();
    await mutate([
      { t: 'meetings', id: meeting.id, fields: { status: 'held', members_total: s.members, members_full: s.full,
        members_probationary: s.probationary, members_attached: s.attached, members_exempt: s.exempt } },
      { t: 'visit_reports', id: rid, fields: { status: 'submitted', submitted_at: now } },
    ]);
    setAsking(false);
    go('');
  };
  const lacks = missing(meeting, report);
  return (
    <>
      <h2>{t('review')}</h2>
      <Totals meeting={meeting} />
      <section class="card">
        <p>{t('tab_minutes')}: {notes} / {data.notesOf(meeting).length}</p>
        {r && <p>{t('score_total')}: {total} — {t('grade')}: {t('grade_' + data.gradeFor(r, total))}</p>}
        <p>{t('tab_recs')}: {recs}</p>
      </section>
      {submitted ? (
        <>
          <p class="ok" role="status">✓ {t('submitted', { time: vnTime(report.submitted_at) })}</p>
          <Reopen report={report} />
        </>
      ) : asking ? (
        <section class="card confirm-submit" role="alertdialog" aria-labelledby="h-confirm">
          <h2 id="h-confirm">{t('tr_confirm_title')}</h2>
          {lacks.length ? (
            <>
              <p class="warn">{t('tr_missing')}</p>
              <ul class="missing">{lacks.map((x) => <li key={x}>{x}</li>)}</ul>
            </>
          ) : <p>{t('tr_complete')}</p>}
          <p class="muted">{t('tr_lock_note')}</p>
          <p class="actions">
            <button class="btn primary" onClick={submit}>{lacks.length ? t('tr_send_anyway') : t('tr_send')}</button>
            <button class="btn ghost" onClick={() => setAsking(false)}>{t('tr_go_back')}</button>
          </p>
        </section>
      ) : (
        <>
          {report?.change_reason && <p class="warn">{t('tr_reopened_note', { reason: report.change_reason })}</p>}
          <button class="btn primary wide" onClick={() => setAsking(true)}>{t('tr_submit')}</button>
          {!online.value && <p class="muted center">{t('tr_offline_hint')}</p>}
        </>
      )}
      <History report={report} />
    </>
  );
}

// Reopen is the explicit "Sửa báo cáo đã gửi": a reason (kept as a draft while typed), then the report is a draft
// again; the server records who reopened it, when and why in the report's history.
function Reopen({ report }) {
  const key = draftKey('reopen');
  const [open, setOpen] = useState(() => readDraft(key) !== undefined);
  const [reason, setReason] = useState(() => readDraft(key) || '');
  const [err, setErr] = useState('');
  if (!open) return <button class="btn wide" onClick={() => setOpen(true)}>{t('tr_reopen')}</button>;
  const type = (v) => {
    keepDraft(key, v);
    setReason(v);
  };
  const go_ = async () => {
    if (!reason.trim()) return setErr(t('tr_reopen_need'));
    await mutate([{ t: 'visit_reports', id: report.id, fields: { status: 'draft', change_reason: reason.trim() } }]);
    dropDraft(key);
    setOpen(false);
  };
  return (
    <section class="card">
      <label for="reopen-reason">{t('tr_reopen_reason')}</label>
      <textarea id="reopen-reason" rows={3} value={reason} aria-invalid={err ? 'true' : undefined} onInput={(e) => type(e.currentTarget.value)} />
      {err && <p class="error" role="alert">{err}</p>}
      <p class="actions">
        <button class="btn primary" onClick={go_}>{t('tr_reopen_do')}</button>
        <button class="btn ghost" onClick={() => (dropDraft(key), setOpen(false))}>{t('cancel')}</button>
      </p>
    </section>
  );
}

// History lists the report's submissions and reopenings, as the server recorded them.
export function History({ report }) {
  let h = [];
  try {
    h = typeof report?.history === 'string' ? JSON.parse(report.history) : report?.history || [];
  } catch {
    h = [];
  }
  if (!h?.length) return null;
  return (
    <section class="card" aria-labelledby="h-history">
      <h2 id="h-history">{t('tr_history')}</h2>
      <ul class="history">
        {h.map((e, i) => (
          <li key={i}>{e.action === 'reopened'
            ? t('tr_ev_reopened', { time: vnDateTime(e.at), reason: e.reason || '' })
            : t('tr_ev_submitted', { time: vnDateTime(e.at) })}</li>
        ))}
      </ul>
    </section>
  );
}
