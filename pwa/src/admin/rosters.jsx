// The administrators' party members screen (#/admin/rosters/...): each cell's roster: import from a file, download, edit a member. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/rosters/":
//   (nothing)            pick a cell or a committee with a search box;
//   <unit>               its roster (paginated), the template and exports, and (admins) the import with its preview;
//   <unit>/<member>      one member: edit the fields, the status with its dates, a transfer to another cell.
import { useState, useEffect, useRef } from 'preact/hooks';
import { FileField } from './file.jsx';
import { t, lang, vnDate } from '../i18n.js';
import { online } from '../state.js';
import { api, token } from '../sync.js';
import { usePaged } from '../paged.js';
import { Download } from '../screens/shared.jsx';
import { canAdmin } from './admin.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline || !navigator.onLine ? t('ro_offline') : e.message);
const OUTCOMES = ['create', 'update', 'unchanged', 'warning', 'error'];
const STATUSES = ['active', 'exempt', 'temp_exempt', 'transferred', 'deceased'];
const base = '#/admin/rosters';

export function Rosters({ rest }) {
  const [unitId, memberId] = rest || [];
  if (!unitId) return <Picker />;
  if (memberId) return <MemberEdit unitId={unitId} id={memberId} />;
  return <UnitRoster id={unitId} />;
}

// useDebounced returns value once it has not changed for ms.
function useDebounced(value, ms = 300) {
  const [v, set] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => set(value), ms);
    return () => clearTimeout(h);
  }, [value]);
  return v;
}

// UnitSearch is a search box over GET /api/v1/org-units?q=…; onPick receives the chosen unit.
function UnitSearch({ id, label, kind, onPick, pickLabel }) {
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim());
  const path = '/api/v1/org-units?limit=20' + (kind ? '&kind=' + kind : '') + (dq ? '&q=' + encodeURIComponent(dq) : '');
  const st = usePaged((url) => call('GET', url), path, errText, true);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} aria-describedby={id + '-hint'} autocomplete="off" />
      <p id={id + '-hint'} class="muted">{t('ro_search_hint')}</p>
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.loaded && !st.items.length && !st.error && <p class="muted">{t('ro_no_units')}</p>}
      <ul class="rows" aria-label={label}>
        {st.items.map((u) => (
          <li key={u.id}>
            <button type="button" class="card row" onClick={() => onPick(u)} aria-label={pickLabel ? pickLabel(u) : u.name}>
              <span class="main">
                <strong>{u.name}</strong>
                <small class="muted">{u.kind === 'cell' ? t('ro_kind_cell') : t('ro_kind_other')}{u.code ? ' · ' + u.code : ''}</small>
              </span>
              <span class="go" aria-hidden="true">›</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Picker() {
  return (
    <>
      <h1 class="title">{t('ad_rosters')}</h1>
      <p class="muted">{t('ad_rosters_about')}</p>
      <h2>{t('ro_pick')}</h2>
      <UnitSearch id="ro-unit" label={t('ro_search')} onPick={(u) => (location.hash = base + '/' + u.id)} />
    </>
  );
}

// useUnit reads one org unit.
function useUnit(id) {
  const [st, set] = useState({ unit: null, error: '' });
  useEffect(() => {
    let live = true;
    set({ unit: null, error: '' });
    call('GET', '/api/v1/org-units/' + id).then(
      (u) => live && set({ unit: u, error: '' }),
      (e) => live && set({ unit: null, error: errText(e) }),
    );
    return () => {
      live = false;
    };
  }, [id, online.value]);
  return st;
}

function UnitRoster({ id }) {
  const { unit, error } = useUnit(id);
  const [reload, setReload] = useState(0);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!unit) return <p class="muted" role="status">{t('ro_working')}</p>;
  return (
    <>
      <h1 class="title">{unit.name}</h1>
      <p><a href={base}>{t('ro_change_unit')}</a></p>
      <section aria-labelledby="ro-files">
        <h2 id="ro-files">{t('ro_files')}</h2>
        <p class="chips">
          <Download path="/api/v1/rosters/template.xlsx" file="mau-danh-sach-dang-vien.xlsx" label={t('ro_template')} />
          <Download path={'/api/v1/rosters/export?org_unit_id=' + id} file={'danh-sach-dang-vien.xlsx'} label={t('ro_export_xlsx')} />
          <Download path={'/api/v1/rosters/export?format=csv&org_unit_id=' + id} file={'danh-sach-dang-vien.csv'} label={t('ro_export_csv')} />
        </p>
      </section>
      {canAdmin() && <Import unit={unit} onDone={() => setReload(reload + 1)} />}
      <MemberList unit={unit} reload={reload} />
    </>
  );
}

// upload sends the file to the import endpoint; a commit refused for bad rows comes back as the plan too.
async function upload(unitId, file, mode) {
  const form = new FormData();
  form.append('org_unit_id', unitId);
  form.append('mode', mode);
  form.append('file', file, file.name);
  let r;
  try {
    r = await fetch('/api/v1/rosters/import', {
      method: 'POST',
      body: form,
      headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value },
      cache: 'no-store',
    });
  } catch (e) {
    throw new Error(t('ro_offline'));
  }
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error(body?.message || 'HTTP ' + r.status);
    err.plan = body?.details;
    throw err;
  }
  return body;
}

