/**
 * Open the library database: WAL, foreign keys, numbered migrations recorded in the database.
 *
 * One-writer discipline (several processes may open one library: the app, `qc` commands, workers):
 * SQLite allows one writer at a time. Every connection waits up to BUSY_TIMEOUT_MS for the write
 * lock, and every transaction that reads and then writes starts with BEGIN IMMEDIATE
 * (better-sqlite3's `db.transaction(fn).immediate()`), so it takes the write lock before its first
 * read: a deferred transaction that tries to upgrade its read lock while another process writes
 * fails at once with SQLITE_BUSY (the busy timeout cannot help there). Transactions stay short
 * (one image, one label batch); slow work (downloads, decoding, training) runs outside them.
 * Each migration runs in an IMMEDIATE transaction that re-reads the schema version, so two processes
 * opening a new library at once apply each migration once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { QcError } from '../../../src-shared/contract/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';
import { databaseOpenError, readOnlyAtOpen } from './openErrors';
import { translateWriteErrors } from './writeErrors';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  migrations?: readonly Migration[];
  /** How long to wait for another connection's lock (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/** How long a connection waits for another process's write to finish. */
export const BUSY_TIMEOUT_MS = 15_000;

/**
 * A database file that cannot be used (a folder, another kind of file, damaged, locked by another
 * program past the wait, in a folder that cannot be written) is refused with a `bad_input` naming
 * it and why (openErrors.ts), never SQLite's bare "unable to open database file". One it could
 * only read is refused as `read_only`; a change that fails later for the same reasons is answered
 * with a QcError naming the file (writeErrors.ts).
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const wait = opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, timeout: wait });
  } catch (e) {
    throw databaseOpenError(file, e, wait);
  }
  try {
    db.pragma(`busy_timeout = ${wait}`);
    // Refuse a database from a newer Quality Curator before changing anything in it, even its journal mode.
    checkNotNewer(db, file, latestOf(opts.migrations ?? MIGRATIONS));
    if (!opts.readonly) {
      // Nor a database another program made: migrating it would add our tables to its own.
      checkOurs(db, file);
      // Nor one that cannot be written: SQLite opens it read-only without a word, and every change would fail.
      const readOnly = readOnlyAtOpen(file);
      if (readOnly) throw readOnly;
      retryBusy(() => db.pragma('journal_mode = WAL'), wait);
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      migrate(db, file, opts.migrations ?? MIGRATIONS);
      translateWriteErrors(db, file);
    }
    openHere.add(db);
    return db;
  } catch (e) {
    db.close();
    throw databaseOpenError(file, e, wait);
  }
}

/** How long {@link checkDatabaseFile} waits for a lock before leaving the file to openDatabase. */
const CHECK_WAIT_MS = 1_000;

/**
 * Refuse, before anything of the library is made beside it (its folders, the owner lock), a database
 * file that openDatabase refuses unchanged: one another program made ({@link checkOurs}), one of a
 * newer Quality Curator, or a file that is no database at all or is damaged. A file that is not there,
 * or empty, is a new library's. Read as openDatabase reads it before changing anything: through a
 * read-write connection, because a read-only one leaves a WAL database's -wal and -shm behind
 * while the last read-write one to close removes them. Anything else that keeps it from opening (a
 * lock past a short wait, no permission, a read-only disk) is left to openDatabase, which words it.
 */
export function checkDatabaseFile(file: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return;
  }
  if (!st?.isFile() || st.size === 0) return;
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true, timeout: CHECK_WAIT_MS });
  } catch {
    return;
  }
  try {
    checkNotNewer(db, file, LATEST_SCHEMA_VERSION);
    checkOurs(db, file);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof QcError || code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))) throw databaseOpenError(file, e, CHECK_WAIT_MS);
  } finally {
    db.close();
  }
}

/** The connections this process opened (closed ones are dropped as they are met). */
const openHere = new Set<Db>();

/**
 * Whether `file` is the database file of a library this process has open, or its -wal or -shm
 * (compared by device and inode, so through any path or link). Such a file is never opened as an
 * input (library/sources.ts openLocalFile, `qc features`): closing any descriptor of it drops every
 * POSIX lock the process holds on it, SQLite's included, and another process's SQLite could then
 * checkpoint the library and delete the -wal and -shm this one still uses (db/warm.ts).
 */
export function isOpenDatabaseFile(file: fs.PathLike): boolean {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (!st) return false;
  for (const db of openHere) {
    if (!db.open) {
      openHere.delete(db);
      continue;
    }
    for (const name of [db.name, `${db.name}-wal`, `${db.name}-shm`]) {
      const other = fs.statSync(name, { throwIfNoEntry: false });
      if (other && other.dev === st.dev && other.ino === st.ino) return true;
    }
  }
  return false;
}

function latestOf(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export function schemaVersion(db: Db): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

function checkNotNewer(db: Db, file: string, latest: number): number {
  const current = schemaVersion(db);
  if (current > latest) {
    throw new QcError(
      'schema_too_new',
      `the library database has schema version ${current}, but this Quality Curator knows only up to ${latest}; update Quality Curator`,
      { file },
    );
  }
  return current;
}

/**
 * Refuse, before anything in it is changed (its journal mode included), a database that has no
 * schema_migrations table but already holds tables, views, indexes or triggers: another program's
 * database that happens to be named like ours. Only an empty database (a new file) is migrated
 * from nothing.
 */
function checkOurs(db: Db, file: string): void {
  // One read transaction: as separate statements, a library another process was creating could be
  // empty at the first look and hold its tables at the second (no schema_migrations yet, then
  // tables): refused as another program's (a CI run polling a library a child qc was making).
  const names = db.transaction((): string[] | null => {
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) return null;
    if (!db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get()) return null;
    return db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name LIMIT 4").pluck().all();
  })();
  if (!names) return;
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
  throw new QcError(
    'bad_input',
    // Its contents, not its bytes: opening it read-write (checkDatabaseFile) merges a WAL database's
    // -wal into it as SQLite does on the last close, which keeps every row of it.
    `${file} is not a Quality Curator library database (it holds another program's tables: ${shown}), so its contents were not changed: move it out of ${path.dirname(file)}, or choose another folder.`,
  );
}

/**
 * Apply every migration newer than the database, each in its own IMMEDIATE transaction that reads
 * the current version under the write lock (another process may be migrating the same file).
 */
export function migrate(db: Db, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`);
  const latest = latestOf(migrations);
  checkNotNewer(db, file, latest);
  const applied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.get(m.version)) continue;
    // Each migration in its own transaction (a failing one rolls back alone), checked again under
    // the lock. A migration is applied when it is not recorded, so one numbered below a newer one
    // (written at the same time on another branch) is still applied.
    db.transaction(() => {
      checkNotNewer(db, file, latest);
      if (applied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name);
    }).immediate();
  }
  return schemaVersion(db);
}

/** Run `fn`, retrying for up to BUSY_TIMEOUT_MS while another connection holds a lock it needs (journal-mode changes do not wait by themselves). */
export function retryBusy<T>(fn: () => T, ms = BUSY_TIMEOUT_MS): T {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 40);
    }
  }
}

export { LATEST_SCHEMA_VERSION };
