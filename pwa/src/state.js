// The page's state: the device's rows and outbox as signals, the view the screens read (server rows with the
// device's unsent changes on top), the actions that change it, and the sync scheduler.
import { signal, computed, batch } from '@preact/signals';
import { db, getMeta, setMeta, wipe } from './db.js';
import * as sync from './sync.js';
import { lang, loadLang } from './i18n.js';
import { unsubscribe } from './push.js';
import { clearDrafts } from './drafts.js';
import * as journal from './journal.js';

export const session = signal(null); // {user, username, ...}
export const ready = signal(false);
export const rows = signal(new Map()); // "table/id" → base row {k,t,id,v,c,s,p,m,d}
export const outbox = signal([]); // mutations not yet back from the server, in order (acked: accepted, awaiting a pull)
export const pending = computed(() => outbox.value.filter((m) => m.acked === undefined));
export const rejected = signal([]);
export const syncMeta = signal({});
export const online = signal(typeof navigator === 'undefined' ? true : navigator.onLine);
export const syncing = signal(false);
export const syncError = signal('');
export const settings = signal({ lang: 'vi', size: 'normal' });
export const updateReady = signal(false);

// view is table → Map(id → data): the server's rows with the unsent changes applied in order.
export const view = computed(() => {
  const out = new Map();
  const table = (t) => {
    let m = out.get(t);
    if (!m) out.set(t, (m = new Map()));
    return m;
  };
  for (const r of rows.value.values()) table(r.t).set(r.id, r.d);
  for (const m of outbox.value) {
    const tm = table(m.t);
    if (m.op === 'delete') tm.delete(m.row_id);
    else tm.set(m.row_id, { ...(tm.get(m.row_id) || { id: m.row_id }), ...m.fields, _pending: true });
  }
  return out;
});

export const list = (t) => [...(view.value.get(t)?.values() || [])];
export const get = (t, id) => view.value.get(t)?.get(id);

export async function load() {
  const st = await getMeta('settings', null);
  await replayJournal();
  await reload();
  await loadLang((st || settings.value).lang);
  batch(() => {
    if (st) settings.value = st;
    lang.value = settings.value.lang;
    ready.value = true;
  });
  applySettings();
}

export function applySettings() {
  document.documentElement.lang = settings.value.lang;
  document.documentElement.dataset.size = settings.value.size;
}

export async function saveSettings(patch) {
  settings.value = { ...settings.value, ...patch };
  // Stored at once, not after the language loads: the screen changes with the signal, and a reload right after
  // (a prompt put away, then the page reloaded) must find the choice kept.
  const stored = setMeta('settings', settings.value);
  await loadLang(settings.value.lang);
  lang.value = settings.value.lang;
  applySettings();
  await stored;
}

// mutate records changes made on the device: they are written with their outbox entries in one transaction and
// show at once; the sync sends them when it can. Each item: {t, op: 'upsert'|'delete', id, fields}.
// The changes show at once, before IndexedDB has them, and never vanish from the screens meanwhile: a second change
// made in between (a score tapped while the one before is being saved) reads the first one, not the row as it was.
// What shows is kept at once too, in the journal (journal.js), written before this function first waits: a page
// closed right after a tap, before IndexedDB committed it, leaves the change to the next page that opens.
export async function mutate(items) {
  const ms = items.map(({ t, op = 'upsert', id, fields = {} }) => {
    const base = rows.value.get(t + '/' + id);
    const cur = get(t, id);
    const baseVals = {};
    if (cur) for (const f in fields) baseVals[f] = cur[f] ?? null;
    return { t, op, row_id: id, base_version: base?.v || 0, fields: op === 'delete' ? undefined : fields, base: cur ? baseVals : undefined };
  });
  const u = { ms, after: Infinity };
  unsaved.push(u);
  showOutbox();
  const kept = journal.write(ms, session.value?.user?.id);
  try {
    // A read of IndexedDB started after this transaction began sees it (their scopes overlap).
    await sync.queue(ms, () => (u.after = reads), kept);
  } catch (e) {
    if (unsaved.includes(u)) unsaved.splice(unsaved.indexOf(u), 1);
    showOutbox();
    journal.drop(kept); // the change left the screens with the error: it is not made later behind the user's back
    throw e;
  }
  journal.drop(kept);
  schedule(1500);
  registerBackgroundSync();
}

// replayJournal puts in the outbox the changes of the journal that another page showed and did not store (closed
// right after a tap), in the order they were made; one stored already (its page is open and got there first, or
// was closed after storing it) is only dropped from the journal, and so is one made by another user than the one
// signed in (a tap in a tab being signed out: the sign-out ends that user's unsent changes).
async function replayJournal() {
  const left = journal.entries().filter((e) => e.page !== journal.page); // this page's own: its mutate stores them
  if (!left.length) return; // as at almost every sync: no read of the store
  const user = (await getMeta('session', null))?.user?.id;
  for (const e of left) {
    if (user && e.user === user) {
      try {
        await sync.queue(e.ms, undefined, e.id);
      } catch {
        return; // kept for the next start or sync, in order
      }
    }
    journal.drop(e.id);
  }
}

