// The administrators' reference data screen (#/admin/reference/...): recommendation fields, the rubric, the minutes template, rating labels, with dates in force. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/reference/".
import { t } from '../i18n.js';

export function Reference({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_reference')}</h1>
      <p class="muted">{t('ad_reference_about')}</p>
    </>
  );
}
