// Notifications: a web push is shown by the service worker in Vietnamese and tapping it opens what it links to;
// the inbox lists what the server notified after a sync, and reading it works offline, survives a reload and
// reaches the server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, base, client, today, eventually } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// notifications returns what the service worker shows now, with a tag or all.
const shown = (page, tag) => page.evaluate((tag) => navigator.serviceWorker.ready
  .then((r) => r.getNotifications(tag ? { tag } : undefined))
  .then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, data: n.data }))), tag);

async function until(f, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a push is shown in Vietnamese and tapping it opens the meeting', async () => {
  const { ctx, page } = await device(browser);
  await ctx.grantPermissions(['notifications'], { origin: base });
  const cdp = await ctx.newCDPSession(page);
  const regs = new Map();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => e.registrations.forEach((r) => regs.set(r.scopeURL, r)));
  await cdp.send('ServiceWorker.enable');
  await login(page, 'canbo5');
  const reg = await until(() => [...regs.values()].find((r) => r.scopeURL === base + '/' && !r.isDeleted), 'the registration');

  // A meeting the device holds, to link to.
  const { call } = await client('canbo5');
  const meetings = await call('GET', '/api/v1/meetings?from=' + today() + '&status=planned');
  const m = meetings.body.items[0];
  assert.ok(m, 'canbo5 has a planned meeting');
  const tag = 'meeting:' + m.id;
  const payload = { id: '6f1c3a52-0b7e-4d51-9a0c-3c1f2e4b5a61', kind: 'meeting_eve', title: 'Nhắc lịch: sinh hoạt chi bộ ngày mai',
    body: `${m.cell_name} sinh hoạt thường kỳ lúc 19 giờ 30 ngày mai.`, link: '#/m/' + m.id, tag };
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: reg.registrationId, data: JSON.stringify(payload) });
  const [n] = await until(async () => (await shown(page, tag)).length && shown(page, tag), 'the notification');
  assert.equal(n.title, 'Nhắc lịch: sinh hoạt chi bộ ngày mai');
  assert.equal(n.body, payload.body);
  assert.equal(n.lang, 'vi');
  assert.deepEqual(n.data, { link: '#/m/' + m.id, id: payload.id });

  // A push the worker cannot read still says something, in Vietnamese.
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: reg.registrationId, data: 'not json' });
  const [g] = await until(async () => (await shown(page, 'chibo')).length && shown(page, 'chibo'), 'the generic notification');
  assert.equal(g.title, 'Chibo: có thông báo mới');
  assert.equal(g.body, 'Mở Chibo để xem trong mục Thông báo.');

  // Tapping it (the test hook runs the worker's notificationclick handling): the open page goes to the meeting.
  await page.goto(base + '/#/settings');
  await page.waitForSelector('h1.title');
  await page.evaluate((tag) => navigator.serviceWorker.controller.postMessage({ type: 'notificationclick-test', tag }), tag);
  await page.waitForURL(base + '/#/m/' + m.id, { timeout: 10000 });
  await page.waitForSelector(`.tabs a[aria-current=page][href="#/m/${m.id}/attendance"]`);
  assert.equal(await page.textContent('h1.title'), m.cell_name);
  assert.deepEqual(await shown(page, tag), [], 'the tapped notification is closed');
  await ctx.close();
});

test('the inbox shows a new assignment after sync; reading it works offline, lasts and reaches the server', async () => {
  const sup = await client('giamsat');
  const off = await client('canbo6');
  const sugg = await sup.call('GET', '/api/v1/assign/suggestions?limit=50');
  // Two cells: one notification is read by tapping it, the other with "mark all read".
  const [cell, other] = sugg.body.items.filter((s) => !off.user.assigned_cells.some((c) => c.id === s.cell_id)).slice(-2);
  const made = await sup.call('POST', '/api/v1/assignments', { official_ids: [off.user.id], cell_ids: [cell.cell_id, other.cell_id],
    starts_on: today(), ends_on: null, frequency: 'per_year', visits_per_year: 2, note: 'Kiểm tra hộp thư' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const assignment = made.body.items[0];

  try {
    const { ctx, page } = await device(browser);
    await login(page, 'canbo6');
    await page.getByRole('link', { name: /^Thông báo \d+ chưa đọc$/ }).click();
    await page.waitForSelector('h1.title >> text=Thông báo');
    const card = page.locator('a.note', { hasText: cell.cell_name }).filter({ hasText: 'Phân công dự sinh hoạt chi bộ' });
    await eventually(page, async () => (await card.count()) === 1);
    assert.match(await card.getAttribute('class'), /unread/);
    assert.match(await card.textContent(), /Chưa đọc/);
    assert.match(await card.textContent(), /\d\d\/\d\d\/\d{4} \d\d:\d\d/, 'dd/mm/yyyy HH:mm');
    await shot(page, '10-inbox');

    // Offline, tapping it marks it read and opens the assignments, where the new one waits to be acknowledged.
    await ctx.setOffline(true);
    await card.click();
    await page.waitForURL(base + '/#/assignments');
    const item = page.locator('li.assignment', { hasText: cell.cell_name });
    await item.waitFor();
    assert.match(await item.textContent(), /2 lần mỗi năm/);
    await item.getByRole('button', { name: 'Xác nhận', exact: true }).click();
    await item.getByRole('alert').filter({ hasText: 'Cần có mạng để xác nhận phân công' }).waitFor();
    await page.goBack();
    await page.waitForSelector('h1.title >> text=Thông báo');
    assert.doesNotMatch(await card.getAttribute('class'), /unread/);

    // It stays read after a reload, and the server learns it once online.
    await page.reload();
    await page.waitForSelector('h1.title >> text=Thông báo');
    await card.waitFor();
    assert.doesNotMatch(await card.getAttribute('class'), /unread/);
    await ctx.setOffline(false);
    await synced(page, 45000);
    const note = await until(async () => {
      const r = await off.call('GET', '/api/v1/notifications?limit=100');
      const n = r.body.items.find((x) => x.kind === 'assignment_created' && x.data?.assignment_id === assignment.id);
      return n?.read_at && n;
    }, 'read_at on the server', 30000);
    assert.ok(note.read_at);

    // Mark all read: nothing unread is left, here and on the server.
    await page.locator('a.note.unread', { hasText: other.cell_name }).waitFor();
    await page.getByRole('button', { name: 'Đánh dấu đã đọc tất cả', exact: true }).click();
    await page.waitForSelector('a.note.unread', { state: 'detached' });
    await page.getByRole('link', { name: 'Thông báo', exact: true }).waitFor();
    await synced(page, 45000);
    await until(async () => (await off.call('GET', '/api/v1/notifications?unread=true')).body.items.length === 0, 'all read on the server', 30000);
    await ctx.close();
  } finally {
    for (const a of made.body.items) await sup.call('POST', `/api/v1/assignments/${a.id}/cancel`, {});
  }
});
