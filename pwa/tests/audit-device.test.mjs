// The audit log of what a device sent, written from PROTOCOL.md and the README alone: an official's phone pushes a
// meeting with three members' attendance (as any client may, through POST /api/v1/sync/push); the administrator's
// audit screen at 360 px shows the marks as one entry of three records, opened on demand, each in words (present,
// absent with leave, absent without), and the API finds that entry by any one of the marks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { launch, device, login, shot, axe, client } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

// attendanceID is PROTOCOL.md's id of a member's attendance at a meeting: UUIDv5 in the protocol's namespace of
// "attendance:" + meeting + ":" + member.
function attendanceID(meeting, member) {
  const ns = Buffer.from('3a1d4e2c7b9f5c608e412f6a9d0b7c15', 'hex');
  const h = createHash('sha1').update(Buffer.concat([ns, Buffer.from(`attendance:${meeting}:${member}`)])).digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

test("a device's attendance marks are one audit entry of three records, each in words", async () => {
  const canbo = await client('canbo');
  const me = (await canbo.call('GET', '/api/v1/me')).body;
  const cell = me.assigned_cells[0];
  const members = (await canbo.call('GET', `/api/v1/members?cell_id=${cell.id}&limit=3`)).body;
  assert.equal(members.items?.length, 3, JSON.stringify(members));
  const meeting = randomUUID();
  // A meeting a year and a half ago, which no other test touches.
  const day = new Date(Date.now() - 540 * 864e5).toISOString().slice(0, 10);
  const statuses = ['present', 'excused', 'unexcused'];
  const marks = members.items.map((m) => attendanceID(meeting, m.id));
  const mutations = [{ seq: 1, t: 'meetings', op: 'upsert', row_id: meeting, base_version: 0,
    fields: { cell_id: cell.id, meeting_date: day, topic: 'Sinh hoạt chuyên đề' } }];
  members.items.forEach((m, i) => mutations.push({ seq: 2 + i, t: 'attendance', op: 'upsert', row_id: marks[i], base_version: 0,
    fields: { meeting_id: meeting, member_id: m.id, status: statuses[i], reason: i === 1 ? 'Đi công tác' : '' } }));
  const push = await canbo.call('POST', '/api/v1/sync/push', { client_id: randomUUID(), mutations });
  assert.equal(push.status, 200, JSON.stringify(push.body));
  assert.deepEqual(push.body.results.map((r) => r.status), ['applied', 'applied', 'applied', 'applied']);

  // The API: each mark finds the one entry, which lists all three in order.
  const admin = await client('admin');
  for (const id of marks) {
    const r = await admin.call('GET', `/api/v1/audit?entity_id=${id}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 1, `entries about mark ${id}`);
    assert.deepEqual(JSON.parse(r.body.items[0].entity_ids), marks);
    assert.equal(r.body.items[0].action, 'sync.create');
  }

  // The screen, on a phone: the cell's attendance entries, newest first (the tests run one at a time: this push is
  // the newest).
  const { ctx, page } = await device(browser);
  await login(page, 'admin');
  await page.goto(page.url().split('#')[0] + '#/admin/audit');
  await page.fill('#au-unit', 'an loi');
  await page.click(`button:has-text("${cell.name}")`);
  await page.selectOption('#au-table', 'attendance');
  await page.waitForFunction(() => [...document.querySelectorAll('ul.audit li strong')].length > 0 &&
    [...document.querySelectorAll('ul.audit li strong')].every((s) => / · Điểm danh$/.test(s.textContent)), null, { timeout: 20000 });
  const entry = page.locator('ul.audit li').first();
  assert.match(await entry.locator('summary').textContent(), /^3 bản ghi$/);
  assert.match(await entry.locator('strong').textContent(), /^Thêm từ thiết bị · Điểm danh$/);
  assert.equal(await entry.locator('table').count(), 0, 'the records are shown when asked for');
  await entry.locator('summary').click();
  await entry.locator('table').nth(2).waitFor();
  const text = await entry.textContent();
  for (const s of ['Bản ghi 1', 'Có mặt', 'Bản ghi 2', 'Vắng có lý do', 'Đi công tác', 'Bản ghi 3', 'Vắng không lý do']) {
    assert.ok(text.includes(s), `"${s}" in ${text}`);
  }
  assert.doesNotMatch(text, /[{}"]|_id|sync\.|present|excused|[0-9a-f]{8}-[0-9a-f]{4}/, 'no raw data or codes');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits 360 px');
  await axe(page, 'audit entry of several records');
  await shot(page, 'audit-device-marks');
  await ctx.close();
});
