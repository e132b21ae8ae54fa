// The sync client (sync/PROTOCOL.md), shared by the page and the service worker: sessions, pull rounds applied page
// by page (one IndexedDB transaction each), pushes of the outbox, checksums. It touches no DOM.
import { unwrap } from 'idb';
import { db, getMeta, setMeta } from './db.js';
import { attendanceId, reportId, rowHash, uuid4 } from './uuid.js';

export class HttpError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

async function request(path, body, token, lang, method = 'POST') {
  const headers = { 'Content-Type': 'application/json', 'Accept-Language': lang || 'vi' };
  if (token) headers.Authorization = 'Bearer ' + token;
  // A phone that knows it has no network sends nothing: the request would only fail (and the browser log its
  // failure for every queued change); the 'online' event starts a sync as soon as the network is back.
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    const err = new Error('offline');
    err.offline = true;
    throw err;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    const err = new Error('offline');
    err.offline = true;
    throw err;
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    if (res.ok) throw e;
  }
  if (!res.ok) throw new HttpError(res.status, json);
  return json;
}

// login starts a session; the device keeps the refresh token to stay signed in offline.
export async function login(username, password, lang) {
  const r = await request('/api/v1/auth/login', { username, password }, null, lang);
  const prev = await getMeta('session');
  await saveSession(r, username);
  if (prev && prev.user?.id !== r.user.id) return { switched: true, user: r.user };
  return { switched: false, user: r.user };
}

async function saveSession(r, username) {
  const s = {
    username: username ?? (await getMeta('session'))?.username,
    user: r.user,
    access: r.access_token,
    accessExp: Date.parse(r.expires_at),
    refresh: r.refresh_token,
  };
  await setMeta('session', s);
  return s;
}

// token returns a valid access token, refreshing it when it expired (after a long time offline, say).
export async function token(lang, force) {
  const s = await getMeta('session');
  if (!s?.refresh) throw new HttpError(401, { code: 'unauthorized', message: 'no session' });
  if (!force && s.access && s.accessExp - Date.now() > 30000) return s.access;
  const run = async () => {
    const again = await getMeta('session'); // another tab or the worker may have refreshed meanwhile
    if (!force && again.access && again.accessExp - Date.now() > 30000) return again.access;
    try {
      const r = await request('/api/v1/auth/refresh', { refresh_token: again.refresh }, null, lang);
      return (await saveSession(r)).access;
    } catch (e) {
      if (e.status === 401) await setMeta('session', { ...again, access: null, refresh: null, expired: true });
      throw e;
    }
  };
  return navigator.locks ? navigator.locks.request('chibo-token', run) : run();
}

async function authed(path, body, lang, method) {
  try {
    return await request(path, body, await token(lang), lang, method);
  } catch (e) {
    if (e.status !== 401) throw e;
    return request(path, body, await token(lang, true), lang, method);
  }
}

// api calls the server's API as the signed-in user (online only): api('GET', '/api/v1/assign/officials').
export const api = (method, path, body, lang) => authed(path, body, lang, method);

export async function logout() {
  const s = await getMeta('session');
  if (s?.refresh) {
    try {
      await request('/api/v1/auth/logout', { refresh_token: s.refresh });
    } catch {
      // Offline: the session ends on this device anyway.
    }
  }
}

async function syncState() {
  let st = await getMeta('sync');
  if (!st) {
    st = { clientId: uuid4(), nextSeq: 1, cursor: '', position: 0, epoch: '', scopes: [], window: '', landed: 0, resync: [] };
    await setMeta('sync', st);
  }
  return st;
}

// covers reports whether a scope covers a row (sync/PROTOCOL.md, Scopes).
export function covers(s, r, window) {
  if (!s.classes.includes(r.c)) return false;
  if (r.m && r.m < window) return false;
  if (s.kind === 'cell' || s.kind === 'root') return !!s.path && (r.p || '').startsWith(s.path);
  if (s.kind === 'unit') return !!s.path && (r.c === 'unit' ? (r.p || '').startsWith(s.path) : r.p === s.path);
  if (s.kind === 'user') return r.s === s.id;
  if (s.kind === 'ref') return s.refs.includes('*') || s.refs.includes(r.s);
  return false;
}

