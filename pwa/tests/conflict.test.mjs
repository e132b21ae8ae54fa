// Scenario 4: two devices edit one meeting's notes offline; both texts survive, the conflict shows on both and is
// resolved by merging item by item.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, base, eventually, savedOnDevice, client } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('two devices editing the same notes offline end with a visible conflict and both texts', async () => {
  const a = await device(browser);
  const b = await device(browser);
  await login(a.page, 'canbo');
  await login(b.page, 'canbo');
  // Both open the minutes of the same held regular meeting (the template with the news item) whose visit report
  // canbo has not sent: a sent report locks them, and which ones the demo has sent depends on the day.
  const { call } = await client('canbo');
  const me = (await call('GET', '/api/v1/me')).body.id;
  const held = (await call('GET', '/api/v1/meetings?status=held&limit=200')).body.items
    .filter((m) => m.type === 'regular').sort((x, y) => y.meeting_date.localeCompare(x.meeting_date));
  let id;
  for (const h of held) {
    const x = (await call('GET', '/api/v1/meetings/' + h.id)).body;
    if (!x.visit_reports.some((r) => r.official_id === me && r.status === 'submitted')) { id = x.id; break; }
  }
  assert.ok(id, 'canbo has a held meeting whose report is not sent');
  await a.page.goto(base + '/#/m/' + id);
  await a.page.waitForSelector('.roster');
  await b.page.goto(base + '/#/m/' + id + '/minutes');
  await a.page.goto(base + '/#/m/' + id + '/minutes');
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);
  const textA = 'Máy A: chi bộ thống nhất sửa đường trước Tết.';
  const textB = 'Máy B: chi bộ đề nghị hỗ trợ giống lúa.';
  const newsA = 'Máy A: phổ biến nghị quyết về chuyển đổi số.';
  await a.page.fill('#n-opening', textA);
  await a.page.fill('#n-news', newsA);
  await a.page.click('#place');
  await b.page.fill('#n-opening', textB);
  await b.page.click('#place');
  await savedOnDevice(a.page, textA);
  await savedOnDevice(a.page, newsA);
  await savedOnDevice(b.page, textB);
  await a.ctx.setOffline(false);
  await synced(a.page, 45000);
  await b.ctx.setOffline(false);
  await synced(b.page, 45000);
  for (const [name, d] of [['A', a], ['B', b]]) {
    await d.page.goto(base + '/#/conflicts');
    await eventually(d.page, async () => (await d.page.locator('.card.conflict').count()) > 0);
    const text = await d.page.textContent('.card.conflict');
    assert.ok(text.includes(textA) && text.includes(textB), `device ${name} shows both texts: ${text}`);
    if (name === 'A') await shot(d.page, '08-conflict');
  }
  // Resolve on A by merging: the item both changed holds both texts, the item only A filled in is kept once.
  await a.page.getByRole('button', { name: 'Gộp', exact: true }).click();
  const merged = await a.page.inputValue('.card.conflict textarea[id$="-opening"]');
  assert.ok(merged.includes(textA) && merged.includes(textB), `merge starts with both texts: ${merged}`);
  assert.equal(await a.page.inputValue('.card.conflict textarea[id$="-news"]'), newsA);
  await a.page.fill('.card.conflict textarea[id$="-opening"]', merged + ' Đã thống nhất.');
  await shot(a.page, '09-conflict-merge');
  await a.page.getByRole('button', { name: 'Lưu', exact: true }).click();
  await synced(a.page, 45000);
  await b.page.goto(base + '/#/conflicts');
  await eventually(b.page, async () => (await b.page.locator('.card.conflict').count()) === 0);
  await b.page.goto(base + '/#/m/' + id + '/minutes');
  await eventually(b.page, async () => (await b.page.inputValue('#n-opening')).endsWith('Đã thống nhất.'));
  const opening = await b.page.inputValue('#n-opening');
  assert.ok(opening.includes(textA) && opening.includes(textB), `B's minutes hold the merged text: ${opening}`);
  assert.equal(await b.page.inputValue('#n-news'), newsA);
  await a.ctx.close();
  await b.ctx.close();
});
