// A meeting's photos kept on the device and their upload. A photo is a meeting_files row (synced through the outbox
// like every change) and its bytes, kept in IndexedDB (the files store of db.js, by the row's id) until the server
// holds them. Once the server accepted the row, the bytes go by tus (the resumable upload protocol, tus-js-client)
// in chunks of 64 KB, each request with a fresh access token; the upload's URL is kept with the photo, so an upload
// cut by the network, or by the app closing, continues where the server's offset says. The bytes are dropped only
// when the upload finished or the pulled row says the server holds them (uploaded_at); a small thumbnail stays.
import { signal } from '@preact/signals';
import { files } from './store.js';
import { get, mutate } from '../state.js';
import { token } from '../sync.js';
import { lang, t } from '../i18n.js';

// CHUNK is the size of one PATCH: small enough that a 3G connection cut mid-photo loses little (the server keeps
// every byte it received), large enough that a 300 KB photo takes a handful of requests.
export const CHUNK = 64 * 1024;

// local is what the device holds, by id: {id, meeting_id, blob (null once the server holds it), thumb, size, mime,
// sha256, url (the tus upload's), at (when taken), ok (the server took its row), thumbUrl (an object URL for the
// screens)}.
export const local = signal(new Map());
// status is each photo's upload, by id: {p: percent sent} while it runs, {error, net} when it failed.
export const status = signal(new Map());

let loading;
// load reads the device's photos once, then keeps the uploads going: every few seconds (a sync brought the row
// back, or its uploaded_at), when the screens change, and at once when the network comes back. (Watching the
// state's signals would cost the officials' route their exports: this chunk uses as few of its names as it can.)
export function load() {
  if (!loading) {
    loading = (async () => {
      const all = await files('readonly', (st) => st.getAll());
      local.value = new Map(all.map((r) => [r.id, withUrl(r)]));
      setInterval(pump, 3000);
      pump();
      addEventListener('online', () => {
        // A photo cut by the network goes on by itself.
        const s = new Map(status.value);
        for (const [id, v] of s) if (v.net) s.delete(id);
        status.value = s;
        pump();
      });
    })();
  }
  return loading;
}

const withUrl = (r) => ({ ...r, thumbUrl: r.thumb ? URL.createObjectURL(r.thumb) : '' });

function setLocal(id, r) {
  const m = new Map(local.value);
  const old = m.get(id);
  if (old?.thumbUrl && old.thumb !== r?.thumb) URL.revokeObjectURL(old.thumbUrl);
  if (r) m.set(id, old && old.thumb === r.thumb ? { ...r, thumbUrl: old.thumbUrl } : withUrl(r));
  else m.delete(id);
  local.value = m;
}

function setStatus(id, v) {
  if (!v && !status.value.has(id)) return; // no change: no new map, no new render (which pumps again)
  const m = new Map(status.value);
  if (v) m.set(id, v);
  else m.delete(id);
  status.value = m;
}

// keep stores new photos on the device, then records their rows in the outbox (a row never exists without its
// bytes on the device). items: [{rec: the stored record, fields: the row's fields}]. A full device refuses with a
// QuotaExceededError, before any row is written.
export async function keep(items) {
  await files('readwrite', (st) => items.forEach(({ rec }) => st.put(rec)));
  items.forEach(({ rec }) => setLocal(rec.id, rec));
  try {
    await mutate(items.map(({ rec, fields }) => ({ t: 'meeting_files', id: rec.id, fields })));
  } catch (e) {
    for (const { rec } of items) await drop(rec.id);
    throw e;
  }
}

// saving holds the photos being written: pump leaves them alone meanwhile (it runs at every render, and a write
// shows as a render).
const saving = new Set();

async function save(r) {
  const { thumbUrl, ...rec } = r;
  saving.add(r.id);
  try {
    await files('readwrite', (st) => st.put(rec));
    setLocal(r.id, rec);
  } finally {
    saving.delete(r.id);
  }
}

async function drop(id) {
  await files('readwrite', (st) => st.delete(id));
  setLocal(id, null);
  setStatus(id, null);
}

// remove deletes a photo: its row (through the outbox) and what the device holds, stopping its upload.
export async function remove(id) {
  if (active?.id === id) {
    const up = active.up; // none yet while tus loads
    active = null;
    if (up) await up.abort(true).catch(() => {});
  }
  await mutate([{ t: 'meeting_files', op: 'delete', id }]);
  await drop(id);
  pump();
}

// retry starts a failed upload again (the button by the photo).
export function retry(id) {
  setStatus(id, null);
  pump();
}

// accepted says whether the server took the row: it came back from a pull (the sync pulls right after it pushes)
// and no change of it waits in the outbox.
const accepted = (row) => row && !row._pending;

// finished drops a photo's bytes once the server holds them; the thumbnail stays for the screens.
async function finished(id) {
  const r = local.value.get(id);
  setStatus(id, null);
  if (r?.blob) await save({ ...r, blob: null, url: '', ok: true });
}

let active = null; // the upload running: {id, up}; one at a time, so a slow network carries one photo at once