// eachCovered calls fn(row) for every stored row scope s may cover, read through an index (a cell's rows by path, a
// user's and the reference data's by scope: a scope's rows at a time), or, for a scope over everything, the whole
// store a thousand rows at a time; fn decides with covers().
async function eachCovered(rows, s, fn) {
  if (s.kind === 'cell' || s.kind === 'root' || s.kind === 'unit') {
    if (s.path) (await rows.index('p').getAll(IDBKeyRange.bound(s.path, s.path + '\uffff'))).forEach(fn);
  } else if (s.kind === 'user') {
    (await rows.index('s').getAll(IDBKeyRange.only(s.id))).forEach(fn);
  } else if (s.kind === 'ref' && !s.refs.includes('*')) {
    for (const id of s.refs) (await rows.index('s').getAll(IDBKeyRange.only(id))).forEach(fn);
  } else {
    await eachRow(rows, fn);
  }
}

// eachRow calls fn(row) for every stored row, a thousand at a time.
async function eachRow(rows, fn) {
  for (let after = null; ;) {
    const batch = await rows.getAll(after === null ? null : IDBKeyRange.lowerBound(after, true), 1000);
    batch.forEach(fn);
    if (batch.length < 1000) return;
    after = batch[batch.length - 1].k;
  }
}

// sameScopes reports whether two scope lists cover the same rows.
const sameScopes = (a, b) => JSON.stringify(a || []) === JSON.stringify(b || []);

// PROTOCOL is the version of the sync protocol the app speaks (sync/PROTOCOL.md): 2 sends a page's rows as runs and
// does not send a device back the rows it wrote (the push answer's "own" says what they became); 3 writes a push
// answer's buckets once (carryBuckets).
export const PROTOCOL = 3;

// carryBuckets gives each "own" of op put that a protocol 3 push answer wrote without its bucket (no "c") the bucket
// of the "own" of op put before it, as version 2 writes them all.
export function carryBuckets(results) {
  let last = null;
  for (const r of results || []) {
    const o = r.own;
    if (!o || o.op !== 'put') continue;
    if (o.c === undefined && last) Object.assign(o, { c: last.c, s: last.s, p: last.p, m: last.m });
    last = o;
  }
  return results;
}

// derived are the tables whose ids a run may leave out (null): the protocol's name-based ids of two fields.
const derived = {
  attendance: (d) => attendanceId(d.meeting_id, d.member_id),
  visit_reports: (d) => reportId(d.meeting_id, d.official_id),
};

// expand turns a protocol 2 page's runs into the ops of protocol 1 (sync/PROTOCOL.md, "Runs").
export function expand(runs) {
  const ops = [];
  for (const run of runs || []) {
    const cols = run.cols || [];
    for (const row of run.rows) {
      let i = 1;
      const v = run.v !== undefined ? run.v : row[i++];
      const op = { op: run.op, t: run.t, id: row[0], v, c: run.c, s: run.s, p: run.p || '', m: run.m || '' };
      if (run.op === 'put') {
        const d = { ...run.same };
        for (const c of cols) d[c] = row[i++];
        if (op.id === null) op.id = derived[run.t](d);
        if (!('id' in d)) d.id = op.id;
        if (!('version' in d)) d.version = v;
        op.d = d;
      }
      ops.push(op);
    }
  }
  return ops;
}

