// The minutes (biên bản sinh hoạt chi bộ): a past demo meeting shows the minutes the demo wrote; the minutes are
// filled offline on the province's template (header, guests, items, who spoke, last month's tasks ticked off, the
// tasks, the vote); the app prints them as an A4 biên bản in the party's layout, offline (read back from the PDF
// Chromium renders), and the server gives them as a Word document for the archive.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { launch, device, login, synced, shot, base, client, savedOnDevice, axe, today } from './helpers.mjs';
import { pdfText } from './pdftext.mjs';

const browser = await launch();
after(() => browser.close());

// unzip returns the named file of a zip archive (through its central directory).
function unzip(buf, name) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a zip archive');
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extra = buf.readUInt16LE(p + 30), comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nameLen + extra + comment;
  }
  throw new Error('no ' + name + ' in the archive');
}

// docxText is the text of a DOCX, one line per paragraph.
const docxText = (buf) => unzip(buf, 'word/document.xml')
  .replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// flat joins a text's lines and spaces, so a check does not depend on where a line wraps.
const flat = (s) => s.replace(/\s+/g, ' ');

// raw fetches a file from the API as a user.
async function raw(username, path) {
  const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'chibo-demo' }) });
  const { access_token } = await r.json();
  return fetch(base + path, { headers: { Authorization: 'Bearer ' + access_token } });
}

const dmy = (iso) => iso.split('-').reverse().join('/');

// expectPaper checks the text of a printed or downloaded biên bản of a meeting with the API's view of it.
function expectPaper(text, m, higher, what) {
  const [y, mo, d] = m.meeting_date.split('-');
  const att = (s) => m.attendance.filter((a) => a.status === s).length;
  const t = flat(text);
  for (const want of [
    'ĐẢNG CỘNG SẢN VIỆT NAM', higher.toUpperCase(), m.cell_name.toUpperCase(), 'Số …-BB/CB',
    `ngày ${d} tháng ${mo} năm ${y}`, 'BIÊN BẢN SINH HOẠT CHI BỘ', `ngày ${dmy(m.meeting_date)}`,
    `có mặt: ${att('present')}; vắng: ${att('excused') + att('unexcused')} (có lý do: ${att('excused')}, không có lý do: ${att('unexcused')})`,
    `Chủ trì: đồng chí ${m.chair_name}`, `Thư ký: đồng chí ${m.secretary_name}`,
    '1. Khai mạc, tuyên bố lý do, giới thiệu đại biểu', 'Đánh giá kết quả thực hiện nghị quyết tháng trước', 'Thảo luận',
    'Kết luận của đồng chí chủ trì', 'THƯ KÝ', 'CHỦ TRÌ', '(Ký, ghi rõ họ tên)',
  ]) assert.ok(t.includes(want), `${what} lacks «${want}»:\n${text}`);
  // The signature blocks close the document, after the closing: the minute-taker's and the chair's, with their names.
  const tail = t.slice(t.lastIndexOf('III. KẾT THÚC'));
  for (const want of ['THƯ KÝ', 'CHỦ TRÌ', m.secretary_name, m.chair_name]) {
    assert.ok(tail.includes(want), `${what}: the signatures lack «${want}»:\n${tail}`);
  }
}

