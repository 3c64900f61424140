/**
 * Threshold maths shared by the engine and the UI slider.
 *
 * A model gives each image a score s, the predicted probability of a class (e.g. `bad`); the
 * image is flagged as that class when s ≥ t. Against known labels (held-out or out-of-fold
 * predictions) a threshold t has a coverage (the share of the class it catches) and an error
 * (the share of flagged images that do not have the class). Curators pick t by the error they
 * can live with, so the error carries a one-sided Clopper–Pearson upper bound: a threshold is
 * only recommended when the data *prove* its error is below the target, which small labelled
 * sets often cannot (0 errors in 59 flagged images is the least that proves 5% at 95%).
 *
 * {@link ThresholdIndex} sorts the scores once and then answers any threshold by binary search,
 * so a slider over a million predictions stays interactive.
 */
import { CONFIDENCE_DECIMALS, roundConfidence } from './tags';

/**
 * A p(bad) in words (a probability, not a threshold: thresholds use {@link formatThreshold}):
 * three decimals in the middle, and near 0 or 1 as many as it takes to show two digits of the
 * distance to that end (0.99941, 0.999984), at most `max`. A value that would still print as 0 or 1
 * is written in exponent form: near 0 the number itself ("3.5e-12"), near 1 as 1 minus its distance
 * ("1 − 2.0e-12").
 * Trained heads put most bad images within 0.001 of 1, where three decimals print "1.000" for all of them.
 */
export function formatProbability(p: number, min = 3, max = 8): string {
  if (!Number.isFinite(p) || p <= 0 || p >= 1) return Number.isFinite(p) ? p.toFixed(min) : String(p);
  const tail = Math.min(p, 1 - p);
  const decimals = Math.min(max, Math.max(min, Math.ceil(-Math.log10(tail) - 1e-9) + 1));
  const text = p.toFixed(decimals);
  if (Number(text) === 0 || Number(text) === 1) return p < 0.5 ? p.toExponential(1) : `1 − ${tail.toExponential(1)}`;
  return text;
}

/**
 * How far from a 6-decimal number (tags.ts `roundConfidence`) a p(bad) can lie: a run's
 * predictions are stored rounded, and a tag file's `imclass good, confidence c` is read as 1 − c,
 * which lands within ~1e-16 of one. {@link formatThreshold} keeps every such value on its side.
 */
const P_BAD_SLACK = 1e-12;
const P_BAD_STEP = 10 ** CONFIDENCE_DECIMALS;
/** Decimals up to which a threshold that is exactly such a decimal prints exactly. */
const EXACT_DECIMALS = 8;

/** Whether some possible p(bad) (a 6-decimal number ± P_BAD_SLACK) lies in [lo, hi). */
function possiblePBadIn(lo: number, hi: number): boolean {
  const g = Math.ceil((lo - P_BAD_SLACK) * P_BAD_STEP) / P_BAD_STEP;
  return g < hi + P_BAD_SLACK;
}

/**
 * A threshold in words: the one rule for every place a threshold is shown to a person (the app's
 * slider, notices and toasts, Export, Train, the CLI's `qc threshold`, `qc run`, `qc export`), so a
 * curator who reads it in one and types it into another gets the same digits and the same images.
 *
 * The text is {@link formatProbability}'s when that reads back (Number(text)) as t itself; else t
 * exactly when it has at most 8 decimals (a curator's own 0.95123456 reads as typed); else the
 * fewest decimals (at least 3, trailing zeros past them dropped) that read back as t or as a value
 * on the same side as t of every p(bad) an image can have (a 6-decimal number ± 1e-12, see
 * P_BAD_SLACK): typed back into `--threshold` or `qc threshold`, it flags exactly the images t
 * flags. So a stored 0.512345 prints "0.512345" (not "0.512", which would also flag the images
 * from 0.512 to 0.512344), a slider position 0.96862745098… prints "0.9686275" (no p(bad) lies
 * between the two), and a value is never rounded across a p(bad) (0.999995 is "0.9999950", never
 * "1.000"). Never the "1 − 2.0e-12" form, which does not read back.
 */
export function formatThreshold(t: number): string {
  const text = formatProbability(t);
  if (!Number.isFinite(t) || Number(text) === t) return text;
  const sameSide = (r: number) => r === t || (Number.isFinite(r) && !possiblePBadIn(Math.min(r, t), Math.max(r, t)));
  const trim = (fixed: string) => fixed.replace(/(\.\d{3}\d*?)0+$/, '$1');
  // A value typed with up to 8 decimals (a curator's own 0.95123456) reads as typed.
  for (let d = 3; d <= EXACT_DECIMALS; d++) if (Number(t.toFixed(d)) === t) return trim(t.toFixed(d));
  if (!text.startsWith('1 − ') && sameSide(Number(text))) return text;
  for (let d = 3; d <= 20; d++) if (sameSide(Number(t.toFixed(d)))) return trim(t.toFixed(d));
  return String(t);
}

