import { t, vnDate, weekday } from '../i18n.js';
import { upcoming, unfinished, cells, startMeeting, myReport, me, myAssignments, isSupervisor } from '../data.js';
import { go } from '../app.jsx';
import { PushPrompt } from './push.jsx';
import { ConflictNotice } from './lists.jsx';

function When({ date }) {
  return <time datetime={date}>{weekday(date)} {vnDate(date)}</time>;
}

function status(m) {
  const r = myReport(m.id);
  if (r?.status === 'submitted') return t('report_submitted');
  if (r) return t('report_draft');
  return t(m.status);
}

export function Home() {
  const up = upcoming();
  const todo = unfinished();
  const my = cells();
  const fresh = myAssignments().filter((a) => a.status === 'active' && !a.acknowledged_at).length;
  const open = async (item) => {
    const id = item.meeting ? item.meeting.id : await startMeeting(item.cell.id, item.expected);
    go('m/' + id);
  };
  return (
    <>
      <h1 class="hello">{me()?.display_name}</h1>
      <ConflictNotice />
      {fresh > 0 && <a class="card row notice" href="#/assignments"><span class="main"><strong>{t('new_assignments', { n: fresh })}</strong></span><span class="go" aria-hidden="true">›</span></a>}
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
      <nav class="links" aria-label={t('assign')}>
        <a class="card row" href="#/assignments"><span class="main"><strong>{t('my_assignments')}</strong></span><span class="go" aria-hidden="true">›</span></a>
        {isSupervisor() && <a class="card row" href="#/supervise"><span class="main"><strong>{t('sv_title')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
        {isSupervisor() && <a class="card row" href="#/recs"><span class="main"><strong>{t('rc_title')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
        {isSupervisor() && <a class="card row" href="#/assign"><span class="main"><strong>{t('assign_title')}</strong></span><span class="go" aria-hidden="true">›</span></a>}
      </nav>
      <PushPrompt />
    </>
  );
}
