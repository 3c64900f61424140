import { describe, expect, it } from 'vitest';
import { brierScore, confusion, histograms, logLoss, rocAuc, type BinaryLabel } from './metrics';
import { mulberry32 } from './random';


// A hand-checked case. At 0.5 (p ≥ 0.5 is bad):
//   i:    0    1    2    3    4    5    6    7
//   y:    1    1    1    0    0    0    0    1
//   p:   .9   .6   .4   .5   .2   .1   .7   .5
//   →    TP   TP   FN   FP   TN   TN   FP   TP      tp 3, fp 2, tn 2, fn 1
const Y: BinaryLabel[] = [1, 1, 1, 0, 0, 0, 0, 1];
const P = [0.9, 0.6, 0.4, 0.5, 0.2, 0.1, 0.7, 0.5];

describe('confusion', () => {
  it('counts a hand-checked case, scores equal to the threshold predicted bad', () => {
    const c = confusion(Y, P);
    expect(c).toMatchObject({ tp: 3, fp: 2, tn: 2, fn: 1, n: 8, accuracy: 5 / 8 });
    // bad: precision 3/5, recall 3/4, F1 2·0.6·0.75/1.35 = 2/3.
    expect(c.perClass.bad.precision).toBeCloseTo(0.6, 12);
    expect(c.perClass.bad.recall).toBeCloseTo(0.75, 12);
    expect(c.perClass.bad.f1).toBeCloseTo(2 / 3, 12);
    expect(c.perClass.bad.support).toBe(4);
    // good: precision 2/3 (tn / predicted good), recall 2/4, F1 = 2·(2/3)·(1/2)/(7/6) = 4/7.
    expect(c.perClass.good.precision).toBeCloseTo(2 / 3, 12);
    expect(c.perClass.good.recall).toBeCloseTo(0.5, 12);
    expect(c.perClass.good.f1).toBeCloseTo(4 / 7, 12);
    expect(c.perClass.good.support).toBe(4);
  });

  it('moves with the threshold', () => {
    expect(confusion(Y, P, 0.55)).toMatchObject({ tp: 2, fp: 1, tn: 3, fn: 2 });
    expect(confusion(Y, P, 0)).toMatchObject({ tp: 4, fp: 4, tn: 0, fn: 0 });
    expect(confusion(Y, P, 1.01)).toMatchObject({ tp: 0, fp: 0, tn: 4, fn: 4 });
  });

  it('gives 0 for undefined per-class ratios and NaN accuracy when empty', () => {
    const allGood = confusion([0, 0], [0.1, 0.2]);
    expect(allGood.perClass.bad).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(allGood.perClass.good).toEqual({ precision: 1, recall: 1, f1: 1, support: 2 });
    expect(confusion([], []).accuracy).toBeNaN();
  });

  it('rejects bad input', () => {
    expect(() => confusion([1, 0], [0.5])).toThrow(/2 labels but 1 predictions/);
    expect(() => confusion([1, 2 as BinaryLabel], [0.5, 0.5])).toThrow(/index 1 is 2/);
    expect(() => confusion([1], [NaN])).toThrow(/NaN/);
  });
});

describe('rocAuc', () => {
  function brutePairs(y: BinaryLabel[], s: number[]): number {
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 1) continue;
      for (let j = 0; j < y.length; j++) {
        if (y[j] !== 0) continue;
        pairs++;
        if (s[i]! > s[j]!) wins += 1;
        else if (s[i] === s[j]) wins += 0.5;
      }
    }
    return pairs === 0 ? NaN : wins / pairs;
  }

  it('matches brute-force pair counting on 300 seeded random sets with ties', () => {
    const rng = mulberry32(42);
    let defined = 0;
    for (let c = 0; c < 300; c++) {
      const n = Math.floor(rng() * 200);
      const grid = [0, 2, 10, 100][c % 4]!; // 0 = continuous scores, else that many levels (ties)
      const bias = rng();
      const y: BinaryLabel[] = [];
      const s: number[] = [];
      for (let i = 0; i < n; i++) {
        const label: BinaryLabel = rng() < bias ? 1 : 0;
        const raw = Math.min(1, Math.max(0, rng() * 0.8 + (label ? 0.2 * rng() : 0)));
        y.push(label);
        s.push(grid ? Math.round(raw * grid) / grid : raw);
      }
      const expected = brutePairs(y, s);
      const actual = rocAuc(y, s);
      if (Number.isNaN(expected)) expect(actual).toBeNaN();
      else {
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12);
        defined++;
      }
    }
    expect(defined).toBeGreaterThan(200);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 1/2 when all tied, NaN with one class', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });

  it('rejects NaN scores', () => {
    expect(() => rocAuc([1, 0], [0.3, NaN])).toThrow(/index 1 is NaN/);
  });
});

describe('histograms', () => {
  it('bins the probability of the predicted class, right and wrong apart', () => {
    const h = histograms(Y, P, 4);
    expect(h.bad.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Predicted bad: p = .9 (right), .6 (right), .5 (wrong), .7 (wrong), .5 (right).
    expect(h.bad.truePred).toEqual([0, 0, 2, 1]);
    expect(h.bad.falsePred).toEqual([0, 0, 2, 0]);
    // Predicted good, probability 1 − p: .6 (wrong, y=1), .8 (right), .9 (right).
    expect(h.good.truePred).toEqual([0, 0, 0, 2]);
    expect(h.good.falsePred).toEqual([0, 0, 1, 0]);
  });

  it('puts probability 1 in the last bin and sums to n on random data', () => {
    expect(histograms([1], [1], 10).bad.truePred[9]).toBe(1);
    expect(histograms([0], [0], 10).good.truePred[9]).toBe(1);
    const rng = mulberry32(9);
    for (let c = 0; c < 50; c++) {
      const n = Math.floor(rng() * 500);
      const y = Array.from({ length: n }, () => (rng() < 0.4 ? 1 : 0) as BinaryLabel);
      const p = Array.from({ length: n }, () => (rng() < 0.1 ? Math.round(rng()) : rng()));
      const bins = 1 + Math.floor(rng() * 30);
      const h = histograms(y, p, bins, rng());
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(h.bad.truePred) + sum(h.bad.falsePred) + sum(h.good.truePred) + sum(h.good.falsePred)).toBe(n);
      expect(h.bad.truePred).toHaveLength(bins);
      expect(h.good.edges).toHaveLength(bins + 1);
    }
  });

  it('rejects probabilities outside 0..1 and bad bin counts', () => {
    expect(() => histograms([1], [1.2])).toThrow(/outside 0..1/);
    expect(() => histograms([1], [0.2], 0)).toThrow(RangeError);
  });
});

describe('logLoss and brierScore', () => {
  it('match hand-computed values', () => {
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 14);
    expect(brierScore([1, 0], [0.8, 0.3])).toBeCloseTo((0.04 + 0.09) / 2, 14);
    expect(brierScore([1, 0], [1, 0])).toBe(0);
  });

  it('clips certain mistakes instead of returning Infinity', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6);
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-15), 1);
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true);
  });

  it('are NaN when empty and reject bad input', () => {
    expect(logLoss([], [])).toBeNaN();
    expect(brierScore([], [])).toBeNaN();
    expect(() => brierScore([1], [-0.1])).toThrow(/outside 0..1/);
    expect(() => logLoss([1, 0], [0.5])).toThrow(RangeError);
  });
});
