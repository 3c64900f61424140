/** Confident learning on hand-made probabilities, then on out-of-fold predictions with flipped labels. */
import { describe, expect, it } from 'vitest';
import { outOfFoldProbabilities } from './folds';
import { DEFAULT_HEAD_PARAMS } from './head';
import { confidentLearning, issueScores, rankAll, SHARED_DISPUTE } from './labelIssues';
import { createRng, shuffleInPlace } from './rng';
import { makeSynthetic } from '../../../../test-support/synthetic';

describe('confidentLearning', () => {
  it('uses per-class mean self-confidence as thresholds and flags the off-diagonal', () => {
    // given:   good good good good bad  bad  bad  bad
    const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const pBad = Float32Array.from([0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.6, 0.15]);
    const r = confidentLearning(y, pBad, { filter: 'confident_learning', adjust: false });
    // t_good = mean(0.9, 0.8, 0.7, 0.1) = 0.625; t_bad = mean(0.8, 0.7, 0.6, 0.15) = 0.5625.
    expect(r.thresholds.good).toBeCloseTo(0.625, 6);
    expect(r.thresholds.bad).toBeCloseTo(0.5625, 6);
    // Sample 2 (p_good 0.7 >= 0.625) counts as good; sample 3 (p_bad 0.9) is a bad one labelled good;
    // sample 6 (p_bad 0.6, p_good 0.4) counts as bad; sample 7 (p_good 0.85) is a good one labelled bad.
    // Ranked by self-confidence: sample 3 (0.1) before sample 7 (0.15).
    expect(r.confidentJoint).toEqual([
      [3, 1],
      [1, 3],
    ]);
    expect(r.issues.map((i) => i.index)).toEqual([3, 7]);
    expect(r.issues[0]).toMatchObject({ givenLabel: 'good', suggested: 'bad' });
    expect(r.issues[0]!.selfConfidence).toBeCloseTo(0.1, 6);
    expect(r.issues[1]).toMatchObject({ givenLabel: 'bad', suggested: 'good' });
    // Every other sample agrees with its label: nothing beyond the estimate.
    expect(r.beyond).toEqual([]);
  });

  it('lists, beyond the estimate, every other sample whose prediction prefers the other label, in the same order', () => {
    // 8 good, 8 bad; the model is sure of most, and disagrees with goods 0-2 and bads 8-9.
    const y = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    const pBad = Float32Array.from([0.99, 0.6, 0.55, 0.05, 0.02, 0.01, 0.01, 0.01, 0.01, 0.45, 0.99, 0.99, 0.98, 0.97, 0.97, 0.99]);
    const r = confidentLearning(y, pBad, { adjust: false });
    // t_good 0.72, t_bad 0.794: only 0 and 8 pass the other class's threshold, so one wrong label per
    // class is estimated and listed; 1, 2 and 9 (p near 0.5) follow beyond the estimate.
    expect(r.estimatedWrong).toEqual({ good: 1, bad: 1 });
    expect(r.issues.map((i) => i.index).sort((a, b) => a - b)).toEqual([0, 8]);
    // Ranked by self-confidence (p(given) 0.4, 0.45, 0.45; ties by input order).
    expect(r.beyond.map((i) => [i.index, i.suggested])).toEqual([
      [1, 'bad'],
      [2, 'bad'],
      [9, 'good'],
    ]);
    for (const i of r.beyond) expect(i.selfConfidence).toBeLessThan(0.5);
    // Excluded samples are never listed, in either part.
    const ex = confidentLearning(y, pBad, { adjust: false, exclude: Uint8Array.from(y, (_, i) => (i === 2 || i === 8 ? 1 : 0)) });
    expect(ex.issues.map((i) => i.index)).toEqual([0]);
    expect(ex.beyond.map((i) => i.index)).toEqual([1, 9]);
  });

  it('takes the larger probability when both classes pass their thresholds, and skips samples that pass none', () => {
    // Low thresholds on both sides: t_good = mean(0.6, 0.55) = 0.575, t_bad = mean(0.3, 0.45) = 0.375.
    const y = Uint8Array.from([0, 0, 1, 1]);
    const pBad = Float32Array.from([0.4, 0.45, 0.3, 0.45]);
    const r = confidentLearning(y, pBad, { filter: 'confident_learning', adjust: false });
    // Sample 0: p_good 0.6 and p_bad 0.4 both pass, good wins; sample 1: p_good 0.55 < t_good, p_bad 0.45 passes -> issue.
    // Sample 2: p_good 0.7 passes, p_bad 0.3 does not -> issue; sample 3: p_bad 0.45 and p_good 0.55 < t_good -> bad.
    expect(r.confidentJoint).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(r.issues.map((i) => [i.index, i.suggested])).toEqual([
      [2, 'good'],
      [1, 'bad'],
    ]);
    // Sample 3 (p_bad 0.45, labelled bad) is no confident issue, but its prediction prefers good.
    expect(r.beyond.map((i) => [i.index, i.suggested])).toEqual([[3, 'good']]);
    // One class only: the other threshold is NaN and never passes.
    const one = confidentLearning(Uint8Array.from([0, 0]), Float32Array.from([0.9, 0.1]));
    expect(one.thresholds.bad).toBeNaN();
    expect(one.issues).toEqual([]);
    expect(() => confidentLearning(y, new Float32Array(3))).toThrow(/4 labels for 3/);
  });

  it('finds deliberately flipped labels from out-of-fold predictions', async () => {
    // Separable (no row within 1 of the rule's threshold), then exactly 5% of the labels flipped.
    const s = makeSynthetic({ n: 2000, d: 256, seed: 1, rule: 'linear', margin: 1 });
    const order = shuffleInPlace(Int32Array.from({ length: s.n }, (_, i) => i), createRng(101));
    const flipped = new Uint8Array(s.n);
    const y = Uint8Array.from(s.y);
    const nFlip = s.n * 0.05;
    for (const i of order.subarray(0, nFlip)) {
      flipped[i] = 1;
      y[i] = 1 - y[i]!;
    }
    const pBad = await outOfFoldProbabilities(s, y, { ...DEFAULT_HEAD_PARAMS, hidden: 0 }, { k: 5, seed: 1 });
    const { issues, estimatedWrong } = confidentLearning(y, pBad);
    // The calibrated joint estimates the number of wrong labels (100 planted).
    expect(estimatedWrong.good + estimatedWrong.bad).toBeGreaterThan(60);
    expect(estimatedWrong.good + estimatedWrong.bad).toBeLessThan(160);
    const top = issues.slice(0, nFlip);
    const hits = top.filter((i) => flipped[i.index]).length;
    // Measured over 6 seeds: 78-83 issues for 100 flips, every one of them a flipped label.
    expect(hits / top.length).toBeGreaterThanOrEqual(0.9);
    expect(hits).toBeGreaterThanOrEqual(0.6 * nFlip);
    for (const i of top) expect(i.suggested).not.toBe(i.givenLabel);
    for (let j = 1; j < issues.length; j++) expect(issues[j]!.score).toBeGreaterThanOrEqual(issues[j - 1]!.score);
  });

  it('prune_by_noise_rate takes the calibrated count of lowest self-confidence samples per class, never one the model agrees with', () => {
    // 6 good, 4 bad. t_good = mean p_good over good = (0.9+0.9+0.8+0.8+0.3+0.6)/6 = 0.7167; t_bad = (0.9+0.8+0.7+0.2)/4 = 0.65.
    const y = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    const pBad = Float32Array.from([0.1, 0.1, 0.2, 0.2, 0.7, 0.4, 0.9, 0.8, 0.7, 0.2]);
    const r = confidentLearning(y, pBad, { filter: 'prune_by_noise_rate', adjust: false });
    // Confident joint: good row: 4 good, 1 bad (sample 4), sample 5 passes neither; bad row: 3 bad, 1 good (sample 9).
    expect(r.confidentJoint).toEqual([
      [4, 1],
      [1, 3],
    ]);
    // Calibrated: good row scaled to 6 -> [4.8, 1.2], bad row to 4 -> [1, 3]; total 10 already.
    expect(r.calibratedJoint[0]![1]).toBeCloseTo(1.2, 9);
    expect(r.estimatedWrong).toEqual({ good: 1, bad: 1 });
    expect(r.issues.map((i) => i.index).sort()).toEqual([4, 9]);
    // Excluded (confirmed) samples are never reported.
    const ex = new Uint8Array(10);
    ex[4] = 1;
    expect(confidentLearning(y, pBad, { exclude: ex }).issues.map((i) => i.index)).toEqual([9]);
  });

  it('ranks a label its own ratings contradict above one the ratings support, at the same model confidence', () => {
    const y = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    // Samples 0 and 1 are good labels the model calls bad equally; 6 and 7 bad labels it calls good.
    const pBad = Float32Array.from([0.9, 0.9, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.9, 0.8, 0.9, 0.95]);
    const plain = confidentLearning(y, pBad, { adjust: false });
    // Float32 ties: the bad labels' p(bad) 0.1 is a hair below the good labels' 1 - 0.9.
    expect(plain.issues.map((i) => i.index)).toEqual([6, 7, 0, 1]);
    // Sample 1's ratings say bad (p = 0.1 that they support "good"); sample 6's support its label; NaN = no ratings.
    const agreement = Float64Array.from([NaN, 0.1, NaN, NaN, NaN, NaN, 0.9, 0.2, NaN, NaN, NaN, NaN]);
    const r = confidentLearning(y, pBad, { adjust: false, ratingAgreement: agreement });
    expect(r.issues.map((i) => i.index)).toEqual([1, 7, 6, 0]);
    expect(r.issues[0]!.score).toBeCloseTo(0.1 - 2 * 0.4, 6);
    // The issue set itself is the model's: ratings only reorder it.
    expect(new Set(r.issues.map((i) => i.index))).toEqual(new Set(plain.issues.map((i) => i.index)));
    expect(() => confidentLearning(y, pBad, { ratingAgreement: new Float64Array(3) })).toThrow(/3 rating agreements/);
  });

  it('ranks a suspicion the other same-label versions of its photo share below one of its own', () => {
    // Family 7: three versions labelled good that the model calls bad (a photo it misreads) and a bad
    // version it agrees with. Sample 4: a good label the model disputes alone (its family's other good
    // version, 5, it calls good). Family 9: two versions, one of them disputed (8).
    const y = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const pBad = Float32Array.from([0.9, 0.88, 0.86, 0.9, 0.85, 0.1, 0.1, 0.2, 0.87, 0.1, 0.9, 0.8, 0.9, 0.95, 0.1, 0.9]);
    const family = Int32Array.from([7, 7, 7, 7, 3, 3, -1, -1, 9, 9, 4, 4, 5, 6, 8, -1]);
    const plain = confidentLearning(y, pBad, { adjust: false });
    expect(plain.issues.map((i) => i.index)).toEqual([14, 0, 1, 8, 2, 4]);
    const r = confidentLearning(y, pBad, { adjust: false, family });
    // 0, 1, 2: both other good versions disputed (+0.5); 8: its one other good version is not; 4: nor is 5;
    // 14 has no other version. The set and self-confidences stay the model's: only the order moves.
    expect(r.issues.map((i) => i.index)).toEqual([14, 8, 4, 0, 1, 2]);
    expect(r.issues.find((i) => i.index === 0)!.score).toBeCloseTo(0.1 + SHARED_DISPUTE, 6);
    expect(r.issues.find((i) => i.index === 8)!.score).toBeCloseTo(0.13, 6);
    expect(r.issues.map((i) => i.selfConfidence).sort()).toEqual(plain.issues.map((i) => i.selfConfidence).sort());
    // Half the other same-label versions disputed: half the step.
    const half = confidentLearning(Uint8Array.from([0, 0, 0, 1, 1]), Float32Array.from([0.9, 0.9, 0.1, 0.9, 0.9]), { adjust: false, family: Int32Array.from([1, 1, 1, 2, 2]) });
    expect(half.issues.find((i) => i.index === 0)!.score).toBeCloseTo(0.1 + SHARED_DISPUTE / 2, 6);
    expect(() => confidentLearning(y, pBad, { family: new Int32Array(2) })).toThrow(/2 family ids/);
  });

  it('orders samples whose float32 p(bad) saturates by their double-precision logits', () => {
    const y = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    // Good labels 0-2 all have p(bad) = 1 in float32 (logits 18, 40, 25); bad label 8 has p(bad) = 0 (logit -30).
    const pBad = Float32Array.from([1, 1, 1, 0.1, 0.1, 0.2, 0.1, 0.1, 0, 0.9, 0.9, 0.8, 0.95, 0.9]);
    const logit = Float64Array.from([18, 40, 25, -2.2, -2.2, -1.4, -2.2, -2.2, -30, 2.2, 2.2, 1.4, 2.9, 2.2]);
    const plain = confidentLearning(y, pBad, { adjust: false });
    // All four have p(given) = 0 in float32: input order.
    expect(plain.issues.map((i) => i.index)).toEqual([0, 1, 2, 8]);
    const r = confidentLearning(y, pBad, { adjust: false, logit });
    // The same issues and scores, ordered by how far the logit disagrees with the given label.
    expect(r.issues.map((i) => i.index)).toEqual([1, 8, 2, 0]);
    expect(r.issues.map((i) => i.score)).toEqual(plain.issues.map((i) => i.score));
    expect(() => confidentLearning(y, pBad, { logit: new Float64Array(2) })).toThrow(/2 logits/);
  });

  it('ranks by self-confidence or margin (the same order for two classes) and by class-adjusted probabilities', () => {
    const y = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    const pBad = Float32Array.from([0.3, 0.5, 0.6, 0.6, 0.95, 0.9]);
    const sc = issueScores(y, pBad, 'self_confidence', false);
    const nm = issueScores(y, pBad, 'normalized_margin', false);
    for (let i = 0; i < 6; i++) expect(nm[i]).toBeCloseTo(2 * sc[i]! - 1, 6);
    expect([...rankAll(y, pBad, 'self_confidence', false)]).toEqual([...rankAll(y, pBad, 'normalized_margin', false)]);
    // t_good = mean(0.7, 0.5, 0.4) = 0.5333, t_bad = mean(0.6, 0.95, 0.9) = 0.8167: raw, good sample 2 (p_good 0.4)
    // and bad sample 3 (p_bad 0.6) are level at 0.4 vs 0.6; adjusted, the bad one is further below its class's typical confidence.
    const raw = [...rankAll(y, pBad, 'self_confidence', false)];
    const adj = [...rankAll(y, pBad, 'self_confidence', true)];
    expect(raw.slice(0, 2)).toEqual([2, 1]);
    expect(adj[0]).toBe(3);
  });
});
