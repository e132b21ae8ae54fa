// Issue 13, "Photos of the paper record", Done when: offline, the official takes two photos (generated images fed
// as files) and records the meeting; online again over a throttled 3G network, cut mid-upload and the app closed
// and opened again, the upload resumes where the server's offset says (not from the start) and completes; the
// supervisor sees the photos; a user of another commune gets 404 on a file's URL. It prints the README's figures:
// bytes uploaded per photo, the time to upload one over 3G, the device's storage per meeting with photos.
// (pwa_test.go runs it again, in the PostgreSQL pass, against two server instances sharing one S3 bucket behind a
// round-robin proxy: the resumed upload lands on the other instance.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { launch, device, login, shot, base, client, savedOnDevice } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// DevTools' "Regular 3G": 750 kbit/s down, 250 kbit/s up, 100 ms latency.
const G3 = { offline: false, latency: 100, downloadThroughput: (750 * 1000) / 8, uploadThroughput: (250 * 1000) / 8 };

// photo draws a camera-sized picture in the page (a page of text-like strokes on paper, with sensor noise) and
// returns it as PNG bytes: several hundred KB that the app must shrink below 300 KB.
async function photo(page, seed) {
  const b64 = await page.evaluate(async (seed) => {
    const w = 2000, h = 1500;
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d');
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    g.fillStyle = '#f4efe2';
    g.fillRect(0, 0, w, h);
    g.strokeStyle = '#1b2a6b';
    for (let y = 80; y < h - 60; y += 46) {
      g.beginPath();
      for (let x = 90; x < w - 90; x += 9) g.lineTo(x, y + rnd() * 14);
      g.stroke();
    }
    const img = g.getImageData(0, 0, w, h);
    for (let i = 0; i < img.data.length; i += 4) {
      const n = (rnd() - 0.5) * 36;
      img.data[i] += n;
      img.data[i + 1] += n;
      img.data[i + 2] += n;
    }
    g.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/png' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }, seed);
  return Buffer.from(b64, 'base64');
}

// held reads the device's photos (the files store): id, meeting, size of the bytes still held, of the thumbnail,
// the recorded SHA-256 and the SHA-256 of the bytes held.
const held = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('chibo');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const d = open.result;
    const all = d.transaction('files').objectStore('files').getAll();
    all.onsuccess = async () => {
      d.close();
      const out = [];
      for (const r of all.result) {
        let hash = '';
        if (r.blob) {
          const x = new Uint8Array(await crypto.subtle.digest('SHA-256', await r.blob.arrayBuffer()));
          hash = Array.from(x, (b) => b.toString(16).padStart(2, '0')).join('');
        }
        out.push({ id: r.id, meeting: r.meeting_id, blob: r.blob ? r.blob.size : 0, type: r.blob?.type || '', thumb: r.thumb ? r.thumb.size : 0,
          sha256: r.sha256, hash, url: r.url || '' });
      }
      resolve(out);
    };
  };
}));

const kb = (n) => (n / 1024).toFixed(1).replace('.', ',') + ' KB';

