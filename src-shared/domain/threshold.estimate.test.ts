/**
 * The point-estimate view of thresholds (ThresholdIndex.estimate, clopperPearsonInterval),
 * property-tested with fast-check against brute force, plus the curator-facing promise: more real
 * labels visibly tighten the bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random';
import { clopperPearsonInterval, clopperPearsonUpper, ThresholdIndex } from './threshold';

const scored = fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }).map((v) => v / 50), fc.boolean()), { minLength: 1, maxLength: 120 });

describe('ThresholdIndex.estimate', () => {
  it('is the lowest distinct score with observed error ≤ target and ≥ minFlagged flagged (brute force)', () => {
    fc.assert(
      fc.property(scored, fc.constantFrom(0, 0.05, 0.2), fc.integer({ min: 1, max: 15 }), (rows, target, minFlagged) => {
        const idx = new ThresholdIndex(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
        );
        const got = idx.estimate({ targetError: target, minFlagged });
        const ok = [...new Set(rows.map((r) => r[0]))]
          .sort((a, b) => a - b)
          .filter((t) => {
            const flagged = rows.filter((r) => r[0] >= t);
            const fp = flagged.filter((r) => !r[1]).length;
            return flagged.length >= minFlagged && fp <= target * flagged.length + 1e-9;
          });
        if (!ok.length) return got === null;
        return got !== null && got.threshold === ok[0] && got.error <= target + 1e-9 && got.flagged >= minFlagged;
      }),
    );
  });

  it('is never above the proven recommendation, and its error bar contains the observed error', () => {
    fc.assert(
      fc.property(scored, (rows) => {
        const idx = new ThresholdIndex(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
        );
        const proven = idx.recommend({ targetError: 0.05 });
        const est = idx.estimate({ targetError: 0.05, minFlagged: 1 });
        if (proven) {
          expect(est).not.toBeNull();
          expect(est!.threshold).toBeLessThanOrEqual(proven.threshold);
        }
        if (est) {
          expect(est.errorInterval[0]).toBeLessThanOrEqual(est.error + 1e-12);
          expect(est.errorInterval[1]).toBeGreaterThanOrEqual(est.error - 1e-12);
          expect(est.errorInterval[1]).toBeGreaterThanOrEqual(est.error_upper - 1e-12); // two-sided 97.5% ≥ one-sided 95%
        }
      }),
    );
  });

  it('needs labels', () => {
    expect(() => new ThresholdIndex([0.1, 0.9]).estimate()).toThrow(/needs labels/);
  });
});

describe('clopperPearsonInterval', () => {
  it('brackets k/n, widens with confidence, and matches the one-sided bound at the half tail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, share) => {
        const k = Math.round(share * n);
        const [lo, hi] = clopperPearsonInterval(k, n);
        const [lo99, hi99] = clopperPearsonInterval(k, n, 0.99);
        expect(lo).toBeLessThanOrEqual(k / n + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(k / n - 1e-12);
        expect(lo99).toBeLessThanOrEqual(lo + 1e-12);
        expect(hi99).toBeGreaterThanOrEqual(hi - 1e-12);
        if (k < n) expect(hi).toBeCloseTo(clopperPearsonUpper(k, n, 0.975), 9);
      }),
    );
  });

  it('more real labels tighten the bound: the same 3% error rate on 10× the labels has a far narrower bar', () => {
    const widths = [100, 1000, 10000].map((n) => {
      const [lo, hi] = clopperPearsonInterval(Math.round(0.03 * n), n);
      return hi - lo;
    });
    expect(widths[1]!).toBeLessThan(widths[0]! / 2.5);
    expect(widths[2]!).toBeLessThan(widths[1]! / 2.5);
  });

  it('more labelled predictions from the same model tighten the proven threshold and its bound', () => {
    // One calibrated model: p(bad) ~ U(0,1), label bad with probability p. A bigger labelled set
    // proves 5% error at a lower threshold (more coverage) with a lower upper bound at a fixed cut.
    const sample = (n: number, seed: number) => {
      const rng = mulberry32(seed);
      const s: number[] = [];
      const y: boolean[] = [];
      for (let i = 0; i < n; i++) {
        const p = rng();
        s.push(p);
        y.push(rng() < p);
      }
      return new ThresholdIndex(s, y);
    };
    const small = sample(300, 1);
    const large = sample(6000, 1);
    const cut = 0.9;
    expect(large.at(cut).error_upper!).toBeLessThan(small.at(cut).error_upper!);
    const ps = small.recommend({ targetError: 0.05 });
    const pl = large.recommend({ targetError: 0.05 });
    expect(pl).not.toBeNull();
    if (ps) expect(pl!.coverage).toBeGreaterThan(ps.coverage);
    expect(() => clopperPearsonInterval(3, 2)).toThrow(RangeError);
  });
});
