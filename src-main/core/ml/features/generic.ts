/**
 * Distortion-generic features: natural-scene statistics and defect detectors, computed from the
 * same decode as the quality signals (the normalised grey image of signals.ts plus one pass over
 * the original RGB bytes). Pure and synchronous; ~10 ms for a 580 x 400 photo (unloaded).
 *
 * - BRISQUE (Mittal, Moorthy & Bovik 2012): mean-subtracted contrast-normalised (MSCN)
 *   coefficients at two scales; a generalised Gaussian fit of the MSCN (shape, variance) and an
 *   asymmetric generalised Gaussian fit (shape, mean, left and right variance) of the products of
 *   neighbours in 4 orientations: 18 numbers per scale. Distortions of any kind bend these away
 *   from the statistics of natural photos; the NIQE-style distance of train/distance.ts measures
 *   how far from the run's own good images.
 * - Detectors, each one number that grows with its defect:
 *   motion       1 - (weakest / strongest directional gradient energy, 4 directions): motion and
 *                shake blur remove detail along the motion only;
 *   ringing      |Laplacian| just beside strong edges / |Laplacian| away from edges (halos,
 *                JPEG 2000 and over-sharpening ringing);
 *   posterise    share of empty histogram levels between each channel's 1st and 99th percentile
 *                (banding, colour quantisation);
 *   impulse      share of pixels brighter or darker than all 8 neighbours by > 48 grey levels
 *                (salt-and-pepper, dead pixels);
 *   colourCast   distance of the mean chroma from grey / chroma spread (Gasparini & Schettini);
 *   vignetting   log(centre luma / corner luma), clamped at 0;
 *   pixelation   share of neighbouring pixel pairs with identical RGB (nearest-neighbour
 *                enlargement, mosaic), clipped pixels excluded;
 *   upscaling    log(fine-scale / coarse-scale Laplacian energy) negated: high when the finest
 *                scale carries too little detail for the coarser one (enlarged or resampled).
 */
import { scratchF32, scratchF64, scratchI32, scratchU8 } from './scratch';

export const BRISQUE_NAMES = (() => {
  const names: string[] = [];
  for (const s of [1, 2]) {
    names.push(`brisque${s}_alpha`, `brisque${s}_var`);
    for (const o of ['h', 'v', 'd1', 'd2']) names.push(`brisque${s}_${o}_shape`, `brisque${s}_${o}_mean`, `brisque${s}_${o}_lvar`, `brisque${s}_${o}_rvar`);
  }
  return names;
})();

export const DETECTOR_NAMES = ['motion', 'ringing', 'posterise', 'impulse', 'colourCast', 'vignetting', 'pixelation', 'upscaling'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];
export type DefectScores = Record<DetectorName, number>;

export interface GenericFeatures {
  /** BRISQUE_NAMES order, 36 numbers. */
  brisque: number[];
  detectors: DefectScores;
}

// ---- Gamma-function ratios for the GGD / AGGD moment fits ----

function lgamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const ALPHAS = Float64Array.from({ length: 9801 }, (_, i) => 0.2 + i * 0.001);
/** r(a) = Γ(2/a)² / (Γ(1/a) Γ(3/a)), increasing in a. */
const RHO = Float64Array.from(ALPHAS, (a) => Math.exp(2 * lgamma(2 / a) - lgamma(1 / a) - lgamma(3 / a)));

function alphaFor(r: number): number {
  let lo = 0;
  let hi = RHO.length - 1;
  if (!(r > RHO[lo]!)) return ALPHAS[lo]!;
  if (r >= RHO[hi]!) return ALPHAS[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (RHO[mid]! < r) lo = mid;
    else hi = mid;
  }
  return ALPHAS[r - RHO[lo]! < RHO[hi]! - r ? lo : hi]!;
}

/** GGD fit by moments from the sums of |x| and x² over n values: shape alpha and variance. */
function ggdFromSums(s1: number, s2: number, count: number): [number, number] {
  const n = count || 1;
  const m1 = s1 / n;
  const m2 = s2 / n;
  return [m2 > 1e-12 ? alphaFor((m1 * m1) / m2) : 2, m2];
}

/**
 * AGGD fit (Lasmar et al.) from the sums over n values: l2 / ln (x² and count of x < 0), r2 / rn
 * (the same for x > 0) and a1 (|x|). Shape, mean, left variance, right variance.
 */
