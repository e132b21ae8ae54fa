// The recommendation loop reaches its addressee (issue #12): an official raises, offline, a recommendation for
// "UBND xã"; the commune's supervisor forwards it, with a direction, to the directory's UBND xã Triệu Phong (the
// match of what the official wrote); its responder ubnd is notified (inbox, and the push shown by the service
// worker), answers with the document's number and date; the supervisor sends it back, it is answered again and
// accepted; the cell's secretary confirms on the ground that it is settled; it is on the list for the next giao ban
// and announced there. Every step is in the history, in Vietnamese. (The encrypted push itself is decrypted by the
// test push service in server/app TestForwardReachesTheRespondersDevice.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, login, synced, shot, base, client, today, savedOnDevice, pushes } from './helpers.mjs';

const browser = await launch();
after(() => browser.close());

const vn = (iso) => iso.split('-').reverse().join('/');
const plus = (days) => new Date(Date.now() + 7 * 3600e3 + days * 864e5).toISOString().slice(0, 10);

// One stamp of digits names what the test leaves in the shared demo.
const stamp = String(Date.now()).slice(-7);
const content = 'Đề nghị sửa cống thoát nước đường liên thôn số ' + stamp;

test('a recommendation for "UBND xã" goes round the loop to the briefing', async () => {
  const sup = await client('giamsat2');
  const off = await client('canbo');
  const ubnd = await client('ubnd');
  const bithu = await client('bithu');
  const cell = bithu.user.grants.find((g) => g.role === 'secretary').org_unit_id;
  const commune = sup.user.grants.find((g) => g.role === 'supervisor').org_unit_id;

  // 1. canbo raises it offline at a held meeting of bithu's cell.
  const meetings = await off.call('GET', '/api/v1/meetings?cell_id=' + cell + '&status=held&limit=5');
  assert.equal(meetings.status, 200);
  const meeting = meetings.body.items[0];
  assert.ok(meeting, 'a held meeting of the cell');
  const a = await device(browser);
  await login(a.page, 'canbo');
  await a.page.goto(base + '/#/m/' + meeting.id);
  await a.page.waitForSelector('.tabs');
  await a.ctx.setOffline(true);
  await a.page.click('.tabs >> text=Kiến nghị');
  await a.page.getByRole('button', { name: 'Thêm kiến nghị' }).click();
  await a.page.fill('#rec-content', content);
  await a.page.fill('#rec-to', 'UBND xã');
  await a.page.click('form >> text=Lưu');
  await savedOnDevice(a.page, stamp);
  await a.ctx.setOffline(false);
  await synced(a.page, 45000);
  await a.ctx.close();
  const found = await sup.call('GET', '/api/v1/recommendations?q=' + stamp);
  assert.equal(found.body.items.length, 1, 'the recommendation reached the server');
  const id = found.body.items[0].id;
  assert.equal(found.body.items[0].addressee_text, 'UBND xã');

  // 2. giamsat2 forwards it to the suggested body, with a direction.
  const s = await device(browser);
  await login(s.page, 'giamsat2');
  await s.page.goto(base + '/#/recs/' + id);
  await s.page.locator('#rec-status').waitFor();
  await s.page.locator('p', { hasText: 'Gợi ý theo nơi nhận đồng chí cán bộ ghi: UBND xã Triệu Phong' }).waitFor();
  const body = await s.page.inputValue('#rc-body');
  assert.ok(body, 'the suggested body is picked');
  const due = plus(20);
  await s.page.fill('#rc-due', due);
  await s.page.fill('#rc-direction', 'Đề nghị UBND xã kiểm tra thực tế và trả lời chi bộ bằng văn bản.');
  await s.page.getByRole('button', { name: 'Chuyển kiến nghị' }).click();
  const history = s.page.locator('ol.history');
  await history.locator('li.event', { hasText: 'Chuyển cơ quan giải quyết' }).filter({ hasText: 'UBND xã Triệu Phong' }).waitFor();
  await history.locator('li.event', { hasText: 'Chỉ đạo' }).waitFor();
  await s.page.locator('p.direction', { hasText: 'Chỉ đạo: Đề nghị UBND xã kiểm tra thực tế' }).waitFor();
  assert.equal((await s.page.textContent('#rec-status')).trim(), 'Đã chuyển');
  await shot(s.page, 'loop-1-forwarded');

  // 3. ubnd is notified: in its inbox, and the push is shown in Vietnamese.
  const notes = await ubnd.call('GET', '/api/v1/notifications?unread=true&limit=50');
  const note = notes.body.items.find((n) => n.kind === 'recommendation_forwarded' && n.data?.recommendation_id === id);
  assert.ok(note, 'ubnd was notified');
  assert.equal(note.title, 'Kiến nghị chờ trả lời');
  assert.match(note.body, new RegExp('hạn trả lời ' + vn(due)));
  const r = await device(browser);
  const { push: sendPush } = await pushes(r.ctx, r.page);
  await login(r.page, 'ubnd');
  const tag = 'rec:' + id;
  const [n] = await sendPush(JSON.stringify({ id: note.id, kind: note.kind, title: note.title, body: note.body, link: note.link, tag }), tag);
  assert.equal(n.title, 'Kiến nghị chờ trả lời');
  assert.equal(n.data.link, '#/recs/' + id);

  // 4. ubnd answers: a document number is asked for, then the answer goes with it.
  await r.page.goto(base + '/#/recs/' + id);
  await r.page.locator('#rc-answer').waitFor();
  await r.page.fill('#rc-answer', 'UBND xã đã giao cán bộ địa chính kiểm tra, sẽ sửa cống trong tháng.');
  await r.page.fill('#rc-doc-number', '');
  await r.page.getByRole('button', { name: 'Ghi nhận trả lời' }).click();
  // The refusal shows by the button pressed, on the screen, not at the top of the page.
  const said = r.page.locator('section.actions [role=alert]', { hasText: 'Cần ghi số văn bản trả lời' });
  await said.waitFor();
  assert.ok(await said.evaluate((el) => { const b = el.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight; }), 'the refusal is on the screen');
  await r.page.fill('#rc-doc-number', '12/UBND');
  await r.page.getByRole('button', { name: 'Ghi nhận trả lời' }).click();
  await r.page.locator('li.answer', { hasText: 'Văn bản số 12/UBND ngày ' + vn(today()) }).waitFor();
  assert.equal((await r.page.textContent('#rec-status')).trim(), 'Đã trả lời');

  // 5. giamsat2 sends it back; ubnd answers again; giamsat2 accepts.
  await s.page.reload();
  await s.page.fill('#rc-reason', 'Chưa nêu thời gian hoàn thành cụ thể.');
  await s.page.getByRole('button', { name: 'Yêu cầu trả lời lại', exact: true }).click();
  await history.locator('li.event', { hasText: 'Yêu cầu trả lời lại' }).waitFor();
  await r.page.reload();
  await r.page.locator('#rc-answer').waitFor();
  await r.page.fill('#rc-answer', 'Hoàn thành sửa cống trước ngày 30 tháng này.');
  await r.page.fill('#rc-doc-number', '15/UBND');
  await r.page.getByRole('button', { name: 'Ghi nhận trả lời' }).click();
  await r.page.locator('li.answer', { hasText: 'Văn bản số 15/UBND' }).waitFor();
  await r.ctx.close();
  await s.page.reload();
  await s.page.getByRole('button', { name: 'Trả lời thỏa đáng', exact: true }).click();
  await history.locator('li.event', { hasText: 'Trả lời thỏa đáng' }).waitFor();

  // 6. bithu, the cell's secretary, confirms it settled on the ground.
  const b = await device(browser);
  await login(b.page, 'bithu');
  await b.page.goto(base + '/#/recs/' + id);
  await b.page.locator('#rc-confirm-note').waitFor();
  await b.page.fill('#rc-confirm-note', 'Chi bộ đã kiểm tra, cống đã sửa xong.');
  await b.page.getByRole('button', { name: 'Xác nhận đã giải quyết xong trên thực tế' }).click();
  await b.page.locator('ol.history li.event', { hasText: 'Bí thư chi bộ xác nhận đã giải quyết xong' }).waitFor();
  assert.equal((await b.page.textContent('#rec-status')).trim(), 'Đã giải quyết dứt điểm');
  await b.ctx.close();

  // 7. On the list for the next giao ban (recorded through sync by bithu, a secretary of the commune's cells, as
  // the secretaries' devices do), and announced at it.
  const briefing = crypto.randomUUID();
  const push = await bithu.call('POST', '/api/v1/sync/push', { client_id: crypto.randomUUID(), mutations: [{ seq: 1, t: 'meetings', op: 'upsert',
    row_id: briefing, base_version: 0, fields: { cell_id: commune, form: 'briefing', meeting_date: today(), status: 'held', type: 'regular',
      mode: 'in_person', place: 'Hội trường Đảng ủy xã' } }] });
  assert.equal(push.body.results[0].status, 'applied', JSON.stringify(push.body));
  await s.page.goto(base + '/#/recs');
  await s.page.getByRole('button', { name: 'Cần thông báo tại giao ban' }).click();
  await s.page.locator('a.rec', { hasText: stamp }).click();
  await s.page.locator('#rc-briefing').waitFor();
  await s.page.selectOption('#rc-briefing', briefing);
  await s.page.getByRole('button', { name: 'Thông báo tại buổi giao ban đã chọn' }).click();
  await history.locator('li.event', { hasText: 'Thông báo lại cho chi bộ' }).filter({ hasText: 'tại giao ban ngày ' + vn(today()) }).waitFor();
  await shot(s.page, 'loop-2-announced');
  const text = await history.textContent();
  for (const step of ['Chỉ đạo', 'Chuyển cơ quan giải quyết', 'UBND xã Triệu Phong', 'Văn bản số 12/UBND ngày ' + vn(today()), 'Yêu cầu trả lời lại',
    'Văn bản số 15/UBND', 'Trả lời thỏa đáng', 'Bí thư chi bộ xác nhận đã giải quyết xong', 'Thông báo lại cho chi bộ']) {
    assert.ok(text.includes(step), step);
  }
  const fin = await sup.call('GET', '/api/v1/recommendations/' + id);
  assert.equal(fin.body.status, 'resolved');
  assert.equal(fin.body.announced_meeting_id, briefing);
  assert.ok(fin.body.confirmed_at);
  const left = await sup.call('GET', '/api/v1/recommendations?to_announce=true&unit=' + commune + '&q=' + stamp);
  assert.equal(left.body.items.length, 0, 'announced: off the list');
  await s.ctx.close();
});