/** A class's threshold as what it compares: `p(bad) ≥ 0.83`, or `p(good) ≥ 0.49 (p(bad) ≤ 0.51)` (tags and `qc threshold` take p(bad)). */
export function formatClassThreshold(cls: 'bad' | 'good', t: number): string {
  return cls === 'bad' ? `p(bad) ≥ ${formatThreshold(t)}` : `p(good) ≥ ${formatThreshold(t)} (p(bad) ≤ ${formatThreshold(roundConfidence(1 - t))})`;
}

/** A share as a percentage with no float noise: 0.07 → "7%" (not 7.000000000000001%), 0.075 → "7.5%" (a target error as the run stores and states it). */
export function formatPercent(x: number): string {
  return `${Number((x * 100).toPrecision(6))}%`;
}

/** Confidence of the error upper bound unless a caller says otherwise. */
export const DEFAULT_CONFIDENCE = 0.95;
/** Error a recommended threshold must provably stay under unless a caller says otherwise. */
export const DEFAULT_TARGET_ERROR = 0.05;

// ---------------------------------------------------------------------------------------------
// Special functions: log-gamma, the regularized incomplete beta function and its inverse.
// Hand-written because src-shared runs in the browser too and takes no numeric dependency.
// ---------------------------------------------------------------------------------------------

/** Lanczos coefficients for g = 7, n = 9: ~15 significant digits for Γ over x > 0. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos approximation; reflection below 1/2). */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a finite x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const CF_EPS = 1e-15;
const CF_TINY = 1e-300;
/** Enough for a, b up to ~1e9: the fraction needs O(√max(a, b)) terms near the mean. */
const CF_MAX_ITERATIONS = 100_000;

/** Continued fraction for I_x(a, b) (modified Lentz), Numerical Recipes' `betacf`. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/**
 * The regularized incomplete beta function I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b): the
 * continued fraction of Numerical Recipes, evaluated on whichever side of the mean converges.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 ≤ x ≤ 1, got ${x}`);
  if (x === 0 || x === 1) return x;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The x with I_x(a, b) = p (the p-quantile of Beta(a, b)), to ~1e-12 relative or better. Newton
 * steps on the CDF, falling back to bisection whenever a step would leave the bracket that holds
 * the root.
 */
