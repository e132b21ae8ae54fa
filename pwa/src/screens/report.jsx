// The monthly report for the standing committee (#/report, #/report/<unit id>): for a month (last month unless
// chosen) and a unit, the coverage summary and its units, the 12 months up to it (uPlot lines on screen, a table on
// paper), the priority lists, the recommendations by field and status with the days to answer, and the members
// absent with reason more than 3 meetings in a row. "In báo cáo" prints it on A4 (style.css, @media print): no
// navigation or buttons, black on white, rows never split across pages. The last report read is kept in
// localStorage so it can be read (and printed) offline.
import { useState } from 'preact/hooks';
import { t, vnDate, vnDateTime, lang, extend } from '../i18n.js';
import * as formsMsg from './report_forms.msg.js';
import * as loopMsg from './recs.msg.js';
import { verifiedRow } from '../proof/check.jsx';
import { today, weakLabel } from '../data.js';
import { api } from '../sync.js';
import { LineChart, Bars, StatusBars, Table, RecStatsTable, pct, monthLabel } from '../chart.jsx';
import { unitOptions, useUnits, OnlySupervisors, useKept } from './shared.jsx';

extend(formsMsg);
extend(loopMsg);

const call = (path) => api('GET', path, undefined, lang.value);
const errText = (e) => (e.offline ? t('sv_offline') : e.message);
const CACHE = 'chibo-report';
const MAX_PAGES = 5;

// lastMonth is the month before today's (Asia/Ho_Chi_Minh), "2026-11".
export function lastMonth(day = today()) {
  const y = Number(day.slice(0, 4)), m = Number(day.slice(5, 7));
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

// recentMonths lists this month and the 23 before it, newest first.
const recentMonths = () => Array.from({ length: 24 }, (_, i) => monthsBack(today().slice(0, 7), i).slice(0, 7));

// monthEnd is the last day of a month, "2026-11" → "2026-11-30"; monthsBack the first day n months earlier.
const monthEnd = (ym) => new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0)).toISOString().slice(0, 10);
const monthsBack = (ym, n) => new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)) - 1 - n, 1)).toISOString().slice(0, 10);

// all reads every page of a list (up to MAX_PAGES of 100), and says whether more were left.
async function all(path) {
  let items = [], cursor = '', more = false;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await call(path + '&limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items = items.concat(r.items);
    cursor = r.next_cursor || '';
    if (!cursor) break;
    more = i === MAX_PAGES - 1;
  }
  return { items, more };
}

// load reads everything the report shows. The unit is resolved by the coverage call first (the caller's own unit
// when none is chosen), so every list is of the same unit.
async function load(unit, ym) {
  const cov = await call('/api/v1/coverage?period=' + ym + (unit ? '&unit=' + unit : ''));
  const u = '&unit=' + cov.unit.id;
  const to = monthEnd(ym);
  const [trend, unvisited, weak, reports, recs, stats, absentees, forms] = await Promise.all([
    call('/api/v1/coverage?from=' + monthsBack(ym, 11) + '&to=' + to + u),
    all('/api/v1/coverage/priorities?kind=unvisited' + u),
    all('/api/v1/coverage/priorities?kind=weak' + u),
    all('/api/v1/coverage/priorities?kind=overdue_reports' + u),
    all('/api/v1/coverage/priorities?kind=overdue_recs' + u),
    call('/api/v1/recommendations/stats?from=' + ym + '-01&to=' + to + u),
    all('/api/v1/coverage/absentees?period=' + ym + u),
    all('/api/v1/coverage/forms?period=' + ym + u),
  ]);
  return { cov, trend, unvisited, weak, reports, recs, stats, absentees, forms };
}

export function Report({ unit }) {
  return <OnlySupervisors title={t('rp_title')}><MonthReport unit={unit || ''} /></OnlySupervisors>;
}

