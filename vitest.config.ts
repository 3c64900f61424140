import os from 'node:os';
import { defineConfig } from 'vitest/config';

// Twice as many test files at once as there are cores (at most 8): many files spend much of their
// time waiting on `qc` child processes, SQLite's fsync and local HTTP servers, so one file per core
// left the cores idle. Measured on 2 cores, the whole unit suite: 850 s with 2 workers, 736 s with 4.
const workers = Math.min(8, 2 * Math.max(1, os.availableParallelism()));

export default defineConfig({
  test: {
    include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'test-support/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
    setupFiles: ['test-support/renderer/nodeIntrinsics.ts'],
    // A temp folder per run, removed at its end (test-support/globalSetup.ts).
    globalSetup: ['test-support/globalSetup.ts'],
  },
});
