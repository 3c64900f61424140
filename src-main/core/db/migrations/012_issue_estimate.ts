/**
 * Label issues beyond confident learning's estimate: a run also lists, after the issues it
 * estimates wrong, every other labelled image its held-out prediction still disagrees with
 * (labelIssues.ts `beyond`). Rows stored before this migration are all within the estimate.
 */
export const sql = /* sql */ `
ALTER TABLE label_issues ADD COLUMN estimated INTEGER NOT NULL DEFAULT 1 CHECK (estimated IN (0, 1));
`;
