/**
 * Pixel operations the distortions are built from. Pure: inputs are never modified. Images are
 * interleaved RGB; intermediate work is done on Float32 planes in grey levels 0..255 and rounded
 * and clamped once at the end (toRgb).
 */
import type { RgbImage } from '../backbone/preprocess';

export type Rng = () => number;

/** Interleaved float RGB, 0..255 (not clamped). */
export interface FloatImage {
  data: Float32Array;
  width: number;
  height: number;
}

export function checkRgb(img: RgbImage): void {
  if (!(img.width >= 1 && img.height >= 1)) throw new Error(`distort: empty ${img.width}x${img.height} image`);
  if (img.data.length !== img.width * img.height * 3) throw new Error(`distort: ${img.data.length} bytes for a ${img.width}x${img.height} RGB image`);
}

export function toFloat(img: RgbImage): FloatImage {
  return { data: Float32Array.from(img.data), width: img.width, height: img.height };
}

/**
 * Round (half up, as Math.round) and clamp to 0..255. For a float32 value x, x + 0.5 is exact in
 * double, so its floor is Math.round(x); `| 0` floors it for 0 <= x + 0.5 < 256, a clamped array
 * turns the negatives into 0, and NaN becomes 0 as before. Twice as fast as Math.round and two
 * comparisons per value (distort.test checks it against them).
 */
export function toRgb(f: FloatImage): RgbImage {
  const d = f.data;
  const out = new Uint8ClampedArray(d.length);
  for (let i = 0; i < out.length; i++) {
    const t = d[i]! + 0.5;
    out[i] = t >= 256 ? 255 : t | 0;
  }
  return { data: new Uint8Array(out.buffer), width: f.width, height: f.height };
}

/** A standard normal deviate (Box–Muller) from a uniform generator. */
export function gaussian(rng: Rng): number {
  let u = rng();
  while (u <= 1e-12) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Map every channel value through f. */
export function mapValues(img: FloatImage, f: (v: number, channel: number) => number): FloatImage {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(img.data[i]!, i % 3);
  return { data: out, width: img.width, height: img.height };
}

/** 1-D Gaussian taps, normalised, radius ceil(3 sigma). */
export function gaussianTaps(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const t = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += t[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < t.length; i++) t[i]! /= s;
  return t;
}

/**
 * Separable convolution of an interleaved image (channels c) with symmetric taps, edges replicated.
 * Every value is summed in the same order and precision whatever the channel count: horizontally
 * in double, stored as float32; vertically in float32 (each partial sum rounded, as a Float32Array
 * accumulator would).
 */
export function separable(src: Float32Array, width: number, height: number, channels: number, taps: Float32Array): Float32Array {
  const r = (taps.length - 1) / 2;
  const nt = taps.length;
  const rowLen = width * channels;
  const tmp = new Float32Array(src.length);
  const padded = new Float32Array((width + 2 * r) * channels);
  const lead = r * channels;
  for (let y = 0; y < height; y++) {
    const row = y * rowLen;
    // Replicate the edge pixels into a padded row, then run the taps without bounds checks.
    padded.set(src.subarray(row, row + rowLen), lead);
    for (let x = 0; x < r; x++) {
      for (let c = 0; c < channels; c++) {
        padded[x * channels + c] = src[row + c]!;
        padded[lead + rowLen + x * channels + c] = src[row + rowLen - channels + c]!;
      }
    }
    // Value i of the row (pixel i / c, channel i % c) is sum_k taps[k] * padded[i + k c]. Six values
    // at a time (two RGB pixels) share each tap load; each sum keeps its order: 1.3-1.5x faster.
    let i = 0;
    for (; i + 6 <= rowLen; i += 6) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      for (let k = 0, j = i; k < nt; k++, j += channels) {
        const t = taps[k]!;
        s0 += t * padded[j]!;
        s1 += t * padded[j + 1]!;
        s2 += t * padded[j + 2]!;
        s3 += t * padded[j + 3]!;
        s4 += t * padded[j + 4]!;
        s5 += t * padded[j + 5]!;
      }
      tmp[row + i] = s0;
      tmp[row + i + 1] = s1;
      tmp[row + i + 2] = s2;
      tmp[row + i + 3] = s3;
      tmp[row + i + 4] = s4;
      tmp[row + i + 5] = s5;
    }
    for (; i < rowLen; i++) {
      let s = 0;
      for (let k = 0, j = i; k < nt; k++, j += channels) s += taps[k]! * padded[j]!;
      tmp[row + i] = s;
    }
  }
  // Vertical pass: out row y = sum_k taps[k] * tmp row (y + k - r), rows clamped, each partial sum
  // rounded to float32 (Math.fround) exactly as accumulating in the Float32Array did. Eight values
  // at a time in locals instead of nt read-modify-write sweeps over the output row: ~2x faster.
  const out = new Float32Array(src.length);
  const rows = new Int32Array(nt);
  for (let y = 0; y < height; y++) {
    const o = y * rowLen;
    for (let k = 0; k < nt; k++) rows[k] = Math.min(height - 1, Math.max(0, y + k - r)) * rowLen;
    let i = 0;
    for (; i + 8 <= rowLen; i += 8) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let k = 0; k < nt; k++) {
        const t = taps[k]!;
        const j = rows[k]! + i;
        s0 = Math.fround(s0 + t * tmp[j]!);
        s1 = Math.fround(s1 + t * tmp[j + 1]!);
        s2 = Math.fround(s2 + t * tmp[j + 2]!);
        s3 = Math.fround(s3 + t * tmp[j + 3]!);
        s4 = Math.fround(s4 + t * tmp[j + 4]!);
        s5 = Math.fround(s5 + t * tmp[j + 5]!);
        s6 = Math.fround(s6 + t * tmp[j + 6]!);
        s7 = Math.fround(s7 + t * tmp[j + 7]!);
      }
      out[o + i] = s0;
      out[o + i + 1] = s1;
      out[o + i + 2] = s2;
      out[o + i + 3] = s3;
      out[o + i + 4] = s4;
      out[o + i + 5] = s5;
      out[o + i + 6] = s6;
      out[o + i + 7] = s7;
    }
    for (; i < rowLen; i++) {
      let s = 0;
      for (let k = 0; k < nt; k++) s = Math.fround(s + taps[k]! * tmp[rows[k]! + i]!);
      out[o + i] = s;
    }
  }
  return out;
}

