// The monthly report: giamsat opens it from the coverage screen, reads last month's figures (the API's), the
// priority lists, the recommendations by field and status and the absentees, prints it to an A4 PDF without the
// navigation or buttons; the absentees and the recommendation statistics are on screen too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, shot, base, client } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());
// One device and one API client for giamsat, shared by the tests: logins are rate-limited per address.
const { ctx, page } = await device(browser);
const { call } = await client('giamsat');

const pct = (x) => (x === null || x === undefined ? '–' : String(Math.round(x * 100 * 10) / 10).replace('.', ',') + '%');
// Last month in Asia/Ho_Chi_Minh, "2026-11".
const lastMonth = () => {
  const d = new Date(Date.now() + 7 * 3600e3);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};
const monthEnd = (ym) => new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0)).toISOString().slice(0, 10);

// rows reads a two-column table (a header cell and a value per row) into an object.
async function rows(table) {
  await table.locator('tbody tr').first().waitFor();
  const out = {};
  for (const tr of await table.locator('tbody tr').all()) out[(await tr.locator('th').textContent()).trim()] = (await tr.locator('td').textContent()).trim();
  return out;
}

test('giamsat reads and prints the monthly report', async () => {
  await login(page, 'giamsat');
  await page.getByRole('link', { name: 'Theo dõi', exact: true }).click();
  await page.locator('section.figs .fig').first().waitFor();
  await page.getByRole('link', { name: 'Báo cáo tháng', exact: true }).click();
  await page.waitForSelector('h1.title >> text=Báo cáo tháng');

  // Last month, by default, with its figures as the API gives them.
  const ym = lastMonth();
  assert.equal(await page.inputValue('#rp-month'), ym);
  const rep = (await call('GET', '/api/v1/coverage?period=' + ym)).body;
  const mm = ym.slice(5, 7) + '/' + ym.slice(0, 4);
  await page.locator('#rp-name', { hasText: 'tháng ' + mm }).waitFor();
  assert.equal((await page.textContent('.rp-unit')).trim(), rep.unit.name);
  await page.locator('.rp-head p', { hasText: /^Lập lúc \d\d\/\d\d\/\d{4} \d\d:\d\d$/ }).waitFor();
  const T = rep.totals;
  const s = await rows(page.locator('table.summary'));
  assert.equal(s['Số lượt phải dự'], String(T.expected));
  assert.equal(s['Số lượt đã dự'], String(T.visited));
  assert.equal(s['Tỷ lệ dự'], pct(T.coverage));
  assert.equal(s['Báo cáo đã gửi'], `${T.reported} (${pct(T.reporting_rate)})`);
  assert.equal(s['Báo cáo đúng hạn'], `${T.timely} (${pct(T.timely_rate)})`);
  assert.equal(s['Tỷ lệ đảng viên dự sinh hoạt'], pct(T.attendance_rate));
  assert.equal(s['Chi bộ dưới 85%'], `${T.cells_low_attendance}/${T.cells}`);
  assert.equal(s['Lượt vắng không lý do'], String(T.unexcused));
  assert.equal(s['Buổi xếp loại Tốt'], String(T.grades.tot));
  assert.equal(s['Buổi xếp loại Kém'], String(T.grades.kem));

  // The priority lists: as many rows as the API has (or "none").
  const u = '&unit=' + rep.unit.id;
  for (const [kind, caption] of [['unvisited', 'Chưa được dự trong 12 tháng'], ['weak', 'Chi bộ không hoàn thành nhiệm vụ'],
    ['overdue_reports', 'Báo cáo quá hạn (12 tháng đến nay)'], ['overdue_recs', 'Chi bộ có kiến nghị quá hạn']]) {
    const items = (await call('GET', '/api/v1/coverage/priorities?limit=500&kind=' + kind + u)).body.items;
    if (items.length) {
      const table = page.getByRole('table', { name: caption, exact: true });
      assert.equal(await table.locator('tbody tr').count(), items.length, caption);
    } else {
      await page.locator('p.empty-list', { hasText: caption }).waitFor();
    }
  }

  // The recommendations raised that month by field and status, and the times to answer.
  const stats = (await call('GET', `/api/v1/recommendations/stats?from=${ym}-01&to=${monthEnd(ym)}${u}`)).body;
  const recs = page.getByRole('table', { name: 'Kiến nghị nêu trong tháng ' + mm + ', theo lĩnh vực và tình trạng' });
  assert.equal(await recs.locator('tbody tr').count(), stats.by_field.length);
  const foot = (await recs.locator('tfoot td').allTextContents()).map((x) => x.trim());
  assert.deepEqual(foot, [stats.totals.total, ...['new', 'forwarded', 'answered', 'sent_back', 'accepted', 'resolved'].map((k) => stats.totals.by_status[k])].map(String));
  const times = await rows(page.locator('table.recanswer'));
  assert.equal(times['Số kiến nghị đã có trả lời'], String(stats.answered));
  assert.equal(times['Tỷ lệ yêu cầu trả lời lại'], `${pct(stats.sent_back_share)} (${stats.sent_back}/${stats.answered})`);

  // The absentees of the month (their runs reach back a year).
  const abs = (await call('GET', '/api/v1/coverage/absentees?limit=500&period=' + ym + u)).body.items;
  if (abs.length) {
    const table = page.getByRole('table', { name: 'Đảng viên vắng có lý do quá 3 buổi liên tiếp' });
    assert.equal(await table.locator('tbody tr').count(), abs.length);
    await table.locator('tbody tr', { hasText: abs[0].full_name }).waitFor();
  }
  // The 12 months up to it: a chart on screen and its table.
  await page.getByRole('img', { name: /^Tỷ lệ dự theo tháng: \d\d\/\d{4} / }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Số liệu 12 tháng' }).locator('tbody tr').count(), 12);
  await shot(page, '17-report');

  // On paper: no navigation, sync bar or buttons; the header stays; an A4 PDF of at least one page.
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['nav.tabs-main', '.syncbar', 'header.top', 'button', '.uplot-box']) {
    assert.equal(await page.locator(sel).first().isVisible(), false, sel + ' is hidden in print');
  }
  assert.ok(await page.locator('#rp-name').isVisible());
  assert.ok(await page.locator('table.summary').isVisible());
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 0, 'a PDF');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 1, `the PDF has ${pages} pages`);
  await page.emulateMedia({ media: 'screen' });
  assert.ok(await page.getByRole('button', { name: 'In báo cáo', exact: true }).isVisible());
});

