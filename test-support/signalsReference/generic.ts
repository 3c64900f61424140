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
import type { RgbImage } from '../../src-main/core/ml/backbone/preprocess';

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

/** GGD fit by moments: shape alpha and variance. */
function ggdFit(x: Float32Array): [number, number] {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    s1 += Math.abs(v);
    s2 += v * v;
  }
  const n = x.length || 1;
  const m1 = s1 / n;
  const m2 = s2 / n;
  return [m2 > 1e-12 ? alphaFor((m1 * m1) / m2) : 2, m2];
}

/** AGGD fit (Lasmar et al.): shape, mean, left variance, right variance. */
function aggdFit(x: Float32Array): [number, number, number, number] {
  let l2 = 0;
  let ln = 0;
  let r2 = 0;
  let rn = 0;
  let a1 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < 0) {
      l2 += v * v;
      ln++;
    } else if (v > 0) {
      r2 += v * v;
      rn++;
    }
    a1 += Math.abs(v);
  }
  const n = x.length || 1;
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

const GAUSS7 = (() => {
  const sigma = 7 / 6;
  const t = Float32Array.from({ length: 7 }, (_, i) => Math.exp(-((i - 3) ** 2) / (2 * sigma * sigma)));
  const s = t.reduce((a, b) => a + b, 0);
  return t.map((v) => v / s);
})();

function blur7(src: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const g0 = GAUSS7[0]!;
  const g1 = GAUSS7[1]!;
  const g2 = GAUSS7[2]!;
  const g3 = GAUSS7[3]!;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (x >= 3 && x < w - 3) {
        // Interior: no reflection needed (the taps are symmetric).
        const i = row + x;
        tmp[i] = g3 * src[i]! + g2 * (src[i - 1]! + src[i + 1]!) + g1 * (src[i - 2]! + src[i + 2]!) + g0 * (src[i - 3]! + src[i + 3]!);
        continue;
      }
      let s = 0;
      for (let k = -3; k <= 3; k++) {
        const xx = x + k < 0 ? -(x + k) : x + k >= w ? 2 * w - 2 - (x + k) : x + k;
        s += GAUSS7[k + 3]! * src[row + Math.min(w - 1, Math.max(0, xx))]!;
      }
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let k = -3; k <= 3; k++) {
      let yy = y + k < 0 ? -(y + k) : y + k >= h ? 2 * h - 2 - (y + k) : y + k;
      yy = Math.min(h - 1, Math.max(0, yy));
      const t = GAUSS7[k + 3]!;
      const from = yy * w;
      const to = y * w;
      for (let x = 0; x < w; x++) out[to + x]! += t * tmp[from + x]!;
    }
  }
  return out;
}

/** MSCN coefficients of a grey image (0..255): (I - mu) / (sigma + 1), 7x7 Gaussian window. */
export function mscn(grey: Float32Array, w: number, h: number): Float32Array {
  const mu = blur7(grey, w, h);
  const sq = new Float32Array(grey.length);
  for (let i = 0; i < sq.length; i++) sq[i] = grey[i]! * grey[i]!;
  const mu2 = blur7(sq, w, h);
  const out = new Float32Array(grey.length);
  for (let i = 0; i < out.length; i++) out[i] = (grey[i]! - mu[i]!) / (Math.sqrt(Math.abs(mu2[i]! - mu[i]! * mu[i]!)) + 1);
  return out;
}

function brisqueScale(grey: Float32Array, w: number, h: number, out: number[]): void {
  if (w < 8 || h < 8) {
    out.push(2, 0, ...Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 2 : 0)));
    return;
  }
  const m = mscn(grey, w, h);
  out.push(...ggdFit(m));
  const shifts: [number, number][] = [
    [1, 0],
    [0, 1],
    [1, 1],
    [1, -1],
  ];
  const prod = new Float32Array(w * h);
  for (const [dx, dy] of shifts) {
    let k = 0;
    for (let y = Math.max(0, -dy); y < h - Math.max(0, dy); y++) {
      for (let x = 0; x < w - dx; x++) prod[k++] = m[y * w + x]! * m[(y + dy) * w + x + dx]!;
    }
    out.push(...aggdFit(prod.subarray(0, k)));
  }
}

