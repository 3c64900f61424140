/**
 * Hand-crafted image-quality signals, computed in plain JS on decoded pixels (no second decode).
 *
 * Why: resizing a whole photo to 224 px hides noise, JPEG damage and exposure problems from the
 * backbone; a dozen cheap measurements on the pixels bring them back (see shared/ML-NOTES.md).
 * Blur LOWERS Laplacian variance and edge density while noise and JPEG blocking RAISE them, so
 * "bad" sits at both ends of several signals: use them in a non-linear head.
 *
 * Pipeline (two passes over the pixels, no per-pixel allocation):
 *  1. grey = Rec.601 luma (0.299 R + 0.587 G + 0.114 B) in grey levels 0..255, at original size;
 *  2. `blockiness` and `colourfulness` on the ORIGINAL resolution (the 8-px JPEG grid and the
 *     colours are those of the file);
 * *  3. the grey image is normalised in size: shrunk with an area (box) average so its long side is
 *     NORMALISED_LONG_SIDE (512) px; images already no larger stay as they are. Everything else
 *     (sharpness, edges, noise, luma statistics) is measured on that normalised image, so the
 *     values are comparable between a 580-px and a 4000-px photo.
 * Steps 1-2 and the horizontal half of step 3 share one row-by-row pass over the RGB bytes; the
 * 3x3 measurements (Laplacian, Sobel, Immerkær) share one pass over the normalised image.
 * Cost: ~6-8 ms for a 580 x 400 photo on a 2-core EPYC VM; the first pass grows with the pixel count.
 */
import { EXPLAIN_THRESHOLDS } from '../../../../src-shared/domain/signals';
import type { RgbImage } from '../backbone/preprocess';
import {
  BRISQUE_NAMES,
  brisqueOfScales,
  colourCastOf,
  DETECTOR_NAMES,
  type GenericFeatures,
  halveScratch,
  laplacianEnergy,
  motionOf,
  posteriseOf,
  ringingOf,
  upscalingOf,
  vignettingOf,
} from './generic';
import { scratchF32, scratchF64, scratchI32, scratchU8 } from './scratch';

/** Long side, in px, of the grey image on which scale-dependent signals are measured. */
export const NORMALISED_LONG_SIDE = 512;
/** Sobel gradient magnitude (grey levels 0..255, kernel weights 1-2-1) that counts as an edge: a step of ~25 grey levels. */
export const EDGE_THRESHOLD = 100;
/** Share of the strongest-gradient pixels left out of the noise estimate (Tai & Yang 2008): texture and edges are not noise. */
export const NOISE_EDGE_FRACTION = 0.1;
/** Luma (0..1) at or below which a pixel counts as clipped to black / at or above which as clipped to white. */
export const DARK_CLIP = 0.02;
export const BRIGHT_CLIP = 0.98;
/** Recorded with stored signal vectors: change it whenever a signal's definition or SIGNAL_NAMES change. */
export const SIGNALS_VERSION = 'quality-signals/3';

export interface QualitySignals {
  /** Variance of the 3x3 Laplacian [0 1 0; 1 -4 1; 0 1 0] of the normalised grey image, grey levels 0..255 (OpenCV's "variance of Laplacian"). Low = blurry. */
  sharpness: number;
  /**
   * sharpness / luma variance (both on the normalised grey image): the same Laplacian variance,
   * made blind to contrast. Haze and exposure scale both alike; blur lowers only the Laplacian.
   * Photos ~0.01-1.5, blurred < 0.008. 0 for a flat image.
   */
  relSharpness: number;
  /** Fraction (0..1) of normalised pixels whose Sobel gradient magnitude exceeds EDGE_THRESHOLD. */
  edgeDensity: number;
  /** Noise standard deviation in grey levels (0..255): Immerkær's fast estimator over the pixels below the 90th gradient percentile. */
  noise: number;
  /** JPEG blocking: mean |luma step| across the 8-px block grid / mean |luma step| inside blocks, original resolution. 1 with no block grid (good photos peak near 1.6); 'jpeg artefacts' above EXPLAIN_THRESHOLDS.jpegBlockiness. */
  blockiness: number;
  /** Mean luma, 0..1. */
  meanLuma: number;
  /** Standard deviation of luma, 0..1. */
  stdLuma: number;
  /** Fraction of pixels with luma <= DARK_CLIP. */
  darkClipped: number;
  /** Fraction of pixels with luma >= BRIGHT_CLIP. */
  brightClipped: number;
  /** p95 - p5 of luma, 0..1. Low = flat, hazy or washed out. */
  contrast: number;
  /** Hasler & Süsstrunk (2003) colourfulness on 0..255 RGB: ~0 grey, 'dull colours' below EXPLAIN_THRESHOLDS.dullColourfulness, > 45 very colourful. */
  colourfulness: number;
  /** Decoded size in px (after EXIF orientation). */
  width: number;
  height: number;
  megapixels: number;
  /** Bytes that code the picture (its file without metadata or other frames: codedBytes.ts) per decoded pixel; low for heavily compressed JPEGs. 0 when the size is unknown. */
  bytesPerPixel: number;
  /** Distortion-generic features (generic.ts): BRISQUE statistics at two scales and defect detectors. */
  generic: GenericFeatures;
}

