import { signal, effect } from '@preact/signals';
import { t, ago } from './i18n.js';
import { session, ready, pending, rejected, syncMeta, online, syncing, syncError, updateReady, run } from './state.js';
import { Login } from './screens/login.jsx';
import { ChangePassword } from './screens/password.jsx';
import { Home } from './screens/home.jsx';
import { Meeting } from './screens/meeting.jsx';
import { Visits } from './screens/lists.jsx';
import { Settings } from './screens/settings.jsx';
import { Inbox, Assignments } from './screens/inbox.jsx';
import { applyUpdate } from './update.js';
import { Assign } from './screens/assign.jsx';
import { unread, isSupervisor, hasRole, me } from './data.js';

// Lazy loads a screen's chunk on first use (the supervisors' screens stay out of the officials' main bundle).
const lazyScreens = signal({});
export function lazy(name, load) {
  return (props) => {
    const C = lazyScreens.value[name];
    if (C) return <C {...props} />;
    if (C === false) return <p class="error" role="alert">{t('screen_failed')}</p>;
    load().then((c) => (lazyScreens.value = { ...lazyScreens.value, [name]: c }),
      () => (lazyScreens.value = { ...lazyScreens.value, [name]: false }));
    return <p class="muted">{t('loading')}</p>;
  };
}
const Recs = lazy('recs', () => import('./screens/recs.jsx').then((m) => m.Recs));
const Supervise = lazy('supervise', () => import('./screens/supervise.jsx').then((m) => m.Supervise));
const Report = lazy('report', () => import('./screens/report.jsx').then((m) => m.Report));
// The conflicts and refused changes: rarely opened, so loaded when opened; the service worker precaches them.
const Conflicts = lazy('conflicts', () => import('./screens/conflicts.jsx').then((m) => m.Conflicts));
const Rejected = lazy('rejected', () => import('./screens/conflicts.jsx').then((m) => m.Rejected));
const VisitReports = lazy('visitreports', () => import('./screens/visitreport.jsx').then((m) => m.VisitReports));
// The commune's briefings, dialogues and committee meetings: loaded when opened, precached like the conflicts.
const Forums = lazy('f', () => import('./forums/forums.jsx').then((m) => m.Forums));
// The administration screens: online only, loaded when opened.
const Admin = lazy('admin', () => import('./admin/admin.jsx').then((m) => m.Admin));

// route is the part of the URL after "#/", split on "/".
export const route = signal(parse());

