// The meeting's minutes (biên bản) on the province's template, and the official's score of the meeting. Both take
// `locked` (a submitted report): then they only show what was recorded.
import { useEffect, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { t, lang, vnDate } from '../i18n.js';
import { get, mutate, online } from '../state.js';
import * as data from '../data.js';
import { uuid4 } from '../uuid.js';
import { Field } from './fields.jsx';
import { download } from './shared.jsx';

// F is a text field, or its text when the minutes are locked.
function F({ locked, id, label, value, save, multiline, rows }) {
  if (!locked) return <Field id={id} label={label} value={value} save={save} multiline={multiline} rows={rows} />;
  return (
    <div class="field ro">
      <span class="ro-label">{label}</span>
      <p class="ro-text">{value || '—'}</p>
    </div>
  );
}

// hhmm is the Vietnam time of a timestamp as "19:30"; at makes the timestamp of a meeting day at such a time.
const hhmm = (ts) => (ts ? new Date(Date.parse(ts) + 7 * 3600e3).toISOString().slice(11, 16) : '');
const at = (day, v) => (v ? new Date(`${day}T${v}:00+07:00`).toISOString() : null);

export function Minutes({ meeting, locked }) {
  const items = data.notesOf(meeting);
  const doc = data.minutesOf(meeting);
  const roster = data.members(meeting.cell_id);
  const f = data.figures(meeting);
  const set = (fields) => mutate([{ t: 'meetings', id: meeting.id, fields }]);
  const missing = data.requiredMissing(meeting);
  return (
    <>
      <section class="card" aria-labelledby="h-mhead">
        <h2 id="h-mhead">{t('mn_header')}</h2>
        <div class="field">
          <label for="m-type">{t('mn_type')}</label>
          <select id="m-type" value={meeting.type} disabled={locked} onChange={(e) => set({ type: e.currentTarget.value })}>
            <option value="regular">{t('mn_regular')}</option>
            <option value="thematic">{t('mn_thematic')}</option>
            <option value="extraordinary">{t('mn_extraordinary')}</option>
          </select>
        </div>
        <p class="muted">{t('mn_date')}: {vnDate(meeting.meeting_date)}</p>
        {meeting.type === 'thematic' && (
          <F locked={locked} id="topic" label={t('mn_topic')} value={meeting.topic} save={(v) => set({ topic: v })} />
        )}
        <div class="two">
          <div class="field">
            <label for="m-start">{t('mn_start')}</label>
            <input id="m-start" type="time" disabled={locked} value={hhmm(meeting.starts_at)}
              onChange={(e) => set({ starts_at: at(meeting.meeting_date, e.currentTarget.value) })} />
          </div>
          <div class="field">
            <label for="m-end">{t('mn_end')}</label>
            <input id="m-end" type="time" disabled={locked} value={hhmm(meeting.ends_at)}
              onChange={(e) => set({ ends_at: at(meeting.meeting_date, e.currentTarget.value) })} />
          </div>
        </div>
        <F locked={locked} id="place" label={t('place')} value={meeting.place} save={(v) => set({ place: v })} />
        <Person id="m-chair" label={t('mn_chair')} roster={roster} locked={locked} memberId={meeting.chair_member_id} name={meeting.chair_name}
          save={(m) => set({ chair_member_id: m?.id || null, chair_name: m?.full_name || '' })} />
        <Person id="m-secretary" label={t('mn_secretary')} roster={roster} locked={locked} memberId={meeting.secretary_member_id} name={meeting.secretary_name}
          save={(m) => set({ secretary_member_id: m?.id || null, secretary_name: m?.full_name || '' })} />
        <dl class="figs" aria-label={t('mn_figures')}>
          {[['mn_f_members', meeting.members_total ?? f.members], ['mn_f_present', f.present], ['mn_f_excused', f.excused],
            ['mn_f_unexcused', f.unexcused], ['mn_f_exempt', meeting.members_exempt ?? f.exempt]].map(([k, v]) => (
            <div key={k}><dt>{t(k)}</dt><dd>{v}</dd></div>
          ))}
        </dl>
        <p class="muted">{t('mn_figures_hint')}</p>
      </section>
      <Guests meeting={meeting} guests={doc.guests} locked={locked} />
      {items.map((item, i) => (
        <section class="card" key={item.key} aria-labelledby={'h-' + item.key}>
          <h2 id={'h-' + item.key}>{i + 1}. {item.label}{item.required && <span class="req"> · {t('mn_required')}</span>}</h2>
          <Item meeting={meeting} item={item} roster={roster} guests={doc.guests} locked={locked} />
        </section>
      ))}
      {!locked && missing.length > 0 && (
        <p class="warn" role="status">{t('mn_missing', { items: missing.join('; ') })}</p>
      )}
      <section class="card actions-row no-print">
        <button class="btn primary" onClick={() => window.print()}>{t('mn_print')}</button>
        <DocxButton meeting={meeting} />
      </section>
      {!locked && <p class="muted center">{t('saved_local')}</p>}
      <Paper meeting={meeting} />
    </>
  );
}

// Paper is the printable biên bản (paper.jsx), hidden on screen: loaded with the minutes tab, not with the app (the
// service worker precaches it, so it prints offline too).
const paper = signal(null);
function Paper(props) {
  const C = paper.value;
  if (C) return <C {...props} />;
  import('./paper.jsx').then((m) => (paper.value = m.MinutesPaper));
  return null;
}

// DocxButton downloads the minutes as a Word document from the server (online only).
function DocxButton({ meeting }) {
  const [err, setErr] = useState('');
  const go = async () => {
    setErr('');
    try {
      await download(`/api/v1/meetings/${meeting.id}/minutes.docx`, `bien-ban-sinh-hoat-${meeting.meeting_date}.docx`);
    } catch {
      setErr(t('mn_docx_failed'));
    }
  };
  return (
    <>
      <button class="btn" onClick={go} disabled={!online.value || meeting._pending}>{t('mn_docx')}</button>
      {!online.value && <p class="muted">{t('mn_docx_offline')}</p>}
      {err && <p class="error" role="alert">{err}</p>}
    </>
  );
}

// Person picks the chair or the minute-taker from the cell's roll.
function Person({ id, label, roster, memberId, name, save, locked }) {
  const known = roster.find((m) => m.id === memberId);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} disabled={locked} value={known ? known.id : ''} onChange={(e) => save(roster.find((m) => m.id === e.currentTarget.value))}>
        <option value="">{!known && name ? name : t('mn_choose')}</option>
        {roster.map((m) => <option key={m.id} value={m.id}>{m.full_name}</option>)}
      </select>
    </div>
  );
}