/**
 * The model features, in order. Each is the raw signal or a transform of it (see signalVector):
 *  - log1p(sharpness)       Laplacian variance spans ~1..10^4;
 *  - log(relSharpness)      clamped to >= 1e-5 first: spans 1e-4..10;
 *  - edgeDensity            already a fraction;
 *  - log1p(noise)           sigma spans ~0.05..60 grey levels;
 *  - log(blockiness)        a ratio around 1: 0 for clean, > 0 for blocky (clamped to >= 0.1 first);
 *  - meanLuma, stdLuma, darkClipped, brightClipped, contrast    already 0..1;
 *  - log1p(colourfulness)   0..~150;
 *  - log(width), log(height) px spans 30..5000 (megapixels is their sum in log space: left out);
 *  - log(bytesPerPixel)     spans ~0.01..2 (clamped to >= 1e-4 when the file size is unknown).
 */
export const SIGNAL_NAMES = [
  'log1p_sharpness',
  'log_rel_sharpness',
  'edge_density',
  'log1p_noise',
  'log_blockiness',
  'mean_luma',
  'std_luma',
  'dark_clipped',
  'bright_clipped',
  'contrast',
  'log1p_colourfulness',
  'log_width',
  'log_height',
  'log_bytes_per_pixel',
  // BRISQUE (variances as log(1e-4 + v)), then the detectors (impulse as log(1e-5 + share)).
  ...BRISQUE_NAMES,
  ...DETECTOR_NAMES.map((d) => `detector_${d}`),
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];
const BASE_SIGNALS = 14;

/**
 * SIGNAL_NAMES by what they measure: the groups of the distance-from-good block (train/distance.ts)
 * and of its per-image attribution. Each signal is in exactly one group.
 */
export const SIGNAL_GROUPS: readonly { name: string; signals: readonly SignalName[] }[] = [
  { name: 'sharpness', signals: ['log1p_sharpness', 'log_rel_sharpness', 'edge_density'] },
  { name: 'noise', signals: ['log1p_noise'] },
  { name: 'compression', signals: ['log_blockiness', 'log_bytes_per_pixel'] },
  { name: 'exposure', signals: ['mean_luma', 'std_luma', 'dark_clipped', 'bright_clipped', 'contrast'] },
  { name: 'colour', signals: ['log1p_colourfulness', 'detector_colourCast'] },
  { name: 'size', signals: ['log_width', 'log_height'] },
  { name: 'natural_statistics_fine', signals: BRISQUE_NAMES.filter((n) => n.startsWith('brisque1_')) as SignalName[] },
  { name: 'natural_statistics_coarse', signals: BRISQUE_NAMES.filter((n) => n.startsWith('brisque2_')) as SignalName[] },
  { name: 'motion', signals: ['detector_motion'] },
  { name: 'artefacts', signals: ['detector_ringing', 'detector_posterise', 'detector_impulse'] },
  { name: 'vignetting', signals: ['detector_vignetting'] },
  { name: 'resampling', signals: ['detector_pixelation', 'detector_upscaling'] },
];

/** SIGNAL_GROUPS as column indices into the signals block (SIGNAL_NAMES order). */
export function signalGroupColumns(): { name: string; columns: number[] }[] {
  const index = new Map<string, number>(SIGNAL_NAMES.map((n, i) => [n, i]));
  return SIGNAL_GROUPS.map((g) => ({ name: g.name, columns: g.signals.map((s) => index.get(s)!) }));
}

