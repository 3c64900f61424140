/** Final tags: who decides, and what `confidence` says beside the tag. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalConfidence, finalTag, predictedClass, roundConfidence } from './tags';

describe('finalTag', () => {
  it("takes a curator's good or bad label as the verdict, and a cleared one (none) as no verdict: the model decides", () => {
    expect(finalTag({ pBad: 0.9999, label: 'good', origin: 'curator' }, 0.5)).toEqual({ imclass: 'NA', source: 'curator' });
    expect(finalTag({ pBad: 0.01, label: 'bad', origin: 'curator' }, 0.5)).toEqual({ imclass: 'bad', source: 'curator' });
    expect(finalTag({ pBad: 0.9999, label: null, origin: 'curator' }, 0.5)).toEqual({ imclass: 'bad', source: 'model' });
    expect(finalTag({ pBad: 0.2, label: null, origin: 'curator' }, 0.5)).toEqual({ imclass: 'NA', source: 'model' });
    expect(finalTag({ pBad: null, label: null, origin: 'curator' }, 0.5)).toEqual({ imclass: 'NA', source: 'none' });
    // Import labels never decide.
    expect(finalTag({ pBad: 0.9, label: 'good', origin: 'import' }, 0.5)).toEqual({ imclass: 'bad', source: 'model' });
  });
});

describe('finalConfidence', () => {
  it("writes the probability of the tag's class: p(bad) for bad, 1 − p(bad) for NA, under a threshold below 0.5 too", () => {
    const t = 0.136632;
    const bad = finalTag({ pBad: 0.157315, label: null, origin: null }, t);
    expect(bad).toEqual({ imclass: 'bad', source: 'model' });
    expect(finalConfidence(0.157315, bad)).toBe('0.157315'); // not good's 0.842685
    const na = finalTag({ pBad: 0.1, label: null, origin: null }, t);
    expect(finalConfidence(0.1, na)).toBe('0.900000');
    // A threshold above 0.5: an NA row that leans bad says 1 − p(bad), not its predicted class's.
    const under = finalTag({ pBad: 0.6, label: null, origin: null }, 0.8);
    expect(finalConfidence(0.6, under)).toBe('0.400000');
    expect(predictedClass(0.6).confidence).toBe(0.6);
    // Nothing beside a curator's tag or a row without a prediction.
    expect(finalConfidence(0.9, { imclass: 'bad', source: 'curator' })).toBe('');
    expect(finalConfidence(null, { imclass: 'NA', source: 'none' })).toBe('');
  });

  it('property: a model bad tag never shows a confidence below the threshold, and confidence > t on bad rows is p(bad) > t', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (p, t) => {
        const tag = finalTag({ pBad: p, label: null, origin: null }, t);
        const c = Number(finalConfidence(p, tag));
        if (tag.imclass === 'bad') {
          expect(c).toBeGreaterThanOrEqual(t);
          expect(c).toBe(roundConfidence(p));
        } else {
          expect(c).toBe(roundConfidence(1 - p));
        }
      }),
      { numRuns: 500 },
    );
  });
});
