// The official's visits, and the home screen's notice of conflicts to resolve (the conflicts and refused changes
// themselves are in conflicts.jsx, loaded when opened).
import { t, vnDate } from '../i18n.js';
import { list, get } from '../state.js';
import { myVisits } from '../data.js';

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

const openConflicts = () => list('sync_conflicts').filter((c) => !c.resolved_at);

// ConflictNotice is the home screen's card when something changed in two places waits for the user: nothing
// otherwise (the conflicts are no permanent menu item).
export function ConflictNotice() {
  const n = openConflicts().length;
  if (!n) return null;
  return (
    <a class="card row notice" href="#/conflicts">
      <span class="main"><strong>{t('tr_conflict_notice', { n })}</strong></span>
      <span class="go" aria-hidden="true">›</span>
    </a>
  );
}