test('a past demo meeting shows its minutes, prints as a biên bản offline and downloads as a Word document', async () => {
  const { call } = await client('canbo');
  const held = (await call('GET', '/api/v1/meetings?status=held&limit=200')).body.items
    .filter((m) => m.type === 'regular' && m.meeting_date < today())
    .sort((a, b) => b.meeting_date.localeCompare(a.meeting_date));
  assert.ok(held.length > 0, 'canbo has past meetings');
  // The latest that canbo attended (its minutes name canbo among the guests) and whose visit report it has not sent;
  // when the demo has sent them all (which ones it has sent depends on the day), the latest it attended, whose
  // minutes a sent report has locked: shown as text, printed and downloaded all the same.
  const me = (await call('GET', '/api/v1/me')).body;
  let m, locked;
  for (const h of held) {
    const x = (await call('GET', '/api/v1/meetings/' + h.id)).body;
    if (!(x.notes?.guests || []).some((g) => g.higher && g.name === me.display_name)) continue;
    const sent = x.visit_reports.some((r) => r.official_id === me.id && r.status === 'submitted');
    if (!locked && sent) locked = x;
    if (!sent) { m = x; break; }
  }
  m ||= locked;
  assert.ok(m, 'canbo attended a past meeting');
  const opening = m.notes?.items?.find((i) => i.key === 'opening')?.text || '';
  assert.ok(opening.length > 20, 'the demo wrote the minutes of a past meeting where the app reads them');
  const unit = me.grants.find((g) => g.role === 'official');
  const higher = unit.org_unit_name;

  const { ctx, page } = await device(browser);
  await login(page, 'canbo');
  await page.goto(base + '/#/m/' + m.id + '/minutes');
  await page.waitForSelector('#h-opening');
  // A field is a text box, or, where a sent report has locked the minutes, a text.
  const shows = async (id, text) => (m === locked ? (await page.locator('.ro-text').allTextContents()).includes(text) : (await page.inputValue('#' + id)) === text);
  assert.equal(await page.locator('#n-opening').count(), m === locked ? 0 : 1, 'a sent report locks the minutes, only then');
  assert.ok(await shows('n-opening', opening), 'the minutes tab shows the demo minutes');
  const guest = m.notes.guests.find((g) => g.higher);
  assert.ok(await shows('g-name-0', guest.name), 'the visiting official is among the guests');
  assert.equal(await page.locator('#m-chair option:checked').textContent(), m.chair_name);
  // Last month's tasks, ticked off as the demo recorded.
  const done = m.notes.items.find((i) => i.key === 'review').done || {};
  const ticks = page.locator('#h-review ~ ul.tasks li.task');
  assert.equal(await ticks.count(), Object.keys(done).length, "last month's tasks are listed for the evaluation");
  assert.ok(Object.keys(done).length > 0, "the demo's evaluation ticks last month's tasks off");
  await shot(page, 'minutes-01-demo');
  await axe(page, 'minutes tab');

  // Offline, from the device: print to A4 and read the text back.
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('#h-opening');
  await page.getByRole('button', { name: 'In biên bản' }).waitFor();
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const box = /\/MediaBox\s*\[0 0 (\d+\.?\d*) (\d+\.?\d*)\]/.exec(pdf.toString('latin1'));
  assert.ok(box && Math.abs(box[1] - 595.3) < 2 && Math.abs(box[2] - 841.9) < 2, 'A4 pages: ' + box?.[0]);
  const pages = pdfText(pdf);
  const printed = pages.join('\n');
  expectPaper(printed, m, higher, 'the printed minutes');
  assert.ok(flat(printed).includes(flat(opening)), 'the opening as recorded');
  assert.ok(!/Thông tin chung|Đồng bộ|Quay lại|Chấm điểm/.test(printed), 'only the biên bản is printed, not the screen:\n' + printed.slice(0, 400));
  assert.ok(pages.length <= 4, `${pages.length} pages`);
  await ctx.setOffline(false);

  // From the server, for the archive: the download button, then the same document read back.
  await synced(page, 45000);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải tệp biên bản để lưu trữ' }).click()]);
  assert.match(dl.suggestedFilename(), /^bien-ban-sinh-hoat-chi-bo-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.docx$/);
  const docx = docxText(readFileSync(await dl.path()));
  expectPaper(docx, m, higher, 'the downloaded minutes');
  assert.ok(flat(docx).includes(flat(opening)));
  // A meeting of a cell outside the official's scope is not there.
  const other = await raw('canbo8', '/api/v1/meetings/' + m.id + '/minutes.docx');
  assert.equal(other.status, 404, "another commune's official does not get the minutes");
  await ctx.close();
});