test('UBND xã answers that the matter is beyond it: passed up to Sở Nông nghiệp và Môi trường, which answers', async () => {
  const sup = await client('giamsat2');
  const so = await client('songnmt');
  const news = await sup.call('GET', '/api/v1/recommendations?status=new&limit=5');
  const rec = news.body.items[0];
  assert.ok(rec, 'a new recommendation of Triệu Phong');
  const m = await sup.call('GET', '/api/v1/addressees/match?province_id=' + rec.cell_id + '&cell_id=' + rec.cell_id + '&text=' + encodeURIComponent('UBND xã'));
  const body = m.body.addressee?.id;
  assert.ok(body, 'UBND xã matched: ' + JSON.stringify(m.body));
  const due = plus(10);
  const fw = await sup.call('POST', '/api/v1/recommendations/' + rec.id + '/forward', { addressee_id: body, due_on: due });
  assert.equal(fw.status, 200, JSON.stringify(fw.body));

  // ubnd answers on its phone: beyond its competence, to the Sở, with the document.
  const r = await device(browser);
  await login(r.page, 'ubnd');
  await r.page.goto(base + '/#/recs/' + rec.id);
  await r.page.locator('#rc-answer').waitFor();
  await r.page.fill('#rc-answer', 'Nạo vét kênh cấp 2 thuộc thẩm quyền của Sở Nông nghiệp và Môi trường.');
  await r.page.fill('#rc-doc-number', '20/UBND-KT');
  await r.page.check('#rc-beyond');
  await r.page.fill('#rc-up-q', 'nong nghiep');
  await r.page.locator('#rc-up option', { hasText: 'Sở Nông nghiệp và Môi trường' }).waitFor({ state: 'attached' });
  await r.page.selectOption('#rc-up', { label: 'Sở Nông nghiệp và Môi trường' });
  await r.page.getByRole('button', { name: 'Chuyển lên cơ quan cấp trên' }).click();
  const history = r.page.locator('ol.history');
  await history.locator('li.event', { hasText: 'Chuyển lên cấp trên' }).filter({ hasText: 'Sở Nông nghiệp và Môi trường' }).waitFor();
  const newDue = plus(15);
  assert.match(await history.textContent(), new RegExp('Văn bản số 20/UBND-KT ngày ' + vn(today()) + '.*hạn ' + vn(newDue)));
  await shot(r.page, 'loop-3-escalated');
  await r.ctx.close();

  // The Sở's responder is told, and answers.
  const notes = await so.call('GET', '/api/v1/notifications?unread=true&limit=50');
  const note = notes.body.items.find((n) => n.kind === 'recommendation_escalated' && n.data?.recommendation_id === rec.id);
  assert.ok(note, 'songnmt was notified');
  assert.equal(note.title, 'Kiến nghị chuyển lên cấp trên');
  assert.match(note.body, /UBND xã Triệu Phong trả lời thuộc thẩm quyền cấp trên/);
  const ans = await so.call('POST', '/api/v1/recommendations/' + rec.id + '/answers', { body: 'Sở bố trí kinh phí nạo vét trong quý I.',
    doc_number: '305/SNNMT-TL', doc_date: today() });
  assert.equal(ans.status, 200, JSON.stringify(ans.body));
  assert.equal(ans.body.status, 'answered');
  assert.equal(ans.body.escalations, 1);
  assert.equal(ans.body.due_on, newDue);
});