// applyOps applies a page's ops to the rows store (sync/PROTOCOL.md, Response) without reading it: a row stored by an
// earlier round is at most at that round's position (rounds run one at a time, under the "chibo-sync" lock), and
// every op of a round that is not a snapshot's is a change after it, so only the round's own earlier ops can be
// newer; seen maps the rows the round wrote to their versions (null: deleted). A snapshot's row is the current one,
// never older than what the device holds. (A round cut short may have stored newer rows: the round that replaces it
// sends their changes again, so the end is the same.) changes collects what the screens must show (see pullRound).
function applyOps(store, ops, seen, changes) {
  const page = new Map(); // key → the row to store, or null to remove: a row changed twice on a page is written once
  for (const op of ops) {
    const k = op.t + '/' + op.id;
    const v = seen.get(k);
    if (op.op === 'put') {
      if (v != null && v > op.v) continue;
      page.set(k, { k, t: op.t, id: op.id, v: op.v, c: op.c, s: op.s, p: op.p || '', m: op.m || '', d: op.d });
      seen.set(k, op.v);
    } else if (v === undefined || (v !== null && v <= op.v)) {
      page.set(k, null);
      seen.set(k, null);
    }
  }
  const rows = unwrap(store); // the plain requests: no promise for each of a thousand writes nobody awaits
  for (const [k, r] of page) {
    if (r) rows.put(r);
    else rows.delete(k);
    changes.put(k, r);
  }
}

// Changes are the rows a round stored (row) or removed (null) by key, for the screens to update what they hold
// rather than read every row again; past limit it gives up (all: true) and the screens read everything.
class Changes {
  constructor(limit = 5000) {
    this.rows = new Map();
    this.limit = limit;
    this.all = false;
  }

  put(k, r) {
    if (this.all) return;
    this.rows.set(k, r);
    if (this.rows.size > this.limit) {
      this.all = true;
      this.rows = new Map();
    }
  }
}

// pullRound runs one pull round, applying each page as it comes in a transaction of its own, so that memory holds
// one page, not the round; the cursor is stored with the last page, so a round cut short starts again from the
// previous cursor and its pages apply again harmlessly. It returns what changed: ops (how many), reset, the scopes
// whose checksum failed (mismatch), and changes: null when the screens must read every row again (more than a few
// thousand rows changed), otherwise the rows stored or removed by key (after a reset: every row the device holds).
export async function pullRound(lang, wantChecksums) {
  const st = await syncState();
  const d = await db();
  let req = { protocol: PROTOCOL, client_id: st.clientId, landed: st.landed || 0, cursor: st.cursor, limit: 2000, checksums: !!wantChecksums, resync: st.resync || [] };
  let first = true;
  let reset = false;
  let dropped = false;
  let count = 0;
  const seen = new Map();
  const changes = new Changes();
  let wait = 0; // time spent waiting for the server, for the benchmark's breakdown
  for (;;) {
    const asked = performance.now();
    const page = await authed('/api/v1/sync/pull', req, lang);
    wait += performance.now() - asked;
    if (page.protocol >= 2) page.ops = expand(page.runs);
    count += page.ops.length;
    const done = !page.has_more;
    const tx = d.transaction(done ? ['rows', 'meta', 'outbox'] : ['rows'], 'readwrite');
    const rows = tx.objectStore('rows');
    if (first) {
      reset = !!page.reset;
      if (reset) await rows.clear();
      // Dropped scopes (resync): their rows go, unless another of the round's scopes covers them.
      dropped = !!page.drop?.length;
      for (const key of page.drop || []) {
        const def = (st.scopes || []).find((s) => s.key === key);
        if (!def) continue;
        await eachCovered(rows, def, (r) => {
          if (covers(def, r, st.window) && !page.scopes.some((s) => s.key !== key && covers(s, r, page.window))) {
            rows.delete(r.k);
            seen.set(r.k, null);
            changes.put(r.k, null);
          }
        });
      }
      first = false;
    }
    applyOps(rows, page.ops, seen, changes);
    if (!done) {
      await tx.done;
      if (page.retry_after_ms && !page.ops.length) await new Promise((r) => setTimeout(r, page.retry_after_ms));
      req = { protocol: PROTOCOL, client_id: st.clientId, landed: st.landed || 0, cursor: page.cursor, limit: 2000, checksums: !!wantChecksums };
      continue;
    }
    const finishing = performance.now();
    const verify = !!wantChecksums || reset || dropped;
    const mismatch = await finishRound(tx, st, page, reset, changes, verify);
    await tx.done;
    return { ops: count, reset, mismatch, changes: changes.all ? null : changes.rows, wait, finish: performance.now() - finishing };
  }
}

