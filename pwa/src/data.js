// What the screens need, read from the view: the official's cells, meetings (held, planned and the ones the
// schedule expects), rosters, visit reports, the province's reference data.
import { list, get, session, mutate } from './state.js';
import { attendanceId, reportId, scheduledMeetingId } from './uuid.js';
import { t, lang } from './i18n.js';

export const me = () => session.value?.user;

// today in Asia/Ho_Chi_Minh, "2026-11-22".
export function today() {
  return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
}

// MEETING_EARLIEST and meetingLatest bound a meeting's date as the server does (server/store/models.go): not before
// the founding of the Party, not more than 24 months after today. A date input given them cannot take a mistyped year.
export const MEETING_EARLIEST = '1930-02-03';
export function meetingLatest() {
  const [y, m, d] = today().split('-').map(Number);
  return new Date(Date.UTC(y + 2, m - 1, d)).toISOString().slice(0, 10);
}

// myCellIds are the cells the user works in, as the server's sync scopes have them (sync/engine/scopes.go): those
// it is assigned to as an official (active assignments not ended, upcoming included) and those it is secretary of.
// A supervisor's or admin's grant adds none: the units of its subtree are not "its cells".
export function myCellIds() {
  const u = me();
  if (!u) return new Set();
  const now = today();
  const grants = u.grants || [];
  const ids = new Set(grants.filter((g) => g.role === 'secretary' && g.org_unit_id).map((g) => g.org_unit_id));
  if (grants.some((g) => g.role === 'official')) {
    for (const a of list('assignments')) {
      if (a.official_id === u.id && a.status === 'active' && (!a.ends_on || a.ends_on >= now)) ids.add(a.cell_id);
    }
  }
  return ids;
}

// cells lists the user's cells (myCellIds) the device holds, by name.
export function cells() {
  const ids = myCellIds();
  return [...ids].map((id) => get('org_units', id)).filter((u) => u && u.kind === 'cell').sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

export function members(cellId) {
  return list('members')
    .filter((m) => m.cell_id === cellId && m.status !== 'transferred' && m.status !== 'deceased')
    .sort((a, b) => lastName(a.full_name).localeCompare(lastName(b.full_name), 'vi') || a.full_name.localeCompare(b.full_name, 'vi'));
}

// Vietnamese names sort by the given name, the last word.
const lastName = (n) => n.split(' ').pop();

export const exempt = (m) => m.status === 'exempt' || (m.status === 'temp_exempt' && (!m.temp_exempt_until || m.temp_exempt_until >= today()));

export function meetingsOf(cellId) {
  return list('meetings').filter((m) => m.cell_id === cellId).sort((a, b) => b.meeting_date.localeCompare(a.meeting_date));
}

export function myReport(meetingId) {
  const u = me();
  return u ? get('visit_reports', reportId(meetingId, u.id)) : undefined;
}

// reportLocked says whether the user's visit report of a meeting is submitted: its attendance, minutes, score and
// recommendations are then read-only in the app until the report is reopened with a reason.
export const reportLocked = (meetingId) => myReport(meetingId)?.status === 'submitted';

export function attendanceOf(meetingId) {
  const out = new Map();
  for (const a of list('attendance')) if (a.meeting_id === meetingId) out.set(a.member_id, a);
  return out;
}

// third is the 3rd of the month i months after the one of day ("2026-11-22", 1 → "2026-12-03"): the day the schedule
// expects a cell's regular meeting.
export function third(day, i) {
  const [y, mo] = day.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1 + i, 3)).toISOString().slice(0, 10);
}

// upcoming lists, for each of the official's cells, the meetings of today and later: the ones on record and, for
// months without one, the regular meeting the schedule expects on the 3rd.
export function upcoming(months = 2) {
  const now = today();
  const out = [];
  for (const c of cells()) {
    const recorded = meetingsOf(c.id);
    for (const m of recorded) if (m.meeting_date >= now && m.status !== 'cancelled') out.push({ cell: c, meeting: m });
    for (let i = 0; i < months; i++) {
      const d = third(now, i);
      const month = d.slice(0, 7);
      if (d < now || recorded.some((m) => m.meeting_date.slice(0, 7) === month && m.type === 'regular')) continue;
      out.push({ cell: c, expected: d });
    }
  }
  return out.sort((a, b) => (a.meeting?.meeting_date || a.expected).localeCompare(b.meeting?.meeting_date || b.expected));
}

