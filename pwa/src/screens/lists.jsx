import { useState, useRef } from 'preact/hooks';
import { t, vnDate, vnTime } from '../i18n.js';
import { list, get, mutate, rejected, discardRejected, resend } from '../state.js';
import { myVisits, minutesOf, template, itemLabel } from '../data.js';

export function Visits() {
  const vs = myVisits();
  return (
    <>
      <h1 class="title">{t('visits')}</h1>
      {vs.length === 0 && <p class="muted">{t('no_visits')}</p>}
      <ul class="cards">
        {vs.map(({ report, meeting }) => (
          <li key={report.id}>
            <a class="card row" href={'#/m/' + meeting.id + '/review'}>
              <span class="main">
                <strong>{get('org_units', meeting.cell_id)?.name || ''}</strong>
                <span>{vnDate(meeting.meeting_date)}</span>
                <small>{report.status === 'submitted' ? t('report_submitted') : t('report_draft')}
                  {report.grade ? ' · ' + t('grade_' + report.grade) : ''}</small>
              </span>
              <span class="go" aria-hidden="true">›</span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

// text renders a conflicting value: free text as is, a notes document as its items' texts.
function text(v) {
  if (v == null) return '';
  let x = v;
  try {
    x = JSON.parse(v);
  } catch {
    return v;
  }
  if (x && Array.isArray(x.items)) return x.items.filter((i) => i.text).map((i) => label(i.key) + ': ' + i.text).join('\n');
  return typeof x === 'string' ? x : JSON.stringify(x);
}

const fieldLabel = (f) => ({ notes: t('tab_minutes'), resolution: t('resolution'), topic: t('topic'), place: t('place'), guidance: t('item_guidance'),
  status: t('tab_attendance'), content: t('rec_content') })[f] || f;

export function Conflicts() {
  const cs = list('sync_conflicts').filter((c) => !c.resolved_at);
  return (
    <>
      <h1 class="title">{t('conflicts')}</h1>
      <p class="muted">{t('conflict_help')}</p>
      {cs.length === 0 && <p class="muted">{t('no_conflicts')}</p>}
      <ul class="cards">{cs.map((c) => <Conflict key={c.id} c={c} />)}</ul>
    </>
  );
}

// label is the name of a minutes item in the template in force.
const label = (key) => {
  const d = template()?.items.find((x) => x.key === key);
  return d ? itemLabel(d) : t('tab_minutes');
};

// mergeNotes starts a merge of two minutes documents item by item, against the version both started from: an item
// only one of them changed is taken as that one has it; an item both changed differently gets both texts, server's
// first, for the user to edit, with the speeches and tasks of both. The guests are the changed side's.
function mergeNotes(base, server, client) {
  const [o, a, b] = [base, server, client].map((v) => minutesOf({ notes: parseValue(v) }));
  const same = (x, y) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const find = (doc, key) => doc.items.find((i) => i.key === key);
  const keys = [...new Set([...a.items, ...b.items].map((i) => i.key))];
  const items = keys.map((key) => {
    const x = find(a, key), y = find(b, key), z = find(o, key);
    if (same(x, y) || same(y, z)) return { ...(x || y), both: false };
    if (same(x, z)) return { ...y, both: false };
    const xt = (x?.text || '').trim(), yt = (y?.text || '').trim();
    const byId = (l) => [...new Map(l.map((v) => [v.id || JSON.stringify(v), v])).values()];
    return { ...y, ...x, text: xt && yt && xt !== yt ? xt + '\n' + yt : xt || yt, both: !!(xt && yt && xt !== yt),
      speeches: byId([...(x?.speeches || []), ...(y?.speeches || [])]), tasks: byId([...(x?.tasks || []), ...(y?.tasks || [])]) };
  });
  return { template_id: a.template_id || b.template_id, guests: same(a.guests, o.guests) ? b.guests : a.guests, items };
}

function parseValue(v) {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function Conflict({ c }) {
  const [merged, setMerged] = useState(null);
  const record = get(c.table, c.row_id);
  const resolve = async (value, how) => {
    const items = [];
    if (value !== undefined && c.field !== '*' && record) items.push({ t: c.table, id: c.row_id, fields: { [c.field]: value } });
    items.push({ t: 'sync_conflicts', id: c.id, fields: { resolution: how, resolved_at: new Date().toISOString() } });
    await mutate(items);
  };
  const isNotes = c.field === 'notes';
  const startMerge = () =>
    setMerged(isNotes ? mergeNotes(c.base_value, c.server_value, c.client_value) : text(c.server_value) + '\n' + text(c.client_value));
  const saveMerge = () =>
    resolve(isNotes ? { ...merged, items: merged.items.map(({ both, ...i }) => i) } : merged, 'merged');
  return (
    <li class="card conflict">
      <p><strong>{c.table === 'meetings' ? t('meeting') : c.table}</strong> · {fieldLabel(c.field)} · {vnDate(c.created_at)} {vnTime(c.created_at)}</p>
      <div class="versions">
        <div>
          <h2>{t('theirs')}</h2>
          <pre>{text(c.server_value)}</pre>
          <button class="btn small" onClick={() => resolve(parseValue(c.server_value), 'kept server value')}>{t('keep_this')}</button>
        </div>
        <div>
          <h2>{t('mine')}</h2>
          <pre>{text(c.client_value)}</pre>
          <button class="btn small" onClick={() => resolve(undefined, 'kept client value')}>{t('keep_this')}</button>
        </div>
      </div>
      {merged === null ? (
        <button class="btn ghost small" onClick={startMerge}>{t('merge')}</button>
      ) : isNotes ? (
        <div>
          {merged.items.filter((i) => i.text || i.both).map((i) => (
            <div class="field" key={i.key}>
              <label for={'mg-' + c.id + '-' + i.key}>{t('merge')}: {label(i.key)}</label>
              <textarea id={'mg-' + c.id + '-' + i.key} rows={i.both ? 5 : 3} value={i.text}
                onInput={(e) => {
                  const v = e.currentTarget.value;
                  setMerged({ ...merged, items: merged.items.map((x) => (x.key === i.key ? { ...x, text: v } : x)) });
                }} />
            </div>
          ))}
          <button class="btn small primary" onClick={saveMerge}>{t('save')}</button>
        </div>
      ) : (
        <div class="field">
          <label for={'mg-' + c.id}>{t('merge')}</label>
          <textarea id={'mg-' + c.id} rows={6} value={merged} onInput={(e) => setMerged(e.currentTarget.value)} />
          <button class="btn small primary" onClick={saveMerge}>{t('save')}</button>
        </div>
      )}
    </li>
  );
}

export function Rejected() {
  const rs = rejected.value;
  return (
    <>
      <h1 class="title">{t('rejected')}</h1>
      <p class="muted">{t('rejected_help')}</p>
      <ul class="cards">{rs.map((r) => <RejectedItem key={r.seq} r={r} />)}</ul>
    </>
  );
}

function RejectedItem({ r }) {
  const [fields, setState] = useState(r.fields || {});
  const latest = useRef(fields); // what is typed, even before the next render
  const setFields = (f) => setState((latest.current = f));
  const names = { t_meetings: t('meeting'), t_recommendations: t('tab_recs'), t_attendance: t('tab_attendance'), t_visit_reports: t('review') };
  return (
    <li class="card rejected">
      <p><strong>{names['t_' + r.t] || r.t}</strong></p>
      <p class="error" role="alert">{r.message}</p>
      {r.op !== 'delete' && Object.keys(fields).filter((f) => typeof fields[f] === 'string').map((f) => (
        <div class="field" key={f}>
          <label for={'rj-' + r.seq + '-' + f} class={f === r.field ? 'error' : ''}>{f}</label>
          {fields[f].length > 60
            ? <textarea id={'rj-' + r.seq + '-' + f} rows={4} value={fields[f]} onInput={(e) => setFields({ ...latest.current, [f]: e.currentTarget.value })} />
            : <input id={'rj-' + r.seq + '-' + f} value={fields[f]} onInput={(e) => setFields({ ...latest.current, [f]: e.currentTarget.value })} />}
        </div>
      ))}
      <p class="actions">
        <button class="btn small primary" onClick={() => resend(r, r.op === 'delete' ? undefined : latest.current)}>{t('resend')}</button>
        <button class="btn small ghost" onClick={() => discardRejected(r.seq)}>{t('discard')}</button>
      </p>
    </li>
  );
}
