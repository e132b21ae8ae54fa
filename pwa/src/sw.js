// The service worker: keeps the app shell (precached at install) so the app opens with no network, and sends the
// outbox when Background Sync says the network is back. API calls always go to the network. A new version waits
// until the page asks it to take over (the user agreed to update).
/* global PRECACHE, VERSION */
import { syncOnce } from './sync.js';

const CACHE = 'chibo-shell-' + VERSION;

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const k of await caches.keys()) if (k.startsWith('chibo-shell-') && k !== CACHE) await caches.delete(k);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (e) => {
  if (e.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // The shell for every page of the app, from the cache first: it opens at once, with or without network.
    e.respondWith(caches.match('/', { cacheName: CACHE }).then((r) => r || fetch(req)));
    return;
  }
  e.respondWith(caches.match(req, { cacheName: CACHE }).then((r) => r || fetch(req)));
});

self.addEventListener('sync', (e) => {
  if (e.tag !== 'chibo-sync') return;
  e.waitUntil(
    (async () => {
      const meta = await import('./db.js').then((m) => m.getMeta('settings', {}));
      await syncOnce(meta?.lang || 'vi', new Set(), false);
      for (const c of await self.clients.matchAll()) c.postMessage('synced');
    })(),
  );
});
