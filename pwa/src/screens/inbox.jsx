import { useState } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang } from '../i18n.js';
import { markRead, online, run } from '../state.js';
import { inbox, myAssignments, today } from '../data.js';
import { api } from '../sync.js';

// Inbox: the user's notifications from the device's copy, newest first. Tapping one marks it read (a change the
// sync sends, so it works offline) and follows its link.
export function Inbox() {
  const notes = inbox();
  const unreadIds = notes.filter((n) => !n.read_at).map((n) => n.id);
  return (
    <>
      <h1 class="title">{t('inbox')}</h1>
      <p class="muted">{t('inbox_help')}</p>
      <p class="actions">
        <button class="btn small" onClick={() => markRead(unreadIds)} disabled={!unreadIds.length}>{t('mark_all_read')}</button>
      </p>
      {notes.length === 0 && <p class="muted">{t('no_notes')}</p>}
      <ul class="cards">
        {notes.map((n) => (
          <li key={n.id}>
            <a id={'n-' + n.id} class={'card row note' + (n.read_at ? '' : ' unread')} href={n.link && n.link.startsWith('#/') ? n.link : '#/inbox'}
              onClick={() => markRead([n.id])}>
              <span class="main">
                <strong>{!n.read_at && <span class="dot"><span class="sr">{t('unread_mark')}: </span></span>}{n.title}</strong>
                <span>{n.body}</span>
                <small><time datetime={n.created_at}>{vnDateTime(n.created_at)}</time></small>
              </span>
              <span class="go" aria-hidden="true">›</span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

export const freq = (a) => (a.frequency === 'per_year' ? t('freq_per_year', { n: a.visits_per_year }) : t('freq_monthly'));
export const period = (a) => (a.ends_on ? t('period', { from: vnDate(a.starts_on), to: vnDate(a.ends_on) }) : t('period_open', { from: vnDate(a.starts_on) }));
export const statusOf = (a) => (a.status === 'active' && a.starts_on > today() ? 'upcoming' : a.status);

// Assignments: the cells the user is assigned to, from the device's copy. Acknowledging one goes to the server
// at once (it needs the network).
export function Assignments() {
  const items = myAssignments();
  const [msg, setMsg] = useState({});
  const [done, setDone] = useState({});
  const ack = async (a) => {
    if (!online.value) return setMsg({ ...msg, [a.id]: t('ack_offline') });
    try {
      const r = await api('POST', `/api/v1/assignments/${a.id}/acknowledge`, {}, lang.value);
      setDone({ ...done, [a.id]: r.acknowledged_at });
      setMsg({ ...msg, [a.id]: '' });
      run();
    } catch (e) {
      setMsg({ ...msg, [a.id]: e.offline ? t('ack_offline') : e.message });
    }
  };
  return (
    <>
      <h1 class="title">{t('my_assignments')}</h1>
      {items.length === 0 && <p class="muted">{t('no_assignments')}</p>}
      <ul class="cards">
        {items.map((a) => {
          const st = statusOf(a);
          const ackAt = a.acknowledged_at || done[a.id];
          return (
            <li key={a.id} class="card assignment">
              <h2>{a.cell_name}</h2>
              <p><span class={'pill ' + st}>{t('as_' + st)}</span> {freq(a)}</p>
              <p>{period(a)}</p>
              {a.note && <p class="muted">{a.note}</p>}
              {ackAt ? (
                <p class="ok">✓ {t('acknowledged', { time: vnDateTime(ackAt) })}</p>
              ) : a.status === 'active' && (
                <button class="btn primary" onClick={() => ack(a)}>{t('acknowledge')}</button>
              )}
              {msg[a.id] && <p class="error" role="alert">{msg[a.id]}</p>}
            </li>
          );
        })}
      </ul>
    </>
  );
}
