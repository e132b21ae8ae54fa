// The administrators' party organisations screen (#/admin/org/...): the organisation tree: search, create, rename, move, open and close, merge, split. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/org/".
import { t } from '../i18n.js';

export function Org({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_org')}</h1>
      <p class="muted">{t('ad_org_about')}</p>
    </>
  );
}
