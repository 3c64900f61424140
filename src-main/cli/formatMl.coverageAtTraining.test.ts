/**
 * `qc runs` and `qc run` name their out-of-fold coverage as stored when the run trained, with that
 * day's labels (curatorday audit L2): Review counts today's labels, so after relabels they differ.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, type RecommendedThreshold, type RunSummary } from '../../src-shared/domain/ml';
import { formatRun, formatRuns } from './formatMl';

function run(): RunSummary {
  const bad: RecommendedThreshold = {
    threshold: 0.8,
    target_error: 0.05,
    chosen_on: { threshold: 0.8, coverage: 0.545, error: 0.01, error_upper: 0.04, flagged: 50, tp: 49 } as unknown as RecommendedThreshold['chosen_on'],
    on_test: { coverage: 0.6, error: 0.02 } as unknown as RecommendedThreshold['on_test'],
    best_bound: null,
    note: '',
    estimate: { threshold: 0.6, error: 0.03, errorInterval: [0.01, 0.06], coverage: 0.7, flagged: 120, on_test: { coverage: 0.5, error: 0.04 } } as unknown as RecommendedThreshold['estimate'],
  };
  const good: RecommendedThreshold = { ...bad, threshold: null, chosen_on: null, on_test: null, estimate: null, note: 'no threshold proves the target error' };
  return {
    run_id: 2,
    status: 'done',
    active: true,
    created_at: '2026-01-01T00:00:00Z',
    backbone: 'mobilenet',
    provider: 'cpu',
    backend: 'tfjs',
    seconds: 12,
    params: { ...DEFAULT_TRAIN_PARAMS, features: ['signals'] },
    snapshot: null,
    metrics: null,
    recommended_threshold: { bad: 0.8, good: null },
    thresholds: { bad, good },
    error: null,
  };
}

describe('the coverage qc runs and qc run print', () => {
  it('is named as of the day the run trained, as the app\'s "coverage at training" column', () => {
    const table = formatRuns({ active: 2, runs: [run()] }).split('\n');
    expect(table.at(-1)).toBe("(oof cover: coverage of bad at the recommended threshold when the run trained, with that day's labels; Review counts today's)");
    expect(table[1]!.slice(table[0]!.indexOf('oof cover')).startsWith('54.5% ')).toBe(true);
    const text = formatRun(run());
    expect(text).toContain('  bad: recommended threshold p(bad) ≥ 0.800 → out-of-fold coverage at training 54.5%, error 1.0%');
    expect(text).toContain('at p(bad) ≥ 0.600 → out-of-fold coverage at training 70.0%, error 3.0%');
  });
});
