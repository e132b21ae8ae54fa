// The app's language and formats: t(key, args) looks a message up in the catalogue (messages.js) and fills its
// {name} placeholders.
import { signal } from '@preact/signals';
import { vi as vi0, sw } from './messages.js';

const vi = { ...vi0, ...sw.vi };
const en = { ...sw.en }; // filled by loadLang('en'); until then t() falls back to Vietnamese

export const lang = signal('vi');

let english = null;

// loadLang makes sure language l's catalogue is here before the app switches to it: English is a module of its own
// (english.js), loaded on first use. Offline and not cached, the app stays readable, in Vietnamese.
export async function loadLang(l) {
  if (l !== 'en') return;
  english ||= import('./english.js').then((m) => {
    for (const k in m.en) if (!(k in en)) en[k] = m.en[k]; // messages a lazily loaded chunk added stay
  });
  try {
    await english;
  } catch {
    english = null;
  }
}

const catalogue = { vi, en };

// extend adds a lazily loaded chunk's messages ({vi, en}) to the catalogue.
export function extend(m) {
  Object.assign(vi, m.vi);
  Object.assign(en, m.en);
}

export function t(key, args) {
  let s = (catalogue[lang.value] || vi)[key] ?? vi[key] ?? key;
  if (args) for (const k in args) s = s.replaceAll('{' + k + '}', String(args[k]));
  return s;
}

// dd/mm/yyyy, the Vietnamese way, from "2026-11-03".
export function vnDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

// HH:MM in Asia/Ho_Chi_Minh.
export function vnTime(ts) {
  if (!ts) return '';
  return new Date(ts).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Ho_Chi_Minh' });
}

export function weekday(iso) {
  return t('day_names').split(',')[new Date(iso + 'T12:00:00Z').getUTCDay()];
}

export function ago(ts) {
  if (!ts) return t('sync_never');
  const min = Math.floor((Date.now() - ts) / 60000);
  if (min < 1) return t('ago_now');
  if (min < 60) return t('ago_min', { n: min });
  if (min < 1440) return t('ago_hour', { n: Math.floor(min / 60) });
  return t('ago_day', { n: Math.floor(min / 1440) });
}

// dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh (UTC+7, no daylight saving), from a timestamp.
export function vnDateTime(ts) {
  if (!ts) return '';
  const x = new Date(Date.parse(ts) + 7 * 3600e3).toISOString();
  return vnDate(x) + ' ' + x.slice(11, 16);
}

// num writes a number with at most `digits` decimals the language's way: "18,2" in Vietnamese, "18.2" in English.
export function num(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  const f = 10 ** digits;
  const s = String(Math.round(x * f) / f);
  return lang.value === 'en' ? s : s.replace('.', ',');
}

// pct writes a rate (0..1) as a percentage with one decimal at most, without a space: "18,2%" ("–" when unknown).
export const pct = (x, digits = 1) => (x === null || x === undefined ? '–' : num(x * 100, digits) + '%');
