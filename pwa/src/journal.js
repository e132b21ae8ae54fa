// The journal: a change made on the device (a mark tapped, a score, a field saved) is written here, to localStorage,
// in the tap's own event, before the transaction that puts it in the outbox (IndexedDB) has even begun, and leaves
// once that transaction has committed. A page closed in between (a mark tapped and the tab swiped away at once)
// aborts the transaction but keeps the entry: the next page of the app that opens, or the next sync of a page open
// meanwhile, puts it in the outbox (sync.queue with the entry's id: an entry already there is never added twice,
// whichever page gets there first). Signing out deletes the journal with the device's data.
import { uuid4 } from './uuid.js';
import { removeStored } from './drafts.js';

const P = 'chibo.journal:';

// page names this page's entries: its own are stored by its own mutate, not replayed by it.
export const page = uuid4();
let count = 0;

// write keeps the mutations a user (its id) made until they are in the outbox and returns the entry's id ('' when the
// storage refused it: the transaction alone keeps them then, as before the journal).
export function write(mutations, user) {
  const e = { id: uuid4(), at: Date.now(), n: count++, page, user, ms: mutations };
  try {
    localStorage.setItem(P + e.id, JSON.stringify(e));
    return e.id;
  } catch {
    return '';
  }
}

// drop deletes an entry: its mutations are in the outbox (or were refused with an error the user saw).
export function drop(id) {
  if (!id) return;
  try {
    localStorage.removeItem(P + id);
  } catch {
    // Nothing to drop.
  }
}

// entries lists the journal in the order the changes were made: {id, at, n, page, user, ms}.
export function entries() {
  const out = [];
  try {
    for (const k of Object.keys(localStorage)) {
      if (!k.startsWith(P)) continue;
      try {
        const e = JSON.parse(localStorage.getItem(k));
        if (e && e.id && Array.isArray(e.ms)) out.push(e);
      } catch {
        localStorage.removeItem(k); // not an entry of ours (cut short): nothing to replay from it
      }
    }
  } catch {
    // No storage.
  }
  return out.sort((a, b) => (a.page === b.page ? a.n - b.n : a.at - b.at));
}

// clearJournal deletes every entry (signing out, another user signing in).
export const clearJournal = () => removeStored(P);
