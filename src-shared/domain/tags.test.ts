/** Final tags: who decides. */
import { describe, expect, it } from 'vitest';
import { finalTag } from './tags';

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
