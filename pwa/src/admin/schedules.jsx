// The administrators' meeting schedules screen (#/admin/schedules/...): the schedule that applies to a unit (the
// province's rule, a commune's, a cell's own) and where it comes from; an administrator sets the unit's own rule or
// drops it; for a cell, a month's meeting is moved or cancelled (and put back on the rule's day). Supervisors read
// it. rest is the part of the route after "#/admin/schedules/": empty, or the unit's id.
import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, lang } from '../i18n.js';
import { online } from '../state.js';
import { today } from '../data.js';
import { api } from '../sync.js';
import { canAdmin } from './admin.jsx';
import { UnitSearch, useStartUnits } from './org.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('ad_offline') : e.message);
const link = (id) => '#/admin/schedules/' + id;

export function Schedules({ rest }) {
  const id = rest[0] || '';
  const { start } = useStartUnits();
  return (
    <>
      <h1 class="title">{t('ad_schedules')}</h1>
      <div class="card">
        <UnitSearch id="sc-find" label={t('sc_pick_unit')} query="" onPick={(u) => (location.hash = link(u.id))} />
        {!id && (
          <ul>
            {start.map((u) => (
              <li key={u.id}><a href={link(u.id)}>{u.name}</a></li>
            ))}
          </ul>
        )}
      </div>
      {id && <UnitSchedule key={id} id={id} />}
    </>
  );
}

// clock is "19:00" from the API's "19:00" or "19:00:00".
const clock = (s) => (s || '').slice(0, 5);

// UnitSchedule is one unit's schedule: the rule that applies, the form for its own, and (a cell) a month's meeting.
function UnitSchedule({ id }) {
  const [u, setU] = useState(null);
  const [v, setV] = useState(null);
  const [from, setFrom] = useState('');
  const [err, setErr] = useState('');
  const load = async () => {
    try {
      const [unit, view] = await Promise.all([call('GET', '/api/v1/org-units/' + id), call('GET', '/api/v1/org-units/' + id + '/schedule')]);
      setU(unit);
      setV(view);
      setErr('');
      if (view.inherited_from) call('GET', '/api/v1/org-units/' + view.inherited_from).then((x) => setFrom(x.name), () => setFrom(''));
      else setFrom('');
    } catch (e) {
      setErr(errText(e));
    }
  };
  useEffect(() => {
    load();
  }, [id]);
  if (err) return <p class="error" role="alert">{err}</p>;
  if (!u || !v) return <p class="muted" role="status">{t('og_loading')}</p>;
  const e = v.effective;
  return (
    <>
      <section class="card" aria-labelledby="sc-rule-h">
        <h2 id="sc-rule-h">{t('sc_rule')}: {u.name}</h2>
        <p class="muted">{v.own ? t('sc_own') : v.inherited_from && from ? t('sc_inherited', { name: from }) : t('sc_default')}</p>
        <ul>
          <li>{t('sc_day_is', { day: e.day_of_month })}</li>
          <li>{t('sc_thematic_is', { months: e.thematic_months.join(', ') })}</li>
          <li>{t('sc_due_is', { n: e.report_due_days })}</li>
          <li>{t('sc_reminders_are', { eve: clock(e.eve_reminder), morning: clock(e.morning_reminder), digest: clock(e.digest_at) })}</li>
          {e.meets_at !== undefined && <li>{t('sc_meets_is', { time: clock(e.meets_at), min: e.meeting_minutes })}</li>}
          {e.location_radius_m !== undefined && (
            <li>{t('sc_loc_is', { r: e.location_radius_m, req: t(e.location_required ? 'sc_loc_req_yes' : 'sc_loc_req_no') })}</li>
          )}
        </ul>
      </section>
      {canAdmin() && <RuleForm id={id} view={v} done={load} />}
      {u.kind === 'cell' ? <MonthMove cell={u} /> : <p class="muted">{t('sc_cell_only')}</p>}
    </>
  );
}

