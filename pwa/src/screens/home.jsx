import { t, vnDate, weekday } from '../i18n.js';
import { upcoming, unfinished, cells, startMeeting, myReport, me, myAssignments, isSupervisor, hasRole, today, members,
  meetingsOf, recsOf, exempt, third } from '../data.js';
import { get } from '../state.js';
import { go, lazy } from '../app.jsx';
import { PushPrompt } from './push.jsx';
import { ConflictNotice } from './lists.jsx';

// The supervisor's and the responder's parts read the server: their own chunk, loaded only for them.
const SupervisorHome = lazy('home-sv', () => import('./roles.jsx').then((m) => m.SupervisorHome));
const ResponderHome = lazy('home-rs', () => import('./roles.jsx').then((m) => m.ResponderHome));
// The secretary's cross-checks (the cell's position, the visiting officials to confirm): offline, precached.
const SecretaryProof = lazy('proof-sec', () => import('../proof/proof.jsx').then((m) => m.SecretaryProof));

function When({ date }) {
  return (
    <time datetime={date}>
      {weekday(date)} {vnDate(date)}
      {date === today() && <span class="pill today">{t('today')}</span>}
    </time>
  );
}

function status(m) {
  const r = myReport(m.id);
  if (r?.status === 'submitted') return t('report_submitted');
  if (r) return t('report_draft');
  return t(m.status);
}

