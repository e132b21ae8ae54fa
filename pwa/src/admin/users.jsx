// The administrators' users screen (#/admin/users/...): accounts, roles over a unit with dates, importing officials
// from a file. Supervisors read it; only an administrator of the unit changes it. rest is the part of the route after
// "#/admin/users/": "" the list, "new" the form, "import" the import, or a user's id.
import { useState, useEffect } from 'preact/hooks';
import { FileField } from './file.jsx';
import { t, lang, vnDate, vnDateTime } from '../i18n.js';
import { online } from '../state.js';
import { api, token, savedName } from '../sync.js';
import { today } from '../data.js';
import { usePaged } from '../paged.js';
import { canAdmin } from './admin.jsx';

export const call = (method, path, body) => api(method, path, body, lang.value);
export const errText = (e) => (e.offline ? t('us_offline') : e.message);
const ROLES = ['admin', 'supervisor', 'official', 'secretary', 'responder'];
export const roleName = (r) => t('us_role_' + r);

// period writes a grant's or assignment's days: "01/01/2026 – 31/12/2026", "from granted – no end".
export function period(from, to) {
  return t('us_period', { from: from ? vnDate(from) : t('us_since'), to: to ? vnDate(to) : t('us_open_end') });
}

// grantState says whether a grant holds today.
function grantState(g) {
  const d = today();
  if (g.valid_from && g.valid_from > d) return ['upcoming', t('us_not_yet')];
  if (g.valid_to && g.valid_to < d) return ['ended', t('us_ended')];
  return ['active', t('us_in_force')];
}

export function Users({ rest = [] }) {
  const [part, id] = [rest[0] || '', rest[1]];
  const tab = (href, key, cur) => (
    <a href={href} aria-current={cur ? 'page' : undefined}>{t(key)}</a>
  );
  if (part && part !== 'new' && part !== 'import') return <UserDetail id={part} />;
  return (
    <>
      <h1 class="title">{t('ad_users')}</h1>
      <nav class="tabs" aria-label={t('us_sections')}>
        {tab('#/admin/users', 'us_tab_list', part === '')}
        {canAdmin() && tab('#/admin/users/new', 'us_tab_new', part === 'new')}
        {canAdmin() && tab('#/admin/users/import', 'us_tab_import', part === 'import')}
      </nav>
      {part === 'new' && canAdmin() ? <NewUser /> : part === 'import' && canAdmin() ? <Import /> : <UserList />}
    </>
  );
}

// useDebounced returns value once it has stopped changing for ms.
function useDebounced(value, ms = 300) {
  const [v, set] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => set(value), ms);
    return () => clearTimeout(timer);
  }, [value]);
  return v;
}

function UserList() {
  const [q, setQ] = useState('');
  const [show, setShow] = useState('');
  const dq = useDebounced(q.trim());
  const path = '/api/v1/users?limit=20' + (dq ? '&q=' + encodeURIComponent(dq) : '') + (show ? '&active=' + show : '');
  const list = usePaged((url) => call('GET', url), path, errText, true);
  return (
    <section aria-label={t('us_tab_list')}>
      <label for="us-q">{t('us_search')}</label>
      <input id="us-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <label for="us-show">{t('us_show')}</label>
      <select id="us-show" value={show} onChange={(e) => setShow(e.currentTarget.value)}>
        <option value="">{t('us_show_all')}</option>
        <option value="true">{t('us_show_active')}</option>
        <option value="false">{t('us_show_disabled')}</option>
      </select>
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {list.loaded && !list.items.length && !list.error && <p class="muted">{t('us_none')}</p>}
      <ul class="rows" aria-live="polite">
        {list.items.map((u) => (
          <li key={u.id}>
            <a class="row" href={'#/admin/users/' + u.id}>
              <strong>{u.display_name}</strong>
              <span>{u.username}{u.title ? ' · ' + u.title : ''}</span>
              <span>
                <span class={'pill ' + (u.active ? 'active' : 'urgent')}>{u.active ? t('us_active') : t('us_disabled')}</span>
                {u.must_change_password && <span class="pill upcoming">{t('us_must_change')}</span>}
              </span>
              <small class="muted">
                {u.grants.length ? u.grants.map((g) => roleName(g.role) + ' · ' + (g.org_unit_name || t('us_whole'))).join('; ') : t('us_no_roles')}
              </small>
            </a>
          </li>
        ))}
      </ul>
      {list.next && <button class="btn small" onClick={list.more}>{t('us_more')}</button>}
    </section>
  );
}

