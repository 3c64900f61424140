/**
 * The evaluation panel's numbers, from a run's stored evaluation (pure): ROC and precision–recall
 * points from its threshold curves, p(bad) histograms by label, and whether two runs can be
 * compared on the same test images.
 */
import type { RunDetail, RunSummary } from '../../../src-shared/domain/ml';
import type { ThresholdStats } from '../../../src-shared/domain/threshold';

export interface CurvePoint {
  threshold: number;
  x: number;
  y: number;
}

/** Negatives and positives behind a curve: what threshold 0 flags. */
function totals(curve: readonly ThresholdStats[]): { pos: number; neg: number } {
  const first = curve.reduce((a, b) => (b.threshold < a.threshold ? b : a), curve[0]!);
  return { pos: first.tp ?? 0, neg: first.fp ?? 0 };
}

/** ROC: false-positive rate (x) against true-positive rate (y), one point per threshold, x ascending. */
export function rocPoints(curve: readonly ThresholdStats[]): CurvePoint[] {
  if (!curve.length) return [];
  const { pos, neg } = totals(curve);
  if (!pos || !neg) return [];
  const points = curve.map((s) => ({ threshold: s.threshold, x: (s.fp ?? 0) / neg, y: (s.tp ?? 0) / pos })).sort((a, b) => a.x - b.x || a.y - b.y);
  // Above the highest grid threshold nothing is flagged: the curve starts at (0, 0).
  if (points[0]!.x > 0 || points[0]!.y > 0) points.unshift({ threshold: Number.POSITIVE_INFINITY, x: 0, y: 0 });
  return points;
}

/** Precision–recall: recall (x) against precision (y) where something is flagged, x ascending. */
export function prPoints(curve: readonly ThresholdStats[]): CurvePoint[] {
  const { pos } = curve.length ? totals(curve) : { pos: 0 };
  if (!pos) return [];
  return curve
    .filter((s) => s.flagged > 0)
    .map((s) => ({ threshold: s.threshold, x: (s.tp ?? 0) / pos, y: (s.tp ?? 0) / s.flagged }))
    .sort((a, b) => a.x - b.x || b.y - a.y);
}

/** The point of a curve at the threshold nearest `t`. */
export function pointAt(points: readonly CurvePoint[], t: number): CurvePoint | null {
  let best: CurvePoint | null = null;
  for (const p of points) if (!best || Math.abs(p.threshold - t) < Math.abs(best.threshold - t)) best = p;
  return best;
}

export interface LabelHistogram {
  /** Left edges of the bins (0, 1/bins, …). */
  edges: number[];
  bad: number[];
  good: number[];
}

/**
 * p(bad) histograms of the images labelled bad and labelled good, from a threshold curve (counts
 * flagged at each grid threshold): the images between two neighbouring thresholds fall in a bin.
 */
export function labelHistogram(curve: readonly ThresholdStats[], bins = 20): LabelHistogram {
  const sorted = [...curve].sort((a, b) => a.threshold - b.threshold);
  const edges = Array.from({ length: bins }, (_, k) => k / bins);
  const bad = new Array<number>(bins).fill(0);
  const good = new Array<number>(bins).fill(0);
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const next = sorted[i + 1];
    // Images with score in [s.threshold, next.threshold): flagged at s but not at next (the last holds score ≥ its threshold).
    const dp = (s.tp ?? 0) - (next?.tp ?? 0);
    const dn = (s.fp ?? 0) - (next?.fp ?? 0);
    const bin = Math.min(bins - 1, Math.floor(s.threshold * bins + 1e-9));
    bad[bin]! += dp;
    good[bin]! += dn;
  }
  return { edges, bad, good };
}

/** Why two runs' held-out numbers are not comparable, or null when they are. */
export function splitWarning(a: RunSummary, b: RunSummary): string | null {
  const sa = a.snapshot;
  const sb = b.snapshot;
  if (!sa || !sb) return 'one of the runs has no record of its data split';
  const t = (s: NonNullable<RunSummary['snapshot']>) => `${s.test.bad}/${s.test.good}`;
  if (t(sa) !== t(sb)) return `their test splits differ (run ${a.run_id}: ${t(sa)} bad/good test images, run ${b.run_id}: ${t(sb)}): compare held-out numbers with care`;
  if (sa.hash !== sb.hash) return 'the labels changed between the two runs: the same test images may carry different labels';
  return null;
}

/** The bad-class curve a panel shows: test when it has both classes, else out-of-fold. */
export function badCurve(detail: RunDetail, which: 'test' | 'oof' = 'test'): readonly ThresholdStats[] {
  return detail.evaluation?.curves.bad[which] ?? [];
}
