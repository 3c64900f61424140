/**
 * What the threshold slider needs, in a size that does not grow with the library: counts of
 * predictions per score bin, for every scored image and for the held-out labelled ones split by
 * label, plus exact counts at the few thresholds that are not on the grid (the recommended one,
 * the curator's, the one in force).
 *
 * The grid is the slider's: B + 1 thresholds from 0 to 1, evenly spaced in log-odds
 * (SKETCH_LOGIT_RANGE) between its ends. A trained head puts most bad images within 0.001 of
 * p = 1, where its recommended threshold sits too (0.99998 is typical); on a grid of even steps in
 * p that whole region was one step, so the slider could not reach the recommendation and one
 * number stood for hundreds of images. In log-odds each step is 0.03: a 3% change of the odds
 * anywhere, from p ≈ 6e-6 to p ≈ 1 − 1.5e-8.
 *
 * Bin k holds the scores s with edges[k] ≤ s < edges[k + 1] (bin 0 also takes anything below 0,
 * bin B the scores ≥ 1), compared exactly as the gallery's SQL compares `p_bad >= t`, so the count
 * at a grid threshold edges[k] equals the gallery's total for "predicted bad" at that threshold.
 * The sketch carries its edges, so the page never recomputes them.
 */
import { clopperPearsonUpper, DEFAULT_CONFIDENCE, type ThresholdStats } from './threshold';

/** Steps of the slider's grid (bins): B + 1 thresholds. */
export const SKETCH_BINS = 1000;
/** Log-odds of the grid's first and last steps inside 0..1 (0 and 1 themselves are its ends); z = 0 (p = 0.5) is a grid point. */
export const SKETCH_LOGIT_RANGE = { min: -12, max: 18 } as const;

/** The grid's B + 1 thresholds: 0, then sigmoid of evenly spaced log-odds, then 1. Strictly increasing. */
export function sketchGrid(bins = SKETCH_BINS): number[] {
  if (!(Number.isInteger(bins) && bins >= 2)) throw new RangeError(`sketchGrid: want an integer number of bins ≥ 2, got ${bins}`);
  const { min, max } = SKETCH_LOGIT_RANGE;
  const edges = new Array<number>(bins + 1);
  edges[0] = 0;
  edges[bins] = 1;
  // (min·B + k·(max − min)) / B: an integer numerator, so z = 0 comes out exactly 0 where it falls on the grid.
  for (let k = 1; k < bins; k++) edges[k] = 1 / (1 + Math.exp(-(min * bins + k * (max - min)) / bins));
  return edges;
}

