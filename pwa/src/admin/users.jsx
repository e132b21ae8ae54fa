// The administrators' users screen (#/admin/users/...): accounts, roles over a unit with dates, importing officials from a file. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/users/".
import { t } from '../i18n.js';

export function Users({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_users')}</h1>
      <p class="muted">{t('ad_users_about')}</p>
    </>
  );
}
