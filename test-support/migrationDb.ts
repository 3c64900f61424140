/**
 * The migration tests' set-up: a fresh temp directory for each test (removed after it), the library
 * file in it, databases opened there at the latest schema (closed after the test), and a library
 * built only up to a given schema version, as an older app left it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { MIGRATIONS } from '../src-main/core/db/migrations/index';
import { openDatabase, type Db } from '../src-main/core/db/open';
import { tempDir } from './fixtures';

/** The library file's name inside a data directory. */
export const LIBRARY_FILE = 'library.sqlite';

/** Opens (creating it if need be) `dir`'s library with the migrations up to `version` only; the caller closes it. */
export function dbAtVersion(dir: string, version: number): Db {
  return openDatabase(path.join(dir, LIBRARY_FILE), { migrations: MIGRATIONS.filter((m) => m.version <= version) });
}

export interface MigrationDb {
  /** This test's temp directory. */
  dir(): string;
  /** The library file in it. */
  file(): string;
  /** Opens the library in it at the latest schema (migrating it); closed after the test. */
  open(): Db;
  /**
   * A data folder (`data` in this test's directory) whose library is built up to `version` only, as
   * an older app left it, and that library open; the caller closes it before opening the folder
   * with the app.
   */
  dataDirAt(version: number): { dataDir: string; db: Db };
}

/** Registers the hooks (temp dir named `prefix…` before each test; open databases closed and the dir removed after) and returns accessors. */
export function useMigrationDb(prefix: string): MigrationDb {
  let dir: string | null = null;
  const opened: Db[] = [];
  beforeEach(() => {
    dir = tempDir(prefix);
  });
  afterEach(() => {
    for (const d of opened.splice(0)) d.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  const here = (): string => {
    if (!dir) throw new Error('useMigrationDb: used outside a test');
    return dir;
  };
  return {
    dir: here,
    file: () => path.join(here(), LIBRARY_FILE),
    open: () => {
      const d = openDatabase(path.join(here(), LIBRARY_FILE));
      opened.push(d);
      return d;
    },
    dataDirAt: (version) => {
      const dataDir = path.join(here(), 'data');
      fs.mkdirSync(dataDir);
      return { dataDir, db: dbAtVersion(dataDir, version) };
    },
  };
}
