/**
 * The preview's "why p(bad)" never passes the final model's score off as the one shown: on a real
 * trained library, every image's attribution either explains the very p(bad) the gallery shows,
 * thresholds and tags (to the 6 decimals stored), or says that the shown score is out of fold (a
 * train or validation image, scored by fold models the run does not keep), for exactly the images
 * whose shown score is.
 */
import { describe, expect, it } from 'vitest';
import { useTrainedDevCore } from '../../../test-support/trainedLibrary';

describe('images.get attribution names the score it explains', () => {
  const trained = useTrainedDevCore(20);

  it('explains the shown p(bad), or says it is out of fold, for every image', async () => {
    const core = trained();
    const { db } = core.context;
    const runId = (await core.call('ml.runs', {})).active!;
    const rows = db
      .prepare(
        `SELECT i.id, p.p_bad, p.heldout, s.split FROM images i JOIN predictions p ON p.run_id = ? AND p.image_id = i.id
         LEFT JOIN splits s ON s.image_id = i.id ORDER BY i.id`,
      )
      .all(runId) as { id: number; p_bad: number; heldout: number; split: string | null }[];
    expect(rows.length).toBeGreaterThan(30);
    const seen = { final_model: 0, out_of_fold: 0, differ: 0 };
    for (const r of rows) {
      const d = await core.call('images.get', { imageId: r.id });
      const a = d.attribution!;
      expect(a, `image ${r.id}`).toBeTruthy();
      expect(d.p_bad).toBe(r.p_bad);
      // Out of fold exactly where the run chose its thresholds on the stored score (evaluate.ts oofRows).
      const outOfFold = r.heldout === 1 && (r.split === 'train' || r.split === 'validation');
      if (outOfFold) {
        expect(a.shown_score, `image ${r.id} (${r.split})`).toBe('out_of_fold');
        seen.out_of_fold++;
        if (Math.abs(a.p_bad - d.p_bad!) > 1e-6) seen.differ++;
      } else {
        expect(a.shown_score, `image ${r.id} (${r.split ?? 'no split'})`).toBe('final_model');
        // The explained p is the shown one, to the precision it is stored with.
        expect(Math.abs(a.p_bad - d.p_bad!), `image ${r.id}: explained ${a.p_bad}, shown ${d.p_bad}`).toBeLessThanOrEqual(1e-6);
        seen.final_model++;
      }
    }
    // Both kinds are covered, and among the out-of-fold images the two scores do differ.
    expect(seen.final_model).toBeGreaterThan(0);
    expect(seen.out_of_fold).toBeGreaterThan(0);
    expect(seen.differ).toBeGreaterThan(0);
  });
});