// done ends an upload the server completed: the next starts once the photo's bytes are dropped (not before, or it
// would be sent again).
const done = (id) => finished(id).finally(() => {
  active = null;
  pump();
});

// pump looks at every photo the device holds: the server has it (drop the bytes), its row was taken by the server
// and is gone since (deleted on another device: drop it all), or it is to send; and starts the next upload when
// none runs. A row never taken (refused: on the refused changes' screen) keeps its photo.
export function pump() {
  let next;
  for (const r of [...local.value.values()].sort((a, b) => a.at - b.at)) {
    const row = get('meeting_files', r.id);
    if (saving.has(r.id)) continue;
    if (row?.uploaded_at && r.blob) finished(r.id);
    else if (!row && r.ok && active?.id !== r.id) drop(r.id);
    else if (accepted(row) && !r.ok) save({ ...r, ok: true });
    else if (row?.uploaded_at && r.url) save({ ...r, url: '' });
    else if (!next && r.blob && accepted(row) && !status.value.get(r.id)?.error) next = r;
  }
  if (next && !active && navigator.onLine) start(next);
}

async function start(r) {
  active = { id: r.id }; // taken at once: the next pump must not start it again while tus loads
  setStatus(r.id, { p: 0 });
  let Upload;
  try {
    ({ Upload } = await import('./tus.js'));
  } catch {
    active = null;
    return setStatus(r.id, { error: t('ph_err_offline'), net: true });
  }
  if (active?.id !== r.id) return; // deleted meanwhile
  const up = new Upload(r.blob, {
    endpoint: '/api/v1/uploads/',
    uploadUrl: r.url || null,
    chunkSize: CHUNK,
    retryDelays: [0, 1000, 3000, 6000],
    uploadSize: r.size,
    metadata: { file_id: r.id, filename: r.id + (r.mime === 'image/webp' ? '.webp' : '.jpg'), filetype: r.mime },
    storeFingerprintForResuming: false, // the URL is kept with the photo, in IndexedDB
    async onBeforeRequest(req) {
      req.setHeader('Authorization', 'Bearer ' + (await token(lang.value)));
      req.setHeader('Accept-Language', lang.value);
    },
    onUploadUrlAvailable() {
      const cur = local.value.get(r.id);
      if (cur && cur.url !== up.url) save({ ...cur, url: up.url });
    },
    onProgress(sent, total) {
      if (active?.up === up) setStatus(r.id, { p: Math.floor((sent * 100) / total) });
    },
    onShouldRetry(err, attempt) {
      const s = err.originalResponse?.getStatus() || 0;
      if (s === 401) {
        // The token was refused (revoked, or the clock is off): one more try with a new one.
        if (attempt > 0) return false;
        token(lang.value, true).catch(() => {});
        return true;
      }
      // A PATCH at the wrong offset (409) or a locked upload (423) is tried again (tus asks the offset first); a
      // creation refused with 409 is a content the server holds already (onError).
      const patch = err.originalRequest?.getMethod() === 'PATCH';
      return (s < 400 || s >= 500 || (patch && s === 409) || s === 423) && navigator.onLine;
    },
    onSuccess() {
      if (active?.up === up) done(r.id);
    },
    onError(err) {
      if (active?.up !== up) return;
      const res = err.originalResponse;
      const s = res?.getStatus() || 0;
      // Created before, by this photo's earlier try or the same content sent by someone else: nothing to send.
      if (s === 409 && err.originalRequest?.getMethod() === 'POST') return done(r.id);
      active = null;
      if (s === 422 || s === 404) save({ ...local.value.get(r.id), url: '' }); // start again from nothing next time
      // No answer: the network, unless signing in again is what failed (the session ended).
      const session = !s && err.causingError?.status === 401;
      setStatus(r.id, { error: session ? t('ph_err_session') : reason(s, res), net: !s && !session });
      pump();
    },
  });
  active.up = up;
  up.start();
}

// reason is a failed upload's cause for the screen, in the user's language: the server's own message when it sent
// one (its errors are JSON, translated), else by status.
function reason(s, res) {
  if (!s) return t('ph_err_offline');
  if (s === 401) return t('ph_err_session');
  if (s === 404) return t('ph_err_gone');
  if (s === 413) return t('ph_err_too_big');
  if (s === 422) return t('ph_err_hash');
  try {
    const m = JSON.parse(res.getBody() || '{}').message;
    if (m) return m;
  } catch {
    // not JSON
  }
  return t('ph_err_server', { status: s });
}

// fetched holds the object URLs of photos fetched from the server, by id (a supervisor's screen, another device's).
const fetched = new Map();

// fileUrl fetches a photo's bytes with the signed-in user's token and gives an object URL for an <img>.
export function fileUrl(id) {
  if (!fetched.has(id)) {
    const p = (async () => {
      const r = await fetch('/api/v1/meeting-files/' + id, { headers: { Authorization: 'Bearer ' + (await token(lang.value)) } });
      if (!r.ok) throw new Error(String(r.status));
      return URL.createObjectURL(await r.blob());
    })();
    p.catch(() => fetched.delete(id));
    fetched.set(id, p);
  }
  return fetched.get(id);
}
