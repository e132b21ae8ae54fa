// The cross-checks on the devices that sync (issue #13), offline too: a lazily loaded chunk the service worker
// precaches (pwa/build's offlineLazy).
// - MeetingProof, on a meeting's attendance tab: for the visiting official, the location at check-in (asked at once
//   when the province requires it) and its distance from the cell's position; for the cell's secretary, the
//   confirmation of each visiting official.
// - SecretaryProof, on the secretary's home: where the cell meets (set from the phone's position, with what that
//   means for privacy) and the recent meetings' visiting officials to confirm.
// Both write synced rows through the outbox (visit_confirmations, cell_positions; ids by the protocol's rule).
import { useState, useEffect, useRef } from 'preact/hooks';
import { t, extend, vnDate, vnDateTime } from '../i18n.js';
import * as msgs from './proof.msg.js';
import { get, mutate, online } from '../state.js';
import * as data from '../data.js';
import { confirmationId, positionId, distanceM, meters, here, cellPosition, ruleOf, fetchRule, nameOf, fetchNames,
  visitingOfficials, canConfirm, confirmable } from './geo.js';

extend(msgs);

export function MeetingProof({ meeting, locked }) {
  const report = data.myReport(meeting.id);
  const official = !!report || data.myCellIds().has(meeting.cell_id) && data.hasRole('official');
  const secretary = canConfirm(meeting.cell_id) && confirmable(meeting);
  return (
    <>
      {official && <CheckInProof meeting={meeting} report={report} locked={locked} />}
      {secretary && (
        <section class="card" aria-labelledby="h-pf-confirm">
          <h2 id="h-pf-confirm">{t('pf_confirm_title')}</h2>
          <Confirmations meeting={meeting} />
        </section>
      )}
    </>
  );
}

// CheckInProof is the official's location at check-in: the button (with one line on privacy), the distance from
// the cell's position once both are known, and the province's requirement, when it has one (then the location is
// asked as soon as the official checks in).
function CheckInProof({ meeting, report, locked }) {
  const [rule, setRule] = useState(() => ruleOf(meeting.cell_id));
  const [msg, setMsg] = useState('');
  const asked = useRef(false);
  useEffect(() => {
    if (online.value) fetchRule(meeting.cell_id).then(setRule);
  }, [meeting.cell_id, online.value]);
  const locate = async () => {
    setMsg(t('pf_locating'));
    try {
      const p = await here();
      const id = await data.ensureReport(meeting.id);
      await mutate([{ t: 'visit_reports', id, fields: { latitude: p.latitude, longitude: p.longitude } }]);
      setMsg('');
    } catch {
      setMsg(t('location_denied'));
    }
  };
  const has = report?.latitude != null && report?.longitude != null;
  // The province requires the location: asked once, when the official checks in without it.
  useEffect(() => {
    if (rule.required && report?.checked_in_at && !has && !locked && !asked.current) {
      asked.current = true;
      locate();
    }
  }, [rule.required, report?.checked_in_at, has]);
  const pos = cellPosition(meeting.cell_id);
  const d = has && pos ? distanceM(report.latitude, report.longitude, pos.latitude, pos.longitude) : null;
  return (
    <div class="checkin proof">
      {has ? (
        <p>
          <span class="ok">✓ {t('location_saved')}</span>
          {d != null && <> · <span class={d > rule.radius ? 'warn' : ''}>{t('pf_distance', { d: meters(d) })}{d > rule.radius ? ' — ' + t('pf_far', { r: meters(rule.radius) }) : ''}</span></>}
        </p>
      ) : locked ? null : (
        <>
          {rule.required && <p class="warn">{t('pf_required', { r: meters(rule.radius) })}</p>}
          <p><button class={'btn small' + (rule.required ? ' primary' : ' ghost')} onClick={locate}>{t('with_location')}</button></p>
          <p class="muted"><small>{t('pf_privacy_checkin')}</small></p>
        </>
      )}
      {has && !pos && <p class="muted"><small>{t('pf_no_cell_pos')}</small></p>}
      {msg && <p class="muted" role="status">{msg}</p>}
    </div>
  );
}

// useNames gives the names of the officials assigned to a cell: as kept on the device, read again when online.
function useNames(cellId) {
  const [, set] = useState(0);
  useEffect(() => {
    if (online.value) fetchNames(cellId).then(() => set((n) => n + 1), () => {});
  }, [cellId, online.value]);
  return (id) => nameOf(id);
}

// Confirmations lists a meeting's visiting officials, each with the secretary's one-tap confirmation.
function Confirmations({ meeting }) {
  const name = useNames(meeting.cell_id);
  const officials = visitingOfficials(meeting);
  if (!officials.length) return <p class="muted">{t('pf_no_officials')}</p>;
  return (
    <ul class="cards">
      {officials.map((o) => <Confirm key={o} meeting={meeting} official={o} name={name(o) || t('pf_official')} />)}
    </ul>
  );
}

const REASONS = ['pf_reason_absent', 'pf_reason_late'];