// unfinished lists held meetings of the official's cells, up to today, whose report by this official is missing
// or still a draft (the last three months).
export function unfinished() {
  const now = today();
  const since = new Date(Date.parse(now) - 92 * 86400e3).toISOString().slice(0, 10);
  const out = [];
  for (const c of cells()) {
    for (const m of meetingsOf(c.id)) {
      if (m.meeting_date > now || m.meeting_date < since || m.status === 'cancelled') continue;
      const r = myReport(m.id);
      if (!r || r.status !== 'submitted') out.push({ cell: c, meeting: m, report: r });
    }
  }
  return out;
}

export function myVisits() {
  const u = me();
  if (!u) return [];
  return list('visit_reports')
    .filter((r) => r.official_id === u.id)
    .map((r) => ({ report: r, meeting: get('meetings', r.meeting_id) }))
    .filter((x) => x.meeting)
    .sort((a, b) => b.meeting.meeting_date.localeCompare(a.meeting.meeting_date));
}

// inForce picks, of reference rows with a province and a first day, the one in force on a day: the latest valid
// that day, a province's own before the default (no province).
function inForce(rows, day) {
  return rows
    .filter((r) => !r.valid_from || r.valid_from <= day)
    .sort((a, b) => (b.province_id ? 1 : 0) - (a.province_id ? 1 : 0) || (b.valid_from || '').localeCompare(a.valid_from || ''))[0] || null;
}

// rubric returns the scoring rubric in force on a day (default today) with its criteria and maximum.
export function rubric(day = today()) {
  const r = inForce(list('rubrics'), day);
  if (!r) return null;
  const criteria = list('rubric_criteria').filter((c) => c.rubric_id === r.id).sort((a, b) => a.sort_order - b.sort_order);
  return { ...r, criteria, max: criteria.reduce((s, c) => s + c.max_points, 0) };
}

export function gradeFor(r, total) {
  if (total >= r.good_min) return 'tot';
  if (total >= r.fair_min) return 'kha';
  if (total >= r.average_min) return 'trung_binh';
  return 'kem';
}

export function fields() {
  const fs = list('recommendation_fields').filter((f) => f.active);
  const own = fs.filter((f) => f.province_id);
  return (own.length ? own : fs).sort((a, b) => a.sort_order - b.sort_order);
}

export function recsOf(cellId) {
  return list('recommendations').filter((r) => r.cell_id === cellId).sort((a, b) => (b.raised_on || '').localeCompare(a.raised_on || ''));
}

export function answersOf(recId) {
  return list('recommendation_answers').filter((a) => a.recommendation_id === recId).sort((a, b) => a.answered_at.localeCompare(b.answered_at));
}

// startMeeting creates the meeting the schedule expected, so the official can record it. A regular meeting takes
// the cell's scheduled id for its month, so it is the same row as the one the server plans (and another device's).
export async function startMeeting(cellId, date) {
  const id = scheduledMeetingId(cellId, date.slice(0, 7));
  await mutate([{ t: 'meetings', id, fields: { cell_id: cellId, meeting_date: date, type: 'regular', mode: 'in_person', status: 'planned' } }]);
  return id;
}

// ensureReport creates the official's visit report of a meeting if it has none.
export async function ensureReport(meetingId, extra = {}) {
  const id = reportId(meetingId, me().id);
  if (!get('visit_reports', id)) await mutate([{ t: 'visit_reports', id, fields: { meeting_id: meetingId, status: 'draft', ...extra } }]);
  return id;
}

export async function mark(meetingId, memberId, status, reason = '') {
  const id = attendanceId(meetingId, memberId);
  const cur = get('attendance', id);
  const fields = cur ? { status, reason } : { meeting_id: meetingId, member_id: memberId, status, reason };
  await mutate([{ t: 'attendance', id, fields }]);
}

export async function markAll(meetingId, memberList, status) {
  const items = [];
  for (const m of memberList) {
    const id = attendanceId(meetingId, m.id);
    if (get('attendance', id)) continue;
    items.push({ t: 'attendance', id, fields: { meeting_id: meetingId, member_id: m.id, status, reason: '' } });
  }
  if (items.length) await mutate(items);
}

// The minutes (biên bản): the province's template in force on the meeting day gives the agenda items; the
// meeting's notes hold what was recorded ({template_id, guests: [{name, post, higher}], items: [{key, text,
// speeches: [{name, text}], tasks: [{id, what, who, due}], vote: {for, against}, done: {task id: bool}}]}).

