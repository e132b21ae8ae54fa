// The administrators' org tree and schedules screens, on units the test makes itself under the demo province (a
// new commune with two cells), never on the demo's own: an administrator builds the commune and its cells on screen,
// finds it by a search without tone marks, merges the two cells (previewed, then confirmed, by keyboard), follows
// the links between the old cells and the new one, splits the new cell again, renames the commune, gives a cell its
// own schedule and moves and cancels a month's meeting; a supervisor reads the same screens without a way to change
// them. At 360 px, with axe on every screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, axe, shot, client, base, today } from './helpers.mjs';

const stamp = String(Date.now() % 100000); // digits only: letters could spell an English word the wording walk refuses
const commune = `Đảng bộ xã Thử Nghiệm ${stamp}`;
const addDays = (iso, n) => new Date(Date.parse(iso + 'T00:00:00Z') + n * 86400e3).toISOString().slice(0, 10);
const nextMonth = () => {
  const d = new Date(Date.parse(today().slice(0, 7) + '-01T00:00:00Z'));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};

async function noSideScroll(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 360, `${name}: ${w}px wide at 360px`);
}

// create fills the "add a unit under it" form of the unit on screen.
async function create(page, name, kind) {
  await page.click('button:has-text("Thêm tổ chức trực thuộc")');
  if (kind) await page.selectOption('#og-new-kind', kind);
  await page.fill('#og-new-name', name);
  await page.click('form:has(#og-new-name) button[type=submit]');
  await page.waitForSelector(`a:has-text("${name}")`);
}

