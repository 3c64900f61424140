/**
 * Platt scaling of a head's logit on out-of-fold predictions: p = sigmoid(a·z + b), fitted by
 * Newton's method on Platt's (1999) smoothed targets ((N₊ + 1) / (N₊ + 2) for bad, 1 / (N₋ + 2) for
 * good), which keeps a finite when the out-of-fold logits separate the classes. An over-confident
 * head (logits in the tens: p saturates to exactly 1 in float32, and a threshold cannot cut inside
 * the tie) gets a < 1. It is monotone, so it never changes which rows a threshold can separate,
 * only the scale; folded into the head's last layer, prediction and the ONNX export need nothing new.
 */
import type { TrainedHead } from './types';

export interface Calibration {
  method: 'platt';
  a: number;
  b: number;
  /** Out-of-fold rows it was fitted on. */
  rows: number;
  /** Mean log loss of the out-of-fold predictions before (from the logits) and after. */
  logLossBefore: number;
  logLossAfter: number;
}

const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/** Mean cross-entropy of targets t against sigmoid(a z + b). */
function loss(z: ArrayLike<number>, t: ArrayLike<number>, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const f = a * z[i]! + b;
    s += softplus(f) - t[i]! * f;
  }
  return s / Math.max(1, z.length);
}

/** Platt scaling on logits z with labels y (1 bad, 0 good); null with fewer than 2 rows of each class or an unusable fit. */
export function fitPlatt(z: ArrayLike<number>, y: ArrayLike<number>): Calibration | null {
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < y.length; i++) if (y[i]) pos++;
  else neg++;
  if (pos < 2 || neg < 2 || z.length !== y.length) return null;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const t = Float64Array.from({ length: y.length }, (_, i) => (y[i] ? hi : lo));
  // Start where a·z is of order one: at a = 1 the logits of an over-confident head sit where the
  // sigmoid is flat, and Newton's steps there are useless.
  let mean = 0;
  for (let i = 0; i < z.length; i++) mean += z[i]! / z.length;
  let sd = 0;
  for (let i = 0; i < z.length; i++) sd += (z[i]! - mean) ** 2 / z.length;
  let a = 1 / Math.max(1, Math.sqrt(sd));
  let b = 0;
  let current = loss(z, t, a, b);
  for (let iter = 0; iter < 100; iter++) {
    // Gradient and Hessian of the mean cross-entropy in (a, b), plus a tiny ridge.
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i]!;
      const p = 1 / (1 + Math.exp(-(a * zi + b)));
      const r = p - t[i]!;
      const w = p * (1 - p);
      ga += r * zi;
      gb += r;
      haa += w * zi * zi;
      hab += w * zi;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    // Backtracking line search: the loss never rises.
    let step = 1;
    let next = loss(z, t, a - da, b - db);
    while (next > current && step > 1e-10) {
      step /= 2;
      next = loss(z, t, a - step * da, b - step * db);
    }
    if (next > current) break;
    da *= step;
    db *= step;
    a -= da;
    b -= db;
    const done = current - next < 1e-12;
    current = next;
    if (done) break;
  }
  if (!(a > 0) || !Number.isFinite(b)) return null;
  let before = 0;
  let after = 0;
  for (let i = 0; i < z.length; i++) {
    const yi = y[i] ? 1 : 0;
    before += softplus(z[i]!) - yi * z[i]!;
    const f = a * z[i]! + b;
    after += softplus(f) - yi * f;
  }
  return { method: 'platt', a, b, rows: z.length, logLossBefore: before / z.length, logLossAfter: after / z.length };
}

/** sigmoid(a z + b). */
export function applyCalibration(c: Pick<Calibration, 'a' | 'b'>, z: number): number {
  return 1 / (1 + Math.exp(-(c.a * z + c.b)));
}

/** The head with the calibration folded into its last layer (its logit becomes a·z + b) and recorded. */
export function calibrateHead(head: TrainedHead, c: Calibration): TrainedHead {
  const layers = head.layers.map((l) => ({ ...l, w: [...l.w], b: [...l.b] }));
  const last = layers[layers.length - 1]!;
  last.w = last.w.map((v) => v * c.a);
  last.b = last.b.map((v) => v * c.a + c.b);
  return { ...head, layers, calibration: c };
}
