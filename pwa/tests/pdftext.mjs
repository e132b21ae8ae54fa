// pdfText reads the text of a PDF that Chromium printed (page.pdf), with Node's standard library alone: it inflates
// the content streams, maps each font's glyph codes to Unicode through its ToUnicode CMap, places every glyph where
// the text and graphics matrices put it, and reads each page top to bottom, left to right, one line per baseline.
// It understands what Skia writes (Type0 and simple fonts with ToUnicode, Tj/TJ/Td/Tm/cm), not every PDF.
import { inflateSync } from 'node:zlib';

function objects(buf) {
  const s = buf.toString('latin1');
  const out = new Map();
  const re = /(\d+) 0 obj\s*/g;
  let m;
  while ((m = re.exec(s))) {
    const start = m.index + m[0].length;
    const end = s.indexOf('endobj', start);
    let dict = s.slice(start, end);
    let stream = null;
    const si = dict.search(/>>\s*stream\r?\n/);
    if (si >= 0) {
      const head = dict.slice(0, si + 2);
      const len = +(/\/Length (\d+)/.exec(head) || [])[1];
      const off = start + si + dict.slice(si).match(/>>\s*stream\r?\n/)[0].length;
      stream = buf.subarray(off, off + len);
      if (/\/FlateDecode/.test(head)) stream = inflateSync(stream);
      dict = head;
    }
    out.set(+m[1], { dict, stream });
    re.lastIndex = end;
  }
  return out;
}

const utf16 = (hex) => {
  let s = '';
  for (let i = 0; i + 4 <= hex.length; i += 4) s += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return s;
};

// cmap parses a ToUnicode CMap: {bytes: code length, map: code → text}.
function cmap(text) {
  const map = new Map();
  const cs = /begincodespacerange\s*<([0-9A-Fa-f]+)>/.exec(text);
  const bytes = cs ? cs[1].length / 2 : 2;
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const p of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(p[1], 16), utf16(p[2]));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const p of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])/g)) {
      const lo = parseInt(p[1], 16), hi = parseInt(p[2], 16);
      if (p[3][0] === '[') {
        const list = [...p[3].matchAll(/<([0-9A-Fa-f]+)>/g)].map((x) => utf16(x[1]));
        for (let c = lo; c <= hi; c++) map.set(c, list[c - lo] ?? '');
      } else {
        const base = p[3].slice(1, -1);
        const last = parseInt(base.slice(-4), 16);
        for (let c = lo; c <= hi; c++) map.set(c, utf16(base.slice(0, -4)) + String.fromCharCode(last + c - lo));
      }
    }
  }
  return { bytes, map };
}

const ref = (dict, key) => +((new RegExp('/' + key + '\\s+(\\d+) 0 R').exec(dict) || [])[1] || 0);
const mul = (m, n) => [m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]];

// tokens splits a content stream into operands and operators.
function* tokens(s) {
  const re = /\s*(\[|\]|<<|>>|<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|\/[^\s/\[\]()<>]+|[-+]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'"*]+)/gy;
  let m;
  while ((m = re.exec(s))) yield m[1];
}

function pageText(objs, page) {
  const fonts = new Map();
  let res = page.dict;
  const resRef = ref(page.dict, 'Resources');
  if (resRef) res = objs.get(resRef).dict;
  let fontDict = (/\/Font\s*<<([\s\S]*?)>>/.exec(res) || [])[1] || '';
  const fontRef = ref(res, 'Font');
  if (!fontDict && fontRef) fontDict = objs.get(fontRef).dict;
  for (const f of fontDict.matchAll(/\/([^\s/]+)\s+(\d+) 0 R/g)) {
    const tu = ref(objs.get(+f[2])?.dict || '', 'ToUnicode');
    fonts.set(f[1], tu ? cmap(objs.get(tu).stream.toString('latin1')) : { bytes: 1, map: new Map() });
  }
  const contents = [];
  const c = /\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/.exec(page.dict)[1];
  for (const r of c.matchAll(/(\d+) 0 R/g)) contents.push(objs.get(+r[1]).stream.toString('latin1'));
  const glyphs = [];
  let ctm = [1, 0, 0, 1, 0, 0], stack = [], tm = [1, 0, 0, 1, 0, 0], lm = tm, font = null, ops = [];
  const show = (str) => {
    let codes = [];
    if (str[0] === '<') {
      const hex = str.slice(1, -1).replace(/\s/g, '');
      const w = (font?.bytes || 1) * 2;
      for (let i = 0; i + w <= hex.length; i += w) codes.push(parseInt(hex.slice(i, i + w), 16));
    } else {
      codes = [...str.slice(1, -1).replace(/\\(.)/g, '$1')].map((ch) => ch.charCodeAt(0));
    }
    const m = mul(tm, ctm);
    codes.forEach((code, i) => glyphs.push({ x: m[4] + i * 0.01, y: m[5], ch: font?.map.get(code) ?? '' }));
  };
  for (const s of contents) {
    for (const tok of tokens(s)) {
      if (!/^[A-Za-z'"*]+$/.test(tok) || tok === 'true' || tok === 'false' || tok === 'null') {
        ops.push(tok);
        continue;
      }
      const n = ops.map(Number);
      switch (tok) {
        case 'q': stack.push(ctm); break;
        case 'Q': ctm = stack.pop() || [1, 0, 0, 1, 0, 0]; break;
        case 'cm': ctm = mul(n.slice(-6), ctm); break;
        case 'BT': tm = lm = [1, 0, 0, 1, 0, 0]; break;
        case 'Tf': font = fonts.get(ops[ops.length - 2]?.slice(1)) || null; break;
        case 'Tm': tm = lm = n.slice(-6); break;
        case 'Td': case 'TD': tm = lm = mul([1, 0, 0, 1, n[n.length - 2], n[n.length - 1]], lm); break;
        case 'Tj': case "'": case '"': show(ops[ops.length - 1]); break;
        case 'TJ': for (const x of ops) if (x[0] === '<' || x[0] === '(') show(x); break;
      }
      ops = [];
    }
  }
  glyphs.sort((a, b) => b.y - a.y || a.x - b.x);
  const lines = [];
  for (const g of glyphs) {
    const line = lines[lines.length - 1];
    if (line && Math.abs(line.y - g.y) < 2) line.gs.push(g);
    else lines.push({ y: g.y, gs: [g] });
  }
  return lines.map((l) => l.gs.sort((a, b) => a.x - b.x).map((g) => g.ch).join('').replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n');
}

// pdfText returns the text of each page of a PDF.
export function pdfText(buf) {
  const objs = objects(buf);
  const pages = [...objs.values()].filter((o) => /\/Type\s*\/Page\b(?!s)/.test(o.dict));
  // Pages in document order: the order of the /Kids of the page tree.
  const kids = [...objs.values()].map((o) => /\/Type\s*\/Pages\b[\s\S]*?\/Kids\s*\[([^\]]*)\]/.exec(o.dict)).find(Boolean);
  const order = kids ? [...kids[1].matchAll(/(\d+) 0 R/g)].map((r) => objs.get(+r[1])).filter(Boolean) : pages;
  return order.map((p) => pageText(objs, p));
}
