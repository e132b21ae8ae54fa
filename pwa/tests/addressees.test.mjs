// The directory of addressees (issue #12) at 360 px: the province's admin imports a small messy directory workbook,
// sees the preview line by line, commits it and names a responder; an official, offline, types "ubnd xa" as a new
// recommendation's addressee, picks "UBND xã Triệu Phong" from the suggestions, saves offline, goes online, and the
// server's recommendation carries that body. What it leaves in the demo carries digit-only stamps.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { xlsx } from './xlsx.mjs';
import { launch, device, login, synced, axe, shot, client, artifacts, savedOnDevice, today } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

const noSideScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('an admin imports a messy directory, previews it, commits and names a responder', { timeout: 300000 }, async () => {
  const { call } = await client('admin');
  const tag = String(Date.now() % 10000000);
  const roots = await call('GET', '/api/v1/org-units?roots=true');
  const province = roots.body.items[0];
  // A user of the province with no responder role yet, to be named a responder.
  const u = await call('POST', '/api/v1/users', { display_name: 'Hoàng Văn Thử ' + tag, username: 'traloi' + tag, home_org_unit_id: province.id });
  assert.equal(u.status, 201, JSON.stringify(u.body));

  const rows = (level) => [
    ['TỈNH ỦY QUẢNG TRỊ'], ['DANH BẠ CƠ QUAN NHẬN KIẾN NGHỊ BỔ SUNG ' + tag], [],
    ['STT', 'Tên cơ quan, đơn vị', 'Cấp', 'Loại', 'Cơ quan cấp trên', 'Tên gọi khác', 'Từ ngày'],
    ['(1)', '(2)', '(3)', '(4)', '(5)', '(6)', '(7)'],
    [1, '  Ban Quản lý dự án   xã Triệu Phong ' + tag, 'Cấp xã', 'Chính quyền', 'UBND xã Triệu Phong', 'Ban dự án xã ' + tag, '01/07/2025'],
    [2, 'Hợp tác xã nông nghiệp Triệu Phong ' + tag, 'Xã', 'Doanh nghiệp', '', '', ''],
    [3, 'Tổ hòa giải thôn An Lợi ' + tag, level, 'Mặt trận', 'Ủy ban MTTQ Việt Nam xã Triệu Phong', '', '1/7/2025'],
  ];
  const bad = `${artifacts}/danh-ba-${tag}.xlsx`;
  const good = `${artifacts}/danh-ba-${tag}-sua.xlsx`;
  writeFileSync(bad, xlsx(rows('Cấp thôn')));
  writeFileSync(good, xlsx(rows('Cấp xã')));

  const { ctx, page } = await device(browser);
  try {
    await login(page, 'admin');
    await page.goto(page.url().split('#')[0] + '#/admin');
    await page.click('a[href="#/admin/addressees"]');
    await page.getByText('UBND xã Triệu Phong').first().waitFor();
    assert.ok(await noSideScroll(page), 'directory wider than the phone');
    await axe(page, 'addressees');
    await shot(page, 'admin-addressees');

    await page.click('a[href="#/admin/addressees/import"]');
    await page.setInputFiles('#as-upload', bad);
    await page.click('button:has-text("Xem trước")');
    await page.getByText('Thêm mới 2, cập nhật 0, không đổi 0, lỗi 1.').waitFor();
    await page.getByText('Dòng 8, cột C (Cấp): cấp “Cấp thôn” không hợp lệ; ghi một trong:').waitFor();
    assert.ok(await page.locator('button:has-text("Còn 1 lỗi")').isDisabled(), 'commit allowed with errors');
    assert.ok(await noSideScroll(page), 'preview wider than the phone');
    await axe(page, 'addressees-preview');
    await shot(page, 'admin-addressees-preview');

    await page.setInputFiles('#as-upload', good);
    await page.click('button:has-text("Xem trước")');
    await page.getByText('Thêm mới 3, cập nhật 0, không đổi 0, lỗi 0.').waitFor();
    await page.click('button:has-text("Nhập danh bạ")');
    await page.getByText('Đã nhập: thêm mới 3, cập nhật 0, không đổi 0.').waitFor();
    // Again (a double tap): nothing changes.
    await page.click('button:has-text("Nhập danh bạ")');
    await page.getByText('Đã nhập: thêm mới 0, cập nhật 0, không đổi 3.').waitFor();

    const found = await call('GET', '/api/v1/addressees?province_id=' + province.id + '&q=' + encodeURIComponent('du an xa trieu phong ' + tag));
    assert.equal(found.body.items.length, 1, JSON.stringify(found.body));
    const body = found.body.items[0];
    assert.equal(body.name, 'Ban Quản lý dự án xã Triệu Phong ' + tag);
    assert.equal(body.level, 'commune');
    const detail = await call('GET', '/api/v1/addressees/' + body.id);
    assert.equal(detail.body.parents[0]?.name, 'UBND xã Triệu Phong');

    // The body's page: its chain, and a responder named by search.
    await page.goto(page.url().split('#')[0] + '#/admin/addressees');
    await page.fill('#as-q', 'du an xa trieu phong ' + tag);
    await page.click(`a:has-text("Ban Quản lý dự án xã Triệu Phong ${tag}")`);
    await page.getByText('Cấp trên: UBND xã Triệu Phong → Ủy ban nhân dân tỉnh Quảng Trị').waitFor();
    await page.fill('#as-user', 'Hoàng Văn Thử ' + tag);
    await page.click(`button:has-text("Hoàng Văn Thử ${tag} (traloi${tag})")`);
    await page.getByRole('status').getByText(`Đã thêm Hoàng Văn Thử ${tag} làm người trả lời.`).waitFor();
    await page.locator('.rows strong', { hasText: 'Hoàng Văn Thử ' + tag }).waitFor();
    assert.ok(await noSideScroll(page), 'body page wider than the phone');
    await axe(page, 'addressee-detail');
    await shot(page, 'admin-addressee-detail');
    const after = await call('GET', '/api/v1/addressees/' + body.id);
    assert.deepEqual(after.body.responders.map((r) => r.username), ['traloi' + tag]);
    const user = await call('GET', '/api/v1/users/' + u.body.id);
    assert.ok(user.body.grants.some((g) => g.role === 'responder'), 'the responder was given the responder role');

    // A body added by hand under UBND tỉnh, then retired from today.
    await page.goto(page.url().split('#')[0] + '#/admin/addressees/new');
    await page.fill('#as-name', 'Tổ công tác liên ngành ' + tag);
    await page.locator('#as-level-e').selectOption('province');
    await page.locator('#as-kind').selectOption('other');
    await page.fill('#as-parent', 'uy ban nhan dan tinh');
    await page.click('button:has-text("Ủy ban nhân dân tỉnh Quảng Trị")');
    await page.fill('#as-aliases', 'Tổ liên ngành ' + tag);
    await page.click('button:has-text("Thêm vào danh bạ")');
    await page.getByRole('status').getByText(`Đã lưu “Tổ công tác liên ngành ${tag}”.`).waitFor();
    await axe(page, 'addressee-new');
    await page.getByRole('status').getByRole('link', { name: 'Mở' }).click();
    await page.getByText('Cấp trên: Ủy ban nhân dân tỉnh Quảng Trị').waitFor();
    await page.click('button:has-text("Ngừng sử dụng từ hôm nay")');
    await page.getByRole('status').getByText('Đã ngừng sử dụng; các kiến nghị đã gửi vẫn giữ cơ quan này.').waitFor();
    const mine = await call('GET', '/api/v1/addressees?province_id=' + province.id + '&q=' + encodeURIComponent('to lien nganh ' + tag));
    assert.equal(mine.body.items.length, 1);
    assert.equal(mine.body.items[0].active_to, today());
  } finally {
    await ctx.close();
  }
});

