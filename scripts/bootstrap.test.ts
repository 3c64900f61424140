/**
 * scripts/bootstrap.mjs decides whether `npm start` / `npm test` must install first by what
 * node_modules holds, never by modification times: a fresh clone's package-lock.json is newer than
 * a node_modules copied, restored from a cache or reached through a link, and that used to make
 * `npm start` run `npm ci` over it. Real temp folders, and the real script run by Node with a
 * stand-in `npm` on PATH that records what it was asked.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures';
// @ts-expect-error: a plain .mjs script without type declarations
import * as bootstrap from './bootstrap.mjs';

type Job = [name: string, args: string[]];
const { installNeeded, writeLockHash, LOCK_HASH_FILE, runTogether, staticChecks } = bootstrap as {
  installNeeded: (dir: string) => string | null;
  writeLockHash: (dir: string) => void;
  LOCK_HASH_FILE: string;
  runTogether: (jobs: Job[], cwd?: string, log?: (line: string) => void) => Promise<string[]>;
  staticChecks: (dir?: string) => Job[];
};

/** A lock file as npm writes it: the root project, a package, a dev package and another platform's optional binary. */
const LOCK = {
  name: 'p',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'p', version: '1.0.0', dependencies: { a: '^1.0.0' }, devDependencies: { b: '^2.0.0' } },
    'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: 'sha512-aaa', license: 'MIT' },
    'node_modules/b': { version: '2.0.0', resolved: 'https://registry.npmjs.org/b/-/b-2.0.0.tgz', integrity: 'sha512-bbb', dev: true, license: 'MIT' },
    'node_modules/@x/darwin-arm64': { version: '1.0.0', resolved: 'https://registry.npmjs.org/@x/darwin-arm64/-/darwin-arm64-1.0.0.tgz', integrity: 'sha512-ccc', optional: true, os: ['darwin'] },
  },
};

/** npm's hidden lock file after installing LOCK on Linux: no root entry, no other platform's binary. */
function hiddenLock(lock: typeof LOCK) {
  const packages = Object.fromEntries(Object.entries(lock.packages).filter(([k, e]) => k !== '' && !(e as { optional?: boolean }).optional));
  return { name: lock.name, version: lock.version, lockfileVersion: 3, requires: true, packages };
}

