// The supervisors' cross-checks (issue #13), read from the server (online; the last answer is kept for offline
// reading): the block of a meeting (GET /api/v1/meetings/:id/proof: each visiting official confirmed, not
// confirmed or disputed with the reason, the distance from the cell's position and whether it is within the
// radius, the clashes), a cell's meetings on the coverage screen with whether each visit is verified, and the
// warning of the assignment screen (GET /api/v1/assignments/clashes). Only the supervisors' chunks import it, and
// the assignment screen loads it when it needs it.
import { useState, useEffect } from 'preact/hooks';
import { t, extend, vnDate, vnDateTime, vnTime, lang, pct, num } from '../i18n.js';
import * as msgs from './check.msg.js';
import { api } from '../sync.js';
import { online } from '../state.js';
import { useKept } from '../screens/shared.jsx';

extend(msgs);

const call = (path) => api('GET', path, undefined, lang.value);

// meters writes a distance: "120 m" below a kilometre, "1,2 km" above (as ./geo.js does for the devices).
const meters = (m) => (m == null ? '' : m < 1000 ? Math.round(m) + ' m' : num(m / 1000, 1) + ' km');

// verifiedRow is the monthly report's line of verified visits, or none when the server gives no figure.
export const verifiedRow = (T) => (T.verified != null ? [[t('pf_verified'), T.verified + ' (' + pct(T.verified_rate) + ')']] : []);

// CrossCheck is a meeting's "Kiểm tra chéo" block.
export function CrossCheck({ id }) {
  const st = useKept('chibo-proof-check', id + lang.value, () => call('/api/v1/meetings/' + id + '/proof'), (e) => (e.offline ? t('pf_offline') : e.message));
  const d = st.data;
  return (
    <section class="card crosscheck" aria-labelledby="h-pf-check">
      <h2 id="h-pf-check">{t('pf_check_title')}</h2>
      {st.error && <p class={d ? 'muted' : 'error'} role="status">{st.error}</p>}
      {!d && !st.error && <p class="muted">{t('loading')}</p>}
      {d && <ProofBody d={d} />}
    </section>
  );
}

function ProofBody({ d }) {
  const cp = d.cell_position;
  return (
    <>
      {d.starts_at && <p class="muted">{t('pf_interval', { from: vnDateTime(d.starts_at), to: d.ends_at ? vnTime(d.ends_at) : '' })}</p>}
      <p class="muted">
        {cp ? t('pf_cell_pos', { date: cp.set_at ? vnDateTime(cp.set_at).slice(0, 10) : '',
          by: cp.set_by_name ? t('pf_by', { name: cp.set_by_name }) : '', acc: cp.accuracy_m ? t('pf_pos_acc', { m: cp.accuracy_m }) : '' })
          : t('pf_loc_no_cell')}
        {' · '}{t('pf_radius', { r: meters(d.radius_m) })}
        {d.location_required ? ' · ' + t('pf_loc_required') : ''}
      </p>
      {(!d.visits || !d.visits.length) && <p class="muted">{t('pf_no_visits')}</p>}
      <ul class="cards">
        {(d.visits || []).map((v) => <Visit key={v.official_id} v={v} d={d} />)}
      </ul>
    </>
  );
}

function Visit({ v, d }) {
  const c = v.confirmation;
  return (
    <li class="card visit-proof" aria-label={v.official_name}>
      <p>
        <strong>{v.official_name}</strong>{' '}
        <span class={'pill ' + (v.verified ? 'resolved' : 'urgent')}>{v.verified ? t('pf_verified') : t('pf_not_verified')}</span>
      </p>
      <p>{v.checked_in_at ? t('pf_checked_in', { time: vnDateTime(v.checked_in_at) }) : t('pf_not_checked_in')}</p>
      <p class={c?.status === 'disputed' ? 'warn' : c?.status === 'confirmed' ? 'ok' : 'muted'}>
        {!c ? t('pf_c_none') : t(c.status === 'disputed' ? 'pf_c_disputed' : 'pf_c_confirmed',
          { reason: c.reason || '', name: c.confirmed_by_name || '', time: vnDateTime(c.confirmed_at) })}
      </p>
      <p class={v.within_radius === false ? 'warn' : ''}>
        {v.distance_m != null
          ? t(v.within_radius === false ? 'pf_outside' : 'pf_within', { d: meters(v.distance_m), r: meters(d.radius_m) })
          : v.latitude != null ? t('pf_loc_no_cell') : t('pf_no_loc')}
      </p>
      {(v.clashes || []).map((x, i) => (
        <p key={i} class="warn">
          ⚠ {t(x.kind === 'travel' ? 'pf_clash_travel' : 'pf_clash_overlap', { cell: x.cell_name, date: vnDate(x.meeting_date),
            time: x.starts_at ? t('pf_at', { time: vnTime(x.starts_at) }) : '', d: meters(x.distance_m) })}
          {x.meeting_id && <> · <a href={'#/mr/' + x.meeting_id}>{t('pf_check_title')}</a></>}
        </p>
      ))}
    </li>
  );
}

