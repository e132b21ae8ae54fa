// English, the second language: an official who chooses it in the settings reads the app in English at once, after
// a reload, and offline after that; Vietnamese users never download the English catalogue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, base } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

test('choosing English shows the app in English, after a reload and offline; Vietnamese users never load it', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  await page.evaluate(() => navigator.serviceWorker.ready);
  const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\/assets\/english-/.test(n)));
  assert.deepEqual(await loaded(), [], 'a Vietnamese user downloaded the English catalogue');
  assert.ok(await page.locator('text=Buổi sinh hoạt sắp tới').count(), 'the home screen is in Vietnamese');

  await page.goto(base + '/#/settings');
  await page.waitForSelector('h1.title >> text=Cài đặt');
  await page.locator('label.radio', { hasText: 'English' }).click();
  await page.waitForSelector('h1.title >> text=Settings');
  await page.goto(base + '/#/');
  await page.waitForSelector('text=Upcoming meetings');
  assert.equal(await page.locator('text=Buổi sinh hoạt sắp tới').count(), 0, 'Vietnamese left on the home screen');

  // The choice and the catalogue stay: after a reload, and with no network.
  await page.reload();
  await page.waitForSelector('text=Upcoming meetings');
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('text=Upcoming meetings');
  await ctx.setOffline(false);

  // Back to Vietnamese.
  await page.goto(base + '/#/settings');
  await page.locator('label.radio', { hasText: 'Tiếng Việt' }).click();
  await page.waitForSelector('h1.title >> text=Cài đặt');
  await ctx.close();
});
