/**
 * Label issues by confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating
 * Uncertainty in Dataset Labels", JAIR 2021; cleanlab's `find_label_issues`), for two classes,
 * from held-out (out-of-fold) p(bad):
 *
 * - per-class threshold t_j = mean self-confidence p(j) over the samples labelled j;
 * - a sample labelled i counts towards the confident joint C[i][j] for the class j whose
 *   p(j) >= t_j (the larger p(j) when both classes pass; not counted when none does);
 * - the calibrated joint rescales each row of C to the number of samples labelled i (samples that
 *   passed no threshold still carry their label's noise), which estimates how many labels of class
 *   i are really j;
 * - the issue set (`filter`): `prune_by_noise_rate` (cleanlab's default) takes, among the samples
 *   labelled i, the round(C_cal[i][j]) with the largest margin p(j) - p(i); `confident_learning`
 *   takes the off-diagonal samples of C itself. With `prune_by_noise_rate` a sample whose argmax is
 *   its given label is never an issue;
 * - ranking (`ranking`): by self-confidence p(given) or by normalised margin p(given) - p(other),
 *   lowest (most suspicious) first, optionally on class-adjusted probabilities (p - t, shifted by
 *   max t and renormalised: cleanlab's `adjust_pred_probs`). With two classes p(other) = 1 - p(given),
 *   so the margin 2 p(given) - 1 orders samples exactly as self-confidence does; what changes the
 *   order is the class adjustment, which compares a good label's p(good) with t_good and a bad
 *   label's p(bad) with t_bad. `npm run report:ml -- --noise …` measures which wins.
 */
import { QcError } from '../../../../src-shared/contract/errors';

export type QualityLabel = 'good' | 'bad';
export type IssueRanking = 'self_confidence' | 'normalized_margin';
export type IssueFilter = 'prune_by_noise_rate' | 'confident_learning';

export interface LabelIssue {
  index: number;
  givenLabel: QualityLabel;
  suggested: QualityLabel;
  /** p(given label) out of fold. */
  selfConfidence: number;
  /** The ranking score (lower = more suspicious). */
  score: number;
}

export interface LabelIssueOptions {
  /** Default: self_confidence. */
  ranking?: IssueRanking;
  /** Rank on class-adjusted probabilities (default true: measured better, see README). */
  adjust?: boolean;
  /** Default: prune_by_noise_rate. */
  filter?: IssueFilter;
  /** Samples never reported (e.g. labels a curator confirmed); they still shape the thresholds. */
  exclude?: Uint8Array;
  /**
   * Per sample, the probability that its own ratings support the given label (labelWeight.ts;
   * NaN = no ratings, or a label a curator set or confirmed: issues.ts labelConfidences). An import
   * label its ratings contradict (< 0.5, e.g. a mean near the class boundary) ranks as if its score
   * were lower by 2·(0.5 − p): the raters and the model both disagree with it. Labels the ratings
   * support are ranked by the model alone.
   */
  ratingAgreement?: Float64Array;
  /**
   * Per sample, the logit behind p(bad) in double precision (trainJob's heldLogit). Breaks ties of
   * the ranking score: float32 p(bad) is exactly 1 (or 0) for every logit beyond ~17, so without it
   * confidently scored samples would keep their input order.
   */
  logit?: Float64Array;
  /**
   * Per sample, the family of versions of one photo it belongs to (splits.ts familyGroups; -1 or
   * absent = none). A suspicion that the photo's other versions with the same given label share
   * (the model disputes their label too) ranks lower by SHARED_DISPUTE × the share of them it
   * disputes: a random wrong label rarely hits every version of a photo, while a photo the model
   * misreads (a good photo that looks dark or soft by nature) is misread in every version.
   */
  family?: Int32Array;
}

/**
 * How far a suspicion every same-label version of its photo shares moves down the ranking (`family`):
 * 0.5 puts it below every suspicion of its own (prune_by_noise_rate lists only p(given) < 0.5).
 * Measured with `npm run report:ml -- --noise 0.1 --only-flip20` (README, Label issues).
 */
export const SHARED_DISPUTE = 0.5;

/** The default choice, measured by `npm run report:ml -- --noise 0.02,0.05,0.1` (README, Label issues). */
export const DEFAULT_ISSUE_OPTIONS: Readonly<Required<Omit<LabelIssueOptions, 'exclude' | 'ratingAgreement' | 'logit' | 'family'>>> = Object.freeze({
  ranking: 'self_confidence',
  adjust: true,
  filter: 'prune_by_noise_rate',
});

