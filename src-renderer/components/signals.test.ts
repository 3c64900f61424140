import { describe, expect, test } from 'vitest';
import { EXPLAIN_THRESHOLDS } from '../../src-shared/domain/signals';
import { formatSignal, formatSignals, imageLabel, signalFormats } from './signals';

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

  test("the hints' limits are the core's EXPLAIN_THRESHOLDS, in the signal's units", () => {
    // Blockiness 1.5 and colourfulness 12 are normal to the core (its reasons say neither): the hints agree.
    expect(formatSignal('blockiness', 1.5).hint).toBe('JPEG artefacts above ×1.80');
    expect(formatSignal('colourfulness', 12).hint).toBe('below 1 grey, below 10 dull, > 45 very colourful');
    const t = EXPLAIN_THRESHOLDS;
    expect(formatSignal('blockiness', 1).hint).toContain(formatSignal('blockiness', t.jpegBlockiness).value);
    expect(formatSignal('colourfulness', 1).hint).toContain(`below ${formatSignal('colourfulness', t.dullColourfulness).value} dull`);
    expect(formatSignal('relSharpness', 1).hint).toContain(`blurry below ${formatSignal('relSharpness', t.blurryRelSharpness).value}`);
    expect(formatSignal('noise', 1).hint).toContain(`noisy above ${formatSignal('noise', t.noisyNoise).value}`);
    expect(formatSignal('meanLuma', 0.5).hint).toContain(`underexposed below ${formatSignal('meanLuma', t.underMeanLuma).value}`);
    expect(formatSignal('darkClipped', 0).hint).toContain(formatSignal('darkClipped', t.underDarkClipped).value);
    expect(formatSignal('brightClipped', 0).hint).toContain(formatSignal('brightClipped', t.overBrightClipped).value);
    expect(formatSignal('contrast', 0.5).hint).toContain(`hazy below ${formatSignal('contrast', t.hazyContrast).value}`);
    expect(formatSignal('width', 580).hint).toContain(`${t.tinyLongSide} px`);
  });

  test('the hints are built from the thresholds: other thresholds, other hints', () => {
    const moved = signalFormats({ ...EXPLAIN_THRESHOLDS, jpegBlockiness: 2.5, dullColourfulness: 20, noisyNoise: 8, tinyLongSide: 300 });
    expect(moved.blockiness!.hint).toBe('JPEG artefacts above ×2.50');
    expect(moved.colourfulness!.hint).toContain('below 20 dull');
    expect(moved.noise!.hint).toContain('noisy above 8.0 grey levels');
    expect(moved.height!.hint).toContain('below 300 px');
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
