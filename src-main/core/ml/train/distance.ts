/**
 * A NIQE-style "distance from good" block (Mittal, Soundararajan & Bovik 2013: a picture's quality
 * is how far its natural-scene statistics lie from those of pristine pictures), fitted at training
 * time on the run's own good-labelled real training rows and stored with the head as plain JSON.
 *
 * For the quality-signals block of a feature row (`start`, `width` columns) it appends:
 *  - |z_j| for every signal j, clipped at `clip` (unless perSignal is false): z_j = (x_j − median_j) / scale_j, with the median
 *    and a floored robust scale (1.4826·MAD, at least half the standard deviation) of the good
 *    training rows. "Too dark" and "too bright", "too small" and "too noisy" all point the same way
 *    here, so a head that learns "far from good → bad" from the kinds it sees can apply it to kinds
 *    it never saw;
 *  - per signal group (sharpness, noise, exposure, BRISQUE scale 1, …): the mean and the maximum
 *    of the clipped |z| of its signals;
 *  - overall: the mean and maximum clipped |z|, and log1p(d² / width) where d² is the Mahalanobis
 *    distance of the clipped z under a Ledoit–Wolf shrunk covariance of the good rows' clipped z.
 *
 * Everything is plain arithmetic (Sub, Div, Abs, Clip, MatMul, ReduceMean/Max, Log), so the ONNX
 * export computes it in the graph from the `signals` input (export/model.ts).
 */
import { QcError } from '../../../../src-shared/contract/errors';
import type { Matrix } from './types';

export const DISTANCE_VERSION = 'niqe-distance/1';

export interface DistanceGroup {
  name: string;
  /** Column indices inside the block (0..width). */
  columns: number[];
}

export interface DistanceBlock {
  version: typeof DISTANCE_VERSION;
  /** The block the statistics describe: columns start..start + width of the input row. */
  start: number;
  width: number;
  /** Per-column median and floored robust scale of the good rows it was fitted on. */
  center: number[];
  scale: number[];
  /** |z| is clipped at this many scales. */
  clip: number;
  groups: DistanceGroup[];
  /** width × width row-major: the clipped z (a row vector) times this is whitened (L⁻ᵀ of the shrunk covariance's Cholesky factor L). */
  whiten: number[];
  /** Ledoit–Wolf shrinkage intensity towards a scaled identity (0..1). */
  shrinkage: number;
  /** How many good rows it was fitted on. */
  fitRows: number;
  /** false: only the group and overall columns are appended, not each signal's |z|. Absent = true. */
  perSignal?: boolean;
}

export interface DistanceSpec {
  start: number;
  width: number;
  groups?: DistanceGroup[];
  clip?: number;
  /** Append each signal's |z| (default true) or only the group and overall columns. */
  perSignal?: boolean;
}

export const DEFAULT_CLIP = 8;
/** Robust scale = max(1.4826·MAD, SCALE_STD_FLOOR·std, ABS_FLOOR·(1 + |median|)). */
const SCALE_STD_FLOOR = 0.5;
const ABS_FLOOR = 1e-3;
/** A fit needs at least this many good rows. */
export const MIN_FIT_ROWS = 5;

/** Columns the block appends: |z| per signal, mean and max per group, overall mean, max and Mahalanobis. */
export function distanceColumns(b: Pick<DistanceBlock, 'width' | 'groups' | 'perSignal'>): number {
  return (b.perSignal === false ? 0 : b.width) + 2 * b.groups.length + 3;
}