export interface ConfidentLearningResult {
  /** t_good and t_bad. NaN for a class with no samples (nobody is then confidently that class). */
  thresholds: { good: number; bad: number };
  /** confidentJoint[given][suggested], index 0 = good, 1 = bad. */
  confidentJoint: number[][];
  /** The joint calibrated to the label counts (real-valued). */
  calibratedJoint: number[][];
  /** Estimated number of wrong labels per given class (round of the calibrated off-diagonal). */
  estimatedWrong: { good: number; bad: number };
  ranking: IssueRanking;
  adjusted: boolean;
  filter: IssueFilter;
  /** The issues, most suspicious first. */
  issues: LabelIssue[];
  /**
   * Beyond the estimate: every other sample (not excluded) whose held-out prediction still prefers
   * the other label, in the same order. Confident learning lists only as many per class as it
   * estimates wrong; a curator who has reviewed those can go on down the ranking here.
   */
  beyond: LabelIssue[];
}

const NAMES: readonly QualityLabel[] = ['good', 'bad'];

/** Per-class mean self-confidence: [t_good, t_bad]; NaN for an absent class. */
export function confidentThresholds(y: Uint8Array, pBad: ArrayLike<number>): [number, number] {
  const sum = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < y.length; i++) {
    const l = y[i] ? 1 : 0;
    sum[l]! += l ? pBad[i]! : 1 - pBad[i]!;
    count[l]!++;
  }
  return [count[0] ? sum[0]! / count[0]! : NaN, count[1] ? sum[1]! / count[1]! : NaN];
}

/**
 * Suspicion score of every sample (lower = more likely mislabelled) under a ranking: self-confidence
 * or normalised margin, on raw or class-adjusted probabilities, lowered where the ratings disagree
 * with the label (`ratingAgreement`, NaN = none), raised where the photo's other same-label
 * versions share the suspicion (`family`, LabelIssueOptions.family).
 */
export function issueScores(
  y: Uint8Array,
  pBad: ArrayLike<number>,
  ranking: IssueRanking,
  adjust: boolean,
  t?: [number, number],
  ratingAgreement?: ArrayLike<number>,
  family?: ArrayLike<number>,
): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  let tg = 0;
  let tb = 0;
  let tmax = 0;
  if (adjust) {
    [tg, tb] = t ?? confidentThresholds(y, pBad);
    // A missing class has no threshold: adjust by nothing on that side.
    if (Number.isNaN(tg)) tg = 0;
    if (Number.isNaN(tb)) tb = 0;
    tmax = Math.max(tg, tb);
  }
  for (let i = 0; i < n; i++) {
    let pb = pBad[i]!;
    let pg = 1 - pb;
    if (adjust) {
      pb = pb - tb + tmax;
      pg = pg - tg + tmax;
      const s = pb + pg;
      pb /= s;
      pg /= s;
    }
    const given = y[i] ? pb : pg;
    const other = y[i] ? pg : pb;
    out[i] = ranking === 'self_confidence' ? given : given - other;
    // A label its ratings contradict (agreement a < 0.5) ranks as if its score were lower by 2·(0.5 − a).
    const a = ratingAgreement?.[i];
    if (a !== undefined && a < 0.5) out[i]! -= 2 * (0.5 - a);
  }
  if (family) {
    if (family.length !== n) throw new QcError('bad_input', `label issues: ${family.length} family ids for ${n} labels`);
    const disputed = (i: number) => (y[i] ? pBad[i]! < 0.5 : pBad[i]! > 0.5);
    // Per (family, given label): members and how many of them the model disputes.
    const tally = new Map<number, { members: number; disputed: number }>();
    const keyOf = (i: number) => 2 * family[i]! + (y[i] ? 1 : 0);
    for (let i = 0; i < n; i++) {
      if (family[i]! < 0) continue;
      const e = tally.get(keyOf(i)) ?? { members: 0, disputed: 0 };
      e.members++;
      if (disputed(i)) e.disputed++;
      tally.set(keyOf(i), e);
    }
    for (let i = 0; i < n; i++) {
      const e = family[i]! < 0 ? undefined : tally.get(keyOf(i));
      if (!e || e.members < 2) continue;
      const others = e.disputed - (disputed(i) ? 1 : 0);
      out[i]! += (SHARED_DISPUTE * others) / (e.members - 1);
    }
  }
  return out;
}

