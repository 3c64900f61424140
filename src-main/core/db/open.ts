/** Open the library database: WAL, foreign keys, numbered migrations recorded in the database. */
import Database from 'better-sqlite3';
import { QcError } from '../../../src-shared/contract/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  migrations?: readonly Migration[];
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: opts.readonly ?? false });
  try {
    db.pragma('busy_timeout = 10000');
    // Refuse a database from a newer Quality Curator before changing anything in it, even its journal mode.
    checkNotNewer(db, file, latestOf(opts.migrations ?? MIGRATIONS));
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) migrate(db, file, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
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

/** Apply every migration newer than the database, each in its own transaction. */
export function migrate(db: Db, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`);
  const current = checkNotNewer(db, file, latestOf(migrations));
  const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name);
    })();
  }
  return schemaVersion(db);
}

export { LATEST_SCHEMA_VERSION };
