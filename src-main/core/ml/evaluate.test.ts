/**
 * A run's recommended thresholds are values of the grid its predictions are stored on (6 decimals:
 * runs.ts putPredictions), so the counts it reports at a threshold are what the stored predictions
 * (the slider, the gallery, the tags) give there.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, type RecommendedThreshold } from '../../../src-shared/domain/ml';
import { roundConfidence } from '../../../src-shared/domain/tags';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { evaluateRun, lowestBound } from './evaluate';
import { ThresholdIndex } from '../../../src-shared/domain/threshold';
import type { TrainedHead } from './train/head';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';

/** Flagged and true positives among held-out rows at a threshold, counted on stored values (score: p for bad, 1 − p rounded to the grid for good). */
function countAt(rows: { p: number; bad: boolean }[], cls: 'bad' | 'good', t: number) {
  const flagged = rows.filter((r) => (cls === 'bad' ? r.p : roundConfidence(1 - r.p)) >= t);
  return { flagged: flagged.length, tp: flagged.filter((r) => r.bad === (cls === 'bad')).length };
}

function expectStoredCounts(t: RecommendedThreshold, cls: 'bad' | 'good', oof: { p: number; bad: boolean }[], test: { p: number; bad: boolean }[]) {
  expect(t.threshold, `${cls}: a threshold`).not.toBeNull();
  const at = t.threshold!;
  // Both classes: a good-class threshold (on 1 − p) is a short decimal too, not 0.49016800000000005.
  expect(roundConfidence(at), `${cls} threshold ${at} on the stored grid`).toBe(at);
  expect(countAt(oof, cls, at), `${cls} chosen_on`).toEqual({ flagged: t.chosen_on!.flagged, tp: t.chosen_on!.tp });
  expect(countAt(test, cls, at), `${cls} on_test`).toEqual({ flagged: t.on_test!.flagged, tp: t.on_test!.tp });
}

describe('evaluateRun thresholds', () => {
  it('are stored values: an image whose p rounds down still counts at the threshold it defines', () => {
    // 120 bad images at 0.9 + i·1e-4 + 3e-7 and 80 good at 0.1 + i·1e-3 + 3e-7 (each stored 6
    // decimals lower); the same again in test.
    const p: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 120; i++) {
      p.push(0.9 + i * 1e-4 + 3e-7);
      y.push(1);
    }
    for (let i = 0; i < 80; i++) {
      p.push(0.1 + i * 1e-3 + 3e-7);
      y.push(0);
    }
    const n = p.length;
    const oof = Float32Array.from([...p, ...p.map(() => NaN)]);
    const pAll = Float32Array.from([...p, ...p]);
    const split = Uint8Array.from({ length: 2 * n }, (_, i) => (i < n ? SPLIT_CODE.train : SPLIT_CODE.test));
    const labels = Uint8Array.from([...y, ...y]);
    const result: TrainJobResult = { head: { history: [] } as unknown as TrainedHead, pAll, oof, backend: 'test' };
    const { thresholds } = evaluateRun(result, labels, split, { ...DEFAULT_TRAIN_PARAMS });
    const stored = p.map((v, i) => ({ p: roundConfidence(Math.fround(v)), bad: y[i] === 1 }));
    expectStoredCounts(thresholds.bad, 'bad', stored, stored);
    expectStoredCounts(thresholds.good, 'good', stored, stored);
  });

  it('of a trained run count on its stored predictions what the run reports', async () => {
    const lib = seedLibrary({ images: 300, trained: false });
    try {
      const run = await lib.core.call('ml.train', { features: ['signals'], hidden: 0, augment: 0, epochs: 20, targetError: 0.1 });
      expect(run.status).toBe('done');
      const rows = lib.core.context.db
        .prepare(
          `SELECT p.p_bad AS p, l.label = 'bad' AS bad, s.split, p.heldout FROM predictions p
           JOIN splits s ON s.image_id = p.image_id JOIN labels l ON l.image_id = p.image_id
           WHERE p.run_id = ? AND l.label IN ('good', 'bad')`,
        )
        .all(run.run_id) as { p: number; bad: number; split: string; heldout: number }[];
      const pick = (keep: (r: (typeof rows)[number]) => boolean) => rows.filter(keep).map((r) => ({ p: r.p, bad: r.bad === 1 }));
      const oof = pick((r) => r.split !== 'test' && r.heldout === 1);
      const test = pick((r) => r.split === 'test');
      const stored = lib.core.context.db.prepare('SELECT evaluation FROM runs WHERE id = ?').get(run.run_id) as { evaluation: string };
      const { thresholds } = JSON.parse(stored.evaluation) as { thresholds: { bad: RecommendedThreshold; good: RecommendedThreshold } };
      expectStoredCounts(thresholds.bad, 'bad', oof, test);
      expectStoredCounts(thresholds.good, 'good', oof, test);
    } finally {
      await lib.core.close();
    }
  }, 60_000);
});

describe('the best provable bound when nothing proves the target', () => {
  it('is a threshold proven to do better than flagging every image, or none (a run no better than chance)', () => {
    // 20 bad, 30 good scored backwards: the bad lowest, so every cut that flags a bad flags more goods.
    const backwards = [...Array.from({ length: 20 }, (_, i) => 0.01 + i * 0.001), ...Array.from({ length: 30 }, (_, i) => 0.5 + i * 0.01)];
    const positives = [...new Array<boolean>(20).fill(true), ...new Array<boolean>(30).fill(false)];
    expect(lowestBound(new ThresholdIndex(backwards, positives))).toBeNull();
    // A weak but real ranking (half of the bad above every good, the rest mixed): a bound, better than the base rate.
    const weak = [...Array.from({ length: 20 }, (_, i) => (i < 10 ? 0.9 + i * 0.001 : 0.2 + i * 0.01)), ...Array.from({ length: 30 }, (_, i) => 0.1 + i * 0.01)];
    const best = lowestBound(new ThresholdIndex(weak, positives));
    expect(best).not.toBeNull();
    expect(best!.error_upper).toBeLessThan(30 / 50);
    expect(best!.coverage).toBeLessThan(1);
  });
});
