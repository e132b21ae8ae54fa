// The administrators' screens (#/admin, #/admin/<area>/...): online, in the same app, loaded on demand (they are
// not in the officials' bundle, nor precached). Administrators change; supervisors read. Each area is a file of
// its own with its own messages (<area>.msg.js, gathered in messages.js).
import { t, extend } from '../i18n.js';
import { online } from '../state.js';
import { hasRole, isSupervisor } from '../data.js';
import * as msgs from './messages.js';
import { Org } from './org.jsx';
import { Users } from './users.jsx';
import { Rosters } from './rosters.jsx';
import { Schedules } from './schedules.jsx';
import { Reference } from './reference.jsx';
import { Ratings } from './ratings.jsx';
import { Addressees } from './addressees.jsx';
import { Audit } from './audit.jsx';

extend(msgs);

// areas are the administration areas in the menu's order.
const areas = [
  ['org', Org],
  ['users', Users],
  ['rosters', Rosters],
  ['schedules', Schedules],
  ['reference', Reference],
  ['ratings', Ratings],
  ['addressees', Addressees],
  ['audit', Audit],
];

// canAdmin says whether the user changes things here (an admin grant); a supervisor reads.
export const canAdmin = () => hasRole('admin');

export function Admin({ path }) {
  if (!isSupervisor()) {
    return (
      <>
        <h1 class="title">{t('ad_title')}</h1>
        <p class="muted">{t('ad_only')}</p>
      </>
    );
  }
  const [area, ...rest] = path;
  const found = areas.find(([a]) => a === area);
  return (
    <div class="admin">
      {!online.value && <p class="notice warn" role="status">{t('ad_offline')}</p>}
      {!canAdmin() && <p class="muted">{t('ad_readonly')}</p>}
      {found ? (
        <>
          <p><a href="#/admin">{t('ad_back')}</a></p>
          {(() => {
            const C = found[1];
            return <C rest={rest} />;
          })()}
        </>
      ) : (
        <>
          <h1 class="title">{t('ad_title')}</h1>
          <nav aria-label={t('ad_menu')}>
            <ul class="admin-menu">
              {areas.map(([a]) => (
                <li key={a}>
                  <a class="card row" href={'#/admin/' + a}>
                    <span class="main">
                      <strong>{t('ad_' + a)}</strong>
                      <small class="muted">{t('ad_' + a + '_about')}</small>
                    </span>
                    <span class="go" aria-hidden="true">›</span>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </>
      )}
    </div>
  );
}