/** The signals as model features, in SIGNAL_NAMES order. */
export function signalVector(s: QualitySignals, out = new Float32Array(SIGNAL_NAMES.length), offset = 0): Float32Array {
  const v = [
    Math.log1p(Math.max(0, s.sharpness)),
    Math.log(Math.max(1e-5, s.relSharpness)),
    s.edgeDensity,
    Math.log1p(Math.max(0, s.noise)),
    Math.log(Math.max(0.1, s.blockiness)),
    s.meanLuma,
    s.stdLuma,
    s.darkClipped,
    s.brightClipped,
    s.contrast,
    Math.log1p(Math.max(0, s.colourfulness)),
    Math.log(Math.max(1, s.width)),
    Math.log(Math.max(1, s.height)),
    Math.log(Math.max(1e-4, s.bytesPerPixel)),
  ];
  for (let i = 0; i < BASE_SIGNALS; i++) out[offset + i] = v[i]!;
  let k = offset + BASE_SIGNALS;
  BRISQUE_NAMES.forEach((name, i) => (out[k + i] = name.endsWith('var') ? Math.log(1e-4 + Math.max(0, s.generic.brisque[i]!)) : s.generic.brisque[i]!));
  k += BRISQUE_NAMES.length;
  DETECTOR_NAMES.forEach((d, i) => (out[k + i] = d === 'impulse' ? Math.log(1e-5 + s.generic.detectors[d]) : s.generic.detectors[d]));
  return out;
}

/** Thresholds behind explainSignals: in src-shared, where the renderer's signal hints read them too. */
export { EXPLAIN_THRESHOLDS };

export type SignalReason =
  | 'blurry'
  | 'noisy'
  | 'jpeg artefacts'
  | 'underexposed'
  | 'overexposed'
  | 'low contrast / hazy'
  | 'tiny'
  | 'dull colours'
  | 'motion blur'
  | 'strong motion blur'
  | 'ringing / halos'
  | 'posterised / banding'
  | 'specks (impulse noise)'
  | 'colour cast'
  | 'dark corners (vignetting)'
  | 'pixelated'
  | 'enlarged from a smaller original';

/** Short curator-facing reasons, from the fixed EXPLAIN_THRESHOLDS, in a fixed order. Empty when nothing stands out. */
export function explainSignals(s: Omit<QualitySignals, 'generic'> & { generic?: Pick<GenericFeatures, 'detectors'> }): SignalReason[] {
  const t = EXPLAIN_THRESHOLDS;
  const out: SignalReason[] = [];
  const tiny = Math.max(s.width, s.height) < t.tinyLongSide;
  if (!tiny && s.relSharpness < t.blurryRelSharpness) out.push('blurry');
  if (!tiny && s.noise > t.noisyNoise) out.push('noisy');
  if (s.blockiness > t.jpegBlockiness) out.push('jpeg artefacts');
  if (s.meanLuma < t.underMeanLuma || s.darkClipped > t.underDarkClipped) out.push('underexposed');
  if ((s.meanLuma > t.overMeanLuma || s.brightClipped > t.overBrightClipped) && s.contrast < t.overMaxContrast) out.push('overexposed');
  if (s.contrast < t.hazyContrast && s.meanLuma > t.hazyMinLuma && s.meanLuma < 1 - t.hazyMinLuma) out.push('low contrast / hazy');
  if (tiny) out.push('tiny');
  if (s.colourfulness >= t.dullMinColourfulness && s.colourfulness < t.dullColourfulness) out.push('dull colours');
  const d = s.generic?.detectors;
  if (!d) return out;
  if (!tiny && d.motion >= t.strongMotion && s.relSharpness < t.motionMaxRelSharpness) out.push('strong motion blur');
  else if (!tiny && d.motion >= t.motion && s.relSharpness < t.motionMaxRelSharpness) out.push('motion blur');
  if (d.ringing >= t.ringing) out.push('ringing / halos');
  if (d.posterise >= t.posterise) out.push('posterised / banding');
  if (!tiny && d.impulse >= t.impulse) out.push('specks (impulse noise)');
  if (d.colourCast >= t.colourCast) out.push('colour cast');
  if (d.vignetting >= t.vignetting) out.push('dark corners (vignetting)');
  if (d.pixelation >= t.pixelation && s.blockiness <= t.jpegBlockiness) out.push('pixelated');
  if (!tiny && d.upscaling >= t.upscaling && s.relSharpness >= t.blurryRelSharpness) out.push('enlarged from a smaller original');
  return out;
}

