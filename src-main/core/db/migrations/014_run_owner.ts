/**
 * A training run records the process that trains it (`pid`, `pid_start`: store.ts processStart),
 * as imports do (004, 013), so a run left `running` by a killed process is marked `failed` at the
 * next open (runs.ts markInterrupted) instead of staying `running` for ever, and a second training
 * on the library is refused only while the first one's process lives. Runs recorded before have
 * neither and count as ended.
 */
export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN pid_start TEXT;
`;