// The outbox as last read from IndexedDB (stored) and the changes written since, or being written (unsaved). Each
// read of the device's store takes a number when it starts; a change leaves "unsaved" only when a read that started
// after its write began is shown, and a read older than the one shown is dropped. So a slow read (a sync's, on a
// busy phone) never shows the screens an outbox without a change made while it ran.
let stored = [];
const unsaved = [];
let reads = 0;
let shown = 0;
let fullShown = 0;
const showOutbox = () =>
  (outbox.value = [...stored, ...unsaved.flatMap((u) => u.ms.map((m) => ({ ...m, unsaved: true })))]);

async function registerBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register('chibo-sync');
  } catch {
    // Background Sync is not everywhere; the timers and the online event cover it.
  }
}

let timer;
let due = Infinity;
let backoff = 0;

// schedule runs a sync after ms, unless one is due sooner: the soonest asked wins (the poll set at the end of a sync
// must not put off a change made while it ran).
export function schedule(ms = 0) {
  const at = Date.now() + ms;
  if (at >= due) return;
  clearTimeout(timer);
  due = at;
  timer = setTimeout(() => {
    due = Infinity;
    run();
  }, ms);
}

export async function run(wantChecksums) {
  if (!session.value?.refresh && !session.value?.access) return;
  if (session.value?.user?.must_change_password) return; // the server refuses it until the password is changed
  if (syncing.value) return schedule(2000);
  syncing.value = true;
  let res;
  const start = performance.now();
  let synced = start;
  try {
    await replayJournal(); // a page of the app closed right after a tap while this one stayed open
    res = await sync.syncOnce(lang.value, wantChecksums);
    synced = performance.now();
    backoff = 0;
    syncError.value = '';
    // The server answered: the device is online, whatever an earlier failed request made it think (a request cut
    // by a bad signal while the phone still counts as online fires no 'online' event to undo it).
    online.value = true;
    schedule(60000); // poll now and then while the app is open
  } catch (e) {
    if (e.offline) {
      online.value = false;
      syncError.value = '';
    } else if (e.status === 401) {
      syncError.value = 'session';
    } else {
      syncError.value = e.message;
    }
    backoff = Math.min(backoff ? backoff * 2 : 2000, 300000);
    schedule(backoff);
  } finally {
    syncing.value = false;
    await reload(!res || !res.changes ? true : res.reset ? { reset: true, changes: res.changes } : res.changes.size ? res.changes : false);
    // The sync's time, from its start to the screens showing its result (pwa/tests/device-scale.mjs reads it).
    performance.measure?.('chibo-sync', { start, detail: { ops: res?.ops ?? -1, reset: !!res?.reset, push: res?.push ?? 0,
      server: res?.wait ?? 0, finish: res?.finish ?? 0, screens: performance.now() - synced } });
    if (res && (res.sent || res.ops)) tabs?.postMessage('synced');
    if (pendingRead.size) await flushPendingRead();
  }
}

// tabs tells the app's other tabs on this device that a sync stored rows or sent changes (they read the store again:
// it is theirs too; where there is no BroadcastChannel they learn it at their next sync, see reload), and that the
// user signed out or another signed in (they start again).
const tabs = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('chibo-sync');

// reload refreshes the signals from IndexedDB (after a sync, or when the service worker synced), in one
// transaction: the rows and the outbox a sync changed together are read together. withRows: true reads every row;
// false keeps the rows shown (a sync that brought nothing); a Map (key → row, or null when removed) is what the sync
// that just ran under the sync lock changed, applied to the rows shown ({reset, changes}: every row after a reset).
// The rows are every row the device holds: the scopes give each role only what its screens show (an official's or a secretary's cells, its own reports and
// inbox, the reference data: about a thousand rows), never a supervisor's subtree.
// A change that left the outbox since the screens last read it was sent by another tab or the service worker, which
// stored the row the server made of it; the server never sends it back (protocol 2), so its row is read here too, or
// the screens would show the row as it was before the change.
export async function reload(withRows = true) {
  const d = await db();
  const n = ++reads;
  const tx = d.transaction(['rows', 'outbox', 'rejected', 'meta'], 'readonly');
  const meta = tx.objectStore('meta');
  const [all, out, rej, st, sess] = await Promise.all([withRows === true ? tx.objectStore('rows').getAll() : null, tx.objectStore('outbox').getAll(),
    tx.objectStore('rejected').getAll(), meta.get('sync'), meta.get('session')]);
  let sent = null;
  if (!all && !withRows?.reset) {
    // Those this page's own sync stored are among its changes already: not read twice.
    const now = new Set(out.map((m) => m.seq));
    const keys = new Set();
    const add = (m) => (withRows && withRows.has(m.t + '/' + m.row_id)) || keys.add(m.t + '/' + m.row_id);
    for (const m of stored) if (!now.has(m.seq)) add(m);
    for (const u of unsaved) if (u.after < n) u.ms.forEach(add);
    const store = tx.objectStore('rows');
    if (keys.size) sent = await Promise.all([...keys].map(async (k) => [k, (await store.get(k)) ?? null]));
  }
  if (n < shown) {
    // A later read is on the screens already; when this one read rows that read did not, it is read again whole.
    if (withRows && fullShown < n) reload(true);
    return;
  }
  shown = n;
  if (all) fullShown = n;
  for (let i = unsaved.length - 1; i >= 0; i--) if (unsaved[i].after < n) unsaved.splice(i, 1);
  stored = out;
  batch(() => {
    if (all) rows.value = new Map(all.map((r) => [r.k, r]));
    else if (withRows || sent) {
      const m = withRows?.reset ? new Map() : new Map(rows.value);
      for (const [k, r] of withRows?.reset ? withRows.changes : withRows || []) r ? m.set(k, r) : m.delete(k);
      for (const [k, r] of sent || []) r ? m.set(k, r) : m.delete(k);
      rows.value = m;
    }
    showOutbox();
    rejected.value = rej;
    syncMeta.value = st ?? {};
    session.value = sess ?? null;
  });
}

