// The administrators' reference data and annual ratings screens at 360 px, as the province's admin and as a
// supervisor. It leaves the demo data others rely on as it was: the rubric and minutes template versions it adds are
// valid from a far-future day and deleted again, and the ratings are given to a commune and cells it creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { xlsx } from './xlsx.mjs';
import { launch, device, login, axe, shot, client, artifacts, today } from './helpers.mjs';


const noSideScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('reference data and annual ratings: versions from a day, entry per cell, a messy file previewed then imported', { timeout: 300000 }, async () => {
  const { call } = await client('admin');
  const roots = await call('GET', '/api/v1/org-units?roots=true');
  const province = roots.body.items[0];
  const tag = String(Date.now() % 10000000); // digits only (the wording walk reads these names later)
  const commune = await call('POST', '/api/v1/org-units', { name: 'Đảng bộ xã Yên Thử ' + tag, kind: 'commune', parent_id: province.id });
  assert.equal(commune.status, 201, JSON.stringify(commune.body));
  const cells = [];
  for (const n of ['Chi bộ thôn Yên Đông ' + tag, 'Chi bộ thôn Yên Tây ' + tag]) {
    const r = await call('POST', '/api/v1/org-units', { name: n, kind: 'cell', parent_id: commune.body.id });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    cells.push(r.body);
  }
  const year = Number(today().slice(0, 4)) - 1;
  // A far-future first day of its own, so runs never meet.
  const far = `2099-${String(1 + (Date.now() % 12)).padStart(2, '0')}-${String(1 + (Date.now() % 28)).padStart(2, '0')}`;
  const farVN = far.split('-').reverse().join('/');

  const browser = await launch();
  try {
    const { ctx, page } = await device(browser);
    await login(page, 'admin');
    await page.goto(page.url().split('#')[0] + '#/admin');
    await page.click('a[href="#/admin/reference"]');
    await page.waitForSelector('#rf-rubrics');
    await page.getByText('Nông nghiệp, nông thôn').first().waitFor();
    assert.ok(await noSideScroll(page), 'reference screen wider than the phone');
    await axe(page, 'reference');

    // A new rubric version from a far-future day: prefilled from the one in force, thresholds checked.
    await page.click('text=Thêm phiên bản thang điểm mới');
    await page.fill('#rb-name', 'Thang điểm thử ' + tag);
    await page.fill('#rb-from', far);
    await page.fill('#th-good_min', '1000'); // above the total: refused, with the reason
    await page.click('text=Lưu phiên bản mới');
    await page.getByRole('alert').getByText('Ngưỡng xếp loại phải tăng dần').waitFor();
    await page.fill('#th-good_min', '90');
    await page.click('text=Lưu phiên bản mới');
    await page.getByRole('status').getByText(`Đã thêm phiên bản thang điểm áp dụng từ ${farVN}.`).waitFor();
    const ref = await call('GET', '/api/v1/reference/admin?org_unit_id=' + province.id);
    const added = ref.body.rubrics.find((r) => r.valid_from === far);
    assert.ok(added && added.criteria.length >= 5 && ref.body.rubric_in_force !== added.id, 'the new version exists and is not in force today');
    // Today's meetings keep the rubric in force.
    const pub = await call('GET', '/api/v1/reference?org_unit_id=' + province.id);
    assert.notEqual(pub.body.rubric.id, added.id);
    await page.getByText(`Thang điểm thử ${tag} — Áp dụng từ ${farVN}`).click();
    assert.ok(await noSideScroll(page), 'rubric table wider than the phone');
    await axe(page, 'reference-rubric-open');
    await shot(page, 'admin-reference');
    await page.click(`text=Xóa phiên bản áp dụng từ ${farVN}`);
    await page.getByRole('status').getByText('Đã xóa phiên bản.').waitFor();

    // A minutes template version from the far-future day, an item added, then deleted again.
    await page.click('text=Thêm phiên bản mẫu biên bản mới');
    await page.fill('#tp-name', 'Mẫu thử ' + tag);
    await page.fill('#tp-from', far);
    await page.click('text=Thêm mục');
    const n = await page.locator('input[id^="it-"]').count();
    await page.fill(`#it-${n - 1}`, 'Sinh hoạt tư tưởng');
    await page.click('text=Lưu phiên bản mới');
    await page.getByRole('status').getByText(`Đã thêm mẫu biên bản áp dụng từ ${farVN}.`).waitFor();
    const tpl = (await call('GET', '/api/v1/reference/admin?org_unit_id=' + province.id)).body.minutes_templates.find((x) => x.valid_from === far);
    assert.ok(tpl && JSON.stringify(tpl.items).includes('Sinh hoạt tư tưởng'));
    await page.getByText(`Mẫu thử ${tag} — Áp dụng từ ${farVN}`).click();
    await page.click(`text=Xóa phiên bản áp dụng từ ${farVN}`);
    await page.getByRole('status').getByText('Đã xóa phiên bản.').waitFor();

    // Ratings: the commune created above, last year; one cell by hand.
    await page.goto(page.url().split('#')[0] + '#/admin/ratings');
    await page.waitForSelector('#rt-unit');
    await page.locator('#rt-unit').selectOption(commune.body.id);
    await page.locator('#rt-year').selectOption(String(year));
    const sel = page.getByLabel('Xếp loại của ' + cells[0].name);
    await sel.waitFor();
    await sel.selectOption({ label: 'Hoàn thành tốt nhiệm vụ' });
    await page.getByRole('status').getByText('Đã lưu xếp loại của ' + cells[0].name).waitFor();
    const r1 = await call('GET', `/api/v1/org-units/${cells[0].id}/ratings/${year}`);
    assert.equal(r1.body.name_vi, 'Hoàn thành tốt nhiệm vụ');
    assert.ok(await noSideScroll(page), 'ratings screen wider than the phone');
    await axe(page, 'ratings');

    // A messy file: title rows, a numbering row, a name without "Chi bộ" in capitals, an acronym, a label that
    // does not exist: previewed line by line, nothing imported until it is fixed.
    const messy = xlsx([
      ['ĐẢNG BỘ XÃ YÊN THỬ'], [`KẾT QUẢ XẾP LOẠI CHI BỘ NĂM ${year}`], [],
      ['STT', 'Tên chi bộ', 'Xếp loại', 'Ghi chú'], ['(1)', '(2)', '(3)', '(4)'],
      [1, '  THÔN YÊN ĐÔNG ' + tag.toUpperCase(), 'htxsnv', ''],
      [2, 'Chi bộ thôn Yên Tây ' + tag, 'Khá', 'sai mức'],
    ]);
    const file = `${artifacts}/xep-loai-${tag}.xlsx`;
    writeFileSync(file, messy);
    await page.setInputFiles('#rt-upload', file);
    await page.click('button:has-text("Xem trước")');
    await page.getByText('Thêm mới 0, cập nhật 1, không đổi 0, bỏ qua 0, lỗi 1.').waitFor();
    await page.getByText('Dòng 7, cột C (Xếp loại): mức xếp loại “Khá” không dùng cho năm').waitFor();
    assert.ok(await page.locator('button:has-text("Còn 1 lỗi")').isDisabled(), 'commit allowed with errors');
    await page.locator('#rt-filter').selectOption('error');
    assert.equal(await page.locator('table.data tbody tr').count(), 1);
    assert.ok(await noSideScroll(page), 'preview wider than the phone');
    await axe(page, 'ratings-preview');
    await shot(page, 'admin-ratings-preview');

    const fixed = xlsx([
      ['STT', 'Tên chi bộ', 'Xếp loại'],
      [1, '  THÔN YÊN ĐÔNG ' + tag.toUpperCase(), 'htxsnv'],
      [2, 'Chi bộ thôn Yên Tây ' + tag, 'KHONG HOAN THANH NHIEM VU'],
    ]);
    const file2 = `${artifacts}/xep-loai-${tag}-sua.xlsx`;
    writeFileSync(file2, fixed);
    await page.setInputFiles('#rt-upload', file2);
    await page.click('button:has-text("Xem trước")');
    await page.getByText('Thêm mới 1, cập nhật 1, không đổi 0, bỏ qua 0, lỗi 0.').waitFor();
    await page.click('button:has-text("Nhập vào hệ thống")');
    await page.getByText('Đã nhập: thêm mới 1, cập nhật 1, không đổi 0.').waitFor();
    const list = await call('GET', `/api/v1/ratings?org_unit_id=${commune.body.id}&year=${year}`);
    assert.deepEqual(list.body.items.map((x) => x.rating?.name_vi), ['Hoàn thành xuất sắc nhiệm vụ', 'Không hoàn thành nhiệm vụ']);
    // A second commit (a double tap, or the same file again) changes nothing.
    await page.click('button:has-text("Nhập vào hệ thống")');
    await page.getByText('Đã nhập: thêm mới 0, cập nhật 0, không đổi 2.').waitFor();
    // The weak cell is suggested for a visit, and coverage shows the ratings.
    const sug = await call('GET', '/api/v1/assign/suggestions?org_unit_id=' + commune.body.id);
    assert.ok(sug.body.items.some((s) => s.cell_id === cells[1].id && s.weak && s.weak_reason === 'rating'), JSON.stringify(sug.body));
    const cov = await call('GET', '/api/v1/coverage?unit=' + commune.body.id);
    assert.equal(cov.body.children.find((c) => c.unit.id === cells[1].id)?.rating?.name_vi, 'Không hoàn thành nhiệm vụ');
    await ctx.close();

    // A supervisor reads, without a way to change.
    const sup = await device(browser);
    await login(sup.page, 'giamsat');
    await sup.page.goto(sup.page.url().split('#')[0] + '#/admin/reference');
    await sup.page.waitForSelector('#rf-rubrics');
    assert.equal(await sup.page.locator('text=Thêm phiên bản thang điểm mới').count(), 0);
    assert.equal(await sup.page.locator('#rf-nv').count(), 0);
    await axe(sup.page, 'reference-supervisor');
    await sup.page.goto(sup.page.url().split('#')[0] + '#/admin/ratings');
    await sup.page.locator('#rt-unit').selectOption(commune.body.id);
    await sup.page.locator('#rt-year').selectOption(String(year));
    await sup.page.getByText('Hoàn thành xuất sắc nhiệm vụ').waitFor();
    assert.equal(await sup.page.locator('select[aria-label^="Xếp loại của"]').count(), 0);
    assert.equal(await sup.page.locator('#rt-upload').count(), 0);
    await axe(sup.page, 'ratings-supervisor');
    await sup.ctx.close();
  } finally {
    await browser.close();
    // Leave the demo as it was for the tests after this one: no cell rated weak, no commune of its own.
    for (const c of cells) {
      await call('DELETE', `/api/v1/org-units/${c.id}/ratings/${year}`);
      const d = await call('DELETE', '/api/v1/org-units/' + c.id);
      assert.equal(d.status, 204, 'cleanup: ' + JSON.stringify(d.body));
    }
    const d = await call('DELETE', '/api/v1/org-units/' + commune.body.id);
    assert.equal(d.status, 204, 'cleanup: ' + JSON.stringify(d.body));
  }
});
