import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { settings, saveSettings } from '../state.js';
import { pushState, checkPush, subscribe, unsubscribe } from '../push.js';

function useToggle() {
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  const act = (f) => async () => {
    setBusy(true);
    setMsg('');
    try {
      await f();
    } catch (e) {
      setMsg(e.message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, msg, act };
}

// PushSettings is the settings card for web push; hidden when the server sends none (or it is not known yet).
export function PushSettings() {
  useEffect(() => {
    checkPush();
  }, []);
  const { busy, msg, act } = useToggle();
  const st = pushState.value;
  if (st === 'unknown' || st === 'off') return null;
  const note = { denied: 'push_denied', unsupported: 'push_unsupported', ios: 'push_ios' }[st];
  return (
    <section class="card" aria-labelledby="h-push">
      <h2 id="h-push">{t('push')}</h2>
      <p>{t('push_explain')}</p>
      {note && <p class="warn">{t(note)}</p>}
      {st === 'subscribed' && <p class="ok">✓ {t('push_enabled')}</p>}
      {st === 'default' && <button class="btn small" disabled={busy} onClick={act(subscribe)}>{busy ? t('push_busy') : t('push_on')}</button>}
      {st === 'subscribed' && <button class="btn small" disabled={busy} onClick={act(unsubscribe)}>{busy ? t('push_busy') : t('push_off')}</button>}
      {msg && <p class="error" role="alert">{msg}</p>}
    </section>
  );
}

// PushPrompt offers push once on the home screen, a few seconds after it shows (never on first paint), while the
// device may still ask and the user has not said no. "Later" puts it away once the device has stored the answer, so
// that a reload right after (or the app closed) cannot bring it back.
export function PushPrompt() {
  const [ready, setReady] = useState(false);
  const [asked] = useState(() => !!settings.value.pushAsked);
  useEffect(() => {
    if (asked) return;
    const timer = setTimeout(() => checkPush().then(() => setReady(true)), 4000);
    return () => clearTimeout(timer);
  }, []);
  const { busy, msg, act } = useToggle();
  if (!ready || (asked && !msg) || (pushState.value !== 'default' && !msg)) return null;
  return (
    <section class="card prompt" aria-labelledby="h-prompt">
      <h2 id="h-prompt">{t('push_prompt')}</h2>
      <p>{t('push_explain')}</p>
      {msg && <p class="error" role="alert">{msg}</p>}
      <p class="actions">
        {!msg && <button class="btn small primary" disabled={busy} onClick={act(async () => {
          await saveSettings({ pushAsked: true });
          await subscribe();
        })}>{busy ? t('push_busy') : t('push_on')}</button>}
        <button class="btn small ghost" onClick={() => saveSettings({ pushAsked: true }).then(() => setReady(false))}>{t('later')}</button>
      </p>
    </section>
  );
}
