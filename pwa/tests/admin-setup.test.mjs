// A province sets itself up without a technician (issue 11): on an empty installation whose only account is the
// first administrator made by `chibo create-admin`, the administrator, on a 360 px phone and through the screens
// alone, builds the province, a commune and two cells, imports the commune's roster from a messy workbook as an
// office keeps it (title lines, decomposed Unicode, extra spaces, birth as a year, a date or an Excel serial, a
// "Trạng thái" column mixing membership and activity, a cell column), imports the officials of a standing
// committee's decision from another workbook, grants a cell's secretary, sets the province's meeting schedule and
// adds a recommendation field. Then the imported official signs in with the password handed over, must change it,
// and finds its two cells with their members on the phone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, synced, shot, axe, today } from './helpers.mjs';
import { rowsOf } from './trust.mjs';
import { xlsx } from './xlsx.mjs';

const site = process.env.CHIBO_E2E_EMPTY_URL;
const adminLogin = process.env.CHIBO_E2E_EMPTY_ADMIN || 'quantri';
const adminPassword = process.env.CHIBO_E2E_EMPTY_PASSWORD;

const browser = await launch();
after(() => browser.close());

const sfx = String(Date.now() % 100000);
const province = `Đảng bộ tỉnh Lâm Thủy ${sfx}`;
const commune = `Đảng bộ xã Kim Thủy ${sfx}`;
const cells = [`Chi bộ thôn Bến Tắt ${sfx}`, `Chi bộ thôn Cẩm Lý ${sfx}`];
const nfd = (s) => s.normalize('NFD');
const wide = (page) => page.evaluate(() => document.documentElement.scrollWidth);

