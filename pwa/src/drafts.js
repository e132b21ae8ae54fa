// Drafts: text being typed, kept on the device at every keystroke until the change it becomes is in the device's
// store. localStorage is written at once, in the keystroke's own event: a page closed mid-typing (the tab swiped
// away, the phone out of battery) keeps it, where a transaction of IndexedDB begun as the page goes may be cut
// short. A draft is keyed by the screen (the URL after "#/") and the field; it is read back when the field is shown
// again, and saved then. Signing out deletes every draft with the device's data.
const P = 'chibo.draft:';

// draftKey names a field of the screen on show: "m/<meeting>/minutes|n-opening".
export const draftKey = (field) => location.hash.replace(/^#\/?/, '') + '|' + field;

export function keepDraft(key, value) {
  try {
    localStorage.setItem(P + key, JSON.stringify(value));
  } catch {
    // Storage full or refused: the debounced save still runs.
  }
}

export function readDraft(key) {
  try {
    const v = localStorage.getItem(P + key);
    return v == null ? undefined : JSON.parse(v);
  } catch {
    return undefined;
  }
}

export function dropDraft(key) {
  try {
    localStorage.removeItem(P + key);
  } catch {
    // Nothing to drop.
  }
}

// clearDrafts deletes every draft (signing out, another user signing in).
export const clearDrafts = () => removeStored(P);

// removeStored deletes every key of localStorage that starts with prefix (the drafts', the journal's).
export function removeStored(prefix) {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(prefix)) localStorage.removeItem(k);
  } catch {
    // No storage.
  }
}

// onDraft calls fn(value) when another page of the app keeps a draft of this key (a page closed mid-typing while this
// one was opening: its last keystrokes reach this page a moment later). It returns the function that stops it.
export function onDraft(key, fn) {
  const on = (e) => {
    if (e.key !== P + key || e.newValue == null) return;
    try {
      fn(JSON.parse(e.newValue));
    } catch {
      // Not a draft of ours.
    }
  };
  addEventListener('storage', on);
  return () => removeEventListener('storage', on);
}

// onLeave runs fn when the page is hidden or closed (the app sent to the background, the tab closed): the fields
// save what is typed at once instead of waiting for their pause. It returns the function that stops it.
const leaving = new Set();
export function onLeave(fn) {
  leaving.add(fn);
  return () => leaving.delete(fn);
}
const leave = () => leaving.forEach((fn) => fn());
if (typeof addEventListener !== 'undefined') {
  addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && leave());
}
