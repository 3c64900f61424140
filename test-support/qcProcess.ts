/**
 * How tests start `qc` as a real process: the prebuilt bundle out/cli/qc.js (scripts/build-cli.mjs),
 * what `npm run qc` runs, rebuilt first when a source under src-main/ or src-shared/ is newer. Node
 * starts the bundle in ~0.7 s where tsx spends ~2 s compiling src-main/cli/main.ts at every start, and
 * the CLI tests start qc some 100 times. The bundle is the same sources, so the tests still test them.
 *
 * QC_FROM_SOURCE=1 (as for scripts/qc.mjs) runs src-main/cli/main.ts through tsx instead.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './fixtures';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'build-cli.mjs');
const CLI_ENTRY = path.join(REPO_ROOT, 'out', 'cli', 'qc.js');
let args: string[] | undefined;

/** Node's arguments that start `qc`; qc's own arguments follow them. Builds the bundle once per test file when stale. */
export function qcNodeArgs(): string[] {
  if (args) return args;
  if (process.env.QC_FROM_SOURCE === '1') {
    args = ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts')];
    return args;
  }
  // A child builds it: building is asynchronous (esbuild), and the tests' qc() helpers are not. Each
  // bundle is written under a temporary name and renamed, so test files building at once are safe.
  const build = spawnSync(process.execPath, ['--input-type=module', '-e', `const { ensureCli } = await import(${JSON.stringify(pathToFileURL(BUILD_SCRIPT).href)}); await ensureCli();`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0 || !fs.existsSync(CLI_ENTRY)) throw new Error(`building the qc bundle failed (exit ${build.status}): ${build.stderr}`);
  args = [CLI_ENTRY];
  return args;
}
