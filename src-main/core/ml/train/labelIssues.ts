/**
 * Label issues by confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating
 * Uncertainty in Dataset Labels", JAIR 2021), for two classes, from out-of-fold p(bad):
 *
 * - per-class threshold t_j = mean self-confidence p(j) over the samples labelled j;
 * - a sample labelled i counts towards the confident joint C[i][j] for the class j whose p(j) >= t_j
 *   (the larger p(j) when both classes pass; not counted when none does);
 * - the off-diagonal entries C[i][j], j != i, are the label issues, ranked by self-confidence
 *   p(given label), lowest (most suspicious) first.
 */
import { QcError } from '../../../../src-shared/contract/errors';

export type QualityLabel = 'good' | 'bad';

export interface LabelIssue {
  index: number;
  givenLabel: QualityLabel;
  suggested: QualityLabel;
  /** p(given label) out of fold. */
  selfConfidence: number;
}

export interface ConfidentLearningResult {
  /** t_good and t_bad. NaN for a class with no samples (nobody is then confidently that class). */
  thresholds: { good: number; bad: number };
  /** confidentJoint[given][suggested], index 0 = good, 1 = bad. */
  confidentJoint: number[][];
  /** The off-diagonal samples of the confident joint, most suspicious first. */
  issues: LabelIssue[];
}

const NAMES: readonly QualityLabel[] = ['good', 'bad'];

export function confidentLearning(y: Uint8Array, pBad: Float32Array): ConfidentLearningResult {
  if (y.length !== pBad.length) throw new QcError('bad_input', `confident learning: ${y.length} labels for ${pBad.length} probabilities`);
  const n = y.length;
  const prob = (i: number, cls: number) => (cls === 1 ? pBad[i]! : 1 - pBad[i]!);
  const sum = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < n; i++) {
    const l = y[i] ? 1 : 0;
    sum[l] = sum[l]! + prob(i, l);
    count[l] = count[l]! + 1;
  }
  const t = [count[0] ? sum[0]! / count[0]! : NaN, count[1] ? sum[1]! / count[1]! : NaN];
  const joint = [
    [0, 0],
    [0, 0],
  ];
  const issues: LabelIssue[] = [];
  for (let i = 0; i < n; i++) {
    const given = y[i] ? 1 : 0;
    let suggested = -1;
    for (let cls = 0; cls < 2; cls++) {
      const p = prob(i, cls);
      // NaN thresholds never pass.
      if (p >= t[cls]! && (suggested < 0 || p > prob(i, suggested))) suggested = cls;
    }
    if (suggested < 0) continue;
    const row = joint[given]!;
    row[suggested] = row[suggested]! + 1;
    if (suggested !== given) issues.push({ index: i, givenLabel: NAMES[given]!, suggested: NAMES[suggested]!, selfConfidence: prob(i, given) });
  }
  issues.sort((a, b) => a.selfConfidence - b.selfConfidence || a.index - b.index);
  return { thresholds: { good: t[0]!, bad: t[1]! }, confidentJoint: joint, issues };
}
