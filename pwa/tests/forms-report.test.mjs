// The monthly report's table of the commune's other meetings (issue #12): giamsat2 (supervisor of Đảng bộ xã
// Triệu Phong) reads last month's briefings per zone, the cells that reported at them, the dialogues and the
// expanded committee meetings with the provincial official's attendance, as the API's coverage of the forms gives
// them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, client } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());
const { page } = await device(browser);
const { call } = await client('giamsat2');

const lastMonth = () => {
  const d = new Date(Date.now() + 7 * 3600e3);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

test('the monthly report shows the briefings, dialogues and committee meetings of the commune', async () => {
  await login(page, 'giamsat2');
  const ym = lastMonth();
  const cov = (await call('GET', '/api/v1/coverage?period=' + ym)).body;
  const forms = (await call('GET', '/api/v1/coverage/forms?period=' + ym + '&unit=' + cov.unit.id)).body.items;
  assert.equal(forms.length, 1, 'one commune');
  const f = forms[0];
  assert.equal(f.briefings_expected, 2, 'Khu Bắc and Khu Nam');
  await page.goto(page.url().split('#')[0] + '#/report/' + cov.unit.id);
  const mm = ym.slice(5, 7) + '/' + ym.slice(0, 4);
  const table = page.getByRole('table', { name: 'Giao ban bí thư chi bộ, đối thoại và hội nghị Đảng ủy mở rộng tháng ' + mm, exact: true });
  await table.waitFor({ timeout: 30000 });
  const cells = (await table.locator('tbody tr').first().locator('td, th').allTextContents()).map((x) => x.trim());
  assert.deepEqual(cells, [f.commune_name, `${f.briefings_held}/${f.briefings_expected}`, `${f.cells_reported}/${f.cells}`,
    String(f.dialogues_held), String(f.committee_held), `${f.committee_attended}/${f.committee_held}`]);
  assert.ok(f.cells_reported > 0 && f.committee_held === 1, JSON.stringify(f));
});
