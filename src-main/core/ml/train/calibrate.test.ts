/**
 * Platt scaling: recovers the slope and offset that generated the labels, tames over-confident
 * logits (the saturated float32 p = 1 ties come apart), never reorders rows, and folded into a head
 * gives exactly sigmoid(a·z + b) of the head's own logit.
 */
import { describe, expect, it } from 'vitest';
import { applyCalibration, calibrateHead, fitPlatt } from './calibrate';
import { headLogitsJs, predictHeadJs } from './predict';
import { createRng } from './rng';
import type { TrainedHead } from './types';

describe('fitPlatt', () => {
  it('recovers the slope and offset of labels drawn from sigmoid(a z + b)', () => {
    const rand = createRng(4);
    const n = 20000;
    const z = Float64Array.from({ length: n }, () => (rand() - 0.5) * 40);
    // Labels from sigmoid(0.25 z - 1): a head whose logits are 4x too confident and biased.
    const y = Uint8Array.from(z, (v) => (rand() < 1 / (1 + Math.exp(-(0.25 * v - 1))) ? 1 : 0));
    const c = fitPlatt(z, y)!;
    expect(c.a).toBeGreaterThan(0.22);
    expect(c.a).toBeLessThan(0.28);
    expect(c.b).toBeGreaterThan(-1.2);
    expect(c.b).toBeLessThan(-0.8);
    expect(c.logLossAfter).toBeLessThan(c.logLossBefore);
    expect(c.rows).toBe(n);
  });

  it('stays finite on separable logits and pulls saturated p apart without reordering', () => {
    // Over-confident out-of-fold logits: every bad > 20, every good < 20 but some goods at 25.
    const z = Float64Array.from([30, 40, 55, 25, 22, 60, 80, -30, -25, 25, -40, 5]);
    const y = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const c = fitPlatt(z, y)!;
    expect(Number.isFinite(c.a) && c.a > 0 && c.a < 1).toBe(true);
    const raw = Array.from(z, (v) => Math.fround(1 / (1 + Math.exp(-v))));
    const cal = Array.from(z, (v) => Math.fround(applyCalibration(c, v)));
    // In float32 the raw p of every logit ≥ 22 is exactly 1; calibrated, they differ.
    expect(new Set(raw.filter((p) => p === 1)).size).toBe(1);
    expect(raw.filter((p) => p === 1).length).toBeGreaterThanOrEqual(6);
    expect(new Set(cal.filter((_, i) => z[i]! >= 22)).size).toBe(z.filter((v) => v >= 22).length - 1);
    // Monotone: the order of the rows is the order of their logits.
    const order = (v: number[]) => [...v.keys()].sort((i, j) => v[i]! - v[j]! || i - j);
    expect(order(cal)).toEqual(order(Array.from(z)));
  });

  it('returns null without two rows of each class', () => {
    expect(fitPlatt([1, 2, 3], [1, 1, 0])).toBeNull();
  });
});

describe('calibrateHead', () => {
  it('folded into the last layer, the head predicts sigmoid(a·z + b) of its own logit (linear and MLP)', () => {
    const rand = createRng(9);
    const d = 5;
    const h = 4;
    const base = { mean: [0.1, 0, 0, 0.2, 0], std: [1, 2, 1, 1, 0.5], columnScale: null, backend: 'js', params: { hidden: 0, dropout: 0, l2: 0, learningRate: 0.01, epochs: 1, batchSize: 1, classWeighting: false, seed: 1 }, history: [], seconds: 0 };
    const r = (k: number) => Array.from({ length: k }, () => rand() * 4 - 2);
    const heads: TrainedHead[] = [
      { ...base, kind: 'linear', d, hidden: 0, layers: [{ w: r(d), shape: [d, 1], b: [0.3] }] },
      { ...base, kind: 'mlp', d, hidden: h, layers: [{ w: r(d * h), shape: [d, h], b: r(h) }, { w: r(h), shape: [h, 1], b: [-0.2] }] },
    ];
    const m = { x: Float32Array.from(r(7 * d)), n: 7, d };
    const c = { method: 'platt' as const, a: 0.3, b: -0.7, rows: 10, logLossBefore: 1, logLossAfter: 0.5 };
    for (const head of heads) {
      const z = headLogitsJs(head, m);
      const cal = calibrateHead(head, c);
      expect(cal.calibration).toEqual(c);
      const zc = headLogitsJs(cal, m);
      z.forEach((v, i) => expect(zc[i]!).toBeCloseTo(0.3 * v - 0.7, 10));
      const p = predictHeadJs(cal, m);
      z.forEach((v, i) => expect(p[i]!).toBeCloseTo(applyCalibration(c, v), 6));
      // The original head is untouched.
      expect(Array.from(headLogitsJs(head, m))).toEqual(Array.from(z));
    }
  });
});
