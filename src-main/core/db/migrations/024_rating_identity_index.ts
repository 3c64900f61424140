/**
 * `source_rows (url, eol_id, rating) WHERE kind = 'ratings'`: whether a rating row counts
 * (labels/countedRows.ts: not while another file holds an identical row stored before it) is one
 * probe on this index. On `source_rows_url` alone the probe walked every earlier row of the URL, so
 * a file naming one picture in 6,000 rows made deriving its label quadratic (an import of 30,000
 * such rows did not end in 2 minutes).
 */
export const sql = /* sql */ `
CREATE INDEX source_rows_rating_identity ON source_rows (url, eol_id, rating) WHERE kind = 'ratings';
`;
