/**
 * The distortion catalogue: the 25 distortion types of KADID-10k (Lin, Hosu & Saupe 2019), curved
 * camera-shake kernels, combined defects and down-then-up resampling, each with severity levels
 * 1..5; and the benign edits a curator does NOT want flagged. Every pixel parameter is given for
 * a 580-px long side (EOL media) and scaled with the image's long side.
 */
import { jpeg2000Approx, jpegRoundTrip } from './codecs';
import {
  convolveSparse,
  fromYcc,
  gaussian,
  gaussianBlur,
  gaussianTaps,
  mapValues,
  rasterisePath,
  resizeArea,
  resizeBilinear,
  resizeBy,
  type FloatImage,
  type Rng,
  separable,
  sparseFromGrid,
  toYcc,
} from './ops';

/** What kind of damage a distortion does, for grouping (leave-one-family-out, reports). */
export type DistortionFamily = 'blur' | 'motion' | 'colour' | 'compression' | 'noise' | 'brightness' | 'spatial' | 'sharpness' | 'contrast' | 'resampling';

export interface DistortionDef {
  kind: string;
  family: DistortionFamily;
  /** Parameters per level 1..5, for the docs table. */
  levels: string;
  /** What in real photography it models. */
  models: string;
  apply(img: FloatImage, level: number, rng: Rng): FloatImage;
}

export interface BenignDef {
  kind: string;
  params: string;
  models: string;
  apply(img: FloatImage, rng: Rng): FloatImage;
}

const at = <T>(values: readonly T[], level: number): T => values[Math.min(values.length, Math.max(1, Math.round(level))) - 1]!;
/** Pixel lengths scale with the long side (parameters are for 580 px). */
const px = (img: FloatImage, v: number) => (v * Math.max(img.width, img.height)) / 580;
const uniform = (rng: Rng, a: number, b: number) => a + (b - a) * rng();

function chromaScale(img: FloatImage, factor: number): FloatImage {
  const y = toYcc(img);
  for (let i = 0; i < y.data.length; i += 3) {
    y.data[i + 1] = 128 + (y.data[i + 1]! - 128) * factor;
    y.data[i + 2] = 128 + (y.data[i + 2]! - 128) * factor;
  }
  return fromYcc(y);
}

/** Gaussian noise of sigma on every value (a plain loop: no callback per value). */
function addNoise(img: FloatImage, rng: Rng, sigma: number): FloatImage {
  const d = img.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! + sigma * gaussian(rng);
  return { data: out, width: img.width, height: img.height };
}

/** Noise in YCbCr: luma sigma `ys`, chroma sigma `cs`. */
function addYccNoise(img: FloatImage, rng: Rng, ys: number, cs: number): FloatImage {
  const y = toYcc(img);
  for (let i = 0; i < y.data.length; i += 3) {
    y.data[i]! += ys * gaussian(rng);
    y.data[i + 1]! += cs * gaussian(rng);
    y.data[i + 2]! += cs * gaussian(rng);
  }
  return fromYcc(y);
}

function tone(img: FloatImage, gamma: number, gain: number): FloatImage {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = 255 * gain * Math.pow(v / 255, gamma);
  return mapValues(img, (v) => {
    const c = v < 0 ? 0 : v > 255 ? 255 : v;
    const lo = Math.floor(c);
    const hi = Math.min(255, lo + 1);
    return lut[lo]! + (lut[hi]! - lut[lo]!) * (c - lo);
  });
}

function unsharp(img: FloatImage, sigma: number, amount: number): FloatImage {
  const b = gaussianBlur(img, sigma);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i]! + amount * (img.data[i]! - b.data[i]!);
  return { data: out, width: img.width, height: img.height };
}

/**
 * An ink drawing of the picture: its strongest edges (luma gradient after a σ 0.8–1.6 px blur, the
 * top 7–16% of pixels) as soft-edged dark strokes on white or cream paper. Not a photograph, and
 * nothing wrong with it: EOL holds many drawings, engravings and plates.
 */
