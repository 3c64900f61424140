// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
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
