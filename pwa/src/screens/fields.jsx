// The text fields of the capture screens: each keeps what is typed and saves it (useDebounced).
import { useState, useRef, useEffect } from 'preact/hooks';
import { draftKey, keepDraft, readDraft, dropDraft, onLeave, onDraft } from '../drafts.js';

// useDebounced keeps a text field's value locally and saves it as it is typed: a draft on the device at every
// keystroke, the change itself a moment after the user pauses, at once when the page is hidden or closed, on blur
// and when the field goes away. A draft left by a page closed mid-typing is shown and saved when the field is
// shown again. It returns the field's props and set(v), which saves a value chosen at once (a chip).
export function useDebounced(value, save, id, locked) {
  const key = useRef(id ? draftKey(id) : '').current;
  const saved = useRef(value); // the value last saved, or shown from the store
  const latest = useRef(undefined);
  if (latest.current === undefined) {
    const d = key ? readDraft(key) : undefined;
    latest.current = typeof d === 'string' ? d : value;
  }
  const [text, setText] = useState(latest.current);
  const saveRef = useRef(save);
  saveRef.current = save;
  const timer = useRef();
  const focused = useRef(false);
  const lock = useRef(locked);
  lock.current = locked;
  const inflight = useRef(0); // saves handed over and not yet in the device's store
  const flush = () => {
    clearTimeout(timer.current);
    const v = latest.current;
    if (lock.current) return; // a submitted report: nothing is saved until it is opened for a change
    if (v === saved.current) {
      // Nothing new; the draft goes once no save is under way (a page closing fires this twice: hidden, then gone).
      if (key && !inflight.current && readDraft(key) === v) dropDraft(key);
      return;
    }
    saved.current = v;
    inflight.current++;
    Promise.resolve(saveRef.current(v)).then(
      () => key && readDraft(key) === v && dropDraft(key),
      () => {}, // refused on the device: the draft stays for the user to see again
    ).finally(() => inflight.current--);
  };
  useEffect(() => {
    flush(); // a draft from a page closed mid-typing
    const off = onLeave(flush);
    // A draft kept by a page closed just before this one opened arrives a moment later: shown and saved, unless
    // something was typed here meanwhile.
    const offDraft = key ? onDraft(key, (d) => {
      if (typeof d !== 'string' || latest.current !== saved.current || d === latest.current) return;
      latest.current = d;
      setText(d);
      flush();
    }) : () => {};
    return () => {
      off();
      offDraft();
      flush();
    };
  }, []);
  useEffect(() => {
    if (!locked) flush(); // opened again for a change: a draft kept meanwhile is saved
  }, [locked]);
  useEffect(() => {
    // A change from elsewhere (a sync) shows unless the user is typing or has typed what is not saved yet.
    if (!focused.current && latest.current === saved.current && value !== saved.current) {
      saved.current = latest.current = value;
      setText(value);
    }
  }, [value]);
  const type = (v) => {
    latest.current = v;
    setText(v);
    if (key) keepDraft(key, v);
  };
  return {
    props: {
      value: text,
      onInput: (e) => {
        type(e.currentTarget.value);
        clearTimeout(timer.current);
        timer.current = setTimeout(flush, 500);
      },
      onFocus: () => (focused.current = true),
      onBlur: () => {
        focused.current = false;
        flush();
      },
    },
    set: (v) => {
      type(v);
      flush();
    },
  };
}

// Field is a labelled text field saved as it is typed; locked shows it read-only (a submitted report).
export function Field({ id, label, value, save, multiline, rows = 4, locked }) {
  const { props: p } = useDebounced(value || '', save, id, locked);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? <textarea id={id} rows={rows} readOnly={locked} {...p} /> : <input id={id} readOnly={locked} {...p} />}
    </div>
  );
}
