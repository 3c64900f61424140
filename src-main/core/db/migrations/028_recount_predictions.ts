/**
 * The gallery's prediction counts (migration 019's `prediction_counts`) counted again from the
 * predictions themselves. Before runs.ts putPredictions stored scores by upsert, two scorers of the
 * same images at once (two exports, classify beside export) stored them by INSERT OR REPLACE, whose
 * delete fires no trigger: every image scored twice was counted twice, and the gallery's totals
 * stayed too high for good. Counting again mends a library that met it; a sound one is unchanged.
 */
export const sql = /* sql */ `
DELETE FROM prediction_counts;
INSERT INTO prediction_counts (run_id, label, origin, n)
  SELECT run_id, COALESCE(label, 'none'), COALESCE(origin, 'none'), COUNT(*) FROM predictions GROUP BY 1, 2, 3;
`;
