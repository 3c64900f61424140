/**
 * A run's evaluation, as pure functions of its predictions (rounded as they are stored): metrics on
 * the test split, the recommended thresholds (chosen on out-of-fold predictions, checked on test)
 * and the report curves. No database, no I/O. Label issues: issues.ts.
 */
import { brierScore, confusion, histograms, logLoss, rocAuc, type BinaryLabel } from '../../../src-shared/domain/metrics';
import type { RecommendedThreshold, RunEvaluation, RunMetrics, TrainParams } from '../../../src-shared/domain/ml';
import { formatClassThreshold as classThreshold, formatPercent as percent, isLabelledStats, leastFlaggedToProve, ThresholdIndex, type LabelledThresholdStats } from '../../../src-shared/domain/threshold';
import { roundConfidence } from '../../../src-shared/domain/tags';
import { SPLIT_CODE, type TrainJobResult } from './trainJob';

export interface RunEvaluationResult {
  metrics: RunMetrics;
  thresholds: { bad: RecommendedThreshold; good: RecommendedThreshold };
  report: RunEvaluation;
}

/**
 * When no threshold proves the target, the one with the smallest provable error (the lowest
 * Clopper–Pearson upper bound; the lower threshold on ties), over at most 2,000 candidate cuts,
 * among those proven (their bound) to err less than flagging every image would; null when none is.
 */
export function lowestBound(index: ThresholdIndex): LabelledThresholdStats | null {
  const candidates = index.candidates();
  if (!candidates.length) return null;
  const step = Math.max(1, Math.floor(candidates.length / 2000));
  // Flagging every image errs on every negative: a threshold not proven to do better than that
  // (its bound at or above that share) tells nothing (a run no better than chance, or too few
  // predictions to show it), and is no bound to apply: then there is none, and the fallback is the
  // default 0.5 (runs.ts chooseThreshold).
  const everyImageError = index.positiveCount === null || !index.size ? 1 : 1 - index.positiveCount / index.size;
  let best: LabelledThresholdStats | null = null;
  for (let i = 0; i < candidates.length; i += step) {
    const s = index.at(candidates[i]!);
    if (!isLabelledStats(s) || s.flagged === 0 || !(s.error_upper < everyImageError)) continue;
    if (!best || s.error_upper < best.error_upper - 1e-12) best = s;
  }
  return best;
}

export function evaluateRun(r: TrainJobResult, y: Uint8Array, split: Uint8Array, params: TrainParams): RunEvaluationResult {
  const test: number[] = [];
  const oofRows: number[] = [];
  split.forEach((s, i) => {
    if (s === SPLIT_CODE.test) test.push(i);
    else if ((s === SPLIT_CODE.train || s === SPLIT_CODE.validation) && !Number.isNaN(r.oof[i]!)) oofRows.push(i);
  });
  // p(bad) as the run stores it (runs.ts putPredictions: 6 decimals), so every threshold is a stored
  // value and the counts reported at it are what the slider, the gallery and the tags give there:
  // a threshold chosen on the unrounded value excluded the very image that defined it when that
  // value rounded down.
  const yTest = test.map((i) => y[i]! as BinaryLabel);
  const pTest = test.map((i) => roundConfidence(r.pAll[i]!));
  const yOof = oofRows.map((i) => y[i]! as BinaryLabel);
  const pOof = oofRows.map((i) => roundConfidence(r.oof[i]!));
  const c = confusion(yTest, pTest);
  const auc = rocAuc(yTest, pTest);
  const oofAuc = rocAuc(yOof, pOof);
  const metrics: RunMetrics = {
    test_accuracy: c.accuracy,
    test_auc: Number.isNaN(auc) ? null : auc,
    test_log_loss: logLoss(yTest, pTest),
    test_brier: brierScore(yTest, pTest),
    test_size: test.length,
    per_class: c.perClass,
    confusion: { tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn },
    oof_auc: Number.isNaN(oofAuc) ? null : oofAuc,
  };
  const recommend = (cls: 'bad' | 'good'): RecommendedThreshold => {
    // 1 − p rounded again: a good-class threshold is then a short decimal too (0.490168, not
    // 0.49016800000000005), written back as stored and on the same side of every image.
    const score = (p: number) => (cls === 'bad' ? p : roundConfidence(1 - p));
    const positive = (v: BinaryLabel) => (cls === 'bad' ? v === 1 : v === 0);
    const oofIndex = new ThresholdIndex(pOof.map(score), yOof.map(positive));
    const testIndex = new ThresholdIndex(pTest.map(score), yTest.map(positive));
    const chosen = oofIndex.recommend({ targetError: params.targetError });
    const best = chosen ? null : lowestBound(oofIndex);
    const estimate = oofIndex.estimate({ targetError: params.targetError });
    return {
      estimate: estimate ? { ...estimate, on_test: testIndex.at(estimate.threshold) } : null,
      threshold: chosen?.threshold ?? null,
      target_error: params.targetError,
      chosen_on: chosen,
      on_test: chosen ? testIndex.at(chosen.threshold) : null,
      best_bound: best ? { ...best, on_test: testIndex.at(best.threshold) } : null,
      note: chosen
        ? `lowest ${cls === 'good' ? 'p(good) ' : ''}threshold whose error on ${oofRows.length} out-of-fold predictions stays ≤ ${percent(params.targetError)} at 95% confidence (Clopper–Pearson)`
        : `no ${cls === 'good' ? 'p(good) ' : ''}threshold proves an error ≤ ${percent(params.targetError)} at 95% confidence on ${oofRows.length} out-of-fold predictions (that needs ≥ ${leastFlaggedToProve(params.targetError)} flagged images without an error)` +
          (best ? `; the best provable is ≤ ${(best.error_upper * 100).toFixed(1)}% at ${classThreshold(cls, best.threshold)} (coverage ${(best.coverage * 100).toFixed(1)}%)` : ''),
    };
  };
  const thresholds = { bad: recommend('bad'), good: recommend('good') };
  const curves = (cls: 'bad' | 'good') => {
    const score = (p: number) => (cls === 'bad' ? p : roundConfidence(1 - p));
    const positive = (v: BinaryLabel) => (cls === 'bad' ? v === 1 : v === 0);
    return {
      oof: new ThresholdIndex(pOof.map(score), yOof.map(positive)).curve(101),
      test: new ThresholdIndex(pTest.map(score), yTest.map(positive)).curve(101),
    };
  };
  const report: RunEvaluation = { histograms: histograms(yTest, pTest), curves: { bad: curves('bad'), good: curves('good') }, epochs: r.head.history };
  return { metrics, thresholds, report };
}
