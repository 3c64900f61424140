/**
 * The slider's sketch of a run's predictions (src-shared/domain/thresholdSketch.ts, its log-odds grid): every scored
 * image counted in SQL, one range count per bin over the (run_id, p_bad) index (one pass over the
 * index; nothing of size N reaches JavaScript or the page); the held-out labelled images in one
 * pass over the (run_id, heldout, image_id, p_bad) index with their labels.
 *
 * "Held-out" here is the run's out-of-fold images (runs.ts `outOfFoldSql`), the ones its
 * recommendation, bound and estimate were measured on, never the test split: the slider's coverage,
 * error and 95% bound at a threshold are then the figures `qc run` and the Train screen give for it.
 */
import { offGrid, sketchBin, SKETCH_BINS, sketchGrid, type SketchPoint, type ThresholdSketchData } from '../../../src-shared/domain/thresholdSketch';
import type { Db } from '../db/open';
import { outOfFoldSql } from '../ml/runs';

export function predictionSketch(db: Db, runId: number, thresholds: readonly (number | null | undefined)[] = [], bins = SKETCH_BINS): ThresholdSketchData {
  const range = db.prepare<[number, number, number], { n: number }>('SELECT COUNT(*) AS n FROM predictions INDEXED BY predictions_run_p WHERE run_id = ? AND p_bad >= ? AND p_bad < ?');
  const held = db.prepare<[number], [number, string]>(
    `SELECT p.p_bad, l.label FROM predictions p INDEXED BY predictions_run_heldout JOIN labels l ON l.image_id = p.image_id
     WHERE p.run_id = ? AND p.heldout = 1 AND ${outOfFoldSql('p')} AND l.label IN ('good', 'bad')`,
  );
  const edges = sketchGrid(bins);
  const all = new Array<number>(bins + 1).fill(0);
  const heldoutBad = new Array<number>(bins + 1).fill(0);
  const heldoutGood = new Array<number>(bins + 1).fill(0);
  const extra = offGrid(thresholds, edges);
  const points: SketchPoint[] = extra.map((t) => ({ threshold: t, flagged: 0, heldoutBad: 0, heldoutGood: 0 }));
  db.transaction(() => {
    // One read transaction, so the counts agree with each other.
    for (let k = 0; k <= bins; k++) all[k] = range.get(runId, k === 0 ? -Infinity : edges[k]!, k === bins ? Infinity : edges[k + 1]!)!.n;
    for (const p of points) p.flagged = range.get(runId, p.threshold, Infinity)!.n;
    // Held-out images: one pass in image order (the labels are read in rowid order).
    for (const [s, label] of held.raw().iterate(runId)) {
      const bad = label === 'bad';
      (bad ? heldoutBad : heldoutGood)[sketchBin(s, edges)]!++;
      for (const p of points) {
        if (s < p.threshold) continue;
        if (bad) p.heldoutBad++;
        else p.heldoutGood++;
      }
    }
  })();
  return { bins, edges, all, heldoutBad, heldoutGood, points };
}