function aggdFromSums(l2: number, ln: number, r2: number, rn: number, a1: number, count: number): [number, number, number, number] {
  const n = count || 1;
  const sl = Math.sqrt(l2 / Math.max(1, ln));
  const sr = Math.sqrt(r2 / Math.max(1, rn));
  if (sl < 1e-9 || sr < 1e-9) return [2, 0, sl * sl, sr * sr];
  const g = sl / sr;
  const m1 = a1 / n;
  const m2 = (l2 + r2) / n;
  const rhat = (m1 * m1) / m2;
  const R = (rhat * (g ** 3 + 1) * (g + 1)) / (g * g + 1) ** 2;
  const alpha = alphaFor(R);
  const ratio = Math.exp(lgamma(2 / alpha) - 0.5 * (lgamma(1 / alpha) + lgamma(3 / alpha)));
  const mean = (sr - sl) * ratio;
  return [alpha, mean, sl * sl, sr * sr];
}

// ---- MSCN ----
//
// The arithmetic below is the reference's (test-support/signalsReference) step for step: float32
// storage where it stored float32, the same summation order, so every value comes out bit for bit
// the same (signalsEquivalence.test.ts); only the passes are fused and the buffers reused.

const GAUSS7 = (() => {
  const sigma = 7 / 6;
  const t = Float32Array.from({ length: 7 }, (_, i) => Math.exp(-((i - 3) ** 2) / (2 * sigma * sigma)));
  const s = t.reduce((a, b) => a + b, 0);
  return t.map((v) => v / s);
})();

/** One output of the 7-tap Gaussian at a border column x (reflected, then clamped, as the reference). */
function blurBorder(src: Float32Array, row: number, x: number, w: number): number {
  let s = 0;
  for (let k = -3; k <= 3; k++) {
    const xx = x + k < 0 ? -(x + k) : x + k >= w ? 2 * w - 2 - (x + k) : x + k;
    s += GAUSS7[k + 3]! * src[row + Math.min(w - 1, Math.max(0, xx))]!;
  }
  return s;
}

/** Horizontal half of the 7-tap Gaussian (reflected borders) of `a` into `outA` and of `b` into `outB` (float32 each). */
function blurRows2(a: Float32Array, b: Float32Array, w: number, h: number, outA: Float32Array, outB: Float32Array): void {
  const g0 = GAUSS7[0]!;
  const g1 = GAUSS7[1]!;
  const g2 = GAUSS7[2]!;
  const g3 = GAUSS7[3]!;
  const edge = Math.min(3, w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < edge; x++) {
      outA[row + x] = blurBorder(a, row, x, w);
      outB[row + x] = blurBorder(b, row, x, w);
    }
    // Interior: no reflection needed (the taps are symmetric).
    const end = row + w - 3;
    for (let i = row + 3; i < end; i++) {
      outA[i] = g3 * a[i]! + g2 * (a[i - 1]! + a[i + 1]!) + g1 * (a[i - 2]! + a[i + 2]!) + g0 * (a[i - 3]! + a[i + 3]!);
      outB[i] = g3 * b[i]! + g2 * (b[i - 1]! + b[i + 1]!) + g1 * (b[i - 2]! + b[i + 2]!) + g0 * (b[i - 3]! + b[i + 3]!);
    }
    for (let x = Math.max(edge, w - 3); x < w; x++) {
      outA[row + x] = blurBorder(a, row, x, w);
      outB[row + x] = blurBorder(b, row, x, w);
    }
  }
}

/** Row offset of tap k of output row y (reflected, then clamped, as the reference). */
function tapRow(y: number, k: number, h: number, w: number): number {
  let yy = y + k < 0 ? -(y + k) : y + k >= h ? 2 * h - 2 - (y + k) : y + k;
  yy = Math.min(h - 1, Math.max(0, yy));
  return yy * w;
}

/**
 * MSCN coefficients of `grey` (w × h, 0..255) into `out`: (I - mu) / (sigma + 1) with mu and sigma²
 * from a 7×7 Gaussian window. Both blurs' vertical halves, the MSCN value and the GGD sums share
 * one pass. Returns the sums of |m| and m² (in pixel order).
 */