const writeJson = (file: string, value: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

let dir: string;
beforeEach(() => {
  dir = tempDir('qc-bootstrap-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A checkout at `root` whose node_modules (at `modules`, a link to it when elsewhere) npm installed from LOCK. */
function checkout(root: string, modules = path.join(root, 'node_modules'), lock = LOCK) {
  writeJson(path.join(modules, '.package-lock.json'), hiddenLock(lock));
  if (modules !== path.join(root, 'node_modules')) fs.symlinkSync(modules, path.join(root, 'node_modules'), 'dir');
  writeJson(path.join(root, 'package-lock.json'), lock);
  // The clone is newer than node_modules: what made the old check install again.
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(root, 'package-lock.json'), later, later);
}

describe('installNeeded', () => {
  it('a checkout without node_modules, or one npm did not install, needs an install', () => {
    writeJson(path.join(dir, 'package-lock.json'), LOCK);
    expect(installNeeded(dir)).toMatch(/node_modules is missing/);
    fs.mkdirSync(path.join(dir, 'node_modules', 'a'), { recursive: true });
    expect(installNeeded(dir)).toMatch(/node_modules is missing/);
  });

  it('a node_modules that holds the lock file\'s packages is installed, however new package-lock.json is (a fresh clone)', () => {
    checkout(dir);
    expect(installNeeded(dir)).toBeNull();
  });

  it('a node_modules reached through a link (a shared folder, a cache) is installed', () => {
    const root = path.join(dir, 'clone');
    fs.mkdirSync(root);
    checkout(root, path.join(dir, 'shared', 'node_modules'));
    expect(fs.lstatSync(path.join(root, 'node_modules')).isSymbolicLink()).toBe(true);
    expect(installNeeded(root)).toBeNull();
  });

  it('a lock file that names another version, a new package, or one not installed needs an install', () => {
    checkout(dir);
    const lockFile = path.join(dir, 'package-lock.json');
    const bumped = structuredClone(LOCK);
    bumped.packages['node_modules/a'] = { ...bumped.packages['node_modules/a'], version: '1.0.1', integrity: 'sha512-aa2' };
    writeJson(lockFile, bumped);
    expect(installNeeded(dir)).toBe('node_modules/a is not the one package-lock.json names');

    const added = structuredClone(LOCK) as { packages: Record<string, object> };
    added.packages['node_modules/c'] = { version: '3.0.0', integrity: 'sha512-ddd' };
    writeJson(lockFile, added);
    expect(installNeeded(dir)).toBe('node_modules/c is not installed');

    const removed = structuredClone(LOCK) as { packages: Record<string, object> };
    delete removed.packages['node_modules/b'];
    writeJson(lockFile, removed);
    expect(installNeeded(dir)).toBe('node_modules/b is installed but package-lock.json does not name it');

    writeJson(lockFile, LOCK);
    expect(installNeeded(dir)).toBeNull();
  });

  it('the stamp written after an install: the same lock file is installed at once, another is compared', () => {
    checkout(dir);
    writeLockHash(dir);
    const lockFile = path.join(dir, 'package-lock.json');
    const stamp = fs.readFileSync(path.join(dir, 'node_modules', LOCK_HASH_FILE), 'utf8').trim();
    expect(stamp).toBe(createHash('sha256').update(fs.readFileSync(lockFile)).digest('hex'));
    // With the stamp, npm's record is not even read.
    fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), 'not json');
    expect(installNeeded(dir)).toBeNull();
    // Another lock file: the stamp no longer vouches, npm's record decides.
    const added = structuredClone(LOCK) as { packages: Record<string, object> };
    added.packages['node_modules/c'] = { version: '3.0.0', integrity: 'sha512-ddd' };
    writeJson(lockFile, added);
    expect(installNeeded(dir)).toBe('node_modules/.package-lock.json cannot be read');
    writeJson(path.join(dir, 'node_modules', '.package-lock.json'), hiddenLock(LOCK));
    expect(installNeeded(dir)).toBe('node_modules/c is not installed');
  });
});

describe.skipIf(process.platform === 'win32')('node scripts/bootstrap.mjs', () => {
  /** The script copied into a checkout at `root`, run with a stand-in npm that logs its arguments and installs like npm ci. */
  function runBootstrap(root: string, via = root) {
    fs.mkdirSync(path.join(root, 'scripts'), { recursive: true });
    fs.copyFileSync(path.join(import.meta.dirname, 'bootstrap.mjs'), path.join(root, 'scripts', 'bootstrap.mjs'));
    const bin = path.join(dir, 'bin');
    const log = path.join(dir, 'npm.log');
    fs.mkdirSync(bin, { recursive: true });
    const hidden = path.join(dir, 'hidden.json');
    writeJson(hidden, hiddenLock(LOCK));
    fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "$*" >> "${log}"\nmkdir -p node_modules && cp "${hidden}" node_modules/.package-lock.json\n`, { mode: 0o755 });
    const r = spawnSync(process.execPath, [path.join(via, 'scripts', 'bootstrap.mjs'), 'no-such-mode'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, CI: '1' },
      timeout: 30_000,
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    fs.rmSync(log, { force: true });
    return { status: r.status, stderr: r.stderr, calls };
  }

  it('a fresh clone with a linked node_modules that holds the packages: no npm ci', () => {
    const root = path.join(dir, 'clone');
    fs.mkdirSync(root);
    checkout(root, path.join(dir, 'shared', 'node_modules'));
    const r = runBootstrap(root);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toMatch(/unknown mode no-such-mode/);
    expect(r.status).toBe(2);
  });

  it('no node_modules: npm ci once, the lock file\'s hash stamped, and the next start installs nothing (also run through a link to the checkout)', () => {
    const root = path.join(dir, 'clone');
    writeJson(path.join(root, 'package-lock.json'), LOCK);
    const first = runBootstrap(root);
    expect(first.calls).toEqual(['ci --no-audit --no-fund']);
    expect(first.status).toBe(2);
    expect(fs.readFileSync(path.join(root, 'node_modules', LOCK_HASH_FILE), 'utf8').trim()).toBe(createHash('sha256').update(fs.readFileSync(path.join(root, 'package-lock.json'))).digest('hex'));
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, 'package-lock.json'), later, later);
    fs.symlinkSync(root, path.join(dir, 'link'), 'dir');
    const second = runBootstrap(root, path.join(dir, 'link'));
    expect(second.calls).toEqual([]);
    expect(second.stderr).toMatch(/unknown mode no-such-mode/);
  });
});

describe('npm test\'s type checks and lint, side by side', () => {
  it('are every project of npm run typecheck, then eslint, read from package.json', () => {
    const root = path.join(dir, 'p');
    writeJson(path.join(root, 'package.json'), { scripts: { typecheck: 'tsc -p a.json --noEmit && tsc -p web/b.json --noEmit' } });
    expect(staticChecks(root)).toEqual([
      ['types: a.json', [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'a.json', '--noEmit']],
      ['types: web/b.json', [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'web/b.json', '--noEmit']],
      ['lint', [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']],
    ]);
    // A script it cannot read as such is refused, not half-run.
    writeJson(path.join(root, 'package.json'), { scripts: { typecheck: 'tsc -p a.json --noEmit && vue-tsc' } });
    expect(() => staticChecks(root)).toThrow(/expected "tsc -p PROJECT --noEmit".*vue-tsc/);
  });

  it('run at once: each job\'s output whole, the failed ones named, the others not', async () => {
    const write = (file: string, code: string) => fs.writeFileSync(path.join(dir, file), code);
    // Both write in two halves with a pause between: run at once, their halves would interleave.
    write('a.cjs', "process.stdout.write('a1 '); setTimeout(() => { process.stdout.write('a2\\n'); }, 1500);");
    write('b.cjs', "setTimeout(() => process.stderr.write('b1 '), 100); setTimeout(() => { process.stderr.write('b2\\n'); process.exit(3); }, 200);");
    const printed: string[] = [];
    const out = process.stdout.write;
    process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
    let failed: string[];
    const said: string[] = [];
    try {
      failed = await runTogether([['a', [path.join(dir, 'a.cjs')]], ['b', [path.join(dir, 'b.cjs')]]], dir, (line) => said.push(line));
    } finally {
      process.stdout.write = out;
    }
    expect(failed).toEqual(['b']);
    expect(said).toEqual(['FAILED: b', 'ok: a']);
    // Side by side: b, named second, ended (and was printed) first, while a was still waiting.
    expect(printed).toEqual(['b1 b2\n', 'a1 a2\n']);
  });
});
