import { useState } from 'preact/hooks';
import { t, lang } from '../i18n.js';
import { signIn, session, saveSettings, settings } from '../state.js';
import { go } from '../app.jsx';

export function Login() {
  const [username, setUsername] = useState(session.value?.username || '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    // The first sync can take a while; a user who opens another screen meanwhile stays there.
    const at = location.hash;
    try {
      await signIn(username.trim(), password);
      if (location.hash === at) go('');
    } catch (err) {
      setError(err.offline ? t('login_offline') : err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <div class="login-head">
        <img src="/icons/icon-192.png" alt="" width="72" height="72" />
        <h1>{t('app')}</h1>
        <p>{t('login_sub')}</p>
      </div>
      <form onSubmit={submit} class="card">
        <h2>{t('login_title')}</h2>
        <label for="username">{t('username')}</label>
        <input id="username" name="username" autocomplete="username" autocapitalize="none" required value={username}
          onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">{t('password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <button class="btn primary wide" type="submit" disabled={busy}>{busy ? t('logging_in') : t('login')}</button>
      </form>
      <p class="center">
        <button class="btn ghost small" onClick={() => saveSettings({ lang: lang.value === 'vi' ? 'en' : 'vi' })}>
          {settings.value.lang === 'vi' ? 'English' : 'Tiếng Việt'}
        </button>
      </p>
    </main>
  );
}