// RuleForm sets the unit's own rule (starting from the one that applies) or drops it.
function RuleForm({ id, view, done }) {
  const e = view.effective;
  const [f, setF] = useState({ day: e.day_of_month, months: e.thematic_months, due: e.report_due_days, eve: clock(e.eve_reminder),
    morning: clock(e.morning_reminder), digest: clock(e.digest_at), meets: clock(e.meets_at || '19:30'), minutes: e.meeting_minutes ?? 120,
    radius: e.location_radius_m ?? 500, required: !!e.location_required });
  // The cross-checks' settings (issue #13), sent once the server has them.
  const proof = e.meets_at !== undefined;
  const [st, setSt] = useState({ busy: false, error: '', ok: '' });
  const run = async (fn, ok) => {
    setSt({ busy: true, error: '', ok: '' });
    try {
      await fn();
      setSt({ busy: false, error: '', ok });
      done();
    } catch (x) {
      setSt({ busy: false, error: errText(x), ok: '' });
    }
  };
  const set = (k) => (ev) => setF({ ...f, [k]: ev.currentTarget.value });
  const month = (m, on) => setF({ ...f, months: on ? [...f.months, m].sort((a, b) => a - b) : f.months.filter((x) => x !== m) });
  const save = (ev) => {
    ev.preventDefault();
    run(() => call('PUT', '/api/v1/org-units/' + id + '/schedule', { day_of_month: Number(f.day), thematic_months: f.months,
      report_due_days: Number(f.due), eve_reminder: f.eve, morning_reminder: f.morning, digest_at: f.digest,
      ...(proof ? { meets_at: f.meets, meeting_minutes: Number(f.minutes), location_radius_m: Number(f.radius), location_required: f.required } : {}) }), t('sc_saved'));
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="sc-edit-h">
      <h2 id="sc-edit-h">{t('sc_edit')}</h2>
      <label for="sc-day">{t('sc_day')}</label>
      <input id="sc-day" type="number" inputmode="numeric" min="1" max="31" required value={f.day} onInput={set('day')} />
      <fieldset>
        <legend>{t('sc_thematic')}</legend>
        <div class="chips">
          {[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => (
            <label key={m} class="chip">
              <input type="checkbox" checked={f.months.includes(m)} onChange={(ev) => month(m, ev.currentTarget.checked)} />
              {t('sc_month_n', { n: m })}
            </label>
          ))}
        </div>
      </fieldset>
      <label for="sc-due">{t('sc_due')}</label>
      <input id="sc-due" type="number" inputmode="numeric" min="0" max="31" required value={f.due} onInput={set('due')} />
      <label for="sc-eve">{t('sc_eve')}</label>
      <input id="sc-eve" type="time" required value={f.eve} onInput={set('eve')} />
      <label for="sc-morning">{t('sc_morning')}</label>
      <input id="sc-morning" type="time" required value={f.morning} onInput={set('morning')} />
      <label for="sc-digest">{t('sc_digest')}</label>
      <input id="sc-digest" type="time" required value={f.digest} onInput={set('digest')} />
      {proof && (
        <>
          <label for="sc-meets">{t('sc_meets_at')}</label>
          <input id="sc-meets" type="time" required value={f.meets} onInput={set('meets')} />
          <label for="sc-minutes">{t('sc_meeting_minutes')}</label>
          <input id="sc-minutes" type="number" inputmode="numeric" min="15" max="720" required value={f.minutes} onInput={set('minutes')} />
          <label for="sc-radius">{t('sc_radius')}</label>
          <input id="sc-radius" type="number" inputmode="numeric" min="50" max="50000" required value={f.radius} onInput={set('radius')} />
          <label class="check">
            <input id="sc-required" type="checkbox" checked={f.required} onChange={(ev) => setF({ ...f, required: ev.currentTarget.checked })} />
            {t('sc_loc_required')}
          </label>
          <p class="muted"><small>{t('sc_loc_help')}</small></p>
        </>
      )}
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.ok && <p class="ok" role="status">✓ {st.ok}</p>}
      <button class="btn primary wide" type="submit" disabled={st.busy || !online.value}>{t('sc_save')}</button>
      {view.own && (
        <button class="btn ghost wide" type="button" disabled={st.busy || !online.value}
          onClick={() => run(() => call('DELETE', '/api/v1/org-units/' + id + '/schedule'), t('sc_removed'))}>
          {t('sc_remove')}
        </button>
      )}
    </form>
  );
}