// Confirm is one official: confirm with one tap, or not confirm with a reason (required); a word given can be
// changed (confirm, then dispute) or withdrawn.
function Confirm({ meeting, official, name }) {
  const id = confirmationId(meeting.id, official);
  const c = get('visit_confirmations', id);
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [err, setErr] = useState('');
  // A reason given, chosen or typed, answers "a reason is needed": the message goes with it.
  const give = (v) => (setReason(v), v.trim() && setErr(''));
  const write = (status, why) => mutate([{ t: 'visit_confirmations', id, fields: { meeting_id: meeting.id, official_id: official, status, reason: why } }]);
  const dispute = async () => {
    if (!reason.trim()) return setErr(t('pf_reason_need'));
    await write('disputed', reason.trim());
    setAsking(false);
    setErr('');
  };
  const rid = 'pf-reason-' + official;
  return (
    <li class="card confirm" aria-label={name}>
      {c?.status === 'confirmed' && <p class="ok" role="status">{t('pf_confirmed', { name })}</p>}
      {c?.status === 'disputed' && <p class="warn" role="status">{t('pf_disputed', { name, reason: c.reason })}</p>}
      {c?._pending && <p class="muted"><small>{t('pf_unsent')}</small></p>}
      {asking ? (
        <div class="reason">
          <label for={rid}>{t('pf_reason')}</label>
          <div class="chips">
            {REASONS.map((k) => (
              <button key={k} class="chip" aria-pressed={reason === t(k) ? 'true' : 'false'} onClick={() => give(t(k))}>{t(k)}</button>
            ))}
          </div>
          <textarea id={rid} rows={2} value={reason} aria-invalid={err ? 'true' : undefined} onInput={(e) => give(e.currentTarget.value)} />
          {err && <p class="error" role="alert">{err}</p>}
          <p class="actions">
            <button class="btn small primary" onClick={dispute}>{t('save')}</button>
            <button class="btn small ghost" onClick={() => (setAsking(false), setErr(''))}>{t('cancel')}</button>
          </p>
        </div>
      ) : (
        <>
          {c?.status !== 'confirmed' && <button class="btn wide primary" onClick={() => write('confirmed', '')}>{t('pf_confirm', { name })}</button>}
          <p class="actions">
            {c?.status !== 'disputed' && <button class="btn small" onClick={() => (setReason(c?.reason || ''), setAsking(true))}>{t('pf_dispute')}</button>}
            {c && <button class="btn small ghost" onClick={() => mutate([{ t: 'visit_confirmations', op: 'delete', id }])}>{t('pf_withdraw')}</button>}
          </p>
        </>
      )}
    </li>
  );
}

// SecretaryProof is the secretary's part of the cross-checks on its home: where the cell meets, and the visiting
// officials of its recent meetings (the last two months) to confirm.
export function SecretaryProof({ id }) {
  if (!canConfirm(id)) return null;
  const since = new Date(Date.parse(data.today()) - 62 * 86400e3).toISOString().slice(0, 10);
  const recent = data.meetingsOf(id).filter((m) => confirmable(m) && m.meeting_date >= since && visitingOfficials(m).length).slice(0, 3);
  return (
    <>
      <CellPosition cellId={id} />
      <section class="card" aria-labelledby={'h-pf-rc-' + id}>
        <h3 id={'h-pf-rc-' + id} class="h3">{t('pf_confirm_title')}</h3>
        {recent.length === 0 && <p class="muted">{t('pf_none_recent')}</p>}
        {recent.map((m) => (
          <div key={m.id} class="pf-meeting">
            <p><strong><a class="tap" href={'#/m/' + m.id}>{t('pf_meeting_of', { date: vnDate(m.meeting_date) })}</a></strong></p>
            <Confirmations meeting={m} />
          </div>
        ))}
      </section>
    </>
  );
}

// CellPosition sets where the cell meets from the phone's position (offline too), with what is stored and who sees it.
function CellPosition({ cellId }) {
  const pos = cellPosition(cellId);
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const [privacy, setPrivacy] = useState(false);
  const set = async () => {
    setBusy(true);
    setMsg(t('pf_locating'));
    try {
      const p = await here();
      await mutate([{ t: 'cell_positions', id: positionId(cellId), fields: { cell_id: cellId, ...p } }]);
      setMsg('');
    } catch {
      setMsg(t('location_denied'));
    } finally {
      setBusy(false);
    }
  };
  const at = pos?.set_at || pos?.updated_at;
  return (
    <section class="card" aria-labelledby={'h-pf-pos-' + cellId}>
      <h3 id={'h-pf-pos-' + cellId} class="h3">{t('pf_pos_title')}</h3>
      {pos ? (
        <p class="ok" role="status">
          ✓ {t('pf_pos_saved', { date: at ? vnDateTime(at) : vnDate(data.today()),
            acc: pos.accuracy_m ? t('pf_pos_acc', { m: pos.accuracy_m }) : '' })}
          {pos._pending && <small class="muted"> ({t('pf_unsent')})</small>}
        </p>
      ) : <p class="muted">{t('pf_pos_none')} {t('pf_pos_here')}</p>}
      <p class="actions">
        <button class="btn small primary" disabled={busy} onClick={set}>{pos ? t('pf_pos_again') : t('pf_pos_set')}</button>
        {pos && <button class="btn small ghost" onClick={() => mutate([{ t: 'cell_positions', op: 'delete', id: pos.id || positionId(cellId) }])}>{t('pf_pos_clear')}</button>}
      </p>
      {msg && <p class="muted" role="status">{msg}</p>}
      <button class="btn small ghost" aria-expanded={privacy} onClick={() => setPrivacy(!privacy)}>{t('pf_privacy_title')}</button>
      {privacy && (
        <ul>
          <li>{t('pf_privacy_1')}</li>
          <li>{t('pf_privacy_2')}</li>
          <li>{t('pf_privacy_3')}</li>
        </ul>
      )}
    </section>
  );
}
