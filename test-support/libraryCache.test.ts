/**
 * libraryCache.ts, the disk cache of built test libraries, on a stand-in repository (a few source
 * files and a truth.tsv) and a stand-in build (a folder of files), under a temporary directory of its
 * own: the key follows the sources a build depends on (not the tests), each caller gets an
 * independent copy, one build serves every caller of a source state and parameters (parallel callers
 * wait for it), a lock left by a dead builder is taken over, a failed build leaves nothing behind, a
 * damaged entry is built again rather than copied, and entries untouched for two days are pruned.
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as fixtures from './fixtures';
import type * as LibraryCache from './libraryCache';

/** Where libraryCache.ts sees the repository and the dev set: a stand-in, set before importing it afresh. */
const fake = vi.hoisted(() => ({ root: '', dev: '' }));
vi.mock('./fixtures', async (importOriginal) => {
  const real = await importOriginal<typeof fixtures>();
  return {
    ...real,
    get REPO_ROOT() { return fake.root || real.REPO_ROOT; },
    get DEV_DIR() { return fake.dev || real.DEV_DIR; },
  };
});

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-library-cache-test-'));
const savedTmp = process.env.TMPDIR;
const savedCache = process.env.QC_TEST_LIBRARY_CACHE;
const savedCacheDir = process.env.QC_TEST_LIBRARY_CACHE_DIR;
let tmp = '';
let n = 0;

