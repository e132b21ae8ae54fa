// Notifications: a web push is shown by the service worker in Vietnamese and tapping it opens what it links to;
// the inbox lists what the server notified after a sync, and reading it works offline, survives a reload and
// reaches the server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, base, client, today, eventually, phone, savedOnDevice, shown, until, pushes } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('a push is shown in Vietnamese, brings the inbox up to date, and tapping it opens the meeting', async () => {
  const { ctx, page } = await device(browser);
  const { cdp, push } = await pushes(ctx, page);
  await login(page, 'canbo5');
  await page.goto(base + '/#/inbox');
  await page.waitForSelector('h1.title');

  // The server notifies canbo5 of a new assignment; its push links to a meeting the device holds.
  const off = await client('canbo5');
  const sup = await client('giamsat');
  const sugg = await sup.call('GET', '/api/v1/assign/suggestions?limit=50');
  const cell = sugg.body.items.find((x) => !off.user.assigned_cells.some((c) => c.id === x.cell_id));
  const made = await sup.call('POST', '/api/v1/assignments', { official_ids: [off.user.id], cell_ids: [cell.cell_id], starts_on: today(),
    frequency: 'monthly' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  try {
    const notes = await off.call('GET', '/api/v1/notifications?unread=true');
    const note = notes.body.items.find((n) => n.data?.assignment_id === made.body.items[0].id);
    assert.ok(note, 'the server notified canbo5');
    const meetings = await off.call('GET', '/api/v1/meetings?from=' + today() + '&status=planned');
    const m = meetings.body.items.find((x) => off.user.assigned_cells.some((c) => c.id === x.cell_id));
    assert.ok(m, 'canbo5 has a planned meeting');
    const tag = 'meeting:' + m.id;
    const payload = { id: note.id, kind: note.kind, title: note.title, body: note.body, link: '#/m/' + m.id, tag };
    const [n] = await push(JSON.stringify(payload), tag);
    assert.equal(n.title, 'Phân công dự sinh hoạt chi bộ');
    assert.equal(n.body, note.body);
    assert.match(n.body, new RegExp(cell.cell_name));
    assert.equal(n.lang, 'vi');
    assert.deepEqual(n.data, { link: '#/m/' + m.id, id: note.id });

    // The open page syncs by itself: the notification is in the inbox, unread, without touching "sync".
    const card = page.locator('a.note.unread', { hasText: cell.cell_name });
    await card.waitFor({ timeout: 30000 });
    await shot(page, '10-inbox-after-push');

    // A push the worker cannot read still says something, in Vietnamese.
    const [g] = await push('not json', 'chibo');
    assert.equal(g.title, 'Chibo: có thông báo mới');
    assert.equal(g.body, 'Mở Chibo để xem trong mục Thông báo.');

    // On a slow phone (the CPU four times slower), tapping it (the test hook runs the worker's notificationclick
    // handling) while a sync is under way (its pull held until the tap is saved on the device): the open page goes
    // to the meeting and the notification is read, on the device and then on the server soon after that sync, not
    // at the next poll.
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await synced(page);
    let release;
    const held = new Promise((r) => (release = r));
    let pulling;
    const pulled = new Promise((r) => (pulling = r));
    await ctx.route('**/api/v1/sync/pull', async (route) => {
      pulling();
      await held;
      await route.continue().catch(() => {}); // the page may be gone by then
    });
    await page.evaluate(() => document.querySelector('.syncbar button:not([disabled])')?.click()); // unless one just started
    await pulled;
    await page.evaluate((tag) => navigator.serviceWorker.controller.postMessage({ type: 'notificationclick-test', tag }), tag);
    await savedOnDevice(page, 'read_at');
    release();
    await ctx.unrouteAll({ behavior: 'wait' });
    await page.waitForURL(base + '/#/m/' + m.id, { timeout: 10000 });
    await page.waitForSelector(`.tabs a[aria-current=page][href="#/m/${m.id}/attendance"]`);
    assert.equal(await page.textContent('h1.title'), m.cell_name);
    assert.deepEqual(await shown(page, tag), [], 'the tapped notification is closed');
    await until(async () => (await off.call('GET', '/api/v1/notifications?unread=true')).body.items.every((x) => x.id !== note.id),
      'read_at on the server', 30000);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await ctx.close();
  } finally {
    await sup.call('POST', `/api/v1/assignments/${made.body.items[0].id}/cancel`, {});
  }
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
    const notes = await off.call('GET', '/api/v1/notifications?unread=true&limit=100');
    const byAssignment = (a) => notes.body.items.find((n) => n.data?.assignment_id === a.id);
    const note = byAssignment(assignment);
    const card = page.locator('#n-' + note.id);
    await eventually(page, async () => (await card.count()) === 1);
    assert.match(await card.textContent(), new RegExp('Phân công dự sinh hoạt chi bộ.*' + cell.cell_name));
    assert.match(await card.getAttribute('class'), /unread/);
    assert.match(await card.textContent(), /Chưa đọc/);
    assert.match(await card.textContent(), /\d\d\/\d\d\/\d{4} \d\d:\d\d/, 'dd/mm/yyyy HH:mm');
    await shot(page, '10-inbox');

    // Offline, tapping it marks it read and opens the assignments, where the new one waits to be acknowledged.
    await ctx.setOffline(true);
    await card.click();
    await page.waitForURL(base + '/#/assignments');
    const item = page.locator('li.assignment', { hasText: cell.cell_name }).filter({ has: page.getByRole('button', { name: 'Xác nhận' }) });
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
    await until(async () => {
      const r = await off.call('GET', '/api/v1/notifications?limit=100');
      return r.body.items.find((x) => x.id === note.id)?.read_at;
    }, 'read_at on the server', 30000);

    // Mark all read: nothing unread is left, here and on the server.
    await page.locator(`#n-${byAssignment(made.body.items[1]).id}.unread`).waitFor();
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

test('push settings say plainly when this device cannot get pushes, and the home prompt goes away when told', async () => {
  const { call } = await client('canbo7');
  const key = await call('GET', '/api/v1/push/key');
  const { ctx, page } = await device(browser);
  await ctx.grantPermissions(['notifications'], { origin: base });
  await login(page, 'canbo7');
  if (key.status === 404) {
    // The server sends no pushes: no push settings, no prompt.
    assert.equal(key.body.code, 'not_found');
    await page.goto(base + '/#/settings');
    await page.waitForSelector('h1.title');
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('#h-push').count(), 0);
    await ctx.close();
    return;
  }
  assert.equal(key.status, 200);
  // The prompt comes a few seconds after the home screen, not with it; "later" puts it away for good.
  const prompt = page.locator('section.prompt');
  await prompt.waitFor({ timeout: 15000 });
  assert.match(await prompt.textContent(), /Nhận thông báo về phân công và lịch sinh hoạt trên máy này\?/);
  await prompt.getByRole('button', { name: 'Để sau', exact: true }).click();
  await prompt.waitFor({ state: 'detached' });
  await page.reload();
  await page.waitForSelector('h1.hello');
  await page.waitForTimeout(5000);
  assert.equal(await prompt.count(), 0, 'the prompt does not come back');

  // Headless Chromium has no push service: subscribing fails, and the app says the inbox still has everything.
  await page.goto(base + '/#/settings');
  await page.getByRole('button', { name: 'Bật thông báo', exact: true }).click();
  const alert = page.locator('#h-push ~ [role=alert]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^Không đăng ký được thông báo trên máy này \(.+\)\. Mọi thông báo vẫn có trong mục Thông báo của ứng dụng\.$/);
  await shot(page, '13-push-failed');
  await ctx.close();

  // Permission refused.
  const denied = await device(browser);
  await login(denied.page, 'canbo7');
  await denied.page.goto(base + '/#/settings');
  await denied.page.evaluate(() => Notification.permission).then((p) => assert.notEqual(p, 'granted'));
  await denied.page.getByRole('button', { name: 'Bật thông báo', exact: true }).click();
  await denied.page.locator('#h-push ~ [role=alert]', { hasText: 'Trình duyệt đang chặn thông báo của Chibo' }).waitFor();
  await denied.ctx.close();

  // An iPhone outside the installed app: how to get them.
  const iphone = await browser.newContext({ ...phone, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1' });
  const ip = await iphone.newPage();
  await login(ip, 'canbo7');
  await ip.goto(base + '/#/settings');
  await ip.locator('#h-push ~ p.warn', { hasText: 'hãy thêm Chibo vào Màn hình chính' }).waitFor();
  assert.match(await ip.textContent('#h-push ~ p.warn'), /Mọi thông báo vẫn có trong mục Thông báo của ứng dụng\./);
  assert.equal(await ip.getByRole('button', { name: 'Bật thông báo', exact: true }).count(), 0);
  await iphone.close();
});
