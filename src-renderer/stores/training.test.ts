// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';
import { parseEpochMessage } from './training';

describe('parseEpochMessage', () => {
  it('takes the structured epoch stats (losses and accuracies) when the core sends them', () => {
    const epoch = { epoch: 3, trainLoss: 0.21, trainAccuracy: 0.93, valLoss: 0.33, valAccuracy: 0.88, seconds: 1.2 };
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 3, total: 20, epoch, message: 'loss 0.2100 · val 0.3300' })).toEqual(epoch);
  });

  it('falls back to the text of the message, and ignores other phases', () => {
    expect(parseEpochMessage({ job: 'train', phase: 'epochs', done: 2, total: 20, message: 'loss 0.5000 · val 0.6000' })).toEqual({ epoch: 2, trainLoss: 0.5, valLoss: 0.6 });
    expect(parseEpochMessage({ job: 'train', phase: 'folds', done: 2, total: 5 })).toBeNull();
  });
});

describe('runs across windows', () => {
  it('a run detail fetched while the run trained is fetched again once the runs say it has ended', async () => {
    const { store, lib } = setup({ images: 240, trained: false });
    const s = () => store.getState();
    const off = s().connect();
    // Another window starts a run; this one hears runs.changed, lists it running and charts it.
    const training = lib.core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 8, folds: 3 });
    await until(() => expect(s().runs.some((r) => r.status === 'running')).toBe(true), 20_000);
    const id = s().runs.find((r) => r.status === 'running')!.run_id;
    await s().loadRunDetail(id);
    expect(s().runDetails[id]!.status).toBe('running');
    expect(s().runDetails[id]!.evaluation).toBeNull();
    await training;
    await until(() => expect(s().runDetails[id]?.status).toBe('done'), 20_000);
    expect(s().runDetails[id]!.evaluation).not.toBeNull();
    off();
  }, 60_000);
});
