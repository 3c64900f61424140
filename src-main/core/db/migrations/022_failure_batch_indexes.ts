/**
 * Indexes the scale audit found missing (80,000 failed URLs; a long history of undone changes):
 *
 * - `failures (stage, reason)`: library.status counts failures by reason and the fetch failures on
 *   this index alone (status.ts groups by stage and reason in index order): it scanned the table
 *   and sorted it in a temporary B-tree on every call (1 ms → 47–72 ms at 80,000 failures).
 * - `failures (stage, file, line, id)`: library.failures reads its first page in this order, by
 *   index, instead of sorting every failure.
 * - `label_batches (reverts)`: whether a batch was undone (labels.ts lastUndoable, curatorBatch,
 *   laterLiveChange) is one index probe, not a scan of every batch.
 */
export const sql = /* sql */ `
CREATE INDEX failures_stage_reason ON failures (stage, reason);
CREATE INDEX failures_order ON failures (stage, file, line, id);
CREATE INDEX label_batches_reverts ON label_batches (reverts);
`;
