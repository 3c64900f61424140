/**
 * Which rating rows count: the one home of the rule that the same ratings imported from two files
 * (a ratings file re-saved under another name, as UTF-16 by Excel, a copy) count once. Every file's
 * rows are stored (so editing one file never loses the other's), and a `ratings` row does not
 * count while another file holds an identical one (same URL, rating and obj_with_overall_rating)
 * stored before it (a lower id). Repeated rows within one file all count. Used by every query that
 * counts rating rows: labels (labels.ts), label confidences and issues (ml/issues.ts), the import's
 * summary (library/importer.ts) and the training export (export/training.ts).
 */

/**
 * SQL condition: the rating of source_rows row `s` (an alias) counts. The duplicate is looked up
 * on migration 024's index (source_rows_rating_identity), one probe per ratings row.
 */
export const ratingCountsSql = (s = 's'): string =>
  `NOT (${s}.kind = 'ratings' AND ${s}.rating IS NOT NULL AND EXISTS (SELECT 1 FROM source_rows dup WHERE dup.url = ${s}.url AND dup.id < ${s}.id
     AND dup.kind = 'ratings' AND dup.origin <> ${s}.origin AND dup.rating IS ${s}.rating AND dup.eol_id IS ${s}.eol_id))`;

/** SQL expression: the rating of row `s` where it counts, else NULL (for queries that read its other columns too). */
export const countedRatingSql = (s = 's'): string => `CASE WHEN ${ratingCountsSql(s)} THEN ${s}.rating END`;
