/**
 * The slider's numbers are the run's own: on a real trained library, the sketch's coverage, error
 * and 95% bound at the run's recommended (or best-bound) and estimate thresholds equal what the run
 * stored for them (`qc run`, the Train screen), because both count the out-of-fold images only
 * (runs.ts `outOfFoldSql`), never the test split too.
 */
import { describe, expect, it } from 'vitest';
import { ThresholdSketch } from '../../../src-shared/domain/thresholdSketch';
import { useTrainedDevCore } from '../../../test-support/trainedLibrary';

describe("the slider's sketch counts the images the run's thresholds were measured on", () => {
  const trained = useTrainedDevCore(20);

  it('gives the stored coverage, error and 95% bound at the recommended (or best-bound, or else estimate) and estimate thresholds', async () => {
    const core = trained();
    const run = await core.call('ml.run', {});
    const bad = run.thresholds!.bad;
    const scores = await core.call('review.scores', { runId: run.run_id });
    const sketch = new ThresholdSketch(scores.sketch);
    const { db } = core.context;
    // The test split is held out too, and labelled: the old sketch counted it with the out-of-fold images.
    const testHeld = db
      .prepare("SELECT COUNT(*) FROM predictions p JOIN splits s ON s.image_id = p.image_id JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 1 AND s.split = 'test' AND l.label IN ('good', 'bad')")
      .pluck()
      .get(run.run_id) as number;
    expect(testHeld).toBeGreaterThan(0);
    // The run's note names how many out-of-fold predictions it chose on: the sketch holds exactly those.
    const onOof = Number(/on (\d+) out-of-fold predictions/.exec(bad.note)?.[1]);
    expect(sketch.heldoutSize).toBe(onOof);

    // A run on 40 images may prove no threshold better than flagging every image (no best bound,
    // evaluate.ts lowestBound): then the stored estimate is the threshold the counts are compared at.
    const proven = bad.chosen_on ?? bad.best_bound;
    expect(scores.recommended ?? scores.best_bound).toBe(proven?.threshold ?? null);
    const stored = proven ?? bad.estimate;
    if (stored) {
      expect(sketch.exact(stored.threshold)).toBe(true);
      const at = sketch.at(stored.threshold);
      expect({ flagged: at.flagged, tp: at.tp, fp: at.fp }).toEqual({ flagged: stored.flagged, tp: stored.tp, fp: stored.fp });
      expect(at.coverage).toBeCloseTo(stored.coverage, 12);
      expect(at.error).toBeCloseTo(stored.error, 12);
      expect(at.error_upper).toBeCloseTo(stored.error_upper, 12);
    } else {
      // Nothing stored to compare at (no threshold proven, none estimated): the sketch's held-out
      // counts at the grid threshold nearest the out-of-fold median equal the database's own count.
      const oof = db
        .prepare("SELECT p.p_bad AS p, l.label AS label FROM predictions p JOIN splits s ON s.image_id = p.image_id JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ? AND p.heldout = 1 AND s.split IN ('train', 'validation') AND l.label IN ('good', 'bad')")
        .all(run.run_id) as { p: number; label: 'good' | 'bad' }[];
      expect(oof).toHaveLength(onOof);
      const t = sketch.threshold(sketch.position(oof.map((r) => r.p).sort((a, b) => a - b)[oof.length >> 1]!));
      expect(sketch.exact(t)).toBe(true);
      const flagged = oof.filter((r) => r.p >= t);
      const tp = flagged.filter((r) => r.label === 'bad').length;
      expect(tp).toBeGreaterThan(0);
      const at = sketch.at(t);
      expect({ tp: at.tp, fp: at.fp }).toEqual({ tp, fp: flagged.length - tp });
    }

    const estimate = scores.estimate;
    if (estimate) {
      const e = sketch.at(estimate.threshold);
      expect(e.flagged).toBe(estimate.flagged);
      expect(e.error).toBeCloseTo(estimate.error, 12);
      expect(e.coverage).toBeCloseTo(estimate.coverage!, 12);
    }
  });
});