export function gaussianBlur(img: FloatImage, sigma: number): FloatImage {
  if (sigma <= 0) return { ...img, data: img.data.slice() };
  return { data: separable(img.data, img.width, img.height, 3, gaussianTaps(sigma)), width: img.width, height: img.height };
}

/** A sparse 2-D kernel: offsets and weights (weights sum to 1). */
export interface SparseKernel {
  dx: Int32Array;
  dy: Int32Array;
  w: Float32Array;
}

/** Build a sparse kernel from a dense, non-negative grid (size x size, centred), normalised. */
export function sparseFromGrid(grid: Float32Array, size: number): SparseKernel {
  const r = (size - 1) / 2;
  const dx: number[] = [];
  const dy: number[] = [];
  const w: number[] = [];
  let s = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = grid[y * size + x]!;
      if (v > 1e-6) {
        dx.push(x - r);
        dy.push(y - r);
        w.push(v);
        s += v;
      }
    }
  }
  if (!s) return { dx: Int32Array.of(0), dy: Int32Array.of(0), w: Float32Array.of(1) };
  return { dx: Int32Array.from(dx), dy: Int32Array.from(dy), w: Float32Array.from(w, (v) => v / s) };
}

/** Convolve with a sparse kernel, edges replicated (the image is padded once, so the tap loop has no bounds checks). */
export function convolveSparse(img: FloatImage, k: SparseKernel): FloatImage {
  const { width, height, data } = img;
  let r = 0;
  for (let t = 0; t < k.w.length; t++) r = Math.max(r, Math.abs(k.dx[t]!), Math.abs(k.dy[t]!));
  const pw = width + 2 * r;
  const ph = height + 2 * r;
  const rowLen = width * 3;
  const pad = new Float32Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    const s = Math.min(height - 1, Math.max(0, y - r)) * rowLen;
    const o = y * pw * 3;
    // The row itself in one copy, then its first and last pixel replicated r times either side.
    pad.set(data.subarray(s, s + rowLen), o + r * 3);
    for (let x = 0; x < r; x++) {
      const a = o + x * 3;
      const b = o + (r + width + x) * 3;
      pad[a] = data[s]!;
      pad[a + 1] = data[s + 1]!;
      pad[a + 2] = data[s + 2]!;
      pad[b] = data[s + rowLen - 3]!;
      pad[b + 1] = data[s + rowLen - 2]!;
      pad[b + 2] = data[s + rowLen - 1]!;
    }
  }
  const n = k.w.length;
  const w = k.w;
  const offs = new Int32Array(n);
  for (let t = 0; t < n; t++) offs[t] = (k.dy[t]! * pw + k.dx[t]!) * 3;
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    const rowBase = ((y + r) * pw + r) * 3;
    const o = y * rowLen;
    // Two pixels at a time share each tap's offset and weight load; every sum keeps its order: ~1.3x faster.
    let i = 0;
    for (; i + 6 <= rowLen; i += 6) {
      const base = rowBase + i;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      for (let t = 0; t < n; t++) {
        const j = base + offs[t]!;
        const wt = w[t]!;
        s0 += wt * pad[j]!;
        s1 += wt * pad[j + 1]!;
        s2 += wt * pad[j + 2]!;
        s3 += wt * pad[j + 3]!;
        s4 += wt * pad[j + 4]!;
        s5 += wt * pad[j + 5]!;
      }
      out[o + i] = s0;
      out[o + i + 1] = s1;
      out[o + i + 2] = s2;
      out[o + i + 3] = s3;
      out[o + i + 4] = s4;
      out[o + i + 5] = s5;
    }
    for (; i < rowLen; i += 3) {
      const base = rowBase + i;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let t = 0; t < n; t++) {
        const j = base + offs[t]!;
        const wt = w[t]!;
        s0 += wt * pad[j]!;
        s1 += wt * pad[j + 1]!;
        s2 += wt * pad[j + 2]!;
      }
      out[o + i] = s0;
      out[o + i + 1] = s1;
      out[o + i + 2] = s2;
    }
  }
  return { data: out, width, height };
}

