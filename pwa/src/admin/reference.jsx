// The administrators' reference data screen (#/admin/reference/...): recommendation fields, the rubric, the minutes template, rating labels, with dates in force. Supervisors read it; only an
// administrator of the province changes it. rest is the part of the route after "#/admin/reference/".
// A rubric or minutes template version is added from a day (today or later): meetings before that day keep the
// version of their day, so a version already in force is never edited, only followed by a new one.
import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, lang } from '../i18n.js';
import { online } from '../state.js';
import { today } from '../data.js';
import { api } from '../sync.js';
import { useUnits } from '../screens/shared.jsx';
import { canAdmin } from './admin.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('ad_offline') : e.message);
const name = (x) => (lang.value === 'en' && x.name_en ? x.name_en : x.name_vi);
const tomorrow = () => {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

// provinceOf picks the unit whose province the screen shows: the caller's topmost unit.
export function useProvinceUnit() {
  const units = useUnits();
  const ids = new Set(units.map((u) => u.id));
  return (units.find((u) => u.kind === 'province') || units.find((u) => !ids.has(u.parent_id)) || {}).id || '';
}

// Status says what a call did, for screen readers too.
function Status({ msg }) {
  if (!msg) return <p role="status" aria-live="polite"></p>;
  return (
    <p role={msg.error ? 'alert' : 'status'} aria-live="polite" class={msg.error ? 'error' : 'ok'}>
      {msg.text}
    </p>
  );
}

// Validity says from when to when an item is in use.
function Validity({ from, to }) {
  if (!from && !to) return <small class="muted">{t('rf_always')}</small>;
  return (
    <small class="muted">
      {from ? t('rf_from', { day: vnDate(from) }) : ''}
      {from && to ? ' · ' : ''}
      {to ? t('rf_to', { day: vnDate(to) }) : ''}
    </small>
  );
}

export function Reference() {
  const unit = useProvinceUnit();
  const [ref, setRef] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState(null);
  const load = () =>
    unit &&
    call('GET', '/api/v1/reference/admin?org_unit_id=' + unit).then(
      (r) => {
        setRef(r);
        setErr('');
      },
      (e) => setErr(errText(e)),
    );
  useEffect(() => {
    if (online.value) load();
  }, [unit, online.value]);
  // run does a change, reloads and says how it went.
  const run = async (method, path, body, done) => {
    try {
      await call(method, path + (path.includes('?') ? '&' : '?') + 'org_unit_id=' + unit, body);
      setMsg({ text: done });
      await load();
      return true;
    } catch (e) {
      setMsg({ text: errText(e), error: true });
      return false;
    }
  };
  return (
    <>
      <h1 class="title">{t('ad_reference')}</h1>
      <p class="muted">{t('ad_reference_about')}</p>
      {err && <p class="error" role="alert">{err}</p>}
      {!ref && !err && <p class="muted">{t('rf_loading')}</p>}
      <Status msg={msg} />
      {ref && (
        <>
          <Fields ref_={ref} run={run} />
          <Rubrics ref_={ref} run={run} />
          <Templates ref_={ref} run={run} />
          <Labels ref_={ref} run={run} />
        </>
      )}
    </>
  );
}

function Fields({ ref_, run }) {
  const admin = canAdmin();
  const [nv, setNv] = useState('');
  const [ne, setNe] = useState('');
  const [from, setFrom] = useState(today());
  const [edit, setEdit] = useState(null); // {id, name}
  const add = async (e) => {
    e.preventDefault();
    if (await run('POST', '/api/v1/reference/fields', { name_vi: nv, name_en: ne, valid_from: from }, t('rf_field_added', { name: nv }))) {
      setNv('');
      setNe('');
    }
  };
  return (
    <section aria-labelledby="rf-fields">
      <h2 id="rf-fields">{t('rf_fields')}</h2>
      {ref_.fields_inherited && <p class="muted">{t('rf_inherited')}</p>}
      <ul class="rows" aria-label={t('rf_fields')}>
        {ref_.fields.map((f) => (
          <li key={f.id} class="row">
            {edit?.id === f.id ? (
              <form
                onSubmit={async (e) => {
                  e.preventDefault();
                  if (await run('PATCH', '/api/v1/reference/fields/' + f.id, { name_vi: edit.name }, t('rf_saved'))) setEdit(null);
                }}
              >
                <label for={'rn-' + f.id}>{t('rf_new_name')}</label>
                <input id={'rn-' + f.id} value={edit.name} required onInput={(e) => setEdit({ ...edit, name: e.currentTarget.value })} />
                <button class="btn small primary">{t('rf_save')}</button>{' '}
                <button type="button" class="btn small ghost" onClick={() => setEdit(null)}>{t('rf_cancel')}</button>
              </form>
            ) : (
              <>
                <strong>
                  {name(f)} {!f.active && <small class="muted">({t('rf_retired')})</small>}
                </strong>
                <Validity from={f.valid_from} to={f.valid_to} />
                {admin && (
                  <span>
                    <button class="btn small ghost" aria-label={t('rf_rename_x', { name: f.name_vi })} onClick={() => setEdit({ id: f.id, name: f.name_vi })}>
                      {t('rf_rename')}
                    </button>
                    <button
                      class="btn small ghost"
                      aria-label={t(f.active ? 'rf_retire_x' : 'rf_restore_x', { name: f.name_vi })}
                      onClick={() => run('PATCH', '/api/v1/reference/fields/' + f.id, { active: !f.active }, t(f.active ? 'rf_retired_done' : 'rf_restored_done', { name: f.name_vi }))}
                    >
                      {t(f.active ? 'rf_retire' : 'rf_restore')}
                    </button>
                  </span>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {admin && (
        <form class="card" onSubmit={add} aria-labelledby="rf-field-add">
          <h3 id="rf-field-add">{t('rf_field_add')}</h3>
          <label for="rf-nv">{t('rf_name_vi')}</label>
          <input id="rf-nv" value={nv} required onInput={(e) => setNv(e.currentTarget.value)} />
          <label for="rf-ne">{t('rf_name_en')}</label>
          <input id="rf-ne" value={ne} onInput={(e) => setNe(e.currentTarget.value)} />
          <label for="rf-from">{t('rf_valid_from')}</label>
          <input id="rf-from" type="date" value={from} required onInput={(e) => setFrom(e.currentTarget.value)} />
          <button class="btn primary wide" disabled={!online.value}>{t('rf_add')}</button>
        </form>
      )}
    </section>
  );
}

// Thresholds shows a rubric's grade thresholds.
const thresholds = (r) => t('rf_thresholds_text', { good: r.good_min, fair: r.fair_min, average: r.average_min });

function Rubrics({ ref_, run }) {
  const admin = canAdmin();
  const [draft, setDraft] = useState(null);
  const start = () => {
    const cur = ref_.rubrics.find((r) => r.id === ref_.rubric_in_force) || ref_.rubrics[0];
    setDraft({
      name: cur?.name || '',
      valid_from: tomorrow(),
      good_min: cur?.good_min ?? 90,
      fair_min: cur?.fair_min ?? 70,
      average_min: cur?.average_min ?? 50,
      criteria: (cur?.criteria || []).map((c) => ({ group_vi: c.group_vi, group_en: c.group_en, name_vi: c.name_vi, name_en: c.name_en, max_points: c.max_points, computed: c.computed, code: c.code })),
    });
  };
  const total = draft ? draft.criteria.reduce((s, c) => s + (Number(c.max_points) || 0), 0) : 0;
  const setC = (i, patch) => setDraft({ ...draft, criteria: draft.criteria.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const save = async (e) => {
    e.preventDefault();
    const body = { ...draft, good_min: Number(draft.good_min), fair_min: Number(draft.fair_min), average_min: Number(draft.average_min), criteria: draft.criteria.map((c) => ({ ...c, max_points: Number(c.max_points) })) };
    if (await run('POST', '/api/v1/reference/rubrics', body, t('rf_rubric_added', { day: vnDate(draft.valid_from) }))) setDraft(null);
  };
  return (
    <section aria-labelledby="rf-rubrics">
      <h2 id="rf-rubrics">{t('rf_rubrics')}</h2>
      <p class="muted">{t('rf_rubrics_about')}</p>
      {ref_.rubrics.map((r) => {
        const max = (r.criteria || []).reduce((s, c) => s + c.max_points, 0);
        return (
          <details key={r.id} class="card">
            <summary>
              {r.name} — {t('rf_from', { day: vnDate(r.valid_from) })}
              {r.id === ref_.rubric_in_force && <strong class="ok"> · {t('rf_in_force')}</strong>}
              {!r.province_id && <span class="muted"> ({t('rf_default')})</span>}
            </summary>
            <p>{thresholds(r)} · {t('rf_max', { n: max })}</p>
            <div class="tscroll" tabindex="0" role="region" aria-label={t('rf_criteria_of', { name: r.name, day: vnDate(r.valid_from) })}>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('rf_group')}</th>
                    <th scope="col">{t('rf_criterion')}</th>
                    <th scope="col">{t('rf_points')}</th>
                  </tr>
                </thead>
                <tbody>
                  {(r.criteria || []).map((c) => (
                    <tr key={c.id}>
                      <td>{lang.value === 'en' && c.group_en ? c.group_en : c.group_vi}</td>
                      <td>
                        {name(c)}
                        {c.computed && <small class="muted"> ({t('rf_computed')})</small>}
                      </td>
                      <td class="num">{c.max_points}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {admin && r.province_id && r.valid_from > ref_.today && (
              <button class="btn small danger" onClick={() => run('DELETE', '/api/v1/reference/rubrics/' + r.id, undefined, t('rf_deleted'))}>
                {t('rf_delete_version', { day: vnDate(r.valid_from) })}
              </button>
            )}
          </details>
        );
      })}
      {admin && !draft && (
        <button class="btn wide" onClick={start} disabled={!online.value}>{t('rf_rubric_new')}</button>
      )}
      {admin && draft && (
        <form class="card" onSubmit={save} aria-labelledby="rf-rubric-form">
          <h3 id="rf-rubric-form">{t('rf_rubric_new')}</h3>
          <label for="rb-name">{t('rf_version_name')}</label>
          <input id="rb-name" value={draft.name} required onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          <label for="rb-from">{t('rf_valid_from')}</label>
          <input id="rb-from" type="date" min={ref_.today} value={draft.valid_from} required onInput={(e) => setDraft({ ...draft, valid_from: e.currentTarget.value })} />
          <fieldset>
            <legend>{t('rf_criteria')}</legend>
            {draft.criteria.map((c, i) => (
              <div key={i} class="crit">
                <label for={'cn-' + i}>{t('rf_criterion_n', { n: i + 1 })}</label>
                <input id={'cn-' + i} value={c.name_vi} required onInput={(e) => setC(i, { name_vi: e.currentTarget.value })} />
                <label for={'cg-' + i}>{t('rf_group')}</label>
                <input id={'cg-' + i} value={c.group_vi} onInput={(e) => setC(i, { group_vi: e.currentTarget.value })} />
                <label for={'cp-' + i}>{t('rf_points_of', { n: i + 1 })}</label>
                <input id={'cp-' + i} type="number" inputmode="numeric" min="1" value={c.max_points} required onInput={(e) => setC(i, { max_points: e.currentTarget.value })} />
                <button type="button" class="btn small ghost" onClick={() => setDraft({ ...draft, criteria: draft.criteria.filter((_, j) => j !== i) })}>
                  {t('rf_remove_criterion', { n: i + 1 })}
                </button>
              </div>
            ))}
            <button type="button" class="btn small" onClick={() => setDraft({ ...draft, criteria: [...draft.criteria, { name_vi: '', group_vi: '', max_points: 10, computed: '' }] })}>
              {t('rf_add_criterion')}
            </button>
          </fieldset>
          <p>{t('rf_max', { n: total })}</p>
          <fieldset>
            <legend>{t('rf_thresholds')}</legend>
            {[['good_min', 'rf_good'], ['fair_min', 'rf_fair'], ['average_min', 'rf_average']].map(([k, l]) => (
              <div key={k}>
                <label for={'th-' + k}>{t(l)}</label>
                <input id={'th-' + k} type="number" inputmode="numeric" min="0" value={draft[k]} required onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} />
              </div>
            ))}
          </fieldset>
          <button class="btn primary wide" disabled={!online.value}>{t('rf_save_version')}</button>
          <button type="button" class="btn ghost wide" onClick={() => setDraft(null)}>{t('rf_cancel')}</button>
        </form>
      )}
    </section>
  );
}

const parseItems = (tp) => {
  try {
    return typeof tp.items === 'string' ? JSON.parse(tp.items) : tp.items || [];
  } catch {
    return [];
  }
};

function Templates({ ref_, run }) {
  const admin = canAdmin();
  const [draft, setDraft] = useState(null);
  const start = () => {
    const cur = ref_.minutes_templates.find((x) => x.id === ref_.minutes_template_in_force) || ref_.minutes_templates[0];
    setDraft({ name: cur?.name || '', valid_from: tomorrow(), items: parseItems(cur || {}).map((it) => ({ ...it })) });
  };
  const setI = (i, patch) => setDraft({ ...draft, items: draft.items.map((it, j) => (j === i ? { ...it, ...patch } : it)) });
  const save = async (e) => {
    e.preventDefault();
    if (await run('POST', '/api/v1/reference/minutes-templates', draft, t('rf_template_added', { day: vnDate(draft.valid_from) }))) setDraft(null);
  };
  return (
    <section aria-labelledby="rf-templates">
      <h2 id="rf-templates">{t('rf_templates')}</h2>
      {ref_.minutes_templates.map((tp) => (
        <details key={tp.id} class="card">
          <summary>
            {tp.name} — {t('rf_from', { day: vnDate(tp.valid_from) })}
            {tp.id === ref_.minutes_template_in_force && <strong class="ok"> · {t('rf_in_force')}</strong>}
            {!tp.province_id && <span class="muted"> ({t('rf_default')})</span>}
          </summary>
          <ol>
            {parseItems(tp).map((it) => (
              <li key={it.key}>
                {lang.value === 'en' && it.label_en ? it.label_en : it.label_vi}
                {it.required && <small class="muted"> ({t('rf_required')})</small>}
              </li>
            ))}
          </ol>
          {admin && tp.province_id && tp.valid_from > ref_.today && (
            <button class="btn small danger" onClick={() => run('DELETE', '/api/v1/reference/minutes-templates/' + tp.id, undefined, t('rf_deleted'))}>
              {t('rf_delete_version', { day: vnDate(tp.valid_from) })}
            </button>
          )}
        </details>
      ))}
      {admin && !draft && (
        <button class="btn wide" onClick={start} disabled={!online.value}>{t('rf_template_new')}</button>
      )}
      {admin && draft && (
        <form class="card" onSubmit={save} aria-labelledby="rf-template-form">
          <h3 id="rf-template-form">{t('rf_template_new')}</h3>
          <label for="tp-name">{t('rf_version_name')}</label>
          <input id="tp-name" value={draft.name} required onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          <label for="tp-from">{t('rf_valid_from')}</label>
          <input id="tp-from" type="date" min={ref_.today} value={draft.valid_from} required onInput={(e) => setDraft({ ...draft, valid_from: e.currentTarget.value })} />
          <fieldset>
            <legend>{t('rf_items')}</legend>
            {draft.items.map((it, i) => (
              <div key={i} class="crit">
                <label for={'it-' + i}>{t('rf_item_n', { n: i + 1 })}</label>
                <input id={'it-' + i} value={it.label_vi} required onInput={(e) => setI(i, { label_vi: e.currentTarget.value })} />
                <label class="check">
                  <input type="checkbox" checked={it.required} onChange={(e) => setI(i, { required: e.currentTarget.checked })} /> {t('rf_required_n', { n: i + 1 })}
                </label>
                <button type="button" class="btn small ghost" onClick={() => setDraft({ ...draft, items: draft.items.filter((_, j) => j !== i) })}>
                  {t('rf_remove_item', { n: i + 1 })}
                </button>
              </div>
            ))}
            <button type="button" class="btn small" onClick={() => setDraft({ ...draft, items: [...draft.items, { kind: 'text', required: false, types: [], label_vi: '', label_en: '' }] })}>
              {t('rf_add_item')}
            </button>
          </fieldset>
          <button class="btn primary wide" disabled={!online.value}>{t('rf_save_version')}</button>
          <button type="button" class="btn ghost wide" onClick={() => setDraft(null)}>{t('rf_cancel')}</button>
        </form>
      )}
    </section>
  );
}

// schemeName names a rating scheme in words (never its code on a Vietnamese screen).
export const schemeName = (s) => (s === 'qd366_2025' ? t('rf_scheme_366') : s === 'legacy' ? t('rf_scheme_legacy') : t('rf_scheme_other'));

function Labels({ ref_, run }) {
  const admin = canAdmin();
  const [form, setForm] = useState({ scheme: 'qd366_2025', name_vi: '', weak: false, valid_from: '', valid_to: '' });
  const schemes = ref_.schemes;
  const add = async (e) => {
    e.preventDefault();
    const body = { scheme: form.scheme, name_vi: form.name_vi, weak: form.weak };
    if (form.valid_from) body.valid_from = form.valid_from;
    if (form.valid_to) body.valid_to = form.valid_to;
    if (await run('POST', '/api/v1/reference/rating-labels', body, t('rf_label_added', { name: form.name_vi }))) setForm({ ...form, name_vi: '', weak: false });
  };
  return (
    <section aria-labelledby="rf-labels">
      <h2 id="rf-labels">{t('rf_labels')}</h2>
      {ref_.rating_labels_inherited && <p class="muted">{t('rf_inherited')}</p>}
      {schemes.map((s) => (
        <div key={s}>
          <h3>{schemeName(s)}</h3>
          <ul class="rows">
            {ref_.rating_labels.filter((l) => l.scheme === s).map((l) => (
              <li key={l.id} class="row">
                <strong>
                  {name(l)} {l.weak && <small class="muted">({t('rf_weak')})</small>} {!l.active && <small class="muted">({t('rf_retired')})</small>}
                </strong>
                <Validity from={l.valid_from} to={l.valid_to} />
                {admin && (
                  <span>
                    <button
                      class="btn small ghost"
                      aria-label={t(l.active ? 'rf_retire_x' : 'rf_restore_x', { name: l.name_vi })}
                      onClick={() => run('PATCH', '/api/v1/reference/rating-labels/' + l.id, { active: !l.active }, t(l.active ? 'rf_retired_done' : 'rf_restored_done', { name: l.name_vi }))}
                    >
                      {t(l.active ? 'rf_retire' : 'rf_restore')}
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {admin && (
        <form class="card" onSubmit={add} aria-labelledby="rf-label-add">
          <h3 id="rf-label-add">{t('rf_label_add')}</h3>
          <label for="lb-scheme">{t('rf_scheme')}</label>
          <select id="lb-scheme" value={form.scheme} onChange={(e) => setForm({ ...form, scheme: e.currentTarget.value })}>
            {schemes.map((s) => (
              <option key={s} value={s}>{schemeName(s)}</option>
            ))}
          </select>
          <label for="lb-name">{t('rf_name_vi')}</label>
          <input id="lb-name" value={form.name_vi} required onInput={(e) => setForm({ ...form, name_vi: e.currentTarget.value })} />
          <label class="check">
            <input type="checkbox" checked={form.weak} onChange={(e) => setForm({ ...form, weak: e.currentTarget.checked })} /> {t('rf_weak_label')}
          </label>
          <label for="lb-from">{t('rf_valid_from')}</label>
          <input id="lb-from" type="date" value={form.valid_from} onInput={(e) => setForm({ ...form, valid_from: e.currentTarget.value })} />
          <label for="lb-to">{t('rf_valid_to')}</label>
          <input id="lb-to" type="date" value={form.valid_to} onInput={(e) => setForm({ ...form, valid_to: e.currentTarget.value })} />
          <button class="btn primary wide" disabled={!online.value}>{t('rf_add')}</button>
        </form>
      )}
    </section>
  );
}
