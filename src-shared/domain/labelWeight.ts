/**
 * How much a label is worth: the confidence of an image's label, read from the evidence behind it,
 * and the per-image weight it gets in training.
 *
 * The rule (documented in the README, Labels):
 * - a label a curator set or confirmed weighs 1 (the strongest evidence);
 * - an exemplar labelled good weighs 1 (an editor picked it as one of the best);
 * - a label from ratings: the mean m of the image's n rating rows and their spread s give a standard
 *   error se = sqrt(v / n), with v = (K0·σ0² + Σ(r − m)²) / (K0 + n − 1), the spread shrunk towards
 *   a prior rater disagreement σ0 = 0.75 rating points worth K0 = 2 rows (one row says nothing about
 *   disagreement). The signed distance d of m from the nearest rating whose class the rule maps to
 *   another label (for bad = classes 1–2: d = 2.5 − m; a mean of 1.0 is 1.5 inside, 2.45 only 0.05)
 *   gives the probability that the raters' true mean is on the label's side, p = Φ(d / se); the
 *   weight is W_MIN + (1 − W_MIN)·(2p − 1), clamped to [W_MIN, 1] (a coin flip gets W_MIN = 0.25);
 * - a label with no ratings behind it (a labelled folder) weighs 1.
 */
import { roundHalfEven, type Label, type LabelOrigin, type LabelRule, type RatingClass } from './label';

export const LABEL_WEIGHT = Object.freeze({
  /** Prior standard deviation of one rater's score around the raters' mean, in rating points. */
  priorSpread: 0.75,
  /** How many rating rows the prior spread is worth. */
  priorRows: 2,
  /** Weight of a label whose ratings are a coin flip. */
  minWeight: 0.25,
});

export interface LabelEvidenceSummary {
  label: Label;
  origin: LabelOrigin;
  /** The raw ratings of every source row of the image (empty when none). */
  ratings: readonly number[];
  exemplar: boolean;
  /** A curator confirmed this label in the label-issues review. */
  confirmed?: boolean;
}

export interface LabelConfidence {
  /** Training weight in [minWeight, 1]. */
  weight: number;
  /** What decided it: 'curator', 'confirmed', 'exemplar', 'ratings' or 'no ratings'. */
  basis: 'curator' | 'confirmed' | 'exemplar' | 'ratings' | 'no ratings';
  ratingMean: number | null;
  ratingCount: number;
  /** Sample standard deviation of the ratings (null below two rows). */
  ratingSpread: number | null;
  /** Signed distance of the mean from the nearest class boundary of another label (negative: the mean's class is not the label's). */
  boundaryDistance: number | null;
  /** Probability that the raters' true mean lies on the label's side (null without ratings). */
  ratingAgreement: number | null;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Classes of the rating scale whose label under the rule is `label`. */
function classesOf(label: Label, rule: LabelRule): RatingClass[] {
  return label === 'bad' ? rule.bad : rule.good;
}

/**
 * Signed distance of a mean rating from the edge of the label's classes: positive inside (how far
 * the mean must move before its class leaves them), negative outside (how far to the nearest one).
 * Class c covers ratings [c − 0.5, c + 0.5] (clamped to 1..5).
 */
export function boundaryDistance(mean: number, label: Label, rule: LabelRule): number {
  const mine = classesOf(label, rule);
  const cls = Math.min(5, Math.max(1, roundHalfEven(mean))) as RatingClass;
  const lo = (c: number) => Math.max(1, c - 0.5);
  const hi = (c: number) => Math.min(5, c + 0.5);
  const dist = (c: number) => (mean < lo(c) ? lo(c) - mean : mean > hi(c) ? mean - hi(c) : 0);
  if (mine.includes(cls)) {
    let d = Infinity;
    for (const c of [1, 2, 3, 4, 5] as RatingClass[]) if (!mine.includes(c)) d = Math.min(d, c < cls ? mean - hi(c) : lo(c) - mean);
    // No other class at all: as far as the scale allows.
    return Number.isFinite(d) ? Math.max(0, d) : 4;
  }
  let d = Infinity;
  for (const c of mine) d = Math.min(d, dist(c));
  return Number.isFinite(d) ? -d : -4;
}

export function labelConfidence(e: LabelEvidenceSummary, rule: LabelRule): LabelConfidence {
  const { priorSpread, priorRows, minWeight } = LABEL_WEIGHT;
  const n = e.ratings.length;
  const mean = n ? e.ratings.reduce((a, b) => a + b, 0) / n : null;
  let ss = 0;
  if (mean !== null) for (const r of e.ratings) ss += (r - mean) ** 2;
  const spread = n >= 2 ? Math.sqrt(ss / (n - 1)) : null;
  let distance: number | null = null;
  let agreement: number | null = null;
  if (mean !== null) {
    distance = boundaryDistance(mean, e.label, rule);
    const v = (priorRows * priorSpread ** 2 + ss) / (priorRows + n - 1);
    const se = Math.sqrt(v / n);
    agreement = normalCdf(distance / se);
  }
  const base = { ratingMean: mean, ratingCount: n, ratingSpread: spread, boundaryDistance: distance, ratingAgreement: agreement };
  if (e.origin === 'curator') return { ...base, weight: 1, basis: 'curator' };
  if (e.confirmed) return { ...base, weight: 1, basis: 'confirmed' };
  if (e.exemplar && e.label === 'good') return { ...base, weight: 1, basis: 'exemplar' };
  if (agreement === null) return { ...base, weight: 1, basis: 'no ratings' };
  const w = minWeight + (1 - minWeight) * (2 * agreement - 1);
  return { ...base, weight: Math.min(1, Math.max(minWeight, w)), basis: 'ratings' };
}
