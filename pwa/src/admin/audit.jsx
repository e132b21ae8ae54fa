// The administrators' audit log screen (#/admin/audit/...): who changed what and when, before and after, filtered by
// unit (its subtree), person, kind of record and period. Administrators and supervisors read it; nobody changes it.
// Records are shown field by field in words, never as raw data.
import { useState, useEffect } from 'preact/hooks';
import { t, lang, vnDate, vnDateTime } from '../i18n.js';
import { usePaged } from '../paged.js';
import { call, errText, UnitPicker, roleName } from './users.jsx';

// TABLES are the kinds of record the filter offers, in the order shown.
const TABLES = ['member', 'org_unit', 'user', 'role_grant', 'assignment', 'meeting', 'attendance', 'visit_report', 'recommendation', 'schedule_rule', 'addressee'];

// HIDDEN are the fields never shown: identifiers, bookkeeping and secrets.
const HIDDEN = new Set(['id', 'created_at', 'updated_at', 'deleted_at', 'version', 'name_fold', 'content_fold', 'path', 'depth',
  'password_hash', 'failed_logins', 'locked_until', 'history', 'row_version', 'server_version', 'created_by']);

// label names a field in words (an unknown one as "other detail").
const label = (f) => {
  const k = 'au_f_' + f;
  const s = t(k);
  return s === k ? t('au_other_field') : s;
};

// VALUES are the stored codes of enumerations and their message keys.
const VALUES = {
  membership: (v) => 'au_v_m_' + v,
  status: (v) => 'au_v_s_' + v,
  gender: (v) => 'au_v_g_' + v,
  kind: (v) => 'au_v_k_' + v,
  frequency: (v) => 'au_v_f_' + v,
  type: (v) => 'au_v_t_' + v,
  mode: (v) => 'au_v_mode_' + v,
  urgency: (v) => 'au_v_u_' + v,
  grade: (v) => 'au_v_gr_' + v,
  verdict: (v) => 'au_v_vd_' + v,
  level: (v) => 'au_v_lv_' + v,
  form: (v) => 'au_v_form_' + v,
  audience: (v) => 'au_v_aud_' + v,
};

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// show writes a stored value in words: dates dd/mm/yyyy, yes/no, known codes by name, references as "changed".
function show(field, v) {
  if (v === null || v === undefined || v === '') return t('au_empty');
  if (typeof v === 'boolean') return v ? t('au_yes') : t('au_no');
  if (typeof v === 'number') return lang.value === 'en' ? String(v) : String(v).replace('.', ',');
  if (typeof v === 'object') return t('au_hidden');
  const s = String(v);
  if (field === 'role') return roleName(s);
  if (VALUES[field]) {
    const k = VALUES[field](s);
    const w = t(k);
    return w === k ? t('au_other_field') : w;
  }
  if (ISO_DAY.test(s)) return vnDate(s);
  if (ISO_TIME.test(s)) return vnDateTime(s);
  if (UUID.test(s)) return t('au_changed_ref');
  return s;
}

// json reads stored JSON (null when empty or unreadable).
const json = (s) => {
  try {
    return s ? JSON.parse(s) : null;
  } catch {
    return null;
  }
};

// record is v when it is a record (an object), else null; list is v when it is an array, else null.
const record = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
const list = (v) => (Array.isArray(v) ? v : null);

// records are the records an entry is about, each with its before and after (null where it has none): one, or
// several when a device's push changed many of one kind the same way (entity_ids lists them, before and after are
// arrays in the same order).
function records(e) {
  const ids = list(json(e.entity_ids));
  if (!ids) return [{ before: record(json(e.before)), after: record(json(e.after)) }];
  const bs = list(json(e.before)) || [];
  const as = list(json(e.after)) || [];
  return ids.map((_, i) => ({ before: record(bs[i]), after: record(as[i]) }));
}

// changes lists the fields of a record worth showing: every changed field of an update, every filled one of an
// add or a delete.
function changes({ before, after }) {
  const b = before || {};
  const a = after || {};
  const out = [];
  for (const f of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (HIDDEN.has(f) || f.endsWith('_fold')) continue;
    const x = JSON.stringify(b[f] ?? null);
    const y = JSON.stringify(a[f] ?? null);
    if (x === y) continue;
    if (!(before && after)) {
      // Of a new or deleted record, the filled fields; its references to other records say nothing in words.
      const v = after ? a[f] : b[f];
      if (f.endsWith('_id') || v === null || v === undefined || v === '') continue;
    }
    out.push([f, b[f], a[f]]);
  }
  return out;
}

const word = (prefix, v) => {
  const k = prefix + v;
  const s = t(k);
  return s === k ? t(prefix + 'other') : s;
};