/** Rec.601 luma of every pixel, grey levels 0..255. */
export function lumaOf(img: RgbImage, out = new Float32Array(img.width * img.height)): Float32Array {
  const { data, width, height } = img;
  const n = width * height;
  checkImage(img);
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = 0.299 * data[j]! + 0.587 * data[j + 1]! + 0.114 * data[j + 2]!;
  return out;
}

function checkImage(img: RgbImage): void {
  if (img.width < 1 || img.height < 1) throw new Error(`signals: empty ${img.width}x${img.height} image`);
  if (img.data.length !== img.width * img.height * 3) throw new Error(`signals: ${img.data.length} bytes for a ${img.width}x${img.height} RGB image`);
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** count weights per output sample, at stride maxTaps. */
  weight: Float32Array;
  maxTaps: number;
}

/** Area-average taps from n source samples to m <= n output samples. */
function makeAreaTaps(n: number, m: number): Taps {
  const scale = n / m;
  const maxTaps = Math.ceil(scale) + 1;
  const start = new Int32Array(m);
  const count = new Int32Array(m);
  const weight = new Float32Array(m * maxTaps);
  for (let i = 0; i < m; i++) {
    const a = i * scale;
    const b = Math.min(n, (i + 1) * scale);
    const s0 = Math.floor(a);
    const s1 = Math.min(n, Math.ceil(b));
    start[i] = s0;
    count[i] = s1 - s0;
    for (let s = s0; s < s1; s++) weight[i * maxTaps + s - s0] = (Math.min(s + 1, b) - Math.max(s, a)) / scale;
  }
  return { start, count, weight, maxTaps };
}

const tapsCache = new Map<string, Taps>();

/** makeAreaTaps, remembered (photos come in a few sizes). */
function areaTaps(n: number, m: number): Taps {
  const key = `${n}>${m}`;
  let t = tapsCache.get(key);
  if (!t) {
    if (tapsCache.size >= 64) tapsCache.clear();
    t = makeAreaTaps(n, m);
    tapsCache.set(key, t);
  }
  return t;
}

/** Size of the normalised grey image: long side NORMALISED_LONG_SIDE, or the image's own size when already no larger. */
export function normalisedSize(width: number, height: number, longSide = NORMALISED_LONG_SIDE): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= longSide) return { width, height };
  return { width: Math.max(1, Math.round((width * longSide) / long)), height: Math.max(1, Math.round((height * longSide) / long)) };
}

/** One row (`src` from `so`, n samples) shrunk by area averaging into `dst` at `d0`. */
function shrinkRow(src: Float32Array, so: number, cols: Taps, m: number, dst: Float32Array, d0: number): void {
  const { start, count, weight, maxTaps } = cols;
  for (let x = 0, wo = 0; x < m; x++, wo += maxTaps) {
    const s0 = so + start[x]!;
    const k = count[x]!;
    let acc = weight[wo]! * src[s0]!;
    for (let t = 1; t < k; t++) acc += weight[wo + t]! * src[s0 + t]!;
    dst[d0 + x] = acc;
  }
}

/** Vertical area average of the horizontally shrunk rows `tmp` (w wide) into `out`. */
function shrinkColumns(tmp: Float32Array, w: number, rows: Taps, h: number, out: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const dst = y * w;
    const r0 = rows.start[y]!;
    const k = rows.count[y]!;
    const wo = y * rows.maxTaps;
    for (let t = 0; t < k; t++) {
      const wt = rows.weight[wo + t]!;
      const src = (r0 + t) * w;
      if (t === 0) for (let x = 0; x < w; x++) out[dst + x] = wt * tmp[src + x]!;
      else for (let x = 0; x < w; x++) out[dst + x] = out[dst + x]! + wt * tmp[src + x]!;
    }
  }
}

/** Grey image shrunk by area (box) averaging so its long side is at most `longSide`; returned as-is when already no larger. */
export function normaliseGrey(grey: Float32Array, width: number, height: number, longSide = NORMALISED_LONG_SIDE): { grey: Float32Array; width: number; height: number } {
  const { width: w, height: h } = normalisedSize(width, height, longSide);
  if (w === width && h === height) return { grey, width, height };
  const cols = areaTaps(width, w);
  const tmp = new Float32Array(height * w);
  for (let y = 0; y < height; y++) shrinkRow(grey, y * width, cols, w, tmp, y * w);
  const out = new Float32Array(w * h);
  shrinkColumns(tmp, w, areaTaps(height, h), h, out);
  return { grey: out, width: w, height: h };
}

