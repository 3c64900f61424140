/**
 * Evaluation metrics for the binary quality classifier, the figures a curator reads next to
 * the threshold slider: a confusion matrix with per-class precision/recall/F1, ROC AUC,
 * histograms of predicted probability split by right and wrong predictions (the seed
 * notebook's diagnostic), and log loss / Brier score for calibration.
 *
 * Convention throughout: the positive class is `bad` = 1, `good` = 0, and `pPositive` is the
 * model's p(bad). An image is predicted `bad` when p ≥ threshold, the same rule as
 * `ThresholdIndex` in ./threshold (scores equal to the threshold are flagged).
 */

export type BinaryLabel = 0 | 1;

export interface ClassMetrics {
  /** Right predictions of the class / all predictions of it; 0 when the class is never predicted. */
  precision: number;
  /** Right predictions of the class / all images truly of it; 0 when the class never occurs. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Images truly of the class. */
  support: number;
}

export interface Confusion {
  /** Truly bad, predicted bad. */
  tp: number;
  /** Truly good, predicted bad. */
  fp: number;
  /** Truly good, predicted good. */
  tn: number;
  /** Truly bad, predicted good. */
  fn: number;
  n: number;
  /** (tp + tn) / n; NaN when there are no images. */
  accuracy: number;
  /**
   * Per-class figures. Undefined ratios are 0, like scikit-learn's classification_report with
   * zero_division=0, so that a table of them always renders.
   */
  perClass: { bad: ClassMetrics; good: ClassMetrics };
}

/** Confusion matrix at a threshold, with per-class precision, recall and F1. */
export function confusion(yTrue: ArrayLike<BinaryLabel>, pPositive: ArrayLike<number>, threshold = 0.5): Confusion {
  checkPairs(yTrue, pPositive);
  if (Number.isNaN(threshold)) throw new RangeError('threshold is NaN');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const predictedBad = score(pPositive, i) >= threshold;
    if (label(yTrue, i) === 1) {
      if (predictedBad) tp++;
      else fn++;
    } else if (predictedBad) fp++;
    else tn++;
  }
  const n = yTrue.length;
  return {
    tp,
    fp,
    tn,
    fn,
    n,
    accuracy: n === 0 ? NaN : (tp + tn) / n,
    perClass: { bad: classMetrics(tp, fp, fn), good: classMetrics(tn, fn, fp) },
  };
}

/** Metrics of one class from its own view: right, wrongly claimed, missed. */
function classMetrics(right: number, wronglyClaimed: number, missed: number): ClassMetrics {
  const precision = ratioOrZero(right, right + wronglyClaimed);
  const recall = ratioOrZero(right, right + missed);
  return { precision, recall, f1: ratioOrZero(2 * precision * recall, precision + recall), support: right + missed };
}

function ratioOrZero(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * Area under the ROC curve for scores of the positive class: the Mann–Whitney U of the
 * positives' ranks, ties given their average rank (so a tied positive/negative pair counts 1/2).
 * O(n log n). NaN when either class is missing, since the AUC is then undefined.
 */
export function rocAuc(yTrue: ArrayLike<BinaryLabel>, scores: ArrayLike<number>): number {
  checkPairs(yTrue, scores);
  const [pos, neg] = splitSorted(yTrue, scores);
  if (pos.length === 0 || neg.length === 0) return NaN;
  // Walk the merged order one tie group at a time; the group after `rank` items holds ranks
  // rank+1 .. rank+size, whose average is rank + (size + 1) / 2.
  let rankSum = 0;
  let rank = 0;
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const v = j >= neg.length || (i < pos.length && pos[i]! <= neg[j]!) ? pos[i]! : neg[j]!;
    let groupPos = 0;
    let groupNeg = 0;
    while (i < pos.length && pos[i] === v) {
      i++;
      groupPos++;
    }
    while (j < neg.length && neg[j] === v) {
      j++;
      groupNeg++;
    }
    const size = groupPos + groupNeg;
    rankSum += groupPos * (rank + (size + 1) / 2);
    rank += size;
  }
  const u = rankSum - (pos.length * (pos.length + 1)) / 2;
  return u / (pos.length * neg.length);
}