function mscnInto(grey: Float32Array, w: number, h: number, out: Float32Array): { s1: number; s2: number } {
  const n = w * h;
  const sq = scratchF32('mscn.sq', n);
  for (let i = 0; i < n; i++) sq[i] = grey[i]! * grey[i]!;
  const ta = scratchF32('mscn.ta', n);
  const tb = scratchF32('mscn.tb', n);
  blurRows2(grey, sq, w, h, ta, tb);
  const [t0, t1, t2, t3, t4, t5, t6] = GAUSS7 as unknown as [number, number, number, number, number, number, number];
  const fr = Math.fround;
  let s1 = 0;
  let s2 = 0;
  for (let y = 0; y < h; y++) {
    const r0 = tapRow(y, -3, h, w);
    const r1 = tapRow(y, -2, h, w);
    const r2 = tapRow(y, -1, h, w);
    const r3 = tapRow(y, 0, h, w);
    const r4 = tapRow(y, 1, h, w);
    const r5 = tapRow(y, 2, h, w);
    const r6 = tapRow(y, 3, h, w);
    const row = y * w;
    for (let x = 0; x < w; x++) {
      // The reference accumulated each tap into a float32 array: round after every add.
      let mu = fr(t0 * ta[r0 + x]!);
      mu = fr(mu + t1 * ta[r1 + x]!);
      mu = fr(mu + t2 * ta[r2 + x]!);
      mu = fr(mu + t3 * ta[r3 + x]!);
      mu = fr(mu + t4 * ta[r4 + x]!);
      mu = fr(mu + t5 * ta[r5 + x]!);
      mu = fr(mu + t6 * ta[r6 + x]!);
      let mu2 = fr(t0 * tb[r0 + x]!);
      mu2 = fr(mu2 + t1 * tb[r1 + x]!);
      mu2 = fr(mu2 + t2 * tb[r2 + x]!);
      mu2 = fr(mu2 + t3 * tb[r3 + x]!);
      mu2 = fr(mu2 + t4 * tb[r4 + x]!);
      mu2 = fr(mu2 + t5 * tb[r5 + x]!);
      mu2 = fr(mu2 + t6 * tb[r6 + x]!);
      const i = row + x;
      const v = fr((grey[i]! - mu) / (Math.sqrt(Math.abs(mu2 - mu * mu)) + 1));
      out[i] = v;
      s1 += Math.abs(v);
      s2 += v * v;
    }
  }
  return { s1, s2 };
}

/** MSCN coefficients of a grey image (0..255): (I - mu) / (sigma + 1), 7x7 Gaussian window. */
export function mscn(grey: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  mscnInto(grey, w, h, out);
  return out;
}

/** Accumulators of one shift's AGGD sums, at acc[o..o+4]: l2, ln, r2, rn, a1 (aggdFromSums). */
const L2 = 0;
const LN = 1;
const R2 = 2;
const RN = 3;
const A1 = 4;

/** Products m[p + x] · m[q + x] for x0 <= x < x1, added to one shift's sums in x order. */
function shiftRow(m: Float32Array, p: number, q: number, x0: number, x1: number, acc: Float64Array, o: number): void {
  let l2 = acc[o + L2]!;
  let ln = acc[o + LN]!;
  let r2 = acc[o + R2]!;
  let rn = acc[o + RN]!;
  let a1 = acc[o + A1]!;
  const fr = Math.fround;
  for (let x = x0; x < x1; x++) {
    const v = fr(m[p + x]! * m[q + x]!);
    const a = Math.abs(v);
    // Branch-free (the sign of a product is a coin toss): (v - |v|) / 2 is exactly v or 0, and
    // adding a 0 changes no sum. V8 turns +(v < 0) into 0 or 1 without a branch; a ternary costs 2.5x.
    const neg = (v - a) * 0.5;
    const pos = (v + a) * 0.5;
    l2 += neg * neg;
    r2 += pos * pos;
    ln = (ln + +(v < 0)) | 0;
    rn = (rn + +(v > 0)) | 0;
    a1 += a;
  }
  acc[o + L2] = l2;
  acc[o + LN] = ln;
  acc[o + R2] = r2;
  acc[o + RN] = rn;
  acc[o + A1] = a1;
}

/**
 * One inner row y (0 < y < h - 1) for all four shifts at once, x from 0 to w - 2: right (acc 0),
 * down (5), down-right (10), up-right (15). Each shift's sums see its products in the same order
 * as a pass of its own; four independent chains of additions keep the core busier.
 */