test('two photos taken offline upload over a cut 3G connection, resume, and reach the supervisor only', { timeout: 420000 }, async () => {
  const stamp = String(Date.now()).slice(-8);
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  if (process.env.PHOTOS_DEBUG) page.on('console', (m) => console.log('console:', m.text()));
  // Offline is the context's (the service worker's Background Sync included); the 3G profile is the page's, where
  // the uploads run.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  if (process.env.PHOTOS_DEBUG) await cdp.send('Debugger.enable');
  const net = async (c) => {
    await ctx.setOffline(!c);
    if (c) await cdp.send('Network.emulateNetworkConditions', c);
  };

  // The meeting: the last one the official has to report on (the other tests take the first), else the last one
  // coming.
  await page.locator('#h-up').waitFor();
  const todo = page.locator('#h-todo + ul li .card');
  let meetingId;
  if (await todo.count()) meetingId = (await todo.last().getAttribute('href')).split('/')[2];
  else {
    await page.locator('#h-up + ul li .card').last().click();
    await page.waitForFunction(() => location.hash.startsWith('#/m/'));
    meetingId = page.url().split('/m/')[1].split('/')[0];
  }
  const usage0 = (await page.evaluate(() => navigator.storage.estimate())).usage;

  // Offline: two photos, one with the camera's input, one from the gallery, of two kinds.
  await net(null);
  await page.waitForFunction(() => !navigator.onLine);
  await page.goto(base + '/#/m/' + meetingId + '/minutes');
  await page.locator('#ph-camera').waitFor({ state: 'attached' });
  await page.locator('#h-photos').waitFor();
  const before = await page.locator('.ph-item').count(); // a run before this one may have left some
  assert.equal(await page.locator('#ph-camera').getAttribute('capture'), 'environment');
  // New contents on every run: a content the server holds already is not sent again (that is checked below).
  const sheet = await photo(page, Number(stamp) % 100000);
  const book = await photo(page, (Number(stamp) % 100000) + 7);
  assert.ok(sheet.length > 300 * 1024 && book.length > 300 * 1024, `generated photos of ${sheet.length} and ${book.length} bytes`);
  await page.selectOption('#ph-kind', 'attendance_sheet');
  await page.fill('#ph-caption', 'Danh sách ký tên ' + stamp);
  await page.setInputFiles('#ph-camera', { name: 'IMG_0001.png', mimeType: 'image/png', buffer: sheet });
  await page.locator('.ph-item').nth(before).waitFor();
  await page.selectOption('#ph-kind', 'minutes_page');
  await page.setInputFiles('#ph-gallery', { name: 'IMG_0002.png', mimeType: 'image/png', buffer: book });
  await page.locator('.ph-item').nth(before + 1).waitFor();
  // A file that is not a photo is refused with the reason.
  await page.setInputFiles('#ph-gallery', { name: 'bien-ban.txt', mimeType: 'text/plain', buffer: Buffer.from('không phải ảnh') });
  await page.locator('.ph .error', { hasText: 'không phải là ảnh' }).waitFor();
  await savedOnDevice(page, 'Danh sách ký tên ' + stamp);
  assert.equal(await page.locator('.ph-item').count(), before + 2);
  const mine = (await held(page)).filter((r) => r.meeting === meetingId);
  assert.equal(mine.length, 2, 'both photos held on the device');
  const item = (id) => page.locator(`.ph-item[data-id="${id}"]`);
  for (const r of mine) {
    await item(r.id).locator('.ph-st', { hasText: 'Chờ đồng bộ' }).waitFor();
    assert.equal(await item(r.id).locator('img').count(), 1, 'a thumbnail');
  }
  for (const r of mine) {
    assert.ok(r.blob > 20 * 1024 && r.blob <= 300 * 1024, `a photo of ${r.blob} bytes (≤ 300 KB)`);
    assert.equal(r.type, 'image/jpeg');
    assert.equal(r.hash, r.sha256, 'the SHA-256 recorded is the bytes\'');
  }
  const widths = await Promise.all(mine.map((r) => item(r.id).locator('.muted').last().textContent()));
  assert.ok(widths.every((w) => /1600×1200/.test(w)), `shrunk to 1600 px: ${widths}`);
  const perMeeting = mine.reduce((s, r) => s + r.blob + r.thumb, 0);
  const usage1 = (await page.evaluate(() => navigator.storage.estimate())).usage;
  await shot(page, 'photos-offline');
  // The upload's code (tus-js-client, loaded when an upload starts) is precached with the shell.
  assert.ok(await page.evaluate(async () => {
    for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) if (/\/assets\/tus-\w+\.js$/.test(r.url)) return true;
    return false;
  }), 'tus-js-client is precached');

  // Record the meeting, still offline.
  await page.click('.tabs >> text=Điểm danh');
  const all = page.getByRole('button', { name: 'Tất cả có mặt' });
  if (await all.count()) await all.click();
  await page.click('.tabs >> text=Gửi báo cáo');
  await page.getByRole('button', { name: 'Gửi báo cáo' }).click();
  await page.locator('.confirm-submit .btn.primary').click();
  await page.waitForSelector('h1.hello');

  // Every upload request, by photo: its bytes sent, its offset.
  const reqs = [];
  const byUrl = new Map(); // upload URL → file id
  page.on('request', (r) => {
    if (!r.url().includes('/api/v1/uploads/')) return;
    const h = r.headers();
    const meta = Object.fromEntries((h['upload-metadata'] || '').split(',').filter(Boolean).map((kv) => {
      const [k, v] = kv.trim().split(' ');
      return [k, v ? Buffer.from(v, 'base64').toString() : ''];
    }));
    reqs.push({ r, method: r.method(), url: r.url(), offset: Number(h['upload-offset'] ?? -1), file: meta.file_id || '', at: Date.now(),
      sent: 0, status: 0, done: 0, failed: false });
  });
  const entry = (r) => reqs.find((x) => x.r === r);
  page.on('requestfinished', async (r) => {
    const e = entry(r);
    if (!e) return;
    e.done = Date.now();
    const res = await r.response();
    e.status = res?.status() || 0;
    // The body's length as sent (the network stack's Content-Length), else what the server took.
    const sent = Number((await r.allHeaders().catch(() => ({})))['content-length']);
    e.newOffset = Number(res?.headers()['upload-offset']);
    e.sent = e.method !== 'PATCH' ? 0 : Number.isFinite(sent) ? sent : e.newOffset - e.offset;
    if (e.method === 'POST' && res?.headers().location) byUrl.set(new URL(res.headers().location, base).href, e.file);
  });
  page.on('requestfailed', (r) => {
    const e = entry(r);
    if (!e) return;
    e.failed = true;
    e.done = Date.now();
    e.sent = e.method === 'PATCH' ? 64 * 1024 : 0; // at most a chunk went before the cut
  });
  const fileOf = (e) => e.file || byUrl.get(e.url) || '';
  const dump = () => process.env.PHOTOS_DEBUG && reqs.forEach((e) => console.log(e.method, e.url.slice(-40), e.status, e.offset, e.newOffset,
    fileOf(e).slice(0, 8), e.failed, e.sent, e.at));

  // Online over 3G: the rows go, then the bytes; cut once the server holds part of the first photo.
  await page.goto(base + '/#/m/' + meetingId + '/minutes');
  await item(mine[0].id).waitFor();
  await net(G3);
  const first = (await page.locator('.ph-item').nth(before).getAttribute('data-id'));
  const firstSize = mine.find((r) => r.id === first).blob;
  for (const end = Date.now() + 120000; ;) {
    if (reqs.some((e) => e.method === 'PATCH' && e.status === 204 && e.newOffset > 0 && fileOf(e) === first)) break;
    if (process.env.PHOTOS_DEBUG) {
      const r = await Promise.race([page.evaluate(() => document.querySelector('.ph-list')?.textContent.slice(-120)), new Promise((r) => setTimeout(() => r('HUNG'), 5000))]);
      console.log('probe', r);
      if (r === 'HUNG') {
        const paused = new Promise((res) => cdp.once('Debugger.paused', res));
        await cdp.send('Debugger.pause');
        const p = await Promise.race([paused, new Promise((r) => setTimeout(() => r(null), 5000))]);
        console.log(p ? p.callFrames.slice(0, 12).map((f) => `${f.functionName} ${f.url.split('/').pop()}:${f.location.lineNumber}:${f.location.columnNumber}`).join('\n') : 'no pause');
        throw new Error('hung');
      }
    }
    if (Date.now() > end) {
      dump();
      if (process.env.PHOTOS_DEBUG) {
        await cdp.send('Debugger.enable');
        const paused = new Promise((res) => cdp.once('Debugger.paused', res));
        await cdp.send('Debugger.pause');
        const p = await Promise.race([paused, new Promise((r) => setTimeout(() => r(null), 5000))]);
        console.log(p ? p.callFrames.slice(0, 12).map((f) => `${f.functionName} ${f.url.split('/').pop()}:${f.location.lineNumber}:${f.location.columnNumber}`).join('\n') : 'no pause');
      }
      await shot(page, 'photos-failed');
      throw new Error('no byte of the first photo reached the server: ' + (await page.locator('main').textContent()));
    }
    await page.waitForTimeout(100);
  }
  await net(null);
  const cutAt = reqs.length;
  await page.locator(`.ph-item[data-id="${first}"] .ph-st`, { hasText: /Lỗi: Mất kết nối mạng|Đang tải lên/ }).waitFor();
  // The app closes and opens again, offline; then the network is back (3G).
  await page.reload();
  await page.locator(`.ph-item[data-id="${first}"]`).waitFor();
  const partial = (await held(page)).find((r) => r.id === first);
  assert.ok(partial.blob > 0 && partial.url, 'the photo and its upload\'s URL stay on the device until the server has it');
  await shot(page, 'photos-cut');
  await net(G3);
  // Resumes by itself when the network is back; the retry button is there if it failed meanwhile.
  for (const end = Date.now() + 240000; ;) {
    let done = 0;
    for (const r of mine) done += await item(r.id).locator('.ph-st', { hasText: 'Đã lưu trên máy chủ' }).count();
    if (done === 2) break;
    if (Date.now() > end) throw new Error('the uploads never finished: ' + (await page.locator('.ph-list').textContent()));
    const retry = page.locator('.ph-item button', { hasText: 'Gửi lại' });
    if (await retry.count()) await retry.first().click();
    await page.waitForTimeout(500);
  }
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await shot(page, 'photos-uploaded');

  // The resumed upload went on from the server's offset, not from the start, and sent less than 1.5 times the photo.
  dump();
  const resumed = reqs.slice(cutAt).filter((e) => e.method === 'PATCH' && fileOf(e) === first && !e.failed);
  assert.ok(resumed.length > 0, 'the first photo\'s upload resumed');
  assert.ok(resumed[0].offset > 0, `the resumed PATCH starts at ${resumed[0].offset}`);
  assert.equal(reqs.slice(cutAt).filter((e) => e.method === 'POST' && e.file === first).length, 0, 'no new upload of the first photo');
  // A PATCH cut before it ended (its page closed) counts as a whole chunk sent.
  const size = (id) => mine.find((r) => r.id === id).blob;
  for (const e of reqs) if (e.method === 'PATCH' && !e.done) e.sent = Math.min(64 * 1024, size(fileOf(e)) - e.offset);
  const sentOf = (id) => reqs.filter((e) => fileOf(e) === id).reduce((s, e) => s + e.sent, 0);
  assert.ok(sentOf(first) < 1.5 * firstSize, `${sentOf(first)} bytes sent for a photo of ${firstSize}`);
  assert.ok(sentOf(first) >= firstSize, `${sentOf(first)} bytes sent for a photo of ${firstSize}`);

  // The bytes are dropped once the server holds them; the thumbnails stay.
  const after = (await held(page)).filter((r) => r.meeting === meetingId);
  assert.deepEqual(after.map((r) => r.blob), [0, 0]);
  assert.ok(after.every((r) => r.thumb > 0));

  // The server holds both, as recorded.
  const canbo = await client('canbo');
  const list = await canbo.call('GET', `/api/v1/meetings/${meetingId}/files`);
  assert.equal(list.status, 200);
  const rows = list.body.items.filter((f) => mine.some((r) => r.id === f.id));
  assert.equal(rows.length, 2);
  for (const f of rows) {
    assert.ok(f.uploaded_at, 'uploaded_at set');
    const r = await fetch(base + '/api/v1/meeting-files/' + f.id, { headers: { Authorization: 'Bearer ' + (await accessToken('canbo')) } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control') || '', /private/);
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    const bytes = Buffer.from(await r.arrayBuffer());
    assert.equal(bytes.length, f.size);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256);
  }
  assert.deepEqual(rows.map((f) => f.kind).sort(), ['attendance_sheet', 'minutes_page']);

  // The printed minutes list the attachments.
  const paper = await page.locator('.pm-attach').textContent();
  const n = (kind) => list.body.items.filter((f) => f.kind === kind).length;
  assert.match(paper, new RegExp(`Danh sách ký tên dự họp: ${n('attendance_sheet')} ảnh \\([^)]*Danh sách ký tên ${stamp}`));
  assert.match(paper, new RegExp(`Trang sổ biên bản: ${n('minutes_page')} ảnh`));

  // The figures for the README.
  const second = mine.find((r) => r.id !== first).id;
  const up2 = reqs.filter((e) => fileOf(e) === second && !e.failed);
  const secs = (Math.max(...up2.map((e) => e.done)) - Math.min(...up2.map((e) => e.at))) / 1000;
  console.log(`photos: bytes uploaded per photo: ${mine.map((r) => `${sentOf(r.id)} (photo of ${r.blob})`).join(', ')}`);
  console.log(`photos: one photo of ${kb(mine.find((r) => r.id === second).blob)} over 3G (250 kbit/s up, 100 ms): ${secs.toFixed(1).replace('.', ',')} s`);
  console.log(`photos: the cut photo resumed at byte ${resumed[0].offset} of ${firstSize}`);
  console.log(`photos: device storage per meeting with 2 photos: ${kb(perMeeting)} before upload (photos and thumbnails), ` +
    `${kb(after.reduce((s, r) => s + r.thumb, 0))} after (thumbnails); storage estimate grew by ${kb(usage1 - usage0)}`);
  await ctx.close();

  // The supervisor of the commune sees the photos with the meeting's reports; one opens large.
  const sv = await device(browser);
  await login(sv.page, 'giamsat2');
  await sv.page.goto(base + '/#/mr/' + meetingId);
  const imgs = sv.page.locator('.ph-item img');
  await sv.page.waitForFunction(() => [...document.querySelectorAll('.ph-item img')].filter((i) => i.complete && i.naturalWidth > 0).length >= 2,
    null, { timeout: 30000 });
  assert.ok((await imgs.count()) >= 2);
  await sv.page.locator('.ph-thumb').first().click();
  await sv.page.locator('.ph-large img').waitFor();
  await shot(sv.page, 'photos-supervisor');
  await sv.page.getByRole('button', { name: 'Đóng' }).click();
  await sv.ctx.close();

  // A user of another commune (canbo2: an official of the second commune's cells): 404 on the file's URL and on
  // the meeting's list, where the commune's supervisor gets the photo.
  const other = await client('canbo2');
  assert.equal((await (await client('giamsat2')).call('GET', `/api/v1/meetings/${meetingId}/files`)).status, 200);
  const r404 = await other.call('GET', '/api/v1/meeting-files/' + rows[0].id);
  assert.equal(r404.status, 404);
  assert.equal((await other.call('GET', `/api/v1/meetings/${meetingId}/files`)).status, 404);
});

