/** The training job's held-out logits: the same numbers as its p(bad), in double precision. */
import { describe, expect, it } from 'vitest';
import { makeSynthetic } from '../../../test-support/synthetic';
import { DEFAULT_HEAD_PARAMS } from './train/head';
import { runTrainJob, SPLIT_CODE } from './trainJob';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('runTrainJob', () => {
  it('returns per row the logit behind its held-out p(bad): out of fold for train/validation rows, the head for test rows, none for unlabelled rows', async () => {
    const s = makeSynthetic({ n: 300, d: 16, seed: 3, rule: 'linear', margin: 0.5 });
    // Every 10th row unlabelled (scored, never held out).
    const split = Uint8Array.from({ length: s.n }, (_, i) => (i % 10 === 9 ? SPLIT_CODE.unlabelled : i % 5 === 4 ? SPLIT_CODE.test : i % 5 === 3 ? SPLIT_CODE.validation : SPLIT_CODE.train));
    const y = Uint8Array.from(s.y, (v, i) => (split[i] === SPLIT_CODE.unlabelled ? 255 : v));
    const fold = Int8Array.from(split, (v, i) => (v === SPLIT_CODE.train || v === SPLIT_CODE.validation ? i % 3 : -1));
    const base = { x: s.x, n: s.n, d: s.d, y, split, fold, folds: 3, params: { ...DEFAULT_HEAD_PARAMS, hidden: 8, epochs: 5 }, columnScale: null };
    const r = await runTrainJob(base, () => {});
    expect(r.heldLogit).toHaveLength(s.n);
    for (let i = 0; i < s.n; i++) {
      const z = r.heldLogit![i]!;
      if (split[i] === SPLIT_CODE.unlabelled) {
        expect(z).toBeNaN();
        continue;
      }
      expect(Number.isFinite(z)).toBe(true);
      const p = split[i] === SPLIT_CODE.test ? r.pAll[i]! : r.oof[i]!;
      // One repetition: oof is one held-out head's float32 sigmoid of this logit.
      expect(Math.abs(sigmoid(z) - p)).toBeLessThan(1e-6);
    }
    // Out-of-fold logits differ from the final head's on the same rows (they come from other heads).
    const trainRows = [...split.keys()].filter((i) => split[i] === SPLIT_CODE.train);
    expect(trainRows.some((i) => Math.abs(sigmoid(r.heldLogit![i]!) - r.pAll[i]!) > 1e-4)).toBe(true);

    // Calibrated: the held-out logit is a·z + b of the raw one, so p(bad) = sigmoid(heldLogit) still holds.
    const c = await runTrainJob({ ...base, calibrate: true }, () => {});
    for (const i of trainRows) expect(Math.abs(sigmoid(c.heldLogit![i]!) - c.oof[i]!)).toBeLessThan(1e-6);
  });
});
