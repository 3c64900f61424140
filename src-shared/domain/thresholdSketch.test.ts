import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random';
import { ThresholdIndex } from './threshold';
import { onGrid, SKETCH_BINS, sketchBin, sketchGrid, sketchOf, ThresholdSketch } from './thresholdSketch';

/** Scores like a trained head's: most bad images within 0.001 of 1, many of them exactly 1 (float32). */
function headScores(n: number, seed: number): { p: number[]; bad: boolean[] } {
  const rnd = mulberry32(seed);
  const p: number[] = [];
  const bad: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const isBad = rnd() < 0.5;
    const z = isBad ? 6 + rnd() * 14 : -8 + rnd() * 12;
    p.push(Math.fround(1 / (1 + Math.exp(-z))));
    bad.push(isBad);
  }
  return { p, bad };
}

describe('the slider grid (log-odds)', () => {
  it('runs from 0 to 1, strictly rising, with p = 0.5 on it and fine steps near 1', () => {
    const e = sketchGrid();
    expect(e).toHaveLength(SKETCH_BINS + 1);
    expect(e[0]).toBe(0);
    expect(e[SKETCH_BINS]).toBe(1);
    for (let k = 1; k < e.length; k++) expect(e[k]!).toBeGreaterThan(e[k - 1]!);
    expect(onGrid(0.5, e)).toBe(true);
    // Above p = 0.999 there are hundreds of steps (a grid of 0.001 had one).
    expect(e.filter((t) => t > 0.999 && t < 1).length).toBeGreaterThan(300);
    // Every step changes the odds by the same factor.
    const odds = (p: number) => p / (1 - p);
    expect(odds(e[501]!) / odds(e[500]!)).toBeCloseTo(odds(e[901]!) / odds(e[900]!), 9);
  });

  it('bins each score where `p >= edge` puts it, ties on an edge included', () => {
    const e = sketchGrid();
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), fc.integer({ min: 0, max: SKETCH_BINS }).map((k) => e[k]!)), (s) => {
        const k = sketchBin(s, e);
        if (s >= 1) expect(k).toBe(SKETCH_BINS);
        else if (k > 0) expect(s).toBeGreaterThanOrEqual(e[k]!);
        if (k < SKETCH_BINS) expect(s).toBeLessThan(e[k + 1]!);
      }),
    );
    expect(sketchBin(Number.NaN, e)).toBe(0);
  });
});

describe('ThresholdSketch on a head whose scores crowd near 1', () => {
  const { p, bad } = headScores(3000, 7);
  const held = p.filter((_, i) => i % 3 === 0);
  const heldBad = bad.filter((_, i) => i % 3 === 0);
  const offGridT = 0.9999842643737793;
  const sketch = new ThresholdSketch(sketchOf(p, { p_bad: held, bad: heldBad }, [offGridT]));
  const all = new ThresholdIndex(p);
  const exact = new ThresholdIndex(held, heldBad.map((b) => (b ? 1 : 0)));

  it('answers every grid threshold and the listed off-grid one exactly', () => {
    for (let k = 0; k <= SKETCH_BINS; k += 7) {
      const t = sketch.threshold(k);
      expect(sketch.exact(t)).toBe(true);
      expect(sketch.flagged(t)).toBe(all.flagged(t));
      expect(sketch.at(t)).toEqual(exact.at(t));
    }
    expect(sketch.exact(offGridT)).toBe(true);
    expect(sketch.flagged(offGridT)).toBe(all.flagged(offGridT));
  });

  it('separates thresholds above 0.999 that a grid of 0.001 could not', () => {
    const counts = new Set<number>();
    for (let k = 0; k <= SKETCH_BINS; k++) if (sketch.threshold(k) > 0.999 && sketch.threshold(k) < 1) counts.add(sketch.flagged(sketch.threshold(k)));
    expect(counts.size).toBeGreaterThan(50);
  });

  it('places thresholds on the slider in order, grid thresholds at their step and off-grid ones between', () => {
    for (const k of [0, 1, 400, 777, SKETCH_BINS]) expect(sketch.position(sketch.threshold(k))).toBe(k);
    const at = sketch.position(offGridT);
    expect(Number.isInteger(at)).toBe(false);
    expect(sketch.threshold(Math.floor(at))).toBeLessThan(offGridT);
    expect(sketch.threshold(Math.ceil(at))).toBeGreaterThan(offGridT);
    const ts = [1e-9, 0.01, 0.3, 0.5, 0.9, 0.999, 0.99999, 1 - 1e-9];
    const pos = ts.map((t) => sketch.position(t));
    for (let i = 1; i < pos.length; i++) expect(pos[i]!).toBeGreaterThan(pos[i - 1]!);
  });

  it('histograms the held-out images by label on the grid, each image once, in the bin that holds its score', () => {
    const h = sketch.heldoutHistogram(40);
    expect(h.edges).toHaveLength(25);
    expect(h.edges[0]).toBe(0);
    expect(h.bad.reduce((a, b) => a + b, 0)).toBe(heldBad.filter(Boolean).length);
    expect(h.good.reduce((a, b) => a + b, 0)).toBe(heldBad.filter((b) => !b).length);
    h.edges.forEach((lo, i) => {
      const hi = h.edges[i + 1] ?? Infinity;
      const inBin = (want: boolean) => held.filter((s, j) => heldBad[j] === want && s >= lo && s < hi).length;
      expect([h.bad[i], h.good[i]]).toEqual([inBin(true), inBin(false)]);
    });
  });

  it('refuses edges that do not rise from 0 to 1', () => {
    const data = sketchOf([0.2, 0.9], { p_bad: [], bad: [] });
    expect(() => new ThresholdSketch({ ...data, edges: data.edges.map((e, k) => (k === 5 ? data.edges[4]! : e)) })).toThrow(/rise strictly/);
    expect(() => new ThresholdSketch({ ...data, edges: data.edges.slice(1) })).toThrow(/edges/);
  });
});