/** Draw an anti-aliased polyline (points in kernel coordinates, centred at 0) into a size x size grid. */
export function rasterisePath(points: { x: number; y: number }[], size: number): Float32Array {
  const grid = new Float32Array(size * size);
  const c = (size - 1) / 2;
  const splat = (x: number, y: number, w: number) => {
    const fx = Math.floor(x + c);
    const fy = Math.floor(y + c);
    const ax = x + c - fx;
    const ay = y + c - fy;
    const put = (gx: number, gy: number, v: number) => {
      if (gx >= 0 && gy >= 0 && gx < size && gy < size) grid[gy * size + gx]! += v;
    };
    put(fx, fy, w * (1 - ax) * (1 - ay));
    put(fx + 1, fy, w * ax * (1 - ay));
    put(fx, fy + 1, w * (1 - ax) * ay);
    put(fx + 1, fy + 1, w * ax * ay);
  };
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) * 4));
    for (let s = 0; s < steps; s++) splat(a.x + ((b.x - a.x) * s) / steps, a.y + ((b.y - a.y) * s) / steps, 1);
  }
  const last = points[points.length - 1]!;
  splat(last.x, last.y, 1);
  return grid;
}

/** Bilinear resample to w x h (pixel centres aligned; no antialiasing — pair with a blur when shrinking a lot). */
export function resizeBilinear(img: FloatImage, w: number, h: number): FloatImage {
  const { width, height, data } = img;
  const out = new Float32Array(w * h * 3);
  const sx = width / w;
  const sy = height / h;
  for (let y = 0; y < h; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    fy = fy < 0 ? 0 : fy > height - 1 ? height - 1 : fy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      fx = fx < 0 ? 0 : fx > width - 1 ? width - 1 : fx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const ax = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * width + x0) * 3 + c]! * (1 - ax) + data[(y0 * width + x1) * 3 + c]! * ax;
        const b = data[(y1 * width + x0) * 3 + c]! * (1 - ax) + data[(y1 * width + x1) * 3 + c]! * ax;
        out[(y * w + x) * 3 + c] = a * (1 - ay) + b * ay;
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** Area (box) average down to w x h (w <= width, h <= height). */
export function resizeArea(img: FloatImage, w: number, h: number): FloatImage {
  const { width, height, data } = img;
  const out = new Float32Array(w * h * 3);
  const sx = width / w;
  const sy = height / h;
  for (let y = 0; y < h; y++) {
    const ya = y * sy;
    const yb = Math.min(height, (y + 1) * sy);
    for (let x = 0; x < w; x++) {
      const xa = x * sx;
      const xb = Math.min(width, (x + 1) * sx);
      let r = 0;
      let g = 0;
      let b = 0;
      let wsum = 0;
      for (let yy = Math.floor(ya); yy < Math.ceil(yb); yy++) {
        const wy = Math.min(yy + 1, yb) - Math.max(yy, ya);
        for (let xx = Math.floor(xa); xx < Math.ceil(xb); xx++) {
          const wgt = wy * (Math.min(xx + 1, xb) - Math.max(xx, xa));
          const o = (yy * width + xx) * 3;
          r += wgt * data[o]!;
          g += wgt * data[o + 1]!;
          b += wgt * data[o + 2]!;
          wsum += wgt;
        }
      }
      const o = (y * w + x) * 3;
      out[o] = r / wsum;
      out[o + 1] = g / wsum;
      out[o + 2] = b / wsum;
    }
  }
  return { data: out, width: w, height: h };
}

