import { describe, expect, test } from 'vitest';
import { EPOCH_TICK_STEPS, epochTick } from './EpochChart';

describe('epoch axis', () => {
  test('ticks only at whole epochs', () => {
    expect(EPOCH_TICK_STEPS.every(Number.isInteger)).toBe(true);
    expect([0, 2.5, 5, 7.5, 10].map(epochTick)).toEqual(['0', '', '5', '', '10']);
  });
});