// childVerified is a child unit's verified visits, for its line ("" when the server gives none).
export const childVerified = (c) => (c.verified == null ? '' : ' · ' + t('pf_child_verified', { n: c.verified, v: c.visited }));

// tallyLine is an official's verified visits, clashes and unconfirmed visits, for the officials' tally.
export const tallyLine = (o) => (o.verified == null ? '' : ' · ' + t('pf_tally', { v: o.verified, c: o.clashes || 0, u: o.unconfirmed || 0 }));

// CellMeetings lists a cell's meetings of the period (the coverage of a cell): visited or not, verified or not, the
// secretary's word, a clash; each opens the meeting's reports and cross-checks.
export function CellMeetings({ meetings }) {
  if (!meetings?.length) return null;
  return (
    <section class="card" aria-labelledby="h-pf-meetings">
      <h2 id="h-pf-meetings">{t('pf_meetings')}</h2>
      <ul class="rows">
        {meetings.map((m, i) => {
          const bits = [m.visited ? t('pf_m_visited') : t('pf_m_unvisited')];
          if (m.visited) {
            bits.push(m.confirmation === 'confirmed' ? t('pf_m_confirmed') : m.confirmation === 'disputed' ? t('pf_m_disputed') : t('pf_m_unconfirmed'));
            if (m.distance_m != null) bits.push(t('pf_distance', { d: meters(m.distance_m) }));
          }
          const body = (
            <>
              <strong>{vnDate(m.date)}{' '}
                {m.visited && <span class={'pill ' + (m.verified ? 'resolved' : 'urgent')}>{m.verified ? t('pf_verified') : t('pf_not_verified')}</span>}
                {m.clash && <span class="pill urgent">{t('pf_m_clash')}</span>}
              </strong>
              <small>{t(m.status)} · {bits.join(' · ')}</small>
            </>
          );
          return <li key={m.meeting_id || i}>{m.meeting_id ? <a class="row" href={'#/mr/' + m.meeting_id}>{body}</a> : <span class="row">{body}</span>}</li>;
        })}
      </ul>
    </section>
  );
}

// ClashWarning warns (it does not refuse) when the assignment being made gives an official a cell that meets at the
// same time as one of the official's other cells. officials, cells: Map(id → name); f: the period.
export function ClashWarning({ officials, cells, f }) {
  const [found, setFound] = useState([]);
  const key = [...officials.keys()].join(',') + '|' + [...cells.keys()].join(',') + '|' + f.starts_on + '|' + f.ends_on;
  useEffect(() => {
    if (!officials.size || !cells.size || !online.value) return setFound([]);
    let live = true;
    const timer = setTimeout(async () => {
      const out = [];
      // At most 40 pairs are checked (a selection is a few officials and cells).
      const pairs = [...officials.keys()].flatMap((o) => [...cells.keys()].map((c) => [o, c])).slice(0, 40);
      await Promise.all(pairs.map(async ([o, c]) => {
        try {
          const r = await call(`/api/v1/assignments/clashes?limit=20&official_id=${o}&cell_id=${c}` +
            (f.starts_on ? '&starts_on=' + f.starts_on : '') + (f.ends_on ? '&ends_on=' + f.ends_on : ''));
          for (const x of r.items || []) {
            if (x.cell_id === c) continue;
            out.push({ key: o + c + x.cell_id, name: officials.get(o), cell: cells.get(c), other: x.cell_name, day: x.day_of_month, time: (x.meets_at || '').slice(0, 5) });
          }
        } catch {
          // No warning when it cannot be checked: the assignment itself is allowed.
        }
      }));
      if (live) setFound(out);
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, online.value]);
  if (!found.length) return null;
  return (
    <div class="card notice clash-warning" role="status">
      {found.map((x) => <p key={x.key} class="warn">⚠ {t('pf_clash_warn', x)}</p>)}
      <p class="muted">{t('pf_clash_note')}</p>
    </div>
  );
}
