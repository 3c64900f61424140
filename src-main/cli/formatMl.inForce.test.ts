/**
 * `qc run N`'s threshold line: exports (and classify) use the active run, so only the active run's
 * line says "exports use"; another run's says what they would use once it is active. And its first
 * line: where the run trained and for how long, leaving out what a run stopped before training
 * (cancelled while its synthetic copies were made) never had.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, type RunSummary, type ThresholdInForce } from '../../src-shared/domain/ml';
import { formatThreshold } from '../../src-shared/domain/threshold';
import { formatRun } from './formatMl';

function run(active: boolean, in_force: ThresholdInForce | null): RunSummary {
  return {
    run_id: 7,
    status: 'done',
    active,
    created_at: '2026-01-01T00:00:00Z',
    backbone: 'mobilenet',
    provider: 'cpu',
    backend: 'js',
    seconds: 3,
    params: DEFAULT_TRAIN_PARAMS,
    snapshot: null,
    metrics: null,
    recommended_threshold: { bad: 0.8123, good: null },
    thresholds: null,
    error: null,
    in_force,
  };
}

const inForceLines = (text: string) => text.split('\n').filter((l) => /exports/.test(l));

describe('qc run: the threshold exports use', () => {
  const recommended: ThresholdInForce = { threshold: 0.8123, source: 'recommended' };
  const curator: ThresholdInForce = { threshold: 0.7, source: 'curator' };

  it('the active run: exports use it', () => {
    expect(inForceLines(formatRun(run(true, recommended)))).toEqual([`  exports use p(bad) ≥ ${formatThreshold(0.8123)} (recommended)`]);
    expect(inForceLines(formatRun(run(true, curator)))).toEqual([`  exports use p(bad) ≥ ${formatThreshold(0.7)} (curator's; recommended ${formatThreshold(0.8123)})`]);
  });

  it('another run: what exports would use once it is active, never "exports use"', () => {
    for (const f of [recommended, curator]) {
      const lines = inForceLines(formatRun(run(false, f)));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^ {2}once active, exports would use p\\(bad\\) ≥ ${formatThreshold(f.threshold).replace('.', '\\.')} \\(`));
      expect(lines[0]).not.toMatch(/^ {2}exports use/);
    }
  });

  it('a run not finished: no line', () => {
    expect(inForceLines(formatRun({ ...run(false, null), status: 'running' }))).toEqual([]);
  });
});

describe('qc run: the first line', () => {
  const head = (r: RunSummary) => formatRun(r).split('\n')[0]!;

  it('says the backend, the provider and the seconds of a run that trained', () => {
    expect(head(run(true, null))).toMatch(/ epochs; js backend, backbone on cpu, 3\.0 s$/);
  });

  it('says no backbone ran where its features were all cached (provider none), not "backbone on none"', () => {
    const line = head({ ...run(true, null), provider: 'none' });
    expect(line).toMatch(/ epochs; js backend, no backbone run \(features cached\), 3\.0 s$/);
    expect(line).not.toContain('on none');
  });

  it('leaves out the backend and provider a cancelled run never had, with no "?"', () => {
    const line = head({ ...run(false, null), status: 'cancelled', backend: null, provider: null, seconds: 15.8, error: 'cancelled' });
    expect(line).toMatch(/^Run 7 \(cancelled\) .* epochs; 15\.8 s$/);
    expect(line).not.toContain('?');
    expect(line).not.toMatch(/backend|backbone on/);
  });
});