/** Names of the appended columns, in order. */
export function distanceColumnNames(b: Pick<DistanceBlock, 'width' | 'groups' | 'perSignal'>, signalNames?: readonly string[]): string[] {
  const names: string[] = [];
  if (b.perSignal !== false) for (let j = 0; j < b.width; j++) names.push(`absz_${signalNames?.[j] ?? j}`);
  for (const g of b.groups) names.push(`mean_absz_${g.name}`, `max_absz_${g.name}`);
  names.push('mean_absz', 'max_absz', 'log1p_mahalanobis');
  return names;
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function checkSpec(spec: DistanceSpec, d: number): void {
  const { start, width } = spec;
  if (!Number.isInteger(start) || !Number.isInteger(width) || start < 0 || width < 1 || start + width > d) {
    throw new QcError('bad_input', `distance block: columns ${start}..${start + width} do not fit rows of ${d} columns`);
  }
  for (const g of spec.groups ?? []) {
    if (!g.columns.length) throw new QcError('bad_input', `distance block: group ${g.name} has no columns`);
    for (const c of g.columns) if (!Number.isInteger(c) || c < 0 || c >= width) throw new QcError('bad_input', `distance block: group ${g.name} names column ${c} outside 0..${width - 1}`);
  }
}

/**
 * Fit the block's statistics on the rows `rows` of m (the caller passes good, real training rows
 * only: never validation, test, unlabelled or synthetic ones).
 */
export function fitDistance(m: Matrix, rows: ArrayLike<number>, spec: DistanceSpec): DistanceBlock {
  checkSpec(spec, m.d);
  const { start, width } = spec;
  const n = rows.length;
  if (n < MIN_FIT_ROWS) throw new QcError('bad_input', `distance block: ${n} good training rows to fit on (needs ${MIN_FIT_ROWS})`);
  const clip = spec.clip ?? DEFAULT_CLIP;
  const center = new Array<number>(width);
  const scale = new Array<number>(width);
  const col = new Float64Array(n);
  const dev = new Float64Array(n);
  for (let j = 0; j < width; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += col[i] = m.x[rows[i]! * m.d + start + j]!;
    const c = median(col);
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      dev[i] = Math.abs(col[i]! - c);
      ss += (col[i]! - mean) ** 2;
    }
    const std = Math.sqrt(ss / n);
    center[j] = c;
    scale[j] = Math.max(1.4826 * median(dev), SCALE_STD_FLOOR * std, ABS_FLOOR * (1 + Math.abs(c)));
  }
  // Clipped z of the fit rows, then a Ledoit–Wolf shrunk covariance (around their mean).
  const z = new Float64Array(n * width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) z[i * width + j] = clipZ(m.x[rows[i]! * m.d + start + j]!, center[j]!, scale[j]!, clip);
  const mu = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mu[j] = mu[j]! + z[i * width + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) z[i * width + j] = z[i * width + j]! - mu[j]!;
  const { cov, shrinkage } = ledoitWolf(z, n, width);
  const whiten = inverseCholeskyT(cov, width);
  return {
    version: DISTANCE_VERSION,
    start,
    width,
    center,
    scale,
    clip,
    groups: (spec.groups ?? []).map((g) => ({ name: g.name, columns: [...g.columns] })),
    whiten: Array.from(whiten),
    shrinkage,
    fitRows: n,
    ...(spec.perSignal === false && { perSignal: false }),
  };
}

function clipZ(x: number, c: number, s: number, clip: number): number {
  const v = (x - c) / s;
  return v > clip ? clip : v < -clip ? -clip : v;
}

/**
 * Ledoit & Wolf (2004): S shrunk towards μ·I with the intensity that minimises the expected
 * Frobenius loss, from centred rows z (n × p).
 */
export function ledoitWolf(z: Float64Array, n: number, p: number): { cov: Float64Array; shrinkage: number } {
  const s = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    for (let a = 0; a < p; a++) {
      const za = z[o + a]!;
      if (za === 0) continue;
      for (let b = a; b < p; b++) s[a * p + b] = s[a * p + b]! + za * z[o + b]!;
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      const v = s[a * p + b]! / n;
      s[a * p + b] = v;
      s[b * p + a] = v;
    }
  }
  let trace = 0;
  for (let a = 0; a < p; a++) trace += s[a * p + a]!;
  const mu = trace / p;
  let delta2 = 0;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) delta2 += (s[a * p + b]! - (a === b ? mu : 0)) ** 2;
  // beta2 = (1/n²) Σ_k ||z_k z_kᵀ − S||²_F = (1/n²) Σ_k (||z_k||⁴ − 2 z_kᵀ S z_k) + ||S||²_F / n.
  let sNorm = 0;
  for (let q = 0; q < p * p; q++) sNorm += s[q]! ** 2;
  let acc = 0;
  const sz = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    let norm2 = 0;
    for (let a = 0; a < p; a++) norm2 += z[o + a]! ** 2;
    let quad = 0;
    for (let a = 0; a < p; a++) {
      let t = 0;
      for (let b = 0; b < p; b++) t += s[a * p + b]! * z[o + b]!;
      sz[a] = t;
      quad += z[o + a]! * t;
    }
    acc += norm2 * norm2 - 2 * quad;
  }
  const beta2 = Math.min(delta2, Math.max(0, acc / (n * n) + sNorm / n));
  const shrinkage = delta2 > 0 ? beta2 / delta2 : 1;
  const floor = Math.max(mu, 1e-6) * 1e-6;
  const cov = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) cov[a * p + b] = (1 - shrinkage) * s[a * p + b]! + (a === b ? shrinkage * Math.max(mu, 1e-6) + floor : 0);
  return { cov, shrinkage };
}