export function inverseRegularizedIncompleteBeta(p: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`inverse incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`inverse incomplete beta needs 0 ≤ p ≤ 1, got ${p}`);
  if (p === 0 || p === 1) return p;
  const logB = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  let x = a / (a + b);
  let polished = false;
  for (let i = 0; i < 300; i++) {
    const f = regularizedIncompleteBeta(x, a, b) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logB);
    let next = x - f / density;
    if (next === x) return x; // the step is below the last bit
    const newton = next > lo && next < hi; // false also for a NaN or infinite step
    if (!newton) next = (lo + hi) / 2;
    const step = Math.abs(next - x);
    x = next;
    // Tolerances are relative to the distance from the nearer end, where the precision is.
    const scale = Math.min(x, 1 - x);
    if (hi - lo <= 1e-15 * scale) break;
    // Newton converges quadratically: one step after a 1e-11 step lands within rounding noise,
    // and chasing that noise (the CDF of large a, b is good to ~1e-12) would only spin.
    if (newton && polished) break;
    if (newton && step <= 1e-11 * scale) polished = true;
  }
  return x;
}

/**
 * The fewest flagged images that can prove an error ≤ targetError at this confidence: that many
 * without a single mistake (Clopper–Pearson with 0 errors: (1 − target)^n ≤ 1 − confidence).
 * 59 for 5% at 95%.
 */
export function leastFlaggedToProve(targetError: number, confidence = DEFAULT_CONFIDENCE): number {
  if (!(targetError > 0 && targetError < 1) || !(confidence > 0 && confidence < 1)) throw new RangeError(`leastFlaggedToProve: want 0 < target, confidence < 1, got ${targetError}, ${confidence}`);
  // log1p: 1 − target is exactly 1 below a target of ~1e-16, and log(1) = 0 would make n infinite.
  const exact = Math.log(1 - confidence) / Math.log1p(-targetError);
  // Past 2^53 no count is a whole number apart from its neighbours: "at least this many" is all there is to say.
  if (!(exact <= Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  let n = Math.ceil(exact - 1e-9);
  // Guard the logarithms' last bit: the answer is the first n the bound itself accepts. A few steps
  // at most where the bound is exact; past a billion trials its own rounding is coarser than one.
  if (n > 1e9) return n;
  for (let step = 0; step < 100 && n > 1 && clopperPearsonUpper(0, n - 1, confidence) <= targetError; step++) n--;
  for (let step = 0; step < 100 && clopperPearsonUpper(0, n, confidence) > targetError; step++) n++;
  return n;
}

/**
 * One-sided Clopper–Pearson upper bound on an error rate after `errors` errors in `trials`
 * trials: the largest rate that would still show that few errors with probability 1 − confidence,
 * i.e. the confidence-quantile of Beta(errors + 1, trials − errors). 1 when there are no trials
 * or every trial is an error (nothing rules out an error rate of 1).
 */
export function clopperPearsonUpper(errors: number, trials: number, confidence = DEFAULT_CONFIDENCE): number {
  checkCounts(errors, trials);
  checkConfidence(confidence);
  if (trials === 0 || errors === trials) return 1;
  return inverseRegularizedIncompleteBeta(confidence, errors + 1, trials - errors);
}

/**
 * Whether clopperPearsonUpper(errors, trials, confidence) ≤ target, decided with one evaluation
 * of the beta CDF instead of an inversion (the quantile is ≤ target exactly when the CDF at the
 * target is ≥ confidence). This is what makes {@link ThresholdIndex.recommend} cheap.
 */
export function clopperPearsonUpperAtMost(errors: number, trials: number, target: number, confidence = DEFAULT_CONFIDENCE): boolean {
  checkCounts(errors, trials);
  checkConfidence(confidence);
  if (trials === 0 || errors === trials || target >= 1) return target >= 1;
  if (target <= 0) return false;
  return regularizedIncompleteBeta(target, errors + 1, trials - errors) >= confidence;
}

/**
 * Two-sided Clopper–Pearson interval for an error rate (each tail (1 − confidence) / 2): the error
 * bar of an observed fp / flagged. [0, 1] when there are no trials.
 */
export function clopperPearsonInterval(errors: number, trials: number, confidence = DEFAULT_CONFIDENCE): [number, number] {
  checkCounts(errors, trials);
  checkConfidence(confidence);
  if (trials === 0) return [0, 1];
  const tail = (1 - confidence) / 2;
  const lower = errors === 0 ? 0 : inverseRegularizedIncompleteBeta(tail, errors, trials - errors + 1);
  const upper = errors === trials ? 1 : inverseRegularizedIncompleteBeta(1 - tail, errors + 1, trials - errors);
  return [lower, upper];
}

function checkCounts(errors: number, trials: number): void {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a whole number ≥ 0, got ${trials}`);
  if (!Number.isInteger(errors) || errors < 0 || errors > trials) throw new RangeError(`errors must be a whole number in 0..${trials}, got ${errors}`);
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
}

// ---------------------------------------------------------------------------------------------
// The index.
// ---------------------------------------------------------------------------------------------

/**
 * What a threshold does. The label-dependent fields are `null` when the index was built without
 * labels (null rather than NaN, so that "unknown" survives JSON and cannot be mistaken for a
 * number in arithmetic by accident).
 */
export interface ThresholdStats {
  /** The threshold t; an image is flagged when its score ≥ t. */
  threshold: number;
  /** Images with score ≥ t. */
  flagged: number;
  /** Flagged images that truly have the class. */
  tp: number | null;
  /** Flagged images that do not. */
  fp: number | null;
  /** tp / (all images with the class); 0 when no image has the class. */
  coverage: number | null;
  /** fp / flagged; 0 when nothing is flagged. Precision is 1 − error. */
  error: number | null;
  /** One-sided Clopper–Pearson upper bound on the error at the chosen confidence; 1 when nothing is flagged. */
  error_upper: number | null;
}

/** Stats of an index with labels: every field is a number. */
export interface LabelledThresholdStats extends ThresholdStats {
  tp: number;
  fp: number;
  coverage: number;
  error: number;
  error_upper: number;
}

/** Narrows stats to the labelled kind (an index built with labels always returns that kind). */
export function isLabelledStats(stats: ThresholdStats): stats is LabelledThresholdStats {
  return stats.tp !== null;
}

