// What the screens need, read from the view: the official's cells, meetings (held, planned and the ones the
// schedule expects), rosters, visit reports, the province's reference data.
import { list, get, session, mutate } from './state.js';
import { attendanceId, reportId, scheduledMeetingId } from './uuid.js';

export const me = () => session.value?.user;

// today in Asia/Ho_Chi_Minh, "2026-11-22".
export function today() {
  return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
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

export function attendanceOf(meetingId) {
  const out = new Map();
  for (const a of list('attendance')) if (a.meeting_id === meetingId) out.set(a.member_id, a);
  return out;
}

// upcoming lists, for each of the official's cells, the meetings of today and later: the ones on record and, for
// months without one, the regular meeting the schedule expects on the 3rd.
export function upcoming(months = 2) {
  const now = today();
  const out = [];
  for (const c of cells()) {
    const recorded = meetingsOf(c.id);
    for (const m of recorded) if (m.meeting_date >= now && m.status !== 'cancelled') out.push({ cell: c, meeting: m });
    const [y, mo] = now.split('-').map(Number);
    for (let i = 0; i < months; i++) {
      const d = new Date(Date.UTC(y, mo - 1 + i, 3)).toISOString().slice(0, 10);
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

export function rubric() {
  const rs = list('rubrics');
  // A province's own rubric wins over the default.
  const r = rs.find((x) => x.province_id) || rs[0];
  if (!r) return null;
  const criteria = list('rubric_criteria').filter((c) => c.rubric_id === r.id).sort((a, b) => a.sort_order - b.sort_order);
  return { ...r, criteria };
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

export const NOTE_ITEMS = ['opening', 'review', 'news', 'tasks', 'thematic'];

export function notesOf(meeting) {
  const items = meeting?.notes?.items || [];
  const byKey = new Map(items.map((i) => [i.key, i]));
  return NOTE_ITEMS.map((k) => byKey.get(k) || { key: k, text: '', speakers: [] });
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
