// The supervisors' coverage screen (#/supervise, #/supervise/<unit id>): a unit's visit coverage, reporting,
// attendance and grades over a month, quarter or year, its children to drill into, month charts (uPlot lines, with
// the figures as a table) and the grades (uPlot bars), the cells needing attention, the members absent with reason
// more than 3 meetings in a row, each official's tally, the workbook to download and the way to the monthly report
// (#/report). It reads the server directly; the last report read is kept in localStorage so it can still be read
// offline.
import { useState, useRef } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang, extend } from '../i18n.js';
import * as formsMsg from './report_forms.msg.js';
import { today, weakLabel } from '../data.js';
import { api } from '../sync.js';
import { usePaged } from '../paged.js';
import { Download, OnlySupervisors, readCached, useKept } from './shared.jsx';
import { LineChart, Bars, Table, pct, monthLabel } from '../chart.jsx';
import { childVerified, tallyLine, CellMeetings } from '../proof/check.jsx';

extend(formsMsg);

const call = (path) => api('GET', path, undefined, lang.value);
const errText = (e) => (e.offline ? t('sv_offline') : e.message);
const CACHE = 'chibo-supervise';

// periodOf turns the picker's choice into the API's period: this month, quarter or year.
export function periodOf(kind, day) {
  const y = day.slice(0, 4);
  const m = Number(day.slice(5, 7));
  if (kind === 'year') return y;
  if (kind === 'quarter') return y + '-Q' + Math.ceil(m / 3);
  return day.slice(0, 7);
}

export function Supervise({ unit }) {
  return <OnlySupervisors title={t('sv_title')}><Report unit={unit || ''} /></OnlySupervisors>;
}

function Report({ unit }) {
  const [kind, setKind] = useState(() => readCached(CACHE)?.data?.kind || 'month');
  const period = periodOf(kind, today());
  const q = '?period=' + period + (unit ? '&unit=' + unit : '');
  // The breadcrumb: the units above this one that were drilled through, as of the last report loaded.
  const lastTrail = useRef(readCached(CACHE)?.data?.trail || []);
  const st = useKept(CACHE, q, async () => {
    const rep = await call('/api/v1/coverage' + q);
    const prev = lastTrail.current;
    const i = prev.findIndex((u) => u.id === rep.unit.id);
    const trail = [...(i >= 0 ? prev.slice(0, i) : unit ? prev : []), rep.unit];
    lastTrail.current = trail;
    return { rep, trail, kind };
  }, errText);
  const trail = st.data?.trail || [];

  const rep = st.data?.rep;
  return (
    <>
      <h1 class="title">{t('sv_title')}</h1>
      {trail.length > 1 && (
        <nav aria-label={t('sv_trail')} class="trail">
          {trail.slice(0, -1).map((u, i) => (
            <span key={u.id}>
              <a href={'#/supervise' + (i ? '/' + u.id : '')}>{u.name}</a> ›{' '}
            </span>
          ))}
          <span aria-current="page">{trail[trail.length - 1].name}</span>
        </nav>
      )}
      <div class="chips" role="group" aria-label={t('sv_period')}>
        {['month', 'quarter', 'year'].map((k) => (
          <button key={k} class={'chip' + (kind === k ? ' on' : '')} aria-pressed={kind === k} onClick={() => setKind(k)}>{t('sv_' + k)}</button>
        ))}
      </div>
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.at && <p class="muted" role="status">{t('sv_data_at', { at: vnDateTime(st.at) })}</p>}
      {!rep && !st.error && <p class="muted">{t('loading')}</p>}
      {rep && <Body rep={rep} q={q} />}
    </>
  );
}

function Fig({ label, value, sub }) {
  return (
    <div class="fig">
      <span class="label">{label}</span>
      <strong>{value}</strong>
      {sub && <small>{sub}</small>}
    </div>
  );
}

// Rating is a cell's latest annual quality rating (QĐ 366), a weak one marked.
function Rating({ r }) {
  if (!r) return null;
  return <small class={'rating' + (r.weak ? ' warn' : '')}>{t('sv_rating', { year: r.year, label: (lang.value === 'en' && r.name_en) || r.name_vi })}</small>;
}