// Guests lists the meeting's guests, the visiting higher-level official among them, each saved as typed.
function Guests({ meeting, guests, locked }) {
  const save = (change) => data.saveMinutes(meeting.id, (doc) => ({ ...doc, guests: change(doc.guests) }));
  const put = (i, patch) => save((gs) => gs.map((g, k) => (k === i ? { ...g, ...patch } : g)));
  const u = data.me();
  const meIn = guests.some((g) => g.name === u?.display_name);
  return (
    <section class="card" aria-labelledby="h-guests">
      <h2 id="h-guests">{t('mn_guests')}</h2>
      {guests.length === 0 && <p class="muted">{t('mn_no_guests')}</p>}
      {guests.map((g, i) => (
        <div class="sub-card" key={i}>
          <F locked={locked} id={'g-name-' + i} label={t('mn_guest_name')} value={g.name} save={(v) => put(i, { name: v })} />
          <F locked={locked} id={'g-post-' + i} label={t('mn_guest_post')} value={g.post} save={(v) => put(i, { post: v })} />
          <label class="check">
            <input type="checkbox" disabled={locked} checked={!!g.higher} onChange={(e) => put(i, { higher: e.currentTarget.checked })} />
            {t('mn_higher')}
          </label>
          {!locked && <button class="btn small ghost" onClick={() => save((gs) => gs.filter((_, k) => k !== i))}>{t('remove')}</button>}
        </div>
      ))}
      {!locked && (
        <p class="actions">
          {u && !meIn && (
            <button class="btn small" onClick={() => save((gs) => [...gs, { name: u.display_name, post: u.title || '', higher: true }])}>{t('mn_add_me')}</button>
          )}
          <button class="btn small" onClick={() => save((gs) => [...gs, { name: '', post: '', higher: false }])}>{t('mn_add_guest')}</button>
        </p>
      )}
    </section>
  );
}

// Item is one agenda item, recorded as its kind says.
function Item({ meeting, item, roster, guests, locked }) {
  const save = (patch, extra) => data.saveItem(meeting.id, item.key, patch, extra);
  const text = (
    <F locked={locked} id={'n-' + item.key} label={item.kind === 'discussion' ? t('mn_summary') : t('mn_content')} value={item.text} multiline
      rows={item.kind === 'resolution' ? 5 : 4}
      save={(v) => save(() => ({ text: v }), item.key === 'resolution' ? { resolution: v } : undefined)} />
  );
  switch (item.kind) {
    case 'review':
      return (
        <>
          <Review meeting={meeting} item={item} save={save} locked={locked} />
          {text}
        </>
      );
    case 'discussion':
      return (
        <>
          <Speeches item={item} roster={roster} guests={guests} save={save} locked={locked} />
          {text}
        </>
      );
    case 'resolution':
      return (
        <>
          {text}
          <Tasks item={item} roster={roster} save={save} locked={locked} />
          <Vote item={item} save={save} locked={locked} present={data.figures(meeting).present} />
        </>
      );
  }
  return text;
}