test('an administrator builds, merges and splits units, and sets a schedule; a supervisor reads', { timeout: 240000 }, async () => {
  const { call } = await client('admin');
  const roots = await call('GET', '/api/v1/org-units?roots=true');
  const province = roots.body.items[0];
  assert.ok(province, 'the demo province');

  const browser = await launch();
  try {
    const { page } = await device(browser);
    await login(page, 'admin');
    await page.goto(base + '/#/admin/org');
    await page.waitForSelector(`a:has-text("${province.name}")`);
    await axe(page, 'org top');
    await page.click(`a:has-text("${province.name}")`);
    await page.waitForSelector('h1:has-text("' + province.name + '")');
    await create(page, commune, 'commune');

    // The commune, found without tone marks from the top of the tree.
    await page.goto(base + '/#/admin/org');
    await page.fill('#og-q', `thu nghiem ${stamp}`);
    await page.click(`a:has-text("${commune}")`);
    await page.waitForSelector(`h1:has-text("${commune}")`);
    await create(page, `Chi bộ thôn Đông ${stamp}`);
    await create(page, `Chi bộ thôn Tây ${stamp}`);
    await axe(page, 'org commune');
    await noSideScroll(page, 'org commune');

    // Two members in each cell (the rosters are another screen's).
    const cells = (await call('GET', '/api/v1/org-units?q=' + encodeURIComponent(stamp) + '&kind=cell')).body.items;
    assert.equal(cells.length, 2);
    const memberIds = [];
    for (const c of cells) {
      for (const n of ['Nguyễn Văn An', 'Lê Thị Bình']) {
        const r = await call('POST', '/api/v1/members', { cell_id: c.id, full_name: `${n} ${stamp}` });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        memberIds.push(r.body.id);
      }
    }

    // Merge by keyboard: tick both cells, name the new one, preview, confirm.
    for (const c of cells) {
      await page.focus(`input[aria-label="Chọn ${c.name} để hợp nhất"]`);
      await page.keyboard.press('Space');
    }
    await page.fill('#og-merge-name', `Chi bộ thôn Đông Tây ${stamp}`);
    await page.focus('#og-merge-name');
    await page.keyboard.press('Enter');
    const confirm = page.locator('.notice[role=status]');
    await confirm.waitFor();
    const text = await confirm.textContent();
    assert.match(text, /4 đảng viên/, text);
    assert.match(text, new RegExp('giải thể ngày ' + addDays(today(), -1).split('-').reverse().join('/')), text);
    await axe(page, 'merge preview');
    await shot(page, 'admin-org-merge');
    await page.click('button:has-text("Xác nhận hợp nhất")');
    await page.waitForSelector(`h1:has-text("Chi bộ thôn Đông Tây ${stamp}")`);
    await page.waitForSelector('h2:has-text("Hình thành từ")');
    await axe(page, 'merged cell');
    const succId = page.url().split('/').pop();

    // Every member is in the new cell; the old cells are closed and lead to it.
    const ms = (await call('GET', '/api/v1/members?limit=50&cell_id=' + succId)).body.items;
    assert.deepEqual(ms.map((m) => m.id).sort(), [...memberIds].sort());
    await page.click(`a:has-text("Chi bộ thôn Đông ${stamp}")`);
    await page.waitForSelector('h2:has-text("Đã chuyển thành")');
    assert.ok(await page.isVisible('.pill:has-text("Đã giải thể")'), 'the old cell says it is closed');
    await page.click(`a:has-text("Chi bộ thôn Đông Tây ${stamp}")`);
    await page.waitForSelector(`h1:has-text("Chi bộ thôn Đông Tây ${stamp}")`);

    // Split it again from tomorrow: one member goes to the second part.
    await page.click('button:has-text("Chia tách")');
    await page.fill('#og-part-0', `Chi bộ Bắc ${stamp}`);
    await page.fill('#og-part-1', `Chi bộ Nam ${stamp}`);
    await page.selectOption('#og-sp-' + memberIds[0], '1');
    await page.fill('#og-split-on', addDays(today(), 1));
    await page.click('button:has-text("Xem trước")');
    await page.waitForSelector('.notice:has-text("4 đảng viên")');
    await axe(page, 'split preview');
    await page.click('button:has-text("Xác nhận chia tách")');
    await page.waitForSelector('h2:has-text("Đã chuyển thành")');
    const parts = (await call('GET', '/api/v1/org-units/' + succId)).body.successors;
    assert.deepEqual(parts.map((p) => p.name).sort(), [`Chi bộ Bắc ${stamp}`, `Chi bộ Nam ${stamp}`]);
    const south = parts.find((p) => p.name.startsWith('Chi bộ Nam'));
    const southMembers = (await call('GET', '/api/v1/members?cell_id=' + south.id)).body.items;
    assert.deepEqual(southMembers.map((m) => m.id), [memberIds[0]]);

    // A refused change says why, in Vietnamese: the commune cannot close while its cells are open.
    const communeId = (await call('GET', '/api/v1/org-units?kind=commune&q=' + encodeURIComponent(stamp))).body.items[0].id;
    await page.goto(base + '/#/admin/org/' + communeId);
    await page.click('button:has-text("Sửa tên, mã, ngày")');
    await page.fill('#og-closed', today());
    await page.click('form:has(#og-closed) button[type=submit]');
    await page.waitForSelector('[role=alert]:has-text("vẫn còn hoạt động")');
    // Renamed instead.
    await page.fill('#og-closed', '');
    await page.fill('#og-name', commune + ' mới');
    await page.click('form:has(#og-closed) button[type=submit]');
    await page.waitForSelector(`h1:has-text("${commune} mới")`);

    // The cell's own schedule, then next month's meeting moved to the 20th and cancelled.
    await page.goto(base + '/#/admin/schedules/' + south.id);
    await page.waitForSelector('h2:has-text("Lịch sinh hoạt đang áp dụng")');
    await axe(page, 'schedules');
    await noSideScroll(page, 'schedules');
    await page.fill('#sc-day', '12');
    await page.click('button:has-text("Lưu lịch")');
    await page.waitForSelector('text=Tổ chức này có lịch riêng.');
    const own = (await call('GET', `/api/v1/org-units/${south.id}/schedule`)).body;
    assert.equal(own.own.day_of_month, 12);
    const month = nextMonth();
    await page.fill('#sc-month', month);
    await page.waitForSelector(`text=ngày 12/${month.slice(5)}/${month.slice(0, 4)}`);
    await page.fill('#sc-date', month + '-20');
    await page.fill('#sc-reason', 'Trùng lịch họp của xã');
    await page.click('button:has-text("Dời buổi sinh hoạt")');
    await page.waitForSelector('.pill:has-text("đã dời")');
    let exp = (await call('GET', `/api/v1/schedule/expected?org_unit_id=${south.id}&from=${month}&to=${month}`)).body.items[0];
    assert.equal(exp.date, month + '-20');
    assert.equal(exp.moved, true);
    await page.click('button:has-text("Hủy buổi sinh hoạt tháng này")');
    await page.waitForSelector('.pill:has-text("đã hủy")');
    exp = (await call('GET', `/api/v1/schedule/expected?org_unit_id=${south.id}&from=${month}&to=${month}`)).body.items[0];
    assert.equal(exp.status, 'cancelled');
    await axe(page, 'schedules month');

    // A supervisor reads: no buttons that change anything.
    const sup = await device(browser);
    await login(sup.page, 'giamsat');
    await sup.page.goto(base + '/#/admin/org/' + succId);
    await sup.page.waitForSelector('h2:has-text("Hình thành từ")');
    assert.equal(await sup.page.locator('button:has-text("Chia tách")').count(), 0);
    assert.equal(await sup.page.locator('input[type=checkbox]').count(), 0);
    await axe(sup.page, 'org as supervisor');
    await sup.page.goto(base + '/#/admin/schedules/' + south.id);
    await sup.page.waitForSelector('text=Tổ chức này có lịch riêng.');
    assert.equal(await sup.page.locator('button:has-text("Lưu lịch")').count(), 0);
    assert.equal(await sup.page.locator('button:has-text("Dời buổi sinh hoạt")').count(), 0);
    await noSideScroll(sup.page, 'schedules as supervisor');
  } finally {
    await browser.close();
  }
});