/** W = L⁻ᵀ for the Cholesky factor L of the symmetric positive-definite c (p × p): ||v·W||² = vᵀ c⁻¹ v. */
function inverseCholeskyT(c: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      if (i === j) L[i * p + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * p + j] = s / L[j * p + j]!;
    }
  }
  // Inverse of the lower-triangular L by forward substitution, column by column.
  const inv = new Float64Array(p * p);
  for (let col = 0; col < p; col++) {
    for (let i = col; i < p; i++) {
      let s = i === col ? 1 : 0;
      for (let k = col; k < i; k++) s -= L[i * p + k]! * inv[k * p + col]!;
      inv[i * p + col] = s / L[i * p + i]!;
    }
  }
  // W = (L⁻¹)ᵀ.
  const w = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) w[i * p + j] = inv[j * p + i]!;
  return w;
}

/** Check a block read back from JSON against the rows it will be applied to. */
export function checkDistance(b: DistanceBlock, d: number): void {
  const bad = (msg: string) => new QcError('bad_input', `distance block: ${msg}`);
  if (b.version !== DISTANCE_VERSION) throw bad(`unknown version ${String(b.version)}`);
  checkSpec(b, d);
  if (b.center.length !== b.width || b.scale.length !== b.width) throw bad('center/scale do not match its width');
  if (b.whiten.length !== b.width * b.width) throw bad('the whitening matrix does not match its width');
  if (!b.scale.every((s) => s > 0)) throw bad('a scale is not positive');
}

/**
 * The appended columns of one row (`x` from offset `o`) into out[oo ..): see the file comment.
 * `z` is scratch of length width (left holding the clipped z).
 */
export function distanceRow(b: DistanceBlock, x: ArrayLike<number>, o: number, out: Float32Array | Float64Array, oo: number, z = new Float64Array(b.width)): void {
  const { width, clip } = b;
  const perSignal = b.perSignal !== false;
  let sum = 0;
  let max = 0;
  for (let j = 0; j < width; j++) {
    const v = clipZ(x[o + b.start + j]!, b.center[j]!, b.scale[j]!, clip);
    z[j] = v;
    const a = Math.abs(v);
    if (perSignal) out[oo + j] = a;
    sum += a;
    if (a > max) max = a;
  }
  let k = oo + (perSignal ? width : 0);
  for (const g of b.groups) {
    let gs = 0;
    let gm = 0;
    for (const c of g.columns) {
      const a = Math.abs(z[c]!);
      gs += a;
      if (a > gm) gm = a;
    }
    out[k++] = gs / g.columns.length;
    out[k++] = gm;
  }
  out[k++] = sum / width;
  out[k++] = max;
  let d2 = 0;
  const w = b.whiten;
  for (let c = 0; c < width; c++) {
    let t = 0;
    for (let r = 0; r < width; r++) t += z[r]! * w[r * width + c]!;
    d2 += t * t;
  }
  out[k] = Math.log1p(d2 / width);
}

/** m with the block's columns appended to every row (d + distanceColumns(b) columns). */
export function withDistance(b: DistanceBlock, m: Matrix): Matrix {
  checkDistance(b, m.d);
  const extra = distanceColumns(b);
  const d2 = m.d + extra;
  const x = new Float32Array(m.n * d2);
  const z = new Float64Array(b.width);
  for (let i = 0; i < m.n; i++) {
    x.set(m.x.subarray(i * m.d, (i + 1) * m.d), i * d2);
    distanceRow(b, m.x, i * m.d, x, i * d2 + m.d, z);
  }
  return { x, n: m.n, d: d2 };
}
