import os from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// Twice as many test files at once as there are cores (at most 8): many files spend much of their
// time waiting on `qc` child processes, SQLite's fsync and local HTTP servers, so one file per core
// left the cores idle. Measured on 2 cores, the whole unit suite: 850 s with 2 workers, 736 s with 4;
// with 6, 683 s (1,334 CPU-s), and with 8, 773 s and two renderer tests past their waits (load 12).
// Four stays: more workers gain little on two cores and leave less room for a busier machine.
const workers = Math.min(8, 2 * Math.max(1, os.availableParallelism()));

/**
 * The Node test files that run isolated (a fresh module registry of their own, vitest's default)
 * while the others share their worker's modules: these replace a module with vi.mock or import one
 * afresh with vi.resetModules, which only works on modules no earlier file in the worker has
 * loaded, and would hand later files the replaced copy. scripts/testConfig.test.ts checks that
 * every file doing so is listed here.
 */
export const ISOLATED_NODE_TESTS = ['src-main/server/server.files.test.ts', 'test-support/qcProcess.test.ts', 'test-support/libraryCache.test.ts'];
/** The same for the renderer's files: these load the preferences module afresh, as a new page would. */
export const ISOLATED_RENDERER_TESTS = ['src-renderer/features/review/culling.test.tsx', 'src-renderer/features/review/ReviewShortWindow.test.tsx'];

const RENDERER_TESTS = ['src-renderer/**/*.test.{ts,tsx}'];
const NODE_TESTS = ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'scripts/**/*.test.ts', 'test-support/**/*.test.ts'];

/** What the projects share (the root's globalSetup runs once for all; projects that extended the root ran it again each). */
const shared = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
  setupFiles: ['test-support/renderer/nodeIntrinsics.ts'],
};
/** Each renderer file starts on a new page and closes what its tests opened (pagePerFile.ts). */
const RENDERER_SETUP = [...shared.setupFiles, 'test-support/renderer/pagePerFile.ts'];

export default defineConfig({
  test: {
    maxWorkers: workers,
    // A temp folder per run, removed at its end (test-support/globalSetup.ts).
    globalSetup: ['test-support/globalSetup.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'node',
          include: NODE_TESTS,
          exclude: [...configDefaults.exclude, ...ISOLATED_NODE_TESTS],
          // The Node files share their worker's modules instead of loading them again for every file
          // (vitest's isolate): each file still opens its own libraries, servers and processes and
          // closes them in its own hooks. Measured on 2 cores, the whole unit suite: 1,718–1,755 →
          // 1,478–1,546 CPU-s, 876–896 → 760–792 s. Files that replace or reload modules (vi.mock,
          // vi.resetModules) run isolated (ISOLATED_NODE_TESTS).
          isolate: false,
        },
      },
      {
        test: { ...shared, name: 'node isolated', include: ISOLATED_NODE_TESTS },
      },
      {
        test: {
          ...shared,
          name: 'renderer',
          include: RENDERER_TESTS,
          exclude: [...configDefaults.exclude, ...ISOLATED_RENDERER_TESTS],
          setupFiles: RENDERER_SETUP,
          // The renderer's files share their worker's modules too, and with them vitest's DOM
          // environment (one document, storage and URL per worker): pagePerFile.ts starts each file
          // on a new page. Measured on 2 cores, the renderer's 116 files: 578 → 212 CPU-s, 296 → 111 s.
          isolate: false,
        },
      },
      {
        test: { ...shared, name: 'renderer isolated', include: ISOLATED_RENDERER_TESTS, setupFiles: RENDERER_SETUP },
      },
    ],
  },
});