function parse() {
  return (location.hash.replace(/^#\/?/, '') || '').split('/').filter(Boolean);
}

addEventListener('hashchange', () => {
  route.value = parse();
  scrollTo(0, 0);
});

export const go = (path) => (location.hash = '#/' + path);

// Every minute the "x phút trước" text moves on.
const tick = signal(0);
setInterval(() => tick.value++, 60000);

function SyncBar() {
  tick.value;
  const n = pending.value.length;
  const rej = rejected.value.length;
  const meta = syncMeta.value;
  let state = 'ok';
  let text = n ? t('sync_pending', { n }) : t('sync_none');
  if (!online.value) state = 'offline';
  if (syncError.value) state = 'error';
  return (
    <section class={'syncbar ' + state} aria-live="polite" aria-label={t('sync_now')}>
      <div class="syncinfo">
        <strong>{syncing.value ? t('syncing') : text}</strong>
        <span>{!online.value ? t('sync_offline') : syncError.value === 'session' ? t('session_expired') :
          syncError.value ? t('sync_error', { msg: syncError.value }) : t('sync_last', { ago: ago(meta.lastSync) })}</span>
        {rej > 0 && <a href="#/rejected" class="warn">{t('sync_rejected', { n: rej })}</a>}
      </div>
      {syncError.value === 'session' ? (
        <a class="btn small" href="#/login">{t('login')}</a>
      ) : (
        <button class="btn small" onClick={() => run(true)} disabled={syncing.value || !online.value}>{t('sync_now')}</button>
      )}
    </section>
  );
}

function UpdateBanner() {
  if (!updateReady.value) return null;
  return (
    <div class="update" role="status">
      <span>{t('update_ready')}</span>
      <button class="btn small" onClick={applyUpdate}>{t('update_now')}</button>
      <button class="btn small ghost" onClick={() => (updateReady.value = false)}>{t('later')}</button>
    </div>
  );
}

// InboxLink is the bell in the top bar, with the number of unread notifications (its word hidden while the offline
// badge takes the room).
function InboxLink() {
  const n = unread().length;
  return (
    <a href="#/inbox" class="bell" aria-current={route.value[0] === 'inbox' ? 'page' : undefined}>
      <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" /></svg>
      <span class={online.value ? '' : 'sr'}>{t('inbox')}</span>
      {n > 0 && <span class="badge">{n}<span class="sr"> {t('unread_suffix')}</span></span>}
    </a>
  );
}

// recsWaiting is the number of recommendations awaiting the responder's answer ("100+" past the first hundred), as
// the home screen last counted them (kept on the device with its last view).
export const recsWaiting = signal((() => {
  try {
    const d = JSON.parse(localStorage.getItem('chibo-home-responder') || 'null')?.data;
    return d ? (d.more ? '100+' : String(d.items.length)) : '';
  } catch {
    return '';
  }
})());

function RecsBadge() {
  const n = recsWaiting.value;
  return n && n !== '0' ? <span class="badge">{n}<span class="sr"> {t('home_rs_waiting')}</span></span> : null;
}

function Nav() {
  const r = route.value[0] || '';
  const sup = isSupervisor();
  const responder = hasRole('responder');
  // The visits are an official's: a supervisor, responder or secretary without cells to attend does not get them.
  const visitor = hasRole('official') || (me()?.assigned_cells?.length || 0) > 0 || (!sup && !responder && !hasRole('secretary'));
  const item = (path, label, extra, also) => (
    <a href={'#/' + path} aria-current={r === path || also ? 'page' : undefined}>{label}{extra}</a>
  );
  return (
    <nav class="tabs-main" aria-label={t('menu')}>
      {item('', t('home'))}
      {visitor && item('visits', t('visits'))}
      {sup && item('supervise', t('supervise'), null, r === 'report')}
      {(sup || responder || hasRole('secretary')) && item('recs', t('recs'), responder && !sup ? <RecsBadge /> : null)}
      {sup && item('assign', t('assign'))}
      {hasRole('admin') && item('admin', t('admin'))}
      {item('settings', t('settings'))}
    </nav>
  );
}

export function App() {
  if (!ready.value) return <p class="boot">{t('loading')}</p>;
  const r = route.value;
  if (!session.value?.user || r[0] === 'login') return <Login />;
  if (session.value.user.must_change_password) return <ChangePassword />;
  let screen;
  switch (r[0]) {
    case 'm':
      screen = <Meeting id={r[1]} tab={r[2] || 'attendance'} />;
      break;
    case 'visits':
      screen = <Visits />;
      break;
    case 'conflicts':
      screen = <Conflicts />;
      break;
    case 'rejected':
      screen = <Rejected />;
      break;
    case 'settings':
      screen = <Settings />;
      break;
    case 'inbox':
      screen = <Inbox />;
      break;
    case 'assignments':
      screen = <Assignments />;
      break;
    case 'assign':
      screen = <Assign />;
      break;
    case 'recs':
      screen = <Recs id={r[1]} />;
      break;
    case 'supervise':
      screen = <Supervise unit={r[1]} />;
      break;
    case 'report':
      screen = <Report unit={r[1]} />;
      break;
    case 'mr':
      screen = <VisitReports id={r[1]} />;
      break;
    case 'f':
      screen = <Forums path={r.slice(1)} />;
      break;
    case 'admin':
      screen = <Admin path={r.slice(1)} />;
      break;
    default:
      screen = <Home />;
  }
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">Chibo</a>
        {!online.value && <span class="badge offline">{t('offline_badge')}</span>}
        <InboxLink />
      </header>
      <UpdateBanner />
      <SyncBar />
      <main id="main">{screen}</main>
      <Nav />
    </>
  );
}

effect(() => {
  if (typeof document !== 'undefined') document.title = 'Chibo – ' + t('login_sub');
});
