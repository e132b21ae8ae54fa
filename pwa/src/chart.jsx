// Charts for the supervisors' screens only (supervise, report, recs): uPlot line charts for the months, plain SVG
// bars for counts. Only those lazily loaded chunks import this module, so the officials never download uPlot.
// Every chart says its values in its accessible name; the screens also show the figures as a table, which is what
// prints (a canvas prints poorly).
import { useEffect, useRef, useId } from 'preact/hooks';
import uPlot from 'uplot';
import { t, lang } from './i18n.js';

export const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '%');

// monthLabel says "2026-11" as "11/2026".
export const monthLabel = (m) => m.slice(5, 7) + '/' + m.slice(0, 4);

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
        { stroke: '#1a1a1a', grid: { stroke: '#ddd', width: 1 }, splits: () => [0, 25, 50, 75, 100], values: (u, ticks) => ticks.map((v) => v + '%'), font: '11px system-ui, sans-serif', size: 46 },
      ],
      series: [{}, { label: title, stroke: color, width: 2, spanGaps: false, points: { show: true, size: 7, fill: color, stroke: color } }],
    };
    const plot = new uPlot(opts, [xs, ys], el);
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
      step = every(Math.max(200, el.clientWidth));
      plot.setSize({ width: Math.max(200, el.clientWidth), height: 170 });
    }) : null;
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [title, labels.join(), values.join(), color]);
  return (
    <figure class="card chart screen-only">
      <figcaption>{title}</figcaption>
      <div ref={ref} class="uplot-box" role="img" aria-label={title + ': ' + labels.map((l, i) => l + ' ' + pct(values[i])).join(', ')} />
    </figure>
  );
}

// Bars is an accessible SVG bar chart of rates (0..1) by label, with the values as text.
export function Bars({ title, rows }) {
  const w = 320, h = 120, n = rows.length || 1, bw = w / n;
  return (
    <figure class="card chart screen-only">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h + 30}`} role="img" aria-label={title + ': ' + rows.map((r) => r.label + ' ' + r.text).join(', ')}>
        {rows.map((r, i) => {
          const v = Math.max(0, Math.min(1, r.value || 0));
          return (
            <g key={r.label}>
              <rect x={i * bw + bw * 0.15} y={h - v * (h - 14)} width={bw * 0.7} height={v * (h - 14)} fill={r.color || '#b71c1c'} />
              <text x={i * bw + bw / 2} y={h - v * (h - 14) - 3} text-anchor="middle" font-size="11">{r.text}</text>
              <text x={i * bw + bw / 2} y={h + 16} text-anchor="middle" font-size="11">{r.label}</text>
            </g>
          );
        })}
        <line x1="0" x2={w} y1={h} y2={h} stroke="#555" />
      </svg>
    </figure>
  );
}

export const REC_STATUSES = ['new', 'forwarded', 'answered', 'sent_back', 'accepted', 'resolved'];
const STATUS_COLORS = { new: '#757575', forwarded: '#1565c0', answered: '#6a1b9a', sent_back: '#b71c1c', accepted: '#2e7d32', resolved: '#1b5e20' };

// StatusBars draws the recommendations of each field as one horizontal bar split by status (SVG), with a legend.
export function StatusBars({ title, stats }) {
  const rows = (stats?.by_field || []).filter((f) => f.total > 0);
  if (!rows.length) return null;
  const max = Math.max(...rows.map((f) => f.total));
  const w = 320, bar = 14, row = 36, h = rows.length * row;
  const describe = (f) => f.field_name + ' ' + f.total + ' (' + REC_STATUSES.filter((s) => f.by_status[s]).map((s) => t('rs_' + s) + ' ' + f.by_status[s]).join(', ') + ')';
  return (
    <figure class="card chart screen-only">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title + ': ' + rows.map(describe).join('; ')}>
        {rows.map((f, i) => {
          let x = 0;
          const y = i * row;
          return (
            <g key={f.field_id || 'none'}>
              <text x="0" y={y + 12} font-size="11">{f.field_name}</text>
              {REC_STATUSES.map((s) => {
                const n = f.by_status[s] || 0;
                const bw = (n / max) * (w - 30);
                const r = <rect key={s} x={x} y={y + 16} width={bw} height={bar} fill={STATUS_COLORS[s]} />;
                x += bw;
                return r;
              })}
              <text x={x + 4} y={y + 27} font-size="11">{f.total}</text>
            </g>
          );
        })}
      </svg>
      <ul class="legend" aria-hidden="true">
        {REC_STATUSES.map((s) => (
          <li key={s}><span class="swatch" style={{ background: STATUS_COLORS[s] }} />{t('rs_' + s)}</li>
        ))}
      </ul>
    </figure>
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