/**
 * JPEG blocking from the per-column sums of |horizontal step| (colSteps[x]: x -> x + 1, summed
 * over rows) and per-row sums of |vertical step| (rowSteps[y]: y -> y + 1, summed over columns).
 * Steps are pooled per phase (position mod 8); in each direction the phase with the largest mean
 * step is the block boundary (the grid sits at 0 mod 8 from one edge or the other, depending on
 * EXIF rotation) and the other seven are inside blocks. Result: pooled boundary mean / pooled
 * inside mean, each plus BLOCK_EPSILON. ~1 for a clean photo (a little above: the largest of
 * eight phases is taken), 2-40 for heavy compression; 1 when the image is under 16 px or flat.
 */
function blockinessFromSteps(colSteps: Float64Array, rowSteps: Float64Array, width: number, height: number): number {
  if (width < 16 || height < 16) return 1;
  let bSum = 0;
  let bN = 0;
  let iSum = 0;
  let iN = 0;
  for (const [steps, perStep] of [
    [colSteps, height],
    [rowSteps, width],
  ] as const) {
    const sum = new Float64Array(8);
    const cnt = new Float64Array(8);
    for (let i = 0; i + 1 < steps.length; i++) {
      sum[i & 7] = sum[i & 7]! + steps[i]!;
      cnt[i & 7] = cnt[i & 7]! + perStep;
    }
    let best = 0;
    for (let p = 1; p < 8; p++) if (sum[p]! / cnt[p]! > sum[best]! / cnt[best]!) best = p;
    for (let p = 0; p < 8; p++) {
      if (p === best) {
        bSum += sum[p]!;
        bN += cnt[p]!;
      } else {
        iSum += sum[p]!;
        iN += cnt[p]!;
      }
    }
  }
  // BLOCK_EPSILON keeps flat images at 1 and pure blocks finite.
  return (bSum / bN + BLOCK_EPSILON) / (iSum / iN + BLOCK_EPSILON);
}

/** JPEG blocking of a full-resolution grey image (see blockinessFromSteps). */
export function blockinessOf(grey: Float32Array, width: number, height: number): number {
  const colSteps = new Float64Array(width);
  const rowSteps = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x + 1 < width; x++) colSteps[x] = colSteps[x]! + Math.abs(grey[row + x + 1]! - grey[row + x]!);
    if (y + 1 < height) {
      let s = 0;
      for (let x = 0; x < width; x++) s += Math.abs(grey[row + width + x]! - grey[row + x]!);
      rowSteps[y] = s;
    }
  }
  return blockinessFromSteps(colSteps, rowSteps, width, height);
}

