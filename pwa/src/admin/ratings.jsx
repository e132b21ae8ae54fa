// The administrators' annual ratings screen (#/admin/ratings/...): each year's quality rating of the cells: one by one or from a file. Supervisors read it; only an
// administrator of the unit changes it. rest is the part of the route after "#/admin/ratings/".
import { t } from '../i18n.js';

export function Ratings({ rest }) {
  return (
    <>
      <h1 class="title">{t('ad_ratings')}</h1>
      <p class="muted">{t('ad_ratings_about')}</p>
    </>
  );
}
