import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { session, changePassword, signOut } from '../state.js';

// ChangePassword is the only screen of a user an administrator requires to choose a new password: the server
// refuses everything else (code must_change_password) until it is done.
export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    if (next !== again) {
      setError(t('pw_mismatch'));
      return;
    }
    setBusy(true);
    try {
      await changePassword(current, next);
    } catch (err) {
      setError(err.offline ? t('pw_offline') : err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} class="card" id="change-password">
        <h2>{t('pw_title')}</h2>
        <p>{t('pw_intro', { name: session.value?.user?.display_name || '' })}</p>
        <label for="current-password">{t('pw_current')}</label>
        <input id="current-password" type="password" autocomplete="current-password" required value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)} />
        <label for="new-password">{t('pw_new')}</label>
        <input id="new-password" type="password" autocomplete="new-password" required minLength={10} value={next}
          onInput={(e) => setNext(e.currentTarget.value)} />
        <label for="new-password-again">{t('pw_again')}</label>
        <input id="new-password-again" type="password" autocomplete="new-password" required minLength={10} value={again}
          onInput={(e) => setAgain(e.currentTarget.value)} />
        <p class="muted">{t('pw_rule')}</p>
        {error && <p class="error" role="alert">{error}</p>}
        <button class="btn primary wide" type="submit" disabled={busy}>{busy ? t('pw_saving') : t('pw_save')}</button>
      </form>
      <p class="center">
        <button class="btn ghost small" onClick={() => signOut()}>{t('sign_out')}</button>
      </p>
    </main>
  );
}
