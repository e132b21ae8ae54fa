// Recommendation tracking (#/recs, #/recs/<id>): the recommendations in the caller's scope, filtered by status,
// overdue, field, unit, addressee, age or words and downloadable as a workbook, with the statistics by field and
// status for supervisors (a chart and a table, days to answer, share sent back), and one recommendation's answers
// and history with the steps the caller may take (forward, answer, accept or send back, resolve, announce). It
// talks to the server directly (online only).
import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang } from '../i18n.js';
import { online } from '../state.js';
import { isSupervisor, today, fields } from '../data.js';
import { api } from '../sync.js';
import { usePaged } from '../paged.js';
import { Download, unitOptions, useUnits, unitName } from './shared.jsx';
import { StatusBars, RecStatsTable, pct } from '../chart.jsx';

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
  const [more, setMore] = useState({ field_id: '', unit: '', addressee_id: '', older_than: '', q: '' });
  const filters = (status ? '&status=' + status : '') + (overdue ? '&overdue=true' : '') +
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
        <p><Download path={'/api/v1/exports/recommendations.xlsx?' + filters.slice(1)} file={'Kien-nghi ' + today() + '.xlsx'} label={t('sv_excel')} /></p>
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
  const step = async (action, body) => {
    setBusy(true);
    setError('');
    try {
      setR(await call('POST', `/api/v1/recommendations/${id}/${action}`, body || {}));
      return true;
    } catch (e) {
      setError(errText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p><a href="#/recs">‹ {t('rc_title')}</a></p>
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
            </p>
          </section>
          <Actions r={r} step={step} busy={busy} all={units} />
          {r.answers?.length > 0 && (
            <section class="card">
              <h2>{t('rc_answers')}</h2>
              <ul class="rows">
                {r.answers.map((a) => (
                  <li key={a.id} class="row answer">
                    <strong>{a.body}</strong>
                    <small>
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
                    {e.addressee_org_unit_id ? ' · ' + unitName(units, e.addressee_org_unit_id) : ''}
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

function Actions({ r, step, busy, all }) {
  const sup = isSupervisor();
  const [to, setTo] = useState(r.addressee_org_unit_id || '');
  useEffect(() => {
    // A new recommendation goes to the cell's commune unless the supervisor picks another unit.
    if (!to && sup && r.cell_id) call('GET', '/api/v1/org-units/' + r.cell_id).then((u) => setTo((cur) => cur || u.parent_id || ''), () => {});
  }, [r.cell_id]);
  const [due, setDue] = useState(plus(15));
  const [reason, setReason] = useState('');
  const [answer, setAnswer] = useState('');
  const units = [...all].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const forward = sup && (r.status === 'new' || r.status === 'forwarded');
  const answerable = r.status === 'forwarded' || r.status === 'sent_back';
  const judge = sup && r.status === 'answered';
  const resolve = sup && r.status === 'accepted';
  const announce = (r.status === 'accepted' || r.status === 'resolved') && !r.announced_at;
  if (!forward && !answerable && !judge && !resolve && !announce) return null;
  return (
    <section class="card actions">
      <h2>{t('rc_actions')}</h2>
      {forward && (
        <form onSubmit={(e) => (e.preventDefault(), step('forward', { addressee_org_unit_id: to, due_on: due }))}>
          <label for="rc-to">{t('rc_addressee')}</label>
          <select id="rc-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            <option value="">{t('rc_pick')}</option>
            {units.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
          <label for="rc-due">{t('rc_due_on')}</label>
          <input id="rc-due" type="date" value={due} min={today()} onInput={(e) => setDue(e.currentTarget.value)} />
          <button class="btn" disabled={busy || !online.value}>{t(r.status === 'new' ? 'rc_forward' : 'rc_reforward')}</button>
        </form>
      )}
      {answerable && (
        <form onSubmit={async (e) => (e.preventDefault(), (await step('answers', { body: answer.trim() })) && setAnswer(''))}>
          <label for="rc-answer">{t('rc_answer')}</label>
          <textarea id="rc-answer" rows="3" value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
          <button class="btn" disabled={busy || !online.value || !answer.trim()}>{t('rc_answer_send')}</button>
        </form>
      )}
      {judge && (
        <>
          <button class="btn" disabled={busy || !online.value} onClick={() => step('verdict', { verdict: 'accepted', reason: reason.trim() })}>{t('rc_accept')}</button>
          <label for="rc-reason">{t('rc_reason')}</label>
          <textarea id="rc-reason" rows="2" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button class="btn ghost" disabled={busy || !online.value || !reason.trim()} onClick={() => step('verdict', { verdict: 'sent_back', reason: reason.trim() })}>{t('rc_send_back')}</button>
        </>
      )}
      {resolve && <button class="btn" disabled={busy || !online.value} onClick={() => step('resolve')}>{t('rc_resolve')}</button>}{' '}
      {announce && <button class="btn ghost" disabled={busy || !online.value} onClick={() => step('announce')}>{t('rc_announce')}</button>}
      {!online.value && <p class="warn" role="status">{t('rc_offline')}</p>}
    </section>
  );
}
