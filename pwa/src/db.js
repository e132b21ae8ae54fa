// The device's store, in IndexedDB. rows: synced rows as the server sent them ("base" rows); outbox: changes made
// on the device and not yet accepted by the server, in order; rejected: changes the server refused; meta:
// session, sync state and settings. A change and its outbox entry are written in one transaction.
import { openDB, deleteDB } from 'idb';

const NAME = 'chibo';

let dbp;
export function db() {
  if (!dbp) {
    dbp = openDB(NAME, 3, {
      // Version 1 made the stores; version 2 indexes the rows by path (p: a cell's rows) and scope (s: a user's
      // and the reference data's), so the sync reads a scope's rows without reading them all. The rows a device
      // holds stay. Version 3 adds files: a meeting's photos taken on the device, by the meeting_files row's id,
      // kept until the server holds them (src/photos).
      upgrade(d, old, _new, tx) {
        if (old < 1) {
          d.createObjectStore('rows', { keyPath: 'k' }).createIndex('t', 't');
          d.createObjectStore('outbox', { keyPath: 'seq' });
          d.createObjectStore('rejected', { keyPath: 'seq' });
          d.createObjectStore('meta');
        }
        if (old < 2) {
          const rows = tx.objectStore('rows');
          rows.createIndex('p', 'p');
          rows.createIndex('s', 's');
        }
        if (old < 3) d.createObjectStore('files', { keyPath: 'id' });
      },
      blocked() {},
      blocking() {
        // Another tab wants a newer schema: let it.
        dbp?.then((d) => d.close());
        dbp = undefined;
      },
    });
  }
  return dbp;
}

export async function getMeta(key, fallback) {
  const v = await (await db()).get('meta', key);
  return v === undefined ? fallback : v;
}

export async function setMeta(key, value) {
  await (await db()).put('meta', value, key);
}

// wipe deletes everything on the device (sign-out on a shared phone).
export async function wipe() {
  const d = await db();
  d.close();
  dbp = undefined;
  await deleteDB(NAME);
}
