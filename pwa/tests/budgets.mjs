// Measures the app's budgets against a running server and fails when one is missed:
//   JS for the officials' route ≤ 50 KB gzip, the whole shell ≤ 100 KB gzip (from pwa/dist),
//   Lighthouse 12.8.2 (mobile preset, Debian's Chromium) performance, accessibility, best practices ≥ 95.
// Usage: node pwa/tests/budgets.mjs http://127.0.0.1:8080   (make budgets starts a server and runs it)
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const base = process.argv[2] || process.env.CHIBO_E2E_URL || 'http://127.0.0.1:8080';
const dist = new URL('../dist/', import.meta.url).pathname;
const gz = (p) => gzipSync(readFileSync(p), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

const assets = readdirSync(join(dist, 'assets'));
const js = assets.filter((f) => f.endsWith('.js')).reduce((s, f) => s + gz(join(dist, 'assets', f)), 0);
const css = assets.filter((f) => f.endsWith('.css')).reduce((s, f) => s + gz(join(dist, 'assets', f)), 0);
const shell = js + css + gz(join(dist, 'index.html')) + gz(join(dist, 'manifest.webmanifest')) + gz(join(dist, 'sw.js'));

const require = createRequire(import.meta.url);
const cli = require.resolve('lighthouse/cli/index.js');
const profile = mkdtempSync(join(tmpdir(), 'chibo-lh-'));
const out = join(profile, 'report.json');
execFileSync(process.execPath, [cli, base + '/', '--quiet', '--output=json', '--output-path=' + out,
  '--only-categories=performance,accessibility,best-practices', '--form-factor=mobile', '--screenEmulation.mobile',
  `--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --user-data-dir=${profile}`],
  { env: { ...process.env, CHROME_PATH: process.env.CHIBO_CHROMIUM || '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] });
const report = JSON.parse(readFileSync(out, 'utf8'));
rmSync(profile, { recursive: true, force: true });
const score = (c) => Math.round(report.categories[c].score * 100);

const rows = [
  ['JS for the officials\' route (gzip)', kb(js), '≤ 50 KB', js <= 50 * 1024],
  ['whole shell: HTML, CSS, JS, manifest, service worker (gzip)', kb(shell), '≤ 100 KB', shell <= 100 * 1024],
  ['Lighthouse performance (mobile)', score('performance'), '≥ 95', score('performance') >= 95],
  ['Lighthouse accessibility', score('accessibility'), '≥ 95', score('accessibility') >= 95],
  ['Lighthouse best practices', score('best-practices'), '≥ 95', score('best-practices') >= 95],
  ['First contentful paint', report.audits['first-contentful-paint'].displayValue, '', true],
  ['Largest contentful paint', report.audits['largest-contentful-paint'].displayValue, '', true],
  ['Total blocking time', report.audits['total-blocking-time'].displayValue, '', true],
];
console.log('\n| budget | measured | target | |\n|---|---:|---|---|');
for (const [name, value, target, ok] of rows) console.log(`| ${name} | ${value} | ${target} | ${ok ? '✔' : '✘'} |`);
const failed = rows.filter((r) => !r[3]);
for (const c of ['performance', 'accessibility', 'best-practices']) {
  for (const ref of report.categories[c].auditRefs) {
    const a = report.audits[ref.id];
    if (ref.weight > 0 && a.score !== null && a.score < 0.9) console.log(`  ${c}: ${a.id} ${a.score} ${a.displayValue || ''}`);
  }
}
if (failed.length) {
  console.error(`${failed.length} budget(s) missed`);
  process.exit(1);
}