function lineArt(img: FloatImage, rng: Rng): FloatImage {
  const { width, height, data } = img;
  const n = width * height;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = 0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!;
  const b = separable(grey, width, height, 1, gaussianTaps(px(img, uniform(rng, 0.8, 1.6))));
  const mag = new Float32Array(n);
  let max = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = b[y * width + Math.max(0, x - 1)]!;
      const r = b[y * width + Math.min(width - 1, x + 1)]!;
      const u = b[Math.max(0, y - 1) * width + x]!;
      const d = b[Math.min(height - 1, y + 1) * width + x]!;
      const m = Math.hypot(r - l, d - u);
      mag[y * width + x] = m;
      if (m > max) max = m;
    }
  }
  // The ink threshold: the (1 − share) quantile of the gradient, from a 1,024-bin histogram.
  const share = uniform(rng, 0.07, 0.16);
  const bins = new Uint32Array(1024);
  const scale = max > 0 ? 1023 / max : 0;
  for (let i = 0; i < n; i++) bins[Math.floor(mag[i]! * scale)]!++;
  let k = 1023;
  for (let acc = 0; k > 0 && acc + bins[k]! < share * n; k--) acc += bins[k]!;
  const t = Math.max(1, k / Math.max(scale, 1e-9));
  const cream = rng() < 0.5;
  const white = cream ? uniform(rng, 236, 250) : uniform(rng, 248, 255);
  const paper = cream ? [white, white - uniform(rng, 4, 10), white - uniform(rng, 14, 28)] : [white, white, white];
  const inkV = uniform(rng, 5, 45);
  const ink: [number, number, number] = rng() < 0.7 ? [inkV, inkV, inkV] : [inkV + 30, inkV + 15, inkV]; // black or sepia
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = Math.min(1, Math.max(0, (mag[i]! - t) / (0.6 * t) + 0.5));
    for (let c = 0; c < 3; c++) out[3 * i + c] = paper[c]! * (1 - a) + ink[c]! * a;
  }
  return { data: out, width, height };
}

function lineKernel(length: number, angle: number) {
  const size = 2 * Math.ceil(length / 2) + 3;
  const h = (length - 1) / 2;
  const dx = Math.cos(angle) * h;
  const dy = Math.sin(angle) * h;
  return sparseFromGrid(rasterisePath([{ x: -dx, y: -dy }, { x: dx, y: dy }], size), size);
}

/**
 * A curved camera-shake trajectory (after Boracchi & Foi 2012): a random walk with inertia whose
 * heading turns with a random drift and jitter, scaled to `extent` px and rasterised sub-pixel.
 */
export function shakeKernel(extent: number, rng: Rng) {
  const steps = 48;
  let theta = rng() * 2 * Math.PI;
  const drift = (rng() - 0.5) * 0.25;
  const pts = [{ x: 0, y: 0 }];
  for (let i = 0; i < steps; i++) {
    theta += drift + 0.18 * gaussian(rng);
    const p = pts[pts.length - 1]!;
    const speed = 0.4 + rng();
    pts.push({ x: p.x + speed * Math.cos(theta), y: p.y + speed * Math.sin(theta) });
  }
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const span = Math.max(1e-6, Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const k = Math.max(1, extent - 1) / span;
  const scaled = pts.map((p) => ({ x: (p.x - cx) * k, y: (p.y - cy) * k }));
  const size = 2 * Math.ceil(extent / 2) + 3;
  return sparseFromGrid(rasterisePath(scaled, size), size);
}

function discKernel(radius: number) {
  const r = Math.ceil(radius) + 1;
  const size = 2 * r + 1;
  const grid = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) grid[y * size + x] = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(x - r, y - r)));
  return sparseFromGrid(grid, size);
}

/** The median of three values with min/max (no branches). */
const med3 = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

/**
 * 3x3 median per channel (edges replicated). Each column of three is sorted once per row into
 * lo/mid/hi and shared by the three windows that contain it; a window's median is then the median
 * of (max of its los, median of its mids, min of its his) — the last stage of Paeth's 9-value
 * network, which is exact for any three sorted triples. The result is always one of the nine
 * values and the median is unique, so it is the same value a full sort would give: ~2x faster
 * than the whole 19-exchange network per pixel.
 */