// Review ticks off last month's tasks: done or not done.
function Review({ meeting, item, save, locked }) {
  const prev = data.previousMeeting(meeting);
  const tasks = prev ? data.tasksOf(prev) : [];
  if (!tasks.length) return <p class="muted">{t('mn_no_prev_tasks')}</p>;
  const done = item.done || {};
  const tick = (id, v) => save((i) => ({ done: { ...(i.done || {}), [id]: v } }));
  return (
    <ul class="tasks" aria-label={t('mn_prev_tasks', { date: vnDate(prev.meeting_date) })}>
      <li class="muted">{t('mn_prev_tasks', { date: vnDate(prev.meeting_date) })}</li>
      {tasks.map((x) => (
        <li key={x.id} class="task">
          <span class="what">{x.what}{x.who ? ' — ' + x.who : ''}{x.due ? ' — ' + t('mn_due_short', { date: vnDate(x.due) }) : ''}</span>
          <div class="segs" role="group" aria-label={x.what}>
            <button class="seg p" disabled={locked} aria-pressed={done[x.id] === true ? 'true' : 'false'} onClick={() => tick(x.id, true)}>{t('mn_done')}</button>
            <button class="seg u" disabled={locked} aria-pressed={done[x.id] === false ? 'true' : 'false'} onClick={() => tick(x.id, false)}>{t('mn_not_done')}</button>
          </div>
        </li>
      ))}
    </ul>
  );
}

// Speeches lists who spoke in the discussion and what they said.
function Speeches({ item, roster, guests, save, locked }) {
  const list_ = item.speeches || [];
  const names = [...roster.map((m) => m.full_name), ...guests.map((g) => g.name).filter(Boolean)];
  const put = (i, patch) => save((it) => ({ speeches: (it.speeches || []).map((s, k) => (k === i ? { ...s, ...patch } : s)) }));
  const id = 'sp-' + item.key;
  return (
    <>
      {list_.map((s, i) => (
        <div class="sub-card" key={i}>
          <F locked={locked} id={`sp-${item.key}-${i}`} label={t('mn_speech', { name: s.name })} value={s.text} multiline rows={3} save={(v) => put(i, { text: v })} />
          {!locked && (
            <button class="btn small ghost" onClick={() => save((it) => ({ speeches: (it.speeches || []).filter((_, k) => k !== i) }))}>
              {t('remove')} {s.name}
            </button>
          )}
        </div>
      ))}
      {!locked && (
        <div class="field">
          <label for={id}>{t('add_speaker')}</label>
          <select id={id} value="" onChange={(e) => {
            const name = e.currentTarget.value;
            if (name) save((it) => ({ speeches: [...(it.speeches || []), { name, text: '' }] }));
          }}>
            <option value="">{t('mn_choose')}</option>
            {names.map((n, i) => <option key={i} value={n}>{n}</option>)}
          </select>
        </div>
      )}
    </>
  );
}

// Tasks are the resolution's tasks: what, who, by when.
function Tasks({ item, roster, save, locked }) {
  const tasks = item.tasks || [];
  const put = (id, patch) => save((it) => ({ tasks: (it.tasks || []).map((x) => (x.id === id ? { ...x, ...patch } : x)) }));
  return (
    <div class="tasks-edit">
      <h3>{t('mn_tasks')}</h3>
      {tasks.length === 0 && <p class="muted">{t('mn_no_tasks')}</p>}
      <datalist id="roster-names">{roster.map((m) => <option key={m.id} value={m.full_name} />)}</datalist>
      {tasks.map((x, i) => (
        <div class="sub-card task" key={x.id}>
          <F locked={locked} id={`tk-${item.key}-${i}-what`} label={t('mn_task_what')} value={x.what} save={(v) => put(x.id, { what: v })} />
          <F locked={locked} id={`tk-${item.key}-${i}-who`} label={t('mn_task_who')} value={x.who} save={(v) => put(x.id, { who: v })} />
          <div class="field">
            <label for={`tk-${item.key}-${i}-due`}>{t('mn_task_due')}</label>
            <input id={`tk-${item.key}-${i}-due`} type="date" disabled={locked} value={x.due || ''} onChange={(e) => put(x.id, { due: e.currentTarget.value || null })} />
          </div>
          {!locked && <button class="btn small ghost" onClick={() => save((it) => ({ tasks: (it.tasks || []).filter((y) => y.id !== x.id) }))}>{t('remove')}</button>}
        </div>
      ))}
      {!locked && <button class="btn small" onClick={() => save((it) => ({ tasks: [...(it.tasks || []), { id: uuid4(), what: '', who: '', due: null }] }))}>{t('mn_add_task')}</button>}
    </div>
  );
}

