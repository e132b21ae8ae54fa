// The top of the home screen for the roles that work from the server rather than from synced rows: a
// supervisor's month at a glance (visits done and still due, recommendations awaiting its action, assignments)
// and a responder's recommendations awaiting its answer. Both read the API and keep their last view on the device
// (useKept), so they still show, dated, offline. Loaded lazily: an official's phone never downloads it.
import { useEffect } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang, pct } from '../i18n.js';
import { me, today } from '../data.js';
import { api } from '../sync.js';
import { useKept } from './shared.jsx';
import { recsWaiting } from '../app.jsx';

const call = (path) => api('GET', path, undefined, lang.value);
const errText = (e) => (e.offline ? t('home_offline') : e.message);

// LIMIT bounds the lists read for a count; more is said as "100+".
const LIMIT = 100;
const count = (page) => (page.next_cursor ? LIMIT + '+' : String(page.items.length));

function Kept({ st, children }) {
  return (
    <>
      {st.error && <p class="warn" role="status">{st.error}</p>}
      {st.error && st.at && <p class="muted">{t('sv_data_at', { at: vnDateTime(st.at) })}</p>}
      {!st.data && !st.error && <p class="muted">{t('loading')}</p>}
      {st.data && children}
    </>
  );
}

function Tile({ href, title, value, line, urgent }) {
  return (
    <a class={'card row tile' + (urgent ? ' notice' : '')} href={href}>
      <span class="main">
        <strong>{title}</strong>
        {value !== undefined && <span class="big">{value}</span>}
        {line && <small>{line}</small>}
      </span>
      <span class="go" aria-hidden="true">›</span>
    </a>
  );
}

// SupervisorHome sums up the supervisor's scope this month: visits done and due, recommendations awaiting its
// step (new ones to forward, answers to judge, accepted ones to close) and the assignments in force.
export function SupervisorHome() {
  const month = today().slice(0, 7);
  const st = useKept('chibo-home-supervisor', (me()?.id || '') + month + lang.value, async () => {
    const [cov, stats, asg] = await Promise.all([
      call('/api/v1/coverage?period=' + month),
      call('/api/v1/recommendations/stats'),
      call('/api/v1/assignments?status=active&limit=' + LIMIT),
    ]);
    const T = cov.totals;
    const s = stats.totals.by_status;
    return {
      unit: cov.unit.name, expected: T.expected, visited: T.visited, coverage: T.coverage, attendance: T.attendance_rate,
      recNew: s.new, recAnswered: s.answered, recAccepted: s.accepted, assignments: count(asg),
    };
  }, errText);
  const d = st.data;
  return (
    <section aria-labelledby="h-sv-home">
      <h2 id="h-sv-home">{t('home_sv')}</h2>
      <Kept st={st}>
        {d && (
          <>
            <Tile href="#/supervise" title={t('home_sv_visits', { month: month.slice(5) + '/' + month.slice(0, 4) })}
              value={t('home_sv_left', { n: Math.max(0, d.expected - d.visited) })}
              line={t('home_sv_visits_line', { v: d.visited, e: d.expected, c: pct(d.coverage), a: pct(d.attendance), unit: d.unit })} />
            <Tile href="#/recs" title={t('home_sv_recs')} value={t('home_count_recs', { n: d.recNew + d.recAnswered + d.recAccepted })}
              line={t('home_sv_recs_line', { a: d.recNew, b: d.recAnswered, c: d.recAccepted })} urgent={d.recNew + d.recAnswered > 0} />
            <Tile href="#/assign" title={t('assign_title')} value={t('home_sv_assignments', { n: d.assignments })} />
          </>
        )}
      </Kept>
    </section>
  );
}

// ResponderHome lists the recommendations the user answers for where they now stand (forwarded to its bodies of
// the directory, or to the units of its responder grants), still awaiting an answer (forwarded, or sent back for a
// new one), the overdue first.
export function ResponderHome() {
  const st = useKept('chibo-home-responder', (me()?.id || '') + lang.value, async () => {
    const p = await call('/api/v1/recommendations?status=forwarded,sent_back&answering=true&limit=' + LIMIT);
    const items = p.items.slice().sort((a, b) => (b.overdue ? 1 : 0) - (a.overdue ? 1 : 0) || (a.due_on || '').localeCompare(b.due_on || ''));
    return { items, more: !!p.next_cursor };
  }, errText);
  const d = st.data;
  const n = d ? (d.more ? LIMIT + '+' : String(d.items.length)) : '';
  useEffect(() => {
    if (d) recsWaiting.value = n;
  }, [n]);
  return (
    <section aria-labelledby="h-rs-home">
      <h2 id="h-rs-home">{t('home_rs')}{d ? ' ' : null}{d ? <span class="badge count">{n}</span> : null}</h2>
      <Kept st={st}>
        {d && d.items.length === 0 && <p class="muted">{t('home_rs_none')}</p>}
        {d && (
          <ul class="cards">
            {d.items.slice(0, 20).map((r) => (
              <li key={r.id}>
                <a class={'card row rec' + (r.overdue ? ' overdue' : '')} href={'#/recs/' + r.id}>
                  <span class="main">
                    <strong class="clip">{r.content}</strong>
                    <small>
                      {r.cell_name} · {t('rs_' + r.status)}
                      {r.due_on ? ' · ' + t('rc_due', { date: vnDate(r.due_on) }) : ''}
                    </small>
                    {r.overdue && <span class="pill urgent">{t('rc_overdue')}</span>}
                  </span>
                  <span class="go" aria-hidden="true">›</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </Kept>
      <p><a class="btn wide" href="#/recs">{t('home_rs_all')}</a></p>
    </section>
  );
}