export function median3(img: FloatImage): FloatImage {
  const { width: w, height: h, data } = img;
  const rowLen = w * 3;
  const out = new Float32Array(data.length);
  const lo = new Float32Array(rowLen);
  const mid = new Float32Array(rowLen);
  const hi = new Float32Array(rowLen);
  for (let y = 0; y < h; y++) {
    const r0 = Math.max(0, y - 1) * rowLen;
    const r1 = y * rowLen;
    const r2 = Math.min(h - 1, y + 1) * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const a = data[r0 + i]!;
      const b = data[r1 + i]!;
      const c = data[r2 + i]!;
      const mn = Math.min(a, b);
      const mx = Math.max(a, b);
      lo[i] = Math.min(mn, c);
      hi[i] = Math.max(mx, c);
      mid[i] = Math.max(mn, Math.min(mx, c));
    }
    for (let i = 0; i < rowLen; i++) {
      const l = i >= 3 ? i - 3 : i;
      const r = i + 3 < rowLen ? i + 3 : i;
      const maxLo = Math.max(lo[l]!, lo[i]!, lo[r]!);
      const minHi = Math.min(hi[l]!, hi[i]!, hi[r]!);
      out[r1 + i] = med3(maxLo, med3(mid[l]!, mid[i]!, mid[r]!), minHi);
    }
  }
  return { data: out, width: w, height: h };
}

function quantise(img: FloatImage, levels: number, dither: boolean): FloatImage {
  const bayer = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5];
  const step = 255 / (levels - 1);
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    const d = dither ? (bayer[(y & 3) * 4 + (x & 3)]! + 0.5) / 16 - 0.5 : 0;
    for (let c = 0; c < 3; c++) {
      const i = (y * img.width + x) * 3 + c;
      out[i] = Math.min(levels - 1, Math.max(0, Math.round(img.data[i]! / step + d))) * step;
    }
  }
  return { data: out, width: img.width, height: img.height };
}

function pixelate(img: FloatImage, block: number): FloatImage {
  const b = Math.max(2, Math.round(block));
  const small = resizeArea(img, Math.max(1, Math.ceil(img.width / b)), Math.max(1, Math.ceil(img.height / b)));
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    const s = (Math.min(small.height - 1, Math.floor(y / b)) * small.width + Math.min(small.width - 1, Math.floor(x / b))) * 3;
    const o = (y * img.width + x) * 3;
    out[o] = small.data[s]!;
    out[o + 1] = small.data[s + 1]!;
    out[o + 2] = small.data[s + 2]!;
  }
  return { data: out, width: img.width, height: img.height };
}

function areaScale(img: FloatImage) {
  return (img.width * img.height) / (580 * 400);
}

