// A home for every role, at 360 px: the official's meetings and reports first and the attendance list near the
// top of its tab (its buttons on one line each at the largest text size), the supervisor's month, the responder's
// recommendations awaiting an answer (with a count, in the menu, and a notification when one is forwarded), the
// secretary's cell. Each home is screenshot and checked by axe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, shot, axe, client, today } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// fits checks the page is no wider than the phone.
async function fits(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 360, `${name}: the page is ${w} px wide`);
}

// top is where an element starts on the page, in CSS pixels.
const top = (loc) => loc.evaluate((el) => el.getBoundingClientRect().top + scrollY);

test('official: meetings first, then reports; the attendance list near the top, its buttons on one line', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  await page.locator('#h-up').waitFor();
  assert.match(await page.locator('h1.hello').textContent(), /^Đồng chí /);
  // The meetings to attend come before the reports left to write.
  assert.ok(await top(page.locator('#h-up')) < await top(page.locator('#h-todo')));
  assert.ok(await top(page.locator('#h-up')) < 740, 'the meetings are on the first screen');
  // No supervisor's or responder's part.
  assert.equal(await page.locator('#h-sv-home, #h-rs-home').count(), 0);
  await fits(page, 'official home');
  await shot(page, 'homes-official');
  await axe(page, 'official home');

  // A past meeting's attendance: the check-in is one small line, the totals one line, and the list right after.
  await page.locator('section[aria-labelledby=h-todo] a.card').first().click();
  await page.locator('ul.roster li.member').first().waitFor();
  await page.getByRole('button', { name: 'Xác nhận đến dự' }).or(page.getByText(/Đã đến dự lúc/)).first().waitFor();
  // 440 px: the totals take a second line when absences are counted (the demo's meeting of the day decides).
  const first = await top(page.locator('ul.roster li.member').first());
  assert.ok(first < 440, `the member list starts ${first} px down`);
  assert.match(await page.locator('.summary').textContent(), /Có mặt \d+\/\d+ \(\d+(,\d)?%\)/);
  await shot(page, 'homes-attendance');
  await axe(page, 'attendance');

  // The largest text size: every attendance button keeps its label on one line, and the page still fits.
  for (const size of ['normal', 'xlarge']) {
    await page.evaluate((s) => (document.documentElement.dataset.size = s), size);
    const lines = await page.locator('ul.roster li.member .seg').evaluateAll((bs) => bs.map((b) => {
      const lh = parseFloat(getComputedStyle(b).lineHeight) || parseFloat(getComputedStyle(b).fontSize) * 1.2;
      const r = document.createRange();
      r.selectNodeContents(b);
      return { text: b.textContent, lines: Math.round(r.getBoundingClientRect().height / lh), overflow: b.scrollWidth > b.clientWidth + 1 };
    }));
    assert.ok(lines.length >= 3);
    for (const l of lines) {
      assert.equal(l.lines, 1, `${size}: "${l.text}" takes ${l.lines} lines`);
      assert.equal(l.overflow, false, `${size}: "${l.text}" overflows its button`);
    }
    await fits(page, 'attendance at ' + size);
  }
  await shot(page, 'homes-attendance-xlarge');
  await ctx.close();
});

test('supervisor: the month, the recommendations awaiting action and the assignments at the top', async () => {
  const { ctx, page } = await device(browser);
  const { call } = await client('giamsat');
  await login(page, 'giamsat');
  const tiles = page.locator('section[aria-labelledby=h-sv-home] a.tile');
  await tiles.nth(2).waitFor();
  // All three on the first screen.
  for (let i = 0; i < 3; i++) assert.ok(await top(tiles.nth(i)) < 740 + 100, `tile ${i} is near the top`);
  assert.ok(await top(tiles.nth(1)) < 740);
  // The figures are the API's.
  const month = today().slice(0, 7);
  const cov = (await call('GET', '/api/v1/coverage?period=' + month)).body.totals;
  const st = (await call('GET', '/api/v1/recommendations/stats')).body.totals.by_status;
  assert.match(await tiles.nth(0).textContent(), new RegExp(`Còn ${Math.max(0, cov.expected - cov.visited)} lượt chưa dự`));
  assert.match(await tiles.nth(0).textContent(), new RegExp(`đã dự ${cov.visited}/${cov.expected} lượt`));
  assert.match(await tiles.nth(1).textContent(), new RegExp(`${st.new + st.answered + st.accepted} kiến nghị`));
  assert.equal(await tiles.nth(1).getAttribute('href'), '#/recs');
  assert.equal(await tiles.nth(2).getAttribute('href'), '#/assign');
  // No meetings "to attend": the supervisor has no cells assigned.
  assert.equal(await page.locator('#h-up').count(), 0);
  // The menu: following attendance, recommendations, assignments.
  for (const name of ['Theo dõi', 'Kiến nghị', 'Phân công']) await page.locator('nav.tabs-main').getByRole('link', { name, exact: true }).waitFor();
  await fits(page, 'supervisor home');
  await shot(page, 'homes-supervisor');
  await axe(page, 'supervisor home');
  await ctx.close();
});

