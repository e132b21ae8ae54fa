// Every role's screens in Vietnamese at 360 px: the text a person reads (the page's text, and the accessible names
// and titles) has no English word, no raw code, one style of tone marks, calls the user "Đồng chí", and no page is
// wider than the phone.
// The rules are tests/wording.json, the ones the catalogue test (wording_test.go) applies to the messages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, device, login, shot } from './helpers.mjs';

const rules = JSON.parse(readFileSync(new URL('./wording.json', import.meta.url), 'utf8'));
const english = new Set(rules.english);
const codes = new RegExp(':\\s*(' + rules.codes.join('|') + ')\\b');
const oldTone = /(?:^|[^qQ])(?:[oO][àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])$/u;

// problems lists what is wrong with one text.
export function problems(text) {
  let s = text;
  for (const a of rules.allowed) s = s.replaceAll(a, ' ');
  const out = [];
  for (const w of s.match(/\p{L}+/gu) || []) {
    if (english.has(w.toLowerCase())) out.push('English word "' + w + '"');
    if (oldTone.test(w)) out.push('old-style tone mark "' + w + '"');
    if (w.toLowerCase() === 'bạn') out.push('addresses the user as "' + w + '" (Đồng chí)');
  }
  const snake = s.match(/\b[a-z]+(?:_[a-z]+)+\b/);
  if (snake) out.push('raw code "' + snake[0] + '"');
  const code = s.match(codes);
  if (code) out.push('raw code after a label "' + code[0].trim() + '"');
  return out;
}

test('the rules catch what they are for', () => {
  for (const s of ['Điểm danh có mặt (check-in)', 'Yếu kém: rating', 'sent_back', 'Huỷ', 'Sức khoẻ', 'Bạn chưa được phân công']) assert.notDeepEqual(problems(s), [], s);
  for (const s of ['Hủy', 'Xóa', 'Trả lời thỏa đáng', 'Quý này', 'In báo cáo', 'Chibo']) assert.deepEqual(problems(s), [], s);
});

const browser = await launch();
after(() => browser.close());

// settle waits until the screen has loaded what it reads (no "Đang tải…" left), or 10 s.
async function settle(page) {
  await page.waitForFunction(() => !document.body.innerText.includes('Đang tải'), null, { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(300);
}

// read collects what a person reads on the screen: its text, and the accessible names and titles.
const read = (page) => page.evaluate(() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
    parts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '', el.getAttribute('placeholder') || '', el.getAttribute('alt') || '');
  }
  for (const el of document.querySelectorAll('details:not([open])')) el.setAttribute('open', '');
  parts.push(document.body.innerText);
  return parts.join('\n');
});

// walk visits each route as user and collects the problems, by route.
// ignore, when given, removes data the rules are not about (unit codes such as QT.AT.01, usernames) from the text.
async function walk(user, routes, ignore) {
  const { ctx, page } = await device(browser);
  await login(page, user);
  const found = [];
  const visit = async (route) => {
    await page.evaluate((r) => (location.hash = r), route);
    await settle(page);
    const text = ignore ? (await read(page)).replace(ignore, ' ') : await read(page);
    for (const line of text.split('\n')) for (const p of problems(line)) found.push(`${user} ${route}: ${p} in "${line.trim().slice(0, 80)}"`);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    if (w > 360) found.push(`${user} ${route}: the page is ${w} px wide`);
    await shot(page, `wording-${user}-${route.replace(/[^a-z0-9]+/gi, '-')}`);
  };
  for (const r of typeof routes === 'function' ? await routes(page) : routes) await visit(r);
  await ctx.close();
  return found;
}

// firstHref reads the first link matching selector on route.
async function firstHref(page, route, selector) {
  await page.evaluate((r) => (location.hash = r), route);
  await page.locator(selector).first().waitFor({ timeout: 15000 });
  return (await page.locator(selector).first().getAttribute('href')).replace(/^.*#/, '#');
}

test('the official: home, a meeting\'s every tab, visits, assignments, inbox, settings', async () => {
  const found = await walk('canbo', async (page) => {
    const m = await firstHref(page, '#/', 'section[aria-labelledby=h-todo] a.card');
    return ['#/', m + '/attendance', m + '/minutes', m + '/score', m + '/recs', m + '/review', '#/visits', '#/assignments', '#/inbox', '#/settings'];
  });
  assert.deepEqual(found, []);
});

test('the commune\'s briefing and dialogue screens, and a new recommendation there', async () => {
  const found = await walk('bithu2', async (page) => {
    const out = ['#/f'];
    for (const name of ['Ghi giao ban mới', 'Ghi đối thoại mới']) {
      await page.evaluate(() => (location.hash = '#/f'));
      await page.getByRole('button', { name }).first().click();
      await page.waitForFunction(() => /^#\/f\/[0-9a-f-]{36}$/.test(location.hash));
      out.push(await page.evaluate(() => location.hash));
    }
    await page.evaluate((h) => (location.hash = h), out[1]);
    await page.locator('details.fo-cell').first().waitFor({ timeout: 15000 });
    out.push(await page.$eval('details.fo-cell a[href*="/rec/"]', (a) => a.getAttribute('href'))); // a cell's new recommendation
    return out;
  });
  assert.deepEqual(found, []);
});

test('the supervisor: home, following attendance, the monthly report, recommendations, assignments', async () => {
  const found = await walk('giamsat', async (page) => {
    const rec = await firstHref(page, '#/recs', 'ul.rows a.rec');
    return ['#/', '#/supervise', '#/report', '#/recs', rec, '#/assign', '#/assignments', '#/inbox', '#/settings', '#/f/month'];
  });
  assert.deepEqual(found, []);
});

test('the responder: home, its recommendations and one of them, inbox, settings', async () => {
  const found = await walk('ubnd', async (page) => {
    const rec = await firstHref(page, '#/', 'section[aria-labelledby=h-rs-home] a.card');
    return ['#/', '#/recs', rec, '#/inbox', '#/settings'];
  });
  assert.deepEqual(found, []);
});

test('the secretary: home, its cell\'s meeting, recommendations, settings', async () => {
  const found = await walk('bithu', ['#/', '#/recs', '#/inbox', '#/settings', '#/f']);
  assert.deepEqual(found, []);
});

test('the administrator: every administration screen, a unit, a user, a roster and a member', async () => {
  const found = await walk('admin', async (page) => {
    const unit = await firstHref(page, '#/admin/org', 'main a[href^="#/admin/org/"]');
    const user = await firstHref(page, '#/admin/users', 'ul.rows a.row');
    const cell = unit.replace('#/admin/org/', '');
    return ['#/admin', '#/admin/org', unit, '#/admin/users', user, '#/admin/users/new', '#/admin/users/import',
      '#/admin/rosters', '#/admin/schedules', '#/admin/schedules/' + cell, '#/admin/reference', '#/admin/ratings', '#/admin/audit'];
  }, /\b[A-Z]{2}(?:\.[A-Z0-9]{1,4})+\b|^admin(?= · )/gm);
  assert.deepEqual(found, []);
});
