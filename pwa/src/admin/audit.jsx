// The administrators' audit log screen (#/admin/audit/...): who changed what and when, before and after. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/audit/".
import { t } from '../i18n.js';

export function Audit({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_audit')}</h1>
      <p class="muted">{t('ad_audit_about')}</p>
    </>
  );
}
