// A password change the administrator requires: the official signs in, sees only the change-password screen,
// chooses a new password (the server's rules apply), and goes on into the app with it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, shot, base, client, axe } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

const loginAs = (username, password) => fetch(base + '/api/v1/auth/login', { method: 'POST',
  headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });

test('a user who must change the password gets the change screen first, then the app', async () => {
  const admin = await client('admin');
  const users = await admin.call('GET', '/api/v1/users?q=bithu3');
  const user = users.body.items.find((u) => u.username === 'bithu3');
  assert.ok(user, 'bithu3 is a demo user');
  const set = await admin.call('PATCH', '/api/v1/users/' + user.id, { must_change_password: true });
  assert.equal(set.status, 200);

  const { ctx, page } = await device(browser);
  await page.goto(base + '/');
  await page.fill('#username', 'bithu3');
  await page.fill('#password', 'chibo-demo');
  await page.click('button[type=submit]');
  await page.waitForSelector('#change-password', { timeout: 20000 });
  assert.equal(await page.locator('h1.hello').count(), 0, 'no other screen before the change');
  await axe(page, 'change password');
  await shot(page, 'password-required');

  // A common password is refused with the server's message, in Vietnamese.
  await page.fill('#current-password', 'chibo-demo');
  await page.fill('#new-password', 'matkhau123');
  await page.fill('#new-password-again', 'matkhau123');
  await page.click('#change-password button[type=submit]');
  await page.waitForSelector('#change-password .error');
  assert.match(await page.textContent('#change-password .error'), /phổ biến/);

  await page.fill('#new-password', 'lua-chin-vang-dong');
  await page.fill('#new-password-again', 'lua-chin-vang-dong');
  await page.click('#change-password button[type=submit]');
  await page.waitForSelector('h1.hello', { timeout: 30000 });
  await shot(page, 'password-changed');

  const old = await loginAs('bithu3', 'chibo-demo');
  assert.equal(old.status, 401, 'the old password no longer works');
  const fresh = await loginAs('bithu3', 'lua-chin-vang-dong');
  assert.equal(fresh.status, 200);
  assert.equal((await fresh.json()).must_change_password, false);
  await ctx.close();
});
