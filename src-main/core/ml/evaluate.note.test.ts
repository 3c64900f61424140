/**
 * A run's stored threshold notes (`qc run` prints them when no threshold is recommended): the target
 * error as a short percentage (`--target-error 0.07` is 7%, not 7.000000000000001%), and a good-class
 * threshold named as p(good) with the p(bad) it means, since `qc threshold` and the tags take p(bad).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/domain/ml';
import { roundConfidence } from '../../../src-shared/domain/tags';
import { formatThreshold } from '../../../src-shared/domain/threshold';
import { evaluateRun } from './evaluate';
import type { TrainedHead } from './train/head';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';

/** A run's evaluation on `bad` + `good` held-out images with these p(bad), the same again as its test split. */
function evaluate(bad: number[], good: number[], targetError: number) {
  const p = [...bad, ...good];
  const y = [...bad.map(() => 1), ...good.map(() => 0)];
  const n = p.length;
  const result: TrainJobResult = {
    head: { history: [] } as unknown as TrainedHead,
    pAll: Float32Array.from([...p, ...p]),
    oof: Float32Array.from([...p, ...p.map(() => NaN)]),
    backend: 'test',
  };
  const split = Uint8Array.from({ length: 2 * n }, (_, i) => (i < n ? SPLIT_CODE.train : SPLIT_CODE.test));
  return evaluateRun(result, Uint8Array.from([...y, ...y]), split, { ...DEFAULT_TRAIN_PARAMS, targetError }).thresholds;
}

const spread = (count: number, from: number, step: number) => Array.from({ length: count }, (_, i) => from + i * step);

describe('a run\'s threshold notes', () => {
  it('write the target error as a short percentage, whether a threshold is proven or not', () => {
    expect(0.07 * 100).not.toBe(7); // the float noise the notes must not show
    const proven = evaluate(spread(200, 0.9, 1e-4), spread(200, 0.05, 1e-4), 0.07);
    expect(proven.bad.threshold).not.toBeNull();
    expect(proven.bad.note).toMatch(/ stays ≤ 7% at 95% confidence/);
    // Three images are too few to prove anything.
    const none = evaluate([0.9, 0.8], [0.1], 0.07);
    expect(none.bad.threshold).toBeNull();
    expect(none.bad.note).toMatch(/^no threshold proves an error ≤ 7% at 95% confidence on 3 out-of-fold predictions/);
    expect(evaluate([0.9, 0.8], [0.1], 0.075).bad.note).toContain('≤ 7.5% at 95%');
    for (const t of [proven.bad, proven.good, none.bad, none.good]) expect(t.note).not.toMatch(/\d\.\d{7,}%/);
  });

  it('name a good-class threshold as p(good) with the p(bad) it means', () => {
    const proven = evaluate(spread(200, 0.9, 1e-4), spread(200, 0.05, 1e-4), 0.05);
    expect(proven.good.threshold).not.toBeNull();
    expect(proven.good.note).toMatch(/^lowest p\(good\) threshold whose error/);
    expect(proven.bad.note).toMatch(/^lowest threshold whose error/);
    // Nothing proven on good (its images mixed with bad ones), yet a best bound: named as p(good) ≥ t (p(bad) ≤ 1 − t).
    const mixed = evaluate([...spread(30, 0.9, 1e-3), ...spread(12, 0.1, 1e-3)], spread(30, 0.1, 1e-3), 0.01);
    expect(mixed.good.threshold).toBeNull();
    const b = mixed.good.best_bound!.threshold;
    expect(mixed.good.note).toMatch(/^no p\(good\) threshold proves/);
    expect(mixed.good.note).toContain(`at p(good) ≥ ${formatThreshold(b)} (p(bad) ≤ ${formatThreshold(roundConfidence(1 - b))})`);
    expect(mixed.bad.note).not.toMatch(/p\(good\)/);
  });
});
