// Decodes and compares PNG screenshots in node (zlib only, no npm packages): enough for Chromium's own screenshots
// (8-bit greyscale/RGB/RGBA, non-interlaced). Used to check a view is not blank and that two pages draw the same.
import zlib from 'node:zlib';

const channelsOf = {0: 1, 2: 3, 4: 2, 6: 4};  // PNG colour type -> samples per pixel

// Returns {width, height, rgba: Uint8Array (height x width x 4)}.
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0, height = 0, depth = 0, type = 0, interlace = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8];
      type = body[9];
      interlace = body[12];
    } else if (kind === 'IDAT') {
      idat.push(body);
    } else if (kind === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const channels = channelsOf[type];
  if (depth !== 8 || !channels || interlace) throw new Error(`PNG kind not handled: depth ${depth} type ${type} interlace ${interlace}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);  // (height, width, channels) unfiltered
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let p;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const q = a + b - c;
          const pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      out[i] = (src[i] + p) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);  // (height, width, 4)
  for (let i = 0; i < width * height; i++) {
    const s = pixels.subarray(i * channels, (i + 1) * channels);
    if (channels <= 2) {
      rgba.set([s[0], s[0], s[0], channels === 2 ? s[1] : 255], i * 4);
    } else {
      rgba.set([s[0], s[1], s[2], channels === 4 ? s[3] : 255], i * 4);
    }
  }
  return {width, height, rgba};
}

// How much a picture varies: luminance standard deviation, number of distinct colours (capped), and the share of
// pixels that differ from the most common colour. A blank (one-colour) page gives 0 for all three.
export function pictureStats(img) {
  const n = img.width * img.height;
  let sum = 0, sum2 = 0;
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    const r = img.rgba[i * 4], g = img.rgba[i * 4 + 1], b = img.rgba[i * 4 + 2];
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += l;
    sum2 += l * l;
    const key = (r << 16) | (g << 8) | b;
    if (counts.size < 100000 || counts.has(key)) counts.set(key, (counts.get(key) || 0) + 1);
  }
  const mean = sum / n;
  let top = 0;
  for (const c of counts.values()) top = Math.max(top, c);
  return {std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), colours: counts.size, nonBackground: 1 - top / n};
}

// Compares two pictures of the same size: the share of pixels whose largest channel difference exceeds `tolerance`,
// and the largest channel difference.
export function pictureDiff(a, b, tolerance = 8) {
  if (a.width !== b.width || a.height !== b.height) return {differing: 1, maxDiff: 255, sizeMismatch: true};
  const n = a.width * a.height;
  let differing = 0, maxDiff = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(a.rgba[i * 4 + c] - b.rgba[i * 4 + c]));
    if (d > tolerance) differing++;
    maxDiff = Math.max(maxDiff, d);
  }
  return {differing: differing / n, maxDiff};
}

// Where two pictures differ, in cells of `cell` x `cell` pixels: the number of cells holding a pixel whose largest
// channel difference exceeds `tolerance`, and their bounding box. Text that legitimately differs between two pages
// (a timing like "44.9 ms") touches a few cells; a different heatmap, colormap or selection touches many. The bottom
// `ignoreBottom` rows are left out (a status bar whose timing shifts the text after it).
export function cellDiff(a, b, {cell = 16, tolerance = 12, ignoreBottom = 0} = {}) {
  if (a.width !== b.width || a.height !== b.height) return {cells: Infinity, sizeMismatch: true};
  const cw = Math.ceil(a.width / cell), ch = Math.ceil(a.height / cell);
  const hit = new Uint8Array(cw * ch);
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < a.height - ignoreBottom; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      let d = 0;
      for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(a.rgba[i + c] - b.rgba[i + c]));
      if (d > tolerance) {
        hit[Math.floor(y / cell) * cw + Math.floor(x / cell)] = 1;
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  const cells = hit.reduce((s, v) => s + v, 0);
  const boxes = [];
  for (let j = 0; j < ch; j++) for (let i = 0; i < cw; i++) if (hit[j * cw + i]) boxes.push([i * cell, j * cell]);
  return {cells, total: cw * ch, bbox: cells ? [x0, y0, x1, y1] : null, where: boxes.slice(0, 40)};
}
