// Issue 10, defect 3: submitting a visit report lists what is missing and asks; a submitted report is locked in the
// app and on the server; changing it is an explicit "Sửa báo cáo đã gửi" with a reason, kept in the report's
// history, which the supervisor reads; the offline hint shows only offline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { launch, device, login, synced, shot, client, today, base, axe } from './helpers.mjs';
import { rowsOf, outboxOf, rejectedOf, screen } from './trust.mjs';

const browser = await launch();
after(() => browser.close());

test('a report is submitted after a check, then locked, and changed only with a reason the supervisor sees', async () => {
  const { ctx, page } = await device(browser);
  await login(page, 'canbo10');
  const me = (await client('canbo10')).user.id;
  // A coming meeting of a cell of canbo10's own (nothing marked, written or scored yet), not reported on.
  const cells = new Map((await rowsOf(page, 'org_units')).map((u) => [u.id, u.name]));
  const reports = await rowsOf(page, 'visit_reports');
  const done = new Set(reports.filter((r) => r.official_id === me && r.status === 'submitted').map((r) => r.meeting_id));
  const m = (await rowsOf(page, 'meetings')).filter((x) => (x.form || 'cell') === 'cell' && x.meeting_date > today() && !done.has(x.id) && cells.get(x.cell_id) !== 'Chi bộ thôn Phước Thị')
    .sort((a, b) => a.meeting_date.localeCompare(b.meeting_date) || a.id.localeCompare(b.id))[0];
  assert.ok(m, 'a coming meeting');
  const id = m.id;

  await screen(page, id, 'review', 'main h2');
  const text = await page.textContent('main');
  assert.doesNotMatch(text, /khi có mạng/, 'no offline hint online');
  // The check: what is missing, and a question.
  await page.getByRole('button', { name: 'Gửi báo cáo', exact: true }).click();
  const ask = page.locator('.confirm-submit');
  await ask.waitFor();
  const lacks = await ask.textContent();
  assert.match(lacks, /\d+ đảng viên chưa điểm danh/);
  assert.match(lacks, /Biên bản chưa ghi: \S/);
  assert.match(lacks, /Chưa chấm điểm/);
  await ask.scrollIntoViewIfNeeded();
  await shot(page, 'submit-check');
  await axe(page, 'the check before submitting');
  await ask.getByRole('button', { name: 'Quay lại bổ sung' }).click();
  assert.equal(await ask.count(), 0);
  assert.equal(await page.locator('text=Đã nộp báo cáo').count(), 0, 'nothing submitted without a yes');
  await page.getByRole('button', { name: 'Gửi báo cáo', exact: true }).click();
  await ask.getByRole('button', { name: 'Vẫn gửi báo cáo' }).click();
  await page.waitForSelector('h1.hello');
  await synced(page, 45000);

  // Locked: attendance, minutes, score and the meeting's recommendations are read-only.
  await screen(page, id, 'attendance', '.roster');
  assert.equal(await page.locator('.roster button.seg:not([disabled])').count(), 0, 'attendance locked');
  assert.equal(await page.locator('main button:has-text("Tất cả có mặt"):not([disabled])').count(), 0, 'no marking all present');
  await screen(page, id, 'minutes', 'main .card');
  assert.equal(await page.locator('main textarea:not([readonly]), main input:not([type]):not([readonly])').count(), 0, 'minutes locked');
  await screen(page, id, 'score', '.criterion');
  assert.equal(await page.locator('.criterion button:not([disabled])').count(), 0, 'score locked');
  await screen(page, id, 'recs', '.tabs');
  assert.equal(await page.getByRole('button', { name: 'Thêm kiến nghị' }).count(), 0, 'no new recommendation');
  await shot(page, 'submit-locked');

  // The server refuses a plain change of the submitted report, with a code of its own.
  const rid = (await rowsOf(page, 'visit_reports')).find((r) => r.meeting_id === id && r.official_id === me).id;
  const off = await client('canbo10');
  const res = await off.call('POST', '/api/v1/sync/push', { client_id: randomUUID(),
    mutations: [{ seq: 1, t: 'visit_reports', op: 'upsert', row_id: rid, base_version: 0, fields: { guidance: 'Sửa lặng lẽ' } }] });
  assert.equal(res.status, 200);
  assert.equal(res.body.results[0].status, 'rejected');
  assert.equal(res.body.results[0].code, 'invalid_transition');

  // "Sửa báo cáo đã gửi": a reason first.
  await screen(page, id, 'review', 'main h2');
  await page.getByRole('button', { name: 'Sửa báo cáo đã gửi' }).click();
  await page.getByRole('button', { name: 'Mở báo cáo để sửa' }).click();
  await page.waitForSelector('text=Đồng chí ghi lý do sửa báo cáo.');
  const reason = 'Bổ sung điểm danh đồng chí đến muộn ' + Date.now().toString(36);
  await page.fill('#reopen-reason', reason);
  await page.getByRole('button', { name: 'Mở báo cáo để sửa' }).click();
  await page.waitForSelector('text=Báo cáo đang được sửa sau khi gửi');
  // Offline, and only then, the hint says the report waits for the network.
  await ctx.setOffline(true);
  await page.waitForSelector('text=Đang không có mạng');
  await ctx.setOffline(false);
  await screen(page, id, 'attendance', '.roster');
  // Reopened, the attendance can be marked again; if it stays locked, what the device and the server hold says why.
  const mark = page.locator('.roster:not(.exempt) > li').first().locator('button.seg.p');
  for (let end = Date.now() + 30000; !(await mark.isEnabled()); await page.waitForTimeout(250)) {
    if (Date.now() < end) continue;
    const report = (await rowsOf(page, 'visit_reports')).find((r) => r.meeting_id === id && r.official_id === me);
    const server = (await off.call('GET', '/api/v1/meetings/' + id)).body.visit_reports?.find((r) => r.official_id === me);
    assert.fail('the reopened report is still locked on the device: ' + JSON.stringify({ device: report, server, outbox: await outboxOf(page), rejected: await rejectedOf(page) }).slice(0, 3000));
  }
  await mark.click();
  await screen(page, id, 'review', 'main h2');
  await page.getByRole('button', { name: 'Gửi báo cáo', exact: true }).click();
  await page.locator('.confirm-submit .btn.primary').click();
  await page.waitForSelector('h1.hello');
  await synced(page, 45000);
  await page.click('.syncbar button');
  await synced(page, 45000);

  // The history, on the device and for the supervisor.
  await screen(page, id, 'review', '#h-history');
  const hist = await page.textContent('.history');
  assert.ok(hist.includes(reason), 'the reason in the history: ' + hist);
  assert.equal(await page.locator('.history li').count(), 3, 'submitted, reopened, submitted again');
  await page.locator('.history').scrollIntoViewIfNeeded();
  await shot(page, 'submit-history');
  const sup = await client('giamsat');
  const got = await sup.call('GET', '/api/v1/meetings/' + id);
  const rep = got.body.visit_reports.find((r) => r.official_id === me);
  assert.equal(rep.status, 'submitted');
  assert.deepEqual(rep.history.map((e) => e.action), ['submitted', 'reopened', 'submitted']);
  assert.equal(rep.history[1].reason, reason);
  assert.equal(rep.history[1].by, me);
  assert.ok(rep.official_name, 'the report names its official');
  await ctx.close();

  // The supervisor is told, and reads the report with its history in the app.
  const notes = await sup.call('GET', '/api/v1/notifications?limit=100');
  const note = (notes.body.items || []).find((n) => n.kind === 'report_reopened' && n.link === '#/mr/' + id);
  assert.ok(note && note.body.includes(reason), 'the supervisor\'s notification');
  const s = await device(browser);
  await login(s.page, 'giamsat');
  await s.page.goto(base + '/' + note.link);
  await s.page.waitForSelector('.history');
  const seen = await s.page.textContent('main');
  assert.ok(seen.includes(reason) && seen.includes('Báo cáo đã được sửa sau khi gửi'), 'the supervisor reads the reason: ' + seen);
  assert.ok(seen.includes(rep.official_name), 'the supervisor reads who wrote the report (the device holds no users): ' + seen);
  assert.ok(await s.page.evaluate(() => document.documentElement.scrollWidth <= 360));
  await shot(s.page, 'submit-supervisor');
  await axe(s.page, 'the supervisor\'s view of the reports');
  await s.ctx.close();
});
