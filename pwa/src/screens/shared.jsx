// What the supervisors' screens share: the guard for other users, the last view kept on the device, the units above
// the cells as a tree (from the API, kept), and downloading an export with the caller's token. Only the supervisors' chunks import it.
import { useState, useEffect } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { online } from '../state.js';
import { token, api, savedName } from '../sync.js';
import { isSupervisor, me } from '../data.js';

// OnlySupervisors shows the screen to supervisors, and to anyone else the title and why there is nothing more.
export function OnlySupervisors({ title, children }) {
  if (isSupervisor()) return children;
  return (
    <>
      <h1 class="title">{title}</h1>
      <p class="muted">{t('sv_only')}</p>
    </>
  );
}

// readCached reads what a screen kept in localStorage under key (null when nothing, or unreadable).
export function readCached(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

// useKept loads what a screen shows with load() whenever key changes or the device comes back online, and keeps
// the last one loaded on the device (localStorage, under store). While it cannot load, it shows the kept one if it
// is for the same key, with the time it was loaded ({data, at, error}; errText says why it could not load).
export function useKept(store, key, load, errText) {
  const kept = () => {
    const c = readCached(store);
    return c && c.key === key ? c : null;
  };
  const [st, set] = useState(() => ({ key, data: kept()?.data ?? null, at: kept()?.at || '', error: '' }));
  useEffect(() => {
    let live = true;
    set((s) => (s.key === key ? s : { key, data: null, at: '', error: '' }));
    load().then(
      (data) => {
        if (!live) return;
        const at = new Date().toISOString();
        set({ key, data, at, error: '' });
        try {
          localStorage.setItem(store, JSON.stringify({ key, data, at }));
        } catch {
          // Storage full: the screen still works online.
        }
      },
      (e) => {
        if (!live) return;
        const c = kept();
        set({ key, data: c?.data ?? null, at: c?.at || '', error: errText(e) });
      },
    );
    return () => (live = false);
  }, [key, online.value]);
  return st;
}

// UNITS is where the units above the cells of the caller's subtree are kept (localStorage): the device syncs no
// supervisor's subtree, so its pickers read the API and keep the last answer for offline use.
const UNITS = 'chibo-units';

// loadUnits reads the units above the cells (no cells, no party groups) the caller may read, every page of them.
async function loadUnits() {
  const out = [];
  let cursor = '';
  do {
    const r = await api('GET', '/api/v1/org-units?upper=true&limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''), undefined, lang.value);
    for (const u of r.items) out.push({ id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id || '' });
    cursor = r.next_cursor;
  } while (cursor);
  return out;
}

// useUnits returns the units above the cells of the caller's subtree (a province's districts and communes: a few
// hundred at most), from the API, or as last kept while offline.
export function useUnits() {
  return useKept(UNITS, me()?.id || '', loadUnits, () => '').data || [];
}

// unitName finds a unit's name among units (a useUnits list), or ''.
export const unitName = (units, id) => units.find((u) => u.id === id)?.name || '';

// unitOptions lists units (a useUnits list) as a tree: each under its parent, by name.
export function unitOptions(units) {
  const ids = new Set(units.map((u) => u.id));
  const kids = new Map();
  for (const u of units) {
    const p = ids.has(u.parent_id) ? u.parent_id : '';
    kids.set(p, [...(kids.get(p) || []), u]);
  }
  const out = [];
  const walk = (p, depth) => {
    for (const u of (kids.get(p) || []).sort((a, b) => a.name.localeCompare(b.name, 'vi'))) {
      out.push({ id: u.id, name: '\u00a0\u00a0'.repeat(depth) + u.name });
      walk(u.id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

// download fetches an export with the caller's token and saves it under the server's name for it (file if it gives
// none).
export async function download(path, file) {
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + (await token(lang.value)), 'Accept-Language': lang.value } });
  if (!r.ok) throw new Error(t('sv_download_failed'));
  const name = savedName(r, file);
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Download is the button that downloads path as file (online only), with its error beside it.
export function Download({ path, file, label }) {
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    setErr('');
    try {
      await download(path, file);
    } catch (e) {
      setErr(navigator.onLine ? e.message : t('sv_offline'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span>
      <button class="btn" onClick={go} disabled={busy || !online.value}>{label}</button>
      {err && <span class="error" role="alert"> {err}</span>}
    </span>
  );
}