/** Hasler & Süsstrunk colourfulness from the sums of rg = R - G and yb = (R + G) / 2 - B (0..255) and their squares. */
function colourfulnessFromSums(n: number, sRg: number, sRg2: number, sYb: number, sYb2: number): number {
  const mRg = sRg / n;
  const mYb = sYb / n;
  const varRg = Math.max(0, sRg2 / n - mRg * mRg);
  const varYb = Math.max(0, sYb2 / n - mYb * mYb);
  return Math.sqrt(varRg + varYb) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

/** Hasler & Süsstrunk (2003) colourfulness of an RGB image, 0..255 scale. */
export function colourfulnessOf(img: RgbImage): number {
  checkImage(img);
  const { data } = img;
  let sRg = 0;
  let sRg2 = 0;
  let sYb = 0;
  let sYb2 = 0;
  for (let j = 0; j < data.length; j += 3) {
    const r = data[j]!;
    const g = data[j + 1]!;
    const rg = r - g;
    const yb = 0.5 * (r + g) - data[j + 2]!;
    sRg += rg;
    sRg2 += rg * rg;
    sYb += yb;
    sYb2 += yb * yb;
  }
  return colourfulnessFromSums(img.width * img.height, sRg, sRg2, sYb, sYb2);
}

/** Sums over the original RGB bytes behind the RGB detectors (generic.ts). */
interface RgbSums {
  /** Channel histograms, hist[c * 256 + v]. */
  hist: Int32Array;
  sCb: number;
  sCr: number;
  sCb2: number;
  sCr2: number;
  /** Neighbouring pixel pairs (right and below, clipped pixels excluded) and how many have identical RGB. */
  pairs: number;
  same: number;
}

/**
 * The original-resolution pass, one row at a time: luma, colourfulness sums, block-grid steps, the
 * RGB detectors' sums (channel histograms, chroma moments, identical neighbours) and the
 * horizontal half of the area shrink (straight into the normalised image when no shrink).
 * The normalised grey image is a scratch buffer: valid until the next call.
 */
function originalPass(img: RgbImage): { blockiness: number; colourfulness: number; grey: Float32Array; width: number; height: number; rgb: RgbSums } {
  const { data, width, height } = img;
  const { width: w, height: h } = normalisedSize(width, height);
  const shrink = w !== width || h !== height;
  const cols = shrink ? areaTaps(width, w) : null;
  const tmp = shrink ? scratchF32('orig.tmp', height * w) : scratchF32('grey', w * h); // the normalised image itself when no shrink
  const colSteps = scratchF64('orig.colSteps', width).fill(0);
  const rowSteps = scratchF64('orig.rowSteps', height).fill(0);
  let prev = scratchF32('orig.prev', width).fill(0);
  let cur = scratchF32('orig.cur', width);
  const hist = scratchI32('orig.hist', 768).fill(0);
  let sRg = 0;
  let sRg2 = 0;
  let sYb = 0;
  let sYb2 = 0;
  let sCb = 0;
  let sCr = 0;
  let sCb2 = 0;
  let sCr2 = 0;
  let same = 0;
  let pairs = 0;
  // Identical neighbours, counted from the later pixel of each pair: the pixel on the left / above
  // (its RGB packed in one integer) must not be clipped; a branch-free count (V8 turns +(bool) into 0 or 1).
  const above = scratchI32('orig.above', width);
  const BLACK = 0;
  const WHITE = 0xffffff;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    let j = y * stride;
    let left = 0;
    let down = 0;
    let leftPacked = -1;
    for (let x = 0; x < width; x++, j += 3) {
      const r = data[j]!;
      const g = data[j + 1]!;
      const b = data[j + 2]!;
      const l = Math.fround(0.299 * r + 0.587 * g + 0.114 * b); // the float32 value stored, so steps match lumaOf's
      cur[x] = l;
      if (x > 0) colSteps[x - 1] = colSteps[x - 1]! + Math.abs(l - left);
      down += Math.abs(l - prev[x]!);
      left = l;
      const rg = r - g;
      const yb = 0.5 * (r + g) - b;
      sRg += rg;
      sRg2 += rg * rg;
      sYb += yb;
      sYb2 += yb * yb;
      hist[r]!++;
      hist[256 + g]!++;
      hist[512 + b]!++;
      const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
      const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
      sCb += cb;
      sCr += cr;
      sCb2 += cb * cb;
      sCr2 += cr * cr;
      const packed = (r << 16) | (g << 8) | b;
      if (x > 0) {
        const ok = +(leftPacked !== BLACK && leftPacked !== WHITE);
        pairs = (pairs + ok) | 0;
        same = (same + (ok & +(packed === leftPacked))) | 0;
      }
      if (y > 0) {
        const up = above[x]!;
        const ok = +(up !== BLACK && up !== WHITE);
        pairs = (pairs + ok) | 0;
        same = (same + (ok & +(packed === up))) | 0;
      }
      above[x] = packed;
      leftPacked = packed;
    }
    if (y > 0) rowSteps[y - 1] = down;
    if (cols) shrinkRow(cur, 0, cols, w, tmp, y * w);
    else tmp.set(cur, y * w);
    const t = prev;
    prev = cur;
    cur = t;
  }
  let grey = tmp;
  if (shrink) {
    grey = scratchF32('grey', w * h);
    shrinkColumns(tmp, w, areaTaps(height, h), h, grey);
  }
  return {
    blockiness: blockinessFromSteps(colSteps, rowSteps, width, height),
    colourfulness: colourfulnessFromSums(width * height, sRg, sRg2, sYb, sYb2),
    grey,
    width: w,
    height: h,
    rgb: { hist, sCb, sCr, sCb2, sCr2, pairs, same },
  };
}

