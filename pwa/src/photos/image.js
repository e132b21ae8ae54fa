// Photos made small on the device before they are kept and sent: the long side at most 1600 px, JPEG with the
// quality stepped down until the file is at most 300 KB (the size shrinks further only when the lowest quality is
// not enough), a thumbnail, and the SHA-256 of the bytes (crypto.subtle) that names the content on the server.

export const LONG_SIDE = 1600;
export const TARGET = 300 * 1024;
const QUALITIES = [0.85, 0.75, 0.65, 0.55, 0.45];

function draw(bmp, w, h) {
  const c = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const g = c.getContext('2d');
  g.fillStyle = '#fff'; // a transparent PNG gets white, not JPEG's black
  g.fillRect(0, 0, w, h);
  g.drawImage(bmp, 0, 0, w, h);
  return c;
}

const encode = (c, q) =>
  c.convertToBlob ? c.convertToBlob({ type: 'image/jpeg', quality: q })
    : new Promise((ok, fail) => c.toBlob((b) => (b ? ok(b) : fail(new Error('toBlob'))), 'image/jpeg', q));

// shrink reads an image file (a camera's photo, EXIF orientation applied) and gives {blob, width, height, thumb};
// it throws when the file cannot be read as an image.
export async function shrink(file) {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    let scale = Math.min(1, LONG_SIDE / Math.max(bmp.width, bmp.height));
    for (;;) {
      const w = Math.max(1, Math.round(bmp.width * scale));
      const h = Math.max(1, Math.round(bmp.height * scale));
      const c = draw(bmp, w, h);
      let blob;
      for (const q of QUALITIES) {
        blob = await encode(c, q);
        if (blob.size <= TARGET) break;
      }
      if (blob.size <= TARGET || Math.max(w, h) < 400) {
        const ts = Math.min(1, 320 / Math.max(w, h));
        const thumb = await encode(draw(bmp, Math.max(1, Math.round(w * ts)), Math.max(1, Math.round(h * ts))), 0.7);
        return { blob, width: w, height: h, thumb };
      }
      scale *= 0.8;
    }
  } finally {
    bmp.close?.();
  }
}

// sha256 is the hex SHA-256 of a blob's bytes.
export async function sha256(blob) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