// UnitPicker finds a unit by name through the server's search (diacritics ignored) and shows the one chosen.
export function UnitPicker({ id, label, value, onChange, kind }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const dq = useDebounced(q.trim(), 250);
  useEffect(() => {
    if (dq.length < 2 || !online.value) return setFound(null);
    let live = true;
    call('GET', '/api/v1/org-units?limit=8&q=' + encodeURIComponent(dq) + (kind ? '&kind=' + kind : '')).then(
      (r) => live && setFound(r.items),
      () => live && setFound([]),
    );
    return () => (live = false);
  }, [dq]);
  if (value) {
    return (
      <div class="field">
        <span id={id + '-l'}>{label}</span>
        <p aria-labelledby={id + '-l'}>
          <strong>{value.name}</strong>{' '}
          <button type="button" class="btn small ghost" onClick={() => { onChange(null); setQ(''); }}>{t('us_unit_change')}</button>
        </p>
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="search" placeholder={t('us_unit_search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      {found && !found.length && <p class="muted">{t('us_unit_none')}</p>}
      {found && found.length > 0 && (
        <ul class="rows" aria-label={t('us_pick_unit')}>
          {found.map((u) => (
            <li key={u.id}>
              <button type="button" class="btn small ghost" onClick={() => onChange({ id: u.id, name: u.name })}>{u.name}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// OneTime shows a one-time password once, large and selectable.
export function OneTime({ name, login, password }) {
  return (
    <div class="card notice" role="status">
      <h2>{t('us_otp_title')}</h2>
      <p>{t('us_otp_user', { login })}</p>
      <p class="otp"><strong style="font-size:1.5rem;font-family:monospace;user-select:all">{password}</strong></p>
      <p>{t('us_otp_note', { name })}</p>
    </div>
  );
}

function NewUser() {
  const [f, setF] = useState({ display_name: '', username: '', title: '', phone: '' });
  const [home, setHome] = useState(null);
  const [busy, setBusy] = useState(false);
  const [res, setRes] = useState({ error: '', user: null });
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      const u = await call('POST', '/api/v1/users', { ...f, home_org_unit_id: home ? home.id : null });
      setRes({ error: '', user: u });
      setF({ display_name: '', username: '', title: '', phone: '' });
    } catch (err) {
      setRes({ error: errText(err), user: null });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {res.user && (
        <>
          <p class="ok" role="status">✓ {t('us_created', { name: res.user.display_name })} <a href={'#/admin/users/' + res.user.id}>{t('us_open')}</a></p>
          <OneTime name={res.user.display_name} login={res.user.username} password={res.user.one_time_password} />
        </>
      )}
      <form onSubmit={submit} class="card">
        <label for="nu-name">{t('us_name')}</label>
        <input id="nu-name" required value={f.display_name} onInput={set('display_name')} autocomplete="off" />
        <label for="nu-login">{t('us_login')}</label>
        <input id="nu-login" required value={f.username} onInput={set('username')} aria-describedby="nu-login-h" autocomplete="off" autocapitalize="none" />
        <small id="nu-login-h" class="muted">{t('us_username_help')}</small>
        <label for="nu-title">{t('us_title')}</label>
        <input id="nu-title" value={f.title} onInput={set('title')} />
        <label for="nu-phone">{t('us_phone')}</label>
        <input id="nu-phone" type="tel" value={f.phone} onInput={set('phone')} />
        <UnitPicker id="nu-home" label={t('us_home')} value={home} onChange={setHome} />
        {res.error && <p class="error" role="alert">{res.error}</p>}
        <button class="btn primary wide" type="submit" disabled={busy || !online.value}>{t('us_create')}</button>
      </form>
    </>
  );
}

function UserDetail({ id }) {
  const [u, setU] = useState(null);
  const [error, setError] = useState('');
  const [msg, setMsg] = useState('');
  const [confirm, setConfirm] = useState('');
  const [otp, setOtp] = useState('');
  const load = () => call('GET', '/api/v1/users/' + id).then(setU, (e) => setError(errText(e)));
  useEffect(() => {
    load();
  }, [id]);
  const admin = canAdmin();
  const act = async (fn) => {
    setError('');
    setMsg('');
    try {
      await fn();
      setConfirm('');
    } catch (e) {
      setError(errText(e));
    }
  };
  if (!u) {
    return (
      <>
        <p><a href="#/admin/users">{t('us_back')}</a></p>
        {error ? <p class="error" role="alert">{error}</p> : <p class="muted">{t('im_working')}</p>}
      </>
    );
  }
  return (
    <>
      <p><a href="#/admin/users">{t('us_back')}</a></p>
      <h1 class="title">{u.display_name}</h1>
      <section class="card" aria-labelledby="ud-acc">
        <h2 id="ud-acc">{t('us_account')}</h2>
        <table class="data">
          <tbody>
            <tr><th scope="row">{t('us_login')}</th><td>{u.username}</td></tr>
            {u.title && <tr><th scope="row">{t('us_title')}</th><td>{u.title}</td></tr>}
            {u.phone && <tr><th scope="row">{t('us_phone')}</th><td>{u.phone}</td></tr>}
            <tr>
              <th scope="row">{t('us_status')}</th>
              <td>
                <span class={'pill ' + (u.active ? 'active' : 'urgent')}>{u.active ? t('us_active') : t('us_disabled')}</span>
                {u.must_change_password && <span class="pill upcoming">{t('us_must_change')}</span>}
              </td>
            </tr>
            <tr><th scope="row">{t('us_last_login')}</th><td>{u.last_login_at ? vnDateTime(u.last_login_at) : t('us_never')}</td></tr>
          </tbody>
        </table>
        {otp && <OneTime name={u.display_name} login={u.username} password={otp} />}
        {msg && <p class="ok" role="status">✓ {msg}</p>}
        {error && <p class="error" role="alert">{error}</p>}
        {admin && (
          <>
            {confirm === 'disable' && <p class="warn">{t('us_disable_confirm')}</p>}
            {confirm === 'reset' && <p class="warn">{t('us_reset_confirm')}</p>}
            <p class="actions">
              {confirm === '' && (
                <>
                  <button class="btn small" onClick={() => setConfirm('reset')}>{t('us_reset')}</button>
                  {u.active ? (
                    <button class="btn small danger" onClick={() => setConfirm('disable')}>{t('us_disable')}</button>
                  ) : (
                    <button class="btn small" onClick={() => act(async () => { setU(await call('PATCH', '/api/v1/users/' + id, { active: true })); setMsg(t('us_saved')); })}>{t('us_enable')}</button>
                  )}
                </>
              )}
              {confirm === 'disable' && (
                <button class="btn small danger" onClick={() => act(async () => { setU(await call('PATCH', '/api/v1/users/' + id, { active: false })); setMsg(t('us_saved')); })}>{t('us_disable')}</button>
              )}
              {confirm === 'reset' && (
                <button class="btn small primary" onClick={() => act(async () => { const r = await call('POST', '/api/v1/users/' + id + '/password-reset'); setOtp(r.one_time_password); setU(r.user); })}>{t('us_reset')}</button>
              )}
              {confirm !== '' && <button class="btn small ghost" onClick={() => setConfirm('')}>{t('us_no')}</button>}
            </p>
          </>
        )}
      </section>
      <Grants u={u} reload={load} />
      <Assignments id={id} />
    </>
  );
}

function Grants({ u, reload }) {
  const admin = canAdmin();
  const [f, setF] = useState({ role: 'official', valid_from: today(), valid_to: '' });
  const [unit, setUnit] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError('');
    try {
      await call('POST', '/api/v1/users/' + u.id + '/grants', { role: f.role, org_unit_id: unit ? unit.id : null, valid_from: f.valid_from || null, valid_to: f.valid_to || null });
      setUnit(null);
      await reload();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="ud-grants">
      <h2 id="ud-grants">{t('us_grants')}</h2>
      {!u.grants.length && <p class="muted">{t('us_no_roles')}</p>}
      <ul class="rows">
        {u.grants.map((g) => <Grant key={g.id} g={g} reload={reload} admin={admin} />)}
      </ul>
      {admin && (
        <form onSubmit={add}>
          <h3>{t('us_grant_add')}</h3>
          <label for="g-role">{t('us_role')}</label>
          <select id="g-role" value={f.role} onChange={(e) => setF({ ...f, role: e.currentTarget.value })}>
            {ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
          </select>
          <UnitPicker id="g-unit" label={t('us_scope')} value={unit} onChange={setUnit} />
          <label for="g-from">{t('us_from')}</label>
          <input id="g-from" type="date" value={f.valid_from} onInput={(e) => setF({ ...f, valid_from: e.currentTarget.value })} />
          <label for="g-to">{t('us_to')}</label>
          <input id="g-to" type="date" value={f.valid_to} onInput={(e) => setF({ ...f, valid_to: e.currentTarget.value })} />
          {error && <p class="error" role="alert">{error}</p>}
          <button class="btn primary wide" type="submit" disabled={busy || !online.value || !unit}>{t('us_grant_add')}</button>
        </form>
      )}
    </section>
  );
}

function Grant({ g, reload, admin }) {
  const [mode, setMode] = useState('');
  const [endOn, setEndOn] = useState(today());
  const [error, setError] = useState('');
  const [cls, state] = grantState(g);
  const act = async (fn) => {
    setError('');
    try {
      await fn();
      setMode('');
      await reload();
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <li class="row">
      <strong>{roleName(g.role)} · {g.org_unit_name || t('us_whole')}</strong>
      <span>{period(g.valid_from, g.valid_to)} <span class={'pill ' + cls}>{state}</span></span>
      {admin && mode === 'end' && (
        <div class="field">
          <label for={'ge-' + g.id}>{t('us_end_on')}</label>
          <input id={'ge-' + g.id} type="date" value={endOn} onInput={(e) => setEndOn(e.currentTarget.value)} />
        </div>
      )}
      {admin && mode === 'revoke' && <p class="warn">{t('us_revoke_confirm')}</p>}
      {admin && (
        <p class="actions">
          {mode === '' && (
            <>
              <button class="btn small" onClick={() => setMode('end')}>{t('us_end_grant')}</button>
              <button class="btn small danger" onClick={() => setMode('revoke')}>{t('us_revoke')}</button>
            </>
          )}
          {mode === 'end' && (
            <button class="btn small primary" onClick={() => act(() => call('PATCH', '/api/v1/grants/' + g.id, { valid_from: g.valid_from, valid_to: endOn }))}>{t('us_end_grant')}</button>
          )}
          {mode === 'revoke' && <button class="btn small danger" onClick={() => act(() => call('DELETE', '/api/v1/grants/' + g.id))}>{t('us_revoke')}</button>}
          {mode !== '' && <button class="btn small ghost" onClick={() => setMode('')}>{t('us_no')}</button>}
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </li>
  );
}

function Assignments({ id }) {
  const list = usePaged((url) => call('GET', url), '/api/v1/assignments?limit=50&official_id=' + id, errText, true);
  return (
    <section class="card" aria-labelledby="ud-as">
      <h2 id="ud-as">{t('us_assignments')}</h2>
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {list.loaded && !list.items.length && !list.error && <p class="muted">{t('us_no_assignments')}</p>}
      <ul class="rows">
        {list.items.map((a) => (
          <li key={a.id} class="row">
            <strong>{a.cell_name}</strong>
            <span>{period(a.starts_on, a.ends_on)} <span class={'pill ' + (a.status === 'active' ? 'active' : '')}>{t('us_as_' + a.status)}</span></span>
            {a.decision_number && (
              <small class="muted">
                {a.decision_date ? t('us_decision', { number: a.decision_number, date: vnDate(a.decision_date) }) : t('us_decision_no_date', { number: a.decision_number })}
              </small>
            )}
          </li>
        ))}
      </ul>
      {list.next && <button class="btn small" onClick={list.more}>{t('us_more')}</button>}
    </section>
  );
}

// download fetches a file with the caller's token and saves it as name.
async function download(path, name) {
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value } });
  if (!r.ok) throw new Error(t('im_download_failed'));
  saveBlob(await r.blob(), savedName(r, name));
}

// saveBlob offers blob to the browser as a download called name.
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// upload sends the import form (multipart) with the caller's token and returns the JSON answer; a refused commit
// (400 with the plan) returns {error, plan}.
async function upload(form) {
  let r;
  try {
    r = await fetch('/api/v1/users/import', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value } });
  } catch {
    throw Object.assign(new Error('offline'), { offline: true });
  }
  const body = await r.json().catch(() => null);
  if (r.ok) return body;
  if (body?.details?.rows) return { error: body.message, plan: body.details };
  throw new Error(body?.message || 'HTTP ' + r.status);
}

const OUTCOMES = ['create', 'update', 'unchanged', 'warning', 'error'];

function Import() {
  const [unit, setUnit] = useState(null);
  const [dec, setDec] = useState({ number: '', date: '' });
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [st, setSt] = useState({ plan: null, result: null, error: '' });
  const [filter, setFilter] = useState('');
  const [dlErr, setDlErr] = useState('');
  const send = async (mode) => {
    if (!unit || !file) return setSt({ ...st, error: t('im_need') });
    if (busy) return;
    setBusy(true);
    const form = new FormData();
    form.append('org_unit_id', unit.id);
    form.append('mode', mode);
    form.append('decision_number', dec.number);
    form.append('decision_date', dec.date);
    form.append('file', file, file.name);
    try {
      const r = await upload(form);
      if (r.error) setSt({ plan: r.plan, result: null, error: r.error });
      else setSt({ plan: r.plan, result: r.result || null, error: '' });
      setFilter('');
    } catch (e) {
      setSt({ plan: null, result: null, error: errText(e) });
    } finally {
      setBusy(false);
    }
  };
  const plan = st.plan;
  const counts = plan ? Object.fromEntries(OUTCOMES.map((o) => [o, plan.rows.filter((r) => r.outcome === o).length])) : {};
  const rows = plan ? plan.rows.filter((r) => !filter || r.outcome === filter) : [];
  if (st.result) return <Done result={st.result} again={() => { setSt({ plan: null, result: null, error: '' }); setFile(null); }} />;
  return (
    <section aria-labelledby="im-h">
      <h2 id="im-h">{t('im_title')}</h2>
      <p class="muted">{t('im_about')}</p>
      <p>
        <button type="button" class="btn small" onClick={() => download('/api/v1/users/template.xlsx', 'mau-nhap-can-bo.xlsx').then(() => setDlErr(''), (e) => setDlErr(e.message))}>{t('im_template')}</button>
      </p>
      {dlErr && <p class="error" role="alert">{dlErr}</p>}
      <form class="card" onSubmit={(e) => { e.preventDefault(); send('preview'); }}>
        <UnitPicker id="im-unit" label={t('im_target')} value={unit} onChange={(u) => { setUnit(u); setSt({ plan: null, result: null, error: '' }); }} />
        <label for="im-dn">{t('im_decision_number')}</label>
        <input id="im-dn" value={dec.number} onInput={(e) => setDec({ ...dec, number: e.currentTarget.value })} />
        <label for="im-dd">{t('im_decision_date')}</label>
        <input id="im-dd" type="date" value={dec.date} onInput={(e) => setDec({ ...dec, date: e.currentTarget.value })} />
        <FileField id="im-file" label={t('im_file')} file={file} accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => { setFile(e.currentTarget.files[0] || null); setSt({ plan: null, result: null, error: '' }); }} />
        <button class="btn primary wide" type="submit" disabled={busy || !online.value}>{busy ? t('im_working') : t('im_preview')}</button>
      </form>
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {plan && (
        <section aria-labelledby="im-res">
          <h2 id="im-res">{t('im_outcome')}</h2>
          <p role="status">{t('im_summary', { total: plan.rows_total, create: counts.create, update: counts.update, unchanged: counts.unchanged, warning: counts.warning, error: counts.error })}</p>
          {plan.new_users > 0 && <p>{t('im_new_users', { n: plan.new_users })}</p>}
          {plan.error_rows > 0 && <p class="error">{t('im_has_errors')}</p>}
          <label for="im-filter">{t('im_filter')}</label>
          <select id="im-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
            <option value="">{t('im_all', { n: plan.rows.length })}</option>
            {OUTCOMES.map((o) => <option key={o} value={o}>{t('im_o_' + o)} ({counts[o]})</option>)}
          </select>
          {!rows.length && <p class="muted">{t('im_no_rows')}</p>}
          {rows.length > 0 && (
            <table class="data preview">
              <caption class="muted">{t('im_caption')}</caption>
              <thead>
                <tr><th scope="col">{t('im_line')}</th><th scope="col">{t('im_official')}</th><th scope="col">{t('im_outcome')}</th></tr>
              </thead>
              <tbody>
                {rows.map((r) => <PreviewRow key={r.line} r={r} />)}
              </tbody>
            </table>
          )}
          {plan.error_rows === 0 && (
            <button class="btn primary wide" disabled={busy || !online.value} onClick={() => send('commit')}>{busy ? t('im_working') : t('im_commit', { n: plan.rows_total })}</button>
          )}
        </section>
      )}
    </section>
  );
}

const msgOf = (is) => (lang.value === 'en' ? is.message_en : is.message_vi);

function PreviewRow({ r }) {
  const cls = { create: 'active', update: 'upcoming', unchanged: '', warning: 'upcoming', error: 'urgent' }[r.outcome];
  return (
    <tr class={'o-' + r.outcome}>
      <td class="num">{r.line}</td>
      <td>
        <strong>{r.full_name || '—'}</strong>
        {r.username && <><br />{r.username}{r.new_user ? ' (' + t('im_new_account') + ')' : ''}</>}
        {r.role && <><br /><small>{roleName(r.role)}{r.scope_unit ? ' · ' + r.scope_unit : ''} · {period(r.valid_from, r.valid_to)}</small></>}
        {r.cells.length > 0 && (
          <><br /><small>{t('im_cells', { cells: r.cells.map((c) => c.cell_name + (c.action === 'kept' ? ' ' + t('im_kept') : '')).join('; ') })}</small></>
        )}
      </td>
      <td>
        <span class={'pill ' + cls}>{t('im_o_' + r.outcome)}</span>
        {[...r.errors, ...r.warnings].map((is, i) => (
          <p key={i} class={r.errors.includes(is) ? 'error' : 'warn'}>{is.column ? t('im_column', { column: is.column, message: msgOf(is) }) : msgOf(is)}</p>
        ))}
      </td>
    </tr>
  );
}

// csvCell quotes a value for a CSV file.
const csvCell = (s) => '"' + String(s).replaceAll('"', '""') + '"';

function Done({ result, again }) {
  const save = () => {
    const lines = [[t('us_name'), t('us_login'), t('im_password')], ...result.credentials.map((c) => [c.display_name, c.username, c.password])];
    saveBlob(new Blob(['\ufeff' + lines.map((l) => l.map(csvCell).join(',')).join('\r\n')], { type: 'text/csv;charset=utf-8' }), t('im_credentials_file'));
  };
  return (
    <section aria-labelledby="im-done">
      <h2 id="im-done">{t('im_title')}</h2>
      <p class="ok" role="status">✓ {t('im_done', { users: result.users_created, updated: result.users_updated, grants: result.grants_created + result.grants_updated, assignments: result.assignments_created })}</p>
      {result.credentials.length > 0 && (
        <div class="card notice">
          <h3>{t('im_credentials')}</h3>
          <p>{t('im_credentials_note')}</p>
          <table class="data credentials">
            <thead>
              <tr><th scope="col">{t('us_name')}</th><th scope="col">{t('us_login')}</th><th scope="col">{t('im_password')}</th></tr>
            </thead>
            <tbody>
              {result.credentials.map((c) => (
                <tr key={c.user_id}>
                  <td><a href={'#/admin/users/' + c.user_id}>{c.display_name}</a></td>
                  <td>{c.username}</td>
                  <td style="font-family:monospace;user-select:all;overflow-wrap:anywhere">{c.password}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button class="btn small" onClick={save}>{t('im_download_credentials')}</button>
        </div>
      )}
      <button class="btn small ghost" onClick={again}>{t('im_again')}</button>
    </section>
  );
}