function innerRow(m: Float32Array, w: number, y: number, acc: Float64Array): void {
  let l2a = acc[0]!, lna = acc[1]!, r2a = acc[2]!, rna = acc[3]!, a1a = acc[4]!; // prettier-ignore
  let l2b = acc[5]!, lnb = acc[6]!, r2b = acc[7]!, rnb = acc[8]!, a1b = acc[9]!; // prettier-ignore
  let l2c = acc[10]!, lnc = acc[11]!, r2c = acc[12]!, rnc = acc[13]!, a1c = acc[14]!; // prettier-ignore
  let l2d = acc[15]!, lnd = acc[16]!, r2d = acc[17]!, rnd = acc[18]!, a1d = acc[19]!; // prettier-ignore
  const fr = Math.fround;
  const p = y * w;
  const dn = p + w;
  const up = p - w;
  const end = w - 1;
  for (let x = 0; x < end; x++) {
    const c = m[p + x]!;
    const va = fr(c * m[p + x + 1]!);
    const vb = fr(c * m[dn + x]!);
    const vc = fr(c * m[dn + x + 1]!);
    const vd = fr(c * m[up + x + 1]!);
    let a = Math.abs(va);
    let neg = (va - a) * 0.5;
    let pos = (va + a) * 0.5;
    l2a += neg * neg;
    r2a += pos * pos;
    lna = (lna + +(va < 0)) | 0;
    rna = (rna + +(va > 0)) | 0;
    a1a += a;
    a = Math.abs(vb);
    neg = (vb - a) * 0.5;
    pos = (vb + a) * 0.5;
    l2b += neg * neg;
    r2b += pos * pos;
    lnb = (lnb + +(vb < 0)) | 0;
    rnb = (rnb + +(vb > 0)) | 0;
    a1b += a;
    a = Math.abs(vc);
    neg = (vc - a) * 0.5;
    pos = (vc + a) * 0.5;
    l2c += neg * neg;
    r2c += pos * pos;
    lnc = (lnc + +(vc < 0)) | 0;
    rnc = (rnc + +(vc > 0)) | 0;
    a1c += a;
    a = Math.abs(vd);
    neg = (vd - a) * 0.5;
    pos = (vd + a) * 0.5;
    l2d += neg * neg;
    r2d += pos * pos;
    lnd = (lnd + +(vd < 0)) | 0;
    rnd = (rnd + +(vd > 0)) | 0;
    a1d += a;
  }
  acc[0] = l2a; acc[1] = lna; acc[2] = r2a; acc[3] = rna; acc[4] = a1a; // prettier-ignore
  acc[5] = l2b; acc[6] = lnb; acc[7] = r2b; acc[8] = rnb; acc[9] = a1b; // prettier-ignore
  acc[10] = l2c; acc[11] = lnc; acc[12] = r2c; acc[13] = rnc; acc[14] = a1c; // prettier-ignore
  acc[15] = l2d; acc[16] = lnd; acc[17] = r2d; acc[18] = rnd; acc[19] = a1d; // prettier-ignore
}

/**
 * AGGD fits of the products of neighbouring MSCN coefficients in 4 orientations (right, down,
 * down-right, up-right), each over the pixels where both exist, summed in row-major order.
 */
function aggdOfShifts(m: Float32Array, w: number, h: number, out: number[]): void {
  const acc = scratchF64('aggd.acc', 20).fill(0);
  const last = (h - 1) * w;
  // Row 0: right, down, down-right.
  shiftRow(m, 0, 1, 0, w - 1, acc, 0);
  shiftRow(m, 0, w, 0, w, acc, 5);
  shiftRow(m, 0, w + 1, 0, w - 1, acc, 10);
  for (let y = 1; y < h - 1; y++) {
    innerRow(m, w, y, acc);
    shiftRow(m, y * w, (y + 1) * w, w - 1, w, acc, 5); // down has the last column too
  }
  // Row h - 1: right, up-right.
  shiftRow(m, last, last + 1, 0, w - 1, acc, 0);
  shiftRow(m, last, last - w + 1, 0, w - 1, acc, 15);
  const counts = [h * (w - 1), (h - 1) * w, (h - 1) * (w - 1), (h - 1) * (w - 1)];
  for (let s = 0; s < 4; s++) {
    const o = 5 * s;
    out.push(...aggdFromSums(acc[o + L2]!, acc[o + LN]!, acc[o + R2]!, acc[o + RN]!, acc[o + A1]!, counts[s]!));
  }
}