// Each role finds what it works on at the top of its home: the supervisor its scope's month, the responder the
// recommendations awaiting its answer, the secretary its cell, the official the meetings to attend and the
// reports left to write.
export function Home() {
  const u = me();
  const sup = isSupervisor();
  const responder = hasRole('responder');
  const secretaryOf = (u?.grants || []).filter((g) => g.role === 'secretary' && g.org_unit_id).map((g) => g.org_unit_id);
  const visits = hasRole('official') || (u?.assigned_cells?.length || 0) > 0 || (!sup && !responder && !secretaryOf.length);
  const fresh = myAssignments().filter((a) => a.status === 'active' && !a.acknowledged_at).length;
  return (
    <>
      <h1 class="hello">{responder && !sup && !visits && !secretaryOf.length ? u?.display_name : t('hello', { name: u?.display_name || '' })}</h1>
      <ConflictNotice />
      {fresh > 0 && <a class="card row notice" href="#/assignments"><span class="main"><strong>{t('new_assignments', { n: fresh })}</strong></span><span class="go" aria-hidden="true">›</span></a>}
      {sup && <SupervisorHome />}
      {responder && <ResponderHome />}
      {secretaryOf.map((id) => <SecretaryCell key={id} id={id} />)}
      {visits && <Visits />}
      <nav class="links" aria-label={t('home_more')}>
        {visits && <a class="card row" href="#/assignments"><span class="main"><strong>{t('my_assignments')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
        {(visits || secretaryOf.length > 0) && <a class="card row" href="#/f"><span class="main"><strong>{t('fo_link')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
        {sup && <a class="card row" href="#/supervise"><span class="main"><strong>{t('sv_title')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
      </nav>
      <PushPrompt />
    </>
  );
}

// Visits are an official's meetings to attend (today's first) and reports left to write.
function Visits() {
  const up = upcoming();
  const todo = unfinished();
  const my = cells();
  const open = async (item) => {
    const id = item.meeting ? item.meeting.id : await startMeeting(item.cell.id, item.expected);
    go('m/' + id);
  };
  return (
    <>
      <section aria-labelledby="h-up">
        <h2 id="h-up">{t('upcoming')}</h2>
        {up.length === 0 && <p class="muted">{my.length ? t('no_upcoming') : t('no_cells')}</p>}
        <ul class="cards">
          {up.map((item) => (
            <li key={(item.meeting?.id || item.cell.id + item.expected)}>
              <button class="card row" onClick={() => open(item)}>
                <span class="main">
                  <strong>{item.cell.name}</strong>
                  <When date={item.meeting?.meeting_date || item.expected} />
                  <small>{item.meeting ? status(item.meeting) : t('expected')}</small>
                </span>
                <span class="go" aria-hidden="true">›</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="h-todo">
        <h2 id="h-todo">{t('unfinished')}</h2>
        {todo.length === 0 && <p class="muted">{t('no_unfinished')}</p>}
        <ul class="cards">
          {todo.map(({ cell, meeting, report }) => (
            <li key={meeting.id}>
              <a class="card row" href={'#/m/' + meeting.id}>
                <span class="main">
                  <strong>{cell.name}</strong>
                  <When date={meeting.meeting_date} />
                  <small class={report ? '' : 'warn'}>{report ? t('report_draft') : t('report_none')}</small>
                </span>
                <span class="go" aria-hidden="true">›</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

// nextMeeting is a cell's next meeting on record (today or later), or else the regular one the schedule expects
// on the 3rd of this month or the next.
function nextMeeting(cellId) {
  const now = today();
  const held = meetingsOf(cellId).filter((m) => m.meeting_date >= now && m.status !== 'cancelled');
  if (held.length) return { meeting: held[held.length - 1] };
  for (let i = 0; i < 2; i++) {
    const d = third(now, i);
    if (d >= now) return { expected: d };
  }
  return {};
}

// SecretaryCell is the secretary's cell: its next meeting, its roster and its recommendations still open.
function SecretaryCell({ id }) {
  const grant = me()?.grants?.find((g) => g.org_unit_id === id);
  const name = get('org_units', id)?.name || grant?.org_unit_name || '';
  const next = nextMeeting(id);
  const roster = members(id);
  const ex = roster.filter(exempt).length;
  const prob = roster.filter((m) => m.membership === 'probationary').length;
  const open = recsOf(id).filter((r) => r.status !== 'resolved');
  const date = next.meeting?.meeting_date || next.expected;
  return (
    <section aria-labelledby={'h-sec-' + id}>
      <h2 id={'h-sec-' + id}>{name}</h2>
      {date && (
        next.meeting ? (
          <a class="card row" href={'#/m/' + next.meeting.id}>
            <span class="main">
              <strong>{t('home_next_meeting')}</strong>
              <When date={date} />
              <small>{t(next.meeting.status)}</small>
            </span>
            <span class="go" aria-hidden="true">›</span>
          </a>
        ) : (
          <div class="card">
            <strong>{t('home_next_meeting')}</strong><br />
            <When date={date} /><br />
            <small>{t('expected')}</small>
          </div>
        )
      )}
      <SecretaryProof id={id} />
      <details class="card roster-card">
        <summary>
          <strong>{t('home_roster', { n: roster.length })}</strong>
          <small>{t('home_roster_line', { f: roster.length - prob, p: prob, x: ex })}</small>
        </summary>
        <ol class="names">
          {roster.map((m) => (
            <li key={m.id}>
              {m.full_name}
              {m.membership === 'probationary' ? ' · ' + t('t_probationary') : ''}
              {exempt(m) ? ' · ' + t('t_exempt') : ''}
            </li>
          ))}
        </ol>
      </details>
      <h3 class="h3">{t('home_open_recs')} <span class="badge count">{open.length}</span></h3>
      {open.length === 0 && <p class="muted">{t('home_open_recs_none')}</p>}
      <ul class="cards">
        {open.slice(0, 10).map((r) => (
          <li key={r.id}>
            <a class="card row" href={'#/recs/' + r.id}>
              <span class="main">
                <strong class="clip">{r.content}</strong>
                <small>{t('st_' + r.status)} · {vnDate(r.raised_on)}</small>
              </span>
              <span class="go" aria-hidden="true">›</span>
            </a>
          </li>
        ))}
      </ul>
      {open.length > 10 && <p><a href="#/recs">{t('home_rs_all')}</a></p>}
    </section>
  );
}