export function confidentLearning(y: Uint8Array, pBad: ArrayLike<number>, opts: LabelIssueOptions = {}): ConfidentLearningResult {
  if (y.length !== pBad.length) throw new QcError('bad_input', `confident learning: ${y.length} labels for ${pBad.length} probabilities`);
  if (opts.exclude && opts.exclude.length !== y.length) throw new QcError('bad_input', `confident learning: ${opts.exclude.length} exclusion flags for ${y.length} labels`);
  if (opts.logit && opts.logit.length !== y.length) throw new QcError('bad_input', `confident learning: ${opts.logit.length} logits for ${y.length} labels`);
  if (opts.ratingAgreement && opts.ratingAgreement.length !== y.length) throw new QcError('bad_input', `confident learning: ${opts.ratingAgreement.length} rating agreements for ${y.length} labels`);
  const ranking = opts.ranking ?? DEFAULT_ISSUE_OPTIONS.ranking;
  const adjust = opts.adjust ?? DEFAULT_ISSUE_OPTIONS.adjust;
  const filter = opts.filter ?? DEFAULT_ISSUE_OPTIONS.filter;
  const n = y.length;
  const prob = (i: number, cls: number) => (cls === 1 ? pBad[i]! : 1 - pBad[i]!);
  const t = confidentThresholds(y, pBad);
  const joint = [
    [0, 0],
    [0, 0],
  ];
  const offDiagonal: number[] = [];
  const labelCount = [0, 0];
  for (let i = 0; i < n; i++) {
    const given = y[i] ? 1 : 0;
    labelCount[given]!++;
    let suggested = -1;
    for (let cls = 0; cls < 2; cls++) {
      const p = prob(i, cls);
      // NaN thresholds never pass; cleanlab's 1e-6 slack keeps a sample exactly at t.
      if (p >= t[cls]! - 1e-6 && (suggested < 0 || p > prob(i, suggested))) suggested = cls;
    }
    if (suggested < 0) continue;
    joint[given]![suggested]!++;
    if (suggested !== given) offDiagonal.push(i);
  }
  // Calibrate: each row sums to its label count, then the whole to n (cleanlab calibrate_confident_joint).
  const cal = joint.map((row, i) => {
    const s = row[0]! + row[1]!;
    return row.map((c) => (s > 0 ? (c / s) * labelCount[i]! : 0));
  });
  const total = cal[0]![0]! + cal[0]![1]! + cal[1]![0]! + cal[1]![1]!;
  if (total > 0) for (const row of cal) for (let j = 0; j < 2; j++) row[j] = (row[j]! * n) / total;
  const estimatedWrong = { good: Math.round(cal[0]![1]!), bad: Math.round(cal[1]![0]!) };

  let candidates: number[];
  if (filter === 'confident_learning') candidates = offDiagonal;
  else {
    candidates = [];
    for (const given of [0, 1]) {
      // Keep at least one sample per class (cleanlab's min_examples_per_class).
      const members: number[] = [];
      for (let i = 0; i < n; i++) if ((y[i] ? 1 : 0) === given) members.push(i);
      const prune = Math.min(given ? estimatedWrong.bad : estimatedWrong.good, Math.max(0, members.length - 1));
      if (prune <= 0) continue;
      // Largest margin p(other) - p(given) first = lowest p(given) first.
      members.sort((a, b) => prob(a, given) - prob(b, given) || a - b);
      candidates.push(...members.slice(0, prune));
    }
  }
  const scores = issueScores(y, pBad, ranking, adjust, t, opts.ratingAgreement, opts.family);
  const issueAt = (i: number): LabelIssue => {
    const given = y[i] ? 1 : 0;
    return { index: i, givenLabel: NAMES[given]!, suggested: NAMES[1 - given]!, selfConfidence: prob(i, given), score: scores[i]! };
  };
  const issues: LabelIssue[] = [];
  for (const i of candidates) {
    const given = y[i] ? 1 : 0;
    // prune_by_noise_rate: never an issue when the model's argmax is the given label.
    if (filter === 'prune_by_noise_rate' && prob(i, given) >= prob(i, 1 - given)) continue;
    if (opts.exclude?.[i]) continue;
    issues.push(issueAt(i));
  }
  const listed = new Set(issues.map((iss) => iss.index));
  const beyond: LabelIssue[] = [];
  for (let i = 0; i < n; i++) {
    const given = y[i] ? 1 : 0;
    if (!listed.has(i) && !opts.exclude?.[i] && prob(i, given) < prob(i, 1 - given)) beyond.push(issueAt(i));
  }
  // Ties (saturated p) go to the logit that disagrees more with the given label; then input order.
  const logit = opts.logit;
  const against = (iss: LabelIssue) => {
    const z = logit?.[iss.index];
    return z === undefined || Number.isNaN(z) ? 0 : iss.givenLabel === 'bad' ? z : -z;
  };
  const order = (a: LabelIssue, b: LabelIssue) => a.score - b.score || against(a) - against(b) || a.index - b.index;
  issues.sort(order);
  beyond.sort(order);
  return { thresholds: { good: t[0], bad: t[1] }, confidentJoint: joint, calibratedJoint: cal, estimatedWrong, ranking, adjusted: adjust, filter, issues, beyond };
}

/** Every sample in suspicion order under a ranking (the report's precision@k over the whole set). */
export function rankAll(y: Uint8Array, pBad: ArrayLike<number>, ranking: IssueRanking, adjust: boolean): Int32Array {
  const s = issueScores(y, pBad, ranking, adjust);
  return Int32Array.from({ length: y.length }, (_, i) => i).sort((a, b) => s[a]! - s[b]! || a - b);
}