async function signIn(page, username, password) {
  await page.goto(site + '/');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

// addUnit fills the form that adds a unit (under the unit on screen, or a province at the top of the tree).
async function addUnit(page, name, kind) {
  const open = page.locator('button:has-text("Thêm tổ chức trực thuộc")');
  if (await open.count()) await open.click();
  if (kind && (await page.locator('#og-new-kind').count())) await page.selectOption('#og-new-kind', kind);
  await page.fill('#og-new-name', name);
  await page.click('form:has(#og-new-name) button[type=submit]');
  await page.waitForSelector(`a:has-text("${name}")`);
}

test('an administrator sets a province up from nothing on screen; an imported official signs in and finds its cells', { timeout: 300000 }, async () => {
  assert.ok(site && adminPassword, 'CHIBO_E2E_EMPTY_URL and CHIBO_E2E_EMPTY_PASSWORD name the empty installation (go test ./pwa starts it)');
  const y = Number(today().slice(0, 4));
  const { ctx, page } = await device(browser);
  await signIn(page, adminLogin, adminPassword);
  await page.waitForSelector('nav.tabs-main a[href="#/admin"]', { timeout: 30000 });

  // The tree: the province at the top, the commune under it, two cells under the commune.
  await page.click('nav.tabs-main a[href="#/admin"]');
  await page.click('a[href="#/admin/org"]');
  await page.waitForSelector('#og-new-name');
  await addUnit(page, province, 'province');
  await page.click(`a:has-text("${province}")`);
  await page.waitForSelector(`h1:has-text("${province}")`);
  await addUnit(page, commune, 'commune');
  await page.click(`a:has-text("${commune}")`);
  await page.waitForSelector(`h1:has-text("${commune}")`);
  for (const c of cells) await addUnit(page, c, 'cell');
  assert.ok((await wide(page)) <= 360, 'the tree fits the phone');
  await axe(page, 'setup: the commune');
  await shot(page, 'admin-setup-tree');

  // The commune's roster, as the office keeps it, imported in one file with a column naming the cell.
  const roster = [
    [`ĐẢNG BỘ XÃ KIM THỦY ${sfx}`, null, null, null, null, 'ĐẢNG CỘNG SẢN VIỆT NAM'],
    ['DANH SÁCH ĐẢNG VIÊN'],
    [],
    ['STT', 'Họ và tên', 'Năm sinh', 'Giới tính', 'Ngày vào Đảng', 'Trạng thái', 'Chi bộ'],
    [1, '  Nguyễn   Văn  Bến ', 1958, 'Nam', '12/05/1985', 'Chính thức', nfd(`Chi bộ thôn Bến Tắt ${sfx}`)],
    [2, nfd('Lê Thị Tắt'), '03/04/1972', 'Nữ', '01/02/1998', 'chính thức ', `thon Ben Tat ${sfx}`],
    [3, 'Trần Văn Cẩm', 25569, 'Nam', '19/05/1995', 'Tạm miễn sinh hoạt', cells[1]],
    [4, 'Phạm Thị Lý', 1950, 'nữ', '01/01/1975', 'Miễn sinh hoạt', cells[1]],
    [5, 'Võ Văn Mới', 1996, 'Nam', `01/03/${y}`, 'Dự bị', cells[1]],
  ];
  await page.goto(site + '/#/admin/rosters');
  await page.fill('#ro-unit', `kim thuy ${sfx}`);
  await page.click(`button:has-text("${commune}")`);
  await page.waitForSelector('#ro-file');
  await page.setInputFiles('#ro-file', { name: 'danh-sach-dang-vien.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx(roster) });
  await page.click('button:has-text("Xem trước")');
  await page.waitForSelector('#ro-preview tbody tr');
  assert.match(await page.textContent('#ro-summary'), /5 dòng: 4 thêm mới, 0 cập nhật, 0 không đổi, 1 cần lưu ý, 0 lỗi/);
  assert.ok((await wide(page)) <= 360, 'the preview fits the phone');
  await axe(page, 'setup: roster preview');
  await page.click('button:has-text("Nhập 5 dòng")');
  await page.waitForSelector('text=Đã nhập: 5 thêm mới');
  await shot(page, 'admin-setup-roster');

  // The officials of the standing committee's decision: one visits both cells, one supervises the commune.
  const official = `Hồ Văn Dự ${sfx}`;
  const secretary = `Đinh Thị Thư ${sfx}`;
  const decision = [
    [`ĐẢNG BỘ XÃ KIM THỦY ${sfx}`, null, null, null, 'ĐẢNG CỘNG SẢN VIỆT NAM'],
    ['DANH SÁCH CÁN BỘ ĐƯỢC PHÂN CÔNG DỰ SINH HOẠT CHI BỘ'],
    [],
    ['STT', 'Họ và tên', 'Chức vụ', 'Điện thoại', 'Đơn vị công tác', 'Vai trò', 'Phạm vi', 'Từ ngày', 'Đến ngày', 'Chi bộ phụ trách'],
    [1, nfd(` ${official} `), 'Phó Bí thư Đảng ủy', '0912 000 222', `xa Kim Thuy ${sfx}`, 'Cán bộ dự sinh hoạt', '', `01/01/${y}`, `31/12/${y}`,
      `${cells[0]}; Cẩm Lý ${sfx}`],
    [2, `Lưu Văn Sát ${sfx}`, 'Trưởng ban Xây dựng Đảng', '', commune, 'Giám sát', '', `01/01/${y}`, '', ''],
    [3, secretary, 'Bí thư chi bộ', '', `xa Kim Thuy ${sfx}`, 'Cán bộ dự sinh hoạt', '', `01/01/${y}`, `31/12/${y}`, cells[0]],
  ];
  await page.goto(site + '/#/admin/users/import');
  await page.fill('#im-unit', `kim thuy ${sfx}`);
  await page.click(`button:has-text("${commune}")`);
  await page.fill('#im-dn', '07-QĐ/ĐU');
  await page.fill('#im-dd', `${y}-01-02`);
  await page.setInputFiles('#im-file', { name: 'quyet-dinh-07.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx(decision) });
  await page.click('button:has-text("Xem trước")');
  await page.waitForSelector('table.preview');
  await page.click('button:has-text("Nhập 3 dòng")');
  await page.waitForSelector('table.credentials');
  const creds = await page.$$eval('table.credentials tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  const mine = creds.find((c) => c[0] === official);
  assert.ok(mine, `the official among the new accounts: ${JSON.stringify(creds)}`);
  const [, username, password] = mine;
  await axe(page, 'setup: passwords');

  // A role granted by hand: the secretary of the first cell.
  await page.goto(site + '/#/admin/users');
  await page.fill('#us-q', `dinh thi thu ${sfx}`);
  await page.click(`a.row:has-text("${secretary}")`);
  await page.waitForSelector('#g-role');
  await page.selectOption('#g-role', 'secretary');
  await page.fill('#g-unit', `ben tat ${sfx}`);
  await page.click(`ul.rows button:has-text("${cells[0]}")`);
  await page.click('form:has(#g-role) button[type=submit]');
  await page.waitForSelector(`section[aria-labelledby=ud-grants] li:has-text("Bí thư chi bộ")`);

  // The province's meeting schedule: the 5th of every month.
  await page.goto(site + '/#/admin/schedules');
  await page.fill('#sc-find', `lam thuy ${sfx}`);
  await page.click(`button:has-text("${province}")`);
  await page.waitForSelector('#sc-day');
  await page.fill('#sc-day', '5');
  await page.click('button:has-text("Lưu lịch")');
  await page.waitForSelector('text=Tổ chức này có lịch riêng.');

  // A recommendation field of the province's own.
  await page.goto(site + '/#/admin/reference');
  await page.waitForSelector('#rf-nv');
  await page.fill('#rf-nv', 'Chuyển đổi số');
  await page.click('form:has(#rf-nv) button');
  await page.waitForSelector('section[aria-labelledby=rf-fields] li:has-text("Chuyển đổi số")');
  assert.ok((await wide(page)) <= 360, 'the reference data fit the phone');
  await ctx.close();

  // The official signs in with the password it was handed, chooses its own, and finds its cells and their members.
  const o = await device(browser);
  await signIn(o.page, username, password);
  await o.page.waitForSelector('#change-password', { timeout: 20000 });
  await o.page.fill('#current-password', password);
  await o.page.fill('#new-password', 'kim-thuy-que-toi');
  await o.page.fill('#new-password-again', 'kim-thuy-que-toi');
  await o.page.click('#change-password button[type=submit]');
  await o.page.waitForSelector('h1.hello', { timeout: 30000 });
  await synced(o.page, 60000);
  await o.page.goto(site + '/#/assignments');
  for (const c of cells) await o.page.waitForSelector(`text=${c}`, { timeout: 60000 });
  const members = (await rowsOf(o.page, 'members')).map((m) => m.full_name).sort();
  assert.deepEqual(members, ['Lê Thị Tắt', 'Nguyễn Văn Bến', 'Phạm Thị Lý', 'Trần Văn Cẩm', 'Võ Văn Mới'], 'the roster, cleaned, on the phone');
  assert.ok((await rowsOf(o.page, 'recommendation_fields')).some((f) => f.name_vi === 'Chuyển đổi số'), 'the province\'s field on the phone');
  await shot(o.page, 'admin-setup-official');
  await o.ctx.close();
});
