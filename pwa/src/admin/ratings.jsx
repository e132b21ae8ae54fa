// The administrators' annual ratings screen (#/admin/ratings/...): each year's quality rating of the cells: one by one or from a file. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/ratings/".
// The import is previewed first (every row's outcome by line, with the errors naming the line, the column and the
// accepted labels) and committed all or nothing; the template lists the unit's cells with their current rating.
import { useState, useEffect } from 'preact/hooks';
import { FileField } from './file.jsx';
import { t, lang } from '../i18n.js';
import { online } from '../state.js';
import { today } from '../data.js';
import { api, token } from '../sync.js';
import { usePaged } from '../paged.js';
import { useUnits, unitOptions, Download } from '../screens/shared.jsx';
import { canAdmin } from './admin.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('ad_offline') : e.message);
const name = (x) => (lang.value === 'en' && x.name_en ? x.name_en : x.name_vi);

export function Ratings() {
  const units = unitOptions(useUnits());
  const [unit, setUnit] = useState('');
  const thisYear = Number(today().slice(0, 4));
  const [year, setYear] = useState(thisYear - 1);
  const u = unit || units[0]?.id || '';
  const years = [];
  for (let y = thisYear; y >= thisYear - 10; y--) years.push(y);
  return (
    <>
      <h1 class="title">{t('ad_ratings')}</h1>
      <p class="muted">{t('ad_ratings_about')}</p>
      <div class="field">
        <label for="rt-unit">{t('rt_unit')}</label>
        <select id="rt-unit" value={u} onChange={(e) => setUnit(e.currentTarget.value)}>
          {units.map((x) => (
            <option key={x.id} value={x.id}>{x.name}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="rt-year">{t('rt_year')}</label>
        <select id="rt-year" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
          {years.map((y) => (
            <option key={y} value={y}>{y}</option>
          ))}
        </select>
      </div>
      {u && <RatingList unit={u} year={year} />}
    </>
  );
}

function RatingList({ unit, year }) {
  const admin = canAdmin();
  const q = '?org_unit_id=' + unit + '&year=' + year;
  const list = usePaged((url) => call('GET', url), '/api/v1/ratings' + q + '&limit=50', errText, true);
  const [labels, setLabels] = useState([]);
  const [msg, setMsg] = useState(null);
  useEffect(() => {
    if (!online.value) return;
    call('GET', '/api/v1/ratings/labels' + q).then(setLabels, () => setLabels([]));
  }, [q, online.value]);
  const rate = async (row, labelId) => {
    try {
      const path = '/api/v1/org-units/' + row.cell_id + '/ratings/' + year;
      if (labelId) await call('PUT', path, { label_id: labelId });
      else await call('DELETE', path);
      setMsg({ text: t('rt_saved', { cell: row.cell_name }) });
      list.reload();
    } catch (e) {
      setMsg({ text: errText(e), error: true });
    }
  };
  return (
    <>
      <section aria-labelledby="rt-cells">
        <h2 id="rt-cells">{t('rt_cells', { year })}</h2>
        <p role={msg?.error ? 'alert' : 'status'} aria-live="polite" class={msg?.error ? 'error' : 'ok'}>{msg?.text || ''}</p>
        {list.error && <p class="error" role="alert">{list.error}</p>}
        {list.loaded && !list.items.length && !list.error && <p class="muted">{t('rt_none')}</p>}
        <ul class="rows">
          {list.items.map((r) => (
            <li key={r.cell_id} class="row">
              <strong id={'rc-' + r.cell_id}>{r.cell_name}</strong>
              <small class="muted">{r.parent_name}</small>
              {admin ? (
                <select
                  aria-label={t('rt_rating_of', { cell: r.cell_name })}
                  value={r.rating?.label_id || ''}
                  disabled={!online.value}
                  onChange={(e) => rate(r, e.currentTarget.value)}
                >
                  <option value="">{t('rt_unrated')}</option>
                  {labels.map((l) => (
                    <option key={l.id} value={l.id}>{name(l)}</option>
                  ))}
                </select>
              ) : (
                <span>{r.rating ? name(r.rating) : t('rt_unrated')}</span>
              )}
            </li>
          ))}
        </ul>
        {list.next && <button class="btn small ghost" onClick={list.more}>{t('rt_more')}</button>}
      </section>
      <section aria-labelledby="rt-file">
        <h2 id="rt-file">{t('rt_file')}</h2>
        <p>
          <Download path={'/api/v1/ratings/template' + q} file={'xep-loai-chi-bo-' + year + '.xlsx'} label={t('rt_template')} />
        </p>
        {admin && <Import unit={unit} year={year} done={list.reload} />}
      </section>
    </>
  );
}

// upload sends the file for a preview or a commit (multipart; the API helper speaks JSON only).
async function upload(file, unit, year, mode) {
  const form = new FormData();
  form.append('file', file);
  form.append('org_unit_id', unit);
  form.append('year', String(year));
  form.append('mode', mode);
  let r;
  try {
    r = await fetch('/api/v1/ratings/import', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value } });
  } catch {
    // A file changed on disk after it was chosen can no longer be read: choosing it again reads it anew.
    throw new Error(navigator.onLine ? t('rt_reread') : t('ad_offline'));
  }
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = new Error(body?.message || t('rt_failed'));
    e.details = body?.details;
    throw e;
  }
  return body;
}

