import { describe, expect, test } from 'vitest';
import type { RunSummary } from '../../../src-shared/domain/ml';
import { ThresholdIndex } from '../../../src-shared/domain/threshold';
import { rocAuc } from '../../../src-shared/domain/metrics';
import { labelHistogram, pointAt, prPoints, rocPoints, splitWarning } from './evaluation';

// 6 bad and 6 good held-out images with known p(bad).
const P = [0.95, 0.9, 0.8, 0.7, 0.3, 0.05, 0.6, 0.4, 0.2, 0.1, 0.02, 0.01];
const Y = [true, true, true, true, true, true, false, false, false, false, false, false];
const curve = new ThresholdIndex(P, Y).curve(101);

describe('evaluation panel numbers', () => {
  test('ROC from the threshold curve: starts at (0,0), ends at (1,1), area close to the exact AUC', () => {
    const roc = rocPoints(curve);
    expect(roc[0]).toMatchObject({ x: 0, y: 0 });
    expect(roc.at(-1)).toMatchObject({ x: 1, y: 1 });
    let area = 0;
    for (let i = 1; i < roc.length; i++) area += (roc[i]!.x - roc[i - 1]!.x) * (roc[i]!.y + roc[i - 1]!.y) / 2;
    expect(area).toBeCloseTo(rocAuc(Y.map((y) => (y ? 1 : 0)), P), 1);
  });

  test('PR: precision 1 at the top, the base rate at recall 1', () => {
    const pr = prPoints(curve);
    expect(pr.at(-1)!.x).toBe(1);
    expect(pr.at(-1)!.y).toBeCloseTo(0.5, 5);
    expect(pointAt(pr, 0.85)).toMatchObject({ y: 1 });
  });

  test('histograms by label count every image once, in the right bin', () => {
    const h = labelHistogram(curve, 10);
    expect(h.bad.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.good.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.bad[9]).toBe(2); // 0.95 and 0.9
    expect(h.good[6]).toBe(1); // 0.6
    expect(h.good[0]).toBe(2); // 0.02 and 0.01
    expect(h.good[1]).toBe(1); // 0.1
  });

  test('warns when two runs were tested on different images', () => {
    const run = (id: number, test: { good: number; bad: number }, hash = 'h'): RunSummary =>
      ({ run_id: id, snapshot: { hash, train: { good: 1, bad: 1 }, validation: { good: 1, bad: 1 }, test, groups: 1 } }) as RunSummary;
    expect(splitWarning(run(1, { good: 5, bad: 5 }), run(2, { good: 5, bad: 5 }))).toBeNull();
    expect(splitWarning(run(1, { good: 5, bad: 5 }), run(2, { good: 6, bad: 5 }))).toContain('test splits differ');
    expect(splitWarning(run(1, { good: 5, bad: 5 }), run(2, { good: 5, bad: 5 }, 'other'))).toContain('labels changed');
  });
});
