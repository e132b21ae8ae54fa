// Assignments: a supervisor picks a cell that needs a visit and an official, assigns them; the official sees the
// assignment in the app and acknowledges it; the supervisor cancels it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, shot, base, client, eventually } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('a supervisor assigns canbo to a cell; canbo sees and acknowledges it; the supervisor cancels it', async () => {
  const sup = await device(browser);
  await login(sup.page, 'giamsat');
  const page = sup.page;
  await page.getByRole('link', { name: 'Phân công', exact: true }).click();
  await page.waitForSelector('h1.title >> text=Phân công cán bộ dự sinh hoạt');

  // Suggestions and officials with their load.
  const cells = page.locator('fieldset', { hasText: 'Chi bộ cần được dự' });
  await cells.locator('input[type=checkbox]').first().waitFor();
  assert.match(await cells.textContent(), /Chưa được dự 12 tháng|kiến nghị quá hạn|Không hoàn thành nhiệm vụ/);
  const vinh = page.getByRole('checkbox', { name: 'Lê Quang Vinh', exact: true });
  await vinh.waitFor();
  assert.match(await page.locator('label.pick', { hasText: 'Lê Quang Vinh' }).textContent(), /chi bộ \(\d+ hằng tháng\) · năm nay đã dự \d+\/\d+ lần/);

  // Nothing picked: the app says what is missing.
  await page.getByRole('button', { name: /^Phân công 0 cán bộ × 0 chi bộ$/ }).click();
  await page.getByRole('alert').filter({ hasText: 'Chọn ít nhất một cán bộ và một chi bộ.' }).waitFor();

  // A cell canbo already has: the server refuses, and its message shows.
  await page.fill('#find-cell', 'an loi');
  await page.getByRole('checkbox', { name: 'Chi bộ thôn An Lợi', exact: true }).check();
  await vinh.check();
  await page.getByRole('button', { name: 'Phân công 1 cán bộ × 1 chi bộ', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Lê Quang Vinh đã được phân công dự chi bộ Chi bộ thôn An Lợi trong thời gian này.' }).waitFor();
  await page.getByRole('checkbox', { name: 'Chi bộ thôn An Lợi', exact: true }).uncheck();

  // The neediest cell nobody visits yet, twice a year.
  const first = cells.locator('label.pick').first();
  const cellName = (await first.locator('strong').textContent()).trim();
  await first.locator('input').check();
  await page.getByRole('radio', { name: 'Một số lần mỗi năm', exact: true }).check();
  await page.fill('#visits', '2');
  await page.fill('#assign-note', 'Dự sinh hoạt chuyên đề quý');
  assert.match(await page.textContent('form'), /Từ \d\d\/\d\d\/\d{4} đến \d\d\/\d\d\/\d{4}/);
  await shot(page, '11-assign');
  // What the app asked and was answered, and what it shows, should the assignment not be confirmed.
  const answers = [];
  page.on('response', (r) => r.url().includes('/api/') && answers.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  await page.getByRole('button', { name: 'Phân công 1 cán bộ × 1 chi bộ', exact: true }).click();
  try {
    await page.getByRole('status').filter({ hasText: 'Đã phân công 1 lượt' }).waitFor();
  } catch (err) {
    await shot(page, '11-assign-failed');
    const alerts = await page.getByRole('alert').allTextContents();
    throw new Error(`no confirmation of the assignment of ${cellName} (${err.message.split('\n')[0]}); ` +
      `on screen: ${JSON.stringify(alerts)} at ${page.url()}; the API's answers since the tap: ${answers.join(', ')}`);
  }
  const row = page.locator('li.assignment', { hasText: 'Lê Quang Vinh' }).filter({ hasText: cellName });
  await row.waitFor();
  assert.match(await row.textContent(), /2 lần mỗi năm/);
  assert.match(await row.textContent(), /Chưa xác nhận/);

  // canbo is told, sees it and acknowledges it (which needs the network).
  const off = await device(browser);
  await login(off.page, 'canbo');
  const notice = off.page.getByRole('link', { name: /Đồng chí có 1 phân công mới cần xác nhận/ });
  await eventually(off.page, async () => (await notice.count()) === 1);
  await notice.click();
  await off.page.waitForURL(base + '/#/assignments');
  const mine = off.page.locator('li.assignment', { hasText: cellName }).filter({ hasText: 'Đang thực hiện' });
  await mine.waitFor();
  assert.match(await mine.textContent(), /Dự sinh hoạt chuyên đề quý/);
  assert.match(await mine.textContent(), /2 lần mỗi năm/);
  await shot(off.page, '12-assignments');
  await off.ctx.setOffline(true);
  await mine.getByRole('button', { name: 'Xác nhận', exact: true }).click();
  await mine.getByRole('alert').filter({ hasText: 'Cần có mạng để xác nhận phân công.' }).waitFor();
  await off.ctx.setOffline(false);
  await mine.getByRole('button', { name: 'Xác nhận', exact: true }).click();
  await mine.locator('text=Đã xác nhận lúc').waitFor();
  const { call } = await client('canbo');
  const list = await call('GET', '/api/v1/assignments?status=active&limit=100');
  const a = list.body.items.find((x) => x.cell_name === cellName);
  assert.ok(a?.acknowledged_at, 'acknowledged on the server');
  await off.page.goto(base + '/#/');
  await off.page.waitForSelector('h1.hello');
  await eventually(off.page, async () => (await notice.count()) === 0);

  // The supervisor cancels it, after confirming.
  await page.reload();
  await row.waitFor();
  assert.match(await row.textContent(), /Đã xác nhận/);
  await row.getByRole('button', { name: 'Hủy phân công', exact: true }).click();
  await row.locator('text=Hủy phân công này?').waitFor();
  await row.getByRole('button', { name: 'Hủy phân công', exact: true }).click();
  await row.waitFor({ state: 'detached' });
  const after_ = await call('GET', '/api/v1/assignments/' + a.id);
  assert.equal(after_.body.status, 'cancelled');
  await sup.ctx.close();
  await off.ctx.close();
});