/** 2x2 box average (odd last row/column dropped). */
export function halve(grey: Float32Array, w: number, h: number): { grey: Float32Array; width: number; height: number } {
  const hw = Math.max(1, w >> 1);
  const hh = Math.max(1, h >> 1);
  const out = new Float32Array(hw * hh);
  if (w < 2 || h < 2) return { grey: grey.slice(0, hw * hh), width: hw, height: hh };
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < hw; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * hw + x] = 0.25 * (grey[i]! + grey[i + 1]! + grey[i + w]! + grey[i + w + 1]!);
    }
  }
  return { grey: out, width: hw, height: hh };
}

/** The 36 BRISQUE features of a grey image (0..255), scales 1 and 1/2. */
export function brisqueFeatures(grey: Float32Array, w: number, h: number): number[] {
  const out: number[] = [];
  brisqueScale(grey, w, h, out);
  const half = halve(grey, w, h);
  brisqueScale(half.grey, half.width, half.height, out);
  return out;
}

// ---- Detectors on the grey image ----

function laplacianEnergy(grey: Float32Array, w: number, h: number): number {
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

function greyDetectors(grey: Float32Array, w: number, h: number): Pick<DefectScores, 'motion' | 'ringing' | 'impulse' | 'vignetting' | 'upscaling'> {
  if (w < 8 || h < 8) return { motion: 0, ringing: 0, impulse: 0, vignetting: 0, upscaling: 0 };
  // Directional energies at two pixel offsets (fine detail and the slightly coarser scale that
  // longer motion paths still leave along their perpendicular).
  const e = new Float64Array(4);
  let impulses = 0;
  const n = (w - 2) * (h - 2);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const c = grey[i]!;
      const r = grey[i + 1]!;
      const d = grey[i + w]!;
      const dr = grey[i + w + 1]!;
      const dl = grey[i + w - 1]!;
      e[0]! += (r - c) ** 2;
      e[1]! += (d - c) ** 2;
      e[2]! += 0.5 * (dr - c) ** 2;
      e[3]! += 0.5 * (dl - c) ** 2;
      // Impulses: strictly above or below all 8 neighbours by a wide margin.
      const ul = grey[i - w - 1]!;
      const u = grey[i - w]!;
      const ur = grey[i - w + 1]!;
      const l = grey[i - 1]!;
      const hi = Math.max(ul, u, ur, l, r, dl, d, dr);
      const lo = Math.min(ul, u, ur, l, r, dl, d, dr);
      if (c - hi > 48 || lo - c > 48) impulses++;
    }
  }
  const emax = Math.max(...e);
  const emin = Math.min(...e);
  const motion = emax > 1e-9 ? 1 - emin / emax : 0;

  // Ringing: |Laplacian| in a 2-3 px band beside strong edges vs away from edges.
  const strong = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = grey[i - w + 1]! + 2 * grey[i + 1]! + grey[i + w + 1]! - grey[i - w - 1]! - 2 * grey[i - 1]! - grey[i + w - 1]!;
      const gy = grey[i + w - 1]! + 2 * grey[i + w]! + grey[i + w + 1]! - grey[i - w - 1]! - 2 * grey[i - w]! - grey[i - w + 1]!;
      if (gx * gx + gy * gy > 200 * 200) strong[i] = 1;
    }
  }
  // Dilate the edge mask by 3 px (separable running maximum over a 7-px window).
  const rowNear = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let next = Infinity;
    for (let x = w - 1; x >= 0; x--) {
      if (strong[row + x]) next = x;
      if (next - x <= 3) rowNear[row + x] = 1;
    }
    let last = -100;
    for (let x = 0; x < w; x++) {
      if (strong[row + x]) last = x;
      if (x - last <= 3) rowNear[row + x] = 1;
    }
  }
  const near = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let last = -100;
    for (let y = 0; y < h; y++) {
      if (rowNear[y * w + x]) last = y;
      if (y - last <= 3) near[y * w + x] = 1;
    }
    let next = Infinity;
    for (let y = h - 1; y >= 0; y--) {
      if (rowNear[y * w + x]) next = y;
      if (next - y <= 3) near[y * w + x] = 1;
    }
  }
  let nearSum = 0;
  let nearN = 0;
  let farSum = 0;
  let farN = 0;
  for (let y = 3; y < h - 3; y++) {
    for (let x = 3; x < w - 3; x++) {
      const i = y * w + x;
      if (strong[i]) continue;
      const l = Math.abs(grey[i - 1]! + grey[i + 1]! + grey[i - w]! + grey[i + w]! - 4 * grey[i]!);
      if (near[i]) {
        nearSum += l;
        nearN++;
      } else {
        farSum += l;
        farN++;
      }
    }
  }
  const ringing = nearN > 50 && farN > 50 ? Math.log((nearSum / nearN + 0.5) / (farSum / farN + 0.5)) : 0;

  // Vignetting: centre (radius < 0.35) vs corners (radius > 0.9), radius normalised to the half-diagonal.
  let cS = 0;
  let cN = 0;
  let kS = 0;
  let kN = 0;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rmax = Math.hypot(cx, cy);
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const r = Math.hypot(x - cx, y - cy) / rmax;
      if (r < 0.35) {
        cS += grey[y * w + x]!;
        cN++;
      } else if (r > 0.9) {
        kS += grey[y * w + x]!;
        kN++;
      }
    }
  }
  const vignetting = cN && kN ? Math.max(0, Math.log((cS / cN + 8) / (kS / kN + 8))) : 0;

  // Upscaling: fine-scale Laplacian energy relative to the half-scale one (natural photos keep a
  // roughly constant ratio; enlarged or resampled ones lose the finest octave).
  const half = halve(grey, w, h);
  const fine = laplacianEnergy(grey, w, h);
  const coarse = laplacianEnergy(half.grey, half.width, half.height);
  const upscaling = coarse > 1e-6 ? -Math.log((fine + 0.01) / (coarse + 0.01)) : 0;
  return { motion, ringing, impulse: impulses / n, vignetting, upscaling };
}

