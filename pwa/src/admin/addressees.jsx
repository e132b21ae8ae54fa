// The administrators' directory of addressees (#/admin/addressees/...): the bodies of the province that
// recommendations are addressed to (party committees and boards, UBND and HĐND with their offices and departments,
// the Front and mass organisations, the police, enterprises), by level, with their parents, other names, active
// dates and responders; importing the directory from a file. Supervisors read it; only an administrator of the
// province changes it. rest is the part of the route after "#/admin/addressees/": "" the list, "new" the form,
// "import" the import, or a body's id.
import { useState, useEffect } from 'preact/hooks';
import { FileField } from './file.jsx';
import { t, lang, vnDate } from '../i18n.js';
import { online } from '../state.js';
import { api, token } from '../sync.js';
import { today } from '../data.js';
import { usePaged } from '../paged.js';
import { useUnits, unitOptions, Download } from '../screens/shared.jsx';
import { canAdmin } from './admin.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('ad_offline') : e.message);
const LEVELS = ['province', 'commune', 'district', 'central'];
const KINDS = ['party', 'party_board', 'government', 'council', 'front', 'police', 'enterprise', 'other'];

// useProvince is the province the screen works on: any unit of it the user holds (the server finds the province).
function useProvince() {
  return useUnits()[0]?.id || '';
}

function useDebounced(value, ms = 300) {
  const [v, set] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => set(value), ms);
    return () => clearTimeout(timer);
  }, [value]);
  return v;
}

const retired = (a) => a.active_to && a.active_to < today();

export function Addressees({ rest = [] }) {
  const part = rest[0] || '';
  const prov = useProvince();
  const tab = (href, key, cur) => <a href={href} aria-current={cur ? 'page' : undefined}>{t(key)}</a>;
  if (!prov) return <p class="muted">{t('loading')}</p>;
  if (part && part !== 'new' && part !== 'import') return <Detail id={part} prov={prov} />;
  return (
    <>
      <h1 class="title">{t('ad_addressees')}</h1>
      <p class="muted">{t('ad_addressees_about')}</p>
      <nav class="tabs" aria-label={t('as_sections')}>
        {tab('#/admin/addressees', 'as_tab_list', part === '')}
        {canAdmin() && tab('#/admin/addressees/new', 'as_tab_new', part === 'new')}
        {canAdmin() && tab('#/admin/addressees/import', 'as_tab_import', part === 'import')}
      </nav>
      {part === 'new' && canAdmin() ? <Edit prov={prov} /> : part === 'import' && canAdmin() ? <Import prov={prov} /> : <List prov={prov} />}
    </>
  );
}

function List({ prov }) {
  const [q, setQ] = useState('');
  const [level, setLevel] = useState('');
  const dq = useDebounced(q.trim());
  const path = '/api/v1/addressees?limit=50&province_id=' + prov + (dq ? '&q=' + encodeURIComponent(dq) : '') + (level ? '&level=' + level : '');
  const list = usePaged((url) => call('GET', url), path, errText, true);
  let last = '';
  return (
    <section aria-label={t('as_tab_list')}>
      <label for="as-q">{t('as_search')}</label>
      <input id="as-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      <label for="as-level">{t('as_level')}</label>
      <select id="as-level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
        <option value="">{t('as_all_levels')}</option>
        {LEVELS.map((l) => <option key={l} value={l}>{t('as_lv_' + l)}</option>)}
      </select>
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {list.loaded && !list.items.length && !list.error && <p class="muted">{t('as_none')}</p>}
      <ul class="rows" aria-live="polite">
        {list.items.map((a) => {
          const head = a.level !== last ? (last = a.level) : '';
          return (
            <li key={a.id}>
              {head && <h2>{t('as_lv_' + head)}</h2>}
              <a class="row" href={'#/admin/addressees/' + a.id}>
                <strong>{a.name}</strong>
                <span>
                  <span class="pill">{t('as_k_' + a.kind)}</span>
                  {retired(a) && <span class="pill urgent">{t('as_retired')}</span>}
                </span>
                {a.short_name && <small class="muted">{a.short_name}</small>}
              </a>
            </li>
          );
        })}
      </ul>
      {list.next && <button class="btn small" onClick={list.more}>{t('as_more')}</button>}
    </section>
  );
}

