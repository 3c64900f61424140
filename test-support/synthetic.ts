/**
 * Seeded synthetic data sets for the head's tests and benchmark: rows are noisy linear mixtures of a
 * few Gaussian latent factors (like embeddings, where a few directions carry the signal spread over
 * many correlated columns), and the label is a function of the factors.
 */
import { createRng } from '../src-main/core/ml/train/rng';
import type { LabelledMatrix } from '../src-main/core/ml/train/types';

export interface SyntheticOptions {
  n: number;
  d: number;
  seed: number;
  /** Number of latent factors (>= 3). Default 8. */
  latent?: number;
  /** Standard deviation of the per-column noise added to the mixture. Default 1. */
  noise?: number;
  /**
   * 'linear': bad when z0 + 0.5 z1 > t (separable up to noise);
   * 'xor': bad when z0 · z1 > 0 (no linear signal at all);
   * 'mixed': bad when z0 + 1.5 z1 z2 > t (part linear, part interaction).
   */
  rule?: 'linear' | 'xor' | 'mixed';
  /** Share of labels flipped at random after the rule. Default 0. */
  labelNoise?: number;
  /** Rough share of bad rows for 'linear' and 'mixed' (sets t). Default 0.5. */
  badShare?: number;
  /** Redraw the factors of a row while its rule score lies within this distance of the threshold (a separable set). Default 0. */
  margin?: number;
}

export interface SyntheticSet extends LabelledMatrix {
  /** The label the rule gave before labelNoise flipped some. */
  clean: Uint8Array;
  /** 1 where labelNoise flipped the label. */
  flipped: Uint8Array;
}

/** Standard normal draws from a uniform generator (Box–Muller). */
function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const dd = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
  const poly = (k: number[], t: number) => k.reduce((s, v) => s * t + v, 0);
  if (q < 0.02425) {
    const t = Math.sqrt(-2 * Math.log(q));
    return poly(c, t) / (poly(dd, t) * t + 1);
  }
  if (q > 1 - 0.02425) {
    const t = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, t) / (poly(dd, t) * t + 1);
  }
  const t = q - 0.5;
  const r = t * t;
  return (poly(a, r) * t) / (poly(b, r) * r + 1);
}

export function makeSynthetic(o: SyntheticOptions): SyntheticSet {
  const { n, d, seed } = o;
  const k = Math.max(3, o.latent ?? 8);
  const noise = o.noise ?? 1;
  const rule = o.rule ?? 'linear';
  const rand = createRng(seed);
  const randn = gaussian(rand);
  // Mixing matrix k x d, each column scaled so the latent part has unit variance.
  const A = new Float32Array(k * d);
  for (let i = 0; i < A.length; i++) A[i] = randn() / Math.sqrt(k);
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n);
  const clean = new Uint8Array(n);
  const flipped = new Uint8Array(n);
  const z = new Float64Array(k);
  const badShare = o.badShare ?? 0.5;
  // Thresholds for the requested share of bad rows: z0 + 0.5 z1 ~ N(0, 1.25).
  const tLinear = Math.sqrt(1.25) * probit(1 - badShare);
  const tMixed = probit(1 - badShare) * Math.sqrt(1 + 2.25) * 0.9;
  const margin = o.margin ?? 0;
  const score = (): number => {
    const z0 = z[0]!;
    const z1 = z[1]!;
    return rule === 'xor' ? z0 * z1 : rule === 'mixed' ? z0 + 1.5 * z1 * z[2]! - tMixed : z0 + 0.5 * z1 - tLinear;
  };
  for (let i = 0; i < n; i++) {
    do {
      for (let f = 0; f < k; f++) z[f] = randn();
    } while (Math.abs(score()) < margin);
    const o0 = i * d;
    for (let j = 0; j < d; j++) {
      let v = noise * randn();
      for (let f = 0; f < k; f++) v += z[f]! * A[f * d + j]!;
      x[o0 + j] = v;
    }
    clean[i] = score() > 0 ? 1 : 0;
    const flip = (o.labelNoise ?? 0) > 0 && rand() < (o.labelNoise ?? 0);
    flipped[i] = flip ? 1 : 0;
    y[i] = flip ? 1 - clean[i]! : clean[i]!;
  }
  return { x, n, d, y, clean, flipped };
}
