// What the cross-checks' chunks share: the ids of the synced rows (the protocol's name-based UUIDs, like
// attendanceId and reportId in ../uuid.js, kept here so that the officials' route does not carry them), distances,
// the phone's position, the province's rule for a cell and the officials' names, kept on the device for offline use.
import { uuid5 } from '../uuid.js';
import { num, lang } from '../i18n.js';
import { api } from '../sync.js';
import { get, list } from '../state.js';
import { me, today } from '../data.js';

// confirmationId is wire.ConfirmationID: UUIDv5(NS, "confirmation:" + meeting + ":" + official).
export const confirmationId = (meeting, official) => uuid5('confirmation:' + meeting.toLowerCase() + ':' + official.toLowerCase());
// positionId is wire.PositionID: UUIDv5(NS, "position:" + cell).
export const positionId = (cell) => uuid5('position:' + cell.toLowerCase());

// distanceM is the great-circle distance in metres between two points (haversine, Earth radius 6,371 km).
export function distanceM(lat1, lng1, lat2, lng2) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lng2 - lng1) * r) / 2) ** 2;
  return Math.round(2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(a))));
}

// meters writes a distance: "120 m" below a kilometre, "1,2 km" above (decimal comma in Vietnamese).
export const meters = (m) => (m == null ? '' : m < 1000 ? Math.round(m) + ' m' : num(m / 1000) + ' km');

// here asks the phone where it is: {latitude, longitude, accuracy_m}, rounded to 6 decimals (about 10 cm).
export function here() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error('none'));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ latitude: +p.coords.latitude.toFixed(6), longitude: +p.coords.longitude.toFixed(6),
        accuracy_m: Math.min(100000, Math.round(p.coords.accuracy || 0)) }),
      reject,
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
}

// cellPosition is the cell's synced position row, or undefined.
export const cellPosition = (cellId) => get('cell_positions', positionId(cellId));

const read = (k) => {
  try {
    return JSON.parse(localStorage.getItem(k) || 'null');
  } catch {
    return null;
  }
};
const keep = (k, v) => {
  try {
    localStorage.setItem(k, JSON.stringify(v));
  } catch {
    // Storage full: the defaults apply.
  }
};

// RULES keeps each cell's rule for the cross-checks ({radius, required}), read from its schedule when online.
const RULES = 'chibo-proof-rules';

// ruleOf returns a cell's rule as last read ({radius: 500, required: false} when never read).
export function ruleOf(cellId) {
  return (read(RULES) || {})[cellId] || { radius: 500, required: false };
}

// fetchRule reads a cell's schedule rule and keeps its location settings; resolves to the rule (the kept one when
// it cannot read).
export async function fetchRule(cellId) {
  try {
    const v = await api('GET', '/api/v1/org-units/' + cellId + '/schedule', undefined, lang.value);
    const e = v.effective || {};
    const r = { radius: e.location_radius_m || 500, required: !!e.location_required };
    keep(RULES, { ...(read(RULES) || {}), [cellId]: r });
    return r;
  } catch {
    return ruleOf(cellId);
  }
}

// NAMES keeps the names of the officials assigned to the user's cells (the device syncs no user accounts).
const NAMES = 'chibo-proof-names';

export const nameOf = (id) => (read(NAMES) || {})[id] || '';

// fetchNames reads the names of the officials assigned to a cell (a secretary may list its cell's assignments).
export async function fetchNames(cellId) {
  const r = await api('GET', '/api/v1/assignments?limit=100&cell_id=' + cellId, undefined, lang.value);
  const names = { ...(read(NAMES) || {}) };
  for (const a of r.items || []) if (a.official_name) names[a.official_id] = a.official_name;
  keep(NAMES, names);
  return names;
}

// visitingOfficials lists the officials expected at a cell meeting: assigned to the cell on its day (not
// cancelled), and any the device holds a confirmation for; never the user.
export function visitingOfficials(meeting) {
  const d = meeting.meeting_date;
  const ids = new Set();
  for (const a of list('assignments')) {
    if (a.cell_id !== meeting.cell_id || a.status === 'cancelled' || (a.form && a.form !== 'cell')) continue;
    if (a.starts_on > d || (a.ends_on && a.ends_on < d)) continue;
    ids.add(a.official_id);
  }
  for (const c of list('visit_confirmations')) if (c.meeting_id === meeting.id) ids.add(c.official_id);
  ids.delete(me()?.id);
  return [...ids];
}

// canConfirm says whether the user keeps the cell (a secretary or admin grant on it or a unit above it the device
// knows), so may confirm its visitors and set its position.
export function canConfirm(cellId) {
  const grants = (me()?.grants || []).filter((g) => g.role === 'secretary' || g.role === 'admin');
  if (grants.some((g) => !g.org_unit_id && g.role === 'admin')) return true;
  for (let u = get('org_units', cellId), id = cellId, n = 0; id && n < 10; n++) {
    if (grants.some((g) => g.org_unit_id === id)) return true;
    id = u?.parent_id;
    u = id ? get('org_units', id) : null;
  }
  return false;
}

// confirmable says whether a meeting can be confirmed: a cell meeting of today or before, not cancelled.
export const confirmable = (m) => (!m.form || m.form === 'cell') && m.meeting_date <= today() && m.status !== 'cancelled';
