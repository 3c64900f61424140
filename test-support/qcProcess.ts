/**
 * How tests start `qc` as a real process: the prebuilt bundle out/cli/qc.js (scripts/build-cli.mjs),
 * what `npm run qc` runs, rebuilt first when a source under src-main/ or src-shared/ is newer. Node
 * starts the bundle in ~0.7 s where tsx spends ~2 s compiling src-main/cli/main.ts at every start, and
 * the CLI tests start qc some 100 times. The bundle is the same sources, so the tests still test them.
 *
 * QC_FROM_SOURCE=1 (as for scripts/qc.mjs) runs src-main/cli/main.ts through tsx instead, and so
 * do the tests when the bundle is still older than a source after building twice (a source saved
 * during each build): a stale bundle would test the old code.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './fixtures';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'build-cli.mjs');
const CLI_ENTRY = path.join(REPO_ROOT, 'out', 'cli', 'qc.js');
/** The build child's exit status when the bundle is still older than a source after building. */
const STALE = 3;
let args: string[] | undefined;

/** Node's arguments that start `qc`; qc's own arguments follow them. Builds the bundle once per test file when stale. */
export function qcNodeArgs(): string[] {
  if (args) return args;
  const fromSource = ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts')];
  if (process.env.QC_FROM_SOURCE === '1') return (args = fromSource);
  // A child builds it: building is asynchronous (esbuild), and the tests' qc() helpers are not. Each
  // bundle is written under a temporary name and renamed, so test files building at once are safe.
  // ensureCli answers whether the bundle is fresh afterwards; the child exits STALE when it is not.
  const build = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { ensureCli } = await import(${JSON.stringify(pathToFileURL(BUILD_SCRIPT).href)}); if (!(await ensureCli()) && !(await ensureCli())) process.exitCode = ${STALE};`],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (build.status === STALE) return (args = fromSource);
  if (build.status !== 0 || !fs.existsSync(CLI_ENTRY)) throw new Error(`building the qc bundle failed (exit ${build.status}): ${build.stderr}`);
  args = [CLI_ENTRY];
  return args;
}

/** `qc --data dataDir …args` as a real process from the repository's root: its exit status and output. */
export function runQc(dataDir: string, ...qcArgs: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...qcNodeArgs(), '--data', dataDir, ...qcArgs], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
