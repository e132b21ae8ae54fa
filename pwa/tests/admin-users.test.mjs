// The administrators' users and audit screens, on units and users the test makes itself (a commune of its own
// under the demo province), so the demo data other tests rely on is untouched: an import of officials from a real,
// messy XLSX list (title rows, headers with line breaks, decomposed Unicode, a unit written without diacritics, a bad
// row), its preview filtered by outcome, the commit with the one-time passwords, the user's page (roles with dates,
// assignments with the decision, a password reset), the audit log filtered with before and after in words; then
// the imported official signs in, must change the password and sees its cells; a supervisor only reads.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { xlsx } from './xlsx.mjs';
import { launch, device, login, synced, shot, base, axe, today } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());


const nfd = (s) => s.normalize('NFD');
const fitsPhone = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

// The import runs on the empty installation the suite provides (CHIBO_E2E_EMPTY_URL, its first administrator made
// by `chibo create-admin`), in a province of the test's own; run alone against a demo server, it makes a commune of
// its own under the demo province instead. Names carry a suffix so a second run on the same server makes new ones.
const emptyUrl = process.env.CHIBO_E2E_EMPTY_URL;
const site = emptyUrl || base;
const adminLogin = emptyUrl ? process.env.CHIBO_E2E_EMPTY_ADMIN || 'quantri' : 'admin';
const adminPassword = emptyUrl ? process.env.CHIBO_E2E_EMPTY_PASSWORD : 'chibo-demo';
const sfx = String(Date.now() % 100000);
const communeName = `Đảng bộ xã Hướng Lập ${sfx}`;
const cellNames = [`Chi bộ thôn Cù Bai ${sfx}`, `Chi bộ thôn Tà Rùng ${sfx}`];

