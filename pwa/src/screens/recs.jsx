// Recommendation tracking (#/recs, #/recs/<id>): the recommendations in the caller's scope, filtered by status,
// overdue, field, unit, addressee, age or words and downloadable as a workbook, with the statistics by field and
// status for supervisors (a chart and a table, days to answer, share sent back), and one recommendation's answers
// and history with the steps the caller may take (forward, answer, accept or send back, resolve, announce). It
// talks to the server directly (online only).
import { useState, useEffect, useRef } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang, extend } from '../i18n.js';
import { online } from '../state.js';
import { isSupervisor, today, fields, hasRole } from '../data.js';
import * as loopMsg from './recs.msg.js';
import { api } from '../sync.js';
import { usePaged } from '../paged.js';
import { Download, unitOptions, useUnits, unitName } from './shared.jsx';
import { StatusBars, RecStatsTable, pct } from '../chart.jsx';

extend(loopMsg);

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('rc_offline') : e.message);
const STATUSES = ['new', 'forwarded', 'answered', 'sent_back', 'accepted', 'resolved'];

export function Recs({ id }) {
  return id ? <Detail id={id} /> : <RecList />;
}

// AGES are the "raised more than … days ago" choices.
const AGES = [30, 90, 180, 365];

function RecList() {
  const [status, setStatus] = useState('');
  const [overdue, setOverdue] = useState(false);
  const [announce, setAnnounce] = useState(/to_announce=1/.test(location.hash));
  const [more, setMore] = useState({ field_id: '', unit: '', addressee_id: '', older_than: '', q: '' });
  const filters = (status ? '&status=' + status : '') + (overdue ? '&overdue=true' : '') + (announce ? '&to_announce=true' : '') +
    Object.entries(more).filter(([, v]) => v).map(([k, v]) => '&' + k + '=' + encodeURIComponent(v)).join('');
  const path = '/api/v1/recommendations?limit=20' + filters;
  const st = usePaged((url) => call('GET', url), path, errText);
  const chip = (on, label, click) => (
    <button class={'chip' + (on ? ' on' : '')} aria-pressed={on} onClick={click}>{label}</button>
  );
  const set = (k) => (e) => setMore({ ...more, [k]: e.currentTarget.value });
  const all = useUnits();
  const units = isSupervisor() ? unitOptions(all) : [];
  const select = (id, k, label, options) => (
    <>
      <label for={id}>{label}</label>
      <select id={id} value={more[k]} onChange={set(k)}>
        <option value="">{t('rc_all')}</option>
        {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
      </select>
    </>
  );
  return (
    <>
      <h1 class="title">{t('rc_title')}</h1>
      {isSupervisor() && <Stats />}
      <div class="chips" role="group" aria-label={t('rc_filter')}>
        {chip(overdue, t('rc_overdue'), () => setOverdue(!overdue))}
        {chip(announce, t('lp_to_announce'), () => setAnnounce(!announce))}
        {chip(!status, t('rc_all'), () => setStatus(''))}
        {STATUSES.map((s) => chip(status === s, t('rs_' + s), () => setStatus(s)))}
      </div>
      <details class="card more-filters">
        <summary>{t('rc_more_filters')}</summary>
        {select('rf-field', 'field_id', t('rc_field'), fields().map((f) => ({ id: f.id, name: lang.value === 'en' && f.name_en ? f.name_en : f.name_vi })))}
        {units.length > 0 && select('rf-unit', 'unit', t('rc_unit'), units)}
        {units.length > 0 && select('rf-addressee', 'addressee_id', t('rc_addressee'), units)}
        {select('rf-age', 'older_than', t('rc_older'), AGES.map((n) => ({ id: String(n), name: t('rc_days_more', { n }) })))}
        <label for="rf-q">{t('rc_search')}</label>
        <input id="rf-q" type="search" value={more.q} onChange={set('q')} />
      </details>
      {isSupervisor() && (
        <p><Download path={'/api/v1/exports/recommendations.xlsx?' + filters.slice(1)} file={'kien-nghi-' + today() + '.xlsx'} label={t('sv_excel')} /></p>
      )}
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.loaded && !st.items.length && !st.error && <p class="muted">{t('rc_none')}</p>}
      <ul class="rows">
        {st.items.map((r) => (
          <li key={r.id}>
            <a class={'row rec' + (r.overdue ? ' overdue' : '')} href={'#/recs/' + r.id}>
              <strong>{r.content}</strong>
              <small>
                {r.cell_name} · {t('rs_' + r.status)}
                {r.addressee_name || r.addressee_text ? ' · ' + (r.addressee_name || r.addressee_text) : ''}
                {r.due_on ? ' · ' + t('rc_due', { date: vnDate(r.due_on) }) : ''} · {t('rc_days', { n: r.days_open })}
              </small>
              {r.overdue && <span class="pill urgent">{t('rc_overdue')}</span>}
            </a>
          </li>
        ))}
      </ul>
      {st.next && <button class="btn small ghost" onClick={st.more}>{t('more')}</button>}
    </>
  );
}