// accessToken signs a user in and gives a fresh access token (they last 8 seconds in the tests).
async function accessToken(username) {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'chibo-demo' }) });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

// small draws a small picture (a colour and a few squares, from a seed) as PNG bytes.
const small = (page, seed) => page.evaluate(async (seed) => {
  const c = new OffscreenCanvas(120, 90);
  const g = c.getContext('2d');
  g.fillStyle = `hsl(${seed % 360} 60% 60%)`;
  g.fillRect(0, 0, 120, 90);
  g.fillStyle = '#123';
  for (let i = 0; i < 6; i++) g.fillRect((seed * (i + 3)) % 110, (seed * (i + 7)) % 80, 6, 6);
  const b = await c.convertToBlob({ type: 'image/png' });
  return [...new Uint8Array(await b.arrayBuffer())];
}, seed).then((a) => Buffer.from(a));

test('the secretary: a content the server holds is not sent again, a photo is deleted, a meeting takes 30 photos', { timeout: 300000 }, async () => {
  const stamp = Number(String(Date.now()).slice(-7));
  const { ctx, page } = await device(browser);
  await login(page, 'bithu');
  const id = (await page.locator('main a.card.row[href^="#/m/"]').first().getAttribute('href')).split('/')[2];
  await page.goto(base + '/#/m/' + id + '/minutes');
  await page.locator('#ph-gallery').waitFor({ state: 'attached' });
  await page.locator('#h-photos').waitFor();
  const posts = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/api/v1/uploads/') && posts.push(r.headers()['upload-metadata'] || ''));
  const item = (n) => page.locator('.ph-item').nth(n);
  const saved = (loc) => loc.locator('.ph-st', { hasText: 'Đã lưu trên máy chủ' }).waitFor({ timeout: 60000 });
  const n0 = await page.locator('.ph-item').count();
  assert.ok(n0 <= 27, `room on the meeting (${n0} photos)`);

  const img = await small(page, stamp);
  await page.setInputFiles('#ph-gallery', { name: 'a.png', mimeType: 'image/png', buffer: img });
  await saved(item(n0));
  assert.equal(posts.length, 1, 'the photo was uploaded');
  // The same photo again: its row comes back marked uploaded, and no byte is sent.
  await page.setInputFiles('#ph-gallery', { name: 'b.png', mimeType: 'image/png', buffer: img });
  await saved(item(n0 + 1));
  const again = await item(n0 + 1).getAttribute('data-id');
  assert.equal(posts.length, 1, 'no upload of a content the server holds');
  const { call } = await client('bithu');
  const listed = async () => (await call('GET', `/api/v1/meetings/${id}/files?limit=100`)).body.items;
  assert.ok((await listed()).find((f) => f.id === again)?.uploaded_at, 'the second row is marked uploaded');

  // Deleted: gone from the screen, the device and the server.
  page.once('dialog', (d) => d.accept());
  await item(n0 + 1).getByRole('button', { name: 'Xóa ảnh' }).click();
  await page.locator(`.ph-item[data-id="${again}"]`).waitFor({ state: 'detached' });
  for (const end = Date.now() + 30000; (await listed()).some((f) => f.id === again);) {
    if (Date.now() > end) throw new Error('the deleted photo is still on the server');
    await page.waitForTimeout(500);
  }

  // At most 30 a meeting: picking more than the room left takes what fits and says why.
  const n1 = await page.locator('.ph-item').count();
  const files = [];
  for (let i = 0; i <= 30 - n1; i++) files.push({ name: `p${i}.png`, mimeType: 'image/png', buffer: await small(page, stamp + 11 * (i + 1)) });
  await page.setInputFiles('#ph-gallery', files);
  await page.locator('.ph .error', { hasText: `tối đa 30 ảnh; cuộc họp này chỉ còn chỗ cho ${30 - n1} ảnh` }).waitFor({ timeout: 60000 });
  assert.equal(await page.locator('.ph-item').count(), 30);
  assert.match(await page.locator('#h-photos').textContent(), /30\/30 ảnh/);
  await shot(page, 'photos-secretary');
  await ctx.close();
});