// finishRound ends a round in its last page's transaction: rows no scope covers any more go (a cell whose
// assignment ended, months that left the window: only when the scopes or the window changed, or after a reset, can
// there be any), checksums are compared (verify: when the round asked for them — the app does when it signs in and
// when the user taps "Đồng bộ" — and after a reset or a drop; reading every row on each round a background sync runs
// would cost a phone more than the round), the outbox forgets the changes the round brought back, and the cursor is
// stored. It returns the scopes whose checksum failed.
async function finishRound(tx, st, last, reset, changes, verify) {
  const rows = tx.objectStore('rows');
  if (reset || st.window !== last.window || !sameScopes(st.scopes, last.scopes)) {
    await eachRow(rows, (r) => {
      if (!last.scopes.some((s) => covers(s, r, last.window))) {
        rows.delete(r.k);
        changes.put(r.k, null);
      }
    });
  }
  const mismatch = [];
  for (const cs of verify ? last.checksums || [] : []) {
    if (cs.as_of > last.position) continue;
    const s = last.scopes.find((x) => x.key === cs.scope);
    if (!s) continue;
    let n = 0;
    let sum = 0;
    const add = (r) => {
      if (r && covers(s, r, last.window)) {
        n++;
        sum = (sum + rowHash(r.t, r.id, r.v)) >>> 0;
      }
    };
    // After a reset the round's changes are every row the device holds: no need to read them back.
    if (reset && !changes.all) changes.rows.forEach(add);
    else await eachCovered(rows, s, add);
    if (n !== cs.count || sum !== cs.sum) mismatch.push(s.key);
  }
  // Changes the server accepted are shown from the outbox until a round brings them back as rows.
  const out = tx.objectStore('outbox');
  for (const m of await out.getAll()) {
    if (m.acked !== undefined && m.acked <= last.position) out.delete(m.seq);
  }
  const cur = (await tx.objectStore('meta').get('sync')) || st;
  // After a reset, versions above the position were lost with a restore or a failover: they will never come.
  const landed = reset ? Math.min(cur.landed || 0, last.position) : cur.landed;
  tx.objectStore('meta').put({ ...cur, landed, cursor: last.cursor, position: last.position, epoch: last.epoch, scopes: last.scopes,
    window: last.window, resync: mismatch, lastSync: Date.now(), lastError: '' }, 'sync');
  return mismatch;
}

// queue adds mutations to the outbox in one transaction (a meeting and its attendance go together). Each gets
// the next sequence number. Consecutive edits of the same row merge into one mutation while it has never been
// sent: once a push took it (this page's, another tab's or the service worker's), it may have reached the server,
// which answers a resent seq from its record, so what is merged into it would be lost. started is called when the
// transaction exists. journal is the id of the changes' entry in the journal (journal.js): the ids of the last
// entries stored are kept with the sync state, in the same transaction, and an entry stored already is not added
// again (a page replaying the journal of another that was closed, or still open).
export async function queue(mutations, started, journal = '') {
  const d = await db();
  const tx = d.transaction(['outbox', 'meta'], 'readwrite');
  started?.();
  const meta = tx.objectStore('meta');
  const out = tx.objectStore('outbox');
  const st = (await meta.get('sync')) || { clientId: uuid4(), nextSeq: 1, cursor: '', position: 0, scopes: [], window: '', landed: 0, resync: [] };
  if (journal && (st.journaled || []).includes(journal)) return tx.done;
  if (journal) st.journaled = [...(st.journaled || []), journal].slice(-JOURNALED);
  const pending = (await out.getAll()).filter((m) => m.acked === undefined);
  const group = uuid4();
  for (const m of mutations) {
    const lastOne = pending[pending.length - 1];
    if (m.op === 'upsert' && lastOne && lastOne.op === 'upsert' && lastOne.t === m.t && lastOne.row_id === m.row_id &&
      !lastOne.sent) {
      lastOne.fields = { ...lastOne.fields, ...m.fields };
      for (const f in m.base || {}) if (!(f in (lastOne.base || {}))) lastOne.base = { ...lastOne.base, [f]: m.base[f] };
      out.put(lastOne);
      continue;
    }
    const e = { ...m, seq: st.nextSeq++, group, created: Date.now() };
    pending.push(e);
    out.put(e);
  }
  meta.put(st, 'sync');
  await tx.done;
}

