// Scenario 1: a whole visit recorded offline reaches the server exactly once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, api, base, savedOnDevice } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('a visit recorded offline survives a restart and reaches the server once', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  await shot(page, '01-home');

  // Offline: the app comes back from the service worker, fast.
  await ctx.setOffline(true);
  const t0 = Date.now();
  await page.reload();
  await page.waitForSelector('h1.hello');
  const reloadMs = Date.now() - t0;
  // A figure for the note, not a pass mark: speed targets are met in budgets.mjs (Lighthouse), never in a timed test.
  console.log(`offline reload to the home screen: ${reloadMs} ms`);
  await page.waitForSelector('.badge.offline');

  // Open the first upcoming meeting.
  await page.click('#h-up + ul li:first-child .card');
  await page.waitForSelector('.roster');
  const meetingId = page.url().split('/m/')[1].split('/')[0];
  await page.getByRole('button', { name: 'Xác nhận đến dự' }).click();
  await page.getByRole('button', { name: 'Tất cả có mặt' }).click();
  const rows = page.locator('.roster:not(.exempt) > li');
  const count = await rows.count();
  assert.ok(count >= 3, 'a roster to mark');
  await rows.nth(1).locator('button.seg.e').click();
  // "Khác" (other) writes nothing of its own: it empties the field of the chip's reason and puts the cursor there.
  await rows.nth(1).locator('.reason .chip', { hasText: 'Đi làm ăn xa' }).click();
  await rows.nth(1).locator('.reason .chip', { hasText: 'Khác' }).click();
  const other = rows.nth(1).locator('.reason input');
  assert.equal(await other.inputValue(), '', 'the field is empty for the reason to type');
  assert.ok(await other.evaluate((el) => el === document.activeElement), 'the cursor is in the field');
  await rows.nth(1).locator('.reason .chip', { hasText: 'Ốm' }).click();
  await rows.nth(2).locator('button.seg.u').click();
  await page.locator('.summary', { hasText: 'vắng không lý do 1' }).waitFor(); // an unexcused absence shows
  // The three kinds of mark in the summary's line, which wraps rather than widen the page (it ran to 393 px).
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the attendance tab is no wider than the phone');
  await shot(page, '02-attendance');

  // Minutes and score on a slow phone (the CPU four times slower), where IndexedDB and drawing lag behind the taps.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.click('.tabs >> text=Biên bản');
  await page.fill('#n-opening', 'Đồng chí Bí thư khai mạc, thông báo tình hình thôn trong tháng.');
  await page.selectOption('#sp-discussion', { index: 1 });
  await page.fill('#n-conclusion', 'Tập trung thu hoạch lúa vụ mùa, phòng chống lụt bão.');
  await page.fill('#n-guidance', 'Đề nghị chi bộ chú trọng công tác phát triển đảng viên trẻ.');
  await page.fill('#n-resolution', 'Nghị quyết: hoàn thành thu hoạch trước ngày 20; vận động đóng góp quỹ khuyến học.');
  await page.click('#place'); // leave the last field, which saves it
  await savedOnDevice(page, 'Nghị quyết: hoàn thành thu hoạch trước ngày 20');
  await shot(page, '03-minutes');

  // Score: every criterion the official scores at its maximum, tapped fast, then one point off the first; no tap
  // undoes another. The attendance criteria follow the attendance: an unexcused absence takes that one's points.
  await page.click('.tabs >> text=Chấm điểm');
  const crits = page.locator('.criterion:has(.stepper)');
  await crits.first().waitFor();
  const n = await crits.count();
  assert.ok(n >= 5, 'a rubric to score');
  for (let i = 0; i < n; i++) await crits.nth(i).locator('.stepper button.seg').last().click();
  await crits.first().locator('button[aria-label="−"]').click();
  const maxes = (await crits.locator('.stepper button.seg:last-child').allTextContents()).map(Number);
  const auto = (await page.locator('.criterion .computed output').allTextContents()).map(Number);
  assert.equal(await page.locator('.criterion:has(.computed)', { hasText: 'vắng không có lý do' }).locator('output').textContent(), '0');
  const expected = maxes.reduce((s, x) => s + x, 0) - 1 + auto.reduce((s, x) => s + x, 0);
  await page.waitForSelector(`text=${expected} / 100`);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await shot(page, '04-score');

  // Two recommendations with Vietnamese diacritics.
  await page.click('.tabs >> text=Kiến nghị');
  for (const text of ['Đề nghị UBND xã sửa chữa đường liên thôn bị sạt lở sau mưa lũ.', 'Kiến nghị hỗ trợ giống lúa cho các hộ bị thiệt hại do ngập úng.']) {
    await page.getByRole('button', { name: 'Thêm kiến nghị' }).click();
    await page.fill('#rec-content', text);
    await page.fill('#rec-to', 'UBND xã');
    await page.click('form >> text=Lưu');
  }
  await page.waitForSelector('text=ngập úng');
  await shot(page, '05-recommendations');

  await page.click('.tabs >> text=Gửi báo cáo');
  await page.getByRole('button', { name: 'Gửi báo cáo' }).click();
  await page.locator('.confirm-submit .btn.primary').click(); // the check lists what is missing and asks
  await page.waitForSelector('h1.hello');
  // The changes wait (between the retries, which show "syncing" a moment).
  await page.locator('.syncbar strong', { hasText: /\d+ thay đổi chờ gửi/ }).waitFor();

  // Close the app, open it again, still offline: everything is there.
  await page.close();
  const again = await ctx.newPage();
  await again.goto(base + '/#/m/' + meetingId + '/review');
  await again.waitForSelector('text=Đã gửi báo cáo');
  await again.goto(base + '/#/m/' + meetingId + '/minutes');
  // Submitted, the minutes are locked: shown as text, not as fields.
  await again.waitForSelector('.ro-text >> text=Nghị quyết: hoàn thành thu hoạch trước ngày 20; vận động đóng góp quỹ khuyến học.');
  assert.equal(await again.locator('#n-resolution').count(), 0, 'a submitted report\'s minutes are not editable');
  await shot(again, '06-reopened-offline');

  // Back online: the outbox drains by itself.
  await ctx.setOffline(false);
  await synced(again, 45000);

  const get = await api('canbo');
  const m = await get('/api/v1/meetings/' + meetingId);
  assert.equal(m.status, 'held');
  assert.equal(m.resolution, 'Nghị quyết: hoàn thành thu hoạch trước ngày 20; vận động đóng góp quỹ khuyến học.');
  assert.equal(m.notes.items.find((i) => i.key === 'opening').text, 'Đồng chí Bí thư khai mạc, thông báo tình hình thôn trong tháng.');
  assert.equal(m.notes.items.find((i) => i.key === 'discussion').speeches.length, 1);
  assert.equal(m.notes.items.find((i) => i.key === 'guidance').text, 'Đề nghị chi bộ chú trọng công tác phát triển đảng viên trẻ.');
  const statuses = m.attendance.map((a) => a.status).sort();
  assert.equal(m.attendance.length, count, 'one attendance row per member, once');
  assert.equal(statuses.filter((s) => s === 'excused').length, 1);
  assert.equal(statuses.filter((s) => s === 'unexcused').length, 1);
  assert.equal(m.attendance.find((a) => a.status === 'excused').reason, 'Ốm');
  const me = await get('/api/v1/me');
  const mine = m.visit_reports.filter((x) => x.official_id === me.id);
  assert.equal(mine.length, 1, 'one report by this official, once');
  const r = mine[0];
  assert.equal(r.status, 'submitted');
  assert.equal(r.score_total, expected);
  assert.equal(r.grade, 'tot');
  assert.ok(r.checked_in_at);
  const recs = await get('/api/v1/recommendations?meeting_id=' + meetingId);
  assert.deepEqual(recs.items.map((x) => x.content).sort(), ['Kiến nghị hỗ trợ giống lúa cho các hộ bị thiệt hại do ngập úng.',
    'Đề nghị UBND xã sửa chữa đường liên thôn bị sạt lở sau mưa lũ.'].sort());
  await ctx.close();
});

