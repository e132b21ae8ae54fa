import { useEffect, useState } from 'preact/hooks';
import { t, num } from '../i18n.js';
import { settings, saveSettings, pending, signOut, session, askPersist } from '../state.js';
import { PushSettings } from './push.jsx';
import { isSupervisor, hasRole } from '../data.js';

const mb = (n) => num(n / 1048576) + ' MB';

export function Settings() {
  const [est, setEst] = useState(null);
  const [persisted, setPersisted] = useState(settings.value.persist);
  useEffect(() => {
    navigator.storage?.estimate?.().then(setEst);
    navigator.storage?.persisted?.().then(setPersisted);
  }, []);
  const exportOutbox = () => {
    const blob = new Blob([JSON.stringify({ exported: new Date().toISOString(), user: session.value?.user?.username, outbox: pending.value }, null, 1)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'chibo-chua-gui-' + new Date().toISOString().slice(0, 10) + '.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const out = () => {
    const n = pending.value.length;
    if (confirm(n ? t('sign_out_warn', { n }) : t('sign_out_confirm'))) signOut();
  };
  const radio = (name, value, label) => (
    <label class="radio" key={value}>
      <input type="radio" name={name} value={value} checked={settings.value[name] === value} onChange={() => saveSettings({ [name]: value })} />
      {label}
    </label>
  );
  return (
    <>
      <h1 class="title">{t('settings')}</h1>
      <p class="muted">{t('signed_in_as', { name: session.value?.user?.display_name || '' })}</p>
      {isSupervisor() && !hasRole('admin') && <p><a href="#/admin">{t('admin')}</a></p>}
      <fieldset class="card">
        <legend>{t('language')}</legend>
        {radio('lang', 'vi', 'Tiếng Việt')}
        {radio('lang', 'en', 'English')}
      </fieldset>
      <fieldset class="card">
        <legend>{t('text_size')}</legend>
        {radio('size', 'normal', t('size_normal'))}
        {radio('size', 'large', t('size_large'))}
        {radio('size', 'xlarge', t('size_xlarge'))}
      </fieldset>
      <section class="card">
        <h2>{t('storage')}</h2>
        <p>{persisted ? '✓ ' + t('storage_persist') : t('storage_best')}</p>
        {!persisted && <button class="btn small" onClick={async () => { await askPersist(); setPersisted(await navigator.storage?.persisted?.()); }}>{t('storage_persist')}</button>}
        {est && <p class="muted">{t('storage_used', { used: mb(est.usage || 0), quota: mb(est.quota || 0) })}</p>}
        <button class="btn small" onClick={exportOutbox} disabled={!pending.value.length}>{t('export_outbox')} ({pending.value.length})</button>
      </section>
      <PushSettings />
      <button class="btn danger wide" onClick={out}>{t('sign_out')}</button>
    </>
  );
}
