// The administrators' rosters screen, as a Ban Tổ chức officer uses it on a phone: find a cell, download the
// template, import the roster file the office keeps (title lines, decomposed Unicode, extra spaces, birth years and
// dates mixed, a "Trạng thái" column mixing membership and activity, bad rows), read every row's outcome in the
// preview, filter the errors, import the corrected file, then edit a member (a temporary exemption with its end
// date, a transfer to another cell). A supervisor reads the same screen without the import. The test makes its
// own commune and cells so no other test's data changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, client, axe, shot, base } from './helpers.mjs';

const nfd = (s) => s.normalize('NFD');

// messyCsv is the roster as Excel saves it ("CSV UTF-8", semicolons): title lines above the header, then the
// members. bad adds the rows an office gets wrong.
function messyCsv(bad) {
  const lines = [
    ['ĐẢNG BỘ XÃ THỬ NHẬP', '', '', '', 'ĐẢNG CỘNG SẢN VIỆT NAM'],
    ['DANH SÁCH ĐẢNG VIÊN'],
    [''],
    ['STT', 'Họ và tên đảng viên', 'Ngày, tháng, năm sinh', 'Giới tính', 'Số thẻ ĐV', 'Ngày vào Đảng', 'Trạng thái', 'Ghi chú'],
  ];
  const year = new Date().getFullYear();
  const rows = [
    ['  Nguyễn   Văn  Thử ', '1960', 'Nam', '', '12/05/1985', 'Chính thức', ''],
    [nfd('Lê Thị Hòa Nhập'), '03/04/1972', 'Nữ', '', '01/02/1998', 'chính thức ', ''],
    ['Trần Văn Tạm', '25569', 'Nam', '', '19/05/1995', 'Tạm miễn sinh hoạt', 'đi làm ăn xa'],
    ['Phạm Thị Miễn', '1950', 'nữ', '', '01/01/1975', 'Miễn sinh hoạt', ''],
    ['Võ Văn Dự', '1995', 'Nam', '', vnDay(-100), 'Dự bị', ''],
  ];
  if (bad) {
    rows.push(['Hồ Văn Tương Lai', String(year + 3), 'Nam', '', '', 'Chính thức', '']);
    rows.push(['Đặng Văn Sai', '1970', 'Nam', '', '01/01/1980', 'Đang công tác xa', '']);
  }
  rows.forEach((r, i) => lines.push([String(i + 1), ...r]));
  return '\uFEFF' + lines.map((l) => l.map((c) => (/[;"\n]/.test(c) ? '"' + c.replaceAll('"', '""') + '"' : c)).join(';')).join('\r\n') + '\r\n';
}

// vnDay is a day relative to today, dd/mm/yyyy.
function vnDay(days) {
  const d = new Date(Date.now() + days * 86400e3);
  return [String(d.getDate()).padStart(2, '0'), String(d.getMonth() + 1).padStart(2, '0'), d.getFullYear()].join('/');
}

test('an administrator imports a messy roster into a new cell and edits a member', { timeout: 240000 }, async () => {
  const admin = await client('admin');
  const suffix = String(Date.now() % 10000000); // digits only (the wording walk reads these names later)
  const roots = await admin.call('GET', '/api/v1/org-units?roots=true&limit=5');
  const province = roots.body.items[0];
  const mk = async (name, kind, parent) => {
    const r = await admin.call('POST', '/api/v1/org-units', { name, kind, parent_id: parent.id, code: '' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const commune = await mk('Đảng bộ xã Thử Nhập ' + suffix, 'commune', province);
  const cell = await mk('Chi bộ thôn Nhập Thử ' + suffix, 'cell', commune);
  const other = await mk('Chi bộ thôn Chuyển Đến ' + suffix, 'cell', commune);

  const browser = await launch();
  try {
    const { ctx, page } = await device(browser);
    await login(page, 'admin');
    await page.goto(base + '/#/admin/rosters');
    await page.waitForSelector('#ro-unit');
    await page.fill('#ro-unit', 'nhap thu ' + suffix); // without tone marks
    await page.click(`button:has-text("Chi bộ thôn Nhập Thử ${suffix}")`);
    await page.waitForSelector('h1:has-text("Nhập Thử")');
    await page.waitForSelector('#ro-file');

    // The template downloads as a workbook.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Tải tệp mẫu")')]);
    assert.equal(dl.suggestedFilename(), 'mau-danh-sach-dang-vien.xlsx');

    // The messy file with its bad rows: every row's outcome, errors by line and column, nothing imported.
    await page.setInputFiles('#ro-file', { name: 'danh-sach.csv', mimeType: 'text/csv', buffer: Buffer.from(messyCsv(true)) });
    await page.click('button:has-text("Xem trước")');
    await page.waitForSelector('#ro-preview tbody tr');
    assert.equal(await page.locator('#ro-preview tbody tr').count(), 7);
    const summary = await page.textContent('#ro-summary');
    assert.match(summary, /7 dòng: 4 thêm mới, 0 cập nhật, 0 không đổi, 1 cần lưu ý, 2 lỗi/);
    assert.equal(await page.locator('button:has-text("Nhập 7 dòng")').count(), 0, 'no import while rows have errors');
    await page.click('.chips button:has-text("Lỗi")');
    assert.equal(await page.locator('#ro-preview tbody tr').count(), 2);
    const errors = await page.textContent('#ro-preview tbody');
    assert.match(errors, /Dòng 10, cột "Ngày, tháng, năm sinh": Năm sinh \d{4} ở tương lai/);
    assert.match(errors, /Dòng 11, cột "Trạng thái": Trạng thái "Đang công tác xa" không nhận ra\. Giá trị hợp lệ: Chính thức, Dự bị, Đang sinh hoạt, Miễn sinh hoạt, Tạm miễn sinh hoạt/);
    await page.click('.chips button:has-text("Cần lưu ý")');
    assert.match(await page.textContent('#ro-preview tbody'), /Dòng 7, cột "Trạng thái": Tạm miễn sinh hoạt chưa có ngày kết thúc/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, 'no horizontal scroll at 360 px, got ' + width);
    await axe(page, 'roster preview');
    await shot(page, 'admin-rosters-preview');

    // The corrected file: preview, import, the roster lists the members with their statuses.
    await page.setInputFiles('#ro-file', { name: 'danh-sach.csv', mimeType: 'text/csv', buffer: Buffer.from(messyCsv(false)) });
    await page.click('button:has-text("Xem trước")');
    await page.click('button:has-text("Nhập 5 dòng")');
    await page.waitForSelector('text=Đã nhập: 5 thêm mới, 0 cập nhật, 0 không đổi.');
    await page.waitForSelector('#ro-members a:has-text("Nguyễn Văn Thử")');
    const list = await page.textContent('#ro-members');
    assert.match(list, /Lê Thị Hòa Nhập/);
    assert.match(list, /Võ Văn Dự[^]*Dự bị/);
    assert.match(list, /Phạm Thị Miễn[^]*Miễn sinh hoạt/);
    assert.match(list, /Trần Văn Tạm[^]*sinh 1970[^]*Tạm miễn sinh hoạt/);
    const members = (await admin.call('GET', '/api/v1/members?limit=50&cell_id=' + cell.id)).body.items;
    assert.equal(members.length, 5);
    assert.ok(members.some((m) => m.full_name === 'Lê Thị Hòa Nhập'), 'names stored in NFC, spaces cleaned');

    // Importing the same file again changes nothing.
    await page.click('button:has-text("Xem trước")');
    await page.waitForSelector('text=0 thêm mới, 0 cập nhật, 4 không đổi, 1 cần lưu ý');

    // Edit a member: the temporary exemption gets its end date; then a transfer to another cell.
    await page.click('#ro-members a:has-text("Trần Văn Tạm")');
    await page.waitForSelector('#ro-status');
    assert.match(await page.textContent('.notice'), /Chưa có ngày kết thúc tạm miễn/);
    await page.fill('#ro-temp_exempt_until', '2027-06-30');
    await page.click('button:has-text("Lưu thay đổi")');
    await page.waitForSelector('text=Đã lưu.');
    await axe(page, 'roster member');
    await page.click('summary:has-text("Chuyển sinh hoạt sang chi bộ khác")');
    await page.fill('#ro-move', 'chuyen den ' + suffix);
    await page.click(`button:has-text("Chi bộ thôn Chuyển Đến ${suffix}")`);
    await page.click('button:has-text("Lưu thay đổi")');
    await page.waitForSelector(`text=Chi bộ: Chi bộ thôn Chuyển Đến ${suffix}`);
    const tam = members.find((m) => m.full_name === 'Trần Văn Tạm');
    const after = (await admin.call('GET', '/api/v1/members/' + tam.id)).body;
    assert.equal(after.cell_id, other.id);
    assert.equal(after.temp_exempt_until, '2027-06-30');
    await ctx.close();

    // The province supervisor reads the roster but has no import and no save.
    const sup = await device(browser);
    await login(sup.page, 'giamsat');
    await sup.page.goto(base + '/#/admin/rosters/' + cell.id);
    await sup.page.waitForSelector('#ro-members a:has-text("Nguyễn Văn Thử")');
    assert.equal(await sup.page.locator('#ro-file').count(), 0);
    await sup.page.click('#ro-members a:has-text("Nguyễn Văn Thử")');
    await sup.page.waitForSelector('#ro-status');
    assert.equal(await sup.page.locator('button:has-text("Lưu thay đổi")').count(), 0);
    assert.ok(await sup.page.locator('#ro-status').isDisabled());
    await axe(sup.page, 'roster read-only');
    await sup.ctx.close();
  } finally {
    await browser.close();
  }
});
