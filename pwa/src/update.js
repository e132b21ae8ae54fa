// The service worker's life: registration, and a new version that waits until the user agrees to it.
import { updateReady } from './state.js';

let waiting;

export async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const offer = (w) => {
    if (w && navigator.serviceWorker.controller) {
      waiting = w;
      updateReady.value = true;
    }
  };
  offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => w.state === 'installed' && offer(w));
  });
  // Look for a new version now and then while the app stays open.
  setInterval(() => reg.update().catch(() => {}), 30 * 60e3);
}

// applyUpdate activates the waiting version and reloads once it controls the page. Everything typed is saved on
// the device as it is typed, so nothing is lost.
export function applyUpdate() {
  if (!waiting) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
  waiting.postMessage('skip-waiting');
}
