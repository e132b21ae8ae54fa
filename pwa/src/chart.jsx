// Charts for the supervisors' screens only (supervise, report, recs), drawn by uPlot: lines for the months, bars
// for counts. Only those lazily loaded chunks import this module, so the officials never download uPlot.
// Every chart says its values in its accessible name; the screens also show the figures as a table, which is what
// prints (a canvas prints poorly).
import { useEffect, useRef, useId } from 'preact/hooks';
import uPlot from 'uplot';
import { t, lang, pct, num } from './i18n.js';

export { pct };

// monthLabel says "2026-11" as "11/2026".
export const monthLabel = (m) => m.slice(5, 7) + '/' + m.slice(0, 4);

// mount draws a uPlot chart into el and redraws it at el's width when that changes (after resized(), if given); it
// returns what removes it.
function mount(el, opts, data, resized) {
  const plot = new uPlot(opts, data, el);
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    resized?.();
    plot.setSize({ width: Math.max(200, el.clientWidth), height: opts.height });
  }) : null;
  ro?.observe(el);
  return () => {
    ro?.disconnect();
    plot.destroy();
  };
}

// LineChart draws rates (0..1, or null where nothing was expected) by label as a uPlot line with points, 0–100 %.
export function LineChart({ title, labels, values, color = '#b71c1c' }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const xs = labels.map((_, i) => i);
    const ys = values.map((v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10));
    const short = (i) => (labels[i] || '').replace(/\/\d\d(\d\d)$/, '/$1');
    // One month label every `step` points, so they never overlap (about 44 px each).
    const every = (width) => Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor((width - 48) / 44))));
    let step = every(Math.max(200, el.clientWidth || 320));
    const opts = {
      width: Math.max(200, el.clientWidth || 320),
      height: 170,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.4, Math.max(0.4, xs.length - 0.6)] }, y: { range: [0, 100] } },
      axes: [
        { stroke: '#1a1a1a', grid: { show: false }, splits: () => xs.filter((i) => (xs.length - 1 - i) % step === 0), values: (u, ticks) => ticks.map(short), font: '11px system-ui, sans-serif', size: 28 },
        { stroke: '#1a1a1a', grid: { stroke: '#ddd', width: 1 }, splits: () => [0, 25, 50, 75, 100], values: (u, ticks) => ticks.map((v) => num(v) + '%'), font: '11px system-ui, sans-serif', size: 46 },
      ],
      series: [{}, { label: title, stroke: color, width: 2, spanGaps: false, points: { show: true, size: 7, fill: color, stroke: color } }],
    };
    return mount(el, opts, [xs, ys], () => (step = every(Math.max(200, el.clientWidth))));
  }, [title, labels.join(), values.join(), color]);
  return (
    <figure class="card chart screen-only">
      <figcaption>{title}</figcaption>
      <div ref={ref} class="uplot-box" role="img" aria-label={title + ': ' + labels.map((l, i) => l + ' ' + pct(values[i])).join(', ')} />
    </figure>
  );
}

// UBars draws counts by category as uPlot bars, with each bar's total written at its end. Several series stack
// (a category's bar split by series, in order, each with its colour); horizontal bars suit long category labels.
function UBars({ title, labels, series, horizontal = false, aria, children }) {
  const ref = useRef(null);
  const key = JSON.stringify([labels, series.map((s) => s.values)]);
  useEffect(() => {
    const el = ref.current;
    if (!el || !labels.length) return;
    const xs = labels.map((_, i) => i);
    // Running sums, so that drawing the longest first and the shorter over it stacks the series.
    const cum = [];
    series.forEach((s, k) => cum.push(s.values.map((v, i) => (v || 0) + (k ? cum[k - 1][i] : 0))));
    const totals = cum[cum.length - 1];
    const max = Math.max(1, ...totals);
    const font = '11px system-ui, sans-serif';
    const cut = (l) => (l.length > 20 ? l.slice(0, 19) + '…' : l);
    // The category axis is as wide as its longest label, at most 45 % of the chart.
    const labelWidth = (u, vals) => {
      if (!vals) return 28;
      u.ctx.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
      const w = Math.max(0, ...vals.map((v) => u.ctx.measureText(v).width)) / devicePixelRatio;
      return Math.min(Math.ceil(w) + 24, Math.floor(u.width * 0.5));
    };
    const height = horizontal ? labels.length * 30 + 36 : 170;
    const bars = uPlot.paths.bars({ size: [0.7, 48] });
    const opts = {
      width: Math.max(200, el.clientWidth || 320),
      height,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: [-0.5, xs.length - 0.5], ori: horizontal ? 1 : 0, dir: horizontal ? -1 : 1 },
        y: { range: [0, max * 1.15], ori: horizontal ? 0 : 1, dir: 1 },
      },
      axes: [
        { side: horizontal ? 3 : 2, stroke: '#1a1a1a', grid: { show: false }, splits: () => xs, values: (u, ticks) => ticks.map((i) => (horizontal ? cut(labels[i] || '') : labels[i] || '')), font, size: horizontal ? labelWidth : 28, gap: 4 },
        { side: horizontal ? 2 : 3, stroke: '#1a1a1a', grid: { stroke: '#ddd', width: 1 }, values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')), font, size: 36 },
      ],
      series: [{}, ...series.map((s, k) => ({ label: s.label, fill: s.color, stroke: s.color, width: 0, paths: bars, points: { show: false } })).reverse()],
      hooks: {
        draw: [(u) => {
          const c = u.ctx;
          c.save();
          c.fillStyle = '#1a1a1a';
          c.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
          c.textAlign = horizontal ? 'left' : 'center';
          c.textBaseline = horizontal ? 'middle' : 'bottom';
          totals.forEach((v, i) => {
            const at = u.valToPos(i, 'x', true);
            const end = u.valToPos(v, 'y', true);
            if (horizontal) c.fillText(String(v), end + 4 * devicePixelRatio, at);
            else c.fillText(String(v), at, end - 2 * devicePixelRatio);
          });
          c.restore();
        }],
      },
    };
    return mount(el, opts, [xs, ...cum.slice().reverse()]);
  }, [key, horizontal]);
  return (
    <figure class="card chart screen-only">
      <figcaption>{title}</figcaption>
      <div ref={ref} class="uplot-box" role="img" aria-label={title + ': ' + aria} />
      {children}
    </figure>
  );
}

