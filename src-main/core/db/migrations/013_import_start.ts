/**
 * An import records when its process started (`pid_start`, store.ts `processStart`: on Linux the
 * start time from /proc and the boot) beside its pid, so an import left `running` is known to be
 * interrupted even when a live process has the same pid (pids are reused; in a container every
 * run is pid 1). Imports recorded before have none and are judged by their pid alone, as before.
 */
export const sql = /* sql */ `
ALTER TABLE imports ADD COLUMN pid_start TEXT;
`;
