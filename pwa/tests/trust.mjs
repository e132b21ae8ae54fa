// Shared by the trust tests (typing, rapid, submit): reading the device's store and picking a meeting of one's own.
import { base } from './helpers.mjs';

// rowsOf reads the synced rows of a table from the device's IndexedDB.
export const rowsOf = (page, table) => page.evaluate((table) => new Promise((resolve, reject) => {
  const open = indexedDB.open('chibo');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const d = open.result;
    const r = d.transaction('rows').objectStore('rows').index('t').getAll(table);
    r.onsuccess = () => (d.close(), resolve(r.result.map((x) => x.d)));
    r.onerror = () => (d.close(), reject(r.error));
  };
}), table);

// rejectedOf reads the changes the server refused, as the device keeps them.
export const rejectedOf = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('chibo');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const r = open.result.transaction('rejected').objectStore('rejected').getAll();
    r.onsuccess = () => (open.result.close(), resolve(r.result));
    r.onerror = () => (open.result.close(), reject(r.error));
  };
}));

// outboxOf reads the device's outbox.
export const outboxOf = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('chibo');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const d = open.result;
    const r = d.transaction('outbox').objectStore('outbox').getAll();
    r.onsuccess = () => (d.close(), resolve(r.result));
    r.onerror = () => (d.close(), reject(r.error));
  };
}));

// pickMeeting returns the id of a held meeting (up to today) of the signed-in official that its report does not
// lock (no report, or a draft), the most recent first; skip passes over that many. With fresh, only meetings the
// official has no report of.
export async function pickMeeting(page, skip = 0, fresh = false) {
  const me = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('chibo');
    open.onsuccess = () => {
      const d = open.result;
      const r = d.transaction('meta').objectStore('meta').get('session');
      r.onsuccess = () => (d.close(), resolve(r.result.user.id));
    };
  }));
  const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  const reports = await rowsOf(page, 'visit_reports');
  const locked = new Set(reports.filter((r) => r.official_id === me && (fresh || r.status === 'submitted')).map((r) => r.meeting_id));
  const ms = (await rowsOf(page, 'meetings')).filter((m) => (m.form || 'cell') === 'cell' && m.status === 'held' && m.meeting_date <= today && !locked.has(m.id))
    .sort((a, b) => b.meeting_date.localeCompare(a.meeting_date) || a.id.localeCompare(b.id));
  if (ms.length <= skip) throw new Error('no meeting left to use');
  return ms[skip].id;
}

// screen opens a tab of a meeting and waits until it shows.
export async function screen(page, id, tab, selector) {
  await page.goto(base + '/#/m/' + id + '/' + tab);
  await page.waitForSelector(selector, { timeout: 20000 });
}

// onDevice waits until the device holds text in a change to send or, once sent, in a synced row.
export async function onDevice(page, text, timeout = 30000) {
  const held = () => page.evaluate((text) => new Promise((resolve) => {
    const open = indexedDB.open('chibo');
    open.onerror = () => resolve(false);
    open.onsuccess = () => {
      const d = open.result;
      const tx = d.transaction(['outbox', 'rows']);
      const a = tx.objectStore('outbox').getAll();
      const b = tx.objectStore('rows').getAll();
      tx.oncomplete = () => (d.close(), resolve(JSON.stringify(a.result).includes(text) || JSON.stringify(b.result).includes(text)));
      tx.onerror = () => (d.close(), resolve(false));
    };
  }), text);
  for (const end = Date.now() + timeout; !(await held()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error('never saved on the device: ' + text);
  }
}