test('scores tapped fast online, while the service worker syncs in the background, all reach the server', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo4');
  await page.click('#h-todo + ul li:first-child .card');
  await page.waitForSelector('.roster');
  const id = page.url().split('/m/')[1].split('/')[0];
  await page.click('.tabs >> text=Chấm điểm');
  const crits = page.locator('.criterion:has(.stepper)');
  await crits.first().waitFor();
  const n = await crits.count();
  const typed = (await crits.locator('.stepper button.seg:last-child').allTextContents()).reduce((s, x) => s + Number(x), 0);
  const auto = (await page.locator('.criterion .computed output').allTextContents()).reduce((s, x) => s + Number(x), 0);
  // Each change asks for a background sync, which the worker runs at once while the next taps come.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  for (let i = 0; i < n; i++) await crits.nth(i).locator('.stepper button.seg').last().click();
  for (let i = 0; i < n; i++) await crits.nth(i).locator('button[aria-label="−"]').click();
  await page.waitForSelector(`text=${typed + auto - n} / 100`);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await synced(page, 45000);
  const get = await api('canbo4');
  const m = await get('/api/v1/meetings/' + id);
  // Other officials may have reported on the same meeting; this device's official has exactly one report.
  const me = await get('/api/v1/me');
  const mine = m.visit_reports.filter((r) => r.official_id === me.id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].score_total, typed + auto - n);
  await page.reload();
  await page.waitForSelector(`text=${typed + auto - n} / 100`);
  await ctx.close();
});
