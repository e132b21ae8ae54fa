// The files store of the device's database (db.js made it, version 3): the photos by id. Opened here with the plain
// IndexedDB API at whatever version db.js left, so that this chunk needs no name of the officials' route (each
// name it imports is an export there, and that route has no byte to spare). It closes when a newer schema wants in.
let conn;

function open() {
  if (!conn) {
    conn = new Promise((ok, fail) => {
      const r = indexedDB.open('chibo');
      r.onsuccess = () => {
        r.result.onversionchange = () => {
          r.result.close();
          conn = undefined;
        };
        ok(r.result);
      };
      r.onerror = () => fail(r.error);
    });
    conn.catch(() => (conn = undefined));
  }
  return conn;
}

// files runs fn(store) in a transaction of the files store and resolves with the last request's result when the
// transaction is done (a full device fails it with a QuotaExceededError).
export async function files(mode, fn) {
  const tx = (await open()).transaction('files', mode);
  const req = fn(tx.objectStore('files'));
  return new Promise((ok, fail) => {
    tx.oncomplete = () => ok(req?.result);
    tx.onerror = tx.onabort = () => fail(tx.error);
  });
}