/** Grey levels added to both block-step means (see blockinessFromSteps). */
const BLOCK_EPSILON = 0.05;
const LUMA_BINS = 1024;
const GRAD_BINS = 1444; // Sobel magnitude < sqrt(2) * 1020

/** Everything measured on the normalised grey image (signals and grey-image detectors). */
interface GreyMeasures {
  base: Pick<QualitySignals, 'sharpness' | 'relSharpness' | 'edgeDensity' | 'noise' | 'meanLuma' | 'stdLuma' | 'darkClipped' | 'brightClipped' | 'contrast'>;
  /** Directional gradient energies (right, down, down-right / 2, down-left / 2), null below 3 × 3. */
  directional: [number, number, number, number] | null;
  impulses: number;
  /** Mean squared Laplacian of the interior (the upscaling detector's fine scale). */
  fineEnergy: number;
  /** 1 where the Sobel magnitude exceeds 200 (interior only): a scratch buffer. */
  strong: Uint8Array;
}

/**
 * Luma statistics, then one pass over the interior's 3×3 neighbourhoods for the Laplacian, Sobel
 * and Immerkær sums of the signals and the directional energies, impulses, strong-edge mask and
 * Laplacian energy of the detectors (each sum in the reference's order).
 */
function measureGrey(grey: Float32Array, w: number, h: number): GreyMeasures {
  const n = w * h;
  const lumaHist = scratchI32('grey.lumaHist', LUMA_BINS).fill(0);
  const darkMax = DARK_CLIP * 255;
  const brightMin = BRIGHT_CLIP * 255;
  let sum = 0;
  let sum2 = 0;
  let dark = 0;
  let bright = 0;
  for (let i = 0; i < n; i++) {
    const g = grey[i]!;
    sum += g;
    sum2 += g * g;
    if (g <= darkMax) dark++;
    else if (g >= brightMin) bright++;
    const bin = Math.min(LUMA_BINS - 1, Math.max(0, Math.floor((g * LUMA_BINS) / 256)));
    lumaHist[bin] = lumaHist[bin]! + 1;
  }
  const mean = sum / n;
  const lumaPercentile = (q: number): number => {
    const target = q * n;
    let c = 0;
    for (let b = 0; b < LUMA_BINS; b++) {
      c += lumaHist[b]!;
      if (c >= target) return ((b + 0.5) * 256) / LUMA_BINS;
    }
    return 255;
  };
  const luma = {
    meanLuma: mean / 255,
    stdLuma: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) / 255,
    darkClipped: dark / n,
    brightClipped: bright / n,
    contrast: Math.max(0, lumaPercentile(0.95) - lumaPercentile(0.05)) / 255,
  };
  const strong = scratchU8('grey.strong', n).fill(0);
  if (w < 3 || h < 3) return { base: { ...luma, sharpness: 0, relSharpness: 0, edgeDensity: 0, noise: 0 }, directional: null, impulses: 0, fineEnergy: 0, strong };

  const gradCount = scratchI32('grey.gradCount', GRAD_BINS).fill(0);
  const gradNoise = scratchF64('grey.gradNoise', GRAD_BINS).fill(0);
  let lSum = 0;
  let lSum2 = 0;
  let edges = 0;
  const edge2 = EDGE_THRESHOLD * EDGE_THRESHOLD;
  const strong2 = 200 * 200;
  let e0 = 0;
  let e1 = 0;
  let e2 = 0;
  let e3 = 0;
  let impulses = 0;
  let fine = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    // 3x3 neighbourhood  a b c / d e f / g hh k, slid one column per pixel.
    let a = grey[i - w - 1]!;
    let b = grey[i - w]!;
    let d = grey[i - 1]!;
    let e = grey[i]!;
    let g = grey[i + w - 1]!;
    let hh = grey[i + w]!;
    for (let x = 1; x < w - 1; x++, i++) {
      const c = grey[i - w + 1]!;
      const f = grey[i + 1]!;
      const k = grey[i + w + 1]!;
      const lap = b + d + f + hh - 4 * e;
      lSum += lap;
      lSum2 += lap * lap;
      const gx = c + 2 * f + k - a - 2 * d - g;
      const gy = g + 2 * hh + k - a - 2 * b - c;
      const m2 = gx * gx + gy * gy;
      if (m2 > edge2) {
        edges++;
        if (m2 > strong2) strong[i] = 1;
      }
      // Immerkær mask [1 -2 1; -2 4 -2; 1 -2 1].
      const nz = Math.abs(a + c + g + k - 2 * (b + d + f + hh) + 4 * e);
      const bin = Math.min(GRAD_BINS - 1, Math.floor(Math.sqrt(m2)));
      gradCount[bin] = gradCount[bin]! + 1;
      gradNoise[bin] = gradNoise[bin]! + nz;
      // Detectors: directional energies (right, down, diagonals), impulses, fine Laplacian energy.
      const dr = f - e;
      const dd = hh - e;
      const dk = k - e;
      const dg = g - e;
      e0 += dr * dr;
      e1 += dd * dd;
      e2 += 0.5 * (dk * dk);
      e3 += 0.5 * (dg * dg);
      // An impulse is > 48 above or below all 8 neighbours, so first of all its right-hand one.
      if (dr > 48 || dr < -48) {
        const hi = Math.max(a, b, c, d, f, g, hh, k);
        const lo = Math.min(a, b, c, d, f, g, hh, k);
        if (e - hi > 48 || lo - e > 48) impulses++;
      }
      const fl = d + f + b + hh - 4 * e;
      fine += fl * fl;
      a = b;
      b = c;
      d = e;
      e = f;
      g = hh;
      hh = k;
    }
  }
  const inner = (w - 2) * (h - 2);
  const lMean = lSum / inner;
  // Keep the (1 - NOISE_EDGE_FRACTION) lowest-gradient pixels, whole bins (at least one).
  const keep = (1 - NOISE_EDGE_FRACTION) * inner;
  let kept = 0;
  let noiseSum = 0;
  for (let b = 0; b < GRAD_BINS && (kept < keep || kept === 0); b++) {
    kept += gradCount[b]!;
    noiseSum += gradNoise[b]!;
  }
  const sharpness = Math.max(0, lSum2 / inner - lMean * lMean);
  const lumaVar = luma.stdLuma * luma.stdLuma * 255 * 255;
  return {
    base: {
      ...luma,
      sharpness,
      relSharpness: lumaVar > 1e-6 ? sharpness / lumaVar : 0,
      edgeDensity: edges / inner,
      noise: kept > 0 ? (Math.sqrt(Math.PI / 2) * noiseSum) / (6 * kept) : 0,
    },
    directional: [e0, e1, e2, e3],
    impulses,
    fineEnergy: fine / inner,
    strong,
  };
}

