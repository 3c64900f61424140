import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';
import { openDatabase, schemaVersion, type Db } from './open';
import { qcError } from '../../../test-support/fixtures';

let dir: string;
let file: string;
const opened: Db[] = [];

function open(...args: Parameters<typeof openDatabase>): Db {
  const db = openDatabase(...args);
  opened.push(db);
  return db;
}


const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const migrationRows = (db: Db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as { version: number; name: string; applied_at: string }[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-'));
  file = path.join(dir, 'library.sqlite');
});

afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('records every migration of a fresh database, up to the latest version', () => {
    const db = open(file);
    expect(LATEST_SCHEMA_VERSION).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    expect(migrationRows(db).map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['settings', 'imports', 'images', 'image_urls', 'source_rows', 'labels', 'label_batches', 'label_events', 'failures', 'bundles', 'bundle_items']) {
      expect(tables).toContain(t);
    }
  });

  it('uses WAL and enforces foreign keys', () => {
    const db = open(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => db.prepare('INSERT INTO image_urls (url, image_id) VALUES (?, ?)').run('https://x/y.jpg', 12345)).toThrow(/FOREIGN KEY/);
  });

  it('applies nothing twice on reopen and keeps the data', () => {
    const first = open(file);
    const before = migrationRows(first);
    first.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', '"v"');
    first.close();

    const again = open(file);
    expect(migrationRows(again)).toEqual(before);
    expect(again.prepare('SELECT value FROM settings WHERE key = ?').pluck().get('k')).toBe('"v"');
    expect(schemaVersion(again)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('reports version 0 for a database without schema_migrations', () => {
    const raw = new Database(file);
    expect(schemaVersion(raw)).toBe(0);
    raw.close();
  });

  describe("refuses another program's database unchanged (audit-durable F6)", () => {
    /** A database another program made, in its own journal mode; its sha256 before the open. */
    function foreign(sql: string): string {
      const raw = new Database(file);
      raw.exec(sql);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
      raw.close();
      return sha(file);
    }

    /** The open was refused naming the file, and nothing changed: same bytes, no -wal or -shm, journal mode and tables as they were. */
    function refusedUnchanged(before: string, tables: string[]): void {
      const e = qcError(() => open(file));
      expect(e.code).toBe('bad_input');
      expect(e.message).toBe(`${file} is not a Quality Curator library database (it holds another program's tables: ${tables.join(', ')}), so its contents were not changed: move it out of ${dir}, or choose another folder.`);
      expect(sha(file)).toBe(before);
      expect(fs.readdirSync(dir)).toEqual(['library.sqlite']);
      const check = new Database(file, { readonly: true });
      expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(tables);
      check.close();
    }

    it('one with unrelated tables (before: migrated into ours, and switched to WAL)', () => {
      const before = foreign("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');");
      refusedUnchanged(before, ['notes']);
    });

    it('one with a table named like ours (before: "table images already exists", after changing the file)', () => {
      const before = foreign('CREATE TABLE images (id INTEGER PRIMARY KEY); CREATE TABLE z (x); CREATE INDEX images_x ON z (x);');
      refusedUnchanged(before, ['images', 'z']);
    });

    it('but an empty file (a new database) is migrated', () => {
      fs.writeFileSync(file, '');
      expect(schemaVersion(open(file))).toBe(LATEST_SCHEMA_VERSION);
    });
  });

  describe('refuses a database newer than the code', () => {
    const newer = LATEST_SCHEMA_VERSION + 1;

    it('written by a newer Quality Curator (WAL), leaving the file untouched', () => {
      const db = open(file);
      db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(newer, 'from the future');
      db.close();
      const before = sha(file);
      const filesBefore = fs.readdirSync(dir).sort();

      const e = qcError(() => open(file));
      expect(e.code).toBe('schema_too_new');
      expect(e.file).toBe(file);
      expect(e.message).toContain(String(newer));
      expect(e.message).toContain(String(LATEST_SCHEMA_VERSION));

      expect(sha(file)).toBe(before);
      expect(fs.readdirSync(dir).sort()).toEqual(filesBefore);
      const check = new Database(file, { readonly: true });
      expect(check.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(newer);
      check.close();
    });

    it('in rollback-journal mode, leaving the file untouched (not even switched to WAL)', () => {
      const raw = new Database(file);
      raw.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT 'x');
                CREATE TABLE future_thing (id INTEGER PRIMARY KEY);`);
      raw.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(newer, 'future');
      expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
      raw.close();
      const before = sha(file);

      const e = qcError(() => open(file));
      expect(e.code).toBe('schema_too_new');
      expect(e.file).toBe(file);
      expect(sha(file)).toBe(before);

      const check = new Database(file, { readonly: true });
      expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
      check.close();
    });

    it('also when opened read-only', () => {
      const db = open(file);
      db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(newer, 'future');
      db.close();
      const e = qcError(() => open(file, { readonly: true }));
      expect(e.code).toBe('schema_too_new');
      expect(e.file).toBe(file);
    });
  });

  it('applies a custom migration list in version order', () => {
    const migrations: Migration[] = [
      { version: 3, name: 'three', sql: "INSERT INTO t (step) VALUES ('three')" },
      { version: 1, name: 'one', sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, step TEXT NOT NULL)' },
      { version: 2, name: 'two', sql: "ALTER TABLE t ADD COLUMN extra TEXT; INSERT INTO t (step, extra) VALUES ('two', 'x')" },
    ];
    const db = open(file, { migrations });
    expect(migrationRows(db).map((r) => [r.version, r.name])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    expect(db.prepare('SELECT step FROM t ORDER BY id').pluck().all()).toEqual(['two', 'three']);
    expect(schemaVersion(db)).toBe(3);
    db.close();

    // Adding a migration later applies only the new one.
    const more = [...migrations, { version: 4, name: 'four', sql: "INSERT INTO t (step) VALUES ('four')" }];
    const db2 = open(file, { migrations: more });
    expect(db2.prepare('SELECT step FROM t ORDER BY id').pluck().all()).toEqual(['two', 'three', 'four']);
    expect(migrationRows(db2).map((r) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it('rolls back a failing migration and records nothing for it', () => {
    const good: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY)' };
    const bad: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE u (id INTEGER); INSERT INTO no_such_table VALUES (1)' };
    expect(() => openDatabase(file, { migrations: [good, bad] })).toThrow(/no_such_table/);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'u'").get()).toBeUndefined();
    check.close();
  });
});

describe('label_events is append-only', () => {
  it('refuses UPDATE and DELETE but allows INSERT', () => {
    const db = open(file);
    const imageId = Number(
      db
        .prepare("INSERT INTO images (sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES ('abc', 'o/a.jpg', 'jpeg', 1, 1, 10, 't/a.webp', 'p/a.webp')")
        .run().lastInsertRowid,
    );
    const batchId = Number(db.prepare("INSERT INTO label_batches (actor) VALUES ('curator')").run().lastInsertRowid);
    const insert = db.prepare("INSERT INTO label_events (batch_id, image_id, old_label, new_label, old_origin, new_origin) VALUES (?, ?, NULL, 'good', NULL, 'curator')");
    insert.run(batchId, imageId);
    insert.run(batchId, imageId);

    expect(() => db.prepare("UPDATE label_events SET new_label = 'bad'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM label_events').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM label_events WHERE id = 1').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT new_label FROM label_events ORDER BY id').pluck().all()).toEqual(['good', 'good']);
  });
});