test('an official offline types "ubnd xa", picks UBND xã Triệu Phong, and the server gets its addressee_id', { timeout: 300000 }, async () => {
  const { call } = await client('admin');
  const roots = await call('GET', '/api/v1/org-units?roots=true');
  const dir = await call('GET', '/api/v1/addressees?province_id=' + roots.body.items[0].id + '&q=' + encodeURIComponent('UBND xã Triệu Phong'));
  const ubnd = dir.body.items.find((a) => a.name === 'UBND xã Triệu Phong');
  assert.ok(ubnd, 'the demo directory has UBND xã Triệu Phong');
  const tag = String(Date.now() % 10000000);
  const text = 'Đề nghị sửa cống thoát nước đầu thôn, đợt ' + tag;

  const { ctx, page } = await device(browser);
  try {
    await login(page, 'canbo');
    await ctx.setOffline(true);
    await page.click('#h-todo + ul li:first-child .card');
    await page.waitForSelector('.roster');
    const meetingId = page.url().split('/m/')[1].split('/')[0];
    await page.click('.tabs >> text=Kiến nghị');
    await page.getByRole('button', { name: 'Thêm kiến nghị' }).click();
    await page.fill('#rec-content', text);
    await page.locator('#rec-to').pressSequentially('ubnd xa', { delay: 30 });
    const chips = page.getByRole('group', { name: 'Gợi ý trong danh bạ cơ quan' });
    await chips.waitFor();
    // The cell's commune comes first.
    assert.equal((await chips.locator('button').first().textContent()).trim(), 'UBND xã Triệu Phong');
    assert.ok(await noSideScroll(page), 'suggestions wider than the phone');
    await axe(page, 'addressee-suggestions');
    await shot(page, 'addressee-suggestions');
    await chips.getByRole('button', { name: 'UBND xã Triệu Phong', exact: true }).click();
    assert.equal(await page.inputValue('#rec-to'), 'UBND xã Triệu Phong');
    await page.getByText('Đã chọn trong danh bạ').waitFor();
    await page.click('form >> text=Lưu');
    await savedOnDevice(page, tag);
    await ctx.setOffline(false);
    await synced(page, 60000);
    const recs = await call('GET', '/api/v1/recommendations?meeting_id=' + meetingId);
    const rec = recs.body.items.find((r) => r.content === text);
    assert.ok(rec, 'the recommendation reached the server');
    assert.equal(rec.addressee_id, ubnd.id);
    assert.equal(rec.addressee_text, 'UBND xã Triệu Phong');
  } finally {
    await ctx.close();
  }
});
