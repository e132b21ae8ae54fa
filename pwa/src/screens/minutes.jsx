// The meeting's minutes (biên bản) and the official's score of it.
import { t, lang } from '../i18n.js';
import { get, mutate } from '../state.js';
import * as data from '../data.js';
import { Field } from './fields.jsx';

export function Minutes({ meeting, locked }) {
  const items = data.notesOf(meeting);
  const roster = data.members(meeting.cell_id);
  const report = data.myReport(meeting.id);
  // saveItem changes one item of the notes as they are now (patch(item) gives the new fields), not as last drawn.
  const saveItem = (key, patch) => {
    const cur = data.notesOf(get('meetings', meeting.id));
    const next = cur.map((i) => (i.key === key ? { ...i, ...patch(i) } : i));
    return mutate([{ t: 'meetings', id: meeting.id, fields: { notes: { items: next } } }]);
  };
  return (
    <>
      <section class="card">
        <Field locked={locked} id="topic" label={t('topic')} value={meeting.topic} save={(v) => mutate([{ t: 'meetings', id: meeting.id, fields: { topic: v } }])} />
        <Field locked={locked} id="place" label={t('place')} value={meeting.place} save={(v) => mutate([{ t: 'meetings', id: meeting.id, fields: { place: v } }])} />
      </section>
      {items.map((item) => (
        <section class="card" key={item.key}>
          <Field locked={locked} id={'n-' + item.key} label={t('item_' + item.key)} value={item.text} multiline save={(v) => saveItem(item.key, () => ({ text: v }))} />
          <Speakers locked={locked} item={item} roster={roster} save={(f) => saveItem(item.key, (i) => ({ speakers: f(i.speakers || []) }))} />
        </section>
      ))}
      <section class="card">
        <Field locked={locked} id="guidance" label={t('item_guidance')} value={report?.guidance} multiline
          save={async (v) => {
            const rid = await data.ensureReport(meeting.id);
            await mutate([{ t: 'visit_reports', id: rid, fields: { guidance: v } }]);
          }} />
      </section>
      <section class="card">
        <Field locked={locked} id="resolution" label={t('resolution')} value={meeting.resolution} multiline rows={5}
          save={(v) => mutate([{ t: 'meetings', id: meeting.id, fields: { resolution: v } }])} />
      </section>
      <p class="muted center">{t('saved_local')}</p>
    </>
  );
}

function Speakers({ item, roster, save, locked }) {
  const list_ = item.speakers || [];
  const id = 'sp-' + item.key;
  return (
    <div class="field">
      <label for={id}>{t('speakers')}</label>
      <div class="chips">
        {list_.map((name) => (
          <button key={name} disabled={locked} class="chip on" aria-label={t('remove') + ' ' + name} onClick={() => save((l) => l.filter((x) => x !== name))}>{name} ×</button>
        ))}
      </div>
      <select id={id} value="" disabled={locked} onChange={(e) => {
        const name = e.currentTarget.value;
        if (name) save((l) => [...l.filter((x) => x !== name), name]);
      }}>
        <option value="">{t('add_speaker')}</option>
        {roster.filter((m) => !list_.includes(m.full_name)).map((m) => <option key={m.id} value={m.full_name}>{m.full_name}</option>)}
      </select>
    </div>
  );
}

export function Score({ meeting, locked }) {
  const r = data.rubric();
  const report = data.myReport(meeting.id);
  if (!r) return <p class="muted">{t('no_rubric')}</p>;
  const scores = report?.scores || {};
  const total = r.criteria.reduce((s, c) => s + (scores[c.code] || 0), 0);
  const grade = data.gradeFor(r, total);
  // set applies a step to the score as it is when tapped, not as last drawn: taps faster than a slow phone redraws
  // each count.
  const set = async (c, step) => {
    const rid = await data.ensureReport(meeting.id);
    const cur = get('visit_reports', rid)?.scores || {};
    const v = Math.max(0, Math.min(c.max_points, step(cur[c.code] || 0)));
    if (v !== (cur[c.code] || 0)) await mutate([{ t: 'visit_reports', id: rid, fields: { scores: { ...cur, [c.code]: v } } }]);
  };
  let group = '';
  return (
    <>
      <section class="card score-head" aria-live="polite">
        <div class="stat"><span>{t('score_total')}</span><strong>{total} / 100</strong></div>
        <div class={'stat grade ' + grade}><span>{t('grade')}</span><strong>{t('grade_' + grade)}</strong></div>
      </section>
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
                <div class="stepper" role="group" aria-labelledby={'c-' + c.code}>
                  <button class="seg" aria-label="−" disabled={locked || v <= 0} onClick={() => set(c, (x) => x - 1)}>−</button>
                  <output aria-live="polite">{v}</output>
                  <button class="seg" aria-label="+" disabled={locked || v >= c.max_points} onClick={() => set(c, (x) => x + 1)}>+</button>
                  <button class="seg" disabled={locked} onClick={() => set(c, () => c.max_points)}>{c.max_points}</button>
                </div>
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

