// The administrators' meeting schedules screen (#/admin/schedules/...): the province's schedule and a cell's own; moving or cancelling a month's meeting. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/schedules/".
import { t } from '../i18n.js';

export function Schedules({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_schedules')}</h1>
      <p class="muted">{t('ad_schedules_about')}</p>
    </>
  );
}
