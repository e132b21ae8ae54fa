// The administrators' party members screen (#/admin/rosters/...): each cell's roster: import from a file, download, edit a member. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/rosters/".
import { t } from '../i18n.js';

export function Rosters({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_rosters')}</h1>
      <p class="muted">{t('ad_rosters_about')}</p>
    </>
  );
}