// JOURNALED is how many journal entries' ids the sync state keeps: an entry leaves the journal as soon as its
// transaction commits, or at the next start or sync of any page of the app, so only the few left by a page closed
// between the two are ever looked up.
const JOURNALED = 200;

// push sends the outbox. A mutation the server applied stays in the outbox, marked with the version it got, until
// a pull brings that version back (so the screens never show the old value meanwhile), unless the answer says what
// the row became ("own", protocol 2: the pulls will not send it): then the row is stored at once and the mutation
// leaves the outbox; owned collects those rows for the screens. A refused one moves to "rejected" for the user. A device's changes are sent in order, a group never split. What is sent is marked
// "sent" in the same transaction that reads it, so no change is merged into it afterwards.
export async function push(lang, owned = new Map()) {
  const d = await db();
  let st = await syncState();
  let sent = 0;
  for (;;) {
    const take = d.transaction('outbox', 'readwrite');
    const pending = (await take.store.getAll()).filter((m) => m.acked === undefined);
    if (!pending.length) break;
    let n = Math.min(pending.length, 200);
    while (n < pending.length && n > 1 && pending[n].group === pending[n - 1].group) n--;
    if (n === 1 && pending.length > 1) n = Math.min(pending.length, 500);
    const batch = pending.slice(0, n);
    for (const m of batch) {
      if (m.sent) continue;
      m.sent = true;
      take.store.put(m);
    }
    await take.done;
    const resp = await authed('/api/v1/sync/push', {
      protocol: PROTOCOL,
      client_id: st.clientId,
      mutations: batch.map(({ seq, t, op, row_id, base_version, fields, base }) => ({ seq, t, op, row_id, base_version, fields, base })),
    }, lang);
    if (resp.last_seq + 1 < batch[0].seq) {
      // The server forgot mutations it had acknowledged (restored from a backup): start again as a new device.
      const tx = d.transaction(['outbox', 'meta'], 'readwrite');
      const all = (await tx.objectStore('outbox').getAll()).filter((m) => m.acked === undefined);
      await tx.objectStore('outbox').clear();
      all.forEach((m, i) => tx.objectStore('outbox').put({ ...m, seq: i + 1 }));
      // Rows stored from the answers to the forgotten mutations ("own") are gone from the server: the next pull
      // starts from nothing (a reset).
      st = { ...((await tx.objectStore('meta').get('sync')) || st), clientId: uuid4(), nextSeq: all.length + 1, cursor: '' };
      tx.objectStore('meta').put(st, 'sync');
      await tx.done;
      continue;
    }
    const bySeq = new Map(carryBuckets(resp.results).map((r) => [r.seq, r]));
    const tx = d.transaction(['outbox', 'rejected', 'meta', 'rows'], 'readwrite');
    let landed = st.landed || 0;
    let progress = false;
    let resync = st.resync || [];
    for (const m of batch) {
      const r = bySeq.get(m.seq);
      if (!r || r.status === 'gap') continue;
      progress = true;
      if (r.status === 'rejected') {
        tx.objectStore('outbox').delete(m.seq);
        tx.objectStore('rejected').put({ ...m, code: r.code, message: r.message, field: r.field || '' });
      } else if (r.own) {
        const row = await own(tx.objectStore('rows'), m, r);
        if (row?.resync) {
          const keys = (st.scopes || []).filter((sc) => covers(sc, row, st.window)).map((sc) => sc.key);
          resync = [...new Set([...resync, ...keys])];
          owned.set(m.t + '/' + m.row_id, null);
        } else owned.set(m.t + '/' + m.row_id, row);
        tx.objectStore('outbox').delete(m.seq);
      } else {
        tx.objectStore('outbox').put({ ...m, acked: r.version || 0 });
        landed = Math.max(landed, r.version || 0);
      }
      sent++;
    }
    const cur = await tx.objectStore('meta').get('sync');
    st = { ...cur, landed, resync: [...new Set([...(cur.resync || []), ...resync])] };
    tx.objectStore('meta').put(st, 'sync');
    await tx.done;
    if (!progress) throw new Error('push made no progress');
  }
  return sent;
}

