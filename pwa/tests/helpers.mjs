// Shared by the browser tests: Debian's Chromium driven by playwright-core, a phone-sized device, the API for
// checking what reached the server, axe-core for accessibility, screenshots as artifacts.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export const base = process.env.CHIBO_E2E_URL || 'http://127.0.0.1:8080';
export const artifacts = process.env.CHIBO_E2E_ARTIFACTS || new URL('../test-results/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

export const chromePath = process.env.CHIBO_CHROMIUM || '/usr/bin/chromium';
export const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

export const launch = () => chromium.launch({ executablePath: chromePath, args: flags });

export const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN',
  timezoneId: 'Asia/Ho_Chi_Minh', serviceWorkers: 'allow' };

export async function device(browser) {
  const ctx = await browser.newContext(phone);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  return { ctx, page };
}

export async function login(page, username, password = 'chibo-demo') {
  await page.goto(base + '/');
  await page.fill('#username', username);
  await page.fill('#password', password);
  // The whole suite signs in from one address, which the server lets sign in 20 times at once and then once every
  // 6 seconds: told to wait, a person waits the seconds the message says and taps again.
  for (let tries = 0; ; tries++) {
    await page.click('button[type=submit]');
    const shown = await page.waitForSelector('h1.hello, .error[role=alert]', { timeout: 20000 });
    const text = (await shown.textContent()) || '';
    const wait = /(\d+) giây/.exec(text);
    if (!wait || !(await shown.evaluate((e) => e.matches('.error'))) || tries >= 20) break;
    await page.waitForTimeout(Number(wait[1]) * 1000 + 500);
  }
  await page.waitForSelector('h1.hello', { timeout: 20000 });
  // Signing in ends with the first sync and a move to "#/": wait for it, or it would undo a test's navigation.
  await page.waitForFunction(() => location.hash === '#/', null, { timeout: 60000 });
  await synced(page);
  // The service worker controls the page before a test takes the network away.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
}

// synced waits until the sync bar says nothing is waiting and no sync runs.
export async function synced(page, timeout = 30000) {
  await page.waitForFunction(() => {
    const s = document.querySelector('.syncbar strong');
    return s && /Đã gửi hết|All sent/.test(s.textContent);
  }, null, { timeout });
}

// savedOnDevice waits until the device's outbox in IndexedDB holds a change with this text: from then on it survives
// a reload or a closed app (a fixed pause would not say so on a busy machine).
export async function savedOnDevice(page, text, timeout = 30000) {
  const held = () => page.evaluate((text) => new Promise((resolve) => {
    const open = indexedDB.open('chibo');
    open.onerror = () => resolve(false);
    open.onsuccess = () => {
      const d = open.result;
      const all = d.transaction('outbox').objectStore('outbox').getAll();
      all.onerror = () => (d.close(), resolve(false));
      all.onsuccess = () => (d.close(), resolve(all.result.some((m) => JSON.stringify(m.fields || {}).includes(text))));
    };
  }), text);
  for (const end = Date.now() + timeout; !(await held()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error('never saved on the device: ' + text);
  }
}

export async function shot(page, name) {
  await page.screenshot({ path: `${artifacts}/${name}.png` });
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe runs axe-core on the page and fails on serious or critical violations.
export async function axe(page, name) {
  await page.evaluate(axeSource); // through the DevTools protocol, which the page's CSP does not govern
  const res = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [],
    `axe on ${name}`);
}

// api calls the server as a user, for checking what reached it.
export async function api(username) {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'chibo-demo' }) });
  assert.equal(r.status, 200, 'login for the API check');
  const { access_token } = await r.json();
  return async (path) => {
    const res = await fetch(base + path, { headers: { Authorization: 'Bearer ' + access_token } });
    assert.equal(res.status, 200, path);
    return res.json();
  };
}

// eventually syncs the page again and again until check() holds: another device's change reaches this one once
// the server's horizon passes it, which a long transaction elsewhere on the database server can delay.
export async function eventually(page, check, timeout = 90000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('the change never arrived');
    await page.click('.syncbar button');
    await synced(page);
    await page.waitForTimeout(500);
  }
}

// client signs in to the API as a user and returns call(method, path, body) → {status, body}, and the user. An
// expired access token (the tests' last 8 seconds) is refreshed, not signed in again: logins are rate-limited per
// address, and the whole suite comes from one.
export async function client(username) {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'chibo-demo' }) });
  assert.equal(r.status, 200, 'login for the API');
  let { access_token, refresh_token, user } = await r.json();
  const send = (method, path, body) => fetch(base + path, { method, headers: { Authorization: 'Bearer ' + access_token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const call = async (method, path, body) => {
    let res = await send(method, path, body);
    if (res.status === 401 && refresh_token) {
      const rr = await fetch(base + '/api/v1/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token }) });
      assert.equal(rr.status, 200, 'refresh for the API');
      ({ access_token, refresh_token } = await rr.json());
      res = await send(method, path, body);
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { call, user };
}

// today is the date in Asia/Ho_Chi_Minh, "2026-12-01".
export const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);

// shown returns the notifications the service worker shows now: those with a tag, or all.
export const shown = (page, tag) => page.evaluate((tag) => navigator.serviceWorker.ready
  .then((r) => r.getNotifications(tag ? { tag } : undefined))
  .then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, data: n.data }))), tag);

// until calls f every 200 ms until it returns something truthy, and returns that; after timeout ms it throws
// "timed out waiting for <what>".
export async function until(f, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// pushes lets a test send web pushes to the app in page, as a push service would: it allows notifications for the
// app and watches its service worker's registration through a CDP session, which it returns (cdp) for the test's
// other uses. Call it before signing in. push(data, tag) delivers data (CDP's ServiceWorker.deliverPushMessage) once
// the worker is active, and again every 3 seconds until a notification with the tag is shown, as a push service
// retries: a message that reaches a worker still starting (an idle one is stopped after 30 seconds) can be dropped,
// and the tests failed so now and then on a busy machine. It returns the notifications shown with that tag.
export async function pushes(ctx, page) {
  await ctx.grantPermissions(['notifications'], { origin: base });
  const cdp = await ctx.newCDPSession(page);
  const regs = new Map();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => e.registrations.forEach((r) => regs.set(r.scopeURL, r)));
  await cdp.send('ServiceWorker.enable');
  const push = async (data, tag, timeout = 20000) => {
    const reg = await until(() => [...regs.values()].find((r) => r.scopeURL === base + '/' && !r.isDeleted), 'the registration', 20000);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const end = Date.now() + timeout;
    let sent = 0;
    for (;;) {
      if (Date.now() - sent > 3000) {
        sent = Date.now();
        await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: reg.registrationId, data });
      }
      const ns = await shown(page, tag);
      if (ns.length) return ns;
      if (Date.now() > end) throw new Error('timed out waiting for the notification ' + tag);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { cdp, push };
}