function brisqueScale(grey: Float32Array, w: number, h: number, out: number[]): void {
  if (w < 8 || h < 8) {
    out.push(2, 0, ...Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 2 : 0)));
    return;
  }
  const m = scratchF32('brisque.mscn', w * h);
  const { s1, s2 } = mscnInto(grey, w, h, m);
  out.push(...ggdFromSums(s1, s2, w * h));
  aggdOfShifts(m, w, h, out);
}

/** 2x2 box average (odd last row/column dropped) into `out` (hw × hh). */
function halveInto(grey: Float32Array, w: number, h: number, out: Float32Array): { grey: Float32Array; width: number; height: number } {
  const hw = Math.max(1, w >> 1);
  const hh = Math.max(1, h >> 1);
  if (w < 2 || h < 2) {
    out.set(grey.subarray(0, hw * hh));
    return { grey: out, width: hw, height: hh };
  }
  for (let y = 0; y < hh; y++) {
    const src = 2 * y * w;
    const dst = y * hw;
    for (let x = 0; x < hw; x++) {
      const i = src + 2 * x;
      out[dst + x] = 0.25 * (grey[i]! + grey[i + 1]! + grey[i + w]! + grey[i + w + 1]!);
    }
  }
  return { grey: out, width: hw, height: hh };
}

/** 2x2 box average (odd last row/column dropped). */
export function halve(grey: Float32Array, w: number, h: number): { grey: Float32Array; width: number; height: number } {
  return halveInto(grey, w, h, new Float32Array(Math.max(1, w >> 1) * Math.max(1, h >> 1)));
}

/** The half-size grey image in a reused buffer (valid until the next call). */
export function halveScratch(grey: Float32Array, w: number, h: number): { grey: Float32Array; width: number; height: number } {
  return halveInto(grey, w, h, scratchF32('halve', Math.max(1, w >> 1) * Math.max(1, h >> 1)));
}

/** The 36 BRISQUE features of a grey image (0..255) at scale 1 and of its half-size image at scale 2. */
export function brisqueOfScales(grey: Float32Array, w: number, h: number, half: { grey: Float32Array; width: number; height: number }): number[] {
  const out: number[] = [];
  brisqueScale(grey, w, h, out);
  brisqueScale(half.grey, half.width, half.height, out);
  return out;
}

/** The 36 BRISQUE features of a grey image (0..255), scales 1 and 1/2. */
export function brisqueFeatures(grey: Float32Array, w: number, h: number): number[] {
  return brisqueOfScales(grey, w, h, halve(grey, w, h));
}

// ---- Detectors on the grey image (the 3×3 sums come from signals.ts's pass over it) ----

/** Mean squared Laplacian over the interior. */
export function laplacianEnergy(grey: Float32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return 0;
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!;
      s += l * l;
    }
  }
  return s / ((w - 2) * (h - 2));
}

/** motion from the four directional gradient energies. */
export function motionOf(e0: number, e1: number, e2: number, e3: number): number {
  const emax = Math.max(e0, e1, e2, e3);
  const emin = Math.min(e0, e1, e2, e3);
  return emax > 1e-9 ? 1 - emin / emax : 0;
}

/**
 * Ringing: |Laplacian| in a 2-3 px band beside strong edges vs away from edges. `strong`: 1 where
 * the Sobel magnitude exceeds 200 (interior pixels; 0 elsewhere). The band is the edge mask dilated
 * by 3 px (a 7 × 7 square), counted with running window sums instead of stored masks.
 */