test('the absentees and the recommendation statistics are on screen', async () => {
  const month = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 7);

  // The coverage screen lists the absentees of this month's period.
  await page.goto(base + '/#/supervise');
  const abs = (await call('GET', '/api/v1/coverage/absentees?limit=20&period=' + month)).body.items;
  const section = page.getByRole('region', { name: 'Đảng viên vắng có lý do quá 3 buổi liên tiếp' });
  await section.waitFor();
  if (abs.length) {
    await section.locator('li.absentee', { hasText: abs[0].full_name }).waitFor();
    assert.equal(await section.locator('li.absentee').count(), abs.length);
  } else {
    await section.locator('p.muted', { hasText: 'Không có.' }).waitFor();
  }

  // The recommendations screen sums them up.
  const stats = (await call('GET', '/api/v1/recommendations/stats')).body;
  await page.goto(base + '/#/recs');
  const block = page.getByRole('region', { name: 'Thống kê kiến nghị' });
  await block.locator('p.stats-line', { hasText: stats.totals.total + ' kiến nghị' }).waitFor();
  assert.match(await block.locator('p.stats-line').textContent(), new RegExp('trả lời lại ' + pct(stats.sent_back_share)));
  await block.locator('summary').click();
  await block.getByRole('img', { name: /^Kiến nghị theo lĩnh vực và tình trạng: / }).waitFor();
  const table = block.getByRole('table', { name: 'Tất cả kiến nghị trong phạm vi, theo lĩnh vực và tình trạng' });
  assert.equal(await table.locator('tbody tr').count(), stats.by_field.length);
  assert.equal((await table.locator('tfoot td').first().textContent()).trim(), String(stats.totals.total));
  await shot(page, '18-recs-stats');
});
