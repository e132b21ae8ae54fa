// Scenario 5: Chrome finds no installability errors, and axe-core finds no serious or critical violation on any
// screen. Each screen is saved as a screenshot at 360×740.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { launch, device, login, shot, axe, base, chromePath, flags, phone } from './helpers.mjs';

test('Chrome reports no installability errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chibo-profile-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: chromePath, args: flags, ...phone });
  try {
    const page = await ctx.newPage();
    await page.goto(base + '/');
    await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready), null, { timeout: 20000 });
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const cdp = await ctx.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every screen passes axe-core (no serious or critical violations)', async () => {
  const browser = await launch();
  after(() => browser.close());
  const { page } = await device(browser);
  await page.goto(base + '/');
  await page.waitForSelector('#username');
  await axe(page, 'login');
  await shot(page, '00-login');
  await login(page, 'canbo');
  await axe(page, 'home');
  await page.click('#h-todo + ul li:first-child .card');
  await page.waitForSelector('.roster');
  const id = page.url().split('/m/')[1].split('/')[0];
  for (const tab of ['attendance', 'minutes', 'score', 'recs', 'review']) {
    await page.goto(`${base}/#/m/${id}/${tab}`);
    await page.waitForSelector(`.tabs a[aria-current=page][href$="/${tab}"]`);
    if (tab === 'recs') {
      await page.getByRole('button', { name: 'Thêm kiến nghị' }).click();
    }
    await axe(page, 'meeting ' + tab);
    await shot(page, 'screen-' + tab);
  }
  for (const screen of ['visits', 'conflicts', 'settings', 'inbox', 'assignments']) {
    await page.goto(`${base}/#/${screen}`);
    await page.waitForSelector('h1.title');
    await axe(page, screen);
    await shot(page, 'screen-' + screen);
  }
  // The supervisors' screen, with its suggestions and officials loaded.
  const sup = await device(browser);
  await login(sup.page, 'giamsat');
  await sup.page.goto(`${base}/#/assign`);
  await sup.page.waitForSelector('label.pick input');
  await sup.page.fill('#find-cell', 'an');
  await axe(sup.page, 'assign');
  await shot(sup.page, 'screen-assign');
  // Coverage, with its lists loaded.
  await sup.page.goto(`${base}/#/supervise`);
  await sup.page.waitForSelector('section.figs .fig');
  await sup.page.waitForSelector('li.official');
  await sup.page.waitForSelector('section:has(#sv-absentees) :is(li.absentee, p.muted)');
  await axe(sup.page, 'supervise');
  await shot(sup.page, 'screen-supervise');
  // The monthly report, on screen and as it prints.
  await sup.page.goto(`${base}/#/report`);
  await sup.page.waitForSelector('table.summary tbody tr');
  await sup.page.waitForSelector('.uplot canvas');
  await axe(sup.page, 'report');
  await shot(sup.page, 'screen-report');
  await sup.page.emulateMedia({ media: 'print' });
  await axe(sup.page, 'report (print)');
  await sup.page.emulateMedia({ media: 'screen' });
  // Recommendations: the list and one recommendation with its steps.
  await sup.page.goto(`${base}/#/recs`);
  await sup.page.waitForSelector('a.rec');
  await sup.page.waitForSelector('p.stats-line');
  await sup.page.click('.rec-stats summary');
  await sup.page.waitForSelector('table.recstats');
  await axe(sup.page, 'recs');
  await sup.page.click('a.rec');
  await sup.page.waitForSelector('ol.history li');
  await axe(sup.page, 'rec');
  await shot(sup.page, 'screen-rec');
});
