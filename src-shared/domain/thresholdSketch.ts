/**
 * What the threshold slider needs, in a size that does not grow with the library: counts of
 * predictions per score bin (1,000 bins of 0.001, the slider's step), for every scored image and
 * for the held-out labelled ones split by label, plus exact counts at the few thresholds that
 * are not on the grid (the recommended one, the curator's, the one in force).
 *
 * Bin k holds the scores s with k/B ≤ s < (k+1)/B (bin 0 also takes anything below 0, bin B
 * the scores ≥ 1), compared exactly as the gallery's SQL compares `p_bad >= t`, so the count at
 * a grid threshold k/B equals the gallery's total for "predicted bad" at that threshold.
 */
import { clopperPearsonUpper, DEFAULT_CONFIDENCE, type ThresholdStats } from './threshold';

/** Bins per unit of score: the slider's step is 1/SKETCH_BINS. */
export const SKETCH_BINS = 1000;

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
  /** B + 1 counts of every scored image. */
  all: number[];
  /** B + 1 counts of held-out images labelled bad. */
  heldoutBad: number[];
  /** B + 1 counts of held-out images labelled good. */
  heldoutGood: number[];
  points: SketchPoint[];
}

/** Bin of score s among `bins` (exact: the same comparisons as `s >= k / bins`). */
export function sketchBin(s: number, bins = SKETCH_BINS): number {
  if (!(s >= 1 / bins)) return 0;
  if (s >= 1) return bins;
  let k = Math.floor(s * bins);
  if (s < k / bins) k--;
  else if (s >= (k + 1) / bins) k++;
  return k;
}

/** Build the sketch from raw scores (held-out ones with their labels): for tests, mocks and small libraries. */
export function sketchOf(
  scores: ArrayLike<number>,
  heldout: { p_bad: ArrayLike<number>; bad: ArrayLike<number | boolean> },
  thresholds: readonly (number | null | undefined)[] = [],
  bins = SKETCH_BINS,
): ThresholdSketchData {
  const all = new Array<number>(bins + 1).fill(0);
  const heldoutBad = new Array<number>(bins + 1).fill(0);
  const heldoutGood = new Array<number>(bins + 1).fill(0);
  for (let i = 0; i < scores.length; i++) all[sketchBin(scores[i]!, bins)]!++;
  for (let i = 0; i < heldout.p_bad.length; i++) (heldout.bad[i] ? heldoutBad : heldoutGood)[sketchBin(heldout.p_bad[i]!, bins)]!++;
  const count = (xs: ArrayLike<number>, t: number, keep: (i: number) => boolean = () => true) => {
    let n = 0;
    for (let i = 0; i < xs.length; i++) if (xs[i]! >= t && keep(i)) n++;
    return n;
  };
  const points = offGrid(thresholds, bins).map((t) => ({
    threshold: t,
    flagged: count(scores, t),
    heldoutBad: count(heldout.p_bad, t, (i) => Boolean(heldout.bad[i])),
    heldoutGood: count(heldout.p_bad, t, (i) => !heldout.bad[i]),
  }));
  return { bins, all, heldoutBad, heldoutGood, points };
}

/** The distinct thresholds in 0..1 that are not multiples of 1/bins. */
export function offGrid(thresholds: readonly (number | null | undefined)[], bins = SKETCH_BINS): number[] {
  const out = new Set<number>();
  for (const t of thresholds) if (typeof t === 'number' && t > 0 && t < 1 && !onGrid(t, bins)) out.add(t);
  return [...out];
}

export function onGrid(t: number, bins = SKETCH_BINS): boolean {
  return Math.round(t * bins) / bins === t;
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
    if (!(Number.isInteger(b) && b > 0) || [data.all, data.heldoutBad, data.heldoutGood].some((a) => a.length !== b + 1)) {
      throw new RangeError(`ThresholdSketch: want ${b} + 1 counts per array`);
    }
    this.bins = b;
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
    return t <= 0 || t > 1 || onGrid(t, this.bins) || this.points.has(t);
  }

  private counts(t: number): { flagged: number; tp: number; fp: number } {
    if (t <= 0) return { flagged: this.size, tp: this.positiveCount, fp: this.heldoutSize - this.positiveCount };
    if (t > 1) return { flagged: 0, tp: 0, fp: 0 };
    const p = this.points.get(t);
    if (p) return { flagged: p.flagged, tp: p.heldoutBad, fp: p.heldoutGood };
    const k = Math.min(this.bins, Math.ceil(t * this.bins - 1e-9));
    return { flagged: this.all[k]!, tp: this.bad[k]!, fp: this.good[k]! };
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
      errorUpper: clopperPearsonUpper(fp, flagged, confidence),
    };
  }
}
