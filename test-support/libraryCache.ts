/**
 * A disk cache of expensive test libraries: built once per source state and handed to each test as
 * its own copy, so tests that need the same trained library (review sketch, attribution, shards,
 * cancelling a classify…) stop training it again each. Each test still gets a library folder of its
 * own to open, change and delete.
 *
 * The key is the caller's parameters plus a hash of everything that shapes what a build writes: the
 * core and shared sources (tests excluded), the models under resources/models, the dependencies
 * (package-lock.json), the dev set's truth.tsv, the test-support files that build it, and Node's
 * version. A change to any of them makes a new entry. Entries live under os.tmpdir(); a lock folder
 * makes parallel test workers wait for the first builder instead of building the same one at once.
 * An entry damaged from outside (its library folder or meta.json gone or cut short) is built again,
 * not copied: every test of that source state would fail on it until the cache was cleared.
 *
 * QC_TEST_LIBRARY_CACHE=0 turns the cache off: every call builds afresh.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_DIR, REPO_ROOT } from './fixtures';
import { alive } from './processAlive';

/** Kept across test runs: globalSetup.ts names it before it points os.tmpdir() at the run's own folder. */
const CACHE_ROOT = process.env.QC_TEST_LIBRARY_CACHE_DIR ?? path.join(os.tmpdir(), 'qc-test-library-cache');
/** What a build is made of, relative to the repository: folders are walked, tests left out. */
const INPUTS = ['src-main/core', 'src-shared', 'resources/models', 'package-lock.json', 'test-support/libraryCache.ts', 'test-support/trainedLibrary.ts', 'test-support/seedLibrary.ts', 'test-support/fixtures.ts'];
const WAIT_MS = 10 * 60_000;
const STALE_MS = 2 * 24 * 3600_000;

let sourceHash: string | undefined;

/** A hash of every input a cached library depends on (computed once per test file). */
export function sourceStateHash(): string {
  if (sourceHash) return sourceHash;
  const h = crypto.createHash('sha256');
  h.update(`node ${process.version} ${process.platform} ${process.arch}\n`);
  const add = (file: string) => {
    h.update(`${path.relative(REPO_ROOT, file)}\0`);
    h.update(fs.readFileSync(file));
    h.update('\0');
  };
  const walk = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    } else if (!/\.test\.tsx?$/.test(p)) add(p);
  };
  for (const i of INPUTS) walk(path.join(REPO_ROOT, i));
  walk(path.join(DEV_DIR, 'truth.tsv'));
  sourceHash = h.digest('hex').slice(0, 16);
  return sourceHash;
}

/** Whether the worker holding `lock` died without releasing it (or never wrote its pid, long ago). */
function builderGone(lock: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
    return pid > 0 && !alive(pid);
  } catch {
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > 60_000;
    } catch {
      return false; // released meanwhile
    }
  }
}

/** Remove entries (and leftovers of builds) not touched for two days: older source states. */
function prune(): void {
  for (const name of fs.readdirSync(CACHE_ROOT)) {
    const p = path.join(CACHE_ROOT, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > STALE_MS) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // Another worker pruned it first.
    }
  }
}

/** The metadata of a whole entry: its meta.json parsed, beside its library folder; undefined otherwise. */
function readEntry<T>(entry: string): { value: T } | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(entry, 'meta.json'), 'utf8')) as T;
    return fs.statSync(path.join(entry, 'lib')).isDirectory() ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Copy the cached library named by `name` + `params` into `dataDir` (created), building it first with
 * `build(dir)` when this source state has none yet; returns the metadata `build` returned (JSON).
 * `build` must write a closed library into `dir` (no open database).
 */
export async function cachedLibrary<T>(name: string, params: unknown, dataDir: string, build: (dir: string) => Promise<T>): Promise<T> {
  if (process.env.QC_TEST_LIBRARY_CACHE === '0') return build(dataDir);
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const key = `${name}-${crypto.createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12)}-${sourceStateHash()}`;
  const entry = path.join(CACHE_ROOT, key);
  const lock = `${entry}.lock`;
  const meta = path.join(entry, 'meta.json');
  const deadline = Date.now() + WAIT_MS;
  let found: { value: T } | undefined;
  while (!(found = readEntry<T>(entry))) {
    let mine = false;
    try {
      fs.mkdirSync(lock);
      mine = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (mine) {
      try {
        fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
        if ((found = readEntry<T>(entry))) break;
        // Damaged (or nothing there): out of the way of the rename below.
        fs.rmSync(entry, { recursive: true, force: true });
        prune();
        const building = `${entry}.building-${process.pid}`;
        fs.rmSync(building, { recursive: true, force: true });
        let value: T;
        try {
          value = await build(path.join(building, 'lib'));
        } catch (e) {
          // A failed build's half-written library (a trained one: tens of MB) would stay until pruned.
          fs.rmSync(building, { recursive: true, force: true });
          throw e;
        }
        fs.writeFileSync(path.join(building, 'meta.json'), JSON.stringify(value));
        // Whole or not at all: a reader sees meta.json only once the library beside it is complete.
        try {
          fs.renameSync(building, entry);
        } catch (e) {
          // Built meanwhile by a worker that found this lock stale: theirs is as good.
          if (!fs.existsSync(meta)) throw e;
          fs.rmSync(building, { recursive: true, force: true });
        }
        // What every later caller gets: the entry's own meta.json (JSON), theirs if they won the rename.
        found = readEntry<T>(entry);
        if (!found) throw new Error(`the cache entry ${key} is not whole right after building it`);
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
      break;
    }
    // Someone else is building it: wait, unless that builder died (then its lock goes and we try).
    if (builderGone(lock)) fs.rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS / 1000} s for another test worker to build ${key} (lock ${lock})`);
    await sleep(250);
  }
  fs.cpSync(path.join(entry, 'lib'), dataDir, { recursive: true, preserveTimestamps: true });
  const now = new Date();
  fs.utimesSync(entry, now, now);
  return found.value;
}