export interface RecommendOptions {
  /** The error the threshold must provably stay under (default 0.05). */
  targetError?: number;
  /** Confidence of that proof (default 0.95). */
  confidence?: number;
}

export interface EstimateOptions {
  /** The error the observed (point-estimate) error must stay under (default 0.05). */
  targetError?: number;
  /** Confidence of the error bar (default 0.95). */
  confidence?: number;
  /** Fewest flagged images a point estimate is trusted on (default 10): below it one error swings the estimate by ≥ 10 points. */
  minFlagged?: number;
}

/** A point-estimate threshold: observed error ≤ target, with its two-sided error bar. */
export interface EstimatedThresholdStats extends LabelledThresholdStats {
  /** Two-sided Clopper–Pearson interval of the error at the chosen confidence. */
  errorInterval: [number, number];
}

/**
 * Scores sorted once, answering "what does threshold t flag?" in O(log n).
 *
 * The scores of images with the class and without it are kept in two sorted Float64Arrays
 * (one when there are no labels), so tp(t) and fp(t) are each a binary search and a million
 * predictions cost 8 MB, with no object per image. Scores may be any non-NaN number (±Infinity
 * included); {@link curve} assumes probabilities and sweeps 0..1.
 */
export class ThresholdIndex {
  /** Number of scores. */
  readonly size: number;
  /** Whether labels were given; without them the label-dependent stats are null. */
  readonly labelled: boolean;
  /** Images that truly have the class, or null without labels. */
  readonly positiveCount: number | null;
  /** Scores of images with the class (all scores when unlabelled), ascending. */
  private readonly pos: Float64Array;
  /** Scores of images without the class, ascending (empty when unlabelled). */
  private readonly neg: Float64Array;

