// Issue 10, defect 2: a device's own rapid edits never conflict with each other (score taps 150 ms apart, marks
// flipped fast, text typed in bursts, while the app syncs in between); a real conflict between two devices is shown
// field by field in words (a score as a table of the criteria), never wider than the phone, and disappears with its
// home-screen notice once resolved.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, base, eventually, axe } from './helpers.mjs';
import { pickMeeting, screen, rowsOf, outboxOf } from './trust.mjs';

const browser = await launch();
after(() => browser.close());

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// conflictsOn lists the conflicts the device holds about a meeting, its attendance and its visit reports.
async function conflictsOn(page, meetingId) {
  const ids = new Set([meetingId, ...(await rowsOf(page, 'attendance')).filter((a) => a.meeting_id === meetingId).map((a) => a.id),
    ...(await rowsOf(page, 'visit_reports')).filter((r) => r.meeting_id === meetingId).map((r) => r.id)]);
  return (await rowsOf(page, 'sync_conflicts')).filter((c) => ids.has(c.row_id));
}

// drain syncs until the outbox is empty.
async function drain(page) {
  for (let i = 0; i < 20 && (await outboxOf(page)).length; i++) {
    await page.click('.syncbar button');
    await synced(page, 45000);
    await page.waitForTimeout(300);
  }
  assert.equal((await outboxOf(page)).length, 0, 'the outbox drains');
}

test('one device editing fast never conflicts with itself', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo9');
  const id = await pickMeeting(page, 0, true); // no report yet: the scores start empty
  // Scores: every criterion, from the last to the first (the order the server does not keep), twice, 150 ms apart.
  await screen(page, id, 'score', '.criterion');
  const before = (await rowsOf(page, 'visit_reports')).find((r) => r.meeting_id === id)?.scores || {};
  const crits = page.locator('.criterion');
  const n = await crits.count();
  for (let round = 0; round < 2; round++) {
    for (let i = n - 1; i >= 0; i--) {
      const plus = crits.nth(i).locator('button[aria-label="+"]');
      if ((await plus.count()) && (await plus.isEnabled())) await plus.click(); // computed criteria have none
      await pause(150);
    }
  }
  // Marks flipped fast.
  await screen(page, id, 'attendance', '.roster');
  const rows = page.locator('.roster:not(.exempt) > li');
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 4; i++) {
      for (const seg of ['e', 'u', 'p']) {
        await rows.nth(i).locator('button.seg.' + seg).click();
        await pause(150);
      }
    }
  }
  // Text typed in bursts, each saved while the sync sends the one before.
  await screen(page, id, 'minutes', '#place');
  const texts = await page.$$eval('main input:not([type]), main textarea', (els) => els.filter((e) => !e.readOnly && e.id).map((e) => '#' + e.id));
  for (const f of texts.slice(0, 3)) {
    await page.fill(f, '');
    for (let i = 0; i < 4; i++) {
      await page.type(f, ` phần ${i}`, { delay: 20 });
      await pause(700);
    }
  }
  await page.keyboard.press('Tab');
  await drain(page);
  await page.click('.syncbar button');
  await synced(page, 45000);
  const cs = await conflictsOn(page, id);
  assert.deepEqual(cs.map((c) => `${c.table} · ${c.field}`), [], 'no conflict between one device\'s own edits');
  await page.goto(base + '/#/');
  await page.waitForSelector('h1.hello');
  assert.equal(await page.locator('nav.tabs-main a[href="#/conflicts"]').count(), 0, 'no conflicts menu item');
  const open = (await rowsOf(page, 'sync_conflicts')).filter((c) => !c.resolved_at);
  assert.equal(await page.locator('.notice[href="#/conflicts"]').count(), open.length ? 1 : 0, 'a notice only when there is one to resolve');
  // What was tapped is what the server holds: every criterion two points up (or at its maximum).
  const report = (await rowsOf(page, 'visit_reports')).find((r) => r.meeting_id === id);
  const criteria = await rowsOf(page, 'rubric_criteria');
  for (const [code, v] of Object.entries(report.scores)) {
    const c = criteria.find((x) => x.code === code);
    if (c.computed) continue; // follows the attendance, which this test flips
    assert.equal(v, Math.min((before[code] || 0) + 2, c.max_points), code);
  }
  await ctx.close();
});

test('a real conflict reads field by field, fits the phone and goes once resolved', async () => {
  const a = await device(browser);
  const b = await device(browser);
  await login(a.page, 'canbo9');
  await login(b.page, 'canbo9');
  const id = await pickMeeting(a.page, 1);
  await screen(a.page, id, 'score', '.criterion');
  await screen(b.page, id, 'score', '.criterion');
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);
  const name = (await a.page.locator('.criterion span[id^="c-"]').first().textContent()).replace(/\s*\(.*$/, '').trim();
  // A sets the first criterion to its maximum less one, B to its maximum less two.
  const first = (d) => d.page.locator('.criterion').first();
  for (const [d, down] of [[a, 1], [b, 2]]) {
    await first(d).locator('.stepper button.seg').last().click();
    for (let i = 0; i < down; i++) await first(d).locator('button[aria-label="−"]').click();
  }
  await a.page.waitForTimeout(500);
  await a.ctx.setOffline(false);
  await synced(a.page, 45000);
  await b.ctx.setOffline(false);
  await synced(b.page, 45000);
  // The home screen tells of it; the menu has no permanent item.
  await b.page.goto(base + '/#/');
  await eventually(b.page, async () => (await b.page.locator('.notice[href="#/conflicts"]').count()) > 0);
  assert.equal(await b.page.locator('nav.tabs-main a[href="#/conflicts"]').count(), 0);
  await b.page.click('.notice[href="#/conflicts"]');
  await b.page.waitForSelector('.card.conflict');
  const text = await b.page.textContent('main');
  assert.ok(text.includes(name), `the criterion by its name (${name}): ${text}`);
  assert.ok(text.includes('Chấm điểm') && text.includes('Báo cáo dự sinh hoạt'), 'the field and the record in words');
  assert.doesNotMatch(text, /[{}"]|\bscores\b|visit_reports|chuan_bi|chuyen_can/, 'no JSON, no raw codes');
  assert.ok(await b.page.locator('.card.conflict table.cf-scores').count(), 'the scores as a table');
  assert.ok(await b.page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no wider than the phone');
  await shot(b.page, 'rapid-conflict');
  await axe(b.page, 'a conflict');
  // Resolve every conflict of the meeting: the cards, the notice and the badge go.
  while (await b.page.locator('.card.conflict').count()) {
    await b.page.locator('.card.conflict').first().getByRole('button', { name: 'Giữ bản này' }).last().click();
    await b.page.waitForTimeout(300);
  }
  await b.page.goto(base + '/#/');
  await b.page.waitForSelector('h1.hello');
  assert.equal(await b.page.locator('a[href="#/conflicts"]').count(), 0, 'the notice goes once resolved');
  await synced(b.page, 45000);
  await eventually(a.page, async () => (await rowsOf(a.page, 'sync_conflicts')).every((c) => c.resolved_at));
  await a.page.goto(base + '/#/');
  await a.page.waitForSelector('h1.hello');
  assert.equal(await a.page.locator('a[href="#/conflicts"]').count(), 0, 'and on the other device');
  await a.ctx.close();
  await b.ctx.close();
});