// siteClient signs in to the site's API and returns call(method, path, body) → {status, body}, refreshing the access
// token when it expires (the suite's tokens last 8 seconds).
async function siteClient(username, password) {
  const post = (path, body) => fetch(site + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const r = await post('/api/v1/auth/login', { username, password });
  assert.equal(r.status, 200, 'login for the API');
  let { access_token, refresh_token } = await r.json();
  const send = (method, path, body) => fetch(site + path, { method, headers: { Authorization: 'Bearer ' + access_token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return async (method, path, body) => {
    let res = await send(method, path, body);
    if (res.status === 401) {
      const rr = await post('/api/v1/auth/refresh', { refresh_token });
      assert.equal(rr.status, 200, 'refresh for the API');
      ({ access_token, refresh_token } = await rr.json());
      res = await send(method, path, body);
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

// signIn signs in on the site's app and waits for the first sync.
async function signIn(page, username, password) {
  await page.goto(site + '/');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1.hello', { timeout: 20000 });
  await page.waitForFunction(() => location.hash === '#/', null, { timeout: 60000 });
  await synced(page);
}

test('import officials from a decision list, manage them, read the audit log; the official signs in and sees its cells', async () => {
  const call = await siteClient(adminLogin, adminPassword);
  let province;
  if (emptyUrl) {
    const r = await call('POST', '/api/v1/org-units', { name: `Đảng bộ tỉnh Thử Nghiệm ${sfx}`, kind: 'province' });
    assert.equal(r.status, 201, 'the province');
    province = r.body;
  } else {
    province = (await call('GET', '/api/v1/org-units?roots=true')).body.items[0];
  }
  const commune = (await call('POST', '/api/v1/org-units', { name: communeName, kind: 'commune', parent_id: province.id })).body;
  assert.ok(commune.id, 'the commune was made');
  for (const name of cellNames) {
    const r = await call('POST', '/api/v1/org-units', { name, kind: 'cell', parent_id: commune.id });
    assert.equal(r.status, 201, name);
  }
  const y = today().slice(0, 4);
  const head = [
    ['ĐẢNG BỘ XÃ HƯỚNG LẬP', null, null, null, 'ĐẢNG CỘNG SẢN VIỆT NAM'],
    ['BAN THƯỜNG VỤ'],
    ['DANH SÁCH CÁN BỘ ĐƯỢC PHÂN CÔNG DỰ SINH HOẠT CHI BỘ'],
    [],
    ['STT', ' Họ và tên\n(ghi đầy đủ) ', 'Chức vụ', 'Điện thoại', 'Đơn vị  công tác', 'Vai trò', 'Phạm vi', 'Từ ngày', 'Đến ngày', 'Chi bộ\nphụ trách'],
  ];
  const official = `Hồ Văn Thử ${sfx}`;
  const rows = [
    // Decomposed Unicode and extra spaces; the commune and a cell written without diacritics.
    [1, nfd(`  Hồ  Văn Thử ${sfx} `), 'Phó Bí thư Đảng ủy', '0912 000 111', `xa Huong Lap ${sfx}`, nfd('Cán bộ dự sinh hoạt'), '', `01/01/${y}`, `31/12/${y}`,
      `Chi bo thon Cu Bai ${sfx}; Tà Rùng ${sfx}`],
    [2, `Lê Thị Giám ${sfx}`, 'Trưởng ban Xây dựng Đảng', '', communeName, 'Giám sát', '', `01/01/${y}`, '', ''],
  ];
  const bad = [[3, `Trần Văn Sai ${sfx}`, '', '', '', 'Thư ký', '', '', '', '']];
  const foot = [[], [null, null, null, null, null, 'T/M BAN THƯỜNG VỤ'], [null, null, null, null, null, 'BÍ THƯ']];

  const { ctx, page } = await device(browser);
  await signIn(page, adminLogin, adminPassword);
  await page.goto(site + '/#/admin/users/import');
  await page.waitForSelector('#im-unit');
  await page.fill('#im-unit', `huong lap ${sfx}`);
  await page.click(`button:has-text("${communeName}")`);
  await page.fill('#im-dn', `125-QĐ/ĐU`);
  await page.fill('#im-dd', `${y}-01-02`);
  await page.setInputFiles('#im-file', { name: 'quyet-dinh-125.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([...head, ...rows, ...bad, ...foot]) });
  await page.click('button:has-text("Xem trước")');
  await page.waitForSelector('table.preview');
  // The bad row is an error naming its line and column, with the accepted values; nothing can be imported yet.
  assert.match(await page.textContent('[role=status]'), /3 dòng: 2 thêm mới, 0 cập nhật, 0 không đổi, 0 cần lưu ý, 1 lỗi/);
  await page.selectOption('#im-filter', 'error');
  assert.equal(await page.locator('table.preview tbody tr').count(), 1);
  const errText = await page.textContent('table.preview tbody tr');
  assert.match(errText, /^8/, 'the error is on line 8');
  assert.match(errText, /Cột "Vai trò": Vai trò "Thư ký" không nhận ra\. Các giá trị được chấp nhận: Quản trị, Giám sát/);
  assert.equal(await page.locator('button:has-text("Nhập ")').count(), 0, 'no commit with errors');
  assert.ok(await fitsPhone(page), 'the preview fits 360 px');
  await axe(page, 'users import preview');
  await shot(page, 'admin-users-preview-error');

  // Fixed, previewed again, committed: the one-time passwords are shown once.
  await page.setInputFiles('#im-file', { name: 'quyet-dinh-125.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([...head, ...rows, ...foot]) });
  await page.click('button:has-text("Xem trước")');
  await page.waitForSelector('table.preview');
  await page.selectOption('#im-filter', 'create');
  assert.equal(await page.locator('table.preview tbody tr').count(), 2);
  assert.match(await page.textContent('table.preview'), new RegExp(`Dự sinh hoạt: ${cellNames[0]}; ${cellNames[1]}`));
  await page.click('button:has-text("Nhập 2 dòng")');
  await page.waitForSelector('table.credentials');
  assert.match(await page.textContent('[role=status]'), /2 tài khoản mới, 0 tài khoản cập nhật, 2 quyền, 2 phân công/);
  const creds = await page.$$eval('table.credentials tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  const mine = creds.find((c) => c[0] === official);
  assert.ok(mine, 'the official is among the new accounts');
  const [, username, firstPassword] = mine;
  assert.match(username, /^thuhv/);
  assert.ok(await fitsPhone(page), 'the passwords fit 360 px');
  await axe(page, 'users import done');
  await shot(page, 'admin-users-imported');

  // The user's page: its role with dates, its assignments with the decision; a password reset shows a new one once.
  await page.goto(site + '/#/admin/users');
  await page.fill('#us-q', `ho van thu ${sfx}`);
  await page.click(`a.row:has-text("${official}")`);
  await page.waitForSelector('#ud-grants');
  const grants = await page.textContent('section[aria-labelledby=ud-grants]');
  assert.match(grants, new RegExp(`Cán bộ dự sinh hoạt · ${communeName}`));
  assert.match(grants, new RegExp(`01/01/${y} – 31/12/${y}`));
  await page.waitForSelector(`section[aria-labelledby=ud-as] li:has-text("${cellNames[1]}")`);
  assert.match(await page.textContent('section[aria-labelledby=ud-as]'), new RegExp(`Theo Quyết định số 125-QĐ/ĐU ngày 02/01/${y}`));
  await page.click('button:has-text("Đặt lại mật khẩu")');
  await page.click('p.actions button.primary:has-text("Đặt lại mật khẩu")');
  await page.waitForSelector('.otp strong');
  const password = (await page.textContent('.otp strong')).trim();
  assert.notEqual(password, firstPassword);
  assert.ok(await fitsPhone(page));
  await axe(page, 'user page');
  await shot(page, 'admin-user-page');

  // The audit log of the test's commune, assignments only: the decision in words, no raw data on screen.
  await page.goto(site + '/#/admin/audit');
  await page.fill('#au-unit', `huong lap ${sfx}`);
  await page.click(`button:has-text("${communeName}")`);
  await page.selectOption('#au-table', 'assignment');
  // The list is read in the same step that sees the filter applied: every entry an assignment, the decision among
  // them (a list read after a separate wait could be the one the filter is about to replace, or empty meanwhile).
  const log = await (await page.waitForFunction(() => {
    const lis = [...document.querySelectorAll('ul.audit li')];
    const text = document.querySelector('ul.audit')?.textContent || '';
    return lis.length > 0 && lis.every((li) => / · Phân công/.test(li.querySelector('strong')?.textContent || '')) && /Thêm · Phân công/.test(text) && text;
  })).jsonValue();
  assert.match(log, /Thêm · Phân công/);
  assert.match(log, /Số quyết định—125-QĐ\/ĐU/);
  assert.match(log, new RegExp(`Ngày bắt đầu—01/01/${y}`));
  assert.doesNotMatch(log, /[{}"]|_id|official|starts_on|[0-9a-f]{8}-[0-9a-f]{4}/, 'no raw data or codes');
  assert.ok(await fitsPhone(page));
  await axe(page, 'audit log');
  await shot(page, 'admin-audit');
  await ctx.close();

  // The imported official signs in with the password it was handed, must change it, then sees its two cells.
  const o = await device(browser);
  await o.page.goto(site + '/');
  await o.page.fill('#username', username);
  await o.page.fill('#password', password);
  await o.page.click('button[type=submit]');
  await o.page.waitForSelector('#change-password', { timeout: 20000 });
  await o.page.fill('#current-password', password);
  await o.page.fill('#new-password', 'que-huong-dat-do');
  await o.page.fill('#new-password-again', 'que-huong-dat-do');
  await o.page.click('#change-password button[type=submit]');
  await o.page.waitForSelector('h1.hello', { timeout: 30000 });
  await o.page.goto(site + '/#/assignments');
  for (const name of cellNames) await o.page.waitForSelector(`text=${name}`, { timeout: 60000 });
  await shot(o.page, 'admin-users-official');
  await o.ctx.close();
});

test('a supervisor reads the users and the audit log without a way to change them', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'giamsat');
  await page.goto(base + '/#/admin/users');
  await page.waitForSelector('ul.rows a.row');
  assert.equal(await page.locator('a[href="#/admin/users/new"], a[href="#/admin/users/import"]').count(), 0);
  await page.click('ul.rows a.row');
  await page.waitForSelector('#ud-grants');
  assert.equal(await page.locator('button:has-text("Đặt lại mật khẩu"), button:has-text("Khóa tài khoản"), button:has-text("Cấp quyền")').count(), 0);
  await axe(page, 'user page, read only');
  await page.goto(base + '/#/admin/audit');
  await page.waitForSelector('#au-table');
  assert.ok(await fitsPhone(page));
  await axe(page, 'audit log, supervisor');
  await ctx.close();
});
