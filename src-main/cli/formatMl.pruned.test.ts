/**
 * `qc run` lists the labels the final fit left out with their out-of-fold p(bad) as every other
 * p(bad) is written (formatProbability): a trained head's 0.99998 and 0.99941 are told apart, not
 * both "1.000".
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, type RunDetail, type RunEvaluation, type RunNoiseReport } from '../../src-shared/domain/ml';
import { formatProbability } from '../../src-shared/domain/threshold';
import { formatRun } from './formatMl';

function runPruning(pruned: RunNoiseReport['pruned']): RunDetail {
  const noise: RunNoiseReport = {
    ranking: 'self_confidence',
    adjusted: false,
    filter: 'prune_by_noise_rate',
    thresholds: { good: 0.3, bad: 0.7 },
    estimated_wrong: { good: pruned.length, bad: 0 },
    oof_repeats: 1,
    handling: 'prune',
    pruned,
    label_weights: null,
  };
  return {
    run_id: 2,
    status: 'done',
    active: true,
    created_at: '2026-01-01T00:00:00Z',
    backbone: 'b',
    provider: 'cpu',
    backend: 'js',
    seconds: 1,
    params: DEFAULT_TRAIN_PARAMS,
    snapshot: null,
    metrics: null,
    recommended_threshold: { bad: null, good: null },
    thresholds: null,
    error: null,
    evaluation: { histograms: {} as RunEvaluation['histograms'], curves: { bad: { oof: [], test: [] }, good: { oof: [], test: [] } }, epochs: [], noise },
  };
}

describe('pruned labels in qc run', () => {
  it('print their p(bad) as formatProbability does, so values near 1 stay apart', () => {
    const ps = [0.99998, 0.99941, 0.0000123, 0.5];
    const text = formatRun(runPruning(ps.map((p_bad, i) => ({ image_id: i + 1, given: 'good' as const, p_bad }))));
    const printed = ps.map((_, i) => new RegExp(`^ {4}image ${i + 1}: labelled good, out-of-fold p\\(bad\\) (\\S+)$`, 'm').exec(text)?.[1]);
    expect(printed).toEqual(ps.map((p) => formatProbability(p)));
    expect(new Set(printed).size).toBe(ps.length);
    expect(text).not.toContain('1.000');
  });
});
