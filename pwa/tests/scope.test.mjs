// What each role holds on the device: the province's supervisor (giamsat, no cell of its own) holds none of its
// subtree — no units, users, assignments, recommendations or their history — and its home has no meeting to attend;
// the official canbo holds its three cells and still has their meetings on its home. A device from before the rows
// were indexed keeps its data through the upgrade.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, shot, base, client } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// rowsByTable counts the device's synced rows by table (IndexedDB "chibo", store "rows").
const rowsByTable = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('chibo');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const d = open.result;
    const all = d.transaction('rows').objectStore('rows').getAll();
    all.onsuccess = () => {
      const out = {};
      for (const r of all.result) out[r.t] = (out[r.t] || 0) + 1;
      d.close();
      resolve(out);
    };
    all.onerror = () => reject(all.error);
  };
}));

// meetingCards are the home screen's meetings: the cards to attend (section "Buổi sinh hoạt sắp tới") and the links
// to a meeting (reports to write).
const meetingCards = (page) => page.locator('main section[aria-labelledby="h-up"] .card, main a[href^="#/m/"]').count();

test("the province's supervisor holds none of the province and has no meeting to attend", async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'giamsat');
  const held = await rowsByTable(page);
  for (const t of ['org_units', 'users', 'assignments', 'members', 'meetings', 'attendance', 'recommendations',
    'recommendation_answers', 'recommendation_events', 'annual_ratings']) {
    assert.equal(held[t] || 0, 0, `giamsat's device holds ${held[t]} rows of ${t}`);
  }
  assert.ok(held.recommendation_fields > 0, 'the recommendation fields its filters use are on the device');
  const total = Object.values(held).reduce((a, b) => a + b, 0);
  assert.ok(total < 200, `giamsat's device holds ${total} rows`);
  assert.equal(await meetingCards(page), 0, 'giamsat has meetings to attend');
  await shot(page, 'scope-giamsat-home');
  await ctx.close();
});

test('the official holds its cells and sees their meetings', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  const held = await rowsByTable(page);
  // canbo's three cells, and its commune's unit scope (issue #12): the commune and every unit under it (as the
  // commune's supervisor reads them), and its two zones.
  const { call, user } = await client('giamsat2');
  const commune = user.grants.find((g) => g.role === 'supervisor').org_unit_id;
  let under = 0;
  for (let cursor = ''; ; ) {
    const page = (await call('GET', '/api/v1/org-units?under=' + commune + '&limit=200' + (cursor ? '&cursor=' + cursor : ''))).body;
    under += page.items.length;
    if (!(cursor = page.next_cursor)) break;
  }
  assert.equal(held.org_units, under + 1, `canbo holds ${held.org_units} units, the commune has ${under} under it`);
  assert.equal(held.zones, 2, "Triệu Phong's zones");
  assert.ok(held.members > 0 && held.meetings > 0, `canbo holds ${JSON.stringify(held)}`);
  assert.ok((await meetingCards(page)) > 0, 'canbo has no meeting to attend');
  await shot(page, 'scope-canbo-home');
  await ctx.close();
});

test('a device from before the indexes keeps its rows and its unsent changes', async () => {
  const { ctx, page } = await device(browser);
  // A page of the app's origin that does not run the app: write the old store (version 1) there.
  await page.goto(base + '/manifest.webmanifest');
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('chibo', 1);
    open.onupgradeneeded = () => {
      const d = open.result;
      d.createObjectStore('rows', { keyPath: 'k' }).createIndex('t', 't');
      d.createObjectStore('outbox', { keyPath: 'seq' });
      d.createObjectStore('rejected', { keyPath: 'seq' });
      d.createObjectStore('meta');
    };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const d = open.result;
      const tx = d.transaction(['rows', 'outbox'], 'readwrite');
      tx.objectStore('rows').put({ k: 'org_units/x', t: 'org_units', id: 'x', v: 1, c: 'unit', s: 'x', p: '/p/x/', m: '', d: { id: 'x', name: 'Chi bộ cũ', kind: 'cell' } });
      tx.objectStore('outbox').put({ seq: 1, t: 'notifications', op: 'upsert', row_id: 'y', base_version: 0, fields: { read_at: '2026-01-01T00:00:00Z' } });
      tx.oncomplete = () => (d.close(), resolve());
      tx.onerror = () => reject(tx.error);
    };
  }));
  // The app opens it (nobody is signed in, so nothing syncs): version 3 (2: the rows indexed; 3: the photos' files
  // store), nothing lost.
  await page.goto(base + '/');
  await page.waitForSelector('#username');
  const after = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('chibo');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const d = open.result;
      const tx = d.transaction(['rows', 'outbox']);
      const rows = tx.objectStore('rows');
      const byPath = rows.index('p').getAll(IDBKeyRange.bound('/p/x/', '/p/x/\uffff'));
      const out = tx.objectStore('outbox').count();
      tx.oncomplete = () => {
        resolve({ version: d.version, indexes: [...rows.indexNames].sort(), byPath: byPath.result.map((r) => r.d.name), outbox: out.result,
          files: d.objectStoreNames.contains('files') });
        d.close();
      };
      tx.onerror = () => reject(tx.error);
    };
  }));
  assert.deepEqual(after, { version: 3, indexes: ['p', 's', 't'], byPath: ['Chi bộ cũ'], outbox: 1, files: true });
  await ctx.close();
});