// NOTE_ITEMS are the keys of the default template's items.
export const NOTE_ITEMS = ['opening', 'review', 'news', 'thematic', 'discussion', 'guidance', 'conclusion', 'resolution', 'thematic_resolution'];

// FALLBACK_ITEMS are the default template's items, for a device that has not received the templates yet:
// key, kind, required, meeting types.
const FALLBACK_ITEMS = [['opening', 'text', true, []], ['review', 'review', true, []], ['news', 'text', true, ['regular']],
  ['thematic', 'text', true, ['thematic']], ['discussion', 'discussion', true, []], ['guidance', 'text', false, []],
  ['conclusion', 'text', true, []], ['resolution', 'resolution', true, ['regular']], ['thematic_resolution', 'resolution', false, ['thematic']]];

// template returns the minutes template in force on a day with its item definitions.
export function template(day = today()) {
  const tp = inForce(list('minutes_templates'), day);
  if (!tp) return null;
  return { ...tp, items: Array.isArray(tp.items) ? tp.items : [] };
}

// minutesOf returns a meeting's recorded minutes.
export function minutesOf(meeting) {
  const n = meeting?.notes;
  return { guests: Array.isArray(n?.guests) ? n.guests : [], items: Array.isArray(n?.items) ? n.items : [], template_id: n?.template_id };
}

// itemLabel is an item definition's label in the interface's language.
export const itemLabel = (def) => (lang.value === 'en' && def.label_en) || def.label_vi;

// notesOf returns the items of a meeting's minutes: each definition of the template that applies to the meeting's
// type, with what was recorded under it (text, speeches, tasks, vote, done) and its label.
export function notesOf(meeting) {
  const tp = template(meeting?.meeting_date || today());
  const doc = minutesOf(meeting);
  const byKey = new Map(doc.items.map((i) => [i.key, i]));
  const defs = tp ? tp.items : FALLBACK_ITEMS.map(([key, kind, required, types]) => ({ key, kind, required, types, label_vi: t('item_' + key), label_en: t('item_' + key) }));
  return defs
    .filter((d) => !d.types?.length || d.types.includes(meeting?.type || 'regular'))
    .map((d) => {
      const rec = byKey.get(d.key) || {};
      const item = { ...rec, key: d.key, kind: d.kind, required: !!d.required, label: itemLabel(d), text: rec.text || '' };
      // The month's resolution was kept in the meeting's resolution before the minutes had items.
      if (d.key === 'resolution' && !item.text) item.text = meeting?.resolution || '';
      return item;
    });
}

// previousMeeting is the cell's last meeting before this one that was not cancelled.
export function previousMeeting(meeting) {
  return meetingsOf(meeting.cell_id).find((m) => m.meeting_date < meeting.meeting_date && m.status !== 'cancelled') || null;
}

// tasksOf lists the tasks of every resolution of a meeting's minutes.
export const tasksOf = (meeting) => minutesOf(meeting).items.flatMap((i) => (Array.isArray(i.tasks) ? i.tasks : []));

// itemEmpty says whether nothing was recorded under an item (last month's tasks ticked off count for the evaluation).
export function itemEmpty(item) {
  const has = (x) => typeof x === 'string' && x.trim() !== '';
  return !has(item.text) && !(item.speeches || []).some((s) => has(s.name)) && !(item.tasks || []).some((x) => has(x.what)) &&
    !(item.done && Object.keys(item.done).length) && item.vote?.for == null;
}

// requiredMissing returns the labels of the required items of a meeting's minutes that are still empty.
export function requiredMissing(meeting) {
  return notesOf(meeting).filter((i) => i.required && itemEmpty(i)).map((i) => i.label);
}

// saveMinutes changes a meeting's minutes as they are now on the device (not as last drawn): change(doc) returns the
// new document. extra are other fields of the meeting to write with it.
export function saveMinutes(meetingId, change, extra = {}) {
  const cur = get('meetings', meetingId);
  const doc = minutesOf(cur);
  const tp = template(cur?.meeting_date || today());
  const next = change({ ...doc, template_id: doc.template_id || tp?.id });
  const notes = { template_id: next.template_id, guests: next.guests, items: next.items };
  if (!notes.template_id) delete notes.template_id;
  return mutate([{ t: 'meetings', id: meetingId, fields: { notes, ...extra } }]);
}

