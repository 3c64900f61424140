/**
 * review.scores keeps the slider's sketch between calls (sketch.ts SketchCache): a label change
 * never recounts every scored image (at a million images that recount was ~250–300 ms per
 * keystroke), and the held-out counts it updates from the label events equal a full rebuild after
 * any sequence of label changes, undos, thresholds and rescored predictions.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResultOf } from '../../../src-shared/contract/handlers';
import { mulberry32 } from '../../../src-shared/domain/random';
import { seedLibrary, type SeededLibrary } from '../../../test-support/seedLibrary';
import { SKETCH_BINS, sketchGrid } from '../../../src-shared/domain/thresholdSketch';
import { flaggedAt, flaggedFromBins, predictionSketch, scoreBins } from './sketch';

describe("review.scores' sketch across label changes", () => {
  let lib: SeededLibrary;
  let runId: number;
  beforeAll(() => {
    lib = seedLibrary({ images: 400, seed: 11 });
    runId = lib.runId!;
    // Some held-out images in the stored test split: the sketch counts only the out-of-fold ones.
    const put = lib.core.context.db.prepare("INSERT OR REPLACE INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', 0)");
    lib.images.filter((im) => im.heldout && im.id % 5 === 0).forEach((im) => put.run(im.id, im.id));
  });
  afterAll(async () => {
    await lib?.core.close();
  });

  /** The sketch from scratch at the thresholds the answer marks. */
  const rebuilt = (r: ResultOf<'review.scores'>) => predictionSketch(lib.core.context.db, r.run_id, [r.recommended, r.best_bound, r.estimate?.threshold ?? null, r.curator, r.in_force.threshold]);

  /** review.scores, with the SQL of every statement it prepared. */
  const scores = async () => {
    const spy = vi.spyOn(lib.core.context.db, 'prepare');
    try {
      const r = await lib.core.call('review.scores', {});
      return { r, sql: spy.mock.calls.map((c) => String(c[0])) };
    } finally {
      spy.mockRestore();
    }
  };

  it('does not recount every scored image after a label change', async () => {
    const first = await scores();
    // The first call counts every scored image, bin by bin, over the (run_id, p_bad) index.
    expect(first.sql.some((s) => /predictions_run_p\b/.test(s))).toBe(true);
    const held = lib.images.find((im) => im.heldout && im.id % 5 !== 0 && im.label === 'good')!;
    await lib.core.call('labels.set', { imageIds: [held.id], label: 'bad' });
    const after = await scores();
    expect(after.sql.filter((s) => /predictions_run_p\b/.test(s))).toEqual([]);
    expect(after.r.sketch).toEqual(rebuilt(after.r));
    // The held-out counts did follow the change.
    expect(after.r.sketch.heldoutBad.reduce((a, b) => a + b, 0)).toBe(first.r.sketch.heldoutBad.reduce((a, b) => a + b, 0) + 1);
  });

  it('equals a full rebuild after any mix of label changes, undos, curator thresholds and rescored predictions', async () => {
    const rand = mulberry32(5);
    const ids = lib.images.map((im) => im.id);
    const pick = (k: number) => Array.from({ length: k }, () => ids[Math.floor(rand() * ids.length)]!);
    const { db } = lib.core.context;
    for (let step = 0; step < 40; step++) {
      const what = rand();
      if (what < 0.55) {
        const label = (['good', 'bad', null] as const)[Math.floor(rand() * 3)]!;
        // The same image twice in a row of changes, and batches of several.
        await lib.core.call('labels.set', { imageIds: pick(1 + Math.floor(rand() * 6)), label });
      } else if (what < 0.7) {
        await lib.core.call('labels.undo', {}).catch(() => undefined);
      } else if (what < 0.8) {
        await lib.core.call('ml.setThreshold', { threshold: rand() < 0.3 ? null : Math.round(rand() * 1e6) / 1e6 });
      } else if (what < 0.9) {
        // A prediction rescored (merged tag files, classify): change_counts.scores moves.
        db.prepare('UPDATE predictions SET p_bad = ? WHERE run_id = ? AND image_id = ?').run(Math.round(rand() * 1e6) / 1e6, runId, pick(1)[0]!);
      }
      // else: asked again with nothing changed
      const { r, sql } = await scores();
      expect(r.sketch, `step ${step}`).toEqual(rebuilt(r));
      if (what < 0.7) expect(sql.filter((s) => /predictions_run_p\b/.test(s)), `step ${step}`).toEqual([]);
    }
  });

  it("counts the images flagged at a threshold from the bins as the plain count does, near the grid's edges too", () => {
    const { db } = lib.core.context;
    const edges = sketchGrid(SKETCH_BINS);
    const all = scoreBins(db, runId, edges);
    // The library's own scores (the count changes at each), points just either side of grid edges, and random ones.
    const rand = mulberry32(9);
    const scored = db.prepare('SELECT p_bad FROM predictions WHERE run_id = ?').pluck().all(runId) as number[];
    const near = Array.from({ length: 40 }, () => edges[1 + Math.floor(rand() * (edges.length - 2))]!).flatMap((e) => [e - 1e-12, e, e + 1e-12]);
    const ts = [...scored.slice(0, 60), ...near, ...Array.from({ length: 40 }, () => rand()), 1e-9, 1 - 1e-9, 0.999999999999];
    let differing = 0;
    for (const t of ts) {
      expect(flaggedFromBins(db, runId, t, edges, all), `t = ${t}`).toBe(flaggedAt(db, runId, t));
      if (flaggedAt(db, runId, t) !== flaggedAt(db, runId, t + 0.05)) differing++;
    }
    // The thresholds do move the count (the check is not between zeros).
    expect(differing).toBeGreaterThan(50);
  });
});
