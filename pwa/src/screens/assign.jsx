// The supervisors' screen: which cells need a visit, which officials have room, assigning some officials to some
// cells for a period, and the current assignments to end or cancel. It talks to the server directly (online only).
import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang } from '../i18n.js';
import { online } from '../state.js';
import { isSupervisor, today, weakLabel } from '../data.js';
import { api } from '../sync.js';
import { usePaged } from '../paged.js';
import { freq, period } from './inbox.jsx';
import { useUnits, unitName } from './shared.jsx';
import { lazy } from '../app.jsx';

// The warning of a clash of meeting times (../proof/check.jsx), loaded when the screen is opened.
const ClashWarning = lazy('clash', () => import('../proof/check.jsx').then((m) => m.ClashWarning));

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('assign_offline') : e.message);

const usePage = (path) => usePaged((url) => call('GET', url), path, errText, true);

function More({ p }) {
  return p.next ? <button class="btn small ghost" onClick={p.more}>{t('more')}</button> : null;
}

// Pick is a checkbox row with a large touch target: its name is the main text, the rest describes it.
function Pick({ id, name, checked, onChange, children }) {
  return (
    <label class="pick">
      <input type="checkbox" aria-label={name} aria-describedby={'d-' + id} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span class="main">
        <strong>{name}</strong>
        <small id={'d-' + id}>{children}</small>
      </span>
    </label>
  );
}

const toggle = (map, id, name, on) => {
  const m = new Map(map);
  if (on) m.set(id, name);
  else m.delete(id);
  return m;
};

