import { describe, expect, test } from 'vitest';
import { formatSignal, formatSignals, imageLabel } from './signals';

describe('signal formatting', () => {
  test('units and words, not raw floats', () => {
    expect(formatSignal('width', 580)).toMatchObject({ name: 'Width', value: '580 px' });
    expect(formatSignal('noise', 3.2149)).toMatchObject({ name: 'Noise', value: '3.2 grey levels' });
    expect(formatSignal('contrast', 0.4567)).toMatchObject({ name: 'Contrast', value: '45.7%' });
    expect(formatSignal('megapixels', 0.23)).toMatchObject({ value: '0.23 MP' });
    expect(formatSignal('blockiness', 1.234)).toMatchObject({ value: '×1.23' });
    expect(formatSignal('somethingNew', 0.123456)).toEqual({ name: 'somethingNew', value: '0.123' });
    for (const s of formatSignals({ width: 580, height: 388, sharpness: 812.34, meanLuma: 0.5 })) expect(s.value).not.toMatch(/\.000$/);
  });

  test('sorted size first', () => {
    expect(formatSignals({ noise: 1, height: 2, width: 3 }).map((s) => s.key)).toEqual(['width', 'height', 'noise']);
  });

  test("EOL's id when known", () => {
    expect(imageLabel({ image_id: 463, eol_id: '9000465' })).toBe('EOL 9000465');
    expect(imageLabel({ image_id: 463, eol_id: null })).toBe('#463');
  });
});

describe('time left', () => {
  test('estimated from the rate so far, only once there is enough to go on', async () => {
    const { estimateLeft } = await import('./ProgressBar');
    expect(estimateLeft(0, 1000, 50, 100)).toBeNull(); // under 2 s
    expect(estimateLeft(0, 10_000, 1, 100)).toBeNull(); // under 3 %
    expect(estimateLeft(0, 10_000, 50, 100)).toBeCloseTo(10, 6);
    expect(estimateLeft(0, 10_000, 100, 100)).toBeNull();
  });
});