// usePeople finds users by name for the "changed by" filter.
function usePeople(q) {
  const [found, setFound] = useState([]);
  useEffect(() => {
    const text = q.trim();
    if (text.length < 2) return setFound([]);
    let live = true;
    const timer = setTimeout(() => {
      call('GET', '/api/v1/users?limit=8&q=' + encodeURIComponent(text)).then((r) => live && setFound(r.items), () => live && setFound([]));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return found;
}

export function Audit() {
  const [unit, setUnit] = useState(null);
  const [who, setWho] = useState(null);
  const [q, setQ] = useState('');
  const [table, setTable] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const people = usePeople(who ? '' : q);
  const path = '/api/v1/audit?limit=20' + (unit ? '&unit=' + unit.id : '') + (who ? '&user=' + who.id : '') + (table ? '&table=' + table : '') +
    (from ? '&from=' + from : '') + (to ? '&to=' + to : '');
  const list = usePaged((url) => call('GET', url), path, errText, true);
  const clear = () => {
    setUnit(null);
    setWho(null);
    setQ('');
    setTable('');
    setFrom('');
    setTo('');
  };
  return (
    <>
      <h1 class="title">{t('ad_audit')}</h1>
      <p class="muted">{t('ad_audit_about')}</p>
      <form class="card" aria-label={t('au_filters')} onSubmit={(e) => e.preventDefault()}>
        <UnitPicker id="au-unit" label={t('au_unit')} value={unit} onChange={setUnit} />
        {who ? (
          <div class="field">
            <span id="au-who-l">{t('au_user')}</span>
            <p aria-labelledby="au-who-l"><strong>{who.name}</strong> <button type="button" class="btn small ghost" onClick={() => { setWho(null); setQ(''); }}>{t('au_anyone')}</button></p>
          </div>
        ) : (
          <div class="field">
            <label for="au-who">{t('au_user_search')}</label>
            <input id="au-who" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
            <ul class="rows">
              {people.map((u) => (
                <li key={u.id}><button type="button" class="btn small ghost" onClick={() => setWho({ id: u.id, name: u.display_name })}>{u.display_name}</button></li>
              ))}
            </ul>
          </div>
        )}
        <label for="au-table">{t('au_table')}</label>
        <select id="au-table" value={table} onChange={(e) => setTable(e.currentTarget.value)}>
          <option value="">{t('au_any_table')}</option>
          {TABLES.map((x) => <option key={x} value={x}>{word('au_t_', x)}</option>)}
        </select>
        <label for="au-from">{t('au_from')}</label>
        <input id="au-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        <label for="au-to">{t('au_to')}</label>
        <input id="au-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <button type="button" class="btn small ghost" onClick={clear}>{t('au_clear')}</button>
      </form>
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {list.loaded && !list.items.length && !list.error && <p class="muted">{t('au_none')}</p>}
      <ul class="cards audit" aria-live="polite">
        {list.items.map((e) => <Entry key={e.id} e={e} />)}
      </ul>
      {list.next && <button class="btn small" onClick={list.more}>{t('us_more')}</button>}
    </>
  );
}

function Entry({ e }) {
  const recs = records(e);
  const [open, setOpen] = useState(false);
  return (
    <li class="card">
      <p>
        <strong>{word('au_act_', e.action)} · {word('au_t_', e.entity)}</strong>
        {e.org_unit_name && <> {t('au_in', { unit: e.org_unit_name })}</>}
      </p>
      <p class="muted">{t('au_by', { who: e.actor_name || t('au_system'), when: vnDateTime(e.at) })}</p>
      {recs.length === 1 ? (
        <Changes r={recs[0]} caption={t('au_changes')} />
      ) : (
        <details onToggle={(ev) => setOpen(ev.currentTarget.open)}>
          <summary>{t('au_records', { n: recs.length })}</summary>
          {open && recs.map((r, i) => <Changes key={i} r={r} caption={t('au_record_n', { i: i + 1 })} />)}
        </details>
      )}
    </li>
  );
}

// Changes is the table of one record's changes, field by field in words.
function Changes({ r, caption }) {
  const rows = changes(r);
  if (!rows.length) return <p class="muted">{t('au_nothing')}</p>;
  return (
    <table class="data">
      <caption class="muted">{caption}</caption>
      <thead>
        <tr><th scope="col">{t('au_field')}</th><th scope="col">{t('au_before')}</th><th scope="col">{t('au_after')}</th></tr>
      </thead>
      <tbody>
        {rows.map(([f, b, a]) => (
          <tr key={f}>
            <th scope="row">{label(f)}</th>
            <td style="overflow-wrap:anywhere">{r.before ? show(f, b) : t('au_empty')}</td>
            <td style="overflow-wrap:anywhere">{r.after ? show(f, a) : t('au_empty')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
