/**
 * A source row of an input that stands for another file (a shard's copy of the curator's bundle:
 * importer.ts ReportAs) keeps the line of the curator's file it was copied from, `shown_line`, so
 * an image's preview names the curator's bundle and line (with `bundles.shown_origin`, migration
 * 020), not the copy's. NULL: shown as stored. The row's key stays the copy's (origin, line).
 */
export const sql = /* sql */ `
ALTER TABLE source_rows ADD COLUMN shown_line INTEGER;
`;