// useCellSearch finds the cells of the caller's subtree whose name holds q (two letters at least), through the
// server's search, which ignores diacritics and case ("trieu" finds "Triệu"): the first 8, asked a moment after the
// last keystroke. The device does not hold the subtree's cells.
function useCellSearch(q) {
  const [found, setFound] = useState([]);
  useEffect(() => {
    const text = q.trim();
    if (text.length < 2 || !online.value) return setFound([]);
    let live = true;
    const timer = setTimeout(() => {
      call('GET', '/api/v1/org-units?kind=cell&limit=8&q=' + encodeURIComponent(text)).then(
        (r) => live && setFound(r.items),
        () => live && setFound([]),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, online.value]);
  return found;
}

export function Assign() {
  if (!isSupervisor()) {
    return (
      <>
        <h1 class="title">{t('assign_title')}</h1>
        <p class="muted">{t('assign_only')}</p>
      </>
    );
  }
  return <AssignForm />;
}

function AssignForm() {
  const sugg = usePage('/api/v1/assign/suggestions?limit=10');
  const offs = usePage('/api/v1/assign/officials?limit=50');
  const cur = usePage('/api/v1/assignments?status=active&limit=100');
  const [cells, setCells] = useState(new Map());
  const [officials, setOfficials] = useState(new Map());
  const [q, setQ] = useState('');
  const year = today().slice(0, 4);
  const [f, setF] = useState({ starts_on: today(), ends_on: year + '-12-31', frequency: 'monthly', visits_per_year: 2, note: '' });
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState({ ok: '', error: '' });

  const units = useUnits();
  const found = useCellSearch(q).filter((u) => !sugg.items.some((s) => s.cell_id === u.id));

  const submit = async (e) => {
    e.preventDefault();
    if (!cells.size || !officials.size) return setResult({ ok: '', error: t('assign_pick') });
    setBusy(true);
    try {
      const r = await call('POST', '/api/v1/assignments', {
        official_ids: [...officials.keys()], cell_ids: [...cells.keys()], starts_on: f.starts_on, ends_on: f.ends_on || null,
        frequency: f.frequency, visits_per_year: f.frequency === 'per_year' ? Number(f.visits_per_year) : 12, note: f.note.trim(),
      });
      setResult({ ok: t('assign_done', { n: r.items.length }), error: '' });
      setCells(new Map());
      setOfficials(new Map());
      cur.reload();
      offs.reload();
      sugg.reload();
    } catch (err) {
      setResult({ ok: '', error: errText(err) });
    } finally {
      setBusy(false);
    }
  };

  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  return (
    <>
      <h1 class="title">{t('assign_title')}</h1>
      {!online.value && <p class="warn" role="status">{t('assign_offline')}</p>}
      <form onSubmit={submit}>
        <fieldset class="card">
          <legend>{t('suggestions')}</legend>
          {sugg.error && <p class="error" role="alert">{sugg.error}</p>}
          {sugg.loaded && !sugg.items.length && !sugg.error && <p class="muted">{t('no_suggestions')}</p>}
          {sugg.items.map((s) => (
            <Pick key={s.cell_id} id={'s-' + s.cell_id} name={s.cell_name} checked={cells.has(s.cell_id)}
              onChange={(on) => setCells(toggle(cells, s.cell_id, s.cell_name, on))}>
              {s.parent_name}
              <span class="tags">
                {s.unvisited && <span class="pill urgent">{t('sg_unvisited')}</span>}
                {s.weak && <span class="pill urgent">{s.weak_reason ? t('wr_' + s.weak_reason, { label: weakLabel() }) : weakLabel()}</span>}
                {s.overdue_recs > 0 && <span class="pill">{t('sg_overdue', { n: s.overdue_recs })}</span>}
                {s.assigned > 0 && <span class="pill">{t('sg_assigned', { n: s.assigned })}</span>}
              </span>
              {s.last_visit ? t('sg_last', { date: vnDate(s.last_visit) }) : t('sg_never')}
            </Pick>
          ))}
          <More p={sugg} />
          <label for="find-cell">{t('find_cell')}</label>
          <input id="find-cell" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          {found.map((u) => (
            <Pick key={u.id} id={'c-' + u.id} name={u.name} checked={cells.has(u.id)} onChange={(on) => setCells(toggle(cells, u.id, u.name, on))}>
              {unitName(units, u.parent_id)}
            </Pick>
          ))}
          {cells.size > 0 && <p class="muted" aria-live="polite">{t('selected', { names: [...cells.values()].join(', ') })}</p>}
        </fieldset>

        <fieldset class="card">
          <legend>{t('officials')}</legend>
          {offs.error && <p class="error" role="alert">{offs.error}</p>}
          {offs.items.map((o) => (
            <Pick key={o.user_id} id={'o-' + o.user_id} name={o.display_name} checked={officials.has(o.user_id)}
              onChange={(on) => setOfficials(toggle(officials, o.user_id, o.display_name, on))}>
              {o.title}
              <br />
              {t('load', { cells: o.cells, monthly: o.monthly, visits: o.visits_this_year, expected: o.expected_this_year })}
            </Pick>
          ))}
          <More p={offs} />
        </fieldset>

        <fieldset class="card">
          <legend>{t('period_freq')}</legend>
          <label for="starts-on">{t('starts_on')}</label>
          <input id="starts-on" type="date" required value={f.starts_on} onInput={set('starts_on')} />
          <label for="ends-on">{t('ends_on')}</label>
          <input id="ends-on" type="date" value={f.ends_on} onInput={set('ends_on')} />
          <p class="muted">{f.starts_on && period(f)}</p>
          <label class="radio">
            <input type="radio" name="frequency" checked={f.frequency === 'monthly'} onChange={() => setF({ ...f, frequency: 'monthly' })} />
            {t('freq_monthly')}
          </label>
          <label class="radio">
            <input type="radio" name="frequency" checked={f.frequency === 'per_year'} onChange={() => setF({ ...f, frequency: 'per_year' })} />
            {t('freq_some')}
          </label>
          {f.frequency === 'per_year' && (
            <>
              <label for="visits">{t('visits_per_year')}</label>
              <input id="visits" type="number" inputmode="numeric" min="1" max="12" value={f.visits_per_year} onInput={set('visits_per_year')} />
            </>
          )}
          <label for="assign-note">{t('note')}</label>
          <textarea id="assign-note" rows={2} value={f.note} onInput={set('note')} />
        </fieldset>
        <ClashWarning officials={officials} cells={cells} f={f} />
        {result.error && <p class="error" role="alert">{result.error}</p>}
        {result.ok && <p class="ok" role="status">✓ {result.ok}</p>}
        <button class="btn primary wide" type="submit" disabled={busy || !online.value}>
          {t('assign_submit', { o: officials.size, c: cells.size })}
        </button>
      </form>

      <section aria-labelledby="h-current">
        <h2 id="h-current">{t('current_assignments')}</h2>
        {cur.error && <p class="error" role="alert">{cur.error}</p>}
        <ul class="cards">
          {cur.items.map((a) => (
            <Current key={a.id} a={a} done={(next) => cur.set((s) => ({ ...s,
              items: next.status === 'active' ? s.items.map((x) => (x.id === a.id ? { ...x, ...next } : x)) : s.items.filter((x) => x.id !== a.id) }))} />
          ))}
        </ul>
        <More p={cur} />
      </section>
    </>
  );
}

// Current is one assignment in force, with its end and cancel actions (each asks once more before it acts).
function Current({ a, done }) {
  const [mode, setMode] = useState('');
  const [endOn, setEndOn] = useState(today());
  const [error, setError] = useState('');
  const act = async (path, body) => {
    setError('');
    try {
      done(await call('POST', `/api/v1/assignments/${a.id}/${path}`, body));
      setMode('');
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <li class="card assignment">
      <p><strong>{a.official_name}</strong> → {a.cell_name}</p>
      <p>{freq(a)} · {period(a)}</p>
      <p class={a.acknowledged_at ? 'ok' : 'muted'}>{a.acknowledged_at ? '✓ ' + t('acknowledged', { time: vnDateTime(a.acknowledged_at) }) : t('not_acknowledged')}</p>
      {mode === 'end' && (
        <div class="field">
          <label for={'end-' + a.id}>{t('end_on')}</label>
          <input id={'end-' + a.id} type="date" value={endOn} onInput={(e) => setEndOn(e.currentTarget.value)} />
        </div>
      )}
      {mode === 'cancel' && <p class="warn">{t('confirm_cancel')}</p>}
      <p class="actions">
        {mode === '' && (
          <>
            <button class="btn small" onClick={() => setMode('end')}>{t('end')}</button>
            <button class="btn small danger" onClick={() => setMode('cancel')}>{t('cancel_assignment')}</button>
          </>
        )}
        {mode === 'end' && <button class="btn small primary" onClick={() => act('end', { ends_on: endOn })}>{t('end')}</button>}
        {mode === 'cancel' && <button class="btn small danger" onClick={() => act('cancel', {})}>{t('cancel_assignment')}</button>}
        {mode !== '' && <button class="btn small ghost" onClick={() => setMode('')}>{t('no')}</button>}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
    </li>
  );
}