export const DISTORTIONS: readonly DistortionDef[] = [
  // Blurs
  { kind: 'gaussian_blur', family: 'blur', levels: 'σ 0.8, 1.4, 2.2, 3.2, 4.5 px', models: 'missed focus, soft lens, shallow depth of field over the subject', apply: (img, l) => gaussianBlur(img, px(img, at([0.8, 1.4, 2.2, 3.2, 4.5], l))) },
  { kind: 'lens_blur', family: 'blur', levels: 'disc radius 1.5, 2.5, 3.5, 5, 7 px', models: 'defocus through a real aperture (bokeh-shaped blur)', apply: (img, l) => convolveSparse(img, discKernel(px(img, at([1.5, 2.5, 3.5, 5, 7], l)))) },
  { kind: 'motion_blur', family: 'motion', levels: 'straight line 5, 9, 15, 21, 29 px, random angle', models: 'subject or camera moving in a straight line during the exposure', apply: (img, l, rng) => convolveSparse(img, lineKernel(px(img, at([5, 9, 15, 21, 29], l)), rng() * Math.PI)) },
  // Colour
  {
    kind: 'color_diffusion',
    family: 'colour',
    levels: 'chroma (Cb, Cr) Gaussian σ 1.5, 3, 5, 8, 12 px, luma kept',
    models: 'colour bleeding of chroma-subsampled video, cheap sensors and heavy chroma noise reduction',
    apply: (img, l) => {
      const y = toYcc(img);
      const sigma = px(img, at([1.5, 3, 5, 8, 12], l));
      if (sigma <= 0) return fromYcc(y);
      // Only Cb and Cr are blurred (luma is kept): a two-channel plane gives each chroma value exactly
      // what blurring all three channels did, for two thirds of the work.
      const n = img.width * img.height;
      const chroma = new Float32Array(2 * n);
      for (let p = 0; p < n; p++) {
        chroma[2 * p] = y.data[3 * p + 1]!;
        chroma[2 * p + 1] = y.data[3 * p + 2]!;
      }
      const b = separable(chroma, img.width, img.height, 2, gaussianTaps(sigma));
      for (let p = 0; p < n; p++) {
        y.data[3 * p + 1] = b[2 * p]!;
        y.data[3 * p + 2] = b[2 * p + 1]!;
      }
      return fromYcc(y);
    },
  },
  {
    kind: 'color_shift',
    family: 'colour',
    levels: 'green channel shifted 1, 2, 4, 6, 9 px, random direction',
    models: 'chromatic aberration and misregistered colour planes (scans, cheap lenses)',
    apply: (img, l, rng) => {
      const d = px(img, at([1, 2, 4, 6, 9], l));
      const a = rng() * 2 * Math.PI;
      const sx = Math.round(d * Math.cos(a));
      const sy = Math.round(d * Math.sin(a));
      const out = img.data.slice();
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
        const yy = Math.min(img.height - 1, Math.max(0, y + sy));
        const xx = Math.min(img.width - 1, Math.max(0, x + sx));
        out[(y * img.width + x) * 3 + 1] = img.data[(yy * img.width + xx) * 3 + 1]!;
      }
      return { data: out, width: img.width, height: img.height };
    },
  },
  { kind: 'color_quantization', family: 'colour', levels: '8, 6, 5, 4, 3 levels per channel, ordered dithering', models: 'palette (GIF/indexed) conversion with dithering', apply: (img, l) => quantise(img, at([8, 6, 5, 4, 3], l), true) },
  { kind: 'color_saturation_1', family: 'colour', levels: 'chroma × 0.6, 0.45, 0.32, 0.22, 0.15', models: 'washed-out, faded colours (old prints, haze, bad conversions); full greyscale is a benign edit', apply: (img, l) => chromaScale(img, at([0.6, 0.45, 0.32, 0.22, 0.15], l)) },
  { kind: 'color_saturation_2', family: 'colour', levels: 'chroma × 1.6, 2.1, 2.7, 3.4, 4.2', models: 'over-saturation by aggressive editing or wrong colour profiles', apply: (img, l) => chromaScale(img, at([1.6, 2.1, 2.7, 3.4, 4.2], l)) },
  // Compression
  { kind: 'jpeg2000', family: 'compression', levels: 'detail step 12, 24, 40, 64, 100 (5/3 wavelet, 4 levels; approximation)', models: 'wavelet compression: blur and ringing without 8×8 blocks (JPEG 2000, WebP-like smoothing)', apply: (img, l) => jpeg2000Approx(img, at([12, 24, 40, 64, 100], l)) },
  { kind: 'jpeg', family: 'compression', levels: 'quality 30, 20, 12, 7, 4 (IJG tables, 4:2:0)', models: 'heavy JPEG compression: 8×8 blocking, mosquito noise, colour smearing', apply: (img, l) => jpegRoundTrip(img, at([30, 20, 12, 7, 4], l)) },
  // Noise
  { kind: 'white_noise', family: 'noise', levels: 'RGB Gaussian σ 5, 9, 14, 21, 30', models: 'sensor noise at high ISO', apply: (img, l, rng) => addNoise(img, rng, at([5, 9, 14, 21, 30], l)) },
  { kind: 'white_noise_color', family: 'noise', levels: 'YCbCr Gaussian σ luma 2, 4, 6, 9, 13; chroma 3×', models: 'colour (chroma) noise of small sensors', apply: (img, l, rng) => addYccNoise(img, rng, at([2, 4, 6, 9, 13], l), 3 * at([2, 4, 6, 9, 13], l)) },
  {
    kind: 'impulse_noise',
    family: 'noise',
    levels: 'salt-and-pepper on 0.3, 1, 2.5, 5, 10% of pixels',
    models: 'dead/hot pixels, transmission errors, dust specks on scans',
    apply: (img, l, rng) => {
      const p = at([0.003, 0.01, 0.025, 0.05, 0.1], l);
      const out = img.data.slice();
      for (let i = 0; i < out.length; i += 3) {
        if (rng() < p) {
          const v = rng() < 0.5 ? 0 : 255;
          out[i] = out[i + 1] = out[i + 2] = v;
        }
      }
      return { data: out, width: img.width, height: img.height };
    },
  },
  {
    kind: 'multiplicative_noise',
    family: 'noise',
    levels: 'v·(1 + n), n ~ N(0, 0.06, 0.11, 0.17, 0.25, 0.35)',
    models: 'speckle, film grain and photon noise that grows with brightness',
    apply: (img, l, rng) => {
      // The level's sigma looked up once, not per value.
      const s = at([0.06, 0.11, 0.17, 0.25, 0.35], l);
      const d = img.data;
      const out = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i]! * (1 + s * gaussian(rng));
      return { data: out, width: img.width, height: img.height };
    },
  },
  {
    kind: 'denoise',
    family: 'noise',
    levels: 'noise σ 12, 18, 25, 33, 42, then 3×3 median (twice from level 4) and Gaussian σ 0.6–1.5',
    models: 'heavy in-camera noise reduction: waxy, smeared texture with leftover blotches',
    apply: (img, l, rng) => {
      let f = median3(addNoise(img, rng, at([12, 18, 25, 33, 42], l)));
      if (l >= 4) f = median3(f);
      return gaussianBlur(f, px(img, at([0.6, 0.8, 1, 1.2, 1.5], l)));
    },
  },
  // Brightness
  { kind: 'brighten', family: 'brightness', levels: 'v^γ·g: γ 0.6, 0.5, 0.42, 0.35, 0.28; g 1, 1.04, 1.08, 1.12, 1.16 (clipped)', models: 'over-exposure: lifted shadows, blown highlights', apply: (img, l) => tone(img, at([0.6, 0.5, 0.42, 0.35, 0.28], l), at([1, 1.04, 1.08, 1.12, 1.16], l)) },
  {
    kind: 'darken',
    family: 'brightness',
    levels:
      'one of three shapes (from the seed) with the same mid-grey at each level (0.26, 0.19, 0.13, 0.09, 0.06 of white): v^γ·g with γ 1.2, 1.35, 1.5, 1.7, 1.9 and g 0.6, 0.48, 0.38, 0.3, 0.22; a tone curve v^γ, γ 1.94, 2.41, 2.9, 3.44, 4.08 (highlights kept); a gain v·g, g 0.52, 0.38, 0.27, 0.18, 0.12',
    models: 'under-exposure: too little light (a gain), a crushing tone curve that keeps the highlights (a bad curves edit or profile), or both: murky shadows and mid-tones',
    apply: (img, l, rng) => {
      const gamma = at([1.2, 1.35, 1.5, 1.7, 1.9], l);
      const gain = at([0.6, 0.48, 0.38, 0.3, 0.22], l);
      // Every shape maps mid-grey where the combined one does: 0.5^γ·g.
      const mid = Math.pow(0.5, gamma) * gain;
      const shape = Math.floor(rng() * 3);
      if (shape === 1) return tone(img, Math.log(mid) / Math.log(0.5), 1);
      if (shape === 2) return tone(img, 1, mid / 0.5);
      return tone(img, gamma, gain);
    },
  },
  {
    kind: 'mean_shift',
    family: 'brightness',
    levels: '±18, 32, 48, 64, 85 grey levels (sign from the seed)',
    models: 'a flat offset: wrong black level, fogged film, bad levels edit',
    apply: (img, l, rng) => {
      const s = (rng() < 0.5 ? -1 : 1) * at([18, 32, 48, 64, 85], l);
      return mapValues(img, (v) => v + s);
    },
  },
  // Spatial
  {
    kind: 'jitter',
    family: 'spatial',
    levels: 'each pixel from a random neighbour within ±1, 1.5, 2.5, 3.5, 5 px',
    models: 'scan-line jitter, interlacing and transmission errors',
    apply: (img, l, rng) => {
      const r = px(img, at([1, 1.5, 2.5, 3.5, 5], l));
      const out = new Float32Array(img.data.length);
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
        const xx = Math.min(img.width - 1, Math.max(0, Math.round(x + (rng() * 2 - 1) * r)));
        const yy = Math.min(img.height - 1, Math.max(0, Math.round(y + (rng() * 2 - 1) * r)));
        const s = (yy * img.width + xx) * 3;
        const o = (y * img.width + x) * 3;
        out[o] = img.data[s]!;
        out[o + 1] = img.data[s + 1]!;
        out[o + 2] = img.data[s + 2]!;
      }
      return { data: out, width: img.width, height: img.height };
    },
  },
  {
    kind: 'non_eccentricity_patch',
    family: 'spatial',
    levels: '8, 20, 40, 70, 120 patches of 12 px (per 580×400) copied 8–20 px away',
    models: 'local copy errors: bad inpainting, stitching and clone-stamp artefacts',
    apply: (img, l, rng) => {
      const out = img.data.slice();
      const size = Math.max(2, Math.round(px(img, 12)));
      const count = Math.round(at([8, 20, 40, 70, 120], l) * areaScale(img));
      for (let k = 0; k < count; k++) {
        const x0 = Math.floor(rng() * Math.max(1, img.width - size));
        const y0 = Math.floor(rng() * Math.max(1, img.height - size));
        const d = px(img, uniform(rng, 8, 20));
        const a = rng() * 2 * Math.PI;
        const sx = Math.min(Math.max(0, img.width - size), Math.max(0, Math.round(x0 + d * Math.cos(a))));
        const sy = Math.min(Math.max(0, img.height - size), Math.max(0, Math.round(y0 + d * Math.sin(a))));
        for (let y = 0; y < size && y0 + y < img.height; y++) for (let x = 0; x < size && x0 + x < img.width; x++) {
          for (let c = 0; c < 3; c++) out[((y0 + y) * img.width + x0 + x) * 3 + c] = img.data[((sy + y) * img.width + sx + x) * 3 + c]!;
        }
      }
      return { data: out, width: img.width, height: img.height };
    },
  },
  { kind: 'pixelate', family: 'resampling', levels: 'blocks of 2, 3, 5, 7, 10 px', models: 'mosaic / nearest-neighbour enlargement of a small original', apply: (img, l) => pixelate(img, px(img, at([2, 3, 5, 7, 10], l))) },
  { kind: 'quantization', family: 'colour', levels: '16, 10, 7, 5, 3 levels per channel, no dithering', models: 'posterisation and banding (8-bit edits of smooth gradients, low bit depth)', apply: (img, l) => quantise(img, at([16, 10, 7, 5, 3], l), false) },
  {
    kind: 'color_block',
    family: 'spatial',
    levels: '3, 6, 12, 20, 35 blocks of 24 px (per 580×400), random flat colours',
    models: 'corrupted or missing blocks (damaged files, lost packets)',
    apply: (img, l, rng) => {
      const out = img.data.slice();
      const size = Math.max(2, Math.round(px(img, 24)));
      const count = Math.max(1, Math.round(at([3, 6, 12, 20, 35], l) * areaScale(img)));
      for (let k = 0; k < count; k++) {
        const x0 = Math.floor(rng() * Math.max(1, img.width - size));
        const y0 = Math.floor(rng() * Math.max(1, img.height - size));
        const col = [rng() * 255, rng() * 255, rng() * 255];
        for (let y = y0; y < Math.min(img.height, y0 + size); y++) for (let x = x0; x < Math.min(img.width, x0 + size); x++) for (let c = 0; c < 3; c++) out[(y * img.width + x) * 3 + c] = col[c]!;
      }
      return { data: out, width: img.width, height: img.height };
    },
  },
  { kind: 'high_sharpen', family: 'sharpness', levels: 'unsharp mask σ 1.2 px, amount 1.2, 2, 3, 4.5, 6.5', models: 'over-sharpening: halos, crunchy edges, amplified noise', apply: (img, l) => unsharp(img, px(img, 1.2), at([1.2, 2, 3, 4.5, 6.5], l)) },
  {
    kind: 'contrast_change',
    family: 'contrast',
    levels: 'around the mean: × 0.65, 0.5, 0.38, 0.28, 0.2 (or × 1.5, 1.9, 2.4, 3, 3.8, clipped; direction from the seed)',
    models: 'flat, hazy or foggy pictures, or harsh clipped contrast',
    apply: (img, l, rng) => {
      let mean = 0;
      for (let i = 0; i < img.data.length; i++) mean += img.data[i]!;
      mean /= img.data.length;
      const f = rng() < 0.6 ? at([0.65, 0.5, 0.38, 0.28, 0.2], l) : at([1.5, 1.9, 2.4, 3, 3.8], l);
      return mapValues(img, (v) => mean + (v - mean) * f);
    },
  },
  // Beyond KADID
  { kind: 'camera_shake', family: 'motion', levels: 'curved random-walk trajectory spanning 5, 9, 15, 21, 29 px', models: 'hand-held camera shake: curved, uneven blur paths, not straight lines', apply: (img, l, rng) => convolveSparse(img, shakeKernel(px(img, at([5, 9, 15, 21, 29], l)), rng)) },
  {
    kind: 'shake_noise',
    family: 'motion',
    levels: 'camera_shake at the level + RGB noise σ 4, 6, 9, 13, 18',
    models: 'slow hand-held shot in poor light: shake and high-ISO noise together',
    apply: (img, l, rng) => addNoise(convolveSparse(img, shakeKernel(px(img, at([5, 9, 15, 21, 29], l)), rng)), rng, at([4, 6, 9, 13, 18], l)),
  },
  {
    kind: 'dark_noise',
    family: 'brightness',
    levels: 'v^γ·g (γ 1.2–1.9, g 0.55–0.24) then YCbCr noise σ luma 4, 6, 8, 11, 14, chroma 2×',
    models: 'under-exposed high-ISO shot: murky shadows full of colour noise',
    apply: (img, l, rng) => {
      const s = at([4, 6, 8, 11, 14], l);
      return addYccNoise(tone(img, at([1.2, 1.35, 1.5, 1.7, 1.9], l), at([0.55, 0.45, 0.38, 0.3, 0.24], l)), rng, s, 2 * s);
    },
  },
  {
    kind: 'down_up',
    family: 'resampling',
    levels: 'area-shrunk to 1/2, 1/2.6, 1/3.3, 1/4.2, 1/6, then bilinear back to size',
    models: 'a small original (thumbnail) enlarged for publication',
    apply: (img, l) => {
      const f = 1 / at([2, 2.6, 3.3, 4.2, 6], l);
      const small = resizeArea(img, Math.max(1, Math.round(img.width * f)), Math.max(1, Math.round(img.height * f)));
      return resizeBilinear(small, img.width, img.height);
    },
  },
];