// ---- Detectors on the original RGB ----

function rgbDetectors(img: RgbImage): Pick<DefectScores, 'posterise' | 'colourCast' | 'pixelation'> {
  const { data, width, height } = img;
  const hist = [new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  let sCb = 0;
  let sCr = 0;
  let sCb2 = 0;
  let sCr2 = 0;
  let same = 0;
  let pairs = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const j = (y * width + x) * 3;
      const r = data[j]!;
      const g = data[j + 1]!;
      const b = data[j + 2]!;
      hist[0]![r]!++;
      hist[1]![g]!++;
      hist[2]![b]!++;
      const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
      const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
      sCb += cb;
      sCr += cr;
      sCb2 += cb * cb;
      sCr2 += cr * cr;
      const clipped = (r === 0 && g === 0 && b === 0) || (r === 255 && g === 255 && b === 255);
      if (!clipped && x + 1 < width) {
        pairs++;
        if (data[j + 3] === r && data[j + 4] === g && data[j + 5] === b) same++;
      }
      if (!clipped && y + 1 < height) {
        const k = j + width * 3;
        pairs++;
        if (data[k] === r && data[k + 1] === g && data[k + 2] === b) same++;
      }
    }
  }
  const n = width * height;
  let posterise = 0;
  for (const hst of hist) {
    let c = 0;
    let lo = 0;
    let hi = 255;
    for (let v = 0; v < 256; v++) {
      c += hst[v]!;
      if (c >= 0.01 * n) {
        lo = v;
        break;
      }
    }
    c = 0;
    for (let v = 255; v >= 0; v--) {
      c += hst[v]!;
      if (c >= 0.01 * n) {
        hi = v;
        break;
      }
    }
    let empty = 0;
    for (let v = lo; v <= hi; v++) if (hst[v] === 0) empty++;
    posterise += hi > lo ? empty / (hi - lo + 1) : 0;
  }
  const mCb = sCb / n;
  const mCr = sCr / n;
  const spread = Math.sqrt(Math.max(0, sCb2 / n - mCb * mCb) + Math.max(0, sCr2 / n - mCr * mCr));
  return { posterise: posterise / 3, colourCast: Math.hypot(mCb, mCr) / (spread + 2), pixelation: pairs ? same / pairs : 0 };
}

/** Everything of this module for one image: `grey` is signals.ts's normalised grey image of `img`. */
export function genericFeatures(img: RgbImage, grey: { grey: Float32Array; width: number; height: number }): GenericFeatures {
  return {
    brisque: brisqueFeatures(grey.grey, grey.width, grey.height),
    detectors: { ...greyDetectors(grey.grey, grey.width, grey.height), ...rgbDetectors(img) },
  };
}
