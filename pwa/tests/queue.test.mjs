// Scenarios 2 and 3: the queue survives an access token that expired offline, and a refused change neither blocks
// the others nor disappears.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, api, eventually } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// firstMeeting opens the first meeting the official has to report on (the first "unfinished" card).
async function firstUnfinished(page) {
  await page.click('#h-todo + ul li:first-child .card');
  await page.waitForSelector('.roster');
  return page.url().split('/m/')[1].split('/')[0];
}

test('an access token that expires offline is refreshed on reconnect and the queue goes on', async () => {
  const ttl = Number(process.env.CHIBO_E2E_ACCESS_TTL_S || 0);
  if (!ttl) throw new Error('CHIBO_E2E_ACCESS_TTL_S must give the server\'s access-token lifetime (the harness sets it)');
  const { ctx, page } = await device(browser);
  await login(page, 'canbo2');
  await ctx.setOffline(true);
  // While the phone knows it is offline the app sends nothing (each try would only fail, and be logged).
  const sentOffline = [];
  const onFailed = (r) => r.url().includes('/api/') && sentOffline.push(r.url());
  page.on('requestfailed', onFailed);
  const id = await firstUnfinished(page);
  const rows = page.locator('.roster:not(.exempt) > li');
  await rows.nth(0).locator('button.seg.u').click();
  await page.waitForSelector('text=1 thay đổi chờ gửi');
  // Wait past the token's lifetime, offline.
  await page.waitForTimeout((ttl + 2) * 1000);
  page.off('requestfailed', onFailed);
  assert.deepEqual(sentOffline, [], 'requests tried while offline');
  await ctx.setOffline(false);
  await synced(page, 45000);
  const get = await api('canbo2');
  const m = await get('/api/v1/meetings/' + id);
  const name = await rows.nth(0).locator('.name').textContent();
  const members = await get('/api/v1/members?cell_id=' + m.cell_id + '&limit=500');
  const member = members.items.find((x) => x.full_name === name);
  assert.equal(m.attendance.find((a) => a.member_id === member.id)?.status, 'unexcused');
  await ctx.close();
});

test('a refused change is shown with its reason, the others land, and it can be fixed and sent again', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo3');
  await ctx.setOffline(true);
  const id = await firstUnfinished(page);
  // The meeting may have recommendations of the demo's already: this test's is known by its text.
  const content = `Đề nghị nạo vét kênh mương nội đồng trước mùa mưa (${Date.now() % 1e7}).`;
  // A good change and a bad one: the server allows 300 characters for the addressee.
  await page.locator('.roster:not(.exempt) > li').nth(0).locator('button.seg.p').click();
  await page.click('.tabs >> text=Kiến nghị');
  await page.getByRole('button', { name: 'Thêm kiến nghị' }).click();
  await page.fill('#rec-content', content);
  await page.fill('#rec-to', 'Phòng Kinh tế '.repeat(30));
  await page.click('form >> text=Lưu');
  await page.waitForSelector('text=2 thay đổi chờ gửi');
  await ctx.setOffline(false);
  await page.waitForSelector('.syncbar a.warn', { timeout: 45000 });
  assert.match(await page.textContent('.syncbar a.warn'), /1 thay đổi bị từ chối/);
  await synced(page);
  const get = await api('canbo3');
  const m = await get('/api/v1/meetings/' + id);
  assert.equal(m.attendance.filter((a) => a.status === 'present').length >= 1, true, 'the good change landed');
  const ours = async () => (await get('/api/v1/recommendations?limit=200&meeting_id=' + id)).items.filter((r) => r.content === content);
  assert.equal((await ours()).length, 0, 'nothing of the refused change was stored');

  await page.click('.syncbar a.warn');
  await page.waitForSelector('.card.rejected');
  assert.match(await page.textContent('.card.rejected .error'), /Nơi nhận kiến nghị quá dài \(tối đa 300 ký tự\)/);
  // The fields to fix by their names, not as the API spells them; the ids it holds are not for typing.
  const card = await page.textContent('.card.rejected');
  assert.ok(!/addressee_text|content|meeting_id|cell_id|_/.test(card), 'no API spelling on the card: ' + card);
  assert.equal(await page.getByLabel('Nơi nhận kiến nghị').count(), 1);
  assert.equal(await page.getByLabel('Nội dung kiến nghị').count(), 1);
  await shot(page, '07-rejected');
  await page.fill('[id$="-addressee_text"]', 'Phòng Kinh tế xã');
  await page.getByRole('button', { name: 'Gửi lại' }).click();
  await page.waitForSelector('.card.rejected', { state: 'detached' });
  // The change is queued and sent: "1 thay đổi chờ gửi" may last less than a glance (the service worker's
  // background sync can send it at once; on a busy machine the test missed it), so what is waited for is the
  // recommendation on the server.
  await eventually(page, async () => (await ours()).length > 0, 45000);
  assert.equal(await page.locator('.card.rejected').count(), 0, 'the change was not refused again');
  const recs = await ours();
  assert.equal(recs.length, 1);
  assert.equal(recs[0].addressee_text, 'Phòng Kinh tế xã');
  await ctx.close();
});

test('a request cut while the phone still counts as online shows it offline, and the next sync that reaches the server online again', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo2');
  await synced(page);
  // A bad signal cuts the sync's requests; the browser never goes offline, so no 'online' event will come.
  let cut = 0;
  await page.route('**/api/v1/sync/**', (route) => (cut++, route.abort('connectionreset')));
  await page.locator('.syncbar button').click();
  await page.locator('.badge.offline').waitFor();
  assert.ok(cut > 0);
  await shot(page, 'queue-cut-request');
  // The signal is back: the app's next try, seconds later, reaches the server and the device is online again (it
  // stayed "Mất mạng", with the online-only buttons disabled, until the page was reloaded).
  await page.unroute('**/api/v1/sync/**');
  await page.locator('.badge.offline').waitFor({ state: 'detached', timeout: 30000 });
  await synced(page);
  assert.equal(await page.locator('.syncbar button').isEnabled(), true);
  await ctx.close();
});
