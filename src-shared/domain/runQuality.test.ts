import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EpochStats } from './ml';
import { assessFit, rankRuns } from './runQuality';

const epoch = (e: number, trainLoss: number, valLoss: number | undefined, trainAccuracy: number, valAccuracy?: number): EpochStats => ({
  epoch: e,
  trainLoss,
  trainAccuracy,
  seconds: 0.1,
  ...(valLoss !== undefined && { valLoss }),
  ...(valAccuracy !== undefined && { valAccuracy }),
});

describe('assessFit', () => {
  it('calls rising validation loss with falling training loss over-fitting, naming the best epoch', () => {
    const curves = [epoch(1, 0.6, 0.5, 0.7, 0.75), epoch(2, 0.4, 0.42, 0.85, 0.82), epoch(3, 0.25, 0.48, 0.92, 0.82), epoch(4, 0.15, 0.6, 0.97, 0.8)];
    const a = assessFit(curves);
    expect(a.verdict).toBe('overfitting');
    expect(a.best_epoch).toBe(2);
    expect(a.reason).toMatch(/epoch 2/);
  });

  it('calls a large train/validation accuracy gap over-fitting', () => {
    const curves = [epoch(1, 0.5, 0.5, 0.8, 0.7), epoch(2, 0.3, 0.45, 0.99, 0.8)];
    expect(assessFit(curves).verdict).toBe('overfitting');
  });

  it('calls a head that does not fit its training data under-fitting', () => {
    const curves = [epoch(1, 0.69, 0.69, 0.55, 0.5), epoch(2, 0.68, 0.69, 0.58, 0.52)];
    expect(assessFit(curves).verdict).toBe('underfitting');
  });

  it('calls steady curves a good fit, and says when it cannot tell', () => {
    const curves = [epoch(1, 0.5, 0.5, 0.8, 0.8), epoch(2, 0.3, 0.31, 0.9, 0.89), epoch(3, 0.25, 0.27, 0.92, 0.9)];
    expect(assessFit(curves).verdict).toBe('good fit');
    expect(assessFit([curves[0]!]).verdict).toBe('unknown');
    expect(assessFit(curves.map((c) => epoch(c.epoch, c.trainLoss, undefined, c.trainAccuracy))).verdict).toBe('unknown');
  });

  it('always returns a verdict with a reason, whatever the curves', () => {
    const arbEpoch = fc.record({ trainLoss: fc.double({ min: 0, max: 5, noNaN: true }), valLoss: fc.option(fc.double({ min: 0, max: 5, noNaN: true }), { nil: undefined }), trainAccuracy: fc.double({ min: 0, max: 1, noNaN: true }), valAccuracy: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(arbEpoch, { maxLength: 30 }), (raw) => {
        const a = assessFit(raw.map((r, i) => epoch(i + 1, r.trainLoss, r.valLoss, r.trainAccuracy, r.valAccuracy)));
        expect(['good fit', 'overfitting', 'underfitting', 'unknown']).toContain(a.verdict);
        expect(a.reason.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('rankRuns', () => {
  it('orders finished runs by held-out AUC, then accuracy, then newest; drops unfinished ones', () => {
    const runs = [
      { run_id: 1, status: 'done', metrics: { test_auc: 0.9, test_accuracy: 0.8 } },
      { run_id: 2, status: 'done', metrics: { test_auc: 0.95, test_accuracy: 0.7 } },
      { run_id: 3, status: 'failed', metrics: null },
      { run_id: 4, status: 'done', metrics: { test_auc: 0.9, test_accuracy: 0.85 } },
      { run_id: 5, status: 'done', metrics: { test_auc: 0.9, test_accuracy: 0.85 } },
      { run_id: 6, status: 'done', metrics: null },
    ];
    expect(rankRuns(runs).map((r) => r.run_id)).toEqual([2, 5, 4, 1, 6]);
  });

  it("ranks by the AUC with today's labels where given; a run without one there by its own", () => {
    const runs = [
      { run_id: 1, status: 'done', metrics: { test_auc: 0.98, test_accuracy: 0.9 } },
      { run_id: 2, status: 'done', metrics: { test_auc: 0.96, test_accuracy: 0.9 } },
      { run_id: 3, status: 'done', metrics: { test_auc: 0.97, test_accuracy: 0.9 } },
    ];
    const now = new Map([
      [1, { auc: 0.961, images: 40 }],
      [2, { auc: 0.969, images: 40 }],
      [3, { auc: null, images: 0 }],
    ]);
    expect(rankRuns(runs, now).map((r) => r.run_id)).toEqual([3, 2, 1]);
    expect(rankRuns(runs).map((r) => r.run_id)).toEqual([1, 3, 2]);
  });
});
