// A meeting's photos (ảnh biên bản, danh sách ký tên): taken with the camera or chosen from the gallery, offline,
// made small on the device (image.js), kept with the outbox and sent when the network allows (upload.js); each with
// its state (waiting for the sync, uploading n%, on the server, failed with the reason and a retry button). The
// supervisors' view fetches a meeting's photos from the server. Loaded when a meeting's minutes open; the service
// worker precaches it with tus-js-client, so photos are taken with no network.
import { useState, useEffect } from 'preact/hooks';
import { t, extend, num, pct, lang } from '../i18n.js';
import { list, online } from '../state.js';
import { api } from '../sync.js';
import { uuid4 } from '../uuid.js';
import { shrink, sha256 } from './image.js';
import { load, pump, local, status, keep, remove, retry, fileUrl } from './upload.js';
import { draftKey, keepDraft, readDraft, dropDraft } from '../drafts.js';
import * as msgs from './photos.msg.js';

extend(msgs);

// The limits (server/domain: FileKinds, MaxFilesPerMeeting; a camera's photo is far below RAW_MAX before shrinking).
export const KINDS = ['attendance_sheet', 'minutes_page', 'material', 'other'];
export const MAX_FILES = 30;
const RAW_MAX = 40 << 20;
const WARN_AT = 0.8; // of the browser's quota: warn before it refuses

export const size = (b) => (b >= 1 << 20 ? num(b / (1 << 20), 1) + ' MB' : num(b / 1024, 0) + ' KB');

// filesOf lists a meeting's photos as the device shows them, in order.
export const filesOf = (meetingId) => list('meeting_files').filter((f) => f.meeting_id === meetingId)
  .sort((a, b) => (a.sort_order || 0) - (b.sort_order || 0) || (a.id < b.id ? -1 : 1));

// Storage is how much the app uses on the device and the warning when the browser's quota is near.
function Storage() {
  const [est, setEst] = useState(null);
  const pending = [...local.value.values()].reduce((s, r) => s + (r.blob ? r.size : 0), 0);
  useEffect(() => {
    navigator.storage?.estimate?.().then(setEst, () => {});
  }, [local.value]);
  if (!est?.quota) return null;
  const used = est.usage / est.quota;
  return (
    <>
      <p class="muted ph-storage">{t('ph_storage', { used: size(est.usage), quota: size(est.quota), pending: size(pending) })}</p>
      {used > WARN_AT && <p class="warn" role="alert">{t('ph_storage_warn', { pct: pct(used, 0) })}</p>}
    </>
  );
}

// stateOf is a photo's state on the screen: its text, and whether it failed.
function stateOf(f) {
  const s = status.value.get(f.id);
  const r = local.value.get(f.id);
  if (f.uploaded_at || (r && !r.blob)) return { text: t('ph_st_done'), cls: 'ok' };
  if (!r) return { text: t('ph_st_remote'), cls: 'muted' };
  if (s?.error) return { text: t('ph_st_error', { reason: s.error }), cls: 'error', failed: true };
  if (s) return { text: t('ph_st_uploading', { p: s.p }), cls: 'warn' };
  return { text: f._pending ? t('ph_st_waiting') : t('ph_st_queued'), cls: 'muted' };
}

// Thumb is a photo's thumbnail: the device's copy, else the server's (online).
function Thumb({ f, alt, onOpen }) {
  const mine = local.value.get(f.id)?.thumbUrl;
  const [remote, setRemote] = useState('');
  useEffect(() => {
    if (!mine && f.uploaded_at && online.value) fileUrl(f.id).then(setRemote, () => {});
  }, [mine, f.uploaded_at, online.value]);
  const src = mine || remote;
  return (
    <button type="button" class="ph-thumb" onClick={() => onOpen(src)} disabled={!src} aria-label={t('ph_open', { what: alt })}>
      {src ? <img src={src} alt={alt} /> : <span aria-hidden="true">🖼</span>}
    </button>
  );
}

// Large is a photo shown on the whole screen, closed by its button or Escape.
function Large({ src, alt, onClose }) {
  useEffect(() => {
    const k = (e) => e.key === 'Escape' && onClose();
    addEventListener('keydown', k);
    return () => removeEventListener('keydown', k);
  }, []);
  return (
    <div class="ph-large" role="dialog" aria-modal="true" aria-label={alt}>
      <button class="btn small" onClick={onClose} autoFocus>{t('ph_close')}</button>
      <img src={src} alt={alt} />
    </div>
  );
}

