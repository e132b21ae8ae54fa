// usePaged, the one way the online screens read a paginated list ({items, next_cursor}).
import { useState, useEffect, useRef } from 'preact/hooks';
import { online } from './state.js';

// usePaged reads the list at path page by page through get(url) and starts again when path changes or the device
// comes back online; losing the signal keeps the list on screen. An answer to a request that a newer one has replaced is
// dropped, so a slow answer for the previous filter never overwrites the list of the current one. errText turns a
// failed call into the message shown. onlineOnly screens do not ask while offline (they say so once themselves).
export function usePaged(get, path, errText, onlineOnly = false) {
  const [st, set] = useState({ items: [], next: '', loaded: false, error: '' });
  const gen = useRef(0);
  const shown = useRef(null); // the path whose list is on screen
  const page = async (cursor, prev) => {
    const mine = cursor ? gen.current : ++gen.current;
    try {
      const r = await get(path + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      if (mine === gen.current) set({ items: [...prev, ...r.items], next: r.next_cursor || '', loaded: true, error: '' });
    } catch (e) {
      if (mine === gen.current) set({ items: prev, next: '', loaded: true, error: errText(e) });
    }
  };
  const reload = () => page('', []);
  useEffect(() => {
    if (!online.value && (onlineOnly || shown.current === path)) return;
    if (shown.current !== path) set({ items: [], next: '', loaded: false, error: '' });
    shown.current = path;
    reload();
  }, [path, online.value]);
  return { ...st, more: () => page(st.next, st.items), reload, set };
}