function Body({ rep, q }) {
  const T = rep.totals;
  const g = T.grades || {};
  const grades = [['tot', g.tot], ['kha', g.kha], ['trung_binh', g.trung_binh], ['kem', g.kem]];
  const months = (rep.by_month || []).map((m) => monthLabel(m.month));
  return (
    <>
      <p class="muted">{rep.unit.name} · {vnDate(rep.from)} – {vnDate(rep.to)}</p>
      <Rating r={rep.rating} />
      <section class="figs" aria-label={t('sv_totals')}>
        <Fig label={t('sv_coverage')} value={pct(T.coverage)} sub={t('sv_visited', { v: T.visited, e: T.expected })} />
        {T.verified != null && <Fig label={t('pf_verified')} value={T.verified} sub={t('pf_fig_verified_sub', { n: T.verified, v: T.visited, r: pct(T.verified_rate) })} />}
        <Fig label={t('sv_reported')} value={T.reported} sub={t('sv_reporting', { r: pct(T.reporting_rate) })} />
        <Fig label={t('sv_timely')} value={pct(T.timely_rate)} sub={t('sv_timely_n', { n: T.timely })} />
        <Fig label={t('sv_attendance')} value={pct(T.attendance_rate)} sub={t('sv_meetings', { n: T.held_meetings })} />
        <Fig label={t('sv_low')} value={T.cells_low_attendance} sub={t('sv_cells', { n: T.cells })} />
      </section>
      <div class="sv-links">
        <Download path={'/api/v1/exports/coverage.xlsx' + q} file={'du-sinh-hoat-' + today() + '.xlsx'} label={t('sv_excel')} />
        <a class="btn" href={'#/report/' + rep.unit.id}>{t('rp_title')}</a>
        <a class="btn ghost" href="#/recs">{t('rc_title')}</a>
        <a class="btn ghost" href={'#/f/month/' + (rep.unit.kind === 'commune' ? rep.unit.id : '')}>{t('fo_link')}</a>
      </div>
      {rep.children?.length > 0 && (
        <section class="card">
          <h2>{t('sv_children')}</h2>
          <ul class="rows">
            {rep.children.map((c) => (
              <li key={c.unit.id}>
                <a class="row" href={'#/supervise/' + c.unit.id}>
                  <strong>{c.unit.name}</strong>
                  <small>{t('sv_child_line', { c: pct(c.coverage), v: c.visited, e: c.expected, a: pct(c.attendance_rate) })}{childVerified(c)}</small>
                  <Rating r={c.rating} />
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {rep.by_month?.length > 0 && (
        <>
          <LineChart title={t('sv_chart_cov')} labels={months} values={rep.by_month.map((m) => m.coverage)} />
          <LineChart title={t('sv_chart_att')} labels={months} values={rep.by_month.map((m) => m.attendance_rate)} color="#1565c0" />
          <details class="card">
            <summary>{t('sv_month_table')}</summary>
            <MonthTable rep={rep} />
          </details>
        </>
      )}
      <CellMeetings meetings={rep.meetings} />
      <Bars title={t('sv_grades')} rows={grades.map(([k, n]) => ({ label: t('grade_' + k), n: n || 0, color: '#2e7d32' }))} />
      <Priorities q={q} />
      <Absentees q={q} />
      <Forms q={q} />
      <Officials q={q} />
    </>
  );
}

const usePage = (path) => usePaged(call, path, errText);

const KINDS = ['unvisited', 'weak', 'overdue_reports', 'overdue_recs'];

function Priorities({ q }) {
  const [kind, setKind] = useState('unvisited');
  const p = usePage('/api/v1/coverage/priorities' + q + '&kind=' + kind + '&limit=10');
  return (
    <section class="card">
      <h2>{t('sv_priorities')}</h2>
      <div class="chips" role="tablist" aria-label={t('sv_priorities')}>
        {KINDS.map((k) => (
          <button key={k} role="tab" aria-selected={kind === k} class={'chip' + (kind === k ? ' on' : '')} onClick={() => setKind(k)}>{t('pr_' + k)}</button>
        ))}
      </div>
      <div role="tabpanel" aria-label={t('pr_' + kind)}>
        {p.error && <p class="error" role="alert">{p.error}</p>}
        {p.loaded && !p.items.length && !p.error && <p class="muted">{t('sv_none')}</p>}
        <ul class="rows">
          {p.items.map((it, i) => {
            const c = it.cell || it.report || {};
            return (
              <li key={i} class="row">
                <strong>{c.cell_name}</strong>
                <small>
                  {c.parent_name}
                  {it.report ? ' · ' + t('pr_meeting', { date: vnDate(it.report.meeting_date) }) : ''}
                  {it.cell ? ' · ' + (it.cell.last_visit ? t('sg_last', { date: vnDate(it.cell.last_visit) }) : t('sg_never')) : ''}
                  {it.cell?.weak_reason ? ' · ' + t('wr_' + it.cell.weak_reason, { label: weakLabel() }) : ''}
                  {it.cell?.overdue_recs ? ' · ' + t('sg_overdue', { n: it.cell.overdue_recs }) : ''}
                </small>
              </li>
            );
          })}
        </ul>
        {p.next && <button class="btn small ghost" onClick={p.more}>{t('more')}</button>}
      </div>
    </section>
  );
}

// MonthTable is the months of a report as a table: the charts' figures.
function MonthTable({ rep }) {
  return (
    <Table caption={t('sv_month_table')} head={[t('rp_month'), t('rp_visited_col'), t('sv_coverage'), t('rp_reported_col'), t('sv_attendance')]}
      rows={(rep.by_month || []).map((m) => [monthLabel(m.month), m.visited + '/' + m.expected, pct(m.coverage), m.reported, pct(m.attendance_rate)])} />
  );
}

// Absentees lists the members absent with reason at more than 3 meetings in a row (the runs reach back 12 months).
function Absentees({ q }) {
  const p = usePage('/api/v1/coverage/absentees' + q + '&limit=20');
  return (
    <section class="card" aria-labelledby="sv-absentees">
      <h2 id="sv-absentees">{t('ab_title')}</h2>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      {p.loaded && !p.items.length && !p.error && <p class="muted">{t('sv_none')}</p>}
      <ul class="rows">
        {p.items.map((a) => (
          <li key={a.member_id} class="row absentee">
            <strong>{a.full_name}</strong>
            <small>{t('ab_line', { cell: a.cell_name, n: a.streak, from: vnDate(a.from), to: vnDate(a.to) })}{a.reasons?.length ? ' · ' + a.reasons.join(', ') : ''}</small>
          </li>
        ))}
      </ul>
      {p.next && <button class="btn small ghost" onClick={p.more}>{t('more')}</button>}
    </section>
  );
}

// Forms is, per commune, the period's briefings of the cell secretaries, the cells that reported at them, the
// dialogues and the expanded committee meetings with the assigned provincial official's attendance.
function Forms({ q }) {
  const p = usePage('/api/v1/coverage/forms' + q + '&limit=20');
  if (p.loaded && !p.items.length && !p.error) return null;
  return (
    <section class="card">
      <h2>{t('rf_title')}</h2>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      <ul class="rows">
        {p.items.map((f) => (
          <li key={f.commune_id + f.month} class="row forms">
            <strong>{f.commune_name}{f.month ? ' · ' + monthLabel(f.month) : ''}</strong>
            <small>{t('rf_line', { b: f.briefings_held, be: f.briefings_expected, r: f.cells_reported, c: f.cells, d: f.dialogues_held, h: f.committee_held, a: f.committee_attended })}</small>
          </li>
        ))}
      </ul>
      {p.next && <button class="btn small ghost" onClick={p.more}>{t('more')}</button>}
    </section>
  );
}

function Officials({ q }) {
  const p = usePage('/api/v1/coverage/officials' + q + '&limit=20');
  return (
    <section class="card">
      <h2>{t('sv_officials')}</h2>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      {p.loaded && !p.items.length && !p.error && <p class="muted">{t('sv_none')}</p>}
      <ul class="rows">
        {p.items.map((o) => (
          <li key={o.user_id} class="row official">
            <strong>{o.display_name}</strong>
            <small>{t('sv_tally', { c: o.cells, a: o.attended, e: o.expected, r: o.reported, ot: o.on_time, od: o.overdue, p: pct(o.coverage) })}
              {o.committee_expected > 0 ? ' · ' + t('rf_tally', { a: o.committee_attended, e: o.committee_expected }) : ''}{tallyLine(o)}</small>
          </li>
        ))}
      </ul>
      {p.next && <button class="btn small ghost" onClick={p.more}>{t('more')}</button>}
    </section>
  );
}
