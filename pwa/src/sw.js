// The service worker: keeps the app shell (precached at install) so the app opens with no network, and sends the
// outbox when Background Sync says the network is back. API calls always go to the network. A new version waits
// until the page asks it to take over (the user agreed to update). It shows web pushes and opens what a tapped
// one links to.
//
// PRECACHE is the officials' route; LAZY the supervisors' screens and their charts (uPlot), which officials never
// load: those are cached on first use, so they open offline after one visit, and a new version fetches them at
// install only where an earlier one had them.
/* global PRECACHE, LAZY, VERSION */
import { syncOnce } from './sync.js';
import { getMeta } from './db.js';
import { sw } from './messages.js';

const CACHE = 'chibo-shell-' + VERSION;

self.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const c = await caches.open(CACHE);
      await c.addAll(PRECACHE);
      if (await usedLazy()) await c.addAll(LAZY).catch(() => {}); // cached on first use otherwise
    })(),
  );
});

// usedLazy says whether an earlier version's cache holds one of the lazily loaded screens (by name, without the
// hash: "/assets/recs-"): this device opened a supervisors' screen.
async function usedLazy() {
  const screens = LAZY.map((p) => p.replace(/-[^-/]+$/, '-')).filter((p) => !p.startsWith('/assets/chunk-'));
  for (const k of await caches.keys()) {
    if (k === CACHE || !k.startsWith('chibo-shell-')) continue;
    const reqs = await (await caches.open(k)).keys();
    if (reqs.some((r) => screens.some((s) => new URL(r.url).pathname.startsWith(s)))) return true;
  }
  return false;
}

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
  // The browser tests cannot tap a notification: they ask for the same handling of the one with this tag.
  if (e.data?.type === 'notificationclick-test') {
    e.waitUntil(self.registration.getNotifications({ tag: e.data.tag }).then((ns) => ns[0] && follow(ns[0])));
  }
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
  e.respondWith(
    caches.match(req, { cacheName: CACHE }).then(
      (r) =>
        r ||
        fetch(req).then((res) => {
          // A hashed file not precached (a supervisors' screen): kept for offline use from now on.
          if (res.ok && url.pathname.startsWith('/assets/')) {
            const copy = res.clone();
            e.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
          }
          return res;
        }),
    ),
  );
});

const language = async () => (await getMeta('settings', {}))?.lang || 'vi';

// syncNow runs a sync from the worker and tells the open pages to read it, even when it failed half way: a push
// that went through has stored rows the pull would not bring.
async function syncNow() {
  try {
    await syncOnce(await language(), false);
  } finally {
    for (const c of await self.clients.matchAll()) c.postMessage('synced');
  }
}

self.addEventListener('sync', (e) => {
  if (e.tag === 'chibo-sync') e.waitUntil(syncNow());
});

// A push is a notification the server created (server/notify): {id, kind, title, body, link, tag}. It is shown,
// and the inbox catches up: the open pages sync, or the worker does when none is open.
self.addEventListener('push', (e) => {
  e.waitUntil(
    (async () => {
      const lang = await language().catch(() => 'vi');
      let p = null;
      try {
        p = e.data?.json();
      } catch {
        // Not JSON: a generic notification.
      }
      const m = sw[lang] || sw.vi;
      const title = (p && p.title) || m.push_generic_title;
      await self.registration.showNotification(title, {
        body: p ? p.body || '' : m.push_generic_body,
        tag: (p && (p.tag || p.id)) || 'chibo',
        data: { link: (p && p.link) || '#/inbox', id: (p && p.id) || '' },
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        lang,
        renotify: false,
      });
      const pages = await self.clients.matchAll({ type: 'window' });
      if (pages.length) pages.forEach((c) => c.postMessage('sync'));
      else await syncNow().catch(() => {});
    })(),
  );
});

// follow follows a tapped notification: an open window of the app goes to its link (and marks it read), otherwise
// a new one opens there.
async function follow(n) {
  n.close();
  const { link = '#/inbox', id = '' } = n.data || {};
  const hash = link.startsWith('#/') ? link : '#/inbox';
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const w = wins.find((c) => new URL(c.url).origin === location.origin);
  if (w) {
    w.postMessage({ type: 'open', link: hash, id });
    await w.focus().catch(() => {}); // allowed after a tap only
    return;
  }
  await self.clients.openWindow('/' + (id ? '?read=' + encodeURIComponent(id) : '') + hash);
}

self.addEventListener('notificationclick', (e) => e.waitUntil(follow(e.notification)));