  /**
   * @param scores the model's score for the class, one per image; NaN is rejected.
   * @param positives truthy when the image truly has the class; omit for unlabelled predictions.
   */
  constructor(scores: ArrayLike<number>, positives?: ArrayLike<boolean | number>) {
    const n = scores.length;
    if (positives !== undefined && positives.length !== n) {
      throw new RangeError(`ThresholdIndex: ${n} scores but ${positives.length} labels`);
    }
    let nPos = n;
    if (positives !== undefined) {
      nPos = 0;
      for (let i = 0; i < n; i++) if (positives[i]) nPos++;
    }
    const pos = new Float64Array(nPos);
    const neg = new Float64Array(n - nPos);
    let ip = 0;
    let ineg = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      if (typeof s !== 'number' || Number.isNaN(s)) {
        throw new RangeError(`ThresholdIndex: score at index ${i} is ${String(s)}, not a number; remove or fix it before thresholding`);
      }
      if (positives === undefined || positives[i]) pos[ip++] = s;
      else neg[ineg++] = s;
    }
    pos.sort(); // typed-array sort is numeric
    neg.sort();
    this.pos = pos;
    this.neg = neg;
    this.size = n;
    this.labelled = positives !== undefined;
    this.positiveCount = this.labelled ? nPos : null;
  }

  /** Number of images with score ≥ t. O(log n). */
  flagged(threshold: number): number {
    checkThreshold(threshold);
    return countAtLeast(this.pos, threshold) + countAtLeast(this.neg, threshold);
  }

  /** Everything threshold t does. O(log n) for the counts, plus one beta inversion for error_upper. */
  at(threshold: number, confidence = DEFAULT_CONFIDENCE): ThresholdStats {
    checkThreshold(threshold);
    checkConfidence(confidence);
    const tp = countAtLeast(this.pos, threshold);
    if (!this.labelled) return { threshold, flagged: tp, tp: null, fp: null, coverage: null, error: null, error_upper: null };
    return this.stats(threshold, tp, countAtLeast(this.neg, threshold), confidence);
  }

  /** `at` over `points` evenly spaced thresholds from 0 to 1 inclusive: the coverage-vs-error curve. */
  curve(points = 101, confidence = DEFAULT_CONFIDENCE): ThresholdStats[] {
    if (!Number.isInteger(points) || points < 2) throw new RangeError(`curve needs a whole number of points ≥ 2, got ${points}`);
    const out: ThresholdStats[] = [];
    for (let i = 0; i < points; i++) out.push(this.at(i / (points - 1), confidence));
    return out;
  }

  /**
   * The distinct scores, ascending: the only thresholds worth considering, since between two
   * neighbouring scores nothing changes.
   */
  candidates(): Float64Array {
    const out = new Float64Array(this.pos.length + this.neg.length);
    let n = 0;
    forEachCut(this.pos, this.neg, (score) => {
      out[n++] = score;
      return false;
    });
    return out.slice(0, n);
  }

  /**
   * The lowest threshold among the distinct scores whose error upper bound is ≤ targetError, with
   * its stats; null when none qualifies (a small or noisy set often cannot prove the target).
   * Lowest, because that flags (and so catches) the most while still meeting the target.
   *
   * One ascending sweep over the distinct scores (O(n) after the sort). Candidates are ruled out
   * without special-function work where possible: the upper bound is at least the observed error
   * (for confidence ≥ 1/2), and once (fp, flagged) fails, every later candidate with at least
   * that many errors fails too, since it has no more flagged images.
   */
  recommend(options: RecommendOptions = {}): LabelledThresholdStats | null {
    const targetError = options.targetError ?? DEFAULT_TARGET_ERROR;
    const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    if (!this.labelled) throw new Error('ThresholdIndex.recommend needs labels; this index was built from scores alone');
    if (!(targetError >= 0 && targetError <= 1)) throw new RangeError(`targetError must be in 0..1, got ${targetError}`);
    checkConfidence(confidence);
    const pruneByObserved = confidence >= 0.5;
    let failedErrors = Infinity; // smallest fp known to fail at a flagged count ≥ the current one
    const found = forEachCut(this.pos, this.neg, (_score, tp, fp) => {
      const flagged = tp + fp;
      if (fp >= failedErrors) return false;
      // The margin keeps rounding in the product from ruling out a candidate at fp/flagged = target.
      if (pruneByObserved && fp > targetError * flagged + 1e-9) return false;
      if (clopperPearsonUpperAtMost(fp, flagged, targetError, confidence)) return true;
      failedErrors = fp;
      return false;
    });
    return found === null ? null : (this.at(found, confidence) as LabelledThresholdStats);
  }

  /**
   * The point-estimate view: the lowest threshold whose OBSERVED error on these predictions is
   * ≤ targetError ("estimated precision ≥ 95%") with at least minFlagged images flagged, plus the
   * two-sided error bar. It catches more than {@link recommend} (which must PROVE the target at
   * the confidence) and says less: the bar shows how far the true error may be from the estimate,
   * and it narrows as labels are added. Null when no threshold qualifies.
   */
  estimate(options: EstimateOptions = {}): EstimatedThresholdStats | null {
    const targetError = options.targetError ?? DEFAULT_TARGET_ERROR;
    const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    const minFlagged = options.minFlagged ?? 10;
    if (!this.labelled) throw new Error('ThresholdIndex.estimate needs labels; this index was built from scores alone');
    if (!(targetError >= 0 && targetError <= 1)) throw new RangeError(`targetError must be in 0..1, got ${targetError}`);
    checkConfidence(confidence);
    const found = forEachCut(this.pos, this.neg, (_score, tp, fp) => tp + fp >= minFlagged && fp <= targetError * (tp + fp) + 1e-9);
    if (found === null) return null;
    const st = this.at(found, confidence) as LabelledThresholdStats;
    return { ...st, errorInterval: clopperPearsonInterval(st.fp, st.flagged, confidence) };
  }

  private stats(threshold: number, tp: number, fp: number, confidence: number): LabelledThresholdStats {
    const flagged = tp + fp;
    const positives = this.pos.length;
    return {
      threshold,
      flagged,
      tp,
      fp,
      coverage: positives === 0 ? 0 : tp / positives,
      error: flagged === 0 ? 0 : fp / flagged,
      error_upper: clopperPearsonUpper(fp, flagged, confidence),
    };
  }
}

function checkThreshold(threshold: number): void {
  if (Number.isNaN(threshold)) throw new RangeError('threshold is NaN');
}

/** Index of the first element ≥ t in an ascending array (its length when there is none). */
function lowerBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countAtLeast(sorted: Float64Array, t: number): number {
  return sorted.length - lowerBound(sorted, t);
}

/**
 * Walk the distinct scores of two ascending arrays from low to high, calling `visit` with each
 * score and the counts of each array at or above it. Stops at, and returns, the first score for
 * which `visit` returns true; null when it never does.
 */
function forEachCut(pos: Float64Array, neg: Float64Array, visit: (score: number, posAtLeast: number, negAtLeast: number) => boolean): number | null {
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const score = j >= neg.length || (i < pos.length && pos[i]! <= neg[j]!) ? pos[i]! : neg[j]!;
    if (visit(score, pos.length - i, neg.length - j)) return score;
    while (i < pos.length && pos[i] === score) i++;
    while (j < neg.length && neg[j] === score) j++;
  }
  return null;
}