// MonthMove shows a cell's scheduled meeting of a month and moves, cancels or restores it.
function MonthMove({ cell }) {
  const [month, setMonth] = useState(today().slice(0, 7));
  const [e, setE] = useState(undefined); // the expected meeting, null when none
  const [f, setF] = useState({ date: '', reason: '' });
  const [st, setSt] = useState({ busy: false, error: '', ok: '' });
  const load = () => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    call('GET', '/api/v1/schedule/expected?org_unit_id=' + cell.id + '&from=' + month + '&to=' + month).then(
      (r) => (setE(r.items[0] || null), setF({ date: r.items[0]?.date || '', reason: '' })), (x) => setSt({ busy: false, error: errText(x), ok: '' }));
  };
  useEffect(load, [month, cell.id]);
  const put = async (body) => {
    setSt({ busy: true, error: '', ok: '' });
    try {
      await call('PUT', '/api/v1/org-units/' + cell.id + '/schedule/' + month, body);
      setSt({ busy: false, error: '', ok: t('sc_done', { month: month.slice(5) + '/' + month.slice(0, 4) }) });
      load();
    } catch (x) {
      setSt({ busy: false, error: errText(x), ok: '' });
    }
  };
  const admin = canAdmin();
  return (
    <section class="card" aria-labelledby="sc-month-h">
      <h2 id="sc-month-h">{t('sc_month')}</h2>
      <label for="sc-month">{t('sc_month_pick')}</label>
      <input id="sc-month" type="month" value={month} onInput={(ev) => setMonth(ev.currentTarget.value)} />
      <div aria-live="polite">
        {e === null && <p class="muted">{t('sc_none')}</p>}
        {e && (
          <p>
            {t('sc_planned', { month: month.slice(5) + '/' + month.slice(0, 4), date: vnDate(e.date) })}
            {e.moved && <span class="pill">{t('sc_was_moved')}</span>}
            {e.status === 'cancelled' && <span class="pill">{t('sc_was_cancelled')}</span>}
          </p>
        )}
      </div>
      {admin && e && (
        <form onSubmit={(ev) => (ev.preventDefault(), put({ date: f.date, reason: f.reason }))}>
          <label for="sc-date">{t('sc_new_date')}</label>
          <input id="sc-date" type="date" required min={month + '-01'} max={month + '-31'} value={f.date} onInput={(ev) => setF({ ...f, date: ev.currentTarget.value })} />
          <label for="sc-reason">{t('sc_reason')}</label>
          <input id="sc-reason" value={f.reason} onInput={(ev) => setF({ ...f, reason: ev.currentTarget.value })} />
          <button class="btn primary wide" type="submit" disabled={st.busy || !online.value}>{t('sc_move_do')}</button>
          <button class="btn wide" type="button" disabled={st.busy || !online.value} onClick={() => put({ cancelled: true, reason: f.reason })}>{t('sc_cancel_do')}</button>
          {(e.moved || e.status === 'cancelled') && (
            <button class="btn ghost wide" type="button" disabled={st.busy || !online.value} onClick={() => put({ reason: f.reason })}>{t('sc_restore_do')}</button>
          )}
        </form>
      )}
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.ok && <p class="ok" role="status">✓ {st.ok}</p>}
    </section>
  );
}