/** The distortion-generic features (generic.ts) from the passes' results. */
function genericOf(grey: Float32Array, w: number, h: number, gm: GreyMeasures, rgb: RgbSums, pixels: number): GenericFeatures {
  const half = halveScratch(grey, w, h);
  const brisque = brisqueOfScales(grey, w, h, half);
  const small = w < 8 || h < 8;
  const [e0, e1, e2, e3] = gm.directional ?? [0, 0, 0, 0];
  return {
    brisque,
    detectors: {
      motion: small ? 0 : motionOf(e0, e1, e2, e3),
      ringing: small ? 0 : ringingOf(grey, w, h, gm.strong),
      impulse: small ? 0 : gm.impulses / ((w - 2) * (h - 2)),
      vignetting: small ? 0 : vignettingOf(grey, w, h),
      upscaling: small ? 0 : upscalingOf(gm.fineEnergy, laplacianEnergy(half.grey, half.width, half.height)),
      posterise: posteriseOf(rgb.hist, pixels),
      colourCast: colourCastOf(pixels, rgb.sCb, rgb.sCr, rgb.sCb2, rgb.sCr2),
      pixelation: rgb.pairs ? rgb.same / rgb.pairs : 0,
    },
  };
}

/** All signals of one decoded image. meta.bytes: the bytes of its file that code the picture (codedBytes.ts; 0 if unknown). */
export function qualitySignals(img: RgbImage, meta: { bytes: number }): QualitySignals {
  checkImage(img);
  const { width, height } = img;
  const orig = originalPass(img);
  const gm = measureGrey(orig.grey, orig.width, orig.height);
  const pixels = width * height;
  return {
    ...gm.base,
    blockiness: orig.blockiness,
    colourfulness: orig.colourfulness,
    width,
    height,
    megapixels: pixels / 1e6,
    bytesPerPixel: meta.bytes > 0 ? meta.bytes / pixels : 0,
    generic: genericOf(orig.grey, orig.width, orig.height, gm, orig.rgb, pixels),
  };
}