export function ringingOf(grey: Float32Array, w: number, h: number, strong: Uint8Array): number {
  // rowNear: some strong pixel within 3 px in the same row.
  const rowNear = scratchU8('ringing.rowNear', w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let inWindow = 0; // strong pixels in [x - 3, x + 3]
    for (let x = 0; x < Math.min(3, w); x++) inWindow += strong[row + x]!;
    for (let x = 0; x < w; x++) {
      if (x + 3 < w) inWindow += strong[row + x + 3]!;
      if (x - 4 >= 0) inWindow -= strong[row + x - 4]!;
      rowNear[row + x] = inWindow > 0 ? 1 : 0;
    }
  }
  // near(y, x): rowNear within 3 rows; colCount[x] = rowNear rows y-3..y+3 (all inside for 3 <= y < h-3).
  const colCount = scratchI32('ringing.colCount', w).fill(0);
  for (let y = 0; y < Math.min(7, h); y++) for (let x = 0; x < w; x++) colCount[x] = colCount[x]! + rowNear[y * w + x]!;
  let nearSum = 0;
  let nearN = 0;
  let farSum = 0;
  let farN = 0;
  for (let y = 3; y < h - 3; y++) {
    if (y > 3) {
      const add = (y + 3) * w;
      const drop = (y - 4) * w;
      for (let x = 0; x < w; x++) colCount[x] = colCount[x]! + rowNear[add + x]! - rowNear[drop + x]!;
    }
    // Branch-free: weights 0 or 1 (strong edges themselves count nowhere); l · 0 adds 0 to a sum, which changes nothing.
    for (let x = 3; x < w - 3; x++) {
      const i = y * w + x;
      const l = Math.abs(grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!);
      const keep = 1 - strong[i]!;
      const isNear = keep & +(colCount[x]! > 0);
      const isFar = keep - isNear;
      nearSum += l * isNear;
      nearN += isNear;
      farSum += l * isFar;
      farN += isFar;
    }
  }
  return nearN > 50 && farN > 50 ? Math.log((nearSum / nearN + 0.5) / (farSum / farN + 0.5)) : 0;
}

/** Vignetting: centre (radius < 0.35) vs corners (radius > 0.9), radius normalised to the half-diagonal. */
export function vignettingOf(grey: Float32Array, w: number, h: number): number {
  let cS = 0;
  let cN = 0;
  let kS = 0;
  let kN = 0;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rmax = Math.hypot(cx, cy);
  const margin = 1e-9; // Math.hypot and sqrt(dx² + dy²) differ by an ulp at most: hypot decides only near a boundary
  for (let y = 0; y < h; y += 2) {
    const dy = y - cy;
    for (let x = 0; x < w; x += 2) {
      const dx = x - cx;
      let r = Math.sqrt(dx * dx + dy * dy) / rmax;
      if (Math.abs(r - 0.35) < margin || Math.abs(r - 0.9) < margin) r = Math.hypot(dx, dy) / rmax;
      if (r < 0.35) {
        cS += grey[y * w + x]!;
        cN++;
      } else if (r > 0.9) {
        kS += grey[y * w + x]!;
        kN++;
      }
    }
  }
  return cN && kN ? Math.max(0, Math.log((cS / cN + 8) / (kS / kN + 8))) : 0;
}

/** Upscaling: the finest octave's Laplacian energy relative to the half-scale one, negated log. */
export function upscalingOf(fine: number, coarse: number): number {
  return coarse > 1e-6 ? -Math.log((fine + 0.01) / (coarse + 0.01)) : 0;
}

// ---- Detectors on the original RGB (the sums come from signals.ts's pass over the bytes) ----

/** posterise from the three channel histograms (hist[c * 256 + v]) of n pixels. */
export function posteriseOf(hist: Int32Array, n: number): number {
  let posterise = 0;
  for (let ch = 0; ch < 3; ch++) {
    const o = ch * 256;
    let c = 0;
    let lo = 0;
    let hi = 255;
    for (let v = 0; v < 256; v++) {
      c += hist[o + v]!;
      if (c >= 0.01 * n) {
        lo = v;
        break;
      }
    }
    c = 0;
    for (let v = 255; v >= 0; v--) {
      c += hist[o + v]!;
      if (c >= 0.01 * n) {
        hi = v;
        break;
      }
    }
    let empty = 0;
    for (let v = lo; v <= hi; v++) if (hist[o + v] === 0) empty++;
    posterise += hi > lo ? empty / (hi - lo + 1) : 0;
  }
  return posterise / 3;
}

/** colourCast from the sums of Cb, Cr and their squares over n pixels. */
export function colourCastOf(n: number, sCb: number, sCr: number, sCb2: number, sCr2: number): number {
  const mCb = sCb / n;
  const mCr = sCr / n;
  const spread = Math.sqrt(Math.max(0, sCb2 / n - mCb * mCb) + Math.max(0, sCr2 / n - mCr * mCr));
  return Math.hypot(mCb, mCr) / (spread + 2);
}
