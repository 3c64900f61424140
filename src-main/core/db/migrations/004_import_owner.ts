/**
 * Imports record the process that runs them and, when they end badly, why: an import left
 * `running` by a process that no longer exists is marked `failed` (interrupted) at the next open.
 */
export const sql = /* sql */ `
ALTER TABLE imports ADD COLUMN pid INTEGER;
ALTER TABLE imports ADD COLUMN error TEXT;
`;