// own stores what the server says a mutation of this device made of its row (the push answer's "own"): the row
// held at base_version (none, for a create), with the mutation's fields, the fields the server set, its id and new
// version. It returns the row stored, or null when it was deleted.
async function own(rows, m, r) {
  const k = m.t + '/' + m.row_id;
  const cur = await rows.get(k);
  if (cur && cur.v >= r.version) return cur; // already as new: a resent push answered after a pull
  if (r.own.op === 'del') {
    rows.delete(k);
    return null;
  }
  if (cur ? cur.v !== m.base_version : m.base_version > 0) {
    // Not the row the server applied the mutation to, or none (only after a lost answer and a pull, or a row
    // that left the device meanwhile): drop it, and have the scopes that hold it sent again.
    rows.delete(k);
    return { resync: true, c: r.own.c, s: r.own.s, p: r.own.p || '', m: r.own.m || '' };
  }
  const base = cur ? cur.d : {};
  const row = { k, t: m.t, id: m.row_id, v: r.version, c: r.own.c, s: r.own.s, p: r.own.p || '', m: r.own.m || '',
    d: { ...base, ...m.fields, ...r.own.d, id: m.row_id, version: r.version } };
  rows.put(row);
  return row;
}

// syncOnce pushes, then pulls (once more at once when a checksum failed, to repair it); one at a time per origin.
export async function syncOnce(lang, wantChecksums) {
  const run = async () => {
    const started = performance.now();
    const owned = new Map();
    const sent = await push(lang, owned);
    const pushed = performance.now();
    let res;
    try {
      res = await pullRound(lang, wantChecksums);
    } catch (e) {
      // The database was restored between two pages (sync/PROTOCOL.md): the round starts again at once from the
      // stored cursor, and the server answers it with a reset.
      if (e.status !== 409 || e.code !== 'sync.epoch_changed') throw e;
      res = await pullRound(lang, wantChecksums);
    }
    res.push = pushed - started;
    // The rows the push answers described, under what the pull brought after them.
    if (owned.size && res.changes && !res.reset) res.changes = new Map([...owned, ...res.changes]);
    if (res.mismatch.length) {
      const again = await pullRound(lang, false);
      const changes = again.reset ? again.changes : res.changes && again.changes && new Map([...res.changes, ...again.changes]);
      res = { ...again, ops: res.ops + again.ops, reset: res.reset || again.reset, changes, wait: res.wait + again.wait, push: res.push };
    }
    return { sent, ...res };
  };
  return navigator.locks ? navigator.locks.request('chibo-sync', run) : run();
}

// savedName is the name the server gives a download (Content-Disposition: filename*=UTF-8''…, else filename="…"),
// else fallback: every file is saved under the server's one style of names (danh-sach-dang-vien-chi-bo-…-2026-12-03.xlsx).
export function savedName(res, fallback) {
  const cd = res.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // a malformed escape: the plain name, or the fallback
    }
  }
  const plain = /filename="([^"]+)"/i.exec(cd);
  return plain ? plain[1] : fallback;
}