// Stats sums up the recommendations in the caller's scope: a line, and the chart and table by field and status.
function Stats() {
  const [st, set] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!online.value) return;
    call('GET', '/api/v1/recommendations/stats').then((s) => (set(s), setError('')), (e) => setError(errText(e)));
  }, [online.value, lang.value]);
  const days = (x) => (x === null || x === undefined ? '–' : String(x).replace('.', lang.value === 'vi' ? ',' : '.'));
  return (
    <section class="card rec-stats" aria-labelledby="rc-stats">
      <h2 id="rc-stats">{t('rc_stats')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {!st && !error && <p class="muted">{t('loading')}</p>}
      {st && (
        <>
          <p class="stats-line">{t('rc_stats_line', { n: st.totals.total, avg: days(st.avg_days_to_answer), p90: days(st.p90_days_to_answer), sb: pct(st.sent_back_share) })}</p>
          <details>
            <summary>{t('rc_stats_table')}</summary>
            <StatusBars title={t('rp_recs_chart')} stats={st} />
            <RecStatsTable stats={st} caption={t('rc_stats_table')} />
          </details>
        </>
      )}
    </section>
  );
}

const plus = (days) => new Date(Date.parse(today()) + days * 864e5).toISOString().slice(0, 10);

function Detail({ id }) {
  const units = useUnits();
  const [r, setR] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call('GET', '/api/v1/recommendations/' + id).then(setR, (e) => setError(errText(e)));
  }, [id, online.value]);
  const [stepError, setStepError] = useState(''); // shown by the step's button (Actions)
  const step = async (action, body) => {
    setBusy(true);
    setStepError('');
    try {
      setR(await call('POST', `/api/v1/recommendations/${id}/${action}`, body || {}));
      return true;
    } catch (e) {
      setStepError(errText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <a class="back" href="#/recs">‹ {t('rc_title')}</a>
      <h1 class="title">{t('rc_one')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {!r && !error && <p class="muted">{t('loading')}</p>}
      {r && (
        <>
          <section class="card">
            <p class="rec-content">{r.content}</p>
            <p>
              <span class={"pill " + r.status} id="rec-status">{t('rs_' + r.status)}</span>{' '}
              {r.overdue && <span class="pill urgent">{t('rc_overdue')}</span>}
            </p>
            <p class="muted">
              {r.cell_name} · {t('rc_raised', { date: vnDate(r.raised_on) })} · {t('rc_days', { n: r.days_open })}
              {r.addressee_name ? <><br />{t('rc_to', { name: r.addressee_name })}</> : r.addressee_text ? <><br />{t('rc_to', { name: r.addressee_text })}</> : null}
              {r.due_on ? <><br />{t('rc_due', { date: vnDate(r.due_on) })}</> : null}
              {r.escalations > 0 ? <><br />{t('lp_escalations', { n: r.escalations })}</> : null}
            </p>
            {r.direction && <p class="direction">{t('lp_direction_of', { text: r.direction })}</p>}
            {r.confirmed_at && <p class="muted">{t('lp_confirmed', { date: vnDate(r.confirmed_at) })}</p>}
          </section>
          <Actions r={r} step={step} busy={busy} all={units} error={stepError} />
          {r.answers?.length > 0 && (
            <section class="card">
              <h2>{t('rc_answers')}</h2>
              <ul class="rows">
                {r.answers.map((a) => (
                  <li key={a.id} class="row answer">
                    <strong>{a.body}</strong>
                    <small>
                      {a.addressee_id && r.bodies?.[a.addressee_id] ? r.bodies[a.addressee_id] + ' · ' : ''}
                      {a.doc_number ? t('lp_doc', { number: a.doc_number, date: vnDate(a.doc_date) }) + ' · ' : ''}
                      {a.beyond_competence ? t('lp_beyond') + ' · ' : ''}
                      {vnDateTime(a.answered_at)}
                      {a.verdict ? ' · ' + t('rv_' + a.verdict) : ''}
                      {a.verdict_reason ? ': ' + a.verdict_reason : ''}
                    </small>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section class="card">
            <h2>{t('rc_history')}</h2>
            <ol class="rows history">
              {(r.events || []).map((e) => (
                <li key={e.id} class="row event">
                  <strong>{t('ra_' + e.action)}</strong>
                  <small>
                    {vnDateTime(e.at)}
                    {e.to_status && e.to_status !== e.from_status ? ' · ' + t('rs_' + e.to_status) : ''}
                    {e.addressee_id && r.bodies?.[e.addressee_id] ? ' · ' + r.bodies[e.addressee_id] : ''}
                    {!e.addressee_id && e.addressee_org_unit_id ? ' · ' + unitName(units, e.addressee_org_unit_id) : ''}
                    {e.doc_number ? ' · ' + t('lp_doc', { number: e.doc_number, date: vnDate(e.doc_date) }) : ''}
                    {e.meeting_id && r.meetings?.[e.meeting_id] ? ' · ' + t(r.meetings[e.meeting_id].form === 'briefing' ? 'lp_at_briefing' : 'lp_at_meeting', { date: vnDate(r.meetings[e.meeting_id].meeting_date) }) : ''}
                    {e.due_on ? ' · ' + t('rc_due', { date: vnDate(e.due_on) }) : ''}
                    {e.note ? ' · ' + e.note : ''}
                  </small>
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </>
  );
}

// BodyPicker picks a body of the directory of addressees (searched on the server, diacritics-insensitive), for
// forwarding; the official's addressee text's match comes preselected.
function BodyPicker({ r, value, onChange, id = 'rc-body', label = 'lp_pick_body' }) {
  const [q, setQ] = useState('');
  const [items, setItems] = useState([]);
  useEffect(() => {
    const h = setTimeout(() => {
      call('GET', '/api/v1/addressees?limit=50&active_on=' + today() + '&province_id=' + r.cell_id + (q.trim() ? '&q=' + encodeURIComponent(q.trim()) : ''))
        .then((p) => setItems(p.items || []), () => setItems([]));
    }, 200);
    return () => clearTimeout(h);
  }, [q, r.cell_id]);
  const chosen = value && !items.some((a) => a.id === value) && r.bodies?.[value] ? [{ id: value, name: r.bodies[value] }] : [];
  return (
    <>
      <label for={id + '-q'}>{t('lp_body_search')}</label>
      <input id={id + '-q'} type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <label for={id}>{t(label)}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{t('rc_pick')}</option>
        {[...chosen, ...items].map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
      </select>
    </>
  );
}

// Briefings lists the commune's briefings (giao ban) to announce the outcome at, latest first.
function useBriefings(r, on) {
  const [list, setList] = useState(null);
  useEffect(() => {
    if (!on) return;
    call('GET', '/api/v1/org-units/' + r.cell_id)
      .then((u) => call('GET', '/api/v1/meetings?form=briefing&limit=50&from=' + plus(-92) + '&cell_id=' + (u.parent_id || r.cell_id)))
      .then((p) => setList((p.items || []).filter((m) => m.form === 'briefing').sort((a, b) => (a.meeting_date < b.meeting_date ? 1 : -1))), () => setList([]));
  }, [r.cell_id, on]);
  return list;
}

// Actions are the steps the user may take on the recommendation; a step the server refuses says why at the foot of
// the card, by the button pressed (at the top of the page it went unseen on a phone).
function Actions({ r, step, busy, all, error }) {
  const sup = isSupervisor();
  const said = useRef(null);
  useEffect(() => {
    if (error) said.current?.scrollIntoView({ block: 'nearest' });
  }, [error]);
  const [body, setBody] = useState(r.addressee_id || r.suggested_addressee_id || '');
  // The old way: a party unit (kept for the units the directory does not list).
  const [to, setTo] = useState(r.addressee_id ? '' : r.addressee_org_unit_id || '');
  const units = [...all].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const [direction, setDirection] = useState('');
  const [due, setDue] = useState(plus(15));
  const [reason, setReason] = useState('');
  const [answer, setAnswer] = useState('');
  const [doc, setDoc] = useState({ number: '', date: today(), beyond: false });
  const [note, setNote] = useState('');
  const [briefing, setBriefing] = useState('');
  const [up, setUp] = useState(r.addressee_parent_id || '');
  const forward = sup && (r.status === 'new' || r.status === 'forwarded');
  const direct = sup && (r.status === 'new' || r.status === 'forwarded' || r.status === 'sent_back');
  const answerable = (r.status === 'forwarded' || r.status === 'sent_back') && (r.responder || sup);
  const escalate = sup && r.addressee_id && (r.status === 'forwarded' || r.status === 'sent_back');
  const judge = sup && r.status === 'answered';
  const resolve = sup && r.status === 'accepted';
  const confirmable = hasRole('secretary') && r.status === 'accepted';
  const announce = (r.status === 'accepted' || r.status === 'resolved') && !r.announced_at;
  const briefings = useBriefings(r, announce && sup);
  if (!forward && !direct && !answerable && !judge && !resolve && !confirmable && !announce) return null;
  const docInput = (
    <>
      <label for="rc-doc-number">{t('lp_doc_number')}</label>
      <input id="rc-doc-number" value={doc.number} placeholder="12/UBND" onInput={(e) => setDoc({ ...doc, number: e.currentTarget.value })} />
      <label for="rc-doc-date">{t('lp_doc_date')}</label>
      <input id="rc-doc-date" type="date" value={doc.date} max={today()} onInput={(e) => setDoc({ ...doc, date: e.currentTarget.value })} />
    </>
  );
  const sendAnswer = async (e) => {
    e.preventDefault();
    const b = { body: answer.trim() };
    if (doc.number.trim()) Object.assign(b, { doc_number: doc.number.trim(), doc_date: doc.date });
    if (doc.beyond) Object.assign(b, { beyond_competence: true }, up ? { escalate_to: up } : {});
    if (await step('answers', b)) (setAnswer(''), setDoc({ number: '', date: today(), beyond: false }));
  };
  return (
    <section class="card actions">
      <h2>{t('rc_actions')}</h2>
      {forward && (
        <form onSubmit={(e) => (e.preventDefault(), step('forward', { ...(body ? { addressee_id: body } : { addressee_org_unit_id: to }), due_on: due, direction: direction.trim() || undefined }))}>
          <BodyPicker r={r} value={body} onChange={(v) => (setBody(v), v && setTo(''))} />
          {r.suggested_addressee_id && !r.addressee_id && r.bodies?.[r.suggested_addressee_id] && (
            <p class="muted">{t('lp_suggested', { name: r.bodies[r.suggested_addressee_id] })}</p>
          )}
          <label for="rc-to">{t('lp_or_unit')}</label>
          <select id="rc-to" value={to} onChange={(e) => (setTo(e.currentTarget.value), e.currentTarget.value && setBody(''))}>
            <option value="">{t('rc_pick')}</option>
            {units.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
          <label for="rc-due">{t('rc_due_on')}</label>
          <input id="rc-due" type="date" value={due} min={today()} onInput={(e) => setDue(e.currentTarget.value)} />
          <label for="rc-direction">{t('lp_direction')}</label>
          <textarea id="rc-direction" rows="2" value={direction} onInput={(e) => setDirection(e.currentTarget.value)} />
          <button class="btn" disabled={busy || !online.value || (!body && !to)}>{t(r.status === 'new' ? 'rc_forward' : 'rc_reforward')}</button>{' '}
          <button class="btn ghost" type="button" disabled={busy || !online.value || !direction.trim()}
            onClick={async () => (await step('direct', { direction: direction.trim() })) && setDirection('')}>{t('lp_direct')}</button>
        </form>
      )}
      {direct && !forward && (
        <form onSubmit={async (e) => (e.preventDefault(), (await step('direct', { direction: direction.trim() })) && setDirection(''))}>
          <label for="rc-direction">{t('lp_direction')}</label>
          <textarea id="rc-direction" rows="2" value={direction} onInput={(e) => setDirection(e.currentTarget.value)} />
          <button class="btn ghost" disabled={busy || !online.value || !direction.trim()}>{t('lp_direct')}</button>
        </form>
      )}
      {answerable && (
        <form onSubmit={sendAnswer}>
          <label for="rc-answer">{t('rc_answer')}</label>
          <textarea id="rc-answer" rows="3" value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
          {docInput}
          {r.addressee_id && (
            <label class="check">
              <input type="checkbox" id="rc-beyond" checked={doc.beyond} onChange={(e) => setDoc({ ...doc, beyond: e.currentTarget.checked })} />{' '}
              {t('lp_beyond')}
            </label>
          )}
          {doc.beyond && <p class="muted">{t('lp_beyond_hint')}</p>}
          {doc.beyond && <BodyPicker r={r} id="rc-up" label="lp_up_body" value={up} onChange={setUp} />}
          <button class="btn" disabled={busy || !online.value || !answer.trim()}>{t(doc.beyond ? 'lp_escalate' : 'rc_answer_send')}</button>
        </form>
      )}
      {escalate && !doc.beyond && (
        <button class="btn ghost" disabled={busy || !online.value} onClick={() => step('escalate', {})}>{t('lp_escalate')}</button>
      )}
      {judge && (
        <>
          <button class="btn" disabled={busy || !online.value} onClick={() => step('verdict', { verdict: 'accepted', reason: reason.trim() })}>{t('rc_accept')}</button>
          <label for="rc-reason">{t('rc_reason')}</label>
          <textarea id="rc-reason" rows="2" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button class="btn ghost" disabled={busy || !online.value || !reason.trim()} onClick={() => step('verdict', { verdict: 'sent_back', reason: reason.trim() })}>{t('rc_send_back')}</button>
        </>
      )}
      {confirmable && (
        <form onSubmit={(e) => (e.preventDefault(), step('confirm', { note: note.trim() }))}>
          <label for="rc-confirm-note">{t('lp_confirm_note')}</label>
          <textarea id="rc-confirm-note" rows="2" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button class="btn" disabled={busy || !online.value}>{t('lp_confirm')}</button>
        </form>
      )}
      {resolve && <button class="btn ghost" disabled={busy || !online.value} onClick={() => step('resolve')}>{t('rc_resolve')}</button>}{' '}
      {announce && sup && briefings && (
        <>
          <label for="rc-briefing">{t('lp_briefing')}</label>
          <select id="rc-briefing" value={briefing} onChange={(e) => setBriefing(e.currentTarget.value)}>
            <option value="">{t('rc_pick')}</option>
            {briefings.map((m) => <option key={m.id} value={m.id}>{t('lp_briefing_of', { date: vnDate(m.meeting_date) })}</option>)}
          </select>
          {!briefings.length && <p class="muted">{t('lp_no_briefing')}</p>}
        </>
      )}
      {announce && (
        <button class="btn ghost" disabled={busy || !online.value} onClick={() => step('announce', briefing ? { meeting_id: briefing } : {})}>
          {t(briefing ? 'lp_announce_at' : 'rc_announce')}
        </button>
      )}
      {error && <p class="error" role="alert" ref={said}>{error}</p>}
      {!online.value && <p class="warn" role="status">{t('rc_offline')}</p>}
    </section>
  );
}