/** Index of the first edge ≥ t (edges.length when none). */
function firstAtLeast(edges: readonly number[], t: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Exact counts at a threshold off the grid. */
export interface SketchPoint {
  threshold: number;
  /** Scored images with p(bad) ≥ threshold. */
  flagged: number;
  /** Held-out images labelled bad with p(bad) ≥ threshold. */
  heldoutBad: number;
  /** Held-out images labelled good with p(bad) ≥ threshold. */
  heldoutGood: number;
}

export interface ThresholdSketchData {
  bins: number;
  /** B + 1 grid thresholds (sketchGrid): 0, …, 1. */
  edges: number[];
  /** B + 1 counts of every scored image. */
  all: number[];
  /** B + 1 counts of held-out images labelled bad. */
  heldoutBad: number[];
  /** B + 1 counts of held-out images labelled good. */
  heldoutGood: number[];
  points: SketchPoint[];
}

/** Bin of score s on the grid `edges` (exact: the same comparisons as `s >= edges[k]`). */
export function sketchBin(s: number, edges: readonly number[]): number {
  const bins = edges.length - 1;
  if (!(s >= edges[1]!)) return 0;
  if (s >= 1) return bins;
  const i = firstAtLeast(edges, s);
  return edges[i] === s ? i : i - 1;
}

/** Build the sketch from raw scores (held-out ones with their labels): for tests, mocks and small libraries. */
export function sketchOf(
  scores: ArrayLike<number>,
  heldout: { p_bad: ArrayLike<number>; bad: ArrayLike<number | boolean> },
  thresholds: readonly (number | null | undefined)[] = [],
  bins = SKETCH_BINS,
): ThresholdSketchData {
  const edges = sketchGrid(bins);
  const all = new Array<number>(bins + 1).fill(0);
  const heldoutBad = new Array<number>(bins + 1).fill(0);
  const heldoutGood = new Array<number>(bins + 1).fill(0);
  for (let i = 0; i < scores.length; i++) all[sketchBin(scores[i]!, edges)]!++;
  for (let i = 0; i < heldout.p_bad.length; i++) (heldout.bad[i] ? heldoutBad : heldoutGood)[sketchBin(heldout.p_bad[i]!, edges)]!++;
  const count = (xs: ArrayLike<number>, t: number, keep: (i: number) => boolean = () => true) => {
    let n = 0;
    for (let i = 0; i < xs.length; i++) if (xs[i]! >= t && keep(i)) n++;
    return n;
  };
  const points = offGrid(thresholds, edges).map((t) => ({
    threshold: t,
    flagged: count(scores, t),
    heldoutBad: count(heldout.p_bad, t, (i) => Boolean(heldout.bad[i])),
    heldoutGood: count(heldout.p_bad, t, (i) => !heldout.bad[i]),
  }));
  return { bins, edges, all, heldoutBad, heldoutGood, points };
}

/** The distinct thresholds in 0..1 that are not grid thresholds. */
export function offGrid(thresholds: readonly (number | null | undefined)[], edges: readonly number[]): number[] {
  const out = new Set<number>();
  for (const t of thresholds) if (typeof t === 'number' && t > 0 && t < 1 && !onGrid(t, edges)) out.add(t);
  return [...out];
}

export function onGrid(t: number, edges: readonly number[]): boolean {
  return edges[firstAtLeast(edges, t)] === t;
}

/** Suffix sums: at[k] = count of bins k..B. */
function suffix(counts: readonly number[]): Int32Array | Float64Array {
  const out = new Float64Array(counts.length + 1);
  for (let k = counts.length - 1; k >= 0; k--) out[k] = out[k + 1]! + counts[k]!;
  return out;
}

/**
 * Answers the slider in O(1): the flagged count and the held-out coverage and error (with its
 * Clopper–Pearson upper bound) at any threshold on the grid or among the sketch's exact points.
 * Elsewhere the answer is that of the next grid threshold up, and `exact(t)` says so.
 */
export class ThresholdSketch {
  readonly bins: number;
  /** The grid: B + 1 thresholds, 0 … 1 (slider position k is edges[k]). */
  readonly edges: readonly number[];
  /** Scored images. */
  readonly size: number;
  /** Held-out labelled images. */
  readonly heldoutSize: number;
  /** Held-out images labelled bad. */
  readonly positiveCount: number;
  private readonly all: Float64Array | Int32Array;
  private readonly bad: Float64Array | Int32Array;
  private readonly good: Float64Array | Int32Array;
  private readonly points: Map<number, SketchPoint>;

  constructor(data: ThresholdSketchData) {
    const b = data.bins;
    if (!(Number.isInteger(b) && b > 0) || [data.edges, data.all, data.heldoutBad, data.heldoutGood].some((a) => a?.length !== b + 1)) {
      throw new RangeError(`ThresholdSketch: want ${b} + 1 edges and counts per array`);
    }
    if (data.edges[0] !== 0 || data.edges[b] !== 1 || data.edges.some((e, k) => k > 0 && !(e > data.edges[k - 1]!))) {
      throw new RangeError('ThresholdSketch: the edges must rise strictly from 0 to 1');
    }
    this.bins = b;
    this.edges = data.edges;
    this.all = suffix(data.all);
    this.bad = suffix(data.heldoutBad);
    this.good = suffix(data.heldoutGood);
    this.size = this.all[0]!;
    this.positiveCount = this.bad[0]!;
    this.heldoutSize = this.positiveCount + this.good[0]!;
    this.points = new Map(data.points.map((p) => [p.threshold, p]));
  }

  /** Whether the counts at t are exact (t on the grid, at an exact point, or outside 0..1). */
  exact(t: number): boolean {
    return t <= 0 || t > 1 || onGrid(t, this.edges) || this.points.has(t);
  }

  /** The grid threshold at slider position k (clamped to 0..B, rounded). */
  threshold(position: number): number {
    return this.edges[Math.min(this.bins, Math.max(0, Math.round(position)))]!;
  }

  /**
   * Where threshold t sits on the slider, 0..B: k at edges[k], in between on the log-odds scale
   * (so markers for off-grid thresholds stand where they belong).
   */
  position(t: number): number {
    if (!(t > 0)) return 0;
    if (t >= 1) return this.bins;
    const k = firstAtLeast(this.edges, t);
    if (this.edges[k] === t) return k;
    const lo = this.edges[k - 1]!;
    const hi = this.edges[k]!;
    const z = (p: number) => Math.log(p) - Math.log1p(-p);
    // The ends (0 and 1) have no log-odds: interpolate in p there.
    const f = lo > 0 && hi < 1 ? (z(t) - z(lo)) / (z(hi) - z(lo)) : (t - lo) / (hi - lo);
    return k - 1 + f;
  }

  private counts(t: number): { flagged: number; tp: number; fp: number } {
    if (t <= 0) return { flagged: this.size, tp: this.positiveCount, fp: this.heldoutSize - this.positiveCount };
    if (t > 1) return { flagged: 0, tp: 0, fp: 0 };
    const p = this.points.get(t);
    if (p) return { flagged: p.flagged, tp: p.heldoutBad, fp: p.heldoutGood };
    const k = firstAtLeast(this.edges, t);
    return { flagged: this.all[k]!, tp: this.bad[k]!, fp: this.good[k]! };
  }

  /**
   * Held-out labelled images by label in bins of `step` grid steps, from 0 up (the last bin holds
   * the scores ≥ 1 too): the histogram under the slider, on its scale.
   */
  heldoutHistogram(step: number): { edges: number[]; bad: number[]; good: number[] } {
    if (!(Number.isInteger(step) && step > 0)) throw new RangeError(`heldoutHistogram: want a whole step ≥ 1, got ${step}`);
    const edges: number[] = [];
    const bad: number[] = [];
    const good: number[] = [];
    for (let k = 0; k < this.bins; k += step) {
      // Suffix sums run to bins + 1 (0 there): the last bin's upper end takes bin B (scores ≥ 1).
      const hi = k + step >= this.bins ? this.bins + 1 : k + step;
      edges.push(this.edges[k]!);
      bad.push(this.bad[k]! - this.bad[hi]!);
      good.push(this.good[k]! - this.good[hi]!);
    }
    return { edges, bad, good };
  }

  /** Scored images with p(bad) ≥ t. */
  flagged(t: number): number {
    return this.counts(t).flagged;
  }

  /** Held-out stats at t: flagged, tp, fp, coverage of bad, error and its upper bound. */
  at(t: number, confidence = DEFAULT_CONFIDENCE): ThresholdStats {
    const { tp, fp } = this.counts(t);
    const flagged = tp + fp;
    return {
      threshold: t,
      flagged,
      tp,
      fp,
      coverage: this.positiveCount === 0 ? 0 : tp / this.positiveCount,
      error: flagged === 0 ? 0 : fp / flagged,
      error_upper: clopperPearsonUpper(fp, flagged, confidence),
    };
  }
}
