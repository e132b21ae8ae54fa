// Web push on this device: whether it can have it, subscribing with the server's VAPID key, and unsubscribing
// when the user signs out. Nothing depends on it: the inbox has every notification anyway.
import { signal } from '@preact/signals';
import { api } from './sync.js';
import { lang, t } from './i18n.js';

// pushState: 'unknown' until checked, then 'off' (the server sends no pushes: no push UI at all), 'unsupported',
// 'ios' (iPhone Safari outside the installed app), 'denied', 'default' (may ask), 'subscribed'.
export const pushState = signal('unknown');

let key;

const standalone = () => matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;

function support() {
  if (/iPhone|iPad|iPod/.test(navigator.userAgent) && !standalone()) return 'ios';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return 'unsupported';
  return '';
}

// serverKey asks the server for its VAPID public key; null when it sends no pushes (404).
async function serverKey() {
  if (key !== undefined) return key;
  try {
    key = (await api('GET', '/api/v1/push/key', undefined, lang.value)).public_key || null;
  } catch (e) {
    if (e.status !== 404) throw e;
    key = null;
  }
  return key;
}

// checkPush finds where this device stands. Offline, it says 'unknown' (and the UI stays hidden).
export async function checkPush() {
  try {
    if (!(await serverKey())) return (pushState.value = 'off');
    const s = support();
    if (s) return (pushState.value = s);
    if (Notification.permission === 'denied') return (pushState.value = 'denied');
    const sub = await (await navigator.serviceWorker.ready).pushManager.getSubscription();
    pushState.value = sub && Notification.permission === 'granted' ? 'subscribed' : 'default';
  } catch {
    pushState.value = 'unknown';
  }
  return pushState.value;
}

function bytes(b64) {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// subscribe asks for permission (only ever after a tap), subscribes and registers the subscription with the
// server. It throws an Error whose message is for the user.
export async function subscribe() {
  if (!navigator.onLine) throw new Error(t('push_offline'));
  const k = await serverKey();
  if (!k) return;
  const perm = await Notification.requestPermission();
  if (perm !== 'granted') {
    pushState.value = perm === 'denied' ? 'denied' : 'default';
    throw new Error(t('push_denied'));
  }
  const reg = await navigator.serviceWorker.ready;
  let sub;
  try {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(k) });
  } catch (e) {
    throw new Error(t('push_failed', { msg: e.message || e.name }));
  }
  const j = sub.toJSON();
  try {
    await api('POST', '/api/v1/push/subscriptions', { endpoint: j.endpoint, expirationTime: j.expirationTime ?? null, keys: j.keys,
      user_agent: navigator.userAgent }, lang.value);
  } catch (e) {
    await sub.unsubscribe().catch(() => {});
    throw new Error(e.offline ? t('push_offline') : t('push_failed', { msg: e.message }));
  }
  pushState.value = 'subscribed';
}

// unsubscribe removes this device's subscription from the server, then from the browser. It is best effort:
// signing out goes on whatever happens (the server drops endpoints the push service says are gone).
export async function unsubscribe() {
  try {
    const reg = await navigator.serviceWorker?.getRegistration();
    const sub = await reg?.pushManager?.getSubscription();
    if (!sub) return;
    await Promise.race([
      api('DELETE', '/api/v1/push/subscriptions', { endpoint: sub.endpoint }, lang.value).catch(() => {}),
      new Promise((r) => setTimeout(r, 4000)),
    ]);
    await sub.unsubscribe();
    if (pushState.value === 'subscribed') pushState.value = 'default';
  } catch {
    // Nothing more to do.
  }
}