test('the minutes are filled offline on the template, ticking off last month\'s tasks, and reach the server', async () => {
  const { call } = await client('canbo9');
  const ms = (await call('GET', '/api/v1/meetings?limit=200')).body.items.sort((a, b) => a.meeting_date.localeCompare(b.meeting_date));
  const planned = ms.find((m) => m.status === 'planned' && m.type === 'regular' && m.meeting_date >= today());
  assert.ok(planned, 'canbo9 has a planned meeting');
  const prev = ms.filter((m) => m.cell_id === planned.cell_id && m.status === 'held' && m.meeting_date < planned.meeting_date).pop();
  const prevTasks = prev.notes.items.flatMap((i) => i.tasks || []);
  assert.ok(prevTasks.length >= 2, 'the previous meeting has tasks');

  const { ctx, page } = await device(browser);
  await login(page, 'canbo9');
  await page.goto(base + '/#/m/' + planned.id + '/attendance');
  await page.waitForSelector('.roster');
  await ctx.setOffline(true);
  await page.getByRole('button', { name: 'Tất cả có mặt' }).click();
  const rows = page.locator('.roster:not(.exempt) > li');
  await rows.nth(2).locator('button.seg.u').click();
  await page.click('.tabs >> text=Biên bản');
  await page.waitForSelector('#n-opening');
  // Before anything is written, the required items are listed as missing.
  await page.locator('.warn', { hasText: 'Biên bản còn thiếu' }).waitFor();

  await page.fill('#m-start', '19:30');
  await page.fill('#m-end', '21:20');
  await page.fill('#place', 'Hội trường thôn');
  await page.selectOption('#m-chair', { index: 1 });
  await page.selectOption('#m-secretary', { index: 2 });
  await page.getByRole('button', { name: 'Thêm tôi (đại biểu cấp trên)' }).click();
  await page.locator('#g-post-0').waitFor();
  await page.fill('#g-post-0', 'Ủy viên Ban Thường vụ, Trưởng ban Xây dựng Đảng');
  await page.fill('#n-opening', 'Đồng chí Bí thư khai mạc, giới thiệu đại biểu cấp trên về dự.');
  // Last month's tasks: the first done, the second not.
  const ticks = page.locator('#h-review ~ ul.tasks li.task');
  assert.equal(await ticks.count(), prevTasks.length);
  await ticks.nth(0).getByRole('button', { name: 'Đã hoàn thành' }).click();
  await ticks.nth(1).getByRole('button', { name: 'Chưa hoàn thành' }).click();
  await page.fill('#n-review', 'Chi bộ hoàn thành cơ bản nghị quyết tháng trước.');
  await page.fill('#n-news', 'Phổ biến kế hoạch phòng chống rét cho gia súc.');
  const speaker = await page.locator('#sp-discussion option').nth(3).textContent();
  await page.selectOption('#sp-discussion', { index: 3 });
  await page.locator('#sp-discussion-0').waitFor();
  await page.fill('#sp-discussion-0', 'Đề nghị thôn sớm sửa cống thoát nước xóm Đông.');
  await page.fill('#n-conclusion', 'Đồng chí chủ trì kết luận, thống nhất các nội dung.');
  await page.fill('#n-resolution', 'Nghị quyết: sửa cống thoát nước trước Tết; ra quân vệ sinh đường làng.');
  await page.getByRole('button', { name: 'Thêm nhiệm vụ' }).click();
  await page.locator('#tk-resolution-0-what').waitFor();
  await page.fill('#tk-resolution-0-what', 'Sửa cống thoát nước xóm Đông');
  await page.fill('#tk-resolution-0-who', 'Chi hội Nông dân');
  await page.fill('#tk-resolution-0-due', '2030-01-20');
  await page.getByRole('button', { name: /Tất cả \d+ đồng chí có mặt tán thành/ }).click();
  await page.fill('#v-resolution-against', '1');
  await page.click('#place');
  await savedOnDevice(page, 'Sửa cống thoát nước xóm Đông');
  await savedOnDevice(page, 'Đồng chí chủ trì kết luận');
  assert.equal(await page.locator('.warn', { hasText: 'Biên bản còn thiếu' }).count(), 0, 'every required item is filled');
  await shot(page, 'minutes-02-filled');

  // Reopened offline: all there; the print has it.
  await page.reload();
  await page.waitForSelector('#h-opening');
  assert.equal(await page.inputValue('#tk-resolution-0-who'), 'Chi hội Nông dân');
  assert.equal(await ticks.nth(0).getByRole('button', { name: 'Đã hoàn thành' }).getAttribute('aria-pressed'), 'true');
  const printed = flat(pdfText(await page.pdf({ format: 'A4' })).join('\n'));
  for (const want of ['bắt đầu lúc 19 giờ 30 phút', 'Địa điểm: Hội trường thôn', 'Trưởng ban Xây dựng Đảng',
    `${prevTasks[0].what}: đã hoàn thành`, `${prevTasks[1].what}: chưa hoàn thành`, `Đồng chí ${speaker}: Đề nghị thôn sớm sửa cống`,
    'Sửa cống thoát nước xóm Đông — Chi hội Nông dân — hạn 20/01/2030', 'đồng chí tán thành, 1 đồng chí không tán thành',
    'kết thúc lúc 21 giờ 20 phút']) {
    assert.ok(printed.includes(want), `the print lacks «${want}»:\n${printed}`);
  }

  // Back online: the server has the minutes, and its Word document says the same.
  await ctx.setOffline(false);
  await synced(page, 45000);
  const m = (await call('GET', '/api/v1/meetings/' + planned.id)).body;
  const item = (k) => m.notes.items.find((i) => i.key === k);
  assert.equal(item('conclusion').text, 'Đồng chí chủ trì kết luận, thống nhất các nội dung.');
  assert.equal(m.resolution, 'Nghị quyết: sửa cống thoát nước trước Tết; ra quân vệ sinh đường làng.');
  assert.deepEqual(item('resolution').tasks.map(({ what, who, due }) => ({ what, who, due })),
    [{ what: 'Sửa cống thoát nước xóm Đông', who: 'Chi hội Nông dân', due: '2030-01-20' }]);
  assert.equal(item('resolution').vote.against, 1);
  assert.deepEqual(item('review').done, { [prevTasks[0].id]: true, [prevTasks[1].id]: false });
  assert.deepEqual(item('discussion').speeches, [{ name: speaker, text: 'Đề nghị thôn sớm sửa cống thoát nước xóm Đông.' }]);
  assert.equal(m.notes.guests[0].higher, true);
  const r = await raw('canbo9', '/api/v1/meetings/' + planned.id + '/minutes.docx');
  assert.equal(r.status, 200);
  const docx = flat(docxText(Buffer.from(await r.arrayBuffer())));
  for (const want of ['Sửa cống thoát nước xóm Đông — Chi hội Nông dân — hạn 20/01/2030', `${prevTasks[0].what}: đã hoàn thành`,
    'Đại biểu cấp trên: đồng chí', 'Trưởng ban Xây dựng Đảng', 'có mặt:', 'không có lý do: 1']) {
    assert.ok(docx.includes(want), `the Word document lacks «${want}»:\n${docx}`);
  }
  await ctx.close();
});