// Pick finds a body (the parent) through the server's search and shows the one chosen.
function Pick({ id, label, prov, value, onChange }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const dq = useDebounced(q.trim(), 250);
  useEffect(() => {
    if (dq.length < 2 || !online.value) return setFound(null);
    let live = true;
    call('GET', '/api/v1/addressees?limit=8&province_id=' + prov + '&q=' + encodeURIComponent(dq)).then((r) => live && setFound(r.items), () => live && setFound([]));
    return () => (live = false);
  }, [dq]);
  if (value) {
    return (
      <div class="field">
        <span id={id + '-l'}>{label}</span>
        <p aria-labelledby={id + '-l'}>
          <strong>{value.name}</strong>{' '}
          <button type="button" class="btn small ghost" onClick={() => (onChange(null), setQ(''))}>{t('as_change')}</button>
        </p>
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      {found && !found.length && <p class="muted">{t('as_none')}</p>}
      {found && found.length > 0 && (
        <ul class="rows" aria-label={label}>
          {found.map((a) => (
            <li key={a.id}><button type="button" class="btn small ghost" onClick={() => onChange(a)}>{a.name}</button></li>
          ))}
        </ul>
      )}
    </div>
  );
}

// Edit adds a body (no row) or changes one.
function Edit({ prov, row, parent: parent0, done }) {
  const units = unitOptions(useUnits());
  const blank = { name: '', short_name: '', aliases: '', kind: 'government', level: 'commune', org_unit_id: '', active_from: '', active_to: '' };
  const [f, setF] = useState(row ? { ...blank, ...row, org_unit_id: row.org_unit_id || '', active_from: row.active_from || '', active_to: row.active_to || '' } : blank);
  const [parent, setParent] = useState(parent0 || null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setMsg(null);
    const body = { name: f.name, short_name: f.short_name, aliases: f.aliases, kind: f.kind, level: f.level, org_unit_id: f.org_unit_id, parent_id: parent ? parent.id : '',
      active_from: f.active_from || null, active_to: f.active_to || null };
    try {
      const a = row ? await call('PATCH', '/api/v1/addressees/' + row.id, body) : await call('POST', '/api/v1/addressees?province_id=' + prov, body);
      setMsg({ text: t('as_saved', { name: a.name }), id: a.id });
      if (!row) setF(blank);
      done?.();
    } catch (err) {
      setMsg({ text: errText(err), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} class="card" aria-label={row ? t('as_edit') : t('as_tab_new')}>
      <label for="as-name">{t('as_name')}</label>
      <input id="as-name" required value={f.name} onInput={set('name')} autocomplete="off" />
      <label for="as-short">{t('as_short')}</label>
      <input id="as-short" value={f.short_name} onInput={set('short_name')} autocomplete="off" />
      <label for="as-level-e">{t('as_level')}</label>
      <select id="as-level-e" value={f.level} onChange={set('level')}>
        {LEVELS.map((l) => <option key={l} value={l}>{t('as_lv_' + l)}</option>)}
      </select>
      <label for="as-kind">{t('as_kind')}</label>
      <select id="as-kind" value={f.kind} onChange={set('kind')}>
        {KINDS.map((k) => <option key={k} value={k}>{t('as_k_' + k)}</option>)}
      </select>
      <Pick id="as-parent" label={t('as_parent')} prov={prov} value={parent} onChange={setParent} />
      <label for="as-unit">{t('as_unit')}</label>
      <select id="as-unit" value={f.org_unit_id} onChange={set('org_unit_id')}>
        <option value="">{t('as_no_unit')}</option>
        {units.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
      </select>
      <label for="as-aliases">{t('as_aliases')}</label>
      <textarea id="as-aliases" rows={3} value={f.aliases} onInput={set('aliases')} aria-describedby="as-aliases-h" />
      <small id="as-aliases-h" class="muted">{t('as_aliases_help')}</small>
      <label for="as-from">{t('as_from')}</label>
      <input id="as-from" type="date" value={f.active_from} onInput={set('active_from')} />
      <label for="as-to">{t('as_to')}</label>
      <input id="as-to" type="date" value={f.active_to} onInput={set('active_to')} />
      <p role={msg?.error ? 'alert' : 'status'} aria-live="polite" class={msg?.error ? 'error' : 'ok'}>
        {msg?.text || ''} {msg?.id && !row && <a href={'#/admin/addressees/' + msg.id}>{t('as_open')}</a>}
      </p>
      <button class="btn primary wide" type="submit" disabled={busy || !online.value}>{row ? t('as_save') : t('as_create')}</button>
    </form>
  );
}

function Detail({ id, prov }) {
  const [d, setD] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState(null);
  const load = () => call('GET', '/api/v1/addressees/' + id).then(setD, (e) => setErr(errText(e)));
  useEffect(() => {
    if (online.value) load();
  }, [id, online.value]);
  const act = async (fn, ok) => {
    setMsg(null);
    try {
      await fn();
      setMsg({ text: ok });
      return true;
    } catch (e) {
      setMsg({ text: errText(e), error: true });
      return false;
    }
  };
  if (err) return <p class="error" role="alert">{err}</p>;
  if (!d) return <p class="muted">{t('loading')}</p>;
  const admin = canAdmin();
  return (
    <>
      <p><a href="#/admin/addressees">{t('as_back')}</a></p>
      <h1 class="title">{d.name}</h1>
      <p>
        <span class="pill">{t('as_lv_' + d.level)}</span>
        <span class="pill">{t('as_k_' + d.kind)}</span>
        {retired(d) && <span class="pill urgent">{t('as_retired_on', { day: vnDate(d.active_to) })}</span>}
      </p>
      {d.parents.length > 0 && <p>{t('as_chain')}: {d.parents.map((p) => p.name).join(' → ')}</p>}
      <p role={msg?.error ? 'alert' : 'status'} aria-live="polite" class={msg?.error ? 'error' : 'ok'}>{msg?.text || ''}</p>
      <section aria-labelledby="as-resp">
        <h2 id="as-resp">{t('as_responders')}</h2>
        {!d.responders.length && <p class="muted">{t('as_no_responders')}</p>}
        <ul class="rows">
          {d.responders.map((r) => (
            <li key={r.user_id} class="row">
              <strong>{r.display_name}</strong>
              <small class="muted">{r.username}{r.title ? ' · ' + r.title : ''}</small>
              {admin && (
                <button class="btn small ghost" disabled={!online.value} onClick={() => act(() => call('DELETE', '/api/v1/addressees/' + id + '/responders/' + r.user_id), t('as_resp_removed', { name: r.display_name })).then(load)}>
                  {t('as_resp_remove', { name: r.display_name })}
                </button>
              )}
            </li>
          ))}
        </ul>
        {admin && <AddResponder onPick={(u) => act(() => call('POST', '/api/v1/addressees/' + id + '/responders', { user_id: u.id }), t('as_resp_added', { name: u.display_name })).then(load)} />}
        <small class="muted">{t('as_resp_help')}</small>
      </section>
      {admin && (
        <section aria-labelledby="as-change">
          <h2 id="as-change">{t('as_edit')}</h2>
          <Edit key={d.id + d.version} prov={prov} row={d} parent={d.parents[0] || null} done={load} />
          <p class="actions">
            {!retired(d) && (
              <button class="btn" disabled={!online.value} onClick={() => act(() => call('POST', '/api/v1/addressees/' + id + '/retire', { active_to: today() }), t('as_retired_ok')).then(load)}>{t('as_retire')}</button>
            )}
            <button class="btn ghost" disabled={!online.value} onClick={() => confirm(t('as_delete_q', { name: d.name })) && act(() => call('DELETE', '/api/v1/addressees/' + id), t('as_deleted')).then((ok) => ok && (location.hash = '#/admin/addressees'))}>{t('as_delete')}</button>
          </p>
        </section>
      )}
    </>
  );
}

// AddResponder finds a user through the server's search and adds it.
function AddResponder({ onPick }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const dq = useDebounced(q.trim(), 250);
  useEffect(() => {
    if (dq.length < 2 || !online.value) return setFound(null);
    let live = true;
    call('GET', '/api/v1/users?limit=8&q=' + encodeURIComponent(dq)).then((r) => live && setFound(r.items), () => live && setFound([]));
    return () => (live = false);
  }, [dq]);
  return (
    <div class="field">
      <label for="as-user">{t('as_resp_add')}</label>
      <input id="as-user" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      {found && !found.length && <p class="muted">{t('as_no_users')}</p>}
      {found && found.length > 0 && (
        <ul class="rows" aria-label={t('as_resp_add')}>
          {found.map((u) => (
            <li key={u.id}>
              <button type="button" class="btn small ghost" onClick={() => (onPick(u), setQ(''), setFound(null))}>{u.display_name} ({u.username})</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// upload sends the file for a preview or a commit (multipart; the API helper speaks JSON only).
async function upload(file, prov, mode) {
  const form = new FormData();
  form.append('file', file);
  form.append('org_unit_id', prov);
  form.append('mode', mode);
  let r;
  try {
    r = await fetch('/api/v1/addressees/import', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value } });
  } catch {
    throw new Error(navigator.onLine ? t('as_reread') : t('ad_offline'));
  }
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = new Error(body?.message || t('as_failed'));
    e.details = body?.details;
    throw e;
  }
  return body;
}

function Import({ prov }) {
  const [file, setFile] = useState(null);
  const [plan, setPlan] = useState(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState(null);
  const go = async (mode) => {
    if (!file || busy) return;
    setBusy(true);
    setMsg(null);
    try {
      const r = await upload(file, prov, mode);
      setPlan(r.plan);
      if (mode === 'commit') {
        const w = r.written || {};
        setMsg({ text: t('as_committed', { create: w.create || 0, update: w.update || 0, unchanged: w.unchanged || 0 }) });
      }
    } catch (e) {
      if (e.details) setPlan(e.details);
      setMsg({ text: e.message, error: true });
    } finally {
      setBusy(false);
    }
  };
  const message = (is) => (lang.value === 'en' ? is.message_en : is.message_vi);
  return (
    <form class="card" onSubmit={(e) => (e.preventDefault(), go('preview'))} aria-labelledby="as-import">
      <h2 id="as-import">{t('as_tab_import')}</h2>
      <p><Download path="/api/v1/addressees/template.xlsx" file="danh-ba-co-quan-nhan-kien-nghi.xlsx" label={t('as_template')} /></p>
      <FileField id="as-upload" label={t('as_choose')} file={file} accept=".xlsx" onChange={(e) => (setFile(e.currentTarget.files[0] || null), setPlan(null))} />
      <button class="btn wide" disabled={!file || busy || !online.value}>{t('as_preview')}</button>
      <p role={msg?.error ? 'alert' : 'status'} aria-live="polite" class={msg?.error ? 'error' : 'ok'}>{msg?.text || ''}</p>
      {plan && (
        <>
          <p>{t('as_counts', plan.counts)}</p>
          {(plan.issues || []).map((is, i) => <p key={i} class="error">{message(is)}</p>)}
          <div class="tscroll" tabindex="0" role="region" aria-label={t('as_preview_table')}>
            <table class="data">
              <caption class="muted">{t('as_preview_table')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('as_line')}</th>
                  <th scope="col">{t('as_name')}</th>
                  <th scope="col">{t('as_parent')}</th>
                  <th scope="col">{t('as_outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <tr key={r.line}>
                    <td class="num">{r.line}</td>
                    <td>
                      {r.name}
                      {r.level && <small class="muted"> · {t('as_lv_' + r.level)}{r.kind ? ' · ' + t('as_k_' + r.kind) : ''}</small>}
                    </td>
                    <td>{r.parent || ''}</td>
                    <td>
                      <span class={r.outcome === 'error' ? 'error' : ''}>{t('as_o_' + r.outcome)}</span>
                      {(r.issues || []).map((is, i) => <div key={i} class="error">{message(is)}</div>)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" class="btn primary wide" disabled={busy || plan.errors > 0 || !online.value} onClick={() => go('commit')}>
            {plan.errors > 0 ? t('as_fix_first', { n: plan.errors }) : t('as_commit')}
          </button>
        </>
      )}
    </form>
  );
}
