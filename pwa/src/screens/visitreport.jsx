// A meeting's visit reports as a supervisor reads them (#/mr/<meeting id>), online: each official's report with its
// status, score and guidance, and its history (submitted, reopened for a change and why). A reopening's notification
// links here.
import { useState, useEffect } from 'preact/hooks';
import { CrossCheck } from '../proof/check.jsx';
import { t, vnDate, lang } from '../i18n.js';
import { api } from '../sync.js';
import { History } from './meeting.jsx';
import { MeetingPhotos } from '../photos/photos.jsx';

export function VisitReports({ id }) {
  const [d, setD] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api('GET', '/api/v1/meetings/' + id, undefined, lang.value).then(setD, (e) => setErr(e.offline ? t('sv_offline') : e.message));
  }, [id]);
  return (
    <>
      <a class="back" href="#/">‹ {t('back')}</a>
      <h1 class="title">{d ? d.cell_name : t('tr_t_visit_reports')}</h1>
      {d && <p class="sub">{t('meeting')} {vnDate(d.meeting_date)}</p>}
      {err && <p class="error" role="alert">{err}</p>}
      {!d && !err && <p class="muted">{t('loading')}</p>}
      {d && <CrossCheck id={id} />}
      {d && d.visit_reports.length === 0 && <p class="muted">{t('report_none')}</p>}
      {d && d.visit_reports.map((r) => (
        <section class="card" key={r.id} aria-label={r.official_name || t('tr_t_visit_reports')}>
          <h2>{r.official_name || t('tr_t_visit_reports')}</h2>
          <p>{t('tr_rs_' + r.status)}{r.score_total != null ? ' · ' + t('score_total') + ': ' + r.score_total : ''}
            {r.grade ? ' · ' + t('grade_' + r.grade) : ''}</p>
          {(r.history || []).some((e) => e.action === 'reopened') && <p class="warn">{t('tr_sv_history')}</p>}
          {r.guidance && <p><strong>{t('item_guidance')}:</strong> {r.guidance}</p>}
          <History report={r} />
        </section>
      ))}
      {d && <MeetingPhotos id={id} />}
    </>
  );
}