// Vote records the resolution's vote: members for and against.
function Vote({ item, save, locked, present }) {
  const v = item.vote || {};
  const num = (s) => (s === '' ? null : Math.max(0, parseInt(s, 10) || 0));
  const id = 'v-' + item.key;
  return (
    <div class="vote">
      <h3>{t('mn_vote')}</h3>
      <div class="two">
        <div class="field">
          <label for={id + '-for'}>{t('mn_vote_for')}</label>
          <input id={id + '-for'} type="number" inputMode="numeric" min="0" disabled={locked} value={v.for ?? ''}
            onInput={(e) => save((it) => ({ vote: { ...(it.vote || {}), for: num(e.currentTarget.value) } }))} />
        </div>
        <div class="field">
          <label for={id + '-against'}>{t('mn_vote_against')}</label>
          <input id={id + '-against'} type="number" inputMode="numeric" min="0" disabled={locked} value={v.against ?? ''}
            onInput={(e) => save((it) => ({ vote: { ...(it.vote || {}), against: num(e.currentTarget.value) } }))} />
        </div>
      </div>
      {!locked && v.for == null && present > 0 && (
        <button class="btn small" onClick={() => save((it) => ({ vote: { for: present, against: 0 } }))}>{t('mn_vote_all', { n: present })}</button>
      )}
    </div>
  );
}

export function Score({ meeting, locked }) {
  const r = data.rubric(meeting.meeting_date);
  const report = data.myReport(meeting.id);
  const auto = r ? Object.fromEntries(r.criteria.filter((c) => c.computed).map((c) => [c.code, data.computedScore(c, meeting)])) : {};
  const stale = report && Object.entries(auto).some(([k, v]) => (report.scores || {})[k] !== v);
  // The criteria the attendance decides follow it into the report once there is one.
  useEffect(() => {
    if (!locked && stale) mutate([{ t: 'visit_reports', id: report.id, fields: { scores: { ...(report.scores || {}), ...auto } } }]);
  }, [locked, stale, JSON.stringify(auto)]);
  if (!r) return <p class="muted">{t('no_rubric')}</p>;
  const scores = { ...(report?.scores || {}), ...auto };
  const total = r.criteria.reduce((s, c) => s + (scores[c.code] || 0), 0);
  const grade = data.gradeFor(r, total);
  // set applies a step to the score as it is when tapped, not as last drawn: taps faster than a slow phone redraws
  // each count.
  const set = async (c, step) => {
    const rid = await data.ensureReport(meeting.id);
    const cur = get('visit_reports', rid)?.scores || {};
    const v = Math.max(0, Math.min(c.max_points, step(cur[c.code] || 0)));
    if (v !== (cur[c.code] || 0) || Object.entries(auto).some(([k, x]) => cur[k] !== x)) {
      await mutate([{ t: 'visit_reports', id: rid, fields: { scores: { ...cur, ...auto, [c.code]: v } } }]);
    }
  };
  let group = '';
  return (
    <>
      <section class="card score-head" aria-live="polite">
        <div class="stat"><span>{t('score_total')}</span><strong>{total} / {r.max}</strong></div>
        <div class={'stat grade ' + grade}><span>{t('grade')}</span><strong>{t('grade_' + grade)}</strong></div>
      </section>
      <p class="muted">{t('sc_rubric', { name: r.name, date: vnDate(r.valid_from) })}</p>
      <ul class="criteria">
        {r.criteria.map((c) => {
          const head = c.group_vi !== group ? (group = c.group_vi) : null;
          const v = scores[c.code] || 0;
          const name = (lang.value === 'en' && c.name_en) || c.name_vi;
          return (
            <li key={c.code}>
              {head && <h2>{lang.value === 'en' ? c.group_en || c.group_vi : c.group_vi}</h2>}
              <div class="criterion">
                <span id={'c-' + c.code}>{name} <small>(0–{c.max_points})</small></span>
                {c.computed ? (
                  <div class="computed" role="group" aria-labelledby={'c-' + c.code}>
                    <output>{v}</output> <small>{t('sc_computed')}</small>
                  </div>
                ) : (
                  <div class="stepper" role="group" aria-labelledby={'c-' + c.code}>
                    <button class="seg" aria-label="−" disabled={locked || v <= 0} onClick={() => set(c, (x) => x - 1)}>−</button>
                    <output aria-live="polite">{v}</output>
                    <button class="seg" aria-label="+" disabled={locked || v >= c.max_points} onClick={() => set(c, (x) => x + 1)}>+</button>
                    <button class="seg" disabled={locked} onClick={() => set(c, () => c.max_points)}>{c.max_points}</button>
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