export const BENIGN_EDITS: readonly BenignDef[] = [
  {
    kind: 'greyscale',
    params: 'Rec.601 luma to all channels',
    models: 'deliberate black-and-white photos and scans',
    apply: (img) => {
      const out = new Float32Array(img.data.length);
      for (let i = 0; i < out.length; i += 3) out[i] = out[i + 1] = out[i + 2] = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      return { data: out, width: img.width, height: img.height };
    },
  },
  { kind: 'mild_sharpen', params: 'unsharp mask σ 1 px, amount 0.3–0.8', models: 'the usual output sharpening of cameras and editors', apply: (img, rng) => unsharp(img, px(img, 1), uniform(rng, 0.3, 0.8)) },
  { kind: 'jpeg_mild', params: 'JPEG quality 70–90', models: 'ordinary web JPEGs', apply: (img, rng) => jpegRoundTrip(img, Math.round(uniform(rng, 70, 90))) },
  { kind: 'resize', params: 'scale × 0.5–1.5 (area down, bilinear up)', models: 'the same photo published at another size', apply: (img, rng) => resizeBy(img, uniform(rng, 0.5, 1.5)) },
  {
    kind: 'white_balance',
    params: 'R gain 1 ± 0.06–0.12, B gain the opposite way (warm or cool)',
    models: 'white balance chosen for mood or light (tungsten, shade)',
    apply: (img, rng) => {
      const d = (rng() < 0.5 ? -1 : 1) * uniform(rng, 0.06, 0.12);
      return mapValues(img, (v, c) => (c === 0 ? v * (1 + d) : c === 2 ? v * (1 - d) : v));
    },
  },
  { kind: 'low_key', params: 'v^γ·g: γ 1.1–1.3, g 0.85–0.95', models: 'deliberately dark, moody exposure that keeps its highlights', apply: (img, rng) => tone(img, uniform(rng, 1.1, 1.3), uniform(rng, 0.85, 0.95)) },
  { kind: 'high_key', params: 'v^γ: γ 0.75–0.9, gain 1–1.04', models: 'deliberately bright, airy exposure (white backgrounds, specimens)', apply: (img, rng) => tone(img, uniform(rng, 0.75, 0.9), uniform(rng, 1, 1.04)) },
  {
    kind: 'line_art',
    params: 'the strongest 7–16% of luma edges (σ 0.8–1.6 px) as soft black or sepia strokes on white or cream paper',
    models: 'drawings, engravings and plates: not photographs, and not damaged',
    apply: lineArt,
  },
];