const msgOf = (m) => (lang.value === 'en' ? m.message_en : m.message_vi);

function Import({ unit, onDone }) {
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [plan, setPlan] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  const input = useRef(null);
  const run = async (mode) => {
    if (!file || busy) return;
    setBusy(true);
    setError('');
    setResult(null);
    try {
      const r = await upload(unit.id, file, mode);
      setPlan(r.plan);
      if (r.committed) {
        setResult(r.result);
        onDone();
      }
    } catch (e) {
      if (e.plan) setPlan(e.plan);
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  const counts = {};
  for (const o of OUTCOMES) counts[o] = 0;
  for (const r of plan?.rows || []) counts[r.outcome]++;
  const rows = (plan?.rows || []).filter((r) => !filter || r.outcome === filter);
  const importable = plan && plan.error_rows === 0 && !result;
  return (
    <section aria-labelledby="ro-import" class="card">
      <h2 id="ro-import">{t('ro_import')}</h2>
      <p class="muted">{t('ro_import_help')}</p>
      {unit.kind !== 'cell' && <p class="muted">{t('ro_import_commune')}</p>}
      <FileField
        id="ro-file"
        label={t('ro_file')}
        inputRef={input}
        file={file}
        accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
        onChange={(e) => {
          setFile(e.currentTarget.files[0] || null);
          setPlan(null);
          setResult(null);
          setError('');
          setFilter('');
        }}
      />
      <p>
        <button class="btn" onClick={() => run('preview')} disabled={!file || busy || !online.value}>{t('ro_preview')}</button>{' '}
        {importable && (
          <button class="btn primary" onClick={() => run('commit')} disabled={busy || !online.value}>{t('ro_commit', { n: plan.rows_total })}</button>
        )}
      </p>
      {busy && <p class="muted" role="status">{t('ro_working')}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {result && <p class="notice" role="status">{t('ro_done', result)}</p>}
      {plan && (
        <>
          <p role="status" id="ro-summary">
            {t('ro_summary', { total: plan.rows_total, ...counts })}
          </p>
          {plan.error_rows > 0 && <p class="error">{t('ro_has_errors', { n: plan.error_rows })}</p>}
          <div class="chips" role="group" aria-label={t('ro_filter')}>
            <button class={'chip' + (!filter ? ' on' : '')} aria-pressed={!filter} onClick={() => setFilter('')}>
              {t('ro_all')} ({plan.rows.length})
            </button>
            {OUTCOMES.filter((o) => counts[o] > 0).map((o) => (
              <button key={o} class={'chip' + (filter === o ? ' on' : '')} aria-pressed={filter === o} onClick={() => setFilter(o)}>
                {t('ro_out_' + o)} ({counts[o]})
              </button>
            ))}
          </div>
          <div style="overflow-x:auto;max-width:100%" tabIndex={0} role="region" aria-label={t('ro_table')}>
            <table class="data" id="ro-preview">
              <caption class="muted">{t('ro_table')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('ro_col_line')}</th>
                  <th scope="col">{t('ro_col_name')}</th>
                  <th scope="col">{t('ro_col_outcome')}</th>
                  <th scope="col">{t('ro_col_notes')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.line} data-outcome={r.outcome}>
                    <td class="num">{r.line}</td>
                    <td>
                      {r.full_name}
                      {r.cell_name && unit.kind !== 'cell' ? <small class="muted"><br />{r.cell_name}</small> : null}
                    </td>
                    <td>
                      <span class={r.outcome === 'error' ? 'error' : ''}>{t('ro_out_' + r.outcome)}</span>
                      {r.outcome === 'warning' && r.action ? <small class="muted"><br />{t('ro_out_' + r.action)}</small> : null}
                    </td>
                    <td>
                      {r.transfer_from && <div>{t('ro_transfer', { cell: r.transfer_from.name })}</div>}
                      {r.fields?.length > 0 && <div class="muted">{t('ro_changed', { fields: r.fields.map((f) => t('ro_fld_' + f)).join(', ') })}</div>}
                      {r.messages.map((m, i) => (
                        <div key={i} class={m.warning ? '' : 'error'}>{msgOf(m)}</div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!rows.length && <p class="muted">{t('ro_no_rows')}</p>}
        </>
      )}
    </section>
  );
}

function MemberList({ unit, reload }) {
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim());
  const path = '/api/v1/members?limit=50&' + (unit.kind === 'cell' ? 'cell_id=' : 'under=') + unit.id + (dq ? '&q=' + encodeURIComponent(dq) : '') + '&r=' + reload;
  const st = usePaged((url) => call('GET', url.replace(/&r=\d+/, '')), path, errText, true);
  return (
    <section aria-labelledby="ro-list">
      <h2 id="ro-list">{t('ro_list')}</h2>
      <label for="ro-q">{t('ro_list_search')}</label>
      <input id="ro-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.loaded && !st.items.length && !st.error && <p class="muted">{t('ro_none')}</p>}
      <ul class="rows" id="ro-members">
        {st.items.map((m) => (
          <li key={m.id}>
            <a class="row" href={base + '/' + unit.id + '/' + m.id}>
              <strong>{m.full_name}</strong>
              <small>
                {[
                  m.birth_year ? t('ro_born', { year: m.birth_year }) : '',
                  t('ro_ms_' + m.membership),
                  t('ro_st_' + m.status) + (m.status === 'temp_exempt' && m.temp_exempt_until ? ' → ' + vnDate(m.temp_exempt_until) : ''),
                  m.card_number ? t('ro_card', { card: m.card_number }) : '',
                  unit.kind !== 'cell' ? m.cell_name : '',
                ].filter(Boolean).join(' · ')}
              </small>
            </a>
          </li>
        ))}
      </ul>
      {st.next && <button class="btn wide" onClick={st.more}>{t('ro_more')}</button>}
    </section>
  );
}

// The member's fields the form edits, and how each is read from an input.
const FIELDS = ['full_name', 'birth_year', 'card_number', 'membership', 'joined_on', 'official_on', 'status', 'temp_exempt_until', 'cell_role', 'status_note'];

function MemberEdit({ unitId, id }) {
  const [m, setM] = useState(null);
  const [form, setForm] = useState(null);
  const [moveTo, setMoveTo] = useState(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = () =>
    call('GET', '/api/v1/members/' + id).then(
      (x) => {
        setM(x);
        const f = {};
        for (const k of FIELDS) f[k] = x[k] ?? '';
        setForm(f);
      },
      (e) => setError(errText(e)),
    );
  useEffect(() => {
    load();
  }, [id]);
  if (!form) return error ? <p class="error" role="alert">{error}</p> : <p class="muted" role="status">{t('ro_working')}</p>;
  const admin = canAdmin();
  const set = (k) => (e) => {
    setForm({ ...form, [k]: e.currentTarget.value });
    setSaved(false);
  };
  const save = async (e) => {
    e.preventDefault();
    if (busy) return;
    setError('');
    if (form.status === 'temp_exempt' && !form.temp_exempt_until) {
      setError(t('ro_until_required'));
      return;
    }
    const patch = {};
    for (const k of FIELDS) {
      const before = m[k] ?? '';
      let v = form[k];
      if (String(v) === String(before)) continue;
      if (k === 'birth_year') v = v === '' ? null : Number(v);
      else if ((k === 'joined_on' || k === 'official_on' || k === 'temp_exempt_until' || k === 'card_number') && v === '') v = null;
      patch[k] = v;
    }
    if (form.status !== 'temp_exempt' && m.temp_exempt_until) patch.temp_exempt_until = null;
    if (moveTo) patch.cell_id = moveTo.id;
    if (!Object.keys(patch).length) return;
    setBusy(true);
    try {
      await call('PATCH', '/api/v1/members/' + id, patch);
      setMoveTo(null);
      setSaved(true);
      await load();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  const input = (k, label, type = 'text', extra = {}) => (
    <div class="field">
      <label for={'ro-' + k}>{label}</label>
      <input id={'ro-' + k} type={type} value={form[k]} onInput={set(k)} disabled={!admin} {...extra} />
    </div>
  );
  return (
    <>
      <h1 class="title">{admin ? t('ro_edit') : t('ro_view')}: {m.full_name}</h1>
      <p><a href={base + '/' + unitId}>{t('ro_back')}</a></p>
      <p class="muted">{t('ro_f_cell')}: {m.cell_name}</p>
      <form onSubmit={save} class="card" aria-label={t('ro_edit')}>
        {input('full_name', t('ro_f_name'), 'text', { required: true, maxLength: 120 })}
        {input('birth_year', t('ro_f_birth'), 'number', { min: 1900, max: new Date().getFullYear() - 16, inputMode: 'numeric' })}
        {input('card_number', t('ro_f_card'), 'text', { maxLength: 30 })}
        <div class="field">
          <label for="ro-membership">{t('ro_f_membership')}</label>
          <select id="ro-membership" value={form.membership} onChange={set('membership')} disabled={!admin}>
            {['full', 'probationary'].map((v) => <option key={v} value={v}>{t('ro_ms_' + v)}</option>)}
          </select>
        </div>
        {input('joined_on', t('ro_f_joined'), 'date')}
        {input('official_on', t('ro_f_official'), 'date')}
        <div class="field">
          <label for="ro-status">{t('ro_f_status')}</label>
          <select id="ro-status" value={form.status} onChange={set('status')} disabled={!admin}>
            {STATUSES.map((v) => <option key={v} value={v}>{t('ro_st_' + v)}</option>)}
          </select>
        </div>
        {form.status === 'temp_exempt' && input('temp_exempt_until', t('ro_f_until'), 'date', { required: true })}
        {form.status === 'temp_exempt' && !m.temp_exempt_until && m.status === 'temp_exempt' && <p class="notice">{t('ro_f_until_missing')}</p>}
        {input('cell_role', t('ro_f_role'), 'text', { maxLength: 60 })}
        {input('status_note', t('ro_f_note'), 'text', { maxLength: 500 })}
        {admin && (
          <details class="card">
            <summary>{t('ro_transfer_to')}</summary>
            {moveTo ? (
              <p>
                <strong>{t('ro_transfer_chosen', { cell: moveTo.name })}</strong>{' '}
                <button type="button" class="btn small" onClick={() => setMoveTo(null)}>{t('ro_transfer_cancel')}</button>
              </p>
            ) : (
              <UnitSearch id="ro-move" kind="cell" label={t('ro_transfer_search')} onPick={(u) => u.id !== m.cell_id && setMoveTo(u)} pickLabel={(u) => t('ro_transfer_pick', { cell: u.name })} />
            )}
          </details>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        {saved && <p class="notice" role="status">{t('ro_saved')}</p>}
        {admin && <button class="btn primary wide" type="submit" disabled={busy || !online.value}>{t('ro_save')}</button>}
      </form>
    </>
  );
}
