/**
 * Vitest's global setup: each test run gets a temp folder of its own (TMPDIR, TMP and TEMP point into
 * it, so every os.tmpdir() of the test workers and of the `qc` processes they start lands there), and
 * the folder is removed when the run ends, failed or not. Tests make hundreds of temp libraries
 * (fixtures.ts tempDir); without this they stayed in the system's temp folder, ~2 GB a run.
 * Folders of earlier runs whose process is gone (a killed run) are removed first. The library
 * cache (libraryCache.ts) stays in the system's temp folder, shared by runs, as it is meant to be.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from './processAlive';

const PREFIX = 'qc-vitest-';

export default function setup(): () => void {
  const base = os.tmpdir();
  for (const name of fs.readdirSync(base)) {
    const pid = Number(/^qc-vitest-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) fs.rmSync(path.join(base, name), { recursive: true, force: true });
  }
  process.env.QC_TEST_LIBRARY_CACHE_DIR ??= path.join(base, 'qc-test-library-cache');
  const runDir = fs.mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`));
  for (const v of ['TMPDIR', 'TMP', 'TEMP']) process.env[v] = runDir;
  return () => fs.rmSync(runDir, { recursive: true, force: true });
}