test('responder: the recommendations awaiting its answer, counted, in the menu, and notified when forwarded', async () => {
  const { ctx, page } = await device(browser);
  const sup = await client('giamsat2');
  const ubnd = await client('ubnd');
  const commune = ubnd.user.grants.find((g) => g.role === 'responder').org_unit_id;
  // A new recommendation of the commune, forwarded to it now.
  const fresh = (await sup.call('GET', '/api/v1/recommendations?status=new&limit=50')).body.items;
  assert.ok(fresh.length > 0, 'a new recommendation to forward');
  const rec = fresh[fresh.length - 1];
  const due = new Date(Date.now() + 20 * 864e5 + 7 * 3600e3).toISOString().slice(0, 10);
  const fw = await sup.call('POST', `/api/v1/recommendations/${rec.id}/forward`, { addressee_org_unit_id: commune, due_on: due });
  assert.equal(fw.status, 200, JSON.stringify(fw.body));

  await login(page, 'ubnd');
  const section = page.locator('section[aria-labelledby=h-rs-home]');
  await section.locator('a.card').first().waitFor();
  const waiting = (await ubnd.call('GET', `/api/v1/recommendations?status=forwarded,sent_back&addressee_id=${commune}&limit=100`)).body;
  const n = waiting.next_cursor ? '100+' : String(waiting.items.length);
  assert.equal((await section.locator('h2 .badge').textContent()).trim(), n);
  await section.locator(`a[href="#/recs/${rec.id}"]`).waitFor();
  assert.ok(await top(section) < 400, 'the list is at the top');
  // In the menu, with its count; no visits, no assignments.
  const menu = page.locator('nav.tabs-main').getByRole('link', { name: /^Kiến nghị/ });
  await menu.waitFor();
  assert.equal((await menu.locator('.badge').textContent()).replace(/\D+$/, '').trim(), n);
  assert.equal(await page.locator('nav.tabs-main').getByRole('link', { name: 'Các lần dự' }).count(), 0);
  await fits(page, 'responder home');
  await shot(page, 'homes-responder');
  await axe(page, 'responder home');

  // The forwarding reached its inbox.
  await page.locator('a.bell').click();
  await page.locator('main', { hasText: 'Kiến nghị chờ trả lời' }).waitFor();
  await page.locator('main', { hasText: rec.content.slice(0, 40) }).waitFor();
  await shot(page, 'homes-responder-inbox');
  // Offline, after a reload, the home still shows the list it last read, and says so.
  await ctx.setOffline(true);
  await page.goto(page.url().replace(/#.*/, '#/'));
  await section.locator(`a[href="#/recs/${rec.id}"]`).waitFor();
  await section.getByText('Chưa có mạng, đang hiện số liệu lần trước.').waitFor();
  await shot(page, 'homes-responder-offline');
  await ctx.setOffline(false);

  // From the menu to the list, and to the recommendation, where it can answer.
  await menu.click();
  await page.waitForSelector('h1.title >> text=Theo dõi kiến nghị');
  await page.goto(page.url().replace(/#.*/, '#/recs/' + rec.id));
  await page.locator('#rc-answer').waitFor();
  await ctx.close();
});

test('secretary: its cell, the next meeting, the roster and the open recommendations', async () => {
  const { ctx, page } = await device(browser);
  const { user } = await client('bithu');
  const cell = user.grants.find((g) => g.role === 'secretary');
  await login(page, 'bithu');
  const section = page.locator(`section[aria-labelledby="h-sec-${cell.org_unit_id}"]`);
  await section.locator('h2', { hasText: cell.org_unit_name }).waitFor();
  await section.getByText('Buổi sinh hoạt tới').waitFor();
  await section.locator('time').first().waitFor();
  assert.match(await section.locator('summary').textContent(), /Danh sách đảng viên: \d+ đồng chí/);
  await section.locator('summary').click();
  assert.ok(await section.locator('ol.names li').count() > 3);
  await section.getByText('Kiến nghị chưa giải quyết xong').waitFor();
  assert.ok(await top(section) < 300);
  // Not an official's home: no reports left to write.
  assert.equal(await page.locator('#h-todo').count(), 0);
  await fits(page, 'secretary home');
  await shot(page, 'homes-secretary');
  await axe(page, 'secretary home');
  await ctx.close();
});