/** Resize by a factor: area average when shrinking, bilinear when enlarging. */
export function resizeBy(img: FloatImage, factor: number): FloatImage {
  const w = Math.max(1, Math.round(img.width * factor));
  const h = Math.max(1, Math.round(img.height * factor));
  return factor < 1 ? resizeArea(img, w, h) : resizeBilinear(img, w, h);
}

/** JPEG's (JFIF, full-range BT.601) RGB -> YCbCr, in place on a copy. */
export function toYcc(img: FloatImage): FloatImage {
  const d = img.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i]!;
    const g = d[i + 1]!;
    const b = d[i + 2]!;
    out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    out[i + 1] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    out[i + 2] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  return { data: out, width: img.width, height: img.height };
}

export function fromYcc(img: FloatImage): FloatImage {
  const d = img.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const y = d[i]!;
    const cb = d[i + 1]! - 128;
    const cr = d[i + 2]! - 128;
    out[i] = y + 1.402 * cr;
    out[i + 1] = y - 0.344136 * cb - 0.714136 * cr;
    out[i + 2] = y + 1.772 * cb;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Peak signal-to-noise ratio in dB between two same-size RGB images (Infinity when equal). */
export function psnr(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('psnr: sizes differ');
  let se = 0;
  for (let i = 0; i < a.data.length; i++) se += (a.data[i]! - b.data[i]!) ** 2;
  const mse = se / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Mean SSIM of the luma of two same-size images (Wang et al. 2004; 8x8 windows, stride 4). */
export function ssim(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('ssim: sizes differ');
  const { width, height } = a;
  const luma = (img: RgbImage) => {
    const out = new Float32Array(width * height);
    for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * img.data[j]! + 0.587 * img.data[j + 1]! + 0.114 * img.data[j + 2]!;
    return out;
  };
  const la = luma(a);
  const lb = luma(b);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const win = Math.min(8, width, height);
  let sum = 0;
  let count = 0;
  for (let y = 0; y + win <= height; y += 4) {
    for (let x = 0; x + win <= width; x += 4) {
      let ma = 0;
      let mb = 0;
      for (let v = 0; v < win; v++) {
        for (let u = 0; u < win; u++) {
          ma += la[(y + v) * width + x + u]!;
          mb += lb[(y + v) * width + x + u]!;
        }
      }
      const n = win * win;
      ma /= n;
      mb /= n;
      let va = 0;
      let vb = 0;
      let cov = 0;
      for (let v = 0; v < win; v++) {
        for (let u = 0; u < win; u++) {
          const da = la[(y + v) * width + x + u]! - ma;
          const db = lb[(y + v) * width + x + u]! - mb;
          va += da * da;
          vb += db * db;
          cov += da * db;
        }
      }
      va /= n - 1 || 1;
      vb /= n - 1 || 1;
      cov /= n - 1 || 1;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return count ? sum / count : 1;
}
