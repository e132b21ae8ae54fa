// A cell's position as the administrators set it (PUT and DELETE /api/v1/cells/:id/position), on the organisation
// screen's cell: typed (a comma or a point for decimals), or taken from this device where it stands. The position
// shown is the one the server holds (read through the cell's latest meeting's cross-checks). Part of the
// administration chunk.
import { useState, useEffect, useRef } from 'preact/hooks';
import { t, lang, num, vnDateTime } from '../i18n.js';
import { online } from '../state.js';
import { api } from '../sync.js';
import { keepDraft, readDraft, dropDraft } from '../drafts.js';

// here asks this device where it is (the administrator standing at the meeting place).
const here = () => new Promise((resolve, reject) => navigator.geolocation
  ? navigator.geolocation.getCurrentPosition((p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy_m: Math.round(p.coords.accuracy || 0) }), reject, { enableHighAccuracy: true, timeout: 20000 })
  : reject(new Error('none')));

const call = (method, path, body) => api(method, path, body, lang.value);

// parse reads a coordinate typed with a decimal comma or point ("16,7512" or "16.7512"); NaN when it is not one.
const parse = (s) => (/^\s*-?\d+([.,]\d+)?\s*$/.test(s) ? Number(s.trim().replace(',', '.')) : NaN);
const show = (x) => (x == null ? '' : num(x, 6));

export function CellPositionAdmin({ cell, admin }) {
  // What the administrator typed is kept as a draft of this cell (a closed tab, a screen drawn again) and is never
  // replaced by the position read late.
  const key = 'cell-position|' + cell.id;
  const [pos, setPos] = useState(undefined); // the server's position, null when none, undefined while unknown
  const [f, setF] = useState(() => readDraft(key) || { lat: '', lng: '', acc: '' });
  const [st, setSt] = useState({ busy: false, error: '', ok: '' });
  const typed = useRef(readDraft(key) !== undefined);
  // A field the administrator is in (tapped, about to type) is not filled under the finger: the position read late
  // shows in the line above the fields instead.
  const focused = () => ['og-pos-lat', 'og-pos-lng', 'og-pos-acc'].includes(document.activeElement?.id);
  const fill = (p) => setF({ lat: show(p?.latitude), lng: show(p?.longitude), acc: p?.accuracy_m != null ? String(p.accuracy_m) : '' });
  useEffect(() => {
    let live = true;
    call('GET', '/api/v1/meetings?limit=1&unit=' + cell.id)
      .then((r) => (r.items?.[0] ? call('GET', '/api/v1/meetings/' + r.items[0].id + '/proof') : null))
      .then((p) => live && p && (setPos(p.cell_position), typed.current || focused() || fill(p.cell_position)), () => {});
    return () => (live = false);
  }, [cell.id]);
  const run = async (fn, ok) => {
    setSt({ busy: true, error: '', ok: '' });
    try {
      await fn();
      setSt({ busy: false, error: '', ok });
    } catch (e) {
      setSt({ busy: false, error: e.offline ? t('ad_offline') : e.message, ok: '' });
    }
  };
  const save = (e) => {
    e.preventDefault();
    const lat = parse(f.lat), lng = parse(f.lng), acc = f.acc.trim() === '' ? null : Number(f.acc);
    if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180) || (acc !== null && !(acc >= 0))) {
      return setSt({ busy: false, error: t('og_pos_bad'), ok: '' });
    }
    run(async () => {
      const p = await call('PUT', '/api/v1/cells/' + cell.id + '/position', { latitude: lat, longitude: lng, accuracy_m: acc === null ? null : Math.round(acc) });
      setPos(p);
      dropDraft(key);
      typed.current = false;
      fill(p);
    }, t('og_pos_saved'));
  };
  const clear = () => run(async () => {
    await call('DELETE', '/api/v1/cells/' + cell.id + '/position');
    setPos(null);
    dropDraft(key);
    typed.current = false;
    fill(null);
  }, t('og_pos_cleared'));
  const fromDevice = async () => {
    try {
      const p = await here();
      const y = { lat: show(p.latitude), lng: show(p.longitude), acc: String(p.accuracy_m) };
      typed.current = true;
      keepDraft(key, y);
      setF(y);
    } catch {
      setSt({ busy: false, error: t('og_pos_denied'), ok: '' });
    }
  };
  const set = (k) => (e) => {
    const v = e.currentTarget.value;
    typed.current = true;
    setF((x) => {
      const y = { ...x, [k]: v };
      keepDraft(key, y);
      return y;
    });
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="og-pos-h">
      <h2 id="og-pos-h">{t('og_pos_title')}</h2>
      <p class="muted" role="status">
        {pos ? t('og_pos_is', { date: pos.set_at ? vnDateTime(pos.set_at) : '', lat: show(pos.latitude), lng: show(pos.longitude), acc: pos.accuracy_m ?? '–' }) : pos === null ? t('og_pos_none') : ''}
      </p>
      {admin && (
        <>
          <label for="og-pos-lat">{t('og_pos_lat')}</label>
          <input id="og-pos-lat" inputmode="decimal" required value={f.lat} onInput={set('lat')} />
          <label for="og-pos-lng">{t('og_pos_lng')}</label>
          <input id="og-pos-lng" inputmode="decimal" required value={f.lng} onInput={set('lng')} />
          <label for="og-pos-acc">{t('og_pos_acc')}</label>
          <input id="og-pos-acc" type="number" inputmode="numeric" min="0" max="100000" value={f.acc} onInput={set('acc')} />
          <p class="actions">
            <button class="btn small" type="button" onClick={fromDevice}>{t('og_pos_device')}</button>
          </p>
          {st.error && <p class="error" role="alert">{st.error}</p>}
          {st.ok && <p class="ok" role="status">✓ {st.ok}</p>}
          <button class="btn primary wide" type="submit" disabled={st.busy || !online.value}>{t('og_pos_save')}</button>
          {pos && <button class="btn ghost wide" type="button" disabled={st.busy || !online.value} onClick={clear}>{t('og_pos_clear')}</button>}
        </>
      )}
      <p class="muted"><small>{t('og_pos_privacy')}</small></p>
    </form>
  );
}
