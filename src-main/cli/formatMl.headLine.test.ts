/**
 * `qc run N` / `qc train`'s first line: where the run trained and for how long, leaving out what a
 * run stopped before training (cancelled while its synthetic copies were made) never had.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_PARAMS, type RunSummary } from '../../src-shared/domain/ml';
import { formatRun } from './formatMl';

const run = (over: Partial<RunSummary>): RunSummary => ({
  run_id: 3,
  status: 'done',
  active: true,
  created_at: '2026-01-01T00:00:00Z',
  backbone: 'mobilenet',
  provider: 'cpu',
  backend: 'js',
  seconds: 12.34,
  params: DEFAULT_TRAIN_PARAMS,
  snapshot: null,
  metrics: null,
  recommended_threshold: { bad: null, good: null },
  thresholds: null,
  error: null,
  in_force: null,
  ...over,
});

const head = (r: RunSummary) => formatRun(r).split('\n')[0]!;

describe('qc run: the first line', () => {
  it('says the backend, the provider and the seconds of a run that trained', () => {
    expect(head(run({}))).toMatch(/ epochs; js backend, backbone on cpu, 12\.3 s$/);
  });

  it('leaves out the backend and provider a cancelled run never had, with no "?"', () => {
    const line = head(run({ status: 'cancelled', active: false, backend: null, provider: null, seconds: 15.8, error: 'cancelled' }));
    expect(line).toMatch(/^Run 3 \(cancelled\) .* epochs; 15\.8 s$/);
    expect(line).not.toContain('?');
    expect(line).not.toMatch(/backend|backbone on/);
  });
});