/** Scores of positives and of negatives, each sorted ascending. */
function splitSorted(yTrue: ArrayLike<BinaryLabel>, scores: ArrayLike<number>): [Float64Array, Float64Array] {
  let nPos = 0;
  for (let i = 0; i < yTrue.length; i++) if (label(yTrue, i) === 1) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(yTrue.length - nPos);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const s = score(scores, i);
    if (yTrue[i] === 1) pos[ip++] = s;
    else neg[ineg++] = s;
  }
  return [pos.sort(), neg.sort()];
}

export interface ProbabilityHistogram {
  /** bins + 1 bin edges from 0 to 1; bin k holds [edges[k], edges[k+1]), the last also holds 1. */
  edges: number[];
  /** Per bin: predictions of this class that were right. */
  truePred: number[];
  /** Per bin: predictions of this class that were wrong. */
  falsePred: number[];
}

/**
 * Histograms of the predicted probability of the predicted class, split into right and wrong
 * predictions: for images predicted `bad` (p ≥ threshold) the probability is p, for images
 * predicted `good` it is 1 − p. A good classifier's wrong predictions pile up near the
 * threshold; wrong predictions at high probability point at label noise. Every image lands in
 * exactly one bin of one class, so all counts sum to n.
 */
export function histograms(
  yTrue: ArrayLike<BinaryLabel>,
  pPositive: ArrayLike<number>,
  bins = 20,
  threshold = 0.5,
): { bad: ProbabilityHistogram; good: ProbabilityHistogram } {
  checkPairs(yTrue, pPositive);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a whole number ≥ 1, got ${bins}`);
  if (Number.isNaN(threshold)) throw new RangeError('threshold is NaN');
  const empty = (): ProbabilityHistogram => ({
    edges: Array.from({ length: bins + 1 }, (_, k) => k / bins),
    truePred: new Array<number>(bins).fill(0),
    falsePred: new Array<number>(bins).fill(0),
  });
  const out = { bad: empty(), good: empty() };
  for (let i = 0; i < yTrue.length; i++) {
    const p = probability(pPositive, i);
    const predictedBad = p >= threshold;
    const hist = predictedBad ? out.bad : out.good;
    const prob = predictedBad ? p : 1 - p;
    const bin = Math.min(bins - 1, Math.floor(prob * bins));
    const right = predictedBad === (label(yTrue, i) === 1);
    (right ? hist.truePred : hist.falsePred)[bin]! += 1;
  }
  return out;
}

/**
 * Mean negative log-likelihood of the true labels. Probabilities are clipped to [eps, 1 − eps]
 * (as scikit-learn does) so that one confident mistake costs a lot but not Infinity. NaN when
 * there are no images.
 */
export function logLoss(yTrue: ArrayLike<BinaryLabel>, pPositive: ArrayLike<number>, eps = 1e-15): number {
  checkPairs(yTrue, pPositive);
  if (yTrue.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probability(pPositive, i)));
    sum -= label(yTrue, i) === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / yTrue.length;
}

/** Mean squared difference between p(bad) and the true label (0 is perfect). NaN when there are no images. */
export function brierScore(yTrue: ArrayLike<BinaryLabel>, pPositive: ArrayLike<number>): number {
  checkPairs(yTrue, pPositive);
  if (yTrue.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = probability(pPositive, i) - label(yTrue, i);
    sum += d * d;
  }
  return sum / yTrue.length;
}

function checkPairs(yTrue: ArrayLike<unknown>, p: ArrayLike<unknown>): void {
  if (yTrue.length !== p.length) throw new RangeError(`${yTrue.length} labels but ${p.length} predictions`);
}

/** The label at i, checked: data from a file or a database can hold anything. */
function label(yTrue: ArrayLike<BinaryLabel>, i: number): BinaryLabel {
  const y = yTrue[i];
  if (y !== 0 && y !== 1) throw new RangeError(`label at index ${i} is ${String(y)}, not 0 (good) or 1 (bad)`);
  return y;
}

/** A score at i, rejecting NaN. */
function score(scores: ArrayLike<number>, i: number): number {
  const s = scores[i]!;
  if (Number.isNaN(s)) throw new RangeError(`score at index ${i} is NaN`);
  return s;
}

/** A probability at i, rejecting anything outside 0..1. */
function probability(pPositive: ArrayLike<number>, i: number): number {
  const p = pPositive[i]!;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability at index ${i} is ${p}, outside 0..1`);
  return p;
}
