/**
 * Tag-file merges that began writing and have not ended (ml/tagImport.ts importTagFiles). A call
 * writes its files' predictions in transactions of a few thousand rows, so a merge killed, cancelled,
 * or stopped by a file changed between its two passes leaves part of them merged. Its row is written
 * before the first prediction and deleted with the last, so such a merge stays on record until the
 * same files are merged into the run again: `qc status` and an export of the run say so (before
 * this, a partial merge looked complete and its export wrote the part as the whole).
 */
export const sql = /* sql */ `
CREATE TABLE unfinished_tag_merges (
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  files      TEXT NOT NULL,  -- JSON array of the call's tag files, in the order it merges them
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (run_id, files)
);
`;