const outcomes = ['create', 'update', 'unchanged', 'skipped', 'error'];

function Import({ unit, year, done }) {
  const [file, setFile] = useState(null);
  const [plan, setPlan] = useState(null);
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState(null);
  useEffect(() => {
    setPlan(null);
    setMsg(null);
  }, [unit, year]);
  const go = async (mode) => {
    if (!file || busy) return;
    setBusy(true);
    setMsg(null);
    try {
      const r = await upload(file, unit, year, mode);
      setPlan(r.plan);
      if (mode === 'commit') {
        const w = r.written || {};
        setMsg({ text: t('rt_committed', { create: w.create || 0, update: w.update || 0, unchanged: w.unchanged || 0 }) });
        done();
      }
    } catch (e) {
      if (e.details) setPlan(e.details);
      setMsg({ text: e.message, error: true });
    } finally {
      setBusy(false);
    }
  };
  const rows = plan ? plan.rows.filter((r) => !filter || r.outcome === filter) : [];
  const message = (is) => (lang.value === 'en' ? is.message_en : is.message_vi);
  return (
    <form class="card" onSubmit={(e) => (e.preventDefault(), go('preview'))} aria-labelledby="rt-import">
      <h3 id="rt-import">{t('rt_import', { year })}</h3>
      <FileField id="rt-upload" label={t('rt_choose')} file={file} accept=".xlsx" onChange={(e) => (setFile(e.currentTarget.files[0] || null), setPlan(null))} />
      <button class="btn wide" disabled={!file || busy || !online.value}>{t('rt_preview')}</button>
      <p role={msg?.error ? 'alert' : 'status'} aria-live="polite" class={msg?.error ? 'error' : 'ok'}>{msg?.text || ''}</p>
      {plan && (
        <>
          <p>{t('rt_counts', { create: plan.counts.create, update: plan.counts.update, unchanged: plan.counts.unchanged, skipped: plan.counts.skipped, error: plan.counts.error })}</p>
          {(plan.issues || []).map((is, i) => (
            <p key={i} class="error">{message(is)}</p>
          ))}
          <label for="rt-filter">{t('rt_filter')}</label>
          <select id="rt-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
            <option value="">{t('rt_all')}</option>
            {outcomes.map((o) => (
              <option key={o} value={o}>{t('rt_o_' + o)}</option>
            ))}
          </select>
          <div class="tscroll" tabindex="0" role="region" aria-label={t('rt_preview_table')}>
            <table class="data">
              <caption class="muted">{t('rt_preview_table')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('rt_line')}</th>
                  <th scope="col">{t('rt_cell')}</th>
                  <th scope="col">{t('rt_label')}</th>
                  <th scope="col">{t('rt_outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.line}>
                    <td class="num">{r.line}</td>
                    <td>{r.cell_name || r.name || r.code}</td>
                    <td>
                      {r.label_name || r.label}
                      {r.before && r.outcome === 'update' && <small class="muted"> ({t('rt_was', { label: r.before })})</small>}
                    </td>
                    <td>
                      <span class={r.outcome === 'error' ? 'error' : ''}>{t('rt_o_' + r.outcome)}</span>
                      {(r.issues || []).map((is, i) => (
                        <div key={i} class="error">{message(is)}</div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" class="btn primary wide" disabled={busy || plan.errors > 0 || !online.value} onClick={() => go('commit')}>
            {plan.errors > 0 ? t('rt_fix_first', { n: plan.errors }) : t('rt_commit')}
          </button>
        </>
      )}
    </form>
  );
}