export async function signIn(username, password) {
  const { switched } = await sync.login(username, password, lang.value);
  if (switched) {
    // Another user signed in on this phone: start from nothing.
    const s = await getMeta('session');
    await wipe();
    clearDrafts();
    journal.clearJournal();
    await setMeta('session', s);
    tabs?.postMessage('signed-out'); // the other tabs let go of the previous user's rows
  }
  await reload();
  askPersist();
  await run(true);
}

// changePassword sets a new password the administrator required, then signs in with it (the change ends every
// session of the user, this one included) and starts syncing.
export async function changePassword(current, next) {
  await sync.api('PUT', '/api/v1/me/password', { current_password: current, new_password: next }, lang.value);
  await signIn(session.value.username, next);
}

export async function signOut() {
  await unsubscribe(); // while the tokens it needs are still here
  await sync.logout();
  await wipe();
  clearDrafts();
  journal.clearJournal();
  tabs?.postMessage('signed-out');
  location.hash = '';
  location.reload();
}

export async function askPersist() {
  try {
    const granted = await navigator.storage?.persist?.();
    await saveSettings({ persist: !!granted });
  } catch {
    // Not supported: settings shows it.
  }
}

export async function discardRejected(seq) {
  await (await db()).delete('rejected', seq);
  rejected.value = rejected.value.filter((r) => r.seq !== seq);
}

// resend queues a refused change again (after the user fixed its fields) as a new mutation.
export async function resend(r, fields) {
  await (await db()).delete('rejected', r.seq);
  rejected.value = rejected.value.filter((x) => x.seq !== r.seq);
  await mutate([{ t: r.t, op: r.op, id: r.row_id, fields: fields || r.fields }]);
}

// listenToWorker takes the service worker's messages from the start, before the device's data is loaded: a
// notification tapped while the app was opening is followed once it is ready, not lost.
export function listenToWorker() {
  navigator.serviceWorker?.addEventListener('message', (e) => (ready.value ? fromWorker(e.data) : early.push(e.data)));
  tabs?.addEventListener('message', (e) => {
    if (e.data === 'synced' && ready.value) reload();
    if (e.data === 'signed-out') {
      // Signed out (or another user signed in) in another tab: this one drops what it shows at once, party
      // records among it, and starts again from the store.
      location.hash = '';
      location.reload();
    }
  });
}

const early = [];

function fromWorker(data) {
  if (data === 'synced') reload();
  if (data === 'sync') schedule(0); // a push came: the inbox has news
  if (data?.type === 'open') openNotification(data);
}

export function watchConnectivity() {
  addEventListener('online', () => {
    online.value = true;
    schedule(0);
  });
  addEventListener('offline', () => (online.value = false));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') schedule(0);
  });
  early.splice(0).forEach(fromWorker);
  // A notification tapped while no page was open opened this one with ?read=<id>.
  const read = new URLSearchParams(location.search).get('read');
  if (read) {
    history.replaceState(null, '', '/' + location.hash);
    openNotification({ id: read });
  }
}

// openNotification follows a tapped notification: marks it read and goes to its link. One the device does not
// hold yet is marked read when the sync, run at once, brings it.
async function openNotification({ id, link }) {
  if (link) location.hash = link;
  if (!id || !session.value) return;
  if (get('notifications', id)) return markRead([id]);
  pendingRead.add(id);
  schedule(0);
}

// markRead marks notifications read on the device; the sync sends it (the one change the app may make to them).
export async function markRead(ids) {
  const at = new Date().toISOString();
  const items = ids.filter((id) => get('notifications', id) && !get('notifications', id).read_at)
    .map((id) => ({ t: 'notifications', id, fields: { read_at: at } }));
  if (items.length) await mutate(items);
}

// pendingRead holds notifications tapped before the sync brought them: they are marked read once it does.
const pendingRead = new Set();

async function flushPendingRead() {
  const ids = [...pendingRead].filter((id) => get('notifications', id));
  ids.forEach((id) => pendingRead.delete(id));
  await markRead(ids);
}