function MonthReport({ unit }) {
  const [ym, setYm] = useState(lastMonth());
  const key = unit + '|' + ym + '|' + lang.value;
  const st = useKept(CACHE, key, () => load(unit, ym), errText);

  const d = st.data;
  const options = unitOptions(useUnits());
  const current = unit || d?.cov.unit.id || '';
  return (
    <>
      <div class="no-print">
        <a class="back" href={'#/supervise' + (unit ? '/' + unit : '')}>‹ {t('sv_title')}</a>
        <h1 class="title">{t('rp_title')}</h1>
        <div class="rp-controls">
          <div>
            <label for="rp-month">{t('rp_month')}</label>
            <select id="rp-month" value={ym} onChange={(e) => setYm(e.currentTarget.value)}>
              {recentMonths().map((m) => <option key={m} value={m}>{monthLabel(m)}</option>)}
            </select>
          </div>
          <div>
            <label for="rp-unit">{t('rp_unit')}</label>
            <select id="rp-unit" value={current} onChange={(e) => (location.hash = '#/report/' + e.currentTarget.value)}>
              {!options.some((o) => o.id === current) && current && <option value={current}>{d?.cov.unit.name || current}</option>}
              {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </div>
        </div>
        <p>
          <button class="btn primary" onClick={() => window.print()} disabled={!d}>{t('rp_print')}</button>
        </p>
        {st.error && <p class="error" role="alert">{st.error}</p>}
        {!d && !st.error && <p class="muted" role="status">{t('loading')}</p>}
      </div>
      {d && <Paper d={d} at={st.at} ym={ym} />}
    </>
  );
}

// Paper is the report itself: what prints.
function Paper({ d, at, ym }) {
  const T = d.cov.totals;
  const g = T.grades || {};
  const grades = ['tot', 'kha', 'trung_binh', 'kem'];
  const months = d.trend.by_month.map((m) => monthLabel(m.month));
  const more = (l) => (l.more ? <p class="muted">{t('rp_more')}</p> : null);
  const summary = [
    ['rp_expected', T.expected],
    ['rp_visited', T.visited],
    ...verifiedRow(T),
    ['sv_coverage', pct(T.coverage)],
    ['sv_reported', T.reported + ' (' + pct(T.reporting_rate) + ')'],
    ['sv_timely', T.timely + ' (' + pct(T.timely_rate) + ')'],
    ['rp_held', T.held_meetings],
    ['rp_attendance', pct(T.attendance_rate)],
    ['sv_low', T.cells_low_attendance + '/' + T.cells],
    ['rp_unexcused', T.unexcused],
    ...grades.map((k) => [t('rp_grade', { g: t('grade_' + k) }), g[k] || 0]),
  ];
  return (
    <article class="paper" aria-labelledby="rp-name">
      <header class="rp-head">
        <p class="rp-unit">{d.cov.unit.name}</p>
        <h2 id="rp-name">{t('rp_name', { month: monthLabel(ym) })}</h2>
        <p>{t('rp_period', { from: vnDate(d.cov.from), to: vnDate(d.cov.to) })}</p>
        <p class="muted" role="status">{t('rp_generated', { at: vnDateTime(at) })}</p>
      </header>

      <section aria-labelledby="rp-s1">
        <h3 id="rp-s1">{t('rp_s_summary')}</h3>
        <table class="data kv summary">
          <caption class="sr">{t('rp_s_summary')}</caption>
          <tbody>
            {summary.map(([k, v]) => (
              <tr key={k}><th scope="row">{k.startsWith('rp_') || k.startsWith('sv_') ? t(k) : k}</th><td>{v}</td></tr>
            ))}
          </tbody>
        </table>
        <Bars title={t('sv_grades')} rows={grades.map((k) => ({ label: t('grade_' + k), n: g[k] || 0, color: '#2e7d32' }))} />
        {d.cov.children?.length > 0 && (
          <Table caption={t('rp_by_unit')} head={[t('rp_unit'), t('rp_visited_col'), t('sv_coverage'), t('sv_timely'), t('sv_attendance'), t('sv_low')]}
            rows={d.cov.children.map((c) => [c.unit.name, c.visited + '/' + c.expected, pct(c.coverage), pct(c.timely_rate), pct(c.attendance_rate), c.cells_low_attendance + '/' + c.cells])} />
        )}
      </section>

      <section aria-labelledby="rp-s2">
        <h3 id="rp-s2">{t('rp_s_trend')}</h3>
        <LineChart title={t('sv_chart_cov')} labels={months} values={d.trend.by_month.map((m) => m.coverage)} />
        <LineChart title={t('sv_chart_att')} labels={months} values={d.trend.by_month.map((m) => m.attendance_rate)} color="#1565c0" />
        <Table caption={t('rp_trend_table')} head={[t('rp_month'), t('rp_visited_col'), t('sv_coverage'), t('rp_reported_col'), t('sv_attendance')]}
          rows={d.trend.by_month.map((m) => [monthLabel(m.month), m.visited + '/' + m.expected, pct(m.coverage), m.reported, pct(m.attendance_rate)])} />
      </section>

      <section aria-labelledby="rp-s3" class="priorities">
        <h3 id="rp-s3">{t('rp_s_priorities')}</h3>
        <Listed list={d.unvisited}>
          <Table caption={t('rp_unvisited')} head={[t('rp_cell'), t('rp_parent'), t('rp_last_visit')]}
            rows={d.unvisited.items.map((it) => [it.cell.cell_name, it.cell.parent_name, it.cell.last_visit ? vnDate(it.cell.last_visit) : t('sg_never')])} />
        </Listed>
        {more(d.unvisited)}
        <Listed list={d.weak}>
          <Table caption={t('rp_weak')} head={[t('rp_cell'), t('rp_parent'), t('rp_why')]}
            rows={d.weak.items.map((it) => [it.cell.cell_name, it.cell.parent_name, it.cell.weak_reason ? t('wr_' + it.cell.weak_reason, { label: weakLabel() }) : ''])} />
        </Listed>
        {more(d.weak)}
        <Listed list={d.reports}>
          <Table caption={t('rp_overdue_reports')} head={[t('rp_cell'), t('rp_meeting'), t('rp_due'), t('rp_official'), t('rp_days_late')]}
            rows={d.reports.items.map((it) => [it.report.cell_name, vnDate(it.report.meeting_date), vnDate(it.report.due_on), it.report.official_name, it.report.days_overdue])} />
        </Listed>
        {more(d.reports)}
        <Listed list={d.recs}>
          <Table caption={t('rp_overdue_recs')} head={[t('rp_cell'), t('rp_parent'), t('rp_recs_late')]}
            rows={d.recs.items.map((it) => [it.cell.cell_name, it.cell.parent_name, it.cell.overdue_recs])} />
        </Listed>
        {more(d.recs)}
      </section>

      {d.forms && (
        <section aria-labelledby="rp-sf">
          <h3 id="rp-sf">{t('rf_title')}</h3>
          <Listed list={d.forms}>
            <Table caption={t('rf_table', { month: monthLabel(ym) })} cls="forms"
              head={[t('rf_commune'), t('rf_briefings'), t('rf_reported'), t('rf_dialogues'), t('rf_committee'), t('rf_attended')]}
              rows={d.forms.items.map((f) => [f.commune_name, f.briefings_held + '/' + f.briefings_expected, f.cells_reported + '/' + f.cells,
                f.dialogues_held, f.committee_held, f.committee_attended + '/' + f.committee_held])} />
          </Listed>
          {more(d.forms)}
        </section>
      )}

      <section aria-labelledby="rp-s4">
        <h3 id="rp-s4">{t('rp_s_recs')}</h3>
        <StatusBars title={t('rp_recs_chart')} stats={d.stats} />
        <RecStatsTable stats={d.stats} caption={t('rp_recs_table', { month: monthLabel(ym) })} />
        <ByAddressee rows={d.stats.by_addressee || []} />
      </section>

      <section aria-labelledby="rp-s5">
        <h3 id="rp-s5">{t('ab_title')}</h3>
        <Listed list={d.absentees}>
          <Table caption={t('ab_title')} cls="absentees" head={[t('rp_member'), t('rp_cell'), t('rp_streak'), t('rp_span'), t('reason')]}
            rows={d.absentees.items.map((a) => [a.full_name, a.cell_name, a.streak, vnDate(a.from) + ' – ' + vnDate(a.to), (a.reasons || []).join(', ')])} />
        </Listed>
        {more(d.absentees)}
      </section>
    </article>
  );
}

// ByAddressee is the table of the month's recommendations by the body they were forwarded to: received, answered
// (on time), overdue, sent back, passed up.
function ByAddressee({ rows }) {
  if (!rows.length) return <p class="empty-list"><strong>{t('lp_by_addressee')}:</strong> {t('lp_none')}</p>;
  const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
  const keys = ['received', 'answered', 'answered_on_time', 'overdue', 'sent_back', 'escalated'];
  return (
    <Table caption={t('lp_by_addressee')} cls="by-addressee"
      head={[t('lp_col_body'), t('lp_col_received'), t('lp_col_answered'), t('lp_col_on_time'), t('lp_col_overdue'), t('lp_col_sent_back'), t('lp_col_escalated')]}
      rows={rows.map((r) => [r.name, ...keys.map((k) => r[k])])}
      foot={[t('rp_total'), ...keys.map(sum)]} />
  );
}

// Listed shows its table, or says the list is empty (a table with no rows reads badly on paper).
function Listed({ list, children }) {
  if (list.items.length) return children;
  const caption = children.props.caption;
  return <p class="empty-list"><strong>{caption}:</strong> {t('sv_none')}</p>;
}