test('the monthly report has the table by addressee the statistics give', async () => {
  const sup = await client('giamsat2');
  const { ctx, page } = await device(browser);
  await login(page, 'giamsat2');
  await page.goto(base + '/#/report');
  await page.waitForSelector('h1.title >> text=Báo cáo tháng');
  const ym = await page.inputValue('#rp-month');
  const cov = (await sup.call('GET', '/api/v1/coverage?period=' + ym)).body;
  const [y, m] = ym.split('-').map(Number);
  const end = ym + '-' + String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0');
  const st = (await sup.call('GET', '/api/v1/recommendations/stats?from=' + ym + '-01&to=' + end + '&unit=' + cov.unit.id)).body;
  assert.ok(Array.isArray(st.by_addressee) && st.by_addressee.length > 0, "the demo's month has recommendations forwarded to the directory's bodies");
  const table = page.locator('table.by-addressee');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), st.by_addressee.length);
  const first = st.by_addressee[0];
  const row = table.locator('tbody tr', { hasText: first.name }).first();
  const cells = (await row.locator('td').allTextContents()).map((x) => x.trim());
  assert.deepEqual(cells, [first.received, first.answered, first.answered_on_time, first.overdue, first.sent_back, first.escalated].map(String));
  await shot(page, 'loop-4-report');
  await ctx.close();
});
