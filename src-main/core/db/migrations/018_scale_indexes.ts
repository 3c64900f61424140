/**
 * Indexes the scale audit found missing (a library of a million images with classified bundles):
 *
 * - `bundle_items (source_row_id)`: which bundles name a source row. Without it every lookup from a
 *   source row to its bundle items scanned all of them: a re-import that drops rows from its file
 *   (`importer.ts` `staleRowImages`, `deleteStaleRows`, and the foreign-key check of each deleted
 *   row) did one scan of `bundle_items` per removed row, inside one write transaction.
 * - `predictions (run_id, label, origin, p_bad)`: the gallery's label (or outcome) filter with an
 *   origin filter walks its matches in score order on the index alone; with only
 *   `(run_id, label, p_bad)` it read each match's table row for its origin. The label-only index
 *   stays: its order is the score order within one label.
 */
export const sql = /* sql */ `
CREATE INDEX bundle_items_source_row ON bundle_items (source_row_id);
CREATE INDEX predictions_run_label_origin_p ON predictions (run_id, label, origin, p_bad);
`;