// saveItem changes one item of the minutes: patch(item) returns the item's new fields.
export function saveItem(meetingId, key, patch, extra) {
  return saveMinutes(meetingId, (doc) => {
    const items = doc.items.some((i) => i.key === key) ? doc.items : [...doc.items, { key }];
    return { ...doc, items: items.map((i) => (i.key === key ? { ...i, ...patch(i) } : i)) };
  }, extra);
}

// figures are a meeting's attendance figures: members on the roll, exempt, counted, present, absent with and
// without reason, unmarked, and the rate present / counted.
export function figures(meeting) {
  const roster = members(meeting.cell_id);
  const att = attendanceOf(meeting.id);
  const counted = roster.filter((m) => !exempt(m));
  const by = (s) => counted.filter((m) => att.get(m.id)?.status === s).length;
  const present = by('present');
  return {
    members: roster.length, exempt: roster.length - counted.length, counted: counted.length, present,
    excused: by('excused'), unexcused: by('unexcused'), unmarked: counted.filter((m) => !att.get(m.id)).length,
    rate: counted.length ? present / counted.length : 0,
  };
}

// longestExcusedRun is the longest run of absences with reason of any member of the cell at its meetings of the
// meeting's year, up to and including it.
export function longestExcusedRun(meeting) {
  const year = meeting.meeting_date.slice(0, 4);
  const ms = meetingsOf(meeting.cell_id)
    .filter((m) => m.status !== 'cancelled' && m.meeting_date.slice(0, 4) === year && m.meeting_date <= meeting.meeting_date)
    .reverse();
  const byMeeting = new Map(ms.map((m) => [m.id, new Map()]));
  for (const a of list('attendance')) byMeeting.get(a.meeting_id)?.set(a.member_id, a.status);
  let best = 0;
  for (const mem of members(meeting.cell_id)) {
    let run = 0;
    for (const m of ms) {
      const st = byMeeting.get(m.id).get(mem.id);
      if (st === 'excused') best = Math.max(best, ++run);
      else if (st) run = 0;
    }
  }
  return best;
}

// computedScore returns the points of a criterion the attendance decides (criterion.computed), or null for one the
// official scores: attendance_rate full at 85 % and more, less below down to none at 60 %; no_unexcused full when
// nobody was absent without reason; no_streak full when nobody was absent with reason more than 3 times in a row.
export function computedScore(c, meeting) {
  if (!c.computed) return null;
  const f = figures(meeting);
  switch (c.computed) {
    case 'attendance_rate':
      return f.rate >= 0.85 ? c.max_points : Math.floor(c.max_points * 0.6 * Math.min(1, Math.max(0, (f.rate - 0.6) / 0.25)));
    case 'no_unexcused':
      return f.unexcused === 0 ? c.max_points : 0;
    case 'no_streak':
      return longestExcusedRun(meeting) <= 3 ? c.max_points : 0;
  }
  return null;
}

// hasRole says whether the user holds a role anywhere (admin, supervisor, official, secretary, responder).
export const hasRole = (role) => !!me()?.grants?.some((g) => g.role === role);

// weakLabel names the lowest rating of the current scheme as the rating labels say it (QĐ 366: "Không hoàn thành
// nhiệm vụ"), the province's own when it has one, the catalogue's when the device has none.
export function weakLabel() {
  const ls = list('rating_labels').filter((l) => l.weak && l.active !== false && l.scheme !== 'legacy');
  const l = ls.find((x) => x.province_id) || ls[0];
  return l ? (lang.value === 'en' && l.name_en ? l.name_en : l.name_vi) : t('sg_weak');
}

// isSupervisor says whether the user may assign officials (a supervisor or admin grant).
export const isSupervisor = () => !!me()?.grants?.some((g) => g.role === 'supervisor' || g.role === 'admin');

// inbox lists the user's notifications, newest first.
export function inbox() {
  const u = me();
  return list('notifications').filter((n) => !u || n.user_id === u.id).sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export const unread = () => inbox().filter((n) => !n.read_at);

// myAssignments lists the user's assignments with their cells' names: current ones first, then the latest.
export function myAssignments() {
  const u = me();
  if (!u) return [];
  const rank = (a) => (a.status === 'active' ? 0 : 1);
  return list('assignments')
    .filter((a) => a.official_id === u.id)
    .map((a) => ({ ...a, cell_name: get('org_units', a.cell_id)?.name || '' }))
    .sort((a, b) => rank(a) - rank(b) || b.starts_on.localeCompare(a.starts_on));
}