test('the score: the attendance criteria come from the attendance, the maximum from the rubric of the meeting day', async () => {
  const { call } = await client('canbo9');
  const ms = (await call('GET', '/api/v1/meetings?status=held&limit=200')).body.items
    .filter((m) => m.type === 'regular').sort((a, b) => b.meeting_date.localeCompare(a.meeting_date));
  const m = (await call('GET', '/api/v1/meetings/' + ms[0].id)).body;
  const unexcused = m.attendance.filter((a) => a.status === 'unexcused').length;
  const { ctx, page } = await device(browser);
  await login(page, 'canbo9');
  await page.goto(base + '/#/m/' + m.id + '/score');
  await page.locator('.criterion').first().waitFor();
  const computed = page.locator('.criterion:has(.computed)');
  assert.equal(await computed.count(), 3, 'three attendance criteria are computed');
  assert.equal(await computed.locator('button').count(), 0, 'and not typed');
  const noUnexcused = computed.filter({ hasText: 'Không có đảng viên vắng không có lý do' });
  assert.equal(await noUnexcused.locator('output').textContent(), unexcused === 0 ? '5' : '0');
  await page.locator('.score-head strong', { hasText: /\/ 100$/ }).waitFor(); // the default rubric's 11 criteria add up to 100
  const outputs = await page.locator('.criterion output').allTextContents();
  const sum = outputs.reduce((s, x) => s + Number(x), 0);
  assert.equal(await page.locator('.score-head strong').first().textContent(), `${sum} / 100`);
  await shot(page, 'minutes-03-score');
  await ctx.close();
});