// Bars draws counts by label (each with its colour) as uPlot bars.
export function Bars({ title, rows }) {
  return <UBars title={title} labels={rows.map((r) => r.label)} series={[{ label: title, color: rows[0]?.color || '#b71c1c', values: rows.map((r) => r.n) }]}
    aria={rows.map((r) => r.label + ' ' + r.n).join(', ')} />;
}

export const REC_STATUSES = ['new', 'forwarded', 'answered', 'sent_back', 'accepted', 'resolved'];
const STATUS_COLORS = { new: '#757575', forwarded: '#1565c0', answered: '#6a1b9a', sent_back: '#b71c1c', accepted: '#2e7d32', resolved: '#1b5e20' };

// StatusBars draws the recommendations of each field as one horizontal uPlot bar split by status, with a legend.
export function StatusBars({ title, stats }) {
  const rows = (stats?.by_field || []).filter((f) => f.total > 0);
  if (!rows.length) return null;
  const describe = (f) => f.field_name + ' ' + f.total + ' (' + REC_STATUSES.filter((s) => f.by_status[s]).map((s) => t('rs_' + s) + ' ' + f.by_status[s]).join(', ') + ')';
  return (
    <UBars title={title} horizontal labels={rows.map((f) => f.field_name)} aria={rows.map(describe).join('; ')}
      series={REC_STATUSES.map((s) => ({ label: t('rs_' + s), color: STATUS_COLORS[s], values: rows.map((f) => f.by_status[s] || 0) }))}>
      <ul class="legend" aria-hidden="true">
        {REC_STATUSES.map((s) => (
          <li key={s}><span class="swatch" style={{ background: STATUS_COLORS[s] }} />{t('rs_' + s)}</li>
        ))}
      </ul>
    </UBars>
  );
}

// isNum says a cell holds a figure, a rate or a date (aligned right, kept on one line).
const isNum = (c) => typeof c === 'number' || /^[\d\s/%().,–-]+$/.test(String(c));

// Table is a table that scrolls sideways on a phone (and can be scrolled with the keyboard), whole on paper.
export function Table({ caption, head, rows, foot, cls = '' }) {
  // The caption sits above the scrolling box, so it is read whole on a phone; it names the table and the box.
  const id = useId();
  return (
    <div class="tbl">
      <p class="tcap" id={id}>{caption}</p>
      <div class="tscroll" role="region" aria-labelledby={id} tabindex="0">
        <table class={'data ' + cls} aria-labelledby={id}>
          <thead>
            <tr>{head.map((h, i) => <th key={i} scope="col">{h}</th>)}</tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>{r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j} class={isNum(c) ? 'num' : undefined}>{c}</td>))}</tr>
            ))}
          </tbody>
          {foot && (
            <tfoot>
              <tr>{foot.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j} class="num">{c}</td>))}</tr>
            </tfoot>
          )}
        </table>
      </div>
    </div>
  );
}

// RecStatsTable is the recommendations by field and status, with the totals, and how long answers take.
export function RecStatsTable({ stats, caption }) {
  const n = (x) => (x === null || x === undefined ? '–' : String(x).replace('.', lang.value === 'vi' ? ',' : '.'));
  return (
    <>
      <Table caption={caption} cls="recstats" head={[t('rp_field'), t('rp_total'), ...REC_STATUSES.map((s) => t('rs_' + s))]}
        rows={stats.by_field.map((f) => [f.field_name, f.total, ...REC_STATUSES.map((s) => f.by_status[s])])}
        foot={[t('rp_all'), stats.totals.total, ...REC_STATUSES.map((s) => stats.totals.by_status[s])]} />
      <table class="data kv recanswer">
        <caption class="sr">{t('rp_answer_times')}</caption>
        <tbody>
          <tr><th scope="row">{t('rp_answered')}</th><td>{stats.answered}</td></tr>
          <tr><th scope="row">{t('rp_avg_days')}</th><td>{n(stats.avg_days_to_answer)}</td></tr>
          <tr><th scope="row">{t('rp_p90_days')}</th><td>{n(stats.p90_days_to_answer)}</td></tr>
          <tr><th scope="row">{t('rp_sent_back')}</th><td>{pct(stats.sent_back_share)} ({stats.sent_back}/{stats.answered})</td></tr>
        </tbody>
      </table>
    </>
  );
}
