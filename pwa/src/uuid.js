// UUIDs: random ones (v4) for new rows, and the protocol's name-based ones (v5, SHA-1) for attendance and visit
// reports, which two devices must compute alike (sync/PROTOCOL.md). SHA-1 is written out here because
// crypto.subtle exists only on https pages and is asynchronous.

export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return fmt(b);
}

const NS = '3a1d4e2c-7b9f-5c60-8e41-2f6a9d0b7c15';

export const attendanceId = (meeting, member) => uuid5('attendance:' + meeting.toLowerCase() + ':' + member.toLowerCase());
export const scheduledMeetingId = (cell, month) => uuid5('meeting:' + cell.toLowerCase() + ':' + month);
export const reportId = (meeting, official) => uuid5('report:' + meeting.toLowerCase() + ':' + official.toLowerCase());

export function uuid5(name) {
  const ns = NS.replace(/-/g, '').match(/../g).map((h) => parseInt(h, 16));
  const bytes = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const h = sha1(bytes).slice(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  return fmt(h);
}

function fmt(b) {
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function sha1(msg) {
  const ml = msg.length;
  const words = new Uint32Array((((ml + 8) >> 6) + 1) * 16);
  for (let i = 0; i < ml; i++) words[i >> 2] |= msg[i] << (24 - (i % 4) * 8);
  words[ml >> 2] |= 0x80 << (24 - (ml % 4) * 8);
  words[words.length - 1] = ml * 8;
  let [a0, b0, c0, d0, e0] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let i = 0; i < words.length; i += 16) {
    for (let j = 0; j < 16; j++) w[j] = words[i + j];
    for (let j = 16; j < 80; j++) {
      const x = w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16];
      w[j] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = [a0, b0, c0, d0, e0];
    for (let j = 0; j < 80; j++) {
      const f = j < 20 ? (b & c) | (~b & d) : j < 40 ? b ^ c ^ d : j < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = j < 20 ? 0x5a827999 : j < 40 ? 0x6ed9eba1 : j < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[j]) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
    e0 = (e0 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  [a0, b0, c0, d0, e0].forEach((v, i) => {
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  });
  return out;
}

// rowHash is the protocol's FNV-1a-32 of "table:id:version", for checksums.
export function rowHash(table, id, version) {
  let h = 0x811c9dc5;
  const str = table + ':' + id + ':' + version;
  // Tables, ids and versions are ASCII, their own UTF-8; anything else goes through the encoder.
  if (!/^[\x00-\x7f]*$/.test(str)) {
    for (const c of new TextEncoder().encode(str)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
    return h;
  }
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
