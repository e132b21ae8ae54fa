// Measures the app's budgets against a running server and fails when one is missed:
//   JS the officials' route loads (the entry script and the chunks it imports statically, followed from
//   index.html) ≤ 50 KB gzip; the supervisors' screens' extra JS (their lazily loaded chunks and what only they
//   import, uPlot among it; not the officials' rare screens, precached with their route) ≤ 60 KB gzip; the administration screens' extra JS (the admin chunk) ≤ 80 KB gzip; the whole shell the service worker precaches ≤ 100 KB gzip (from pwa/dist),
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

// The modules a set of scripts loads: each one's static imports (import … from "./x.js"), followed; import("./x.js")
// is a lazily loaded screen, left out and listed.
const code = (f) => readFileSync(join(dist, 'assets', f), 'utf8');
function closure(start) {
  const seen = new Set(), dynamic = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = code(f);
    for (const m of src.matchAll(/import\(\s*["']\.\/([\w.-]+\.js)["']\s*\)/g)) dynamic.add(m[1]);
    for (const m of src.replace(/import\(\s*["'][^"']*["']\s*\)/g, '').matchAll(/(?:from|import)\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]);
  };
  start.forEach(visit);
  return { files: seen, dynamic };
}
const sum = (files) => [...files].reduce((s, f) => s + gz(join(dist, 'assets', f)), 0);

const index = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = index.match(/<script type="module" src="\/assets\/([^"]+)"/)[1];
const officials = closure([entry]);
const js = sum(officials.files);
const assets = readdirSync(join(dist, 'assets'));
// Every lazily loaded chunk is one of four kinds, by its name; a new one must be put in one, or the budgets fail.
// The administration screens (admin-*.js), measured apart; the English catalogue (loaded by those who choose
// English); the officials' rare screens, precached with their route (pwa/build's offlineLazy, see the shell
// below); and the supervisors' screens: the supervision, the monthly report, the recommendations' tracking, the
// visit reports they read, their home, the clash warning of the assignment screen.
const isAdmin = (f) => /^admin-[\w]+\.js$/.test(f);
const isEnglish = (f) => /^english-[\w]+\.js$/.test(f);
const isRare = (f) => /^(conflicts|paper|addressee|forums|proof|tus)-[\w]+\.js$/.test(f);
const isSupervisors = (f) => /^(supervise|report|recs|visitreport|roles|check)-[\w]+\.js$/.test(f);
const lazyChunks = new Set([...officials.dynamic, ...closure([...officials.dynamic]).dynamic]);
const unknown = [...lazyChunks].filter((f) => !isAdmin(f) && !isEnglish(f) && !isRare(f) && !isSupervisors(f));
if (unknown.length) {
  console.error(`lazily loaded chunks of no known kind: ${unknown.join(', ')} (classify them in pwa/tests/budgets.mjs)`);
  process.exit(1);
}
const supervisors = closure([...lazyChunks].filter(isSupervisors));
const extra = [...supervisors.files].filter((f) => !officials.files.has(f));
const supJS = sum(extra);
const admin = closure([...officials.dynamic].filter(isAdmin));
const adminExtra = [...admin.files].filter((f) => !officials.files.has(f) && !supervisors.files.has(f));
const adminJS = sum(adminExtra);
const css = assets.filter((f) => f.endsWith('.css')).reduce((s, f) => s + gz(join(dist, 'assets', f)), 0);
// The shell: every script the service worker precaches (the officials' route and the rare screens it precaches all
// the same), the stylesheet, index.html, the manifest and the worker itself.
// (pwa/build's offlineLazy: the conflicts, the printable minutes with the meeting's photos, the addressee suggestions,
// the commune's briefings and dialogues, the cross-checks of the secretary and the official, tus-js-client for the
// photos' upload).
const rare = closure(assets.filter(isRare));
const precachedJS = new Set([...officials.files, ...rare.files]);
const shell = sum(precachedJS) + css + gz(join(dist, 'index.html')) + gz(join(dist, 'manifest.webmanifest')) + gz(join(dist, 'sw.js'));
console.log(`officials' route: ${[...officials.files].join(', ')}\nsupervisors' screens add: ${extra.join(', ')}`);

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
  ['JS the officials\' route loads (gzip)', kb(js), '≤ 50 KB', js <= 50 * 1024],
  ['extra JS of the supervisors\' screens, uPlot included (gzip)', kb(supJS), '≤ 60 KB', supJS <= 60 * 1024],
  ['extra JS of the administration screens (gzip)', kb(adminJS), '≤ 80 KB', adminJS <= 80 * 1024],
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