const label = (f, i) => t('ph_kind_' + f.kind) + (f.caption ? ' – ' + f.caption : '') + ' (' + t('ph_photo_n', { n: i + 1 }) + ')';

// Photos is the meeting's photos on its minutes: add (camera, gallery), the list with each one's state, delete.
export function Photos({ meeting, locked }) {
  const [kind, setKind] = useState(KINDS[0]);
  // The caption typed is a draft on the device until the photos it goes with are saved.
  const captionKey = draftKey('ph-caption');
  const [caption, setCaptionState] = useState(() => readDraft(captionKey) || '');
  const setCaption = (v) => {
    if (v) keepDraft(captionKey, v);
    else dropDraft(captionKey);
    setCaptionState(v);
  };
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [errs, setErrs] = useState([]);
  const [large, setLarge] = useState(null);
  useEffect(() => {
    load().then(pump); // the rows shown changed: a photo may be ready to send
  });
  const files = filesOf(meeting.id);
  const add = async (e) => {
    const picked = [...(e.currentTarget.files || [])];
    e.currentTarget.value = '';
    if (!picked.length) return;
    setBusy(true);
    setNote('');
    const out = [];
    const items = [];
    const room = MAX_FILES - files.length;
    let order = files.reduce((m, f) => Math.max(m, f.sort_order || 0), 0);
    let over = 0;
    for (const f of picked) {
      if (!/^image\//.test(f.type)) out.push(t('ph_err_type', { name: f.name }));
      else if (f.size > RAW_MAX) out.push(t('ph_err_big', { name: f.name, size: size(f.size), max: size(RAW_MAX) }));
      else if (items.length >= room) over++;
      else {
        try {
          const s = await shrink(f);
          const id = uuid4();
          const hash = await sha256(s.blob);
          const fields = { meeting_id: meeting.id, kind, caption: caption.trim(), sort_order: ++order, sha256: hash, size: s.blob.size,
            mime: s.blob.type || 'image/jpeg', width: s.width, height: s.height };
          items.push({ rec: { id, meeting_id: meeting.id, blob: s.blob, thumb: s.thumb, size: s.blob.size, mime: fields.mime, sha256: hash, url: '', at: Date.now() }, fields });
        } catch {
          out.push(t('ph_err_read', { name: f.name }));
        }
      }
    }
    if (over) out.push(t('ph_err_many', { max: MAX_FILES, n: Math.max(0, room) }));
    if (items.length) {
      const bytes = items.reduce((s, x) => s + x.rec.size + x.rec.thumb.size, 0);
      const est = await navigator.storage?.estimate?.().catch(() => null);
      try {
        // The browser refuses past its quota: stop before it does.
        if (est?.quota && est.usage + bytes > est.quota * 0.95) throw new DOMException('quota', 'QuotaExceededError');
        await load();
        await keep(items);
        setNote(t('ph_added', { n: items.length }));
        setCaption('');
      } catch (x) {
        out.push(x?.name === 'QuotaExceededError' ? t('ph_err_quota') : t('ph_err_save', { msg: x?.message || '' }));
      }
    }
    setErrs(out);
    setBusy(false);
  };
  return (
    <section class="card ph" aria-labelledby="h-photos">
      <h2 id="h-photos">{t('ph_title')} <small class="muted">{t('ph_count', { n: files.length, max: MAX_FILES })}</small></h2>
      {locked ? <p class="muted">{t('ph_locked')}</p> : (
        <>
          <p class="muted">{t('ph_about')}</p>
          <div class="field">
            <label for="ph-kind">{t('ph_kind')}</label>
            <select id="ph-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              {KINDS.map((k) => <option key={k} value={k}>{t('ph_kind_' + k)}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="ph-caption">{t('ph_caption')}</label>
            <input id="ph-caption" value={caption} maxLength={500} onInput={(e) => setCaption(e.currentTarget.value)} />
          </div>
          <p class="actions">
            <label class={'btn primary' + (busy ? ' disabled' : '')}>
              <input id="ph-camera" class="sr" type="file" accept="image/*" capture="environment" disabled={busy} onChange={add} />
              📷 {t('ph_camera')}
            </label>
            <label class={'btn' + (busy ? ' disabled' : '')}>
              <input id="ph-gallery" class="sr" type="file" accept="image/*" multiple disabled={busy} onChange={add} />
              {t('ph_gallery')}
            </label>
          </p>
          {busy && <p class="muted" role="status">{t('ph_working')}</p>}
          {note && !busy && <p class="ok" role="status">{note}</p>}
          {errs.map((x) => <p key={x} class="error" role="alert">{x}</p>)}
        </>
      )}
      {files.length === 0 ? <p class="muted">{t('ph_none')}</p> : (
        <ul class="ph-list">
          {files.map((f, i) => {
            const st = stateOf(f);
            const alt = label(f, i);
            return (
              <li key={f.id} class="ph-item" data-id={f.id}>
                <Thumb f={f} alt={alt} onOpen={(src) => setLarge({ src: local.value.get(f.id)?.blob ? URL.createObjectURL(local.value.get(f.id).blob) : src, alt })} />
                <div class="ph-info">
                  <strong>{t('ph_kind_' + f.kind)}</strong>
                  {f.caption && <span>{f.caption}</span>}
                  <span class={'ph-st ' + st.cls} role="status">{st.text}</span>
                  <span class="muted">{size(f.size)}{f.width ? ` · ${f.width}×${f.height}` : ''}</span>
                  <span class="ph-actions">
                    {st.failed && <button class="btn small" onClick={() => retry(f.id)}>{t('ph_retry')}</button>}
                    {!locked && (
                      <button class="btn small ghost" onClick={() => confirm(t('ph_delete_confirm')) && remove(f.id)}>{t('ph_delete')}</button>
                    )}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <Storage />
      {large && <Large {...large} onClose={() => setLarge(null)} />}
    </section>
  );
}

// MeetingPhotos is a meeting's photos as a supervisor sees them with the report (online): the server's list, each
// photo fetched with the user's token; a thumbnail opens large.
export function MeetingPhotos({ id }) {
  const [items, setItems] = useState(null);
  const [err, setErr] = useState('');
  const [large, setLarge] = useState(null);
  useEffect(() => {
    (async () => {
      const all = [];
      for (let cursor = ''; ;) {
        const page = await api('GET', `/api/v1/meetings/${id}/files?limit=100${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`, undefined, lang.value);
        all.push(...(page.items || []));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      setItems(all.sort((a, b) => (a.sort_order || 0) - (b.sort_order || 0)));
    })().catch((e) => setErr(e.offline ? t('ph_sv_offline') : e.message));
  }, [id]);
  return (
    <section class="card ph" aria-labelledby="h-sv-photos">
      <h2 id="h-sv-photos">{t('ph_sv_title')}</h2>
      {err && <p class="error" role="alert">{err}</p>}
      {!items && !err && <p class="muted">{t('loading')}</p>}
      {items?.length === 0 && <p class="muted">{t('ph_sv_none')}</p>}
      {items?.length > 0 && (
        <ul class="ph-list">
          {items.map((f, i) => <RemotePhoto key={f.id} f={f} alt={label(f, i)} open={setLarge} />)}
        </ul>
      )}
      {large && <Large {...large} onClose={() => setLarge(null)} />}
    </section>
  );
}

function RemotePhoto({ f, alt, open }) {
  const [src, setSrc] = useState('');
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (f.uploaded_at) fileUrl(f.id).then(setSrc, () => setFailed(true));
  }, [f.id, f.uploaded_at]);
  return (
    <li class="ph-item" data-id={f.id}>
      <button type="button" class="ph-thumb" disabled={!src} onClick={() => open({ src, alt })} aria-label={t('ph_open', { what: alt })}>
        {src ? <img src={src} alt={alt} /> : <span aria-hidden="true">🖼</span>}
      </button>
      <div class="ph-info">
        <strong>{t('ph_kind_' + f.kind)}</strong>
        {f.caption && <span>{f.caption}</span>}
        {!f.uploaded_at && <span class="warn">{t('ph_sv_pending')}</span>}
        {failed && <span class="error">{t('ph_sv_failed')}</span>}
      </div>
    </li>
  );
}
