// The screens an official opens rarely — the conflicts, the refused changes and the printable biên bản — are not in
// the script the app starts with, but a phone that signed in once and then lost the network still opens them: the
// service worker precached them at install.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, base } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('the conflicts, the refused changes and the printable minutes open offline on a phone that never opened them', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  // A held meeting to open the minutes of, found while online.
  const id = await page.evaluate(() => document.querySelector('#h-todo + ul a.card')?.getAttribute('href')?.split('/')[2]);
  assert.ok(id, 'a meeting left to report on');
  // The worker has precached the shell once it is active.
  await page.evaluate(() => navigator.serviceWorker.ready);
  const started = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/assets/')));
  assert.ok(!started.some((n) => /\/(conflicts|paper)-/.test(n)), 'the app starts without them: ' + started.join(' '));
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('h1.hello');

  await page.goto(base + '/#/conflicts');
  await page.waitForSelector('h1.title >> text=Xung đột');
  assert.equal(await page.locator('text=Không tải được màn hình này').count(), 0);

  await page.goto(base + '/#/rejected');
  await page.waitForSelector('h1.title');
  assert.equal(await page.locator('text=Không tải được màn hình này').count(), 0);

  await page.goto(base + '/#/m/' + id + '/minutes');
  await page.waitForSelector('article.paper-minutes', { state: 'attached' });
  await page.emulateMedia({ media: 'print' });
  const paper = await page.textContent('article.paper-minutes');
  assert.ok(paper.includes('ĐẢNG CỘNG SẢN VIỆT NAM'), 'the biên bản is there to print: ' + paper.slice(0, 200));
  await page.emulateMedia({ media: 'screen' });
  await ctx.close();
});
