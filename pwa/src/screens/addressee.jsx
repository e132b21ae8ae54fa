// The directory of addressees on the device (issue #12): suggestions for what an official types as a
// recommendation's addressee. It reads the synced `addressees` table (the
// province's reference data, which every device of the province receives), so it works offline. Matching ignores
// diacritics and case, knows the usual abbreviations (UBND, HĐND, MTTQ, UB, CA …), reads a word being typed as a
// prefix, and puts the bodies of the cell's commune first. Loaded on demand (the capture form imports it lazily);
// the service worker precaches it.
import { list, get } from '../state.js';
import { t, extend } from '../i18n.js';
import { today } from '../data.js';

extend({
  vi: { addr_suggest: 'Gợi ý trong danh bạ cơ quan', addr_picked: 'Đã chọn trong danh bạ' },
  en: { addr_suggest: 'Suggestions from the directory', addr_picked: 'Chosen from the directory' },
});

const ab = { ubnd: 'uy ban nhan dan', ub: 'uy ban', hdnd: 'hoi dong nhan dan', mttq: 'mat tran to quoc', ubmttq: 'uy ban mat tran to quoc', ubkt: 'uy ban kiem tra', btv: 'ban thuong vu', ca: 'cong an', cty: 'cong ty', cp: 'co phan', vp: 'van phong', nn: 'nong nghiep', mt: 'moi truong', bhxh: 'bao hiem xa hoi', bchqs: 'ban chi huy quan su' };

// fold lowers a text and takes its diacritics off: "Ủy ban xã" → "uy ban xa".
const fold = (s) => (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
const words = (s) => fold(s).split(/[^a-z0-9]+/).filter(Boolean).flatMap((w) => (ab[w] || w).split(' '));

// score says how well the typed words name a body (0: not at all): the share of typed words found in its name,
// short name or an alias (the last one as a prefix), plus a little for a name with few other words.
function score(q, a) {
  let best = 0;
  for (const n of [a.name, a.short_name, ...(a.aliases || '').split('\n')]) {
    const w = words(n);
    if (!w.length) continue;
    let hit = 0;
    q.forEach((x, i) => (w.some((y) => y === x || (i === q.length - 1 && y.startsWith(x))) ? hit++ : 0));
    const cover = hit / q.length;
    if (cover >= 0.6) best = Math.max(best, cover * 10 + (3 * Math.min(hit, w.length)) / w.length);
  }
  return best;
}

// suggest returns the directory's bodies, active today, that best match text, at most n: those of the cell's
// commune first (a commune body elsewhere comes last).
export function suggest(text, cellId, n = 5) {
  const q = words(text);
  if (!q.length) return [];
  const day = today();
  const cell = cellId && get('org_units', cellId);
  const near = new Set(cell ? [cell.id, cell.parent_id] : []);
  return list('addressees')
    .filter((a) => !a.deleted_at && (!a.active_from || a.active_from <= day) && (!a.active_to || a.active_to >= day))
    .map((a) => {
      let s = score(q, a);
      if (s && cell && a.level === 'commune') s += near.has(a.org_unit_id) ? 2.5 : -2.5;
      return [s, a];
    })
    .filter(([s]) => s > 0)
    .sort((x, y) => y[0] - x[0] || x[1].sort_order - y[1].sort_order || x[1].name.localeCompare(y[1].name, 'vi'))
    .slice(0, n)
    .map(([, a]) => a);
}

// Suggest lists the bodies matching what is typed as chips; picking one calls pick(addressee). Nothing shows when
// the text is the picked body's name already.
export function Suggest({ text, cellId, picked, pick }) {
  const p = picked && get('addressees', picked);
  if (p && p.name === text) return <p class="muted">✓ {t('addr_picked')}</p>;
  const s = text && text.trim().length > 1 ? suggest(text, cellId) : [];
  if (!s.length) return null;
  return (
    <div class="chips" role="group" aria-label={t('addr_suggest')}>
      {s.map((a) => (
        <button key={a.id} type="button" class="chip" onClick={() => pick(a)}>{a.name}</button>
      ))}
    </div>
  );
}
