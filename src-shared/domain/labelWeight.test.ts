import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_RULE, type Label } from './label';
import { boundaryDistance, LABEL_WEIGHT, labelConfidence, normalCdf } from './labelWeight';

const rating = fc.double({ min: 1, max: 5, noNaN: true });
const fromRatings = (label: Label, ratings: number[]) => labelConfidence({ label, origin: 'import', ratings, exemplar: false }, DEFAULT_LABEL_RULE);

describe('label confidence from ratings', () => {
  it('measures the distance of the mean from the class boundary: 2.45 is a weaker bad than 1.0', () => {
    expect(boundaryDistance(1.0, 'bad', DEFAULT_LABEL_RULE)).toBeCloseTo(1.5, 9);
    expect(boundaryDistance(2.45, 'bad', DEFAULT_LABEL_RULE)).toBeCloseTo(0.05, 9);
    expect(boundaryDistance(4.4, 'good', DEFAULT_LABEL_RULE)).toBeCloseTo(0.9, 9);
    // A mean of 4.2 labelled bad (a flipped label) lies 1.7 outside the bad classes.
    expect(boundaryDistance(4.2, 'bad', DEFAULT_LABEL_RULE)).toBeCloseTo(-1.7, 9);
    const strong = fromRatings('bad', [1.0]);
    const weak = fromRatings('bad', [2.45]);
    expect(strong.weight).toBeGreaterThan(0.9);
    expect(weak.weight).toBeLessThan(0.35);
    expect(weak.weight).toBeGreaterThanOrEqual(LABEL_WEIGHT.minWeight);
    expect(strong).toMatchObject({ basis: 'ratings', ratingCount: 1, ratingSpread: null });
  });

  it('trusts curators, confirmed labels and exemplars fully, and folder labels without ratings', () => {
    expect(labelConfidence({ label: 'good', origin: 'curator', ratings: [1.2], exemplar: false }, DEFAULT_LABEL_RULE)).toMatchObject({ weight: 1, basis: 'curator' });
    expect(labelConfidence({ label: 'bad', origin: 'import', ratings: [2.4], exemplar: false, confirmed: true }, DEFAULT_LABEL_RULE)).toMatchObject({ weight: 1, basis: 'confirmed' });
    expect(labelConfidence({ label: 'good', origin: 'import', ratings: [], exemplar: true }, DEFAULT_LABEL_RULE)).toMatchObject({ weight: 1, basis: 'exemplar' });
    expect(labelConfidence({ label: 'bad', origin: 'import', ratings: [], exemplar: false }, DEFAULT_LABEL_RULE)).toMatchObject({ weight: 1, basis: 'no ratings', ratingMean: null });
  });

  it('weighs disagreeing raters less than agreeing ones with the same mean', () => {
    const agree = fromRatings('good', [4.2, 4.2, 4.2, 4.2]);
    const split = fromRatings('good', [3.4, 5, 5, 3.4]);
    expect(split.ratingMean).toBeCloseTo(4.2, 9);
    expect(split.ratingSpread).toBeCloseTo(Math.sqrt((4 * 0.8 ** 2) / 3), 9);
    expect(agree.weight).toBeGreaterThan(split.weight);
    // Four agreeing rows weigh more than one row at the same mean.
    expect(agree.weight).toBeGreaterThan(fromRatings('good', [4.2]).weight);
  });

  it('properties: weight in [minWeight, 1]; deeper means and more agreeing rows never weigh less; good and bad are mirror images', () => {
    fc.assert(
      fc.property(fc.array(rating, { minLength: 1, maxLength: 12 }), fc.constantFrom<Label>('good', 'bad'), (ratings, label) => {
        const c = fromRatings(label, ratings);
        expect(c.weight).toBeGreaterThanOrEqual(LABEL_WEIGHT.minWeight);
        expect(c.weight).toBeLessThanOrEqual(1);
        expect(c.ratingAgreement!).toBeGreaterThanOrEqual(0);
        expect(c.ratingAgreement!).toBeLessThanOrEqual(1);
        // The mirror rating 6 - r of a good label is a bad label with the same confidence.
        const mirror = fromRatings(label === 'good' ? 'bad' : 'good', ratings.map((r) => 6 - r));
        expect(mirror.weight).toBeCloseTo(c.weight, 9);
      }),
    );
    fc.assert(
      fc.property(rating, rating, fc.integer({ min: 1, max: 10 }), (a, b, n) => {
        // For bad, a lower mean is deeper inside: never a smaller weight.
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(fromRatings('bad', Array(n).fill(lo)).weight).toBeGreaterThanOrEqual(fromRatings('bad', Array(n).fill(hi)).weight - 1e-12);
        // More unanimous rows on the label's side never weigh less.
        if (boundaryDistance(lo, 'bad', DEFAULT_LABEL_RULE) > 0) {
          expect(fromRatings('bad', Array(n + 1).fill(lo)).weight).toBeGreaterThanOrEqual(fromRatings('bad', Array(n).fill(lo)).weight - 1e-12);
        }
      }),
    );
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});
