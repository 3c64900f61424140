/**
 * qcProcess.ts, how tests start `qc`: Node's arguments for the prebuilt bundle out/cli/qc.js, built
 * first when a source is newer, or for src-main/cli/main.ts through tsx with QC_FROM_SOURCE=1; a
 * build that fails is refused with its error, and a bundle still stale after building is not used.
 * The real bundle is started for real; what the build child does when it fails or stays stale is
 * played by a stand-in scripts/build-cli.mjs under a throwaway repository root.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { newestSource } from '../scripts/build-cli.mjs';
import type * as fixtures from './fixtures';
import { REPO_ROOT, tempDir } from './fixtures';
import type * as QcProcess from './qcProcess';

/** The repository root qcProcess.ts sees: the real one, or a stand-in (set before importing it afresh). */
const root = vi.hoisted(() => ({ fake: '' }));
vi.mock('./fixtures', async (importOriginal) => {
  const real = await importOriginal<typeof fixtures>();
  return { ...real, get REPO_ROOT() { return root.fake || real.REPO_ROOT; } };
});

/** qcProcess.ts as a test file first imports it: nothing built or decided yet. */
async function freshQcProcess(): Promise<typeof QcProcess> {
  vi.resetModules();
  return import('./qcProcess');
}

const CLI_ENTRY = path.join(REPO_ROOT, 'out', 'cli', 'qc.js');
const dir = tempDir();
const savedFromSource = process.env.QC_FROM_SOURCE;
afterEach(() => {
  root.fake = '';
  if (savedFromSource === undefined) delete process.env.QC_FROM_SOURCE;
  else process.env.QC_FROM_SOURCE = savedFromSource;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const qc = (nodeArgs: string[], args: string[]) => {
  const r = spawnSync(process.execPath, [...nodeArgs, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('qcNodeArgs on the real repository', () => {
  it('starts the prebuilt bundle: exit status, stdout and stderr are qc\'s own', async () => {
    delete process.env.QC_FROM_SOURCE;
    const { qcNodeArgs } = await freshQcProcess();
    const args = qcNodeArgs();
    expect(args).toEqual([CLI_ENTRY]);
    // Once per test file: the same answer, not another build.
    expect(qcNodeArgs()).toBe(args);

    const dataDir = path.join(dir, 'lib');
    // status never makes a library (it refuses a folder without one): `qc rule` does.
    expect(qc(args, ['--data', dataDir, 'rule']).status).toBe(0);
    const ok = qc(args, ['--data', dataDir, '--json', 'status']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ data_dir: dataDir, images: 0 });

    const bad = qc(args, ['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('rebuilds a bundle older than the sources before starting it', async () => {
    delete process.env.QC_FROM_SOURCE;
    const newest = (newestSource as () => number)();
    // Stamped long before any source: stale.
    fs.utimesSync(CLI_ENTRY, new Date(0), new Date(0));
    const { qcNodeArgs } = await freshQcProcess();
    expect(qcNodeArgs()).toEqual([CLI_ENTRY]);
    // Rebuilt, stamped with the newest source's time (at least the one seen before).
    expect(fs.statSync(CLI_ENTRY).mtimeMs + 1).toBeGreaterThanOrEqual(newest);
  });

  it('with QC_FROM_SOURCE=1 runs src-main/cli/main.ts through tsx, answering as the bundle does', async () => {
    process.env.QC_FROM_SOURCE = '1';
    const { qcNodeArgs } = await freshQcProcess();
    const args = qcNodeArgs();
    expect(args).toEqual(['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts')]);
    const fromSource = qc(args, ['frobnicate']);
    expect(fromSource).toEqual(qc([CLI_ENTRY], ['frobnicate']));
    expect(fromSource.status).toBe(2);
  });
});

describe('qcNodeArgs when building goes wrong (a stand-in build script)', () => {
  /** A repository root whose scripts/build-cli.mjs runs `body` as ensureCli (counting its calls in calls.txt). */
  function fakeRoot(name: string, body: string, bundle: boolean): string {
    const r = path.join(dir, name);
    fs.mkdirSync(path.join(r, 'scripts'), { recursive: true });
    fs.writeFileSync(
      path.join(r, 'scripts', 'build-cli.mjs'),
      `import fs from 'node:fs';\nconst calls = ${JSON.stringify(path.join(r, 'calls.txt'))};\nexport async function ensureCli() {\n  fs.appendFileSync(calls, 'x');\n  const n = fs.readFileSync(calls, 'utf8').length;\n  ${body}\n}\n`,
    );
    if (bundle) {
      fs.mkdirSync(path.join(r, 'out', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(r, 'out', 'cli', 'qc.js'), '');
    }
    root.fake = r;
    return r;
  }
  const calls = (r: string) => fs.readFileSync(path.join(r, 'calls.txt'), 'utf8').length;

  it('refuses a build that fails, with the build\'s error', async () => {
    delete process.env.QC_FROM_SOURCE;
    fakeRoot('throws', `throw new Error('esbuild: main.ts:3:1: expected ";"');`, true);
    const { qcNodeArgs } = await freshQcProcess();
    expect(() => qcNodeArgs()).toThrow(/building the qc bundle failed \(exit 1\).*expected ";"/s);
  });

  it('refuses a build that leaves no bundle', async () => {
    delete process.env.QC_FROM_SOURCE;
    fakeRoot('nothing', 'return true;', false);
    const { qcNodeArgs } = await freshQcProcess();
    expect(() => qcNodeArgs()).toThrow(/building the qc bundle failed \(exit 0\)/);
  });

  it('does not start a bundle still older than the sources after building: builds again, else runs from source', async () => {
    delete process.env.QC_FROM_SOURCE;
    // A source saved during the build: the bundle is stale once, fresh after building again.
    const once = fakeRoot('stale-once', 'return n >= 2;', true);
    expect((await freshQcProcess()).qcNodeArgs()).toEqual([path.join(once, 'out', 'cli', 'qc.js')]);
    expect(calls(once)).toBe(2);
    // Never fresh: the sources themselves, as scripts/qc.mjs does then.
    const never = fakeRoot('stale-always', 'return false;', true);
    expect((await freshQcProcess()).qcNodeArgs()).toEqual(['--import', path.join(never, 'node_modules/tsx/dist/loader.mjs'), path.join(never, 'src-main/cli/main.ts')]);
    expect(calls(never)).toBe(2);
  });
});