beforeEach(() => {
  n++;
  fake.root = path.join(base, `repo-${n}`);
  fake.dev = path.join(fake.root, 'shared', 'quality-dev');
  write('src-main/core/app.ts', 'export const app = 1;\n');
  write('src-main/core/app.test.ts', 'test\n');
  write('src-shared/domain/ml.ts', 'export type X = 1;\n');
  write('package-lock.json', '{}\n');
  fs.mkdirSync(fake.dev, { recursive: true });
  fs.writeFileSync(path.join(fake.dev, 'truth.tsv'), 'id\tlabel\n1\tgood\n');
  // The cache's root follows os.tmpdir() when the module loads: one of this test's own.
  tmp = path.join(base, `tmp-${n}`);
  fs.mkdirSync(tmp);
  process.env.TMPDIR = tmp;
  delete process.env.QC_TEST_LIBRARY_CACHE;
  delete process.env.QC_TEST_LIBRARY_CACHE_DIR; // named by globalSetup.ts for the real runs
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  if (savedCache === undefined) delete process.env.QC_TEST_LIBRARY_CACHE;
  else process.env.QC_TEST_LIBRARY_CACHE = savedCache;
  if (savedCacheDir === undefined) delete process.env.QC_TEST_LIBRARY_CACHE_DIR;
  else process.env.QC_TEST_LIBRARY_CACHE_DIR = savedCacheDir;
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  const p = path.join(fake.root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

/** libraryCache.ts as a test file first imports it (its source hash not yet computed). */
async function fresh(): Promise<typeof LibraryCache> {
  vi.resetModules();
  return import('./libraryCache');
}

const cacheRoot = () => path.join(tmp, 'qc-test-library-cache');

/** A stand-in build: writes a small "library" (a database file and a folder) and counts its runs. */
function builder(delayMs = 0) {
  const built: string[] = [];
  const build = async (dir: string) => {
    built.push(dir);
    fs.mkdirSync(path.join(dir, 'thumbs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'library.db'), `db ${built.length}`);
    fs.writeFileSync(path.join(dir, 'thumbs', '1.webp'), 'thumb');
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return { run: built.length, ids: ['a', 'b'] };
  };
  return { build, built };
}

const read = (dir: string) => ({ db: fs.readFileSync(path.join(dir, 'library.db'), 'utf8'), thumb: fs.readFileSync(path.join(dir, 'thumbs', '1.webp'), 'utf8') });

describe('sourceStateHash', () => {
  it('changes with a source, a new source, the models, the lock file or truth.tsv, not with a test file', async () => {
    const first = (await fresh()).sourceStateHash();
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect((await fresh()).sourceStateHash()).toBe(first);

    write('src-main/core/app.test.ts', 'another test\n');
    expect((await fresh()).sourceStateHash(), 'a test file changed').toBe(first);
    write('src-main/core/ml/extra.test.ts', 'new test\n');
    expect((await fresh()).sourceStateHash(), 'a test file added').toBe(first);

    const seen = new Set([first]);
    const changes: [string, () => void][] = [
      ['a core source', () => write('src-main/core/app.ts', 'export const app = 2;\n')],
      ['a shared source', () => write('src-shared/domain/ml.ts', 'export type X = 2;\n')],
      ['a new source', () => write('src-main/core/ml/new.ts', 'export {};\n')],
      ['a model', () => write('resources/models/head.onnx', 'weights')],
      ['the lock file', () => write('package-lock.json', '{"x":1}\n')],
      ['a test-support builder', () => write('test-support/seedLibrary.ts', 'export {};\n')],
      ['truth.tsv', () => fs.appendFileSync(path.join(fake.dev, 'truth.tsv'), '2\tbad\n')],
    ];
    for (const [what, change] of changes) {
      const mod = await fresh();
      const before = mod.sourceStateHash();
      change();
      // Computed once per test file: the module already loaded keeps its value.
      expect(mod.sourceStateHash(), `${what}: kept within a file`).toBe(before);
      const after = (await fresh()).sourceStateHash();
      expect(seen.has(after), `${what} changes the key`).toBe(false);
      seen.add(after);
    }
    // A file outside the inputs does not.
    const last = (await fresh()).sourceStateHash();
    write('src-renderer/App.tsx', 'export {};\n');
    write('README.md', 'words\n');
    expect((await fresh()).sourceStateHash()).toBe(last);
  });
});

describe('cachedLibrary', () => {
  it('builds once per source state and parameters, and gives each caller an independent copy', async () => {
    const { cachedLibrary } = await fresh();
    const { build, built } = builder();
    const a = path.join(base, `a-${n}`, 'lib');
    const b = path.join(base, `b-${n}`, 'lib');
    expect(await cachedLibrary('lib', { perClass: 2 }, a, build)).toEqual({ run: 1, ids: ['a', 'b'] });
    expect(await cachedLibrary('lib', { perClass: 2 }, b, build)).toEqual({ run: 1, ids: ['a', 'b'] });
    expect(built).toHaveLength(1);
    // Built elsewhere (in the cache), copied to each caller's folder.
    expect(built[0]!.startsWith(cacheRoot())).toBe(true);
    expect(read(a)).toEqual({ db: 'db 1', thumb: 'thumb' });
    expect(read(b)).toEqual(read(a));

    // Each copy is the caller's own: changing or removing one touches neither the cache nor the other.
    fs.writeFileSync(path.join(a, 'library.db'), 'changed');
    fs.rmSync(path.join(a, 'thumbs'), { recursive: true });
    const c = path.join(base, `c-${n}`, 'lib');
    await cachedLibrary('lib', { perClass: 2 }, c, build);
    expect(read(b)).toEqual({ db: 'db 1', thumb: 'thumb' });
    expect(read(c)).toEqual({ db: 'db 1', thumb: 'thumb' });
    expect(built).toHaveLength(1);

    // Other parameters or another name: another entry, built.
    await cachedLibrary('lib', { perClass: 3 }, path.join(base, `d-${n}`, 'lib'), build);
    await cachedLibrary('other', { perClass: 2 }, path.join(base, `e-${n}`, 'lib'), build);
    expect(built).toHaveLength(3);

    // A changed source: a new source state, built again (in a test file started after the change).
    write('src-main/core/app.ts', 'export const app = 3;\n');
    const f = path.join(base, `f-${n}`, 'lib');
    expect(await (await fresh()).cachedLibrary('lib', { perClass: 2 }, f, build)).toEqual({ run: 4, ids: ['a', 'b'] });
    expect(read(f).db).toBe('db 4');
  });

  it('with QC_TEST_LIBRARY_CACHE=0 builds every time, straight into the caller\'s folder', async () => {
    process.env.QC_TEST_LIBRARY_CACHE = '0';
    const { cachedLibrary } = await fresh();
    const { build, built } = builder();
    const a = path.join(base, `a-${n}`, 'lib');
    const b = path.join(base, `b-${n}`, 'lib');
    await cachedLibrary('lib', {}, a, build);
    await cachedLibrary('lib', {}, b, build);
    expect(built).toEqual([a, b]);
    expect(fs.existsSync(cacheRoot())).toBe(false);
  });

  it('makes callers asking at once wait for one build', async () => {
    const { cachedLibrary } = await fresh();
    const { build, built } = builder(400);
    const dirs = [0, 1, 2].map((k) => path.join(base, `p${k}-${n}`, 'lib'));
    const got = await Promise.all(dirs.map((d) => cachedLibrary('lib', {}, d, build)));
    expect(built).toHaveLength(1);
    expect(got).toEqual([got[0], got[0], got[0]]);
    for (const d of dirs) expect(read(d).db).toBe('db 1');
    // No lock or half-built folder left behind.
    expect(fs.readdirSync(cacheRoot()).filter((f) => /\.(lock|building-\d+)$/.test(f))).toEqual([]);
  });

  it('takes over the lock of a builder that died, rather than waiting for it', async () => {
    const mod = await fresh();
    const key = `lib-${crypto.createHash('sha256').update(JSON.stringify({})).digest('hex').slice(0, 12)}-${mod.sourceStateHash()}`;
    const lock = path.join(cacheRoot(), `${key}.lock`);
    fs.mkdirSync(lock, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(path.join(lock, 'pid'), String(dead));
    const { build, built } = builder();
    const t = Date.now();
    await mod.cachedLibrary('lib', {}, path.join(base, `a-${n}`, 'lib'), build);
    expect(built).toHaveLength(1);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('leaves nothing of a failed build: the next caller builds again', async () => {
    const { cachedLibrary } = await fresh();
    const dir = path.join(base, `a-${n}`, 'lib');
    await expect(
      cachedLibrary('lib', {}, dir, async (d) => {
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'library.db'), 'half');
        throw new Error('training failed');
      }),
    ).rejects.toThrow('training failed');
    // Neither an entry nor the half-written library (nor the lock).
    expect(fs.readdirSync(cacheRoot()).filter((f) => f.startsWith('lib-'))).toEqual([]);
    const { build, built } = builder();
    expect(await cachedLibrary('lib', {}, dir, build)).toEqual({ run: 1, ids: ['a', 'b'] });
    expect(built).toHaveLength(1);
    expect(read(dir).db).toBe('db 1');
  });

  it.each([
    ['its library folder gone', (entry: string) => fs.rmSync(path.join(entry, 'lib'), { recursive: true })],
    ['its meta.json cut short', (entry: string) => fs.writeFileSync(path.join(entry, 'meta.json'), '{"run":')],
  ])('builds an entry again rather than copying it when it is damaged (%s)', async (_what, damage) => {
    const { cachedLibrary } = await fresh();
    const { build, built } = builder();
    await cachedLibrary('lib', {}, path.join(base, `a-${n}`, 'lib'), build);
    const [entry] = fs.readdirSync(cacheRoot()).filter((f) => f.startsWith('lib-'));
    damage(path.join(cacheRoot(), entry!));
    const b = path.join(base, `b-${n}`, 'lib');
    expect(await cachedLibrary('lib', {}, b, build)).toEqual({ run: 2, ids: ['a', 'b'] });
    expect(read(b).db).toBe('db 2');
    // Repaired in the cache: the next caller copies it.
    const c = path.join(base, `c-${n}`, 'lib');
    expect(await cachedLibrary('lib', {}, c, build)).toEqual({ run: 2, ids: ['a', 'b'] });
    expect(built).toHaveLength(2);
  });

  it('prunes entries untouched for two days when it builds, and keeps those in use', async () => {
    const { cachedLibrary } = await fresh();
    const { build } = builder();
    const old = path.join(cacheRoot(), 'lib-000000000000-0000000000000000');
    const recent = path.join(cacheRoot(), 'lib-111111111111-0000000000000000');
    for (const e of [old, recent]) {
      fs.mkdirSync(path.join(e, 'lib'), { recursive: true });
      fs.writeFileSync(path.join(e, 'meta.json'), '{}');
    }
    const threeDaysAgo = new Date(Date.now() - 3 * 24 * 3600_000);
    const oneDayAgo = new Date(Date.now() - 24 * 3600_000);
    fs.utimesSync(old, threeDaysAgo, threeDaysAgo);
    fs.utimesSync(recent, oneDayAgo, oneDayAgo);
    await cachedLibrary('lib', {}, path.join(base, `a-${n}`, 'lib'), build);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
    // Using an entry marks it used: copied now, it is not pruned for two more days.
    const [entry] = fs.readdirSync(cacheRoot()).filter((f) => f.startsWith('lib-') && f !== path.basename(recent));
    const e = path.join(cacheRoot(), entry!);
    fs.utimesSync(e, threeDaysAgo, threeDaysAgo);
    await cachedLibrary('lib', {}, path.join(base, `b-${n}`, 'lib'), build);
    expect(Date.now() - fs.statSync(e).mtimeMs).toBeLessThan(60_000);
  });
});
