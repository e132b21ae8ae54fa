// The text fields of the capture screens: each keeps what is typed and saves it (useDebounced).
import { useState, useRef, useEffect } from 'preact/hooks';

// useDebounced keeps a text field's value locally and saves it a moment after the user stops typing, and on blur.
export function useDebounced(value, save) {
  const [text, setText] = useState(value);
  const timer = useRef();
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) setText(value);
  }, [value]);
  const flush = (v) => {
    clearTimeout(timer.current);
    if (v !== value) save(v);
  };
  return {
    value: text,
    onInput: (e) => {
      const v = e.currentTarget.value;
      setText(v);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => flush(v), 700);
    },
    onFocus: () => (focused.current = true),
    onBlur: (e) => {
      focused.current = false;
      flush(e.currentTarget.value);
    },
  };
}

export function Field({ id, label, value, save, multiline, rows = 4 }) {
  const p = useDebounced(value || '', save);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? <textarea id={id} rows={rows} {...p} /> : <input id={id} {...p} />}
    </div>
  );
}

