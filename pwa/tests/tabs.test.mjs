// Two tabs of the app, or a tab and the service worker, share the device's store: a change made in one may be sent
// by the other. The server does not send a device back what it wrote (sync/PROTOCOL.md, protocol 2), so the tab
// that made the change must learn from the store what it became, and keep showing it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, base } from './helpers.mjs';
import { pickMeeting, screen, outboxOf } from './trust.mjs';

const browser = await launch();
after(() => browser.close());

// markSentByOther marks a member in tab A while only tab B reaches the server's push (tab A's and the service
// worker's are cut, as on a flaky connection), has tab B send it, and returns tab A's row of the member and the mark.
async function markSentByOther(ctx, a, skip) {
  await login(a, 'canbo10');
  const id = await pickMeeting(a, skip);
  const b = await ctx.newPage();
  await b.goto(base + '/#/');
  await synced(b);
  let open = false;
  await ctx.route('**/api/v1/sync/push', (route) => {
    let from = null;
    try {
      from = route.request().frame().page();
    } catch {
      // the service worker's: no frame
    }
    return open && from === b ? route.continue() : route.abort('internetdisconnected');
  });
  await screen(a, id, 'attendance', '.roster');
  const first = a.locator('.roster:not(.exempt) > li').first();
  const name = await first.locator('.name').textContent();
  const row = a.locator('.roster:not(.exempt) > li', { hasText: name }).first();
  const to = (await row.locator('button.seg.u').getAttribute('aria-pressed')) === 'true' ? 'p' : 'u';
  await row.locator('button.seg.' + to).click();
  assert.equal(await row.locator('button.seg.' + to).getAttribute('aria-pressed'), 'true', 'marked in tab A');
  for (let end = Date.now() + 15000; !(await outboxOf(a)).some((m) => m.t === 'attendance'); await a.waitForTimeout(200)) {
    assert.ok(Date.now() < end, 'the mark is in the device\'s outbox');
  }
  open = true;
  await b.click('.syncbar button');
  for (let end = Date.now() + 30000; (await outboxOf(b)).some((m) => m.t === 'attendance'); await b.waitForTimeout(200)) {
    assert.ok(Date.now() < end, 'tab B sent the mark');
  }
  await ctx.unroute('**/api/v1/sync/push');
  return { row, to };
}

test('a mark made in one tab and sent by another shows in the first at once, sent', async () => {
  const { ctx, page: a } = await device(browser);
  const { row, to } = await markSentByOther(ctx, a, 1);
  // Tab A does nothing: tab B told it.
  await synced(a, 10000);
  assert.equal(await row.locator('button.seg.' + to).getAttribute('aria-pressed'), 'true', 'tab A still shows its mark, sent');
  await ctx.close();
});

test('a tab that is not told (no BroadcastChannel) still keeps the mark another tab sent, at its next sync', async () => {
  const { ctx, page: a } = await device(browser);
  await a.addInitScript(() => delete window.BroadcastChannel);
  const { row, to } = await markSentByOther(ctx, a, 2);
  // Tab A syncs again: it finds nothing to send and, the server sending no device its own writes back, nothing to fetch.
  await a.evaluate(() => dispatchEvent(new Event('online')));
  await synced(a, 45000);
  await a.waitForTimeout(500);
  assert.equal(await row.locator('button.seg.' + to).getAttribute('aria-pressed'), 'true', 'tab A still shows the mark it made, after tab B sent it');
  await a.reload();
  await a.waitForSelector('.roster');
  assert.equal(await row.locator('button.seg.' + to).getAttribute('aria-pressed'), 'true', 'and after a reload');
  await ctx.close();
});

test('signing out in one tab signs every tab out at once: none keeps showing the party\'s records', async () => {
  const { ctx, page: a } = await device(browser);
  await login(a, 'canbo10');
  const id = await pickMeeting(a);
  await screen(a, id, 'attendance', '.roster');
  const name = (await a.locator('.roster > li .name').first().textContent()).trim();
  const b = await ctx.newPage();
  await b.goto(base + '/#/settings');
  await b.getByRole('button', { name: 'Đăng xuất' }).waitFor();
  b.on('dialog', (d) => d.accept());
  await b.getByRole('button', { name: 'Đăng xuất' }).click();
  await b.waitForSelector('#username');
  // Tab A was told: it shows the sign-in form within a moment, not the roster.
  await a.waitForSelector('#username', { timeout: 5000 });
  assert.ok(!(await a.textContent('body')).includes(name), 'tab A no longer shows ' + name);
  await ctx.close();
});
